"""The admin of people, party members and posts (scoped, masked, writes through the services)
and the read-only audit log."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import translation

from governance.models import AuditEvent
from orgchart import services
from orgchart.models import PartyMember, Person, PersonRegistration, Post, User
from tests.conftest import Personas, Tree, client_for, make_user
from tests.helpers import resident_id
from tests.orgchart.test_people_pages import (
    LI_ID,
    LI_MOBILE,
    ZHANG_ID,
    ZHANG_MOBILE,
    register_li,
    register_zhang,
)

PEOPLE = "/admin/orgchart/person/"
MEMBERS = "/admin/orgchart/partymember/"
POSTS = "/admin/orgchart/post/"
AUDIT = "/admin/governance/auditevent/"


NEW_ID = resident_id("13020319900315002")


@dataclass
class Residents:
    zhang: Person  # 光明社区 (东城街道)
    li: Person  # only 新华社区 (西城街道)
    li_member: PartyMember
    li_post: Post


@pytest.fixture
def residents(tree: Tree, people: Personas) -> Residents:
    zhang, li = register_zhang(tree), register_li(tree)
    li_member = services.party_member_create(
        actor=None, person=li, organisation=tree.xinhua, status=PartyMember.Status.RETIRED
    )
    li_post = services.post_assign(
        actor=None,
        unit=tree.xinhua,
        kind=Post.Kind.SECRETARY,
        holder=li,
        started_on=dt.date(2024, 1, 1),
    )
    return Residents(zhang, li, li_member, li_post)


def street_admin(people: Personas) -> Client:
    client = client_for(people.street_admin)
    client.cookies["django_language"] = "en"
    return client


# --- Scope -----------------------------------------------------------------------------------


def test_an_outsider_gets_404_for_people_members_and_posts(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = street_admin(people)
    for url in (
        f"{PEOPLE}{residents.li.pk}/change/",
        f"{PEOPLE}{residents.li.pk}/history/",
        f"{MEMBERS}{residents.li_member.pk}/change/",
        f"{POSTS}{residents.li_post.pk}/change/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"{PEOPLE}{residents.li.pk}/change/", {"name": "改名"}).status_code == 404
    assert Person.objects.get(pk=residents.li.pk).name == "李四"
    assert client.get(f"{PEOPLE}{residents.zhang.pk}/change/").status_code == 200
    listed = {person.pk for person in client.get(PEOPLE).context["cl"].result_list}
    assert listed == {residents.zhang.pk}
    assert list(client.get(MEMBERS).context["cl"].result_list) == []
    assert list(client.get(POSTS).context["cl"].result_list) == []
    # The person known only in 新华社区 cannot be picked by id as a post holder either.
    picked = client.post(
        f"{POSTS}add/",
        {
            "unit": tree.guangming.pk,
            "kind": "secretary",
            "holder": residents.li.pk,
            "started_on": "2025-01-01",
        },
    )
    assert picked.status_code == 200
    assert "holder" in picked.context["adminform"].form.errors
    assert "李" not in picked.content.decode()


def test_roles_other_than_admin_have_no_people_admin(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    worker = client_for(
        make_user("staff_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_staff=True)
    )
    assert worker.get(PEOPLE).status_code == 403
    assert client_for(people.worker).get(PEOPLE)["Location"].startswith("/admin/login/")


# --- Masking ---------------------------------------------------------------------------------


def test_the_changelist_shows_masked_numbers_only(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    html = street_admin(people).get(PEOPLE).content.decode()
    assert "张三丰" in html  # names in full for admins
    assert "110105********0023"[:6] in html
    assert residents.zhang.masked_document_number in html
    assert "138****5678" in html
    assert "010-****3456" in html
    for secret in (ZHANG_ID, ZHANG_MOBILE, "65123456", LI_ID, "李四"):
        assert secret not in html


def test_the_change_form_never_shows_or_edits_sealed_columns(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    response = street_admin(people).get(f"{PEOPLE}{residents.zhang.pk}/change/")
    html = response.content.decode()
    assert residents.zhang.masked_document_number in html
    assert "光明社区" in html  # registered at, within the viewer's area
    for secret in (ZHANG_ID, ZHANG_MOBILE, "65123456"):
        assert secret not in html
    for column in ("encrypted", "_hash", "_head", "_tail", "birth_date"):
        assert column not in html
    form = response.context["adminform"].form
    assert {"document_number", "mobile", "landline"} <= set(form.fields)
    assert form["document_number"].value() in (None, "")


def test_search_by_the_visible_id_fragment(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = street_admin(people)
    found = client.get(PEOPLE, {"q": ZHANG_ID[-4:]}).context["cl"].result_list
    assert [person.pk for person in found] == [residents.zhang.pk]
    assert list(client.get(PEOPLE, {"q": LI_ID}).context["cl"].result_list) == []


# --- Writes through the services -------------------------------------------------------------


def test_add_a_person_through_the_service(tree: Tree, people: Personas) -> None:
    client = street_admin(people)
    form = client.get(f"{PEOPLE}add/")
    units = form.context["adminform"].form.fields["unit"].queryset
    assert tree.xinhua not in units
    assert tree.heping in units
    data = {
        "unit": tree.heping.pk,
        "name": "王小明",
        "document_type": "resident_id",
        "document_number": NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1"),
        "mobile": "1381234",
        "landline": "",
        "address": "和平路2号",
        "sex": "",
    }
    bad = client.post(f"{PEOPLE}add/", data)
    assert bad.status_code == 200
    errors = bad.context["adminform"].form.errors
    assert set(errors) == {"document_number", "mobile"}
    assert not Person.objects.filter(name="王小明").exists()

    good = client.post(
        f"{PEOPLE}add/", {**data, "document_number": NEW_ID, "mobile": "+86 139 0000 1111"}
    )
    assert good.status_code == 302
    person = Person.objects.get(name="王小明")
    assert person.masked_document_number == f"{NEW_ID[:6]}********{NEW_ID[-4:]}"
    assert person.masked_mobile == "139****1111"
    assert (person.sex, person.birth_date) == ("female", dt.date(1990, 3, 15))
    assert PersonRegistration.objects.filter(person=person, unit=tree.heping).exists()
    event = AuditEvent.objects.get(
        action=AuditEvent.Action.CREATE, object_type="orgchart.Person", object_id=str(person.pk)
    )
    assert event.actor == people.street_admin
    assert NEW_ID not in str(event.changes)


def test_adding_someone_known_elsewhere_links_without_a_duplicate(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = street_admin(people)
    response = client.post(
        f"{PEOPLE}add/",
        {
            "unit": tree.heping.pk,
            "name": "李四",
            "document_type": "resident_id",
            "document_number": LI_ID,
        },
        follow=True,
    )
    assert response.status_code == 200
    assert Person.objects.filter(document_number_tail=LI_ID[-4:]).count() == 1
    assert PersonRegistration.objects.filter(person=residents.li, unit=tree.heping).exists()
    html = response.content.decode()
    assert "新华社区" not in html
    assert "西城街道" not in html
    assert LI_MOBILE not in html


def test_change_keeps_blank_numbers_and_removes_a_phone_on_request(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = street_admin(people)
    url = f"{PEOPLE}{residents.zhang.pk}/change/"
    before = Person.objects.get(pk=residents.zhang.pk)
    data = {
        "name": "张三丰",
        "address": "光明路9号",
        "document_type": "resident_id",
        "document_number": "",
        "mobile": "",
        "landline": "",
        "clear_landline": "on",
    }
    assert client.post(url, data).status_code == 302
    after = Person.objects.get(pk=residents.zhang.pk)
    assert after.address == "光明路9号"
    assert after.document_number_hash == before.document_number_hash
    assert after.mobile_encrypted == before.mobile_encrypted
    assert after.masked_landline == ""
    event = AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, object_id=str(after.pk)
    ).latest("id")
    assert event.actor == people.street_admin
    assert event.changes["address"] == "光明路9号"

    clash = client.post(url, {**data, "document_number": LI_ID})
    assert clash.status_code == 200
    assert clash.context["adminform"].form.errors["document_number"] == [
        "Another person is registered with this document."
    ]
    retype = client.post(url, {**data, "document_type": "passport"})
    assert "document_number" in retype.context["adminform"].form.errors
    assert Person.objects.get(pk=after.pk).document_type == "resident_id"


def test_people_are_never_deleted(tree: Tree, people: Personas, residents: Residents) -> None:
    client = client_for(people.superuser)
    assert client.get(f"{PEOPLE}{residents.zhang.pk}/delete/").status_code == 403
    assert client.get(f"{MEMBERS}{residents.li_member.pk}/delete/").status_code == 403
    assert client.get(f"{POSTS}{residents.li_post.pk}/delete/").status_code == 403


def test_party_members_through_the_services(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = street_admin(people)
    data = {
        "person": residents.zhang.pk,
        "organisation": tree.guangming.pk,
        "status": "in_service",
        "membership": "full",
        "joined_on": "2001-07-01",
        "home_community": tree.guangming.pk,
        "employer": "云阳区教育局",
        "dual_registered_on": "",
    }
    outside = client.post(f"{MEMBERS}add/", {**data, "organisation": tree.xinhua.pk})
    assert "organisation" in outside.context["adminform"].form.errors
    assert client.post(f"{MEMBERS}add/", data).status_code == 302
    member = PartyMember.objects.get(person=residents.zhang)
    assert (member.organisation_id, member.status) == (tree.guangming.pk, "in_service")
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        object_type="orgchart.PartyMember",
        actor=people.street_admin,
    ).exists()
    twice = client.post(f"{MEMBERS}add/", data)
    assert "person" in twice.context["adminform"].form.errors

    change = client.post(f"{MEMBERS}{member.pk}/change/", {**data, "status": "retired"})
    assert change.status_code == 302
    assert PartyMember.objects.get(pk=member.pk).status == "retired"
    html = client.get(MEMBERS).content.decode()
    assert "张三丰" in html
    assert ZHANG_ID not in html


def test_posts_through_the_services(tree: Tree, people: Personas, residents: Residents) -> None:
    client = street_admin(people)
    data = {
        "unit": tree.guangming.pk,
        "kind": "secretary",
        "holder": residents.zhang.pk,
        "started_on": "2025-01-01",
    }
    assert client.post(f"{POSTS}add/", data).status_code == 302
    post = Post.objects.get(unit=tree.guangming, kind="secretary")
    assert post.holder_id == residents.zhang.pk
    held = client.post(f"{POSTS}add/", data)
    assert held.context["adminform"].form.errors["kind"] == [
        "This post is held; end the current term first."
    ]
    wrong_kind = client.post(f"{POSTS}add/", {**data, "kind": "building_head"})
    assert "kind" in wrong_kind.context["adminform"].form.errors

    early = client.post(f"{POSTS}{post.pk}/change/", {"ended_on": "2024-12-31"})
    assert "ended_on" in early.context["adminform"].form.errors
    ended = client.post(f"{POSTS}{post.pk}/change/", {"ended_on": "2025-06-30"})
    assert ended.status_code == 302
    assert Post.objects.get(pk=post.pk).ended_on == dt.date(2025, 6, 30)
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE, object_type="orgchart.Post", object_id=str(post.pk)
    ).exists()
    # An ended term is history: shown, not editable.
    page = client.get(f"{POSTS}{post.pk}/change/")
    assert page.status_code == 200
    assert 'name="ended_on"' not in page.content.decode()


# --- The audit log ---------------------------------------------------------------------------


def test_the_audit_log_is_read_only_and_for_superusers(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    event = AuditEvent.objects.filter(object_type="orgchart.Person").first()
    assert event is not None
    assert street_admin(people).get(AUDIT).status_code == 403
    assert street_admin(people).get(f"{AUDIT}{event.pk}/change/").status_code == 403

    root = client_for(people.superuser)
    listing = root.get(AUDIT)
    assert listing.status_code == 200
    with translation.override("en"):
        filters = {str(spec.title) for spec in listing.context["cl"].filter_specs}
    assert {"action", "record type"} <= filters
    assert (
        root.get(AUDIT, {"action": "create", "object_type": "orgchart.Person"}).status_code == 200
    )
    detail = root.get(f"{AUDIT}{event.pk}/change/")
    assert detail.status_code == 200
    html = detail.content.decode()
    assert 'name="_save"' not in html
    assert ZHANG_ID not in html
    assert LI_ID not in html
    assert root.get(f"{AUDIT}add/").status_code == 403
    assert root.post(f"{AUDIT}{event.pk}/change/", {"action": "delete"}).status_code == 403
    assert root.get(f"{AUDIT}{event.pk}/delete/").status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == event.action
