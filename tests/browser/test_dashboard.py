"""The command view in headless Chromium: an official drills from the street's dashboard into a
community, follows an overdue figure to its list and exports the ranking; an official of the
district opens a street from the district's map; a grid worker on a phone finds the households
due a visit from the home page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from grids import services as grid_services
from grids.models import Visit
from orgchart.models import User
from petitions import services
from petitions.sweep import escalate_overdue
from tests.browser.conftest import PHONE, NewPage, log_in
from tests.browser.test_grids import no_horizontal_scroll
from tests.conftest import Personas, Tree, make_user
from tests.grids.conftest import GridWorld, world
from tests.petitions.conftest import default_policies, log_petition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["default_policies", "world"]  # fixtures, shared with the other tests


@pytest.mark.slow
def test_official_drills_down_follows_overdue_and_exports_the_ranking(
    new_page: NewPage, tree: Tree, people: Personas, default_policies: None
) -> None:
    now = timezone.now()
    five_days_ago = now - dt.timedelta(days=5)
    late = log_petition(people, tree, now=five_days_ago)  # its acceptance deadline passed
    on_time = log_petition(people, tree, now=now, title="路灯不亮")
    services.petition_accept(actor=people.worker, petition=on_time, now=now)
    escalate_overdue(now=now)
    first = timezone.localtime(five_days_ago).date()
    last = timezone.localdate()

    page = new_page()
    log_in(page, "official")
    expect(page.locator("[data-testid=unit-board]")).to_be_visible()
    page.goto(f"/dashboard/{tree.east.pk}/?date_from={first}&date_to={last}")
    expect(page.locator("[data-testid=figure-received] .stat-value")).to_have_text("2")
    page.locator(f"[data-child='{tree.guangming.pk}'] [data-testid=drill-down]").click()
    expect(page).to_have_url(re.compile(rf"/dashboard/{tree.guangming.pk}/\?date_from="))
    expect(page.locator("[data-testid=board-path]")).to_contain_text("东城街道")
    overdue = page.locator("[data-testid=figure-overdue] .stat-value")
    expect(overdue).to_have_text("1")
    overdue.click()
    expect(page).to_have_url(re.compile(r"/petitions/\?.*overdue=yes"))
    rows = page.locator("[data-testid=petitions-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_have_attribute("data-petition", str(late.pk))
    expect(rows.first).to_contain_text("超期")

    page.goto(f"/dashboard/{tree.east.pk}/ranking/")
    expect(page.locator("[data-testid=unit-ranking]")).to_contain_text("光明社区")
    with page.expect_download() as download:
        page.locator("[data-testid=export-ranking]").click()
    assert download.value.suggested_filename.endswith(".xlsx")


def square(west: float) -> dict[str, object]:
    ring = [[west, 39.6], [west + 0.01, 39.6], [west + 0.01, 39.61], [west, 39.61], [west, 39.6]]
    return {"type": "Polygon", "coordinates": [ring]}


def test_official_of_a_district_opens_a_street_from_its_map(
    new_page: NewPage, tree: Tree, people: Personas, world: GridWorld, default_policies: None
) -> None:
    make_user("district_official", User.Role.OFFICIAL, unit=tree.district)
    grid_services.grid_update(actor=None, grid=world.grid_a, boundary=square(118.10))
    grid_services.grid_update(actor=None, grid=world.xinhua_grid, boundary=square(118.13))
    log_petition(people, tree, grid=world.grid_a, now=timezone.now())

    page = new_page(viewport=PHONE)
    log_in(page, "district_official")
    board_map = page.locator("[data-testid=board-map]")
    expect(board_map).to_contain_text("下级单位诉求分布图")
    # One shape a street, named on the map with its open and overdue cases.
    expect(board_map.locator(".leaflet-interactive")).to_have_count(2)
    expect(board_map.locator(".map-label").first).to_contain_text("东城街道")
    expect(board_map.locator(".map-label").first).to_contain_text("在办 1")
    no_horizontal_scroll(page)
    board_map.locator(".leaflet-interactive").first.click()
    expect(page).to_have_url(re.compile(rf"/dashboard/{tree.east.pk}/\?date_from="))
    # The street's own map draws its grids.
    expect(page.locator("[data-map=grids]")).to_be_visible()
    expect(page.locator("[data-testid=board-map] .leaflet-interactive")).to_have_count(1)


def test_grid_worker_sees_households_due_a_visit_on_a_phone(
    new_page: NewPage, tree: Tree, people: Personas, world: GridWorld
) -> None:
    Visit.objects.filter(pk=world.visit_101.pk).update(
        visited_at=timezone.now() - dt.timedelta(days=40)
    )
    page = new_page(viewport=PHONE)
    log_in(page, "grid")
    care = page.locator("[data-testid=work-care_due]")
    expect(care.locator(".work-count")).to_have_text("1")
    no_horizontal_scroll(page)
    care.click()
    expect(page).to_have_url(re.compile(r"/grids/households/\?unvisited=30&care=on"))
    rows = page.locator("[data-testid=households-table] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("101")
    no_horizontal_scroll(page)
