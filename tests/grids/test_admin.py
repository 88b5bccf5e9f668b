"""The grids admin: scoped to the admin's subtree, writes through the services, personal data
masked, no access for other roles."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import time_machine

from governance.models import AuditEvent
from grids.models import Grid, GridStaff, Household, Resident, Visit
from orgchart.models import User
from tests.conftest import Personas, Tree, client_for, make_user
from tests.factories import PersonFactory
from tests.grids.conftest import GridWorld
from tests.helpers import english_client_for as english
from tests.helpers import resident_id

GRIDS = "/admin/grids/grid/"
STAFF = "/admin/grids/gridstaff/"
HOUSEHOLDS = "/admin/grids/household/"
RESIDENTS = "/admin/grids/resident/"
VISITS = "/admin/grids/visit/"

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[118.15, 39.65], [118.154, 39.65], [118.154, 39.647], [118.15, 39.65]]],
}


def grid_form(tree: Tree, **fields: Any) -> dict[str, Any]:
    return {
        "community": tree.guangming.pk,
        "compound": tree.guangming_compound.pk,
        "name": "光明三网格",
        "code": "G03",
        "kind": "basic",
        "site": "",
        "topic": "",
        "area_type": "",
        "boundary": json.dumps(SQUARE),
        **fields,
    }


def result_rows(html: str) -> list[str]:
    """The rows of the changelist's result table, as HTML."""
    table = html.split('<table id="result_list">', 1)[1].split("</table>", 1)[0]
    return table.split("<tbody>", 1)[1].split("</tr>")[:-1]


def audit_rows() -> list[tuple[str, str, str]]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", "object_type", "object_id"))


# --- Changelist and change page --------------------------------------------------------------


def test_superuser_sees_every_grid_with_size_staff_and_share(
    world: GridWorld, people: Personas
) -> None:
    response = english(people.superuser).get(GRIDS)
    assert response.status_code == 200
    assert [grid.name for grid in response.context["cl"].result_list] == [
        "光明一网格",
        "光明二网格",
        "光明商圈网格",
        "新华一网格",
    ]
    rows = result_rows(response.content.decode())
    assert len(rows) == 4
    first = rows[0]
    assert "光明一网格</a>" in first
    assert '<td class="field-code">G01</td>' in first
    assert '<td class="field-community nowrap">光明社区</td>' in first
    assert '<td class="field-kind">basic grid</td>' in first
    assert '<td class="field-household_total">2</td>' in first
    assert '<td class="field-staff_total">1</td>' in first
    assert '<td class="field-party_share">1/1 (100%)</td>' in first
    assert '<td class="field-size_warning">⚠ 2 households, target 30</td>' in first
    assert '<td class="field-party_share">0/1 (0%), below 60%</td>' in rows[1]
    # A dedicated grid has no target size and, here, no staff.
    assert '<td class="field-party_share">—</td>' in rows[2]
    assert '<td class="field-size_warning">-</td>' in rows[2]
    # No bulk delete, and no other bulk action on grids.
    assert response.context["action_form"] is None


def test_street_admin_sees_the_grids_of_the_street_only(world: GridWorld, people: Personas) -> None:
    client = english(people.street_admin)
    names = [g.name for g in client.get(GRIDS).context["cl"].result_list]
    assert names == ["光明一网格", "光明二网格", "光明商圈网格"]
    assert [g.name for g in client.get(GRIDS, {"q": "G02"}).context["cl"].result_list] == [
        "光明二网格"
    ]
    assert [
        g.name for g in client.get(GRIDS, {"kind__exact": "dedicated"}).context["cl"].result_list
    ] == ["光明商圈网格"]


def test_change_page_shows_boundary_as_json_and_the_current_staff(
    world: GridWorld, people: Personas
) -> None:
    Grid.objects.filter(pk=world.grid_a.pk).update(boundary=SQUARE)
    response = english(people.street_admin).get(f"{GRIDS}{world.grid_a.pk}/change/")
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert json.loads(form["boundary"].value()) == SQUARE
    assert set(form.fields) == {
        "compound",
        "name",
        "code",
        "site",
        "topic",
        "area_type",
        "boundary",
        "is_active",
    }
    html = response.content.decode()
    staff_link = f'<a href="{STAFF}{world.staff_a.pk}/change/">网格员甲</a> (grid head, full-time)'
    assert staff_link in html
    assert "网格员乙" not in html  # works the other grid


# --- Scope -----------------------------------------------------------------------------------


def test_an_outsider_admin_finds_nothing_outside_their_subtree(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    west = english(make_user("west_admin", User.Role.ADMIN, unit=tree.west, is_staff=True))
    for url in (
        f"{GRIDS}{world.grid_a.pk}/change/",
        f"{GRIDS}{world.grid_a.pk}/delete/",
        f"{GRIDS}{world.grid_a.pk}/history/",
        f"{STAFF}{world.staff_a.pk}/change/",
        f"{HOUSEHOLDS}{world.home_101.pk}/change/",
        f"{RESIDENTS}{world.wang.pk}/change/",
        f"{VISITS}{world.visit_101.pk}/change/",
    ):
        assert west.get(url).status_code == 404, url
    before = audit_rows()
    response = west.post(f"{GRIDS}{world.grid_a.pk}/change/", {"name": "改名", "is_active": ""})
    assert response.status_code == 404
    assert west.post(f"{GRIDS}{world.mall.pk}/delete/", {"post": "yes"}).status_code == 404
    assert Grid.objects.get(pk=world.grid_a.pk).name == "光明一网格"
    assert Grid.objects.filter(pk=world.mall.pk).exists()
    assert audit_rows() == before
    assert [g.name for g in west.get(GRIDS).context["cl"].result_list] == ["新华一网格"]
    assert list(west.get(STAFF).context["cl"].result_list) == []
    assert [h.address for h in west.get(HOUSEHOLDS).context["cl"].result_list] == ["新华路1号"]
    # A grid of another street cannot be picked when appointing staff either.
    form = west.get(f"{STAFF}add/").context["adminform"].form
    assert list(form.fields["grid"].queryset) == [world.xinhua_grid]


def test_grid_workers_and_officials_have_no_admin(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    for user in (people.grid, people.official, people.worker):
        response = client_for(user).get(f"{GRIDS}{world.grid_a.pk}/change/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    # Even marked as staff, only admins reach the grids admin.
    staff_grid_worker = make_user(
        "staff_grid", User.Role.GRID_WORKER, unit=tree.guangming, is_staff=True
    )
    staff_official = make_user("staff_official", User.Role.OFFICIAL, unit=tree.east, is_staff=True)
    for user in (staff_grid_worker, staff_official):
        client = client_for(user)
        for url in (GRIDS, f"{GRIDS}add/", STAFF, HOUSEHOLDS, RESIDENTS, VISITS):
            assert client.get(url).status_code == 403, url
        assert client.post(f"{GRIDS}add/", grid_form(tree)).status_code == 403
    # The official's area holds the grid: 403; a grid worker who does not staff it: missing.
    change = f"{GRIDS}{world.grid_a.pk}/change/"
    assert client_for(staff_official).get(change).status_code == 403
    assert client_for(staff_grid_worker).get(change).status_code == 404
    assert not Grid.objects.filter(name="光明三网格").exists()


# --- Writes through the services -------------------------------------------------------------


def test_create_goes_through_the_service_and_is_audited(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    client = english(people.street_admin)
    form = client.get(f"{GRIDS}add/").context["adminform"].form
    assert tree.xinhua not in form.fields["community"].queryset
    assert set(form.fields["community"].queryset) == {tree.guangming, tree.heping}
    response = client.post(f"{GRIDS}add/", grid_form(tree))
    assert response.status_code == 302, response.context["adminform"].form.errors
    grid = Grid.objects.get(name="光明三网格")
    assert (grid.community, grid.compound, grid.code, grid.kind) == (
        tree.guangming,
        tree.guangming_compound,
        "G03",
        "basic",
    )
    assert grid.area_type == "urban"  # as the community
    assert grid.boundary == SQUARE
    event = AuditEvent.objects.get(object_type="grids.Grid", object_id=str(grid.pk))
    assert (event.action, event.actor) == (AuditEvent.Action.CREATE, people.street_admin)
    assert event.changes["name"] == "光明三网格"
    assert event.changes["community"] == tree.guangming.pk


def test_bad_boundary_is_refused_with_a_form_error(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    client = english(people.street_admin)
    before = audit_rows()
    for boundary, message in (
        ('{"type": "Polygon", "coordinates": [[[118.15, 39.65]', "The boundary is not valid JSON."),
        (
            json.dumps({"type": "Polygon", "coordinates": [[[118.15, 39.65], [118.2, 39.6]]]}),
            "The boundary must be a GeoJSON Polygon or MultiPolygon with closed rings.",
        ),
    ):
        response = client.post(f"{GRIDS}add/", grid_form(tree, boundary=boundary))
        assert response.status_code == 200
        assert response.context["adminform"].form.errors == {"boundary": [message]}
    assert not Grid.objects.filter(name="光明三网格").exists()
    assert audit_rows() == before


def test_form_errors_for_a_taken_name_and_a_site_of_a_basic_grid(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    client = english(people.street_admin)
    response = client.post(f"{GRIDS}add/", grid_form(tree, name="光明一网格", site="mall"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "name": ["Another grid of this community has this name."],
        "site": ["Only a dedicated grid covers a site."],
    }
    assert Grid.objects.filter(name="光明一网格").count() == 1


def test_change_goes_through_the_service(world: GridWorld, people: Personas) -> None:
    client = english(people.street_admin)
    url = f"{GRIDS}{world.grid_b.pk}/change/"
    data = {
        "compound": "",
        "name": "光明第二网格",
        "code": "G02",
        "site": "",
        "topic": "",
        "area_type": "urban",
        "boundary": "",
        "is_active": "on",
    }
    assert client.post(url, data).status_code == 302
    assert Grid.objects.get(pk=world.grid_b.pk).name == "光明第二网格"
    event = AuditEvent.objects.filter(object_type="grids.Grid").latest("pk")
    assert (event.action, event.actor, event.changes) == (
        AuditEvent.Action.UPDATE,
        people.street_admin,
        {"name": "光明第二网格"},
    )
    # A grid with households is not deactivated: they would have no grid.
    before = audit_rows()
    response = client.post(url, {**data, "is_active": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "is_active": ["Move this grid's households to another grid first."]
    }
    assert Grid.objects.get(pk=world.grid_b.pk).is_active
    assert audit_rows() == before


def test_delete_only_what_nothing_refers_to(world: GridWorld, people: Personas) -> None:
    client = english(people.street_admin)
    confirm = client.get(f"{GRIDS}{world.grid_a.pk}/delete/")
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "would require deleting the following protected related objects" in html
    assert "1号楼1单元101室" in html
    before = audit_rows()
    client.post(f"{GRIDS}{world.grid_a.pk}/delete/", {"post": "yes"})
    assert Grid.objects.filter(pk=world.grid_a.pk).exists()
    assert audit_rows() == before

    assert client.post(f"{GRIDS}{world.mall.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not Grid.objects.filter(pk=world.mall.pk).exists()
    event = AuditEvent.objects.latest("pk")
    assert (event.action, event.object_type, event.object_id, event.actor) == (
        AuditEvent.Action.DELETE,
        "grids.Grid",
        str(world.mall.pk),
        people.street_admin,
    )


# --- Staff -----------------------------------------------------------------------------------


def staff_form(world: GridWorld, **fields: Any) -> dict[str, Any]:
    return {
        "grid": world.grid_b.pk,
        "person": "",
        "role": "head",
        "employment": "part_time",
        "background": "party_member",
        "account": "",
        "started_on": "2025-03-01",
        **fields,
    }


def test_appoint_through_the_service_with_the_person_in_scope(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    client = english(people.street_admin)
    # 孙强 is known only in 新华社区 (another street): not a choice, and not named back.
    outside = client.post(f"{STAFF}add/", staff_form(world, person=world.sun.person_id))
    assert outside.status_code == 200
    assert set(outside.context["adminform"].form.errors) == {"person"}
    assert "孙" not in outside.content.decode()
    # The grid has a head already.
    taken = client.post(
        f"{STAFF}add/", staff_form(world, grid=world.grid_a.pk, person=world.li.person_id)
    )
    assert taken.context["adminform"].form.errors == {
        "role": ["This grid already has a grid head. End that term first."]
    }
    assert GridStaff.objects.count() == 2

    response = client.post(f"{STAFF}add/", staff_form(world, person=world.li.person_id))
    assert response.status_code == 302, response.context["adminform"].form.errors
    staff = GridStaff.objects.get(grid=world.grid_b, person=world.li.person)
    assert (staff.role, staff.employment, staff.background, staff.started_on) == (
        "head",
        "part_time",
        "party_member",
        dt.date(2025, 3, 1),
    )
    event = AuditEvent.objects.get(object_type="grids.GridStaff", object_id=str(staff.pk))
    assert (event.action, event.actor) == (AuditEvent.Action.CREATE, people.street_admin)
    # The picker's label is the masked name.
    page = client.get(f"{STAFF}add/", {"person": world.li.person_id}).content.decode()
    assert "李**</a></strong>" in page
    assert "李建国" not in page


def test_staff_list_and_ending_terms_with_the_action(world: GridWorld, people: Personas) -> None:
    client = english(people.street_admin)
    html = client.get(STAFF).content.decode()
    assert '<td class="field-person_name">网格员甲</td>' in html
    assert 'class="field-party_member"><img src="/static/admin/img/icon-yes.svg"' in html
    # Names in full for admins; ID numbers and phones never appear.
    for secret in ("110101198001010011"[:17], "13800000001"):
        assert secret not in html
    with time_machine.travel(dt.datetime(2025, 6, 30, 10, tzinfo=dt.UTC), tick=False):
        response = client.post(
            STAFF,
            {"action": "end_terms", "_selected_action": [world.staff_b.pk]},
        )
    assert response.status_code == 302
    staff = GridStaff.objects.get(pk=world.staff_b.pk)
    assert staff.ended_on == dt.date(2025, 6, 30)
    assert GridStaff.objects.get(pk=world.staff_a.pk).ended_on is None
    event = AuditEvent.objects.filter(object_type="grids.GridStaff").latest("pk")
    assert (event.action, event.object_id, event.changes) == (
        AuditEvent.Action.UPDATE,
        str(staff.pk),
        {"ended_on": "2025-06-30"},
    )
    # An ended term is history: read-only. (A new login: the session idled while time moved.)
    client.force_login(people.street_admin)
    assert client.post(f"{STAFF}{staff.pk}/change/", {"ended_on": "2025-07-01"}).status_code == 403
    assert GridStaff.objects.get(pk=staff.pk).ended_on == dt.date(2025, 6, 30)


def test_end_a_term_on_its_page(world: GridWorld, people: Personas) -> None:
    client = english(people.street_admin)
    url = f"{STAFF}{world.staff_a.pk}/change/"
    bad = client.post(url, {"ended_on": "2023-12-31"})
    assert bad.context["adminform"].form.errors == {
        "ended_on": ["A term cannot end before it starts."]
    }
    assert client.post(url, {"ended_on": "2025-01-31"}).status_code == 302
    assert GridStaff.objects.get(pk=world.staff_a.pk).ended_on == dt.date(2025, 1, 31)


# --- Households, residents, visits: read-only and masked -------------------------------------


def test_households_residents_and_visits_are_read_only_and_masked(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    client = english(people.street_admin)
    assert [h.address for h in client.get(HOUSEHOLDS).context["cl"].result_list] == [
        "1号楼1单元101室",
        "1号楼1单元102室",
        "2号楼1单元201室",
    ]
    html = client.get(RESIDENTS).content.decode()
    assert [r.person.name for r in client.get(RESIDENTS).context["cl"].result_list] == [
        "李建国",
        "王秀英",
        "赵敏",
    ]
    wang_id = resident_id("11010119450307002")
    assert f'<td class="field-masked_document">{wang_id[:6]}********{wang_id[-4:]}</td>' in html
    assert "elderly living alone" in html
    assert "lives here, registered elsewhere" in html
    for secret in (wang_id, "13912345678", "key_petitioner", "key petitioner"):
        assert secret not in html
    view = client.get(f"{RESIDENTS}{world.wang.pk}/change/")
    assert view.status_code == 200
    page = view.content.decode()
    assert "restricted" not in page.lower()
    assert "1945" not in page  # no birth date next to a masked ID
    for url in (f"{HOUSEHOLDS}add/", f"{RESIDENTS}add/", f"{VISITS}add/"):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"{HOUSEHOLDS}{world.home_101.pk}/change/", {"address": "改"}).status_code
        == 403
    )
    assert client.post(f"{VISITS}{world.visit_101.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Household.objects.get(pk=world.home_101.pk).address == "1号楼1单元101室"
    assert Visit.objects.filter(pk=world.visit_101.pk).exists()
    assert Resident.objects.count() == 4
    visits = client.get(VISITS).context["cl"].result_list
    assert [(v.grid.name, v.purpose) for v in visits] == [("光明一网格", "care_visit")]
    searched = client.get(RESIDENTS, {"q": "wxy"}).context["cl"].result_list
    assert [r.person.name for r in searched] == ["王秀英"]


def test_a_person_registered_outside_cannot_be_searched(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    PersonFactory.create(unit=tree.xinhua, name="钱多多", first17="11010119900101001")
    client = english(people.street_admin)
    assert list(client.get(RESIDENTS, {"q": "钱多多"}).context["cl"].result_list) == []
    assert list(client.get(STAFF, {"q": "孙强"}).context["cl"].result_list) == []
