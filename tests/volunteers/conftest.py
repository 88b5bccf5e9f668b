"""Volunteers on the named tree: the ``volunteer`` persona is a registered volunteer of 光明社区
(志愿者甲), lead of 光明先锋队; 志愿者乙 (no account) is a member; rules and a reward exist.

The cast (the ``cast`` fixture, ``make_cast``) adds to ``vworld``: the account of 志愿者乙 (a
plain member of 光明先锋队), the lead of another team of 光明社区 (光明帮帮团), a volunteer
account with no volunteer record, a volunteer of 新华社区, a holder of the ``supervisor`` post
of 光明社区, a worker of 和平社区, officials of 云阳区 and 西城街道, and a partner unit
(云阳供电公司, kept by the district) paired with 光明社区 since 2026-01-01 whose contact has a
volunteer account.

Helpers: ``party_member`` (in service, working at 云阳供电公司), ``volunteer_with_account``,
``announce`` (周六志愿服务日 on ``SATURDAY``), ``post_wish`` and ``order_work`` (a wish or a
work order of 光明社区 by its worker at ``NOW``), ``wish_in`` and ``order_in`` (one in a given
status by the ordinary path).

The clock: Wednesday 2026-11-18 10:00 Asia/Shanghai.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

import pytest

from orgchart import services as org
from orgchart.models import OrgUnit, PartyMember, Post, User
from tests.conftest import Personas, Tree, make_user
from tests.factories import (
    ActivityFactory,
    PartyMemberFactory,
    VolunteerFactory,
    WishFactory,
    WorkOrderFactory,
)
from volunteers import services
from volunteers.models import (
    Activity,
    PartnerUnit,
    Reward,
    Team,
    Volunteer,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)
SATURDAY = NOW + dt.timedelta(days=3)  # 2026-11-21 10:00


@dataclass
class VolunteerWorld:
    me: Volunteer
    other: Volunteer
    team: Team
    reward: Reward


@pytest.fixture
def vworld(tree: Tree, people: Personas) -> VolunteerWorld:
    services.point_rules_ensure_defaults()
    g = tree.guangming
    me = VolunteerFactory.create(
        community=g,
        person__name="志愿者甲",
        person__first17="11010119850101001",
        skills=["repairs", "elderly_care"],
        account=people.volunteer,
        registered_on=NOW.date(),
    )
    other = VolunteerFactory.create(
        community=g,
        person__name="志愿者乙",
        person__first17="11010119860202002",
        registered_on=NOW.date(),
    )
    team = services.team_create(
        actor=None, unit=g, name="光明先锋队", kind=Team.Kind.VANGUARD, lead=me, members=[other]
    )
    reward = services.reward_create(actor=None, unit=g, name="洗衣液", points=50, stock=3)
    return VolunteerWorld(me, other, team, reward)


def party_member(
    unit: OrgUnit,
    name: str,
    first17: str,
    *,
    organisation: OrgUnit | None = None,
    status: str = PartyMember.Status.IN_SERVICE,
) -> PartyMember:
    """``name`` (ID number ``first17`` + its check character), registered at ``unit``: a party
    member of ``organisation`` (default ``unit``) working at 云阳供电公司."""
    return PartyMemberFactory.create(
        organisation=organisation or unit,
        status=status,
        employer="云阳供电公司",
        person__unit=unit,
        person__name=name,
        person__first17=first17,
    )


# --- The cast ------------------------------------------------------------------------------


@dataclass
class Cast:
    member: User  # 志愿者乙's account: a member of 光明先锋队, not its lead
    helper_lead: User  # lead of 光明帮帮团, not a member of 光明先锋队
    helper_team: Team
    bare_volunteer: User  # a volunteer account of 光明社区 without a volunteer record
    xinhua_volunteer: User
    supervisor: User  # their person holds a current supervisor post of 光明社区
    supervisor_post: Post
    heping_worker: User
    district_official: User
    west_official: User
    partner: PartnerUnit
    partner_contact: User


def volunteer_with_account(
    username: str, community: OrgUnit, name: str, first17: str = ""
) -> tuple[User, Volunteer]:
    """A volunteer of ``community`` registered today (``NOW``) with their own volunteer account
    ``username``; a generated ID number unless ``first17`` is given."""
    volunteer = VolunteerFactory.create(
        community=community,
        with_account=True,
        account__username=username,
        person__name=name,
        person__first17=first17,
        registered_on=NOW.date(),
    )
    assert volunteer.account is not None
    return volunteer.account, volunteer


def make_cast(vworld: VolunteerWorld, tree: Tree, people: Personas) -> Cast:
    g = tree.guangming
    member = make_user("member", User.Role.VOLUNTEER, unit=g)
    services.volunteer_register(actor=None, person=vworld.other.person, community=g, account=member)
    helper_lead, helper = volunteer_with_account("helper_lead", g, "志愿者丙", "11010119900303003")
    helper_team = services.team_create(
        actor=None, unit=g, name="光明帮帮团", kind=Team.Kind.HELPING_GROUP, lead=helper
    )
    xinhua_volunteer, _ = volunteer_with_account(
        "xinhua_volunteer", tree.xinhua, "志愿者戊", "11010119910404004"
    )
    supervisor, watcher = volunteer_with_account("supervisor", g, "监委丁", "11010119920505005")
    post = org.post_assign(
        actor=None,
        unit=g,
        kind=Post.Kind.SUPERVISOR,
        holder=watcher.person,
        started_on=dt.date(2026, 1, 1),
    )
    partner_contact = make_user("partner_contact", User.Role.VOLUNTEER, unit=g)
    partner = services.partner_unit_create(
        actor=None,
        unit=tree.district,
        name="云阳供电公司",
        kind=PartnerUnit.Kind.STATE_ENTERPRISE,
        contact_account=partner_contact,
    )
    services.pairing_create(
        actor=None, partner=partner, community=g, started_on=dt.date(2026, 1, 1)
    )
    return Cast(
        member=member,
        helper_lead=helper_lead,
        helper_team=helper_team,
        bare_volunteer=make_user("bare_volunteer", User.Role.VOLUNTEER, unit=g),
        xinhua_volunteer=xinhua_volunteer,
        supervisor=supervisor,
        supervisor_post=post,
        heping_worker=make_user("heping_worker", User.Role.COMMUNITY_WORKER, unit=tree.heping),
        district_official=make_user("district_official", User.Role.OFFICIAL, unit=tree.district),
        west_official=make_user("west_official", User.Role.OFFICIAL, unit=tree.west),
        partner=partner,
        partner_contact=partner_contact,
    )


@pytest.fixture
def cast(vworld: VolunteerWorld, tree: Tree, people: Personas) -> Cast:
    return make_cast(vworld, tree, people)


# --- Activities, wishes and work orders ----------------------------------------------------


def announce(people: Personas, unit: OrgUnit, **fields: Any) -> Activity:
    """周六志愿服务日 of ``unit`` on ``SATURDAY`` for 2 hours with 10 places, announced by the
    system for the community worker (``created_by``) unless told."""
    values: dict[str, Any] = {
        "unit": unit,
        "title": "周六志愿服务日",
        "starts_at": SATURDAY,
        "created_by": people.worker,
    }
    values.update(fields)
    return ActivityFactory.create(**values)


def post_wish(people: Personas, tree: Tree, **fields: Any) -> Wish:
    """A wish of 光明社区 posted by its worker at ``NOW`` (a Faker title unless given)."""
    values: dict[str, Any] = {"actor": people.worker, "community": tree.guangming, "now": NOW}
    values.update(fields)
    return WishFactory.create(**values)


def wish_in(status: str, people: Personas, tree: Tree) -> Wish:
    """A fresh wish of 光明社区 in ``status`` by the ordinary path at NOW; a withdrawn wish was
    claimed first (so it keeps its claimer). The points ledger names it: 帮独居老人买药."""
    wish = post_wish(people, tree, title="帮独居老人买药")
    if status == WishStatus.POSTED:
        return wish
    wish = services.wish_claim(actor=people.volunteer, wish=wish, now=NOW)
    if status == WishStatus.CLAIMED:
        return wish
    if status == WishStatus.WITHDRAWN:
        return services.wish_withdraw(
            actor=people.worker, wish=wish, reason="居民已自行解决", now=NOW
        )
    wish = services.wish_fulfil(actor=people.volunteer, wish=wish, note="药已送到", now=NOW)
    if status == WishStatus.FULFILLED:
        return wish
    assert status == WishStatus.CONFIRMED
    return services.wish_confirm(actor=people.worker, wish=wish, now=NOW)


def order_work(people: Personas, tree: Tree, **fields: Any) -> WorkOrder:
    """A work order of 光明社区 ordered by its worker at ``NOW`` (a Faker title and content
    unless given)."""
    values: dict[str, Any] = {"actor": people.worker, "community": tree.guangming, "now": NOW}
    values.update(fields)
    return WorkOrderFactory.create(**values)


def order_in(status: str, vworld: VolunteerWorld, people: Personas, tree: Tree) -> WorkOrder:
    """A fresh work order of 光明社区 in ``status`` by the ordinary path at NOW: dispatched to
    光明先锋队 (whose lead is the ``volunteer`` persona); a cancelled order was dispatched
    first (so the team still sees it). The points ledger names it: 楼道粉刷."""
    order = order_work(people, tree, title="楼道粉刷", content="粉刷1号楼楼道")
    if status == WorkOrderStatus.ORDERED:
        return order
    order = services.work_order_dispatch(
        actor=people.worker, work_order=order, team=vworld.team, now=NOW
    )
    if status == WorkOrderStatus.DISPATCHED:
        return order
    if status == WorkOrderStatus.CANCELLED:
        return services.work_order_cancel(
            actor=people.worker, work_order=order, reason="居民已自行解决", now=NOW
        )
    order = services.work_order_accept(actor=people.volunteer, work_order=order, now=NOW)
    if status == WorkOrderStatus.ACCEPTED:
        return order
    order = services.work_order_complete(
        actor=people.volunteer, work_order=order, note="已粉刷完毕", now=NOW
    )
    if status == WorkOrderStatus.COMPLETED:
        return order
    assert status == WorkOrderStatus.VERIFIED
    return services.work_order_verify(actor=people.official, work_order=order, now=NOW)
