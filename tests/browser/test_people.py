"""People pages in headless Chromium: search, the person page, the audited reveal, phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from governance.models import AuditEvent
from tests.browser.conftest import PHONE, NewPage, log_in
from tests.conftest import Personas, Tree
from tests.orgchart.test_people_pages import ZHANG_ID, ZHANG_MOBILE, Residents, residents

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["residents"]  # the fixture, shared with the page tests


def test_worker_searches_opens_a_person_and_reveals_the_id_number(
    page: Page, tree: Tree, people: Personas, residents: Residents
) -> None:
    log_in(page, "worker")
    page.locator("[data-testid=nav-people]").click()
    expect(page).to_have_url(re.compile(r"/org/people/$"))
    table = page.locator("[data-testid=people-table]")
    expect(table.locator("tbody tr")).to_have_count(2)
    expect(page.locator("[data-testid=watermark]")).to_have_count(1)

    # Initials: a plain GET URL.
    page.get_by_role("searchbox").fill("zsf")
    page.get_by_role("button", name=re.compile("搜索|Search")).click()
    expect(page).to_have_url(re.compile(r"/org/people/\?q=zsf$"))
    expect(table.locator("tbody tr")).to_have_count(1)

    # A whole ID number is searched without landing in the address bar or the page.
    page.get_by_role("searchbox").fill(ZHANG_ID)
    page.get_by_role("button", name=re.compile("搜索|Search")).click()
    expect(page.locator("[data-testid=masked-query]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/org/people/$"))
    assert ZHANG_ID not in page.content()
    expect(table.locator("tbody tr")).to_have_count(1)

    table.get_by_role("link", name="张三丰").click()
    expect(page.locator("[data-testid=person-name]")).to_have_text("张三丰")
    masked = residents.zhang.masked_document_number
    expect(page.locator("[data-testid=value-document_number]")).to_have_text(masked)
    expect(page.locator("[data-testid=value-mobile]")).to_have_text("138****5678")
    assert ZHANG_ID not in page.content()

    with page.expect_response(re.compile(r"/reveal/document_number/$")) as revealed:
        page.locator("[data-testid=reveal-document_number]").click()
    assert revealed.value.status == 200
    assert revealed.value.request.method == "POST"
    assert revealed.value.headers["cache-control"] == "no-store"
    expect(page.locator("[data-testid=revealed-document_number]")).to_have_text(ZHANG_ID)
    # Only that field: the mobile stays masked, and the page did not reload.
    expect(page.locator("[data-testid=value-mobile]")).to_have_text("138****5678")
    assert ZHANG_MOBILE not in page.content()
    events = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL)
    assert [(e.actor_id, e.object_id, e.changes) for e in events] == [
        (people.worker.pk, str(residents.zhang.pk), {"field": "document_number"})
    ]


def test_people_list_fits_a_phone(
    new_page: NewPage, tree: Tree, people: Personas, residents: Residents
) -> None:
    page = new_page(viewport=PHONE)
    log_in(page, "worker")
    page.goto("/org/people/")
    rows = page.locator("[data-testid=people-table] tbody tr")
    expect(rows).to_have_count(2)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    for index in range(2):
        box = rows.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    # The watermark covers the page but takes no clicks: the row's link opens the person.
    watermark = page.locator("[data-testid=watermark]")
    assert watermark.evaluate("el => getComputedStyle(el).pointerEvents") == "none"
    rows.filter(has_text="王五").click()
    expect(page.locator("[data-testid=person-name]")).to_have_text("王五")
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
