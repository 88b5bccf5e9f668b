"""Who sees which volunteer rows (DESIGN §6): a ``volunteer`` account sees its community's
wish board, the work orders offered to its team (or its partner unit), the activities and
rewards of its community and the units above, its own record, sign-ups, points and
redemptions, and nothing else: no people, petitions or grids. Staff see their subtree;
department handlers see none of it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from grids.models import Grid, Household, Resident, Visit
from orgchart import policy
from orgchart.models import PartyMember, Person, Post, User
from petitions import services as petition_services
from petitions.models import Dispatch, Petition, PetitionEvent
from tests.conftest import Personas, Tree
from tests.grids.conftest import world  # noqa: F401 - the grids fixture
from tests.petitions.conftest import log_petition
from tests.volunteers.conftest import NOW, Cast, VolunteerWorld, announce, make_cast
from volunteers import services
from volunteers.models import (
    Activity,
    DualRegistration,
    Pairing,
    PartnerUnit,
    PointEntry,
    Redemption,
    Reward,
    Signup,
    Team,
    Volunteer,
    Wish,
    WorkOrder,
)

START = NOW + dt.timedelta(days=3)


@dataclass
class Scene:
    cast: Cast
    wishes: dict[str, Wish]
    orders: dict[str, WorkOrder]
    activities: dict[str, Activity]
    teams: dict[str, Team]
    rewards: dict[str, Reward]
    signups: dict[str, Signup]
    redemption: Redemption
    quiet_partner: PartnerUnit
    registration: DualRegistration


@pytest.fixture
def scene(
    vworld: VolunteerWorld, tree: Tree, people: Personas, request: pytest.FixtureRequest
) -> Scene:
    request.getfixturevalue("world")  # grids, households, residents, a visit
    cast = make_cast(vworld, tree, people)
    petition = petition_services.petition_accept(
        actor=people.worker, petition=log_petition(people, tree), now=NOW
    )
    petition_services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW
    )
    wishes = {
        "guangming": services.wish_post(
            actor=people.worker, community=tree.guangming, title="买药", now=NOW
        ),
        "heping": services.wish_post(
            actor=None, community=tree.heping, title="修门", posted_by=cast.heping_worker, now=NOW
        ),
        "xinhua": services.wish_post(
            actor=people.other_worker, community=tree.xinhua, title="读报", now=NOW
        ),
    }

    def order(community: Any, title: str, **provider: Any) -> WorkOrder:
        made = services.work_order_create(
            actor=None,
            community=community,
            title=title,
            content=title,
            ordered_by=people.worker,
            now=NOW,
        )
        if provider:
            made = services.work_order_dispatch(actor=None, work_order=made, now=NOW, **provider)
        return made

    orders = {
        "ordered": order(tree.guangming, "未派单"),
        "team": order(tree.guangming, "先锋队的", team=vworld.team),
        "helper": order(tree.guangming, "帮帮团的", team=cast.helper_team),
        "partner": order(tree.guangming, "供电公司的", partner=cast.partner),
        "heping": order(tree.heping, "和平的"),
        "xinhua": order(tree.xinhua, "新华的"),
    }

    def activity(unit: Any, title: str) -> Activity:
        return announce(
            people, unit, title=title, kind=Activity.Kind.THEME_DAY, starts_at=START, capacity=20
        )

    activities = {
        name: activity(getattr(tree, name), name)
        for name in ("guangming", "guangming_compound", "east", "district", "city", "heping")
    }
    activities["xinhua"] = activity(tree.xinhua, "xinhua")
    teams = {
        "vanguard": vworld.team,
        "helper": cast.helper_team,
        "east": services.team_create(actor=None, unit=tree.east, name="东城志愿队", kind="other"),
        "xinhua": services.team_create(
            actor=None, unit=tree.xinhua, name="新华先锋队", kind="vanguard"
        ),
    }
    rewards = {
        "guangming": vworld.reward,
        "east": services.reward_create(
            actor=None, unit=tree.east, name="电影票", points=40, stock=5
        ),
        "heping": services.reward_create(
            actor=None, unit=tree.heping, name="毛巾", points=10, stock=5
        ),
        "xinhua": services.reward_create(
            actor=None, unit=tree.xinhua, name="雨伞", points=10, stock=5
        ),
    }
    signups = {
        "me": services.activity_sign_up(
            actor=people.volunteer, activity=activities["guangming"], now=NOW
        ),
        "member": services.activity_sign_up(
            actor=cast.member, activity=activities["guangming"], now=NOW
        ),
        "xinhua": services.activity_sign_up(
            actor=cast.xinhua_volunteer, activity=activities["xinhua"], now=NOW
        ),
    }
    for volunteer in (vworld.me, vworld.other):
        services.points_award(
            volunteer=volunteer, rule_code="work_order_verified", source=volunteer, now=NOW
        )
        services.points_award(
            volunteer=volunteer, rule_code="wish_fulfilled", source=volunteer, now=NOW
        )
    redemption = services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
    )
    quiet_partner = services.partner_unit_create(
        actor=None, unit=tree.district, name="云阳水务", kind=PartnerUnit.Kind.STATE_ENTERPRISE
    )
    member = PartyMember.objects.get(person__name="网格员甲")
    registration = services.dual_register(
        actor=None, party_member=member, community=tree.guangming, post="patrol"
    )
    return Scene(
        cast,
        wishes,
        orders,
        activities,
        teams,
        rewards,
        signups,
        redemption,
        quiet_partner,
        registration,
    )


def seen(user: User, model: type[Any]) -> set[int]:
    return set(policy.policy(user, model).values_list("pk", flat=True))


def pks(rows: dict[str, Any], *names: str) -> set[int]:
    return {rows[name].pk for name in names}


# --- The volunteer role ---------------------------------------------------------------------


def test_a_volunteer_sees_its_board_its_teams_orders_and_its_own_rows(
    scene, vworld, people
) -> None:
    me = people.volunteer
    assert seen(me, Wish) == pks(scene.wishes, "guangming")
    assert seen(me, WorkOrder) == pks(scene.orders, "team")
    assert seen(me, Activity) == pks(
        scene.activities, "guangming", "guangming_compound", "east", "district", "city"
    )
    assert seen(me, Team) == pks(scene.teams, "vanguard", "helper", "east")
    assert seen(me, Reward) == pks(scene.rewards, "guangming", "east")
    assert seen(me, Volunteer) == {vworld.me.pk}
    assert seen(me, Signup) == {scene.signups["me"].pk}
    assert seen(me, PointEntry) == set(
        PointEntry.objects.filter(volunteer=vworld.me).values_list("pk", flat=True)
    )
    assert len(seen(me, PointEntry)) == 3  # two awards and the redemption
    assert seen(me, Redemption) == {scene.redemption.pk}
    assert seen(me, Pairing) == set(
        Pairing.objects.filter(community__name="光明社区").values_list("pk", flat=True)
    )
    assert seen(me, PartnerUnit) == {scene.cast.partner.pk}


@pytest.mark.parametrize(
    "model",
    [Person, PartyMember, Petition, PetitionEvent, Dispatch, Grid, Household, Resident, Visit],
)
def test_a_volunteer_sees_no_people_petitions_or_grids(scene, people, model) -> None:
    assert model.objects.exists()
    assert seen(people.volunteer, model) == set()


def test_a_volunteer_sees_no_dual_registrations(scene, people) -> None:
    assert seen(people.volunteer, DualRegistration) == set()


def test_each_provider_sees_the_orders_offered_to_it(scene, people) -> None:
    cast = scene.cast
    assert seen(cast.member, WorkOrder) == pks(scene.orders, "team")
    assert seen(cast.helper_lead, WorkOrder) == pks(scene.orders, "helper")
    assert seen(cast.partner_contact, WorkOrder) == pks(scene.orders, "partner")
    assert seen(cast.bare_volunteer, WorkOrder) == set()
    assert seen(cast.xinhua_volunteer, WorkOrder) == set()


def test_a_supervisor_sees_every_order_of_the_community(scene, people) -> None:
    """督单 needs to see what it supervises: all of 光明社区's orders, not 和平社区's."""
    assert seen(scene.cast.supervisor, WorkOrder) == pks(
        scene.orders, "ordered", "team", "helper", "partner"
    )
    Post.objects.filter(pk=scene.cast.supervisor_post.pk).update(ended_on=dt.date(2026, 11, 1))
    assert seen(scene.cast.supervisor, WorkOrder) == set()


def test_a_volunteer_of_another_community(scene, people) -> None:
    other = scene.cast.xinhua_volunteer
    assert seen(other, Wish) == pks(scene.wishes, "xinhua")
    assert seen(other, Activity) == pks(scene.activities, "xinhua", "district", "city")
    assert seen(other, Reward) == pks(scene.rewards, "xinhua")
    assert seen(other, Signup) == {scene.signups["xinhua"].pk}
    assert seen(other, PointEntry) == set()


# --- Staff -----------------------------------------------------------------------------------


def test_a_community_worker_sees_its_subtree(scene, vworld, people) -> None:
    worker = people.worker
    guangming_volunteers = set(
        Volunteer.objects.filter(community__name="光明社区").values_list("pk", flat=True)
    )
    assert seen(worker, Wish) == pks(scene.wishes, "guangming")
    assert seen(worker, WorkOrder) == pks(scene.orders, "ordered", "team", "helper", "partner")
    assert seen(worker, Activity) == pks(
        scene.activities, "guangming", "guangming_compound", "east", "district", "city"
    )
    assert seen(worker, Team) == pks(scene.teams, "vanguard", "helper", "east")
    assert seen(worker, Reward) == pks(scene.rewards, "guangming", "east")
    assert seen(worker, Volunteer) == guangming_volunteers
    assert seen(worker, Signup) == pks(scene.signups, "me", "member")
    assert seen(worker, PointEntry) == set(
        PointEntry.objects.filter(volunteer__in=guangming_volunteers).values_list("pk", flat=True)
    )
    assert seen(worker, Redemption) == {scene.redemption.pk}
    assert seen(worker, PartnerUnit) == {scene.cast.partner.pk}  # paired here; not 云阳水务
    assert seen(worker, DualRegistration) == {scene.registration.pk}


def test_the_worker_of_another_community_sees_only_its_own(scene, people) -> None:
    other = people.other_worker
    assert seen(other, Wish) == pks(scene.wishes, "xinhua")
    assert seen(other, WorkOrder) == pks(scene.orders, "xinhua")
    assert seen(other, Team) == pks(scene.teams, "xinhua")
    assert seen(other, Signup) == pks(scene.signups, "xinhua")
    assert seen(other, Redemption) == set()
    assert seen(other, DualRegistration) == set()


def test_a_street_official_sees_its_communities(scene, people) -> None:
    official = people.official
    assert seen(official, Wish) == pks(scene.wishes, "guangming", "heping")
    assert seen(official, WorkOrder) == pks(
        scene.orders, "ordered", "team", "helper", "partner", "heping"
    )
    assert seen(official, Team) == pks(scene.teams, "vanguard", "helper", "east")
    assert seen(official, Reward) == pks(scene.rewards, "guangming", "east", "heping")


def test_a_grid_worker_sees_its_communitys_volunteer_work(scene, people) -> None:
    assert seen(people.grid, Wish) == pks(scene.wishes, "guangming")
    assert seen(people.grid, WorkOrder) == pks(scene.orders, "ordered", "team", "helper", "partner")


@pytest.mark.parametrize(
    "model",
    [
        Wish,
        WorkOrder,
        Activity,
        Team,
        Reward,
        Volunteer,
        Signup,
        PointEntry,
        Redemption,
        PartnerUnit,
        Pairing,
        DualRegistration,
    ],
)
def test_a_department_handler_sees_none_of_it(scene, people, model) -> None:
    assert model.objects.exists()
    assert seen(people.handler, model) == set()


def test_the_superuser_sees_everything(scene, people) -> None:
    assert seen(people.superuser, WorkOrder) == set(WorkOrder.objects.values_list("pk", flat=True))


# --- What each role may do on what it sees ---------------------------------------------------


def test_actions_offered_on_a_wish(scene, people) -> None:
    wish = scene.wishes["guangming"]
    actions = ["wish.claim", "wish.release", "wish.fulfil", "wish.confirm", "wish.withdraw"]
    assert policy.actions_for(people.volunteer, wish, actions) == {"wish.claim"}
    assert policy.actions_for(people.worker, wish, actions) == {"wish.confirm", "wish.withdraw"}
    assert policy.actions_for(people.grid, wish, actions) == set()
    assert policy.actions_for(people.other_worker, wish, actions) == set()


def test_actions_offered_on_a_work_order(scene, people) -> None:
    order = scene.orders["team"]
    actions = [
        "workorder.dispatch",
        "workorder.accept",
        "workorder.complete",
        "workorder.verify",
        "workorder.return",
        "workorder.cancel",
        "workorder.supervise",
    ]
    assert policy.actions_for(people.volunteer, order, actions) == {
        "workorder.accept",
        "workorder.complete",
    }
    assert policy.actions_for(scene.cast.member, order, actions) == set()
    assert policy.actions_for(scene.cast.supervisor, order, actions) == {"workorder.supervise"}
    assert policy.actions_for(people.worker, order, actions) == {
        "workorder.dispatch",
        "workorder.cancel",
    }
    assert policy.actions_for(people.official, order, actions) == {
        "workorder.verify",
        "workorder.return",
        "workorder.supervise",
    }


def test_rows_of_a_unit_above_are_seen_but_not_kept(scene, people) -> None:
    """A community worker sees the street's rewards and the district's partner paired with
    the community, but changes neither; the street's admin keeps the street's rewards."""
    street_reward = scene.rewards["east"]
    partner = scene.cast.partner
    assert not policy.can(people.worker, "reward.change", street_reward)
    assert policy.can(people.worker, "reward.change", scene.rewards["guangming"])
    assert policy.can(people.street_admin, "reward.change", street_reward)
    assert not policy.can(people.worker, "partnerunit.change", partner)
    assert not policy.can(people.street_admin, "partnerunit.change", partner)
    assert policy.can(people.superuser, "partnerunit.change", partner)
