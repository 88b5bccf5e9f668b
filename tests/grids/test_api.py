"""The grids API: grids and their staff, households, residents, visits. Exact bodies on the
happy paths, scope (404 outside it), role (403, nothing changed), bad input (400 with field
names, nothing written, never a 500), ledgers as xlsx, audited reveals, photos, query counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from governance.models import AuditEvent
from grids import services
from grids.models import Grid, GridStaff, Household, Resident, ResidentCareTag, Visit, VisitPhoto
from orgchart.models import Person, PersonRegistration, User
from tests.conftest import Personas, Tree, make_user
from tests.factories import PersonFactory
from tests.grids.conftest import GridWorld
from tests.helpers import frozen_at, resident_id
from tests.orgchart.test_exports import download, sheet_of, table

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2025, 6, 2, 10, 0, tzinfo=SHANGHAI)
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[118.1, 39.6], [118.2, 39.6], [118.2, 39.7], [118.1, 39.7], [118.1, 39.6]]],
}


# Every test (and the ``world`` it builds) runs on 2 June 2025, 10:00 in Shanghai.
frozen = frozen_at(NOW)


def api(user: User) -> APIClient:
    """A session login (each request loads the user with the anchor, as in production),
    answering in English so labels are the msgids whatever the translations say."""
    client = APIClient()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content.decode()
    return response.json()


def refused(response: Any, code: int) -> dict[str, Any]:
    assert response.status_code == code, response.content.decode()
    body: dict[str, Any] = response.json()
    return body


def at(moment: dt.datetime) -> str:
    """A time as the API writes it (Asia/Shanghai, ISO 8601)."""
    return moment.astimezone(SHANGHAI).isoformat()


def names(response: Any, key: str = "name") -> list[Any]:
    return [row[key] for row in ok(response)["results"]]


def resident_names(response: Any) -> list[str]:
    return [row["person"]["name"] for row in ok(response)["results"]]


def png(size: tuple[int, int] = (4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def snapshot() -> tuple[Any, ...]:
    """Every row the grids API could write."""
    return (
        list(Grid.objects.order_by("pk").values()),
        list(GridStaff.objects.order_by("pk").values()),
        list(Household.objects.order_by("pk").values()),
        list(Resident.objects.order_by("pk").values()),
        list(ResidentCareTag.objects.order_by("pk").values()),
        list(Visit.objects.order_by("pk").values()),
        VisitPhoto.objects.count(),
        Person.objects.count(),
        PersonRegistration.objects.count(),
    )


# --- Grids -----------------------------------------------------------------------------------


def test_grid_list_and_detail(world: GridWorld, tree: Tree, people: Personas) -> None:
    body = ok(api(people.worker).get("/api/grids/"))
    assert body["count"] == 3
    assert body["results"][0] == {
        "id": world.grid_a.pk,
        "name": "光明一网格",
        "code": "G01",
        "kind": "basic",
        "kind_label": "basic grid",
        "site": "",
        "site_label": "",
        "topic": "",
        "area_type": "urban",
        "community": tree.guangming.pk,
        "community_name": "光明社区",
        "compound": tree.guangming_compound.pk,
        "compound_name": "光明小区",
        "is_active": True,
        "household_count": 2,
        "staff_count": 1,
        "party_staff_count": 1,
        "party_share": 1.0,
        "party_share_meets_target": True,
        "target_households": 30,
        "size_warning": True,
        "last_visit_at": at(NOW - dt.timedelta(days=3)),
    }
    assert [
        (g["name"], g["party_share"], g["target_households"], g["size_warning"])
        for g in body["results"]
    ] == [
        ("光明一网格", 1.0, 30, True),
        ("光明二网格", 0.0, 30, True),
        ("光明商圈网格", None, None, False),
    ]
    assert body["results"][2]["site_label"] == "shopping mall / market"

    services.grid_update(actor=None, grid=world.grid_a, boundary=SQUARE)
    detail = ok(api(people.worker).get(f"/api/grids/{world.grid_a.pk}/"))
    assert detail == {
        **body["results"][0],
        "boundary": SQUARE,
        "created_at": at(NOW),
        "updated_at": at(NOW),
    }


def test_grid_filters(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    assert names(worker.get(f"/api/grids/?unit={tree.guangming_compound.pk}")) == ["光明一网格"]
    assert names(worker.get("/api/grids/?kind=dedicated")) == ["光明商圈网格"]
    assert names(worker.get("/api/grids/?q=G02")) == ["光明二网格"]
    assert names(worker.get("/api/grids/?q=商圈")) == ["光明商圈网格"]
    assert names(worker.get("/api/grids/?mine=1")) == []
    assert names(api(people.grid).get("/api/grids/?mine=1")) == ["光明一网格"]
    assert names(api(people.official).get(f"/api/grids/?unit={tree.east.pk}")) == [
        "光明一网格",
        "光明二网格",
        "光明商圈网格",
    ]
    assert names(api(people.street_admin).get(f"/api/grids/?unit={tree.heping.pk}")) == []
    assert names(api(people.other_worker).get("/api/grids/")) == ["新华一网格"]


def test_grid_create_and_update(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    created = ok(
        worker.post(
            "/api/grids/",
            {
                "community": tree.guangming.pk,
                "name": "光明三网格",
                "code": "G03",
                "compound": tree.guangming_compound.pk,
                "boundary": SQUARE,
            },
            format="json",
        ),
        201,
    )
    grid = Grid.objects.get(name="光明三网格")
    assert created["id"] == grid.pk
    assert {key: created[key] for key in ("kind", "code", "compound", "area_type", "boundary")} == {
        "kind": "basic",
        "code": "G03",
        "compound": tree.guangming_compound.pk,
        "area_type": "urban",
        "boundary": SQUARE,
    }
    assert (created["household_count"], created["staff_count"], created["party_share"]) == (
        0,
        0,
        None,
    )
    assert AuditEvent.objects.filter(
        action="create", object_type="grids.Grid", object_id=str(grid.pk), actor=people.worker
    ).exists()

    special = ok(
        worker.post(
            "/api/grids/",
            {
                "community": tree.guangming.pk,
                "name": "河道巡查网格",
                "kind": "special",
                "topic": "河道",
            },
            format="json",
        ),
        201,
    )
    assert (special["kind"], special["topic"], special["target_households"]) == (
        "special",
        "河道",
        None,
    )

    updated = ok(
        worker.patch(
            f"/api/grids/{grid.pk}/",
            {"name": "光明三网格（新）", "boundary": None, "compound": None},
            format="json",
        )
    )
    assert (updated["name"], updated["boundary"], updated["compound"]) == (
        "光明三网格（新）",
        None,
        None,
    )
    grid.refresh_from_db()
    assert (grid.name, grid.boundary, grid.compound_id) == ("光明三网格（新）", None, None)
    deactivated = ok(worker.patch(f"/api/grids/{grid.pk}/", {"is_active": False}, format="json"))
    assert deactivated["is_active"] is False
    # Inactive grids leave the list but stay readable.
    assert "光明三网格（新）" not in names(worker.get("/api/grids/"))
    assert ok(worker.get(f"/api/grids/{grid.pk}/"))["is_active"] is False


def test_grid_bad_input_is_400_and_writes_nothing(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    worker = api(people.worker)
    community = {"community": tree.guangming.pk}
    open_ring = {
        "type": "Polygon",
        "coordinates": [[[118.1, 39.6], [118.2, 39.6], [118.2, 39.7], [118.1, 39.7]]],
    }
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({**community, "name": "坏边界", "boundary": open_ring}, {"boundary"}),
        ({**community, "name": "坏边界", "boundary": "{not json"}, {"boundary"}),
        (
            {**community, "name": "坏边界", "boundary": {"type": "Point", "coordinates": [1, 2]}},
            {"boundary"},
        ),
        ({**community, "name": "光明一网格"}, {"name"}),
        ({**community, "name": "重码", "code": "G01"}, {"code"}),
        ({**community, "name": "基础", "site": "mall"}, {"site"}),
        ({**community, "name": "错类", "kind": "huge"}, {"kind"}),
        ({**community, "name": ""}, {"name"}),
        ({"name": "无社区"}, {"community"}),
        ({"name": "空社区", "community": None}, {"community"}),
        ({"name": "坏编号", "community": "abc"}, {"community"}),
        ({"name": "小区不是社区", "community": tree.guangming_compound.pk}, {"community"}),
        ({"name": "别的社区", "community": tree.xinhua.pk}, {"community"}),
        ({**community, "name": "别的小区", "compound": tree.heping.pk}, {"compound"}),
        ({**community, "name": "坏小区", "compound": [1]}, {"compound"}),
        ({**community, "name": "又启用", "is_active": False}, {"is_active"}),
    ]
    before = snapshot()
    for body, fields in cases:
        errors = refused(worker.post("/api/grids/", body, format="json"), 400)
        assert set(errors) - {"detail"} == fields, (body, errors)
    errors = refused(
        worker.post(
            "/api/grids/", {**community, "name": "坏边界", "boundary": open_ring}, format="json"
        ),
        400,
    )
    assert errors["boundary"] == [
        "The boundary must be a GeoJSON Polygon or MultiPolygon with closed rings."
    ]
    assert snapshot() == before


def test_grid_update_bad_input(world: GridWorld, people: Personas) -> None:
    worker = api(people.worker)
    url = f"/api/grids/{world.grid_a.pk}/"
    before = snapshot()
    assert set(refused(worker.patch(url, {"kind": "special"}, format="json"), 400)) == {"kind"}
    assert "community" in refused(worker.patch(url, {"community": 1}, format="json"), 400)
    errors = refused(worker.patch(url, {"is_active": False}, format="json"), 400)
    assert errors["is_active"] == ["Move this grid's households to another grid first."]
    assert "boundary" in refused(worker.patch(url, {"boundary": [1, 2]}, format="json"), 400)
    assert "site" in refused(worker.patch(url, {"site": "school"}, format="json"), 400)
    assert snapshot() == before


def test_grid_roles_that_may_not_act_get_403(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    before = snapshot()
    grid = api(people.grid)
    url = f"/api/grids/{world.grid_a.pk}/"
    assert ok(grid.get(url))["name"] == "光明一网格"
    refused(grid.patch(url, {"name": "改名"}, format="json"), 403)
    refused(
        grid.post("/api/grids/", {"community": tree.guangming.pk, "name": "新"}, format="json"), 403
    )
    # A resident of its grid (the people it sees): the role may not appoint staff.
    refused(grid.post(f"{url}staff/", {"person": world.wang.person_id}, format="json"), 403)
    refused(grid.post(f"/api/grid-staff/{world.staff_a.pk}/end/", {}, format="json"), 403)
    official = api(people.official)
    refused(official.patch(url, {"name": "改名"}, format="json"), 403)
    refused(
        official.post("/api/grids/", {"community": tree.guangming.pk, "name": "新"}, format="json"),
        403,
    )
    assert snapshot() == before


def test_grids_outside_scope_are_404(world: GridWorld, people: Personas) -> None:
    before = snapshot()
    grid_b = f"/api/grids/{world.grid_b.pk}/"
    refused(api(people.grid).get(grid_b), 404)
    refused(api(people.grid).get(f"{grid_b}staff/"), 404)
    refused(api(people.grid).get(f"/api/grid-staff/{world.staff_b.pk}/"), 404)
    other = api(people.other_worker)
    refused(other.get(f"/api/grids/{world.grid_a.pk}/"), 404)
    refused(other.patch(f"/api/grids/{world.grid_a.pk}/", {"name": "改"}, format="json"), 404)
    refused(other.post(f"/api/grid-staff/{world.staff_a.pk}/end/", {}, format="json"), 404)
    for user in (people.handler, people.volunteer):
        client = api(user)
        assert names(client.get("/api/grids/")) == []
        refused(client.get(f"/api/grids/{world.grid_a.pk}/"), 404)
    refused(api(people.worker).get("/api/grids/abc/"), 404)
    refused(api(people.worker).get("/api/grids/99999999999999999999/"), 404)
    assert snapshot() == before


# --- Grid staff and the party-member share ---------------------------------------------------


def test_staff_list_appoint_and_end(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    staff_url = f"/api/grids/{world.grid_b.pk}/staff/"
    assert ok(worker.get(f"/api/grids/{world.grid_a.pk}/staff/"))["results"] == [
        {
            "id": world.staff_a.pk,
            "grid": world.grid_a.pk,
            "grid_name": "光明一网格",
            "person": world.staff_a.person_id,
            "person_name": "网格员甲",
            "mobile": "138****0001",
            "is_party_member": True,
            "role": "head",
            "role_label": "grid head",
            "employment": "full_time",
            "employment_label": "full-time",
            "background": "community_staff",
            "background_label": "community staff",
            "account": people.grid.pk,
            "account_username": "grid",
            "started_on": "2024-01-01",
            "ended_on": None,
            "is_current": True,
        }
    ]
    # An official sees staff names in full (DESIGN §6).
    official_rows = ok(api(people.official).get(f"/api/grids/{world.grid_a.pk}/staff/"))
    assert official_rows["results"][0]["person_name"] == "网格员甲"

    newcomer = PersonFactory.create(
        unit=tree.guangming, name="网格员丙", first17="11010119900101001"
    )
    account = make_user("grid2", User.Role.GRID_WORKER, unit=tree.guangming)
    assert names(api(account).get("/api/grids/")) == []
    appointed = ok(
        worker.post(
            staff_url,
            {
                "person": newcomer.pk,
                "role": "head",
                "employment": "part_time",
                "background": "volunteer",
                "account": account.pk,
                "started_on": "2025-05-01",
            },
            format="json",
        ),
        201,
    )
    staff = GridStaff.objects.get(person=newcomer)
    assert {key: appointed[key] for key in ("id", "grid", "role", "employment", "background")} == {
        "id": staff.pk,
        "grid": world.grid_b.pk,
        "role": "head",
        "employment": "part_time",
        "background": "volunteer",
    }
    assert (appointed["account"], appointed["started_on"], appointed["is_party_member"]) == (
        account.pk,
        "2025-05-01",
        False,
    )
    assert names(api(account).get("/api/grids/")) == ["光明二网格"]
    assert [row["person_name"] for row in ok(worker.get(staff_url))["results"]] == [
        "网格员丙",
        "网格员乙",
    ]

    # A second current head is refused on role; nothing written.
    before = snapshot()
    errors = refused(
        worker.post(staff_url, {"person": world.staff_a.person_id, "role": "head"}, format="json"),
        400,
    )
    assert errors["role"] == ["This grid already has a grid head. End that term first."]
    assert snapshot() == before

    ended = ok(
        worker.post(f"/api/grid-staff/{staff.pk}/end/", {"ended_on": "2025-06-01"}, format="json")
    )
    assert (ended["ended_on"], ended["is_current"]) == ("2025-06-01", False)
    assert names(api(User.objects.get(pk=account.pk)).get("/api/grids/")) == []
    assert [row["id"] for row in ok(worker.get(f"{staff_url}?current=false"))["results"]] == [
        staff.pk
    ]
    assert [row["id"] for row in ok(worker.get(f"{staff_url}?current="))["results"]] == [
        world.staff_b.pk,
        staff.pk,
    ]
    # Ending an ended term changes nothing.
    again = ok(worker.post(f"/api/grid-staff/{staff.pk}/end/", {}, format="json"))
    assert again["ended_on"] == "2025-06-01"
    assert ok(worker.get(f"/api/grid-staff/{staff.pk}/"))["ended_on"] == "2025-06-01"


def test_staff_bad_input_is_400(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    url = f"/api/grids/{world.grid_b.pk}/staff/"
    newcomer = PersonFactory.create(
        unit=tree.guangming, name="网格员丁", first17="11010119910101001"
    )
    outsider = PersonFactory.create(unit=tree.xinhua, name="外社区人", first17="11010119920101001")
    xinhua_account = make_user("xinhua_grid", User.Role.GRID_WORKER, unit=tree.xinhua)
    before = snapshot()
    cases = [
        ({}, {"person"}),
        ({"person": "abc"}, {"person"}),
        ({"person": outsider.pk}, {"person"}),
        ({"person": newcomer.pk, "role": "boss"}, {"role"}),
        ({"person": newcomer.pk, "employment": "sometimes"}, {"employment"}),
        ({"person": newcomer.pk, "background": "x"}, {"background"}),
        ({"person": newcomer.pk, "account": xinhua_account.pk}, {"account"}),
        ({"person": newcomer.pk, "account": people.worker.pk}, {"account"}),
        ({"person": newcomer.pk, "started_on": "2025-13-01"}, {"started_on"}),
        ({"person": world.staff_b.person_id}, {"person"}),
    ]
    for body, fields in cases:
        assert set(refused(worker.post(url, body, format="json"), 400)) - {"detail"} == fields, body
    errors = refused(
        worker.post(
            f"/api/grid-staff/{world.staff_b.pk}/end/", {"ended_on": "2023-12-31"}, format="json"
        ),
        400,
    )
    assert errors["ended_on"] == ["A term cannot end before it starts."]
    assert "ended_on" in refused(
        worker.post(f"/api/grid-staff/{world.staff_b.pk}/end/", {"ended_on": "x"}, format="json"),
        400,
    )
    assert snapshot() == before


def test_share_of_party_members_among_staff(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    expected = {"staff": 2, "party_members": 1, "share": 0.5, "target": 0.6, "meets_target": False}
    assert ok(worker.get("/api/grids/share/")) == expected
    assert ok(worker.get(f"/api/grids/share/?unit={tree.guangming.pk}")) == expected
    assert ok(worker.get(f"/api/grids/share/?unit={tree.guangming_compound.pk}")) == {
        "staff": 1,
        "party_members": 1,
        "share": 1.0,
        "target": 0.6,
        "meets_target": True,
    }
    assert ok(api(people.other_worker).get("/api/grids/share/")) == {
        "staff": 0,
        "party_members": 0,
        "share": None,
        "target": 0.6,
        "meets_target": False,
    }
    assert set(refused(worker.get(f"/api/grids/share/?unit={tree.xinhua.pk}"), 400)) == {"unit"}
    assert ok(api(people.handler).get("/api/grids/share/"))["staff"] == 0


# --- Households ------------------------------------------------------------------------------


def test_household_list_filters_and_search(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    body = ok(worker.get("/api/households/"))
    assert body["results"][0] == {
        "id": world.home_101.pk,
        "address": "1号楼1单元101室",
        "grid": world.grid_a.pk,
        "grid_name": "光明一网格",
        "community": tree.guangming.pk,
        "community_name": "光明社区",
        "building": tree.building_1.pk,
        "building_name": "1号楼",
        "building_label": "",
        "entrance": "1",
        "room": "101",
        "floor_area": None,
        "tenure": "owned",
        "tenure_label": "owner-occupied",
        "resident_count": 1,
        "last_visit_at": at(NOW - dt.timedelta(days=3)),
    }
    assert [row["address"] for row in body["results"]] == [
        "1号楼1单元101室",
        "1号楼1单元102室",
        "2号楼1单元201室",
    ]

    def addresses(query: str) -> list[str]:
        return names(worker.get(f"/api/households/{query}"), "address")

    assert addresses(f"?grid={world.grid_b.pk}") == ["2号楼1单元201室"]
    assert addresses(f"?unit={tree.building_2.pk}") == ["2号楼1单元201室"]
    assert addresses("?tenure=rented") == ["1号楼1单元102室"]
    assert addresses("?q=102") == ["1号楼1单元102室"]
    assert addresses("?q=2号楼") == ["2号楼1单元201室"]
    assert addresses("?q=王秀英") == ["1号楼1单元101室"]
    assert addresses("?q=wxy") == ["1号楼1单元101室"]
    assert addresses("?q=0023") == ["1号楼1单元101室"]  # the visible tail of 王秀英's ID
    assert addresses("?q=110101") == [
        "1号楼1单元101室",
        "1号楼1单元102室",
        "2号楼1单元201室",
    ]
    assert addresses("?q=无此人") == []
    assert names(api(people.grid).get("/api/households/"), "address") == [
        "1号楼1单元101室",
        "1号楼1单元102室",
    ]
    assert names(api(people.other_worker).get("/api/households/"), "address") == ["新华路1号"]


def test_household_detail_lists_residents_masked_by_role(
    world: GridWorld, people: Personas
) -> None:
    url = f"/api/households/{world.home_101.pk}/"
    detail = ok(api(people.worker).get(url))
    assert detail["notes"] == ""
    assert detail["created_at"] == at(NOW)
    assert detail["residents"] == [
        {
            "id": world.wang.pk,
            "name": "王秀英",
            "age": 80,
            "relation": "head",
            "relation_label": "head of household",
            "registered_here": True,
            "lives_here": True,
            "separation": "none",
            "care_tags": [{"code": "lives_alone_elderly", "label": "elderly living alone"}],
        }
    ]
    assert ok(api(people.grid).get(url))["residents"][0]["name"] == "王秀英"
    official = ok(api(people.official).get(url))
    assert official["residents"][0]["name"] == "王秀英"
    text = api(people.official).get(url).content.decode()
    assert "19450307" not in text
    assert "key_petitioner" not in text


def test_household_create_update_and_move(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    created = ok(
        worker.post(
            "/api/households/",
            {
                "grid": world.grid_b.pk,
                "building": tree.building_2.pk,
                "entrance": "2",
                "room": "502",
                "floor_area": "88.5",
                "tenure": "rented",
                "notes": "租户",
            },
            format="json",
        ),
        201,
    )
    household = Household.objects.get(address="2号楼2单元502室")
    assert {
        key: created[key]
        for key in ("id", "address", "grid", "floor_area", "tenure", "notes", "residents")
    } == {
        "id": household.pk,
        "address": "2号楼2单元502室",
        "grid": world.grid_b.pk,
        "floor_area": "88.50",
        "tenure": "rented",
        "notes": "租户",
        "residents": [],
    }
    # The grid's own worker keeps households of their grid.
    by_grid = ok(
        api(people.grid).post(
            "/api/households/",
            {"grid": world.grid_a.pk, "address": "光明小区门卫室"},
            format="json",
        ),
        201,
    )
    assert (by_grid["address"], by_grid["community"]) == ("光明小区门卫室", tree.guangming.pk)

    updated = ok(worker.patch(f"/api/households/{household.pk}/", {"room": "503"}, format="json"))
    assert (updated["room"], updated["address"]) == ("503", "2号楼2单元503室")
    moved = ok(
        worker.post(
            f"/api/households/{household.pk}/move/", {"grid": world.grid_a.pk}, format="json"
        )
    )
    assert (moved["grid"], moved["grid_name"]) == (world.grid_a.pk, "光明一网格")
    household.refresh_from_db()
    assert (household.grid_id, household.address) == (world.grid_a.pk, "2号楼2单元503室")


def test_household_bad_input_is_400_and_writes_nothing(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    worker = api(people.worker)
    before = snapshot()
    cases = [
        ({"grid": world.mall.pk, "address": "商场1层"}, {"grid"}),
        ({"grid": world.xinhua_grid.pk, "address": "新华路2号"}, {"grid"}),
        ({"grid": "x", "address": "某处"}, {"grid"}),
        ({"address": "无网格"}, {"grid"}),
        ({"grid": world.grid_a.pk}, {"address"}),
        (
            {
                "grid": world.grid_a.pk,
                "building": tree.building_1.pk,
                "entrance": "1",
                "room": "101",
            },
            {"address"},
        ),
        ({"grid": world.grid_a.pk, "building": tree.branch.pk, "room": "1"}, {"building"}),
        ({"grid": world.grid_a.pk, "address": "某处", "floor_area": "0.5"}, {"floor_area"}),
        ({"grid": world.grid_a.pk, "address": "某处", "floor_area": "abc"}, {"floor_area"}),
        ({"grid": world.grid_a.pk, "address": "某处", "tenure": "squatted"}, {"tenure"}),
        ({"grid": world.grid_a.pk, "address": "某处", "room": "x" * 21}, {"room"}),
    ]
    for body, fields in cases:
        errors = refused(worker.post("/api/households/", body, format="json"), 400)
        assert set(errors) - {"detail"} == fields, (body, errors)
    errors = refused(
        worker.post(
            "/api/households/", {"grid": world.mall.pk, "address": "商场1层"}, format="json"
        ),
        400,
    )
    assert errors["grid"] == ["A household belongs to a basic grid."]
    url = f"/api/households/{world.home_101.pk}/"
    errors = refused(worker.patch(url, {"grid": world.grid_b.pk}, format="json"), 400)
    assert errors == {"grid": ["This field cannot be changed here; use move/ for the grid."]}
    assert "address" in refused(worker.patch(url, {"room": "102"}, format="json"), 400)
    for grid in (world.mall.pk, "abc", None):
        assert "grid" in refused(worker.post(f"{url}move/", {"grid": grid}, format="json"), 400)
    admin = api(people.superuser)
    errors = refused(admin.post(f"{url}move/", {"grid": world.xinhua_grid.pk}, format="json"), 400)
    assert errors["grid"] == ["A household moves only between grids of its community."]
    assert snapshot() == before


def test_household_roles_and_scope(world: GridWorld, people: Personas) -> None:
    before = snapshot()
    grid = api(people.grid)
    # A grid worker keeps households of their grid but does not regrid them.
    refused(
        grid.post(
            f"/api/households/{world.home_101.pk}/move/", {"grid": world.grid_a.pk}, format="json"
        ),
        403,
    )
    refused(
        api(people.official).patch(
            f"/api/households/{world.home_101.pk}/", {"notes": "x"}, format="json"
        ),
        403,
    )
    refused(grid.get(f"/api/households/{world.home_201.pk}/"), 404)
    refused(grid.patch(f"/api/households/{world.home_201.pk}/", {"notes": "x"}, format="json"), 404)
    other = api(people.other_worker)
    refused(other.get(f"/api/households/{world.home_101.pk}/"), 404)
    refused(
        other.post(
            f"/api/households/{world.home_101.pk}/move/",
            {"grid": world.xinhua_grid.pk},
            format="json",
        ),
        404,
    )
    for user in (people.handler, people.volunteer):
        client = api(user)
        assert ok(client.get("/api/households/"))["count"] == 0
        refused(client.get(f"/api/households/{world.home_101.pk}/"), 404)
    assert snapshot() == before


# --- Residents -------------------------------------------------------------------------------


def test_resident_list_filters(world: GridWorld, tree: Tree, people: Personas) -> None:
    worker = api(people.worker)
    body = ok(worker.get("/api/residents/"))
    assert [row["person"]["name"] for row in body["results"]] == ["李建国", "王秀英", "赵敏"]
    wang = body["results"][1]
    assert wang == {
        "id": world.wang.pk,
        "person": {
            "id": world.wang.person_id,
            "name": "王秀英",
            "sex": "female",
            "age": 80,
            "document_type": "resident_id",
            "document_number": "110101********0023",
            "mobile": "139****5678",
            "landline": "",
            "address": "",
        },
        "household": world.home_101.pk,
        "household_address": "1号楼1单元101室",
        "grid": world.grid_a.pk,
        "grid_name": "光明一网格",
        "relation": "head",
        "relation_label": "head of household",
        "registered_here": True,
        "lives_here": True,
        "separation": "none",
        "separation_label": "",
        "care_tags": [{"code": "lives_alone_elderly", "label": "elderly living alone"}],
        "moved_in_on": None,
        "moved_out_on": None,
        "is_current": True,
        "last_visit_at": at(NOW - dt.timedelta(days=3)),
    }
    zhao = body["results"][2]
    assert (zhao["separation"], zhao["separation_label"]) == (
        "incoming",
        "lives here, registered elsewhere",
    )

    def listed(query: str) -> list[str]:
        return resident_names(worker.get(f"/api/residents/{query}"))

    assert listed("?care_tag=lives_alone_elderly") == ["王秀英"]
    assert listed("?separation=incoming") == ["赵敏"]
    assert listed("?separation=any") == ["赵敏"]
    assert listed("?separation=away") == []
    assert listed("?separation=none") == ["李建国", "王秀英"]
    assert listed("?min_age=75") == ["王秀英"]
    assert listed("?min_age=50") == ["李建国", "王秀英"]
    assert listed("?visited=1") == ["王秀英"]
    assert listed("?visited=0") == ["李建国", "赵敏"]
    assert listed("?care_tag=lives_alone_elderly&visited=1&visited_within_days=30") == ["王秀英"]
    assert listed("?care_tag=lives_alone_elderly&visited=0&visited_within_days=2") == ["王秀英"]
    assert listed(f"?grid={world.grid_b.pk}") == ["赵敏"]
    assert listed(f"?household={world.home_102.pk}") == ["李建国"]
    assert listed(f"?unit={tree.building_1.pk}") == ["李建国", "王秀英"]
    assert listed("?q=zm") == ["赵敏"]
    assert listed("?q=李") == ["李建国"]
    assert listed("?q=0024") == ["赵敏"]  # the visible tail of 赵敏's ID
    assert names(api(people.grid).get("/api/residents/"), "id") == [world.li.pk, world.wang.pk]
    assert resident_names(api(people.other_worker).get("/api/residents/")) == ["孙强"]
    assert resident_names(api(people.official).get("/api/residents/")) == [
        "李建国",
        "王秀英",
        "赵敏",
    ]


def test_whole_number_search_needs_the_reveal_right(world: GridWorld, people: Personas) -> None:
    number = resident_id("11010119450307002")
    assert resident_names(api(people.worker).get(f"/api/residents/?q={number}")) == ["王秀英"]
    errors = refused(api(people.grid).get(f"/api/residents/?q={number}"), 400)
    assert set(errors) - {"detail"} == {"q"}


def test_residents_never_carry_restricted_tags_or_full_numbers(
    world: GridWorld, people: Personas
) -> None:
    for user in (people.worker, people.grid, people.official, people.street_admin):
        client = api(user)
        for url in (
            "/api/residents/",
            f"/api/residents/{world.wang.pk}/",
            f"/api/households/{world.home_101.pk}/",
        ):
            text = client.get(url).content.decode()
            for secret in (
                "key_petitioner",
                "key petitioner",
                resident_id("11010119450307002"),
                "13912345678",
                "1945-03-07",
            ):
                assert secret not in text, (user, url, secret)


def test_resident_create_with_inline_person(world: GridWorld, tree: Tree, people: Personas) -> None:
    number = resident_id("11010120150601003")
    created = ok(
        api(people.grid).post(
            "/api/residents/",
            {
                "household": world.home_102.pk,
                "person_data": {
                    "name": "李小宝",
                    "document_number": number,
                    "mobile": "13700001111",
                },
                "relation": "child",
                "care_tags": ["left_behind_child"],
                "restricted_tags": [],
                "moved_in_on": "2025-06-01",
            },
            format="json",
        ),
        201,
    )
    resident = Resident.objects.get(person__name="李小宝")
    assert created == {
        "id": resident.pk,
        "person": {
            "id": resident.person_id,
            "name": "李小宝",
            "sex": "male",
            "age": 10,
            "document_type": "resident_id",
            "document_number": f"110101********{number[-4:]}",
            "mobile": "137****1111",
            "landline": "",
            "address": "",
        },
        "household": world.home_102.pk,
        "household_address": "1号楼1单元102室",
        "grid": world.grid_a.pk,
        "grid_name": "光明一网格",
        "relation": "child",
        "relation_label": "child",
        "registered_here": True,
        "lives_here": True,
        "separation": "none",
        "separation_label": "",
        "care_tags": [{"code": "left_behind_child", "label": "left-behind child"}],
        "moved_in_on": "2025-06-01",
        "moved_out_on": None,
        "is_current": True,
        "last_visit_at": None,
    }
    assert list(
        PersonRegistration.objects.filter(person=resident.person).values_list("unit", flat=True)
    ) == [tree.guangming.pk]

    # An existing person by id, registered elsewhere in the admin's area, is linked here too.
    tenant = PersonFactory.create(unit=tree.heping, name="和平租客", first17="11010119880707001")
    by_id = ok(
        api(people.street_admin).post(
            "/api/residents/",
            {
                "household": world.home_201.pk,
                "person": tenant.pk,
                "relation": "tenant",
                "registered_here": False,
            },
            format="json",
        ),
        201,
    )
    assert (by_id["person"]["name"], by_id["separation"]) == ("和平租客", "incoming")
    assert set(PersonRegistration.objects.filter(person=tenant).values_list("unit", flat=True)) == {
        tree.heping.pk,
        tree.guangming.pk,
    }


def test_resident_create_bad_input_is_400_and_writes_nothing(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    worker = api(people.worker)
    newcomer = PersonFactory.create(unit=tree.guangming, name="新来的", first17="11010119950505001")
    outsider = PersonFactory.create(unit=tree.xinhua, name="外来人", first17="11010119960606001")
    inline = {"name": "新居民", "document_number": resident_id("11010119960101002")}
    home = world.home_102.pk
    before = snapshot()
    cases: list[tuple[dict[str, Any], dict[str, Any] | set[str]]] = [
        ({"household": home}, {"person"}),
        ({"household": home, "person": newcomer.pk, "person_data": inline}, {"person"}),
        ({"household": home, "person": outsider.pk}, {"person"}),
        ({"household": home, "person": "abc"}, {"person"}),
        ({"household": world.xinhua_home.pk, "person": newcomer.pk}, {"household"}),
        ({"person": newcomer.pk}, {"household"}),
        ({"household": home, "person": newcomer.pk, "care_tags": ["rich"]}, {"care_tags"}),
        ({"household": home, "person": newcomer.pk, "care_tags": "disabled"}, {"care_tags"}),
        (
            {"household": home, "person": newcomer.pk, "restricted_tags": ["spy"]},
            {"restricted_tags"},
        ),
        ({"household": home, "person": newcomer.pk, "relation": "cousin"}, {"relation"}),
        ({"household": home, "person": newcomer.pk, "relation": "head"}, {"relation"}),
        (
            {
                "household": home,
                "person": newcomer.pk,
                "registered_here": False,
                "lives_here": False,
            },
            {"lives_here"},
        ),
        ({"household": home, "person": newcomer.pk, "moved_in_on": "2025-07-01"}, {"moved_in_on"}),
        ({"household": home, "person": world.li.person_id}, {"person"}),
        # The inline person is registered and the care tags are then refused: all or nothing.
        ({"household": home, "person_data": inline, "care_tags": ["rich"]}, {"care_tags"}),
        (
            {"household": home, "person_data": {**inline, "document_number": "110101199601010001"}},
            {"person_data": {"document_number"}},
        ),
        ({"household": home, "person_data": {"document_number": "1"}}, {"person_data": {"name"}}),
        ({"household": home, "person_data": "王五"}, {"person_data"}),
    ]
    for body, expected in cases:
        errors = refused(worker.post("/api/residents/", body, format="json"), 400)
        if isinstance(expected, dict):
            assert set(errors) == {"person_data"}, errors
            assert set(errors["person_data"]) == expected["person_data"], errors
        else:
            assert set(errors) - {"detail"} == expected, (body, errors)
    errors = refused(
        worker.post(
            "/api/residents/",
            {"household": home, "person": newcomer.pk, "care_tags": ["rich", "disabled"]},
            format="json",
        ),
        400,
    )
    assert errors["care_tags"] == ["Unknown tags: rich."]
    assert snapshot() == before


def test_resident_update_and_move_out(world: GridWorld, people: Personas) -> None:
    worker = api(people.worker)
    url = f"/api/residents/{world.li.pk}/"
    updated = ok(
        worker.patch(
            url,
            {"care_tags": ["disabled", "subsistence_allowance"], "lives_here": False},
            format="json",
        )
    )
    assert updated["care_tags"] == [
        {"code": "disabled", "label": "person with disability"},
        {"code": "subsistence_allowance", "label": "subsistence allowance (低保)"},
    ]
    assert (updated["separation"], updated["separation_label"]) == (
        "away",
        "registered here, lives elsewhere",
    )
    assert ok(worker.patch(url, {"care_tags": []}, format="json"))["care_tags"] == []
    assert services.restricted_tags_of(Resident.objects.get(pk=world.li.pk)) == []
    ok(worker.patch(url, {"restricted_tags": ["released_prisoner"]}, format="json"))
    assert services.restricted_tags_of(Resident.objects.get(pk=world.li.pk)) == [
        "released_prisoner"
    ]

    before = snapshot()
    assert set(refused(worker.patch(url, {"person": 1}, format="json"), 400)) == {"person"}
    assert set(refused(worker.patch(url, {"household": 1}, format="json"), 400)) == {"household"}
    assert "care_tags" in refused(worker.patch(url, {"care_tags": ["x"]}, format="json"), 400)
    # 李建国 now lives elsewhere: he cannot also be registered elsewhere.
    errors = refused(worker.patch(url, {"registered_here": False}, format="json"), 400)
    assert errors["lives_here"] == [
        "A resident is registered here, lives here, or both (人户分离 is one of them)."
    ]
    assert "moved_out_on" in refused(
        worker.post(f"{url}move-out/", {"moved_out_on": "2025-07-01"}, format="json"), 400
    )
    assert "moved_out_on" in refused(
        worker.post(f"{url}move-out/", {"moved_out_on": "someday"}, format="json"), 400
    )
    assert snapshot() == before

    moved = ok(worker.post(f"{url}move-out/", {"moved_out_on": "2025-05-31"}, format="json"))
    assert (moved["moved_out_on"], moved["is_current"]) == ("2025-05-31", False)
    assert resident_names(worker.get("/api/residents/")) == ["王秀英", "赵敏"]
    assert resident_names(worker.get("/api/residents/?current=false")) == ["李建国"]
    assert resident_names(worker.get("/api/residents/?current=")) == ["李建国", "王秀英", "赵敏"]
    # Idempotent; a moved-out resident is still readable but no longer changes.
    assert ok(worker.post(f"{url}move-out/", {}, format="json"))["moved_out_on"] == "2025-05-31"
    errors = refused(worker.patch(url, {"relation": "other"}, format="json"), 400)
    assert errors["moved_out_on"] == ["This resident has moved out."]


def test_resident_roles_and_scope(world: GridWorld, people: Personas) -> None:
    before = snapshot()
    official = api(people.official)
    refused(
        official.patch(f"/api/residents/{world.wang.pk}/", {"relation": "other"}, format="json"),
        403,
    )
    refused(official.post(f"/api/residents/{world.wang.pk}/move-out/", {}, format="json"), 403)
    refused(
        official.post(
            "/api/residents/",
            {"household": world.home_101.pk, "person": world.li.person_id},
            format="json",
        ),
        403,
    )
    grid = api(people.grid)
    refused(grid.get(f"/api/residents/{world.zhao.pk}/"), 404)
    refused(
        grid.patch(f"/api/residents/{world.zhao.pk}/", {"relation": "other"}, format="json"), 404
    )
    refused(grid.post(f"/api/residents/{world.zhao.pk}/move-out/", {}, format="json"), 404)
    other = api(people.other_worker)
    refused(other.get(f"/api/residents/{world.wang.pk}/"), 404)
    refused(other.post(f"/api/residents/{world.wang.pk}/reveal-restricted/"), 404)
    for user in (people.handler, people.volunteer):
        client = api(user)
        assert ok(client.get("/api/residents/"))["count"] == 0
        refused(client.get(f"/api/residents/{world.wang.pk}/"), 404)
        refused(client.post(f"/api/residents/{world.wang.pk}/reveal-restricted/"), 404)
    assert snapshot() == before


def test_reveal_restricted_is_audited(world: GridWorld, people: Personas) -> None:
    response = api(people.grid).post(f"/api/residents/{world.wang.pk}/reveal-restricted/")
    assert ok(response) == {"restricted_tags": ["key petitioner"]}
    assert response["Cache-Control"] == "no-store"
    event = AuditEvent.objects.get(action="reveal", object_id=str(world.wang.pk))
    assert (event.actor, event.object_type, event.changes) == (
        people.grid,
        "grids.Resident",
        {"field": "restricted_tags"},
    )
    assert ok(api(people.worker).post(f"/api/residents/{world.li.pk}/reveal-restricted/")) == {
        "restricted_tags": []
    }
    assert AuditEvent.objects.filter(action="reveal").count() == 2
    # Officials see residents but may not reveal; a grid worker not outside their grids.
    refused(api(people.official).post(f"/api/residents/{world.wang.pk}/reveal-restricted/"), 403)
    refused(api(people.grid).post(f"/api/residents/{world.zhao.pk}/reveal-restricted/"), 404)
    refused(api(people.grid).get(f"/api/residents/{world.wang.pk}/reveal-restricted/"), 405)
    assert AuditEvent.objects.filter(action="reveal").count() == 2


# --- Visits ----------------------------------------------------------------------------------


def test_visit_list_detail_and_filters(world: GridWorld, people: Personas) -> None:
    grid_round = services.visit_record(
        actor=people.worker,
        grid=world.grid_b,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="楼道堆物",
        hazard_found=True,
        visited_at=NOW - dt.timedelta(days=10),
    )
    worker = api(people.worker)
    body = ok(worker.get("/api/visits/"))
    assert body["results"][0] == {
        "id": world.visit_101.pk,
        "grid": world.grid_a.pk,
        "grid_name": "光明一网格",
        "household": world.home_101.pk,
        "household_address": "1号楼1单元101室",
        "visitor": people.grid.pk,
        "visitor_name": "grid",
        "visited_at": at(NOW - dt.timedelta(days=3)),
        "purpose": "care_visit",
        "purpose_label": "care visit",
        "notes": "身体健康",
        "hazard_found": False,
        "photo_count": 0,
        "created_at": at(NOW),
    }
    assert [row["id"] for row in body["results"]] == [
        world.visit_101.pk,
        grid_round.pk,
    ]
    assert ok(worker.get(f"/api/visits/{grid_round.pk}/")) == {
        **body["results"][1],
        "photos": [],
    }

    def listed(query: str) -> list[int]:
        return names(worker.get(f"/api/visits/{query}"), "id")

    assert listed("?hazard_found=true") == [grid_round.pk]
    assert listed("?hazard_found=false") == [world.visit_101.pk]
    assert listed("?purpose=care_visit") == [world.visit_101.pk]
    assert listed(f"?grid={world.grid_b.pk}") == [grid_round.pk]
    assert listed(f"?household={world.home_101.pk}") == [world.visit_101.pk]
    assert listed("?since=2025-05-28") == [world.visit_101.pk]
    assert listed("?since=2025-05-20T00:00:00%2B08:00") == [world.visit_101.pk, grid_round.pk]
    assert listed(f"?unit={world.grid_a.compound_id}") == [world.visit_101.pk]
    assert names(api(people.grid).get("/api/visits/"), "id") == [world.visit_101.pk]


def test_record_a_visit_as_json(world: GridWorld, people: Personas) -> None:
    created = ok(
        api(people.grid).post(
            "/api/visits/",
            {
                "household": world.home_102.pk,
                "purpose": "hazard_check",
                "notes": "燃气管老化",
                "hazard_found": True,
                "visited_at": "2025-06-02T09:30:00+08:00",
            },
            format="json",
        ),
        201,
    )
    visit = Visit.objects.get(notes="燃气管老化")
    assert created == {
        "id": visit.pk,
        "grid": world.grid_a.pk,
        "grid_name": "光明一网格",
        "household": world.home_102.pk,
        "household_address": "1号楼1单元102室",
        "visitor": people.grid.pk,
        "visitor_name": "grid",
        "visited_at": "2025-06-02T09:30:00+08:00",
        "purpose": "hazard_check",
        "purpose_label": "hazard check",
        "notes": "燃气管老化",
        "hazard_found": True,
        "photo_count": 0,
        "created_at": at(NOW),
        "photos": [],
    }
    round_of_grid = ok(
        api(people.worker).post(
            "/api/visits/", {"grid": world.mall.pk, "purpose": "policy_outreach"}, format="json"
        ),
        201,
    )
    assert (round_of_grid["household"], round_of_grid["visited_at"]) == (None, at(NOW))
    assert AuditEvent.objects.filter(
        action="create", object_type="grids.Visit", object_id=str(visit.pk), actor=people.grid
    ).exists()


def test_record_a_visit_with_a_photo(world: GridWorld, people: Personas) -> None:
    image = png()
    client = api(people.grid)
    created = ok(
        client.post(
            "/api/visits/",
            {
                "household": str(world.home_101.pk),
                "purpose": "care_visit",
                "notes": "送药",
                "hazard_found": "false",
                "photos": [SimpleUploadedFile("door.png", image, content_type="image/png")],
            },
            format="multipart",
        ),
        201,
    )
    photo = VisitPhoto.objects.get()
    assert created["photo_count"] == 1
    assert created["photos"] == [
        {
            "id": photo.pk,
            "url": f"http://testserver/api/visits/{created['id']}/photos/{photo.pk}/",
            "created_at": at(NOW),
        }
    ]
    response = client.get(created["photos"][0]["url"], HTTP_ACCEPT="image/png")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert download(response) == image
    assert client.get(created["photos"][0]["url"]).status_code == 200
    # Whoever does not see the visit does not see its photo; an unknown photo is missing.
    refused(api(people.other_worker).get(created["photos"][0]["url"], HTTP_ACCEPT="image/png"), 404)
    missing = api(people.worker).get(
        f"/api/visits/{created['id']}/photos/{photo.pk + 1}/", HTTP_ACCEPT="image/png"
    )
    assert (missing.status_code, missing["Content-Type"]) == (404, "application/json")
    refused(api(people.worker).get(f"/api/visits/{world.visit_101.pk}/photos/{photo.pk}/"), 404)


def test_a_file_that_is_not_an_image_is_refused(world: GridWorld, people: Personas) -> None:
    before = snapshot()
    errors = refused(
        api(people.grid).post(
            "/api/visits/",
            {
                "household": world.home_101.pk,
                "purpose": "care_visit",
                "photos": [SimpleUploadedFile("notes.png", b"%PDF-1.4 not an image", "image/png")],
            },
            format="multipart",
        ),
        400,
    )
    assert errors["photos"] == ["Upload photos as JPEG, PNG or WebP images."]
    errors = refused(
        api(people.grid).post(
            "/api/visits/",
            {"household": world.home_101.pk, "purpose": "care_visit", "photos": "not a file"},
            format="multipart",
        ),
        400,
    )
    assert set(errors) == {"photos"}
    assert snapshot() == before


def test_visit_bad_input_roles_and_scope(world: GridWorld, people: Personas) -> None:
    before = snapshot()
    grid = api(people.grid)
    cases = [
        (
            {
                "household": world.home_101.pk,
                "purpose": "care_visit",
                "visited_at": "2025-06-02T12:00:00+08:00",
            },
            {"visited_at"},
        ),
        (
            {
                "household": world.home_101.pk,
                "purpose": "care_visit",
                "visited_at": "2025-04-01T12:00:00+08:00",
            },
            {"visited_at"},
        ),
        (
            {"household": world.home_101.pk, "purpose": "care_visit", "visited_at": "yesterday"},
            {"visited_at"},
        ),
        (
            {"household": world.home_101.pk, "purpose": "hazard_check", "hazard_found": True},
            {"notes"},
        ),
        ({"household": world.home_101.pk, "purpose": "party"}, {"purpose"}),
        ({"household": world.home_101.pk}, {"purpose"}),
        ({"purpose": "care_visit"}, {"grid"}),
        ({"household": world.home_201.pk, "purpose": "care_visit"}, {"household"}),
        ({"grid": world.grid_b.pk, "purpose": "care_visit"}, {"grid"}),
        ({"household": "abc", "purpose": "care_visit"}, {"household"}),
        (
            {"grid": world.grid_b.pk, "household": world.home_101.pk, "purpose": "care_visit"},
            {"grid"},
        ),
    ]
    for body, fields in cases:
        errors = refused(grid.post("/api/visits/", body, format="json"), 400)
        assert set(errors) - {"detail"} == fields, (body, errors)
    errors = refused(
        api(people.worker).post(
            "/api/visits/",
            {"grid": world.grid_b.pk, "household": world.home_101.pk, "purpose": "care_visit"},
            format="json",
        ),
        400,
    )
    assert errors["household"] == ["This household is not in that grid."]
    errors = refused(
        grid.post(
            "/api/visits/",
            {
                "household": world.home_101.pk,
                "purpose": "care_visit",
                "visited_at": "2025-06-02T12:00:00+08:00",
            },
            format="json",
        ),
        400,
    )
    assert errors["visited_at"] == ["A visit cannot be in the future."]
    # Officials and admins see visits but do not record them.
    for user in (people.official, people.street_admin):
        refused(
            api(user).post(
                "/api/visits/",
                {"household": world.home_101.pk, "purpose": "care_visit"},
                format="json",
            ),
            403,
        )
    # Visits are append-only.
    url = f"/api/visits/{world.visit_101.pk}/"
    worker = api(people.worker)
    refused(worker.patch(url, {"notes": "改"}, format="json"), 405)
    refused(worker.put(url, {"notes": "改"}, format="json"), 405)
    refused(worker.delete(url), 405)
    # Scope.
    refused(api(people.other_worker).get(url), 404)
    refused(api(people.other_worker).patch(url, {"notes": "改"}, format="json"), 405)
    for user in (people.handler, people.volunteer):
        client = api(user)
        assert ok(client.get("/api/visits/"))["count"] == 0
        refused(client.get(url), 404)
        refused(
            client.post(
                "/api/visits/", {"grid": world.grid_a.pk, "purpose": "care_visit"}, format="json"
            ),
            400,
        )
    assert snapshot() == before


def test_grid_worker_cannot_read_another_grids_visit(world: GridWorld, people: Personas) -> None:
    other_grid_visit = services.visit_record(
        actor=people.worker, household=world.home_201, purpose=Visit.Purpose.CARE_VISIT
    )
    refused(api(people.grid).get(f"/api/visits/{other_grid_visit.pk}/"), 404)
    assert ok(api(people.worker).get(f"/api/visits/{other_grid_visit.pk}/"))["household"] == (
        world.home_201.pk
    )
    # A grid worker keeps the visits they recorded after leaving the grid.
    services.grid_staff_end(actor=None, staff=world.staff_a)
    grid = api(User.objects.get(pk=people.grid.pk))
    assert names(grid.get("/api/visits/"), "id") == [world.visit_101.pk]
    refused(grid.get(f"/api/households/{world.home_101.pk}/"), 404)


# --- Filters, ledgers, schema, query counts --------------------------------------------------


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/api/grids/?unit=abc", {"unit"}),
        ("/api/grids/?kind=huge", {"kind"}),
        ("/api/grids/?mine=perhaps", {"mine"}),
        ("/api/grids/share/?unit=-1", {"unit"}),
        ("/api/households/?grid=99999", {"grid"}),
        ("/api/households/?grid=99999999999999999999", {"grid"}),
        ("/api/households/?tenure=x", {"tenure"}),
        ("/api/households/?unit=1.5", {"unit"}),
        ("/api/residents/?separation=far", {"separation"}),
        ("/api/residents/?min_age=-1", {"min_age"}),
        ("/api/residents/?min_age=old", {"min_age"}),
        ("/api/residents/?visited=maybe", {"visited"}),
        ("/api/residents/?visited_within_days=0", {"visited_within_days"}),
        ("/api/residents/?care_tag=rich", {"care_tag"}),
        ("/api/residents/?household=x", {"household"}),
        ("/api/residents/?current=sometimes", {"current"}),
        ("/api/visits/?since=last-week", {"since"}),
        ("/api/visits/?hazard_found=2", {"hazard_found"}),
        ("/api/visits/?purpose=party", {"purpose"}),
        ("/api/residents/?format=xlsx&min_age=x", {"min_age"}),
    ],
)
def test_bad_filters_are_400(
    world: GridWorld, people: Personas, url: str, fields: set[str]
) -> None:
    response = api(people.worker).get(url)
    assert response["Content-Type"] == "application/json"
    assert set(refused(response, 400)) == fields


def test_other_communitys_rows_are_not_filters(world: GridWorld, people: Personas) -> None:
    other = api(people.other_worker)
    assert set(refused(other.get(f"/api/households/?grid={world.grid_a.pk}"), 400)) == {"grid"}
    assert set(refused(other.get(f"/api/residents/?household={world.home_101.pk}"), 400)) == {
        "household"
    }
    assert set(refused(api(people.grid).get(f"/api/visits/?grid={world.grid_b.pk}"), 400)) == {
        "grid"
    }


def numbered(sheet: Any) -> list[tuple[Any, ...]]:
    """The ledger's numbered rows (序号), without a totals row."""
    return [row for row in table(sheet) if isinstance(row[0], int)]


def test_xlsx_ledgers_hold_the_rows_in_scope(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    for url, rows in (
        ("/api/grids/", 3),
        (f"/api/grids/{world.grid_a.pk}/staff/", 1),
        ("/api/households/", 3),
        ("/api/residents/", 3),
        ("/api/visits/", 1),
    ):
        response = api(people.worker).get(f"{url}?format=xlsx")
        assert response["Content-Type"].startswith("application/vnd.openxmlformats"), url
        assert len(numbered(sheet_of(download(response)))) == rows, url
    grid_sheet = sheet_of(download(api(people.grid).get("/api/households/?format=xlsx")))
    assert numbered(grid_sheet) == [
        (
            1,
            "光明社区",
            "光明一网格",
            "1号楼1单元101室",
            "1号楼",
            "1",
            "101",
            None,
            "owner-occupied",
            1,
            NOW.replace(tzinfo=None) - dt.timedelta(days=3),
        ),
        (
            2,
            "光明社区",
            "光明一网格",
            "1号楼1单元102室",
            "1号楼",
            "1",
            "102",
            None,
            "rented",
            1,
            None,
        ),
    ]
    other = table(sheet_of(download(api(people.other_worker).get("/api/residents/?format=xlsx"))))
    text = str(other)
    assert len(other) == 1
    assert "孙强" in text
    assert "王秀英" not in text
    # The filters hold for the file as for the JSON; a resident ledger's export is logged.
    before = AuditEvent.objects.filter(action="export").count()
    elderly = table(
        sheet_of(
            download(
                api(people.worker).get("/api/residents/?format=xlsx&care_tag=lives_alone_elderly")
            )
        )
    )
    assert len(elderly) == 1
    assert "王秀英" in str(elderly)
    event = AuditEvent.objects.filter(action="export").latest("pk")
    assert AuditEvent.objects.filter(action="export").count() == before + 1
    assert (event.actor, event.object_type, event.changes["rows"]) == (
        people.worker,
        "grids.Resident",
        1,
    )
    csv = api(people.worker).get("/api/visits/?format=csv")
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert "身体健康" in download(csv).decode("utf-8-sig")
    assert api(people.worker).get("/api/visits/?format=pdf").status_code == 404
    # Out-of-scope filters are 400 as JSON, never a file.
    refused(api(people.worker).get(f"/api/residents/?format=xlsx&unit={tree.xinhua.pk}"), 400)
    # Grid workers may not export numbers in full.
    refused(api(people.grid).get("/api/residents/?format=xlsx&reveal=1"), 403)


def test_openapi_schema_lists_the_grids_endpoints(world: GridWorld, people: Personas) -> None:
    paths = ok(api(people.worker).get("/api/schema/", {"format": "json"}))["paths"]
    for path in (
        "/api/grids/",
        "/api/grids/{id}/",
        "/api/grids/{id}/staff/",
        "/api/grids/share/",
        "/api/grid-staff/{id}/end/",
        "/api/households/",
        "/api/households/{id}/move/",
        "/api/residents/",
        "/api/residents/{id}/move-out/",
        "/api/residents/{id}/reveal-restricted/",
        "/api/visits/",
        "/api/visits/{id}/photos/{photo_id}/",
    ):
        assert path in paths, path
    assert set(paths["/api/visits/{id}/"]) == {"get"}
    assert set(paths["/api/grids/{id}/staff/"]) == {"get", "post"}
    assert "multipart/form-data" in paths["/api/visits/"]["post"]["requestBody"]["content"]


def more_rows(world: GridWorld, tree: Tree, people: Personas, count: int) -> None:
    """``count`` more of everything the lists show, all visible to ``worker`` and ``grid``:
    households of 光明一网格 with a resident (elderly living alone, visited today), staff of
    光明一网格, and grids staffed by the ``grid`` account."""
    for index in range(count):
        home = services.household_create(
            actor=None,
            grid=world.grid_a,
            building=tree.building_1,
            entrance="3",
            room=f"{index + 1}01",
        )
        someone = PersonFactory.create(unit=tree.guangming)
        services.resident_add(
            actor=None,
            household=home,
            person=someone,
            relation="head",
            care_tags=["lives_alone_elderly", "disabled"],
        )
        services.visit_record(actor=people.grid, household=home, purpose=Visit.Purpose.CARE_VISIT)
        services.grid_staff_appoint(actor=None, grid=world.grid_a, person=someone)
        grid = services.grid_create(actor=None, community=tree.guangming, name=f"光明{index}号网格")
        services.grid_staff_appoint(actor=None, grid=grid, person=someone, account=people.grid)


LISTS = [
    ("/api/grids/", 7),
    ("/api/grids/{grid_a}/staff/", 8),
    ("/api/grids/share/", 6),
    ("/api/households/", 7),
    ("/api/households/?grid={grid_a}&q=1号楼", 8),
    ("/api/residents/", 8),
    ("/api/residents/?care_tag=lives_alone_elderly&visited=1&min_age=18", 8),
    ("/api/visits/", 7),
]


@pytest.mark.parametrize(("url", "queries"), LISTS)
def test_list_query_count_does_not_grow_with_rows(
    world: GridWorld,
    tree: Tree,
    people: Personas,
    django_assert_num_queries: Any,
    url: str,
    queries: int,
) -> None:
    url = url.format(grid_a=world.grid_a.pk)
    clients = [api(people.worker), api(people.grid)]

    def measure(client: APIClient) -> tuple[int, Any]:
        with CaptureQueriesContext(connection) as captured:
            body = ok(client.get(url))
        return len(captured), body.get("count", body.get("staff"))

    for client in clients:
        client.get(url)  # the session's first save
    few = [measure(client) for client in clients]
    more_rows(world, tree, people, 12)
    many = [measure(client) for client in clients]
    for (few_queries, few_rows), (many_queries, many_rows) in zip(few, many, strict=True):
        assert 1 <= few_rows < many_rows
        assert few_queries == many_queries
    # session, user with its anchor, (the filter's rows), count, page (+ care tags); then the
    # session is saved (idle timeout: SESSION_SAVE_EVERY_REQUEST) in a savepoint.
    for client in clients:
        with django_assert_num_queries(queries):
            client.get(url)


def test_dates_out_of_range_are_a_400_not_a_500(world: GridWorld, people: Personas) -> None:
    client = api(people.grid)
    response = client.get("/api/visits/", {"since": "0001-01-01T00:00:00"})
    assert response.status_code == 400
    assert list(response.json()) == ["since"]
    response = client.post(
        "/api/visits/",
        {
            "household": world.home_101.pk,
            "purpose": "care_visit",
            "visited_at": "9999-12-31T23:59:59",
        },
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["visited_at"]
