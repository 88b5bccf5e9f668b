"""The dashboard of a unit (governance.dashboard): figures from the rollups against their
definitions, drill-down, scope, the period, and the number of queries whatever the unit."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from governance.dashboard import selectors as dashboard_selectors
from governance.dashboard.selectors import Period, board_map, dashboard_unit, unit_dashboard
from governance.errors import NotAllowed
from grids import services as grid_services
from grids.models import Household, Resident
from orgchart.models import OrgUnit, PartyMember
from petitions.models import OPEN_STATUSES, Petition
from petitions.selectors import petition_figures, petition_list_visible
from petitions.sweep import escalate_overdue
from tests.helpers import api_for
from tests.petitions.conftest import log_petition
from tests.petitions.test_notifications import SATURDAY, crafted_set

NOVEMBER = Period(dt.date(2026, 11, 1), dt.date(2026, 12, 1))


@pytest.fixture
def crafted(people, tree, heping_worker, police_handler, district_official):
    """The hand-built set of test_notifications (reopen, unsatisfied evaluations, escalations,
    late reports, a late acceptance), with the sweep of Saturday recorded."""
    world = crafted_set(people, tree, heping_worker, police_handler, district_official)
    escalate_overdue(now=SATURDAY)
    return world


def test_the_figures_of_a_street_match_their_definitions(crafted, people, tree) -> None:
    board = unit_dashboard(user=people.official, unit=tree.east, period=NOVEMBER, now=SATURDAY)
    total = board.petitions.total
    direct = petition_figures(
        user=people.official,
        within=tree.east,
        date_from=dt.datetime(2026, 11, 1, tzinfo=SATURDAY.tzinfo),
        date_to=dt.datetime(2026, 12, 1, tzinfo=SATURDAY.tzinfo),
        now=SATURDAY,
    )
    assert (total.received, total.responded, total.rejected, total.accepted) == (9, 8, 1, 7)
    assert (total.received, total.responded, total.rejected, total.accepted) == (
        direct.logged,
        direct.responded,
        direct.rejected,
        direct.accepted,
    )
    assert (total.closed, total.closed_first_time, total.evaluated, total.satisfied) == (
        direct.closed,
        direct.closed_first_time,
        direct.evaluated,
        direct.satisfied,
    )
    assert (total.accepted_on_time, total.closed_on_time) == (
        direct.accepted_on_time,
        direct.closed_on_time,
    )
    assert (total.open, total.overdue) == (direct.open, direct.overdue)
    overdue_listed = petition_list_visible(
        user=people.official, within=tree.east, overdue=True, now=SATURDAY
    ).count()
    assert total.overdue == overdue_listed
    assert total.response_rate == direct.response_rate
    assert total.resolution_rate == direct.resolution_rate
    assert total.satisfaction_rate == direct.satisfaction_rate
    assert total.first_time_resolution_rate == direct.first_time_resolution_rate
    assert total.on_time_acceptance_rate == direct.on_time_acceptance_rate
    assert total.on_time_resolution_rate == direct.on_time_resolution_rate
    # The children: 光明社区 and 和平社区 add up to the street.
    children = {row.unit.name: row.tally for row in board.children}
    assert set(children) == {"光明社区", "和平社区"}
    assert children["和平社区"].received == 1
    assert children["光明社区"].received + children["和平社区"].received == total.received
    # The departments' whistles from the street.
    departments = {row.name: row for row in board.petitions.departments}
    assert departments["城管局"].dispatches == 2
    assert departments["城管局"].average_rating == 3.5
    assert departments["东城派出所"].return_rate == 1.0
    assert sum(tally.received for _, tally in board.petitions.by_week) == total.received
    assert sum(tally.received for tally in board.petitions.by_category.values()) == 9


def test_a_compound_counts_directly_with_the_same_definitions(crafted, people, tree) -> None:
    compound = unit_dashboard(
        user=people.official, unit=tree.guangming_compound, period=NOVEMBER, now=SATURDAY
    )
    community = unit_dashboard(
        user=people.official, unit=tree.guangming, period=NOVEMBER, now=SATURDAY
    )
    # Every petition of 光明社区 in the set was logged at 1号楼 of 光明小区.
    assert compound.petitions.total.counts == community.petitions.total.counts
    # The community's breakdown by child (finer than the rollups) counts them directly.
    by_child = {row.unit.pk: row.tally for row in community.children}
    assert by_child[tree.guangming_compound.pk].counts == community.petitions.total.counts
    assert [row.dispatches for row in compound.petitions.departments] == [
        row.dispatches for row in community.petitions.departments
    ]


def test_a_period_outside_the_cases_shows_nothing(crafted, people, tree) -> None:
    october = Period(dt.date(2026, 10, 1), dt.date(2026, 11, 1))
    board = unit_dashboard(user=people.official, unit=tree.east, period=october, now=SATURDAY)
    assert board.petitions.total.received == 0
    assert board.petitions.departments == []
    assert [monday.weekday() for monday, _ in board.petitions.by_week] == [0] * 5


@pytest.mark.parametrize(
    ("name", "count"),
    # The roots, the path (none above the city), the children, four of petitions (rollups
    # from community up, direct counts below), one for every grid, organisation and volunteer
    # figure.
    [("city", 7), ("district", 8), ("east", 8), ("guangming", 8), ("guangming_compound", 8)],
)
def test_a_dashboard_is_ten_queries_whatever_the_unit(crafted, people, tree, name, count) -> None:
    unit = getattr(tree, name)
    with CaptureQueriesContext(connection) as queries:
        board = unit_dashboard(user=people.superuser, unit=unit, period=NOVEMBER, now=SATURDAY)
    assert board.unit == unit
    assert len(queries) == count


def test_drill_down_and_the_way_back(crafted, people, tree, client) -> None:
    client.force_login(people.official)
    with time_machine.travel(SATURDAY, tick=False):
        home = client.get(reverse("home")).content.decode()
        community = client.get(
            reverse("dashboard_unit", args=[tree.guangming.pk]),
            {"date_from": "2026-11-01", "date_to": "2026-11-30"},
        ).content.decode()
    assert 'data-testid="unit-board"' in home
    assert reverse("dashboard_unit", args=[tree.guangming.pk]) in home
    # The way back up ends at the top of the official's area (东城街道), not above it.
    assert reverse("dashboard_unit", args=[tree.east.pk]) in community
    assert reverse("dashboard_unit", args=[tree.district.pk]) not in community
    assert f"unit={tree.guangming.pk}&amp;logged_from=2026-11-01&amp;logged_to=2026-11-30" in (
        community
    )
    # Repeat and complex cases link to their lists too; the channels are listed.
    assert "logged_to=2026-11-30&amp;repeat=yes" in community
    assert "logged_to=2026-11-30&amp;complex=on" in community
    assert 'data-testid="board-channels"' in community


def test_scope_and_roles(crafted, people, tree, client) -> None:
    api = api_for(people.official)
    assert api.get("/api/dashboard/", {"unit": tree.west.pk}).status_code == 404
    assert api.get("/api/dashboard/", {"unit": 10**9}).status_code == 404
    assert api.get("/api/dashboard/", {"unit": tree.guangming.pk}).status_code == 200
    for user in (people.handler, people.volunteer, people.grid):
        assert api_for(user).get("/api/dashboard/").status_code == 403
    client.force_login(people.official)
    assert client.get(reverse("dashboard_unit", args=[tree.west.pk])).status_code == 404
    client.force_login(people.worker)
    assert client.get(reverse("dashboard_unit", args=[tree.east.pk])).status_code == 404
    assert client.get(reverse("dashboard_unit", args=[tree.guangming.pk])).status_code == 200
    with pytest.raises(NotAllowed):
        dashboard_unit(user=people.handler)


def test_bad_periods_are_field_errors(people, tree) -> None:
    api = api_for(people.official)
    backwards = api.get("/api/dashboard/", {"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.status_code == 400
    assert "to" in backwards.json()
    malformed = api.get("/api/dashboard/", {"from": "30/11/2026", "unit": "x"})
    assert malformed.status_code == 400
    assert set(malformed.json()) >= {"from", "unit"}
    too_long = api.get("/api/dashboard/", {"from": "2020-01-01", "to": "2026-11-01"})
    assert too_long.status_code == 400


def test_the_api_returns_the_figures_of_the_page(crafted, people, tree) -> None:
    with time_machine.travel(SATURDAY, tick=False):
        body = (
            api_for(people.official)
            .get(
                "/api/dashboard/", {"unit": tree.east.pk, "from": "2026-11-01", "to": "2026-11-30"}
            )
            .json()
        )
    assert body["unit"] == {"id": tree.east.pk, "name": "东城街道", "kind": "street"}
    assert body["period"] == {"from": "2026-11-01", "to": "2026-11-30"}
    assert body["petitions"]["received"] == 9
    assert body["petitions"]["response_rate"] == 0.8889
    assert {row["name"] for row in body["children"]} == {"光明社区", "和平社区"}
    assert {row["name"] for row in body["petitions"]["departments"]} == {"城管局", "东城派出所"}


def test_the_command_screen_shows_the_newest_and_the_overdue(crafted, people, tree, client) -> None:
    client.force_login(people.official)
    with time_machine.travel(SATURDAY, tick=False):
        response = client.get(
            reverse("dashboard_screen", args=[tree.east.pk]),
            {"date_from": "2026-11-01", "date_to": "2026-11-30"},
        )
        outside = client.get(reverse("dashboard_screen", args=[tree.west.pk]))
    html = response.content.decode()
    assert '<meta http-equiv="refresh" content="60">' in html
    newest = [petition.pk for petition in response.context["newest"]]
    assert newest[0] == crafted["p10"].pk  # logged last
    overdue = {petition.pk for petition in response.context["overdue"]}
    assert overdue == {crafted["p4"].pk, crafted["p7"].pk, crafted["p9"].pk}
    assert crafted["p4"].number in html
    assert outside.status_code == 404


def test_grid_organisation_and_volunteer_figures(people, tree, world) -> None:
    OrgUnit.objects.filter(pk=tree.guangming.pk).update(rating="A")
    OrgUnit.objects.filter(pk=tree.heping.pk).update(rating="C", is_weak=True)
    board = unit_dashboard(user=people.official, unit=tree.east, period=NOVEMBER)
    grids = board.grids
    # 光明社区: three households (101 visited three days ago), three residents, 王秀英 with a
    # care tag; two grid staff, 网格员甲 a party member.
    assert (grids.households, grids.residents, grids.care_residents) == (3, 3, 1)
    assert grids.households == Household.objects.filter(community__in=[tree.guangming]).count()
    assert grids.residents == Resident.objects.filter(household__community=tree.guangming).count()
    assert (grids.visited_30, grids.visited_90) == (1, 1)
    assert grids.grids_by_kind == {"basic": 2, "dedicated": 1, "special": 0}
    assert (grids.staff, grids.party_staff, grids.party_staff_share) == (2, 1, 0.5)
    org = board.org
    assert (org.ratings["A"], org.ratings["C"], org.rated, org.a_share, org.weak) == (
        1,
        1,
        2,
        0.5,
        1,
    )
    east = OrgUnit.objects.filter(tree_id=tree.east.tree_id, lft__gte=tree.east.lft)
    assert (
        org.members
        == PartyMember.objects.filter(organisation__in=east.filter(lft__lte=tree.east.rght)).count()
    )
    assert board.volunteers.volunteers == 0
    assert board.volunteers.orders_by_stage == {
        "ordered": 0,
        "dispatched": 0,
        "accepted": 0,
        "completed": 0,
        "verified": 0,
    }
    # 新华社区 lies in 西城街道: none of its household is counted for 东城街道.
    west = unit_dashboard(user=people.superuser, unit=tree.west, period=NOVEMBER)
    assert (west.grids.households, west.grids.residents) == (1, 1)


def square(west: float, south: float, size: float = 0.01) -> dict[str, Any]:
    east, north = west + size, south + size
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }


@pytest.fixture
def drawn(people, tree, world):
    """光明社区's two grids and 新华社区's drawn side by side (through the grid services, which
    keep the communities' outlines), a case overdue on record and an open one in 光明一网格."""
    grid_services.grid_update(actor=None, grid=world.grid_a, boundary=square(118.10, 39.60))
    grid_services.grid_update(actor=None, grid=world.grid_b, boundary=square(118.11, 39.60))
    grid_services.grid_update(actor=None, grid=world.xinhua_grid, boundary=square(118.13, 39.60))
    late = log_petition(people, tree, grid=world.grid_a)
    log_petition(people, tree, grid=world.grid_a, title="路灯不亮", now=SATURDAY)
    escalate_overdue(now=SATURDAY)
    assert Petition.objects.get(pk=late.pk).overdue_since is not None
    return world


def by_id(drawn_map: dashboard_selectors.BoardMap) -> dict[int, dict[str, Any]]:
    return {feature["properties"]["id"]: feature for feature in drawn_map.features}


def test_the_map_of_a_street_colours_its_grids_by_their_cases(drawn, people, tree) -> None:
    children = list(OrgUnit.objects.filter(parent=tree.guangming).order_by("lft"))
    with CaptureQueriesContext(connection) as queries:
        shown = board_map(unit=tree.guangming, children=children, now=SATURDAY)
    assert len(queries) == 2  # the grids, their cases
    assert shown.of == "grids"
    grids = {key: feature["properties"] for key, feature in by_id(shown).items()}
    assert set(grids) == {drawn.grid_a.pk, drawn.grid_b.pk}  # the mall has no boundary
    assert (grids[drawn.grid_a.pk]["open"], grids[drawn.grid_a.pk]["overdue"]) == (2, 1)
    assert (grids[drawn.grid_b.pk]["open"], grids[drawn.grid_b.pk]["overdue"]) == (0, 0)
    assert grids[drawn.grid_a.pk]["href"] == reverse("grids:grid", args=[drawn.grid_a.pk])
    street = board_map(unit=tree.east, children=[tree.guangming, tree.heping], now=SATURDAY)
    assert street.of == "grids"
    assert set(by_id(street)) == {drawn.grid_a.pk, drawn.grid_b.pk}


def test_the_map_of_a_district_draws_its_streets_from_their_communities_outlines(
    drawn, people, tree
) -> None:
    with CaptureQueriesContext(connection) as queries:
        shown = board_map(unit=tree.district, children=[tree.east, tree.west], now=SATURDAY)
    assert len(queries) == 1  # the communities: outlines and open cases from the rollups
    assert shown.of == "units"
    assert not shown.too_big
    streets = by_id(shown)
    assert set(streets) == {tree.east.pk, tree.west.pk}
    east, west = streets[tree.east.pk], streets[tree.west.pk]
    # One shape a street: the hull of each community's grids (光明's two squares make one
    # rectangle; 和平 has no grid with a boundary).
    assert east["geometry"] == {
        "type": "MultiPolygon",
        "coordinates": [
            [[[118.1, 39.6], [118.12, 39.6], [118.12, 39.61], [118.1, 39.61], [118.1, 39.6]]]
        ],
    }
    assert west["geometry"]["coordinates"] == [square(118.13, 39.60)["coordinates"]]
    # Coloured by the street's cases open now and overdue on record, whatever day they were
    # logged: the rollups agree with the cases themselves.
    open_in_east = Petition.objects.filter(status__in=OPEN_STATUSES, community__parent=tree.east)
    assert (east["properties"]["open"], east["properties"]["overdue"]) == (
        open_in_east.count(),
        open_in_east.filter(overdue_since__isnull=False).count(),
    )
    assert (east["properties"]["open"], east["properties"]["overdue"]) == (2, 1)
    assert (west["properties"]["open"], west["properties"]["overdue"]) == (0, 0)
    assert (east["properties"]["name"], east["properties"]["href"]) == (
        "东城街道",
        reverse("dashboard_unit", args=[tree.east.pk]),
    )


def test_the_map_of_a_city_draws_its_districts_and_only_the_units_given(
    drawn, people, tree
) -> None:
    city = board_map(unit=tree.city, children=[tree.district], now=SATURDAY)
    (district,) = city.features
    assert district["properties"]["id"] == tree.district.pk
    assert len(district["geometry"]["coordinates"]) == 2  # 光明社区 and 新华社区
    assert (district["properties"]["open"], district["properties"]["overdue"]) == (2, 1)
    # Only the children given (those the user sees) are drawn, and only with their own
    # communities' cases.
    only_west = board_map(
        unit=tree.district, children=[tree.west], unit_link=lambda unit: f"/x/{unit.pk}"
    )
    assert [feature["properties"]["id"] for feature in only_west.features] == [tree.west.pk]
    assert only_west.features[0]["properties"]["href"] == f"/x/{tree.west.pk}"
    assert only_west.features[0]["properties"]["open"] == 0


def test_a_street_with_more_grids_than_a_map_draws_shows_its_communities(
    drawn, people, tree, monkeypatch
) -> None:
    monkeypatch.setattr(dashboard_selectors, "MAP_LIMIT", 1)
    with CaptureQueriesContext(connection) as queries:
        shown = board_map(unit=tree.east, children=[tree.guangming, tree.heping], now=SATURDAY)
    assert len(queries) == 2  # the grids (too many), the communities
    assert shown.of == "units"
    (guangming,) = shown.features  # 和平社区 has nothing to draw
    assert guangming["properties"]["id"] == tree.guangming.pk
    assert (guangming["properties"]["open"], guangming["properties"]["overdue"]) == (2, 1)
    # Below a street, too many grids is too big to draw.
    community = board_map(unit=tree.guangming, children=[], now=SATURDAY)
    assert community.too_big
    assert community.features == []


def test_the_pages_and_the_wall_screen_draw_the_same_map(drawn, people, tree, client) -> None:
    client.force_login(people.superuser)
    with time_machine.travel(SATURDAY, tick=False):
        page = client.get(
            reverse("dashboard_unit", args=[tree.district.pk]),
            {"date_from": "2026-11-01", "date_to": "2026-11-30"},
        )
        screen = client.get(reverse("dashboard_screen", args=[tree.district.pk]))
        street = client.get(reverse("dashboard_unit", args=[tree.east.pk]))
    shown = page.context["board_map"]
    assert (shown.of, {feature["properties"]["id"] for feature in shown.features}) == (
        "units",
        {tree.east.pk, tree.west.pk},
    )
    html = page.content.decode()
    assert 'data-map="units"' in html
    assert 'id="board-map"' in html
    assert "leaflet.js" in html
    # A street on the district's map opens its dashboard for the same period; on the wall
    # screen, its screen (whose period rolls on).
    links = {
        feature["properties"]["id"]: feature["properties"]["href"] for feature in shown.features
    }
    east_board = reverse("dashboard_unit", args=[tree.east.pk])
    assert links[tree.east.pk] == f"{east_board}?date_from=2026-11-01&date_to=2026-11-30"
    on_screen = screen.context["board_map"]
    assert [feature["geometry"] for feature in on_screen.features] == [
        feature["geometry"] for feature in shown.features
    ]
    assert {feature["properties"]["href"] for feature in on_screen.features} == {
        reverse("dashboard_screen", args=[tree.east.pk]),
        reverse("dashboard_screen", args=[tree.west.pk]),
    }
    assert 'data-testid="screen-map"' in screen.content.decode()
    assert 'data-map="units"' in screen.content.decode()
    assert street.context["board_map"].of == "grids"
    assert 'data-map="grids"' in street.content.decode()
