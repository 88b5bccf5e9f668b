"""The Django admin goes through the policy and the services, like every other entry point."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from governance.models import AuditEvent
from orgchart import services
from orgchart.models import OrgUnit, User
from orgchart.services import orgtree_check
from tests.conftest import Personas, Tree, client_for, make_user
from tests.orgchart.test_services import tree_snapshot

CHANGELIST = "/admin/orgchart/orgunit/"


def change_url(unit: OrgUnit) -> str:
    return f"{CHANGELIST}{unit.pk}/change/"


def move(client: Client, unit: OrgUnit, target: OrgUnit, position: str = "last-child") -> str:
    response = client.post(
        CHANGELIST,
        {"cmd": "move_node", "cut_item": unit.pk, "pasted_on": target.pk, "position": position},
    )
    assert response.status_code == 200
    return response.content.decode()


def test_non_staff_roles_have_no_admin(tree: Tree, people: Personas) -> None:
    response = client_for(people.worker).get(change_url(tree.guangming))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_changelist_shows_only_the_admins_subtree(tree: Tree, people: Personas) -> None:
    response = client_for(people.street_admin).get(CHANGELIST)
    assert response.status_code == 200
    shown = {unit.name for unit in response.context["cl"].result_list}
    assert shown == {
        "东城街道",
        "光明社区",
        "光明小区",
        "1号楼",
        "2号楼",
        "下沉党员支部",
        "和平社区",
    }


def test_outside_rows_are_missing_404(tree: Tree, people: Personas) -> None:
    community_admin = make_user("gm_admin", User.Role.ADMIN, unit=tree.guangming, is_staff=True)
    client = client_for(community_admin)
    assert client.get(change_url(tree.guangming)).status_code == 200
    for unit in (tree.xinhua, tree.heping, tree.east):
        assert client.get(change_url(unit)).status_code == 404
        assert client.get(f"{CHANGELIST}{unit.pk}/delete/").status_code == 404
        assert client.get(f"{CHANGELIST}{unit.pk}/history/").status_code == 404
    assert client.get(f"/admin/orgchart/department/{tree.police.pk}/change/").status_code == 200
    outsider = client_for(make_user("west_admin", User.Role.ADMIN, unit=tree.west, is_staff=True))
    assert outsider.get(f"/admin/orgchart/department/{tree.police.pk}/change/").status_code == 404
    assert outsider.get(f"/admin/orgchart/user/{people.worker.pk}/change/").status_code == 404


def test_parent_is_read_only_and_there_is_no_bulk_delete(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    html = client.get(change_url(tree.heping)).content.decode()
    assert 'name="parent"' not in html
    assert 'name="kind"' not in html
    assert 'name="name"' in html
    # Bulk delete was the only bulk action: without it the changelist offers none.
    assert client.get(CHANGELIST).context["action_form"] is None


def test_add_goes_through_the_service_and_its_rules(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    form = {"name": "和平新苑", "kind": "compound", "parent": tree.heping.pk, "area_type": "urban"}
    response = client.post(f"{CHANGELIST}add/", form)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = OrgUnit.objects.get(name="和平新苑")
    assert created.parent_id == tree.heping.pk
    assert orgtree_check() == []

    before = tree_snapshot()
    bad = client.post(f"{CHANGELIST}add/", {**form, "name": "错层", "kind": "building"})
    assert bad.status_code == 200
    assert "parent" in bad.context["adminform"].form.errors
    outside = client.post(f"{CHANGELIST}add/", {**form, "name": "外区", "parent": tree.xinhua.pk})
    assert outside.status_code == 200
    assert "parent" in outside.context["adminform"].form.errors
    assert tree_snapshot() == before


def test_edit_changes_plain_fields(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    response = client.post(
        change_url(tree.heping),
        {
            "name": "和平社区",
            "area_type": "urban",
            "division_code": "139902001002",
            "rating": "D",
            "is_weak": "on",
            "party_org_name": "中共和平社区委员会",
        },
    )
    assert response.status_code == 302
    heping = OrgUnit.objects.get(pk=tree.heping.pk)
    assert (heping.rating, heping.is_weak, heping.parent_id) == ("D", True, tree.east.pk)


def test_the_office_phone_is_edited_through_the_service(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    fields = {"name": "和平社区", "area_type": "urban", "division_code": "139902001002"}
    response = client.post(change_url(tree.heping), {**fields, "phone": "0315－2871102"})
    assert response.status_code == 302
    assert OrgUnit.objects.get(pk=tree.heping.pk).phone == "0315-2871102"  # normalised
    event = AuditEvent.objects.filter(object_type="orgchart.OrgUnit", action="update").latest("id")
    assert event.changes == {"phone": "0315-2871102"}
    # The service's message lands on the field, and nothing changes.
    response = client.post(change_url(tree.heping), {**fields, "phone": "请拨2871102"})
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["phone"]
    assert OrgUnit.objects.get(pk=tree.heping.pk).phone == "0315-2871102"


def tree_rows(html: str) -> dict[str, str]:
    """The changelist's rows by unit name: each row's HTML."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, flags=re.S)
    named = {}
    for row in rows:
        name = re.search(r'class="field-indented_title"><a [^>]*><div [^>]*>([^<]+)</div>', row)
        if name:
            named[name.group(1)] = row
    return named


def test_the_tree_marks_weak_units_only(tree: Tree, people: Personas) -> None:
    services.orgunit_update(actor=None, unit=tree.heping, is_weak=True)
    html = client_for(people.superuser).get(CHANGELIST).content.decode()
    rows = tree_rows(html)
    assert len(rows) == OrgUnit.objects.count()
    flags = {
        name: re.search(r'<td class="field-weak_flag">(.*?)</td>', row)
        for name, row in rows.items()
    }
    assert {name: match.group(1) for name, match in flags.items() if match and match.group(1)} == {
        "和平社区": '<strong class="weak-flag">软弱涣散</strong>'
    }
    assert "icon-no.svg" not in html  # no red ✖ on the normal units
    assert "icon-yes.svg" not in html


def test_the_tree_opens_two_levels_below_the_top_of_the_area(tree: Tree, people: Personas) -> None:
    def opening(user: User) -> tuple[str, set[int]]:
        html = client_for(user).get(CHANGELIST).content.decode()
        script = re.search(
            r'<script src="/static/js/admin-tree.js" data-closed="([^"]*)" '
            r'data-storage="([^"]*)">',
            html,
        )
        assert script is not None
        # Before django-mptt's script, which reads the closed units when the page has loaded.
        assert html.index("admin-tree.js") < html.index("mptt/draggable-admin.js")
        context = re.search(r'data-context="([^"]*)"', html)
        assert context is not None
        assert f"&quot;storageName&quot;: &quot;{script.group(2)}&quot;" in context.group(1)
        return script.group(2), set(json.loads(script.group(1)))

    # The city's admin: the city and its district open, the streets shown closed (and every
    # unit below them with children of its own).
    storage, closed = opening(people.superuser)
    assert storage == f"orgchart_orgunit_closed_{people.superuser.pk}"
    assert closed == {tree.east.pk, tree.west.pk, tree.guangming.pk, tree.guangming_compound.pk}
    # A street's admin: the street and its communities open, the compounds closed.
    storage, closed = opening(people.street_admin)
    assert storage == f"orgchart_orgunit_closed_{people.street_admin.pk}"
    assert closed == {tree.guangming_compound.pk}


def test_drag_and_drop_moves_through_the_service(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    assert move(client, tree.heping, tree.guangming, "left") == "OK, moved."
    assert list(tree.east.get_children().values_list("name", flat=True)) == ["和平社区", "光明社区"]
    assert orgtree_check() == []

    before = tree_snapshot()
    assert move(client, tree.building_1, tree.heping) == "FAIL, invalid move."  # kind rule
    assert move(client, tree.heping, tree.xinhua) == "FAIL, invalid objects."  # outside scope
    assert move(client, tree.east, tree.guangming) == "FAIL, invalid move."  # own anchor
    assert tree_snapshot() == before


def test_delete_through_the_service(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    # A unit with children is protected: the admin lists what protects it and deletes nothing.
    kept = client.post(f"{CHANGELIST}{tree.guangming_compound.pk}/delete/", {"post": "yes"})
    assert kept.status_code == 200
    assert "1号楼" in kept.content.decode()
    assert OrgUnit.objects.filter(pk=tree.guangming_compound.pk).exists()
    gone = client.post(f"{CHANGELIST}{tree.building_2.pk}/delete/", {"post": "yes"})
    assert gone.status_code == 302
    assert not OrgUnit.objects.filter(pk=tree.building_2.pk).exists()
    assert orgtree_check() == []


def test_user_admin_keeps_role_and_anchor_consistent(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    users = {u.username for u in client.get("/admin/orgchart/user/").context["cl"].result_list}
    assert users == {"street_admin", "official", "worker", "grid", "volunteer"}
    response = client.post(
        "/admin/orgchart/user/add/",
        {
            "username": "new_worker",
            "password1": "Zx9-long-pass",
            "password2": "Zx9-long-pass",
            "usable_password": "true",
            "role": "community_worker",
            "anchor_unit": tree.east.pk,
        },
    )
    assert response.status_code == 200  # a community worker is anchored at a community
    assert not User.objects.filter(username="new_worker").exists()
    response = client.post(
        "/admin/orgchart/user/add/",
        {
            "username": "new_worker",
            "password1": "Zx9-long-pass",
            "password2": "Zx9-long-pass",
            "usable_password": "true",
            "role": "community_worker",
            "anchor_unit": tree.heping.pk,
        },
    )
    assert response.status_code == 302
    assert User.objects.get(username="new_worker").anchor_unit_id == tree.heping.pk


def test_admins_cannot_hand_out_a_wider_area_or_touch_superusers(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.street_admin)
    form = client.get("/admin/orgchart/user/add/").context["adminform"].form
    assert [d.name for d in form.fields["anchor_department"].queryset] == ["东城派出所"]
    boss = make_user("boss", User.Role.ADMIN, unit=tree.guangming, is_superuser=True, is_staff=True)
    assert client.get(f"/admin/orgchart/user/{boss.pk}/change/").status_code == 404
    # Django's set-password page leads to the (scoped) reset page: missing for this admin.
    assert client.get(f"/admin/orgchart/user/{boss.pk}/password/", follow=True).status_code == 404
    response = client.post(
        f"/admin/orgchart/user/{boss.pk}/password/",
        {"password1": "Taken-0ver-9x", "password2": "Taken-0ver-9x"},
        follow=True,
    )
    assert response.status_code == 404
    assert client.post(f"/admin/orgchart/user/{boss.pk}/reset-password/").status_code == 404
    assert not User.objects.get(pk=boss.pk).check_password("Taken-0ver-9x")


def test_an_admin_may_not_delete_its_own_anchor(tree: Tree, people: Personas) -> None:
    from governance.errors import NotAllowed
    from orgchart import services

    heping_admin = make_user("hp_admin", User.Role.ADMIN, unit=tree.heping, is_staff=True)
    with pytest.raises(NotAllowed):
        services.orgunit_delete(actor=heping_admin, unit=tree.heping)  # a leaf, but its anchor
    assert OrgUnit.objects.filter(pk=tree.heping.pk).exists()
