"""Logging in, the phone layout and the page language, in headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DASHBOARD_URL, PHONE, NewPage, log_in
from tests.conftest import Personas, Tree

LOGIN_URL = re.compile(r"/accounts/login/$")

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def horizontal_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_worker_logs_in_and_opens_their_community(page: Page, tree: Tree, people: Personas):
    log_in(page, "worker")
    expect(page.locator("[data-testid=user-menu]")).to_contain_text("worker")

    page.locator('#main-nav a[href="/org/"]').click()  # the navbar's "Org tree"
    expect(page).to_have_url(re.compile(r"/org/$"))
    page.locator(".org-tree").get_by_role("link", name="光明社区", exact=True).click()

    expect(page).to_have_url(re.compile(rf"/org/{tree.guangming.pk}/$"))
    expect(page.locator("[data-testid=unit-name]")).to_have_text("光明社区")
    children = page.locator("[data-testid=children]")
    expect(children.get_by_role("link", name="光明小区")).to_be_visible()
    expect(children.get_by_role("link", name="下沉党员支部")).to_be_visible()


def test_phone_width_login_form_and_unit_page_fit(new_page: NewPage, tree: Tree, people: Personas):
    page = new_page(viewport=PHONE)
    page.goto("/accounts/login/")
    form = page.locator("[data-testid=login-form]")
    expect(form).to_be_visible()
    box = form.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"]
    assert horizontal_overflow(page) == 0

    log_in(page, "worker")
    page.goto(f"/org/{tree.guangming.pk}/")
    expect(page.locator("[data-testid=unit-name]")).to_have_text("光明社区")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    toggler = page.locator(".navbar-toggler")
    menu = page.locator("#main-nav")
    expect(toggler).to_be_visible()
    expect(toggler).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    toggler.click()
    expect(toggler).to_have_attribute("aria-expanded", "true")
    expect(menu.locator('a[href="/org/"]')).to_be_visible()
    expect(menu.locator("[data-testid=user-menu]")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_wrong_password_shows_an_error_and_stays(page: Page, tree: Tree, people: Personas):
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("worker")
    page.locator("#id_password").fill("not-the-password")
    page.locator("[data-testid=login-form] button[type=submit]").click()

    expect(page.locator("[data-testid=login-error]")).to_be_visible()
    expect(page).to_have_url(LOGIN_URL)
    expect(page.locator("#id_username")).to_have_value("worker")
    expect(page.locator("#id_password")).to_have_value("")
    expect(page.locator("[data-testid=user-menu]")).to_have_count(0)


def test_language_is_chinese_despite_an_english_browser(
    new_page: NewPage, tree: Tree, people: Personas
):
    page = new_page(locale="en-US")
    response = page.goto("/accounts/login/")
    assert response is not None
    accept_language = response.request.header_value("accept-language") or ""
    assert accept_language.startswith("en-US")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.locator("#language-select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(LOGIN_URL)

    log_in(page, "worker")
    expect(page).to_have_url(DASHBOARD_URL)
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#language-select")).to_have_value("en")
