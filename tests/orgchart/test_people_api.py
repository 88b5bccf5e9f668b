"""The people, party-member, post and account API: masking everywhere but reveal/, scope (404),
role (403), bad input (400, nothing changed), 200 vs 201, one-time passwords, query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from rest_framework.test import APIClient

from governance.models import AuditEvent
from orgchart import services
from orgchart.models import PartyMember, Person, Post, User
from tests import factories
from tests.conftest import Personas, Tree, make_user
from tests.helpers import api_for
from tests.orgchart.test_people_services import (
    ID_NUMBER,
    LANDLINE,
    MOBILE,
    audit_rows,
    last_audit_id,
    people_snapshot,
    register,
    resident_id,
)

PERSON: dict[str, Any] = {
    "name": "王秀英",
    "document_number": ID_NUMBER,
    "mobile": "+86 138 1234 5678",
    "landline": "0315-2812345 转 808",
    "address": "光明小区1号楼101",
}
# What must never leave the server except through reveal/: the numbers in full (also as
# typed), and the birth date, which with the mask's first 6 and last 4 rebuilds the ID.
UNMASKED = (ID_NUMBER, "19491231", "1949-12-31", MOBILE, "2812345", "138 1234 5678")
NEW_PASSWORD = "Xinmima2024ok"


def logged_in(user: User) -> APIClient:
    """A session login: each request loads the user (with the anchor) like in production."""
    client = APIClient()
    client.force_login(user)
    return client


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content.decode()
    return response.json()


def refused(response: Any, code: int) -> dict[str, Any]:
    assert response.status_code == code, response.content.decode()
    body: dict[str, Any] = response.json()
    return body


def kind_label(kind: str) -> str:
    """The post's label in the UI language (zh-hans unless the user chose otherwise)."""
    with translation.override("zh-hans"):
        return str(Post.Kind(kind).label)


# --- Masking ---------------------------------------------------------------------------------


def test_no_response_but_reveal_carries_a_full_number(tree: Tree, people: Personas) -> None:
    worker = api_for(people.worker)
    bodies: dict[str, str] = {}

    def keep(name: str, response: Any, code: int = 200) -> Any:
        assert response.status_code == code, (name, response.content.decode())
        bodies[name] = response.content.decode()
        return response.json()

    created = keep(
        "people create",
        worker.post("/api/people/", {**PERSON, "unit": tree.guangming.pk}, format="json"),
        201,
    )
    person_id = created["id"]
    assert created["document_number"] == "110105********002X"
    assert created["mobile"] == "138****5678"
    assert created["landline"] == "0315-***2345"
    keep(
        "people create again (200)",
        api_for(people.other_worker).post(
            "/api/people/",
            {**PERSON, "unit": tree.xinhua.pk, "document_number": ID_NUMBER.lower()},
            format="json",
        ),
    )
    keep(
        "people update",
        worker.patch(f"/api/people/{person_id}/", {"address": "光明小区2号楼"}, format="json"),
    )
    member = keep(
        "party-members create",
        worker.post(
            "/api/party-members/",
            {
                "person": person_id,
                "organisation": tree.guangming.pk,
                "status": "retired",
                "joined_on": "1975-07-01",
            },
            format="json",
        ),
        201,
    )
    post = keep(
        "posts create",
        worker.post(
            "/api/posts/",
            {
                "unit": tree.guangming.pk,
                "kind": "secretary",
                "holder": person_id,
                "started_on": "2021-01-01",
            },
            format="json",
        ),
        201,
    )
    keep(
        "posts end",
        worker.post(f"/api/posts/{post['id']}/end/", {"ended_on": "2024-06-30"}, format="json"),
    )
    created_user = keep(
        "users create",
        api_for(people.street_admin).post(
            "/api/users/",
            {
                "username": "new_worker",
                "full_name": "新社工",
                "role": "community_worker",
                "anchor_unit": tree.heping.pk,
            },
            format="json",
        ),
        201,
    )
    reads = {
        "people list": "/api/people/",
        "people list ?unit": f"/api/people/?unit={tree.guangming.pk}",
        "people search by ID": f"/api/people/?q={ID_NUMBER}",
        "people search by mobile": f"/api/people/?q={MOBILE}",
        "people search by fragment": "/api/people/?q=002X",
        "people detail": f"/api/people/{person_id}/",
        "party-members list": "/api/party-members/",
        "party-members search": f"/api/party-members/?q={ID_NUMBER}",
        "party-members detail": f"/api/party-members/{member['id']}/",
        "posts list": "/api/posts/",
        "posts list ended": "/api/posts/?current=false",
        "posts detail": f"/api/posts/{post['id']}/",
        "vacancies": f"/api/posts/vacancies/?unit={tree.guangming.pk}",
        "users list": "/api/users/",
        "users detail": f"/api/users/{created_user['user']['id']}/",
        "users me": "/api/users/me/",
    }
    viewers = ("superuser", "street_admin", "official", "worker", "grid", "handler", "volunteer")
    for persona in viewers:
        client = api_for(getattr(people, persona))
        for name, url in reads.items():
            response = client.get(url)
            # 400: a whole-number search by a role that may not reveal (it confirms guesses).
            assert response.status_code in (200, 400, 404), (persona, name, response.status_code)
            bodies[f"{persona}: {name}"] = response.content.decode()

    for name, body in bodies.items():
        for secret in UNMASKED:
            assert secret not in body, (name, secret)
    # Not vacuous: the person is there, masked, where the role may see them.
    assert "110105********002X" in bodies["worker: people search by ID"]
    assert "138****5678" in bodies["official: people detail"]
    assert "王秀英" in bodies["official: people detail"]  # officials see names in full
    assert "王秀英" in bodies["worker: party-members detail"]
    assert "110105********002X" in bodies["street_admin: party-members search"]

    revealed = {
        field: ok(worker.post(f"/api/people/{person_id}/reveal/", {"field": field}))
        for field in ("document_number", "mobile", "landline")
    }
    assert revealed == {
        "document_number": {"field": "document_number", "value": ID_NUMBER},
        "mobile": {"field": "mobile", "value": MOBILE},
        "landline": {"field": "landline", "value": LANDLINE},
    }


def test_reveal_is_audited_and_not_cached(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    mark = last_audit_id()
    response = api_for(people.worker).post(
        f"/api/people/{person.pk}/reveal/", {"field": "mobile"}, format="json"
    )
    assert ok(response) == {"field": "mobile", "value": MOBILE}
    assert response.headers["Cache-Control"] == "no-store"
    assert audit_rows(mark) == [
        ("worker", "reveal", "orgchart.Person", str(person.pk), {"field": "mobile"})
    ]


# --- Scope and roles -------------------------------------------------------------------------


def test_outsider_gets_404_and_nothing_changes(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    member = services.party_member_create(
        actor=None, person=person, organisation=tree.guangming, status="retired"
    )
    post = services.post_assign(
        actor=None,
        unit=tree.guangming,
        kind="secretary",
        holder=person,
        started_on=dt.date(2021, 1, 1),
    )
    before = people_snapshot()
    for persona in ("other_worker", "handler", "volunteer"):
        client = api_for(getattr(people, persona))
        calls = [
            client.get(f"/api/people/{person.pk}/"),
            client.patch(f"/api/people/{person.pk}/", {"address": "x"}, format="json"),
            client.post(f"/api/people/{person.pk}/reveal/", {"field": "document_number"}),
            client.get(f"/api/party-members/{member.pk}/"),
            client.patch(f"/api/party-members/{member.pk}/", {"status": "floating"}),
        ]
        if persona == "other_worker":  # handlers and volunteers see the posts of their area
            calls += [
                client.get(f"/api/posts/{post.pk}/"),
                client.post(f"/api/posts/{post.pk}/end/", {"ended_on": "2024-01-01"}),
            ]
        for response in calls:
            assert response.status_code == 404, (persona, response.request, response.content)
    for url in ("/api/people/", "/api/party-members/"):
        assert ok(api_for(people.handler).get(url))["count"] == 0
        assert ok(api_for(people.volunteer).get(url))["count"] == 0
        assert ok(api_for(people.other_worker).get(url))["count"] == 0
    assert ok(api_for(people.other_worker).get("/api/posts/"))["count"] == 0
    client = api_for(people.worker)
    for url in (
        "/api/people/999999/",
        "/api/people/abc/",
        "/api/party-members/999999/",
        "/api/party-members/abc/",
        "/api/posts/999999/",
        "/api/posts/abc/",
        "/api/users/999999/",
        "/api/users/abc/",
        f"/api/users/{people.official.pk}/",  # only admins see other accounts
    ):
        assert client.get(url).status_code == 404, url
    assert client.post("/api/people/abc/reveal/", {"field": "mobile"}).status_code == 404
    assert client.post("/api/posts/abc/end/", {"ended_on": "2024-01-01"}).status_code == 404
    assert people_snapshot() == before


def test_roles_that_see_but_may_not_act_get_403(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    member = services.party_member_create(
        actor=None, person=person, organisation=tree.guangming, status="retired"
    )
    post = services.post_assign(
        actor=None,
        unit=tree.guangming,
        kind="secretary",
        holder=person,
        started_on=dt.date(2021, 1, 1),
    )
    newcomer = services.person_register(
        actor=None, unit=tree.guangming, name="孙新人", document_number=resident_id()
    ).person
    before = people_snapshot()
    official = api_for(people.official)
    grid = api_for(people.grid)
    new_post = {
        "unit": tree.guangming.pk,
        "kind": "chief_grid_head",
        "holder": newcomer.pk,
        "started_on": "2024-01-01",
    }
    new_member = {"person": newcomer.pk, "organisation": tree.guangming.pk, "status": "retired"}
    for client, method, url, data in (
        (official, "post", f"/api/people/{person.pk}/reveal/", {"field": "document_number"}),
        (official, "patch", f"/api/people/{person.pk}/", {"address": "x"}),
        (official, "post", "/api/people/", {"unit": tree.guangming.pk, "name": "赵六"}),
        (official, "post", "/api/posts/", new_post),
        (official, "post", f"/api/posts/{post.pk}/end/", {"ended_on": "2024-01-01"}),
        (official, "post", "/api/party-members/", new_member),
        (official, "patch", f"/api/party-members/{member.pk}/", {"status": "floating"}),
        (
            api_for(people.handler),
            "post",
            "/api/people/",
            {"unit": tree.guangming.pk, "name": "赵"},
        ),
        (api_for(people.handler), "post", f"/api/posts/{post.pk}/end/", {"ended_on": "2024-01-01"}),
        (
            api_for(people.volunteer),
            "post",
            "/api/people/",
            {"unit": tree.guangming.pk, "name": "赵"},
        ),
    ):
        response = getattr(client, method)(url, data, format="json")
        assert response.status_code == 403, (url, data, response.content)
    # A volunteer sees no one's records: for them the holder does not exist (a field error).
    holder = refused(api_for(people.volunteer).post("/api/posts/", new_post, format="json"), 400)
    assert set(holder) == {"holder"}
    # A grid worker sees the residents of its grids only (it staffs none here): these people
    # do not exist for it either (tests/grids/test_people_register.py: its own residents).
    assert grid.post(f"/api/people/{person.pk}/reveal/", {"field": "mobile"}).status_code == 404
    assert grid.patch(f"/api/people/{person.pk}/", {"address": "x"}).status_code == 404
    assert set(refused(grid.post("/api/posts/", new_post, format="json"), 400)) == {"holder"}
    member_refused = refused(grid.post("/api/party-members/", new_member, format="json"), 400)
    assert set(member_refused) == {"person"}
    assert people_snapshot() == before

    # The community worker keeps the post ledger of the community (the policy says so).
    created = ok(api_for(people.worker).post("/api/posts/", new_post, format="json"), 201)
    assert {k: created[k] for k in ("unit", "kind", "holder", "holder_name", "ended_on")} == {
        "unit": tree.guangming.pk,
        "kind": "chief_grid_head",
        "holder": newcomer.pk,
        "holder_name": "孙新人",
        "ended_on": None,
    }
    # The grid worker registers people, and sees the names in full.
    registered = ok(
        grid.post("/api/people/", {"unit": tree.guangming.pk, "name": "赵六"}, format="json"), 201
    )
    assert registered["name"] == "赵六"


# --- Bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "fields"),
    [
        ({}, {"unit", "name"}),
        ({"document_number": "110105194912310021"}, {"document_number"}),
        ({"document_number": resident_id(birth="20991231")}, {"document_number"}),
        ({"mobile": "12345"}, {"mobile"}),
        ({"mobile": "010-12345678"}, {"mobile"}),
        ({"landline": MOBILE}, {"landline"}),
        ({"unit": 999999}, {"unit"}),
        ({"unit": "abc"}, {"unit"}),
        ({"unit": "XINHUA"}, {"unit"}),  # outside the worker's area: does not exist
        ({"document_type": "martian", "document_number": "E12345678"}, {"document_type"}),
        ({"document_type": "passport"}, {"document_number"}),
        ({"sex": "other"}, {"sex"}),
        ({"name": "  "}, {"name"}),
        ({"name": "王" * 51}, {"name"}),
    ],
)
def test_register_bad_input_is_400_and_writes_nothing(
    tree: Tree, people: Personas, payload: dict[str, Any], fields: set[str]
) -> None:
    body: dict[str, Any] = {"unit": tree.guangming.pk, "name": "王秀英"} if payload else {}
    body.update(payload)
    if body.get("unit") == "XINHUA":
        body["unit"] = tree.xinhua.pk
    before = people_snapshot()
    errors = refused(api_for(people.worker).post("/api/people/", body, format="json"), 400)
    assert fields <= set(errors)
    assert set(errors) - {"detail"} == fields
    assert all(isinstance(m, str) and m for f in fields for m in errors[f])
    assert people_snapshot() == before


def test_register_field_messages_are_the_services(tree: Tree, people: Personas) -> None:
    with translation.override("en"):
        errors = refused(
            api_for(people.worker).post(
                "/api/people/",
                {
                    "unit": tree.guangming.pk,
                    "name": "王秀英",
                    "document_number": "110105194912310021",
                    "mobile": "010-12345678",
                },
                format="json",
                HTTP_COOKIE="django_language=en",
            ),
            400,
        )
    assert errors == {
        "detail": "Please correct the errors below.",
        "document_number": ["The check digit of the ID number is wrong."],
        "mobile": ["This is not a mobile number."],
    }


@pytest.mark.parametrize(
    ("url", "fields"),
    [
        ("/api/people/?unit=abc", {"unit"}),
        ("/api/people/?unit=XINHUA", {"unit"}),
        ("/api/people/?unit=999999", {"unit"}),
        ("/api/party-members/?unit=abc", {"unit"}),
        ("/api/party-members/?status=dead", {"status"}),
        ("/api/posts/?current=maybe", {"current"}),
        ("/api/posts/?kind=mayor", {"kind"}),
        ("/api/posts/?unit=abc", {"unit"}),
        ("/api/posts/vacancies/", {"unit"}),
        ("/api/posts/vacancies/?unit=XINHUA", {"unit"}),
        ("/api/users/?role=king", {"role"}),
        ("/api/users/?is_active=maybe", {"is_active"}),
    ],
)
def test_bad_filters_are_400(tree: Tree, people: Personas, url: str, fields: set[str]) -> None:
    url = url.replace("XINHUA", str(tree.xinhua.pk))
    assert set(refused(api_for(people.worker).get(url), 400)) == fields


def test_bad_input_on_updates_and_actions_is_400_and_changes_nothing(
    tree: Tree, people: Personas
) -> None:
    person = register(tree, people)
    member = services.party_member_create(
        actor=None, person=person, organisation=tree.guangming, status="retired"
    )
    post = services.post_assign(
        actor=None,
        unit=tree.guangming,
        kind="secretary",
        holder=person,
        started_on=dt.date(2021, 1, 1),
    )
    other = services.person_register(
        actor=None, unit=tree.guangming, name="孙新人", document_number=resident_id()
    ).person
    outsider = services.person_register(actor=None, unit=tree.xinhua, name="王外人").person
    before = people_snapshot()
    worker = api_for(people.worker)
    for method, url, data, fields in (
        ("post", f"/api/people/{person.pk}/reveal/", {"field": "password"}, {"field"}),
        ("post", f"/api/people/{person.pk}/reveal/", {}, {"field"}),
        ("patch", f"/api/people/{person.pk}/", {"mobile": "110"}, {"mobile"}),
        ("patch", f"/api/people/{person.pk}/", {"document_number": "123"}, {"document_number"}),
        ("patch", f"/api/people/{person.pk}/", {"sex": "male"}, {"sex"}),  # the ID says female
        (
            "patch",
            f"/api/people/{person.pk}/",
            {"document_number": resident_id()},  # 孙新人's
            {"document_number"},
        ),
        ("patch", f"/api/people/{person.pk}/", {"document_type": "martian"}, {"document_type"}),
        ("post", "/api/posts/", {"unit": tree.guangming.pk}, {"kind", "holder", "started_on"}),
        (
            "post",
            "/api/posts/",
            {"unit": tree.guangming.pk, "kind": "secretary", "holder": "x", "started_on": "x"},
            {"holder", "started_on"},
        ),
        (
            "post",
            "/api/posts/",
            {
                "unit": tree.guangming.pk,
                "kind": "secretary",
                "holder": other.pk,
                "started_on": "2024-01-01",
            },
            {"kind"},  # held: end the current term first
        ),
        (
            "post",
            "/api/posts/",
            {
                "unit": tree.guangming.pk,
                "kind": "unit_head",
                "holder": outsider.pk,
                "started_on": "2024-01-01",
            },
            {"holder"},  # not visible: does not exist
        ),
        ("post", f"/api/posts/{post.pk}/end/", {"ended_on": "2020-12-31"}, {"ended_on"}),
        ("post", f"/api/posts/{post.pk}/end/", {"ended_on": "soon"}, {"ended_on"}),
        (
            "post",
            "/api/party-members/",
            {"person": person.pk, "organisation": tree.guangming.pk, "status": "retired"},
            {"person"},  # already a member
        ),
        (
            "post",
            "/api/party-members/",
            {"person": other.pk, "organisation": tree.xinhua.pk, "status": "retired"},
            {"organisation"},
        ),
        (
            "post",
            "/api/party-members/",
            {
                "person": other.pk,
                "organisation": tree.guangming.pk,
                "status": "retired",
                "home_community": tree.guangming_compound.pk,
            },
            {"home_community"},
        ),
        ("patch", f"/api/party-members/{member.pk}/", {"person": other.pk}, {"person"}),
        ("patch", f"/api/party-members/{member.pk}/", {"status": "dead"}, {"status"}),
    ):
        response = getattr(worker, method)(url, data, format="json")
        errors = refused(response, 400)
        assert set(errors) - {"detail"} == fields, (url, data, errors)
    assert people_snapshot() == before


def test_empty_update_changes_nothing(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    member = services.party_member_create(
        actor=None, person=person, organisation=tree.guangming, status="retired"
    )
    before = people_snapshot()
    worker = api_for(people.worker)
    assert ok(worker.patch(f"/api/people/{person.pk}/", {}, format="json"))["id"] == person.pk
    assert ok(worker.patch(f"/api/party-members/{member.pk}/", {}, format="json"))["id"] == (
        member.pk
    )
    assert people_snapshot() == before


# --- People endpoints ------------------------------------------------------------------------


def test_registering_a_known_person_is_200_and_links(tree: Tree, people: Personas) -> None:
    first = api_for(people.worker).post("/api/people/", PERSON | {"unit": tree.guangming.pk})
    created = ok(first, 201)
    assert created == {
        "id": created["id"],
        "name": "王秀英",
        "sex": "female",
        "age": created["age"],
        "document_type": "resident_id",
        "document_number": "110105********002X",
        "mobile": "138****5678",
        "landline": "0315-***2345",
        "address": "光明小区1号楼101",
        "is_party_member": False,
    }
    assert created["age"] >= 75
    again = api_for(people.other_worker).post(
        "/api/people/",
        {"unit": tree.xinhua.pk, "name": "王秀瑛", "document_number": "110105491231002"},
    )
    linked = ok(again, 200)
    assert linked == created  # the stored record, as it was
    assert Person.objects.count() == 1
    assert set(Person.objects.get().registrations.values_list("unit__name", flat=True)) == {
        "光明社区",
        "新华社区",
    }
    # Registering again at the same unit is idempotent.
    before = people_snapshot()
    same_unit = api_for(people.other_worker).post(
        "/api/people/", {"unit": tree.xinhua.pk, "name": "王", "document_number": ID_NUMBER}
    )
    assert ok(same_unit)["id"] == created["id"]
    assert people_snapshot() == before


def test_people_list_filters_and_search(tree: Tree, people: Personas) -> None:
    wang = register(tree, people)
    li = services.person_register(
        actor=None, unit=tree.heping, name="李四", mobile="13900001111"
    ).person
    services.person_register(actor=None, unit=tree.xinhua, name="王外人")
    official = api_for(people.official)

    def names(**query: Any) -> list[str]:
        return [row["name"] for row in ok(official.get("/api/people/", query))["results"]]

    # Officials see the names of their area in full (DESIGN §6).
    assert names() == ["李四", "王秀英"]  # pinyin order: li, wang
    assert names(unit=tree.heping.pk) == ["李四"]
    assert names(q="王") == ["王秀英"]
    assert names(q="wxy") == ["王秀英"]
    assert names(q="WANG") == ["王秀英"]
    assert names(q="110105") == ["王秀英"]
    assert names(q="002x") == ["王秀英"]
    # Whole numbers are for roles that may reveal them: a search confirms a masked guess.
    for whole in ("13900001111", "+86 139-0000-1111", "0086 13900001111", "11010519491231002X"):
        response = official.get("/api/people/", {"q": whole})
        assert response.status_code == 400
        assert list(response.json()) == ["detail", "q"]
    admin = api_for(people.street_admin)

    def admin_names(**query: Any) -> list[str]:
        return [row["name"] for row in ok(admin.get("/api/people/", query))["results"]]

    assert admin_names(q="13900001111") == ["李四"]
    assert admin_names(q="+86 139-0000-1111") == ["李四"]
    assert admin_names(q="0086 13900001111") == ["李四"]
    assert (
        len(admin_names(q="１１０１０５１９４９１２３１００２ｘ")) == 1
    )  # full-width, lower-case x
    assert names(q="1111") == ["李四"]
    assert names(q="外人") == []  # known only outside the official's area
    detail = ok(official.get(f"/api/people/{wang.pk}/"))
    assert (detail["name"], detail["is_party_member"]) == ("王秀英", False)
    assert ok(official.get(f"/api/people/{li.pk}/"))["name"] == "李四"
    assert api_for(people.worker).get(f"/api/people/{li.pk}/").status_code == 404  # 和平社区


def test_update_response(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    mark = last_audit_id()
    updated = ok(
        api_for(people.worker).patch(
            f"/api/people/{person.pk}/",
            {"mobile": "139-0000-1111", "address": "新地址"},
            format="json",
        )
    )
    assert (updated["mobile"], updated["address"], updated["document_number"]) == (
        "139****1111",
        "新地址",
        "110105********002X",
    )
    assert [row[:4] for row in audit_rows(mark)] == [
        ("worker", "update", "orgchart.Person", str(person.pk))
    ]


# --- Party members and posts -----------------------------------------------------------------


def test_party_member_endpoints(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    worker = api_for(people.worker)
    created = ok(
        worker.post(
            "/api/party-members/",
            {
                "person": person.pk,
                "organisation": tree.branch.pk,
                "status": "in_service",
                "membership": "probationary",
                "joined_on": "2023-07-01",
                "home_community": tree.guangming.pk,
                "employer": "区财政局",
                "employer_party_org": "中共区财政局机关委员会",
                "dual_registered_on": "2023-09-01",
            },
            format="json",
        ),
        201,
    )
    assert {k: v for k, v in created.items() if k != "person"} == {
        "id": created["id"],
        "organisation": tree.branch.pk,
        "organisation_name": "下沉党员支部",
        "status": "in_service",
        "membership": "probationary",
        "joined_on": "2023-07-01",
        "home_community": tree.guangming.pk,
        "home_community_name": "光明社区",
        "employer": "区财政局",
        "employer_party_org": "中共区财政局机关委员会",
        "party_organisation": "中共区财政局机关委员会",
        "dual_registered_on": "2023-09-01",
    }
    assert created["person"]["id"] == person.pk
    assert created["person"]["is_party_member"] is True
    assert created["person"]["document_number"] == "110105********002X"
    listed = ok(worker.get("/api/party-members/", {"unit": tree.branch.pk}))
    assert [row["id"] for row in listed["results"]] == [created["id"]]
    assert ok(worker.get("/api/party-members/", {"status": "retired"}))["count"] == 0
    updated = ok(
        worker.patch(
            f"/api/party-members/{created['id']}/",
            {"status": "retired", "home_community": None},
            format="json",
        )
    )
    assert (updated["status"], updated["home_community"], updated["home_community_name"]) == (
        "retired",
        None,
        "",
    )
    assert PartyMember.objects.get().home_community is None


def test_post_endpoints_and_vacancies(tree: Tree, people: Personas) -> None:
    person = register(tree, people)
    worker = api_for(people.worker)
    created = ok(
        worker.post(
            "/api/posts/",
            {
                "unit": tree.guangming.pk,
                "kind": "secretary",
                "holder": person.pk,
                "started_on": "2021-01-01",
            },
            format="json",
        ),
        201,
    )
    assert created == {
        "id": created["id"],
        "unit": tree.guangming.pk,
        "unit_name": "光明社区",
        "kind": "secretary",
        "kind_label": kind_label("secretary"),
        "holder": person.pk,
        "holder_name": "王秀英",
        "started_on": "2021-01-01",
        "ended_on": None,
    }
    assert ok(api_for(people.volunteer).get(f"/api/posts/{created['id']}/"))["holder_name"] == (
        "王**"
    )

    def vacancies() -> list[tuple[str, str]]:
        rows = ok(worker.get("/api/posts/vacancies/", {"unit": tree.guangming.pk}))
        return [(row["unit_name"], row["kind"]) for row in rows]

    assert ("光明社区", "secretary") not in vacancies()
    assert [row["id"] for row in ok(worker.get("/api/posts/"))["results"]] == [created["id"]]
    ended = ok(worker.post(f"/api/posts/{created['id']}/end/", {"ended_on": "2024-06-30"}))
    assert ended["ended_on"] == "2024-06-30"
    again = ok(worker.post(f"/api/posts/{created['id']}/end/", {"ended_on": "2024-06-30"}))
    assert again == ended  # idempotent
    assert Post.objects.get().ended_on == dt.date(2024, 6, 30)
    assert vacancies()[0] == ("光明社区", "secretary")
    assert ok(worker.get("/api/posts/"))["count"] == 0  # current terms by default
    assert [row["id"] for row in ok(worker.get("/api/posts/?current=false"))["results"]] == [
        created["id"]
    ]
    conflict = refused(
        worker.post(f"/api/posts/{created['id']}/end/", {"ended_on": "2024-07-01"}), 400
    )
    assert set(conflict) == {"detail", "ended_on"}


# --- Accounts --------------------------------------------------------------------------------


def account_snapshot() -> list[tuple[Any, ...]]:
    return list(
        User.objects.order_by("pk").values_list(
            "pk", "username", "password", "is_active", "must_change_password", "role"
        )
    )


def test_only_admins_create_accounts(tree: Tree, people: Personas) -> None:
    before = account_snapshot()
    audits = AuditEvent.objects.count()
    new = {"username": "newbie", "full_name": "新人", "role": "grid_worker"}
    for persona in ("worker", "official", "grid", "volunteer"):
        response = api_for(getattr(people, persona)).post(
            "/api/users/", {**new, "anchor_unit": tree.guangming.pk}, format="json"
        )
        assert response.status_code == 403, (persona, response.content)
    handler = api_for(people.handler).post(
        "/api/users/",
        {**new, "role": "department_handler", "anchor_department": tree.chengguan.pk},
        format="json",
    )
    assert handler.status_code == 403
    outside = refused(
        api_for(people.street_admin).post(
            "/api/users/", {**new, "anchor_unit": tree.xinhua.pk}, format="json"
        ),
        400,
    )
    assert set(outside) == {"anchor_unit"}
    wrong_kind = refused(
        api_for(people.street_admin).post(
            "/api/users/", {**new, "anchor_unit": tree.building_1.pk}, format="json"
        ),
        400,
    )
    assert set(wrong_kind) == {"detail", "role"}
    taken = refused(
        api_for(people.street_admin).post(
            "/api/users/",
            {**new, "username": "WORKER", "anchor_unit": tree.guangming.pk},
            format="json",
        ),
        400,
    )
    assert set(taken) == {"detail", "username"}
    assert account_snapshot() == before
    assert AuditEvent.objects.count() == audits


def test_one_time_password_logs_in_and_must_be_changed(tree: Tree, people: Personas) -> None:
    admin = api_for(people.street_admin)
    response = admin.post(
        "/api/users/",
        {
            "username": "new_worker",
            "full_name": "新社工",
            "role": "community_worker",
            "anchor_unit": tree.heping.pk,
        },
        format="json",
    )
    body = ok(response, 201)
    assert response.headers["Cache-Control"] == "no-store"
    password = body["one_time_password"]
    user = User.objects.get(username="new_worker")
    assert body["user"] == {
        "id": user.pk,
        "username": "new_worker",
        "full_name": "新社工",
        "role": "community_worker",
        "anchor_unit": tree.heping.pk,
        "anchor_unit_name": "和平社区",
        "anchor_department": None,
        "anchor_department_name": "",
        "is_active": True,
        "must_change_password": True,
        "last_login": None,
    }
    assert (user.must_change_password, user.is_staff, user.check_password(password)) == (
        True,
        False,
        True,
    )
    assert password not in str(list(AuditEvent.objects.values_list("changes", flat=True)))

    client = APIClient()
    token = ok(client.post("/api/auth/token/", {"username": "new_worker", "password": password}))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert ok(client.get("/api/users/me/"))["must_change_password"] is True
    # Nothing else until the one-time password is replaced.
    assert client.get("/api/people/").status_code == 403
    weak = refused(
        client.post(
            "/api/users/me/password/",
            {"old_password": password, "new_password": "123"},
            format="json",
        ),
        400,
    )
    assert set(weak) == {"detail", "new_password"}
    wrong = refused(
        client.post(
            "/api/users/me/password/",
            {"old_password": "nope", "new_password": NEW_PASSWORD},
            format="json",
        ),
        400,
    )
    assert set(wrong) == {"detail", "old_password"}
    changed = client.post(
        "/api/users/me/password/",
        {"old_password": password, "new_password": NEW_PASSWORD},
        format="json",
    )
    assert changed.status_code == 204
    user.refresh_from_db()
    assert (user.must_change_password, user.check_password(NEW_PASSWORD)) == (False, True)
    assert ok(client.get("/api/users/me/"))["must_change_password"] is False
    assert ok(client.get("/api/people/"))["count"] == 0
    stale = APIClient().post("/api/auth/token/", {"username": "new_worker", "password": password})
    assert stale.status_code == 400

    # An admin resets it: a new one-time password, to be changed again.
    reset = ok(admin.post(f"/api/users/{user.pk}/reset-password/"))
    user.refresh_from_db()
    assert user.check_password(reset["one_time_password"])
    assert user.must_change_password is True
    assert not user.check_password(NEW_PASSWORD)


def test_deactivate_hands_over_to_the_same_role_only(tree: Tree, people: Personas) -> None:
    admin = api_for(people.street_admin)
    leaving = make_user("leaving", User.Role.COMMUNITY_WORKER, unit=tree.heping)
    before = account_snapshot()
    for successor, fields in (
        (people.official.pk, {"successor"}),  # another role
        (leaving.pk, {"successor"}),  # the leaving account itself
        (people.other_worker.pk, {"successor"}),  # outside the admin's area: does not exist
        ("x", {"successor"}),
    ):
        errors = refused(
            admin.post(f"/api/users/{leaving.pk}/deactivate/", {"successor": successor}), 400
        )
        assert set(errors) - {"detail"} == fields, successor
    assert account_snapshot() == before
    forbidden = api_for(people.worker).post(
        f"/api/users/{people.worker.pk}/deactivate/", {"successor": None}, format="json"
    )
    assert forbidden.status_code == 403
    assert ok(
        admin.post(
            f"/api/users/{leaving.pk}/deactivate/",
            {"successor": people.worker.pk},
            format="json",
        )
    ) == {"handed_over": {}}
    leaving.refresh_from_db()
    assert leaving.is_active is False


def test_users_list_is_scoped(tree: Tree, people: Personas) -> None:
    def usernames(user: User) -> list[str]:
        return [row["username"] for row in ok(api_for(user).get("/api/users/"))["results"]]

    assert usernames(people.street_admin) == [
        "grid",
        "official",
        "street_admin",
        "volunteer",
        "worker",
    ]
    assert usernames(people.worker) == ["worker"]
    assert usernames(people.handler) == ["handler"]
    assert len(usernames(people.superuser)) == 8


# --- Query counts ----------------------------------------------------------------------------


def make_rows(tree: Tree, people: Personas, start: int, count: int) -> None:
    """``count`` people at 光明社区, each a party member with a post, and as many accounts."""
    for index in range(start, start + count):
        member = factories.PartyMemberFactory.create(
            organisation=tree.guangming, home_community=tree.guangming, person__with_mobile=True
        )
        services.post_assign(
            actor=None,
            unit=tree.building_1,
            kind="unit_head",
            holder=member.person,
            started_on=dt.date(2024, 1, 1),
        )
        make_user(f"user{index:03d}", User.Role.GRID_WORKER, unit=tree.guangming)


LISTS = {
    "/api/people/": ("worker", 7),
    "/api/party-members/": ("worker", 7),
    "/api/posts/": ("worker", 7),
    "/api/users/": ("street_admin", 7),
}


@pytest.mark.parametrize("url", sorted(LISTS))
def test_list_query_count_does_not_grow_with_rows(
    tree: Tree, people: Personas, django_assert_num_queries: Any, url: str
) -> None:
    persona, queries = LISTS[url]
    client = logged_in(getattr(people, persona))

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            body = ok(client.get(url))
        return len(captured), len(body["results"])

    make_rows(tree, people, 0, 2)
    few = measure()
    make_rows(tree, people, 2, 20)
    many = measure()
    assert few[1] < many[1]
    assert few[0] == many[0]
    # session, user with its anchor, count, page; then the session is saved (idle timeout:
    # SESSION_SAVE_EVERY_REQUEST) in a savepoint.
    with django_assert_num_queries(queries):
        client.get(url)
