"""Grid pages in headless Chromium: a grid worker's round on a phone, a community worker's care
list and the audited reveal of restricted tags at a desk."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from governance.models import AuditEvent
from grids.models import Visit
from tests.browser.conftest import PHONE, NewPage, log_in
from tests.conftest import Personas, Tree
from tests.grids.conftest import GridWorld, world
from tests.helpers import resident_id

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["world"]  # the fixture, shared with the page tests

WANG_ID = resident_id("11010119450307002")


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def photo_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (40, 120, 200)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_grid_worker_finds_a_household_and_records_a_visit_on_a_phone(
    new_page: NewPage, tree: Tree, people: Personas, world: GridWorld
) -> None:
    page = new_page(viewport=PHONE)
    log_in(page, "grid")
    page.locator("[data-testid=my-grids-link]").click()
    expect(page).to_have_url(re.compile(r"/grids/$"))
    cards = page.locator("[data-testid=my-grids] [data-grid]")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("光明一网格")
    expect(cards.first.locator("[data-testid=household-count]")).to_have_text("2")
    no_horizontal_scroll(page)

    # Search by the resident's name: a plain GET URL with the query.
    page.locator("#household-search-q").fill("王秀英")
    page.locator("[data-testid=household-search] button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/grids/households/\?q="))
    rows = page.locator("[data-testid=households-table] tbody tr")
    expect(rows).to_have_count(1)
    no_horizontal_scroll(page)
    row_box = rows.first.bounding_box()
    assert row_box is not None
    assert row_box["x"] + row_box["width"] <= PHONE["width"]

    rows.first.get_by_role("link", name="1号楼1单元101室").click()
    expect(page.locator("[data-testid=household-address]")).to_have_text("1号楼1单元101室")
    expect(page.locator("[data-testid=visit-history] .visit-item")).to_have_count(1)
    expect(page.locator("[data-testid=watermark]")).to_have_count(1)
    assert WANG_ID not in page.content()
    no_horizontal_scroll(page)

    # The reveal of the ID number: one field, in place, audited.
    wang = world.wang.person
    with page.expect_response(re.compile(r"/reveal/document_number/$")) as revealed:
        page.locator(f"[data-testid=reveal-document_number-{wang.pk}]").click()
    assert revealed.value.request.method == "POST"
    expect(page.locator("[data-testid=revealed-document_number]")).to_have_text(WANG_ID)
    expect(page.locator(f"[data-testid=value-mobile-{wang.pk}]")).to_have_text("139****5678")
    # The mobile revealed: its label stays, the number is a tel: link, the button goes.
    page.locator(f"[data-testid=reveal-mobile-{wang.pk}]").click()
    mobile = page.locator(".secret-field[data-field=mobile]").first
    expect(mobile.locator("a[href='tel:13912345678']")).to_have_text("13912345678")
    expect(mobile.locator(".secret-label")).to_be_visible()
    expect(page.locator(f"[data-testid=reveal-mobile-{wang.pk}]")).to_have_count(0)

    # 走访登记: big purpose buttons, notes, a photo from the camera.
    page.locator("[data-testid=record-visit]").click()
    expect(page).to_have_url(re.compile(rf"/grids/visits/new/\?household={world.home_101.pk}$"))
    no_horizontal_scroll(page)
    purpose = page.locator("label[for=id_purpose_4]")  # care visit
    box = purpose.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    purpose.click()
    expect(page.locator("#id_purpose_4")).to_be_checked()
    page.locator("#id_notes").fill("老人身体好，已送米面油")
    page.locator("#id_photos").set_input_files(
        {"name": "visit.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}
    )
    page.locator("[data-testid=save-visit]").click()

    expect(page).to_have_url(re.compile(rf"/grids/households/{world.home_101.pk}/$"))
    expect(page.locator(".alert-success")).to_have_count(1)
    history = page.locator("[data-testid=visit-history] .visit-item")
    expect(history).to_have_count(2)
    expect(history.first).to_contain_text("老人身体好，已送米面油")
    thumbnail = history.first.locator("[data-testid=visit-photo]")
    expect(thumbnail).to_have_count(1)
    expect(thumbnail).to_have_js_property("complete", True)
    assert thumbnail.evaluate("img => img.naturalWidth") > 0
    no_horizontal_scroll(page)

    visit = Visit.objects.latest("id")
    assert (visit.household_id, visit.visitor_id, visit.purpose, visit.notes) == (
        world.home_101.pk,
        people.grid.pk,
        Visit.Purpose.CARE_VISIT,
        "老人身体好，已送米面油",
    )
    assert visit.photos.count() == 1
    events = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).order_by("pk")
    assert [(e.actor_id, e.object_id, e.changes) for e in events] == [
        (people.grid.pk, str(wang.pk), {"field": "document_number"}),
        (people.grid.pk, str(wang.pk), {"field": "mobile"}),
    ]


def test_community_worker_lists_elderly_living_alone_and_shows_restricted_tags(
    page: Page, tree: Tree, people: Personas, world: GridWorld
) -> None:
    log_in(page, "worker")
    page.locator("[data-testid=nav-grids]").click()
    expect(page.locator("[data-testid=grids-table] tbody tr")).to_have_count(3)
    page.locator("[data-testid=subnav-residents]").click()
    expect(page.locator("[data-testid=residents-table] tbody tr")).to_have_count(3)

    page.locator("[data-testid=care-links] a").nth(1).click()  # elderly living alone
    expect(page).to_have_url(re.compile(r"care_tag=lives_alone_elderly"))
    rows = page.locator("[data-testid=residents-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("王秀英")
    page.locator("[data-testid=visited-links] a").nth(2).click()  # not visited
    expect(page).to_have_url(re.compile(r"visited=no"))
    expect(page.locator("[data-testid=residents-empty]")).to_be_visible()
    page.locator("[data-testid=visited-links] a").nth(1).click()  # visited
    expect(rows).to_have_count(1)

    rows.first.get_by_role("link", name="王秀英").click()
    expect(page.locator("[data-testid=household-address]")).to_have_text("1号楼1单元101室")
    with page.expect_response(re.compile(r"/restricted/$")) as shown:
        page.locator(f"[data-testid=reveal-restricted-{world.wang.pk}]").click()
    assert shown.value.request.method == "POST"
    expect(page.locator(f"[data-testid=restricted-{world.wang.pk}] .badge")).to_have_count(1)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL)
    assert [(e.actor_id, e.object_type, e.object_id, e.changes) for e in events] == [
        (people.worker.pk, "grids.Resident", str(world.wang.pk), {"field": "restricted_tags"})
    ]
