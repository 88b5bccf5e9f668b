"""The org tree API: scope (404), role (403), bad input (400), filters and tree endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from governance.errors import OutOfScope
from orgchart import services
from orgchart.models import Department, OrgUnit, User
from orgchart.services import orgtree_check
from tests.conftest import PASSWORD, Personas, Tree, client_for
from tests.helpers import api_for
from tests.orgchart.test_services import tree_snapshot


def names(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_anonymous_requests_are_refused(tree: Tree) -> None:
    response = APIClient().get("/api/orgunits/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert APIClient().get("/api/schema/").status_code == 401
    # The docs are a page: an anonymous visitor is sent to log in.
    docs = APIClient().get("/api/docs/")
    assert docs.status_code == 302
    assert docs["Location"].startswith("/accounts/login/")


def test_token_login(tree: Tree, people: Personas) -> None:
    client = APIClient()
    bad = client.post("/api/auth/token/", {"username": "worker", "password": "wrong"})
    assert bad.status_code == 400
    assert "non_field_errors" in bad.json()
    response = client.post("/api/auth/token/", {"username": "worker", "password": PASSWORD})
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert names(client.get("/api/orgunits/")) == [
        "光明社区",
        "光明小区",
        "1号楼",
        "2号楼",
        "下沉党员支部",
    ]


def test_list_is_scoped_and_in_tree_order(tree: Tree, people: Personas) -> None:
    assert names(api_for(people.other_worker).get("/api/orgunits/")) == ["新华社区"]
    response = api_for(people.worker).get("/api/orgunits/", {"kind": "building"})
    assert names(response) == ["1号楼", "2号楼"]
    row = response.json()["results"][0]
    assert row["kind_label"] == "楼栋"
    assert row["parent"] == tree.guangming_compound.pk


def test_unit_filter_is_a_subtree_and_checked(tree: Tree, people: Personas) -> None:
    client = api_for(people.official)
    assert names(client.get("/api/orgunits/", {"unit": tree.guangming_compound.pk})) == [
        "光明小区",
        "1号楼",
        "2号楼",
    ]
    assert names(client.get("/api/orgunits/", {"q": "社区"})) == ["光明社区", "和平社区"]
    for bad in ({"unit": "abc"}, {"unit": tree.xinhua.pk}, {"kind": "planet"}):
        response = client.get("/api/orgunits/", bad)
        assert response.status_code == 400
        assert set(response.json()) == set(bad)


def test_outsider_gets_404_for_another_communitys_unit(tree: Tree, people: Personas) -> None:
    client = api_for(people.worker)
    for path in ("", "children/", "ancestors/"):
        assert client.get(f"/api/orgunits/{tree.xinhua.pk}/{path}").status_code == 404
    assert client.patch(f"/api/orgunits/{tree.xinhua.pk}/", {"name": "x"}).status_code == 404
    assert client.get("/api/orgunits/999999/").status_code == 404
    assert client.get(f"/api/orgunits/{tree.guangming.pk}/").status_code == 200


def test_children_and_ancestors(tree: Tree, people: Personas) -> None:
    client = api_for(people.worker)
    assert names(client.get(f"/api/orgunits/{tree.guangming.pk}/children/")) == [
        "光明小区",
        "下沉党员支部",
    ]
    response = client.get(f"/api/orgunits/{tree.building_1.pk}/ancestors/")
    assert [row["name"] for row in response.json()] == [
        "云州市",
        "云阳区",
        "东城街道",
        "光明社区",
        "光明小区",
    ]
    assert set(response.json()[0]) == {"id", "name", "kind", "kind_label", "level"}


def test_worker_may_not_write_403_and_nothing_changes(tree: Tree, people: Personas) -> None:
    client = api_for(people.worker)
    before = tree_snapshot()
    create = client.post(
        "/api/orgunits/", {"parent": tree.guangming.pk, "name": "新小区", "kind": "compound"}
    )
    assert create.status_code == 403
    assert client.patch(f"/api/orgunits/{tree.guangming.pk}/", {"name": "改名"}).status_code == 403
    move = client.post(
        f"/api/orgunits/{tree.building_1.pk}/move/",
        {"target": tree.building_2.pk, "position": "right"},
    )
    assert move.status_code == 403
    assert client.delete(f"/api/orgunits/{tree.building_1.pk}/").status_code == 403
    assert tree_snapshot() == before


def test_admin_creates_updates_moves_and_deletes(tree: Tree, people: Personas) -> None:
    client = api_for(people.street_admin)
    created = client.post(
        "/api/orgunits/",
        {"parent": tree.heping.pk, "name": "和平新苑", "kind": "compound", "rating": "B"},
        format="json",
    )
    assert created.status_code == 201, created.content
    unit_id = created.json()["id"]
    assert created.json()["parent"] == tree.heping.pk
    updated = client.patch(f"/api/orgunits/{unit_id}/", {"is_weak": True}, format="json")
    assert updated.json()["is_weak"] is True
    assert updated.json()["phone"] == ""
    updated = client.patch(f"/api/orgunits/{unit_id}/", {"phone": "0315-2871199"}, format="json")
    assert updated.json()["phone"] == "0315-2871199"
    moved = client.post(
        f"/api/orgunits/{unit_id}/move/", {"target": tree.guangming.pk}, format="json"
    )
    assert moved.status_code == 200
    assert moved.json()["parent"] == tree.guangming.pk
    assert client.delete(f"/api/orgunits/{unit_id}/").status_code == 204
    assert not OrgUnit.objects.filter(pk=unit_id).exists()
    assert orgtree_check() == []


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"parent", "name", "kind"}),
        ({"parent": "x", "name": "a", "kind": "compound"}, {"parent"}),
        ({"parent": 0, "name": "a", "kind": "compound"}, {"parent"}),
        ({"parent": "P", "name": "a", "kind": "building"}, {"parent"}),  # kind rule
        ({"parent": "P", "name": "a", "kind": "compound", "division_code": "1"}, {"division_code"}),
        ({"parent": "P", "name": "a", "kind": "branch"}, {"branch_type"}),
        ({"parent": "P", "name": "a", "kind": "compound", "rating": "Z"}, {"rating"}),
        ({"parent": "P", "name": "a", "kind": "compound", "phone": "电话"}, {"phone"}),
    ],
)
def test_bad_input_is_400_with_field_messages(
    tree: Tree, people: Personas, payload: dict[str, Any], fields: set[str]
) -> None:
    if payload.get("parent") == "P":
        payload = {**payload, "parent": tree.heping.pk}
    before = tree_snapshot()
    response = api_for(people.street_admin).post("/api/orgunits/", payload, format="json")
    assert response.status_code == 400, response.content
    assert fields <= set(response.json())
    assert tree_snapshot() == before


def test_full_width_division_codes_are_normalised_not_a_500(tree: Tree, people: Personas) -> None:
    client = api_for(people.street_admin)
    response = client.patch(
        f"/api/orgunits/{tree.heping.pk}/",
        {"division_code": "１３９９０２００１００９"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["division_code"] == "139902001009"
    for bad in ("١٣٩٩٠٢٠٠١٠٠٩", "13990200100", "139902001001"):  # Arabic-Indic, short, taken
        before = tree_snapshot()
        response = client.patch(
            f"/api/orgunits/{tree.heping.pk}/", {"division_code": bad}, format="json"
        )
        assert response.status_code == 400, (bad, response.content)
        assert list(response.json()) == ["detail", "division_code"]
        assert tree_snapshot() == before


def test_a_unit_that_vanished_meanwhile_is_404_not_500(tree: Tree, people: Personas) -> None:
    stale = OrgUnit.objects.get(pk=tree.building_2.pk)
    services.orgunit_delete(actor=None, unit=tree.building_2)
    with pytest.raises(OutOfScope):
        services.orgunit_update(actor=None, unit=stale, name="x")
    with pytest.raises(OutOfScope):
        services.orgunit_move(actor=None, unit=stale, target=tree.guangming_compound)


def test_moving_out_of_the_admins_area_is_a_bad_target(tree: Tree, people: Personas) -> None:
    before = tree_snapshot()
    response = api_for(people.street_admin).post(
        f"/api/orgunits/{tree.heping.pk}/move/",
        {"target": tree.east.pk, "position": "right"},  # next to its anchor: under the district
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["detail", "target"]
    assert tree_snapshot() == before


def test_update_refuses_structural_fields(tree: Tree, people: Personas) -> None:
    response = api_for(people.street_admin).patch(
        f"/api/orgunits/{tree.heping.pk}/", {"parent": tree.guangming.pk}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_move_into_own_subtree_is_400(tree: Tree, people: Personas) -> None:
    response = api_for(people.superuser).post(
        f"/api/orgunits/{tree.east.pk}/move/", {"target": tree.guangming.pk}, format="json"
    )
    assert response.status_code == 400
    assert "target" in response.json()


def test_departments_endpoint(tree: Tree, people: Personas) -> None:
    worker = api_for(people.worker)
    assert names(worker.get("/api/departments/")) == ["城管局", "东城派出所"]
    assert worker.get(f"/api/departments/{tree.police.pk}/").status_code == 200
    other = api_for(people.other_worker)
    assert other.get(f"/api/departments/{tree.police.pk}/").status_code == 404
    assert names(other.get("/api/departments/", {"unit": tree.xinhua.pk})) == ["城管局"]
    departments_before = list(Department.objects.values_list("pk", "name", "phone", "is_active"))
    created = worker.post(
        "/api/departments/", {"name": "环保所", "jurisdiction": tree.guangming.pk}
    )
    assert created.status_code == 403
    admin = api_for(people.street_admin)
    duplicate = admin.post(
        "/api/departments/", {"name": "东城派出所", "jurisdiction": tree.east.pk}
    )
    assert duplicate.status_code == 400
    assert "name" in duplicate.json()
    created = admin.post("/api/departments/", {"name": "环保所", "jurisdiction": tree.east.pk})
    assert created.status_code == 201
    district_department = admin.patch(f"/api/departments/{tree.chengguan.pk}/", {"phone": "1"})
    assert district_department.status_code == 403  # serves the street, but is the district's
    assert (
        list(
            Department.objects.exclude(name="环保所").values_list(
                "pk", "name", "phone", "is_active"
            )
        )
        == departments_before
    )
    inactive = admin.post(
        "/api/departments/",
        {"name": "停用所", "jurisdiction": tree.east.pk, "is_active": False},
        format="json",
    )
    assert inactive.status_code == 201
    assert inactive.json()["is_active"] is False


def test_handler_of_an_inactive_department_sees_nothing(tree: Tree, people: Personas) -> None:
    client = api_for(people.handler)
    assert len(names(client.get("/api/orgunits/"))) == 10
    Department.objects.filter(pk=tree.chengguan.pk).update(is_active=False)
    assert names(api_for(User.objects.get(pk=people.handler.pk)).get("/api/orgunits/")) == []


def test_list_query_count_does_not_grow_with_rows(
    tree: Tree, people: Personas, django_assert_num_queries: Any
) -> None:
    client = api_for(people.superuser)
    with django_assert_num_queries(2):  # superuser, no anchor to read: count, page
        client.get("/api/orgunits/")
    token = APIClient().post("/api/auth/token/", {"username": "worker", "password": PASSWORD})
    worker = APIClient()
    worker.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    with django_assert_num_queries(4):  # token with its user, the anchor, count, page
        worker.get("/api/orgunits/")
    with django_assert_num_queries(5):  # token with its user, anchor, the unit, count, page
        worker.get(f"/api/orgunits/{tree.guangming.pk}/children/")
    with django_assert_num_queries(4):
        worker.get("/api/departments/")
    for index in range(5):
        services.department_create(actor=None, name=f"新部门{index}", jurisdiction=tree.east)
        services.orgunit_create(
            actor=None, parent=tree.guangming, name=f"新小区{index}", kind="compound"
        )
    with django_assert_num_queries(4):
        worker.get("/api/orgunits/")
    with django_assert_num_queries(5):
        worker.get(f"/api/orgunits/{tree.guangming.pk}/children/")
    with django_assert_num_queries(4):
        worker.get("/api/departments/")


def test_openapi_schema_and_docs(tree: Tree, people: Personas) -> None:
    client = api_for(people.worker)
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in (
        "/api/orgunits/",
        "/api/orgunits/{id}/children/",
        "/api/orgunits/{id}/ancestors/",
        "/api/orgunits/{id}/move/",
        "/api/departments/",
        "/api/auth/token/",
    ):
        assert path in paths
    docs = client_for(people.worker).get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "/static/drf_spectacular_sidecar/" in html
