"""Who sees which people, party members and posts, and who may act on them (DESIGN §6)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model

from orgchart import selectors, services
from orgchart.models import PartyMember, Person, Post, User
from orgchart.policy import can, policy, sees_full_names
from tests.conftest import Personas, Tree, make_user
from tests.factories import PersonFactory
from tests.orgchart.test_people_services import resident_id


@dataclass
class Ledger:
    only_guangming: Person  # 甲: known to 光明社区 only
    only_xinhua: Person  # 乙: known to 新华社区 only
    both: Person  # 丙: known to both communities
    dual: Person  # 丁: organised in 新华社区, dual-registered (lives) in 光明社区
    only_heping: Person  # 戊: 和平社区, in 东城街道 but not in 光明社区
    member_guangming: PartyMember
    member_dual: PartyMember
    secretary_guangming: Post
    secretary_xinhua: Post
    building_head: Post


@pytest.fixture
def ledger(tree: Tree, people: Personas) -> Ledger:
    # Registered by a worker of their unit, without a document (so nothing links them).
    unnumbered = {"document_number": ""}
    jia = PersonFactory.create(actor=people.worker, unit=tree.guangming, name="甲", **unnumbered)
    yi = PersonFactory.create(actor=people.other_worker, unit=tree.xinhua, name="乙", **unnumbered)
    # 丙 is registered at each community by document: the second registration links.
    bing = services.person_register(
        actor=people.worker, unit=tree.guangming, name="丙", document_number=resident_id()
    ).person
    linked = services.person_register(
        actor=people.other_worker, unit=tree.xinhua, name="丙", document_number=resident_id()
    )
    assert (linked.person.pk, linked.created) == (bing.pk, False)
    ding = PersonFactory.create(
        actor=people.other_worker, unit=tree.xinhua, name="丁", **unnumbered
    )
    wu = PersonFactory.create(actor=people.street_admin, unit=tree.heping, name="戊", **unnumbered)
    member_guangming = services.party_member_create(
        actor=people.worker, person=jia, organisation=tree.guangming, status="retired"
    )
    member_dual = services.party_member_create(
        actor=people.superuser,
        person=ding,
        organisation=tree.xinhua,
        status="in_service",
        home_community=tree.guangming,
    )
    start = dt.date(2024, 1, 1)
    return Ledger(
        only_guangming=jia,
        only_xinhua=yi,
        both=bing,
        dual=ding,
        only_heping=wu,
        member_guangming=member_guangming,
        member_dual=member_dual,
        secretary_guangming=services.post_assign(
            actor=None, unit=tree.guangming, kind="secretary", holder=jia, started_on=start
        ),
        secretary_xinhua=services.post_assign(
            actor=None, unit=tree.xinhua, kind="secretary", holder=yi, started_on=start
        ),
        building_head=services.post_assign(
            actor=None, unit=tree.building_1, kind="building_head", holder=bing, started_on=start
        ),
    )


def test_the_ledger_is_registered_where_the_tests_say(tree: Tree, ledger: Ledger) -> None:
    def units(person: Person) -> set[str]:
        return set(person.registrations.values_list("unit__name", flat=True))

    assert units(ledger.only_guangming) == {"光明社区"}
    assert units(ledger.only_xinhua) == {"新华社区"}
    assert units(ledger.both) == {"光明社区", "新华社区", "1号楼"}
    assert units(ledger.dual) == {"新华社区", "光明社区"}
    assert units(ledger.only_heping) == {"和平社区"}
    assert Person.objects.count() == 5
    assert Post.objects.count() == 3


EVERYONE = {"甲", "乙", "丙", "丁", "戊"}
EAST = {"甲", "丙", "丁", "戊"}
GUANGMING = {"甲", "丙", "丁"}
XINHUA = {"乙", "丙", "丁"}

VISIBLE_PEOPLE = {
    "superuser": EVERYONE,
    "street_admin": EAST,
    "official": EAST,
    "worker": GUANGMING,
    # A grid worker's people are the residents of the grids it staffs: none here
    # (tests/grids/test_people_register.py gives it some).
    "grid": set(),
    "other_worker": XINHUA,
    "handler": set(),
    "volunteer": set(),
}
VISIBLE_MEMBERS = {
    "superuser": {"甲", "丁"},
    "street_admin": {"甲", "丁"},
    "official": {"甲", "丁"},
    "worker": {"甲", "丁"},
    "grid": set(),
    "other_worker": {"丁"},
    "handler": set(),
    "volunteer": set(),
}
GUANGMING_POSTS = {("光明社区", "secretary", "甲"), ("1号楼", "building_head", "丙")}
XINHUA_POSTS = {("新华社区", "secretary", "乙")}
VISIBLE_POSTS = {
    "superuser": GUANGMING_POSTS | XINHUA_POSTS,
    "street_admin": GUANGMING_POSTS,
    "official": GUANGMING_POSTS,
    "worker": GUANGMING_POSTS,
    "grid": GUANGMING_POSTS,
    "other_worker": XINHUA_POSTS,
    # Who holds which post is public inside one's area; a handler's area is its jurisdiction.
    "handler": GUANGMING_POSTS | XINHUA_POSTS,
    "volunteer": GUANGMING_POSTS,
}


@pytest.mark.parametrize("persona", sorted(VISIBLE_PEOPLE))
def test_each_persona_sees_exactly(
    tree: Tree, people: Personas, ledger: Ledger, persona: str
) -> None:
    user = getattr(people, persona)
    assert set(policy(user, Person).values_list("name", flat=True)) == VISIBLE_PEOPLE[persona]
    assert {p.name for p in selectors.person_list_visible(user=user)} == VISIBLE_PEOPLE[persona]
    members = policy(user, PartyMember).values_list("person__name", flat=True)
    assert set(members) == VISIBLE_MEMBERS[persona]
    assert {
        m.person.name for m in selectors.party_member_list_visible(user=user)
    } == VISIBLE_MEMBERS[persona]
    posts = policy(user, Post).values_list("unit__name", "kind", "holder__name")
    assert set(posts) == VISIBLE_POSTS[persona]
    assert {
        (p.unit.name, p.kind, p.holder.name) for p in selectors.post_list_visible(user=user)
    } == VISIBLE_POSTS[persona]


def test_nobody_learns_where_else_a_person_is_known(
    tree: Tree, people: Personas, ledger: Ledger
) -> None:
    def units(user: User, person: Person) -> list[str]:
        return [u.name for u in selectors.person_units_visible(user=user, person=person)]

    assert units(people.worker, ledger.both) == ["光明社区", "1号楼"]
    assert units(people.other_worker, ledger.both) == ["新华社区"]
    assert units(people.worker, ledger.dual) == ["光明社区"]
    assert units(people.other_worker, ledger.dual) == ["新华社区"]
    assert units(people.official, ledger.dual) == ["光明社区"]
    assert units(people.superuser, ledger.dual) == ["光明社区", "新华社区"]
    assert units(people.handler, ledger.both) == []  # handlers work with no one's records
    assert units(people.volunteer, ledger.both) == []


def test_unit_filters_stay_inside_the_scope(tree: Tree, people: Personas, ledger: Ledger) -> None:
    official = people.official
    assert {
        p.name for p in selectors.person_list_visible(user=official, within=tree.guangming)
    } == GUANGMING
    assert {p.name for p in selectors.person_list_visible(user=official, within=tree.heping)} == {
        "戊"
    }
    assert {
        m.person.name
        for m in selectors.party_member_list_visible(user=people.superuser, within=tree.xinhua)
    } == {"丁"}
    assert {
        m.person.name
        for m in selectors.party_member_list_visible(user=people.superuser, within=tree.guangming)
    } == {"甲", "丁"}
    assert {
        (p.unit.name, p.kind)
        for p in selectors.post_list_visible(user=people.superuser, within=tree.guangming_compound)
    } == {("1号楼", "building_head")}


def test_inactive_and_anonymous_users_see_nothing(
    tree: Tree, people: Personas, ledger: Ledger
) -> None:
    gone = make_user("gone", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_active=False)
    for user in (gone, AnonymousUser()):
        for model in (Person, PartyMember, Post):
            assert not policy(user, model).exists()
        assert not can(user, "person.view", ledger.only_guangming)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("superuser", True),
        ("street_admin", True),
        ("official", True),
        ("worker", True),
        ("other_worker", True),
        ("grid", True),
        ("handler", False),
        ("volunteer", False),
    ],
)
def test_sees_full_names(people: Personas, persona: str, expected: bool) -> None:
    assert sees_full_names(getattr(people, persona)) is expected


def test_anonymous_does_not_see_full_names() -> None:
    assert sees_full_names(AnonymousUser()) is False


# Actions on 甲 (光明社区), on 光明社区 itself and on its secretary post.
ACTIONS = (
    "person.view",
    "person.change",
    "person.reveal",
    "partymember.change",
    "post.change",
    "orgunit.register_person",
    "orgunit.manage_posts",
    "orgunit.manage_party_members",
)
MAY = {
    "superuser": set(ACTIONS),
    "street_admin": set(ACTIONS),
    "official": {"person.view"},
    "worker": set(ACTIONS),
    "grid": {"orgunit.register_person"},  # 甲 is no resident of its grids
    "other_worker": set(),  # 甲 and 光明社区 are outside 新华社区
    "handler": set(),
    "volunteer": set(),
}


@pytest.mark.parametrize("persona", sorted(MAY))
def test_what_each_persona_may_do(
    tree: Tree, people: Personas, ledger: Ledger, persona: str
) -> None:
    user = getattr(people, persona)
    targets: dict[str, Model] = {
        "person": ledger.only_guangming,
        "partymember": ledger.member_guangming,
        "post": ledger.secretary_guangming,
        "orgunit": tree.guangming,
    }
    allowed = {action for action in ACTIONS if can(user, action, targets[action.split(".", 1)[0]])}
    assert allowed == MAY[persona]


def test_the_home_community_keeps_its_dual_registered_member(
    tree: Tree, people: Personas, ledger: Ledger
) -> None:
    # 丁 lives in 光明社区: its worker sees, changes and may reveal, like any resident.
    assert can(people.worker, "partymember.change", ledger.member_dual)
    assert can(people.worker, "person.reveal", ledger.dual)
    assert not can(people.official, "partymember.change", ledger.member_dual)
