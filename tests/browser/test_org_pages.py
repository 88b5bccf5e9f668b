"""The org tree browser and the scope of unit pages, in headless Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.browser.conftest import DASHBOARD_URL, log_in
from tests.conftest import Personas, Tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def children_url(pk: int) -> re.Pattern[str]:
    return re.compile(rf"/org/{pk}/children/$")


def test_unit_outside_the_workers_community_is_a_404(page: Page, tree: Tree, people: Personas):
    log_in(page, "worker")
    response = page.goto(f"/org/{tree.xinhua.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("[data-testid=error-status]")).to_have_text("404")
    expect(page.locator("[data-testid=unit-name]")).to_have_count(0)
    expect(page.get_by_text("新华社区")).to_have_count(0)
    # Still logged in, and the way back works.
    expect(page.locator("[data-testid=user-menu]")).to_be_visible()
    page.locator("[data-testid=error-home]").click()
    expect(page).to_have_url(DASHBOARD_URL)


def test_tree_expands_and_collapses_through_htmx(page: Page, tree: Tree, people: Personas):
    log_in(page, "official")  # scope: 东城街道 and below, a single root
    org_tree = page.locator(".org-tree")
    east_toggle = page.locator(f'li[data-unit="{tree.east.pk}"] > div > .tree-toggle')
    guangming_toggle = page.locator(f'li[data-unit="{tree.guangming.pk}"] > div > .tree-toggle')
    guangming = org_tree.get_by_role("link", name="光明社区", exact=True)
    compound = org_tree.get_by_role("link", name="光明小区", exact=True)
    fragments: list[str] = []
    page.on("request", lambda request: fragments.append(request.url))

    # The page itself holds the root only; its single root opens one level through htmx.
    with page.expect_response(children_url(tree.east.pk)) as first_level:
        page_response = page.goto("/org/")
    assert page_response is not None
    assert "东城街道" in page_response.text()
    assert "光明社区" not in page_response.text()
    assert first_level.value.ok
    expect(east_toggle).to_have_attribute("aria-expanded", "true")
    expect(guangming).to_be_visible()
    expect(org_tree.get_by_role("link", name="和平社区", exact=True)).to_be_visible()
    expect(compound).to_have_count(0)

    # The caret next to 光明社区 loads the next level.
    expect(guangming_toggle).to_have_attribute("aria-expanded", "false")
    with page.expect_response(children_url(tree.guangming.pk)) as fragment:
        guangming_toggle.click()
    assert fragment.value.ok
    assert fragment.value.request.header_value("hx-request") == "true"
    expect(guangming_toggle).to_have_attribute("aria-expanded", "true")
    expect(compound).to_be_visible()
    expect(org_tree.get_by_role("link", name="下沉党员支部", exact=True)).to_be_visible()

    # Collapsing hides the loaded levels; reopening shows them again without a new request.
    east_toggle.click()
    expect(east_toggle).to_have_attribute("aria-expanded", "false")
    expect(guangming).to_be_hidden()
    east_toggle.click()
    expect(guangming).to_be_visible()
    expect(compound).to_be_visible()
    assert sum(bool(children_url(tree.east.pk).search(url)) for url in fragments) == 1

    # Leaves have no caret; the names open the unit page.
    expect(page.locator(f'li[data-unit="{tree.heping.pk}"] .tree-toggle')).to_have_count(0)
    compound.click()
    expect(page.locator("[data-testid=unit-name]")).to_have_text("光明小区")


def test_the_admin_tree_opens_two_levels_and_remembers_what_is_opened(
    page: Page, tree: Tree, people: Personas
):
    log_in(page, "root")  # the superuser: the whole city
    page.goto("/admin/orgchart/orgunit/")
    rows = page.locator("#result_list tbody tr")

    def row(unit_name: str) -> Locator:
        return rows.filter(has=page.get_by_role("link", name=unit_name, exact=True))

    # The city and its district are open: the streets show, closed; nothing below them.
    for name in ("云州市", "云阳区", "东城街道", "西城街道"):
        expect(row(name)).to_be_visible()
    for name in ("光明社区", "和平社区", "新华社区", "光明小区", "1号楼"):
        expect(row(name)).to_be_hidden()
    # Opening a street shows its communities (光明社区 still closed), and stays so on reload.
    row("东城街道").locator(".tree-node").click()
    expect(row("光明社区")).to_be_visible()
    expect(row("和平社区")).to_be_visible()
    expect(row("光明小区")).to_be_hidden()
    page.reload()
    expect(row("光明社区")).to_be_visible()
    expect(row("光明小区")).to_be_hidden()
    expect(row("新华社区")).to_be_hidden()
