"""Points (积分): idempotent awards, the rules that earn them (service hours and activities at
check-in, a fulfilled wish on confirmation, a verified work order), the quarterly statement,
and redemptions that never take a balance or a stock below zero."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from unittest.mock import ANY

import pytest

from governance.errors import (
    InvalidTransition,
    NotAllowed,
    OutOfScope,
    ValidationFailed,
)
from governance.models import AuditEvent
from tests.conftest import Personas
from tests.volunteers.conftest import (
    NOW,
    SATURDAY,
    SHANGHAI,
    VolunteerWorld,
    announce,
    order_in,
    wish_in,
)
from volunteers import selectors, services
from volunteers.models import (
    Activity,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    Signup,
    Volunteer,
    WishStatus,
    WorkOrderStatus,
)

HOUR = dt.timedelta(hours=1)
START = SATURDAY  # 2026-11-21 10:00


pytestmark = pytest.mark.usefixtures("english")


def rule(code: str) -> PointRule:
    return PointRule.objects.get(code=code)


def entries() -> list[tuple[Any, ...]]:
    return list(
        PointEntry.objects.order_by("id").values_list(
            "volunteer_id", "rule__code", "source_type", "source_id", "points", "note", "at"
        )
    )


def give(volunteer: Volunteer, points: int) -> None:
    """Credit ``points`` (a multiple of 10) with service-hour awards on throwaway sources."""
    services.points_award(
        volunteer=volunteer,
        rule_code=PointRule.Code.SERVICE_HOUR,
        source=volunteer.person,
        quantity=points // 10,
        now=NOW - dt.timedelta(days=1),
    )


# --- Awards --------------------------------------------------------------------------------


def test_an_award_is_given_once(vworld) -> None:
    first = services.points_award(
        volunteer=vworld.me, rule_code="wish_fulfilled", source=vworld.team, note="买药", now=NOW
    )
    assert first is not None
    again = services.points_award(
        volunteer=vworld.me, rule_code="wish_fulfilled", source=vworld.team, now=NOW + HOUR
    )
    assert again is None
    assert entries() == [
        (vworld.me.pk, "wish_fulfilled", "volunteers.Team", vworld.team.pk, 20, "买药", NOW)
    ]
    assert services.points_balance(vworld.me) == 20


def test_two_rules_or_two_volunteers_for_one_source_each_award(vworld) -> None:
    for volunteer, code in (
        (vworld.me, "wish_fulfilled"),
        (vworld.me, "work_order_verified"),
        (vworld.other, "wish_fulfilled"),
    ):
        services.points_award(volunteer=volunteer, rule_code=code, source=vworld.team, now=NOW)
    assert [row[:5] for row in entries()] == [
        (vworld.me.pk, "wish_fulfilled", "volunteers.Team", vworld.team.pk, 20),
        (vworld.me.pk, "work_order_verified", "volunteers.Team", vworld.team.pk, 30),
        (vworld.other.pk, "wish_fulfilled", "volunteers.Team", vworld.team.pk, 20),
    ]
    assert (services.points_balance(vworld.me), services.points_balance(vworld.other)) == (50, 20)


def test_an_inactive_rule_or_nothing_to_count_awards_nothing(vworld) -> None:
    PointRule.objects.filter(code="wish_fulfilled").update(is_active=False)
    assert (
        services.points_award(volunteer=vworld.me, rule_code="wish_fulfilled", source=vworld.team)
        is None
    )
    assert (
        services.points_award(
            volunteer=vworld.me, rule_code="service_hour", source=vworld.team, quantity=0
        )
        is None
    )
    assert entries() == []


def test_the_rules_current_value_is_awarded_and_defaults_leave_it_alone(vworld) -> None:
    PointRule.objects.filter(code="wish_fulfilled").update(points=25)
    assert services.point_rules_ensure_defaults() == 0
    assert rule("wish_fulfilled").points == 25
    services.points_award(volunteer=vworld.me, rule_code="wish_fulfilled", source=vworld.team)
    assert services.points_balance(vworld.me) == 25


# --- What earns points ---------------------------------------------------------------------


@pytest.fixture
def activity(vworld, people, tree) -> Activity:
    return announce(people, tree.guangming, actor=people.worker, hours=3)


def signed_up(activity: Activity, people: Personas) -> Signup:
    return services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)


def test_check_in_awards_the_activity_and_whole_service_hours(vworld, people, activity) -> None:
    signup = services.activity_check_in(
        actor=people.worker, signup=signed_up(activity, people), hours="2.5", now=START
    )
    assert (signup.checked_in_at, signup.hours) == (START, Decimal("2.5"))
    assert entries() == [
        (
            vworld.me.pk,
            "activity_attended",
            "volunteers.Signup",
            signup.pk,
            5,
            "周六志愿服务日",
            START,
        ),
        (vworld.me.pk, "service_hour", "volunteers.Signup", signup.pk, 20, "周六志愿服务日", START),
    ]


def test_check_in_defaults_to_the_activitys_length(vworld, people, activity) -> None:
    signup = services.activity_check_in(
        actor=people.worker, signup=signed_up(activity, people), now=START - HOUR
    )
    assert signup.hours == Decimal("3.0")
    assert [row[1:5:3] for row in entries()] == [("activity_attended", 5), ("service_hour", 30)]


def test_less_than_an_hour_earns_the_activity_only(vworld, people, activity) -> None:
    services.activity_check_in(
        actor=people.worker, signup=signed_up(activity, people), hours="0.5", now=START
    )
    assert [(row[1], row[4]) for row in entries()] == [("activity_attended", 5)]


def test_a_corrected_check_in_awards_nothing_again(vworld, people, activity) -> None:
    signup = services.activity_check_in(
        actor=people.worker, signup=signed_up(activity, people), hours=2, now=START
    )
    later = START + 2 * HOUR
    signup = services.activity_check_in(actor=people.worker, signup=signup, hours=4, now=later)
    assert (signup.checked_in_at, signup.hours) == (START, Decimal("4.0"))
    assert [(row[1], row[4], row[6]) for row in entries()] == [
        ("activity_attended", 5, START),
        ("service_hour", 20, START),
    ]


def test_an_inactive_hour_rule_still_counts_the_activity(vworld, people, activity) -> None:
    PointRule.objects.filter(code="service_hour").update(is_active=False)
    services.activity_check_in(
        actor=people.worker, signup=signed_up(activity, people), hours=2, now=START
    )
    assert [(row[1], row[4]) for row in entries()] == [("activity_attended", 5)]


@pytest.mark.parametrize("hours", ["0", "-1", "24.1", "两小时", "NaN"])
def test_check_in_hours_are_checked(vworld, people, activity, hours) -> None:
    signup = signed_up(activity, people)
    with pytest.raises(ValidationFailed) as caught:
        services.activity_check_in(actor=people.worker, signup=signup, hours=hours, now=START)
    assert set(caught.value.fields) == {"hours"}
    assert Signup.objects.filter(pk=signup.pk).values_list("checked_in_at", "hours").get() == (
        None,
        Decimal("0"),
    )
    assert entries() == []


def test_check_in_opens_an_hour_before_and_not_for_a_cancelled_sign_up(
    vworld, people, activity
) -> None:
    signup = signed_up(activity, people)
    with pytest.raises(InvalidTransition):
        services.activity_check_in(actor=people.worker, signup=signup, now=START - 2 * HOUR)
    services.activity_cancel_sign_up(actor=people.volunteer, signup=signup, now=NOW)
    with pytest.raises(InvalidTransition):
        services.activity_check_in(actor=people.worker, signup=signup, now=START)
    assert entries() == []


@pytest.mark.parametrize(
    ("actor", "error"), [("volunteer", NotAllowed), ("other_worker", OutOfScope)]
)
def test_who_may_check_in(vworld, people, activity, actor, error) -> None:
    signup = signed_up(activity, people)
    with pytest.raises(error):
        services.activity_check_in(actor=getattr(people, actor), signup=signup, now=START)
    assert Signup.objects.get(pk=signup.pk).checked_in_at is None
    assert entries() == []


def test_a_wish_earns_points_on_confirmation_only(vworld, people, tree) -> None:
    wish = wish_in(WishStatus.FULFILLED, people, tree)
    assert entries() == []
    later = NOW + HOUR
    wish = services.wish_confirm(actor=people.worker, wish=wish, now=later)
    services.wish_confirm(actor=people.worker, wish=wish, now=later + HOUR)
    assert entries() == [
        (vworld.me.pk, "wish_fulfilled", "volunteers.Wish", wish.pk, 20, "帮独居老人买药", later)
    ]


def test_a_withdrawn_wish_earns_nothing(vworld, people, tree) -> None:
    wish_in(WishStatus.WITHDRAWN, people, tree)
    assert entries() == []


def test_an_inactive_wish_rule_awards_nothing_on_confirmation(vworld, people, tree) -> None:
    PointRule.objects.filter(code="wish_fulfilled").update(is_active=False)
    wish = wish_in(WishStatus.CONFIRMED, people, tree)
    assert wish.status == WishStatus.CONFIRMED
    assert entries() == []


def test_a_verified_work_order_earns_the_accepting_volunteer(vworld, people, tree) -> None:
    order = order_in(WorkOrderStatus.COMPLETED, vworld, people, tree)
    assert entries() == []
    order = services.work_order_return(
        actor=people.official, work_order=order, reason="墙面有漏刷", now=NOW + HOUR
    )
    order = services.work_order_complete(
        actor=people.volunteer, work_order=order, note="已补刷", now=NOW + 2 * HOUR
    )
    verified_at = NOW + 3 * HOUR
    order = services.work_order_verify(actor=people.official, work_order=order, now=verified_at)
    services.work_order_verify(actor=people.official, work_order=order, now=verified_at + HOUR)
    assert entries() == [
        (
            vworld.me.pk,
            "work_order_verified",
            "volunteers.WorkOrder",
            order.pk,
            30,
            "楼道粉刷",
            verified_at,
        )
    ]


def test_the_accepting_volunteer_earns_even_after_the_lead_changed(
    vworld, people, tree, cast
) -> None:
    order = order_in(WorkOrderStatus.COMPLETED, vworld, people, tree)
    services.team_update_members(actor=None, team=vworld.team, lead=vworld.other)
    services.work_order_verify(actor=people.official, work_order=order, now=NOW + HOUR)
    assert [(row[0], row[4]) for row in entries()] == [(vworld.me.pk, 30)]


# --- The quarterly statement ---------------------------------------------------------------


def statement(user: Any, quarter: selectors.Quarter) -> list[tuple[Any, ...]]:
    rows: Any = selectors.points_statement(user=user, quarter=quarter).order_by("pk")
    return [(row.pk, row.opening, row.earned, row.redeemed, row.closing, row.hours) for row in rows]


def test_quarterly_statement(vworld, people, tree, activity) -> None:
    """Q4 2026 runs from 1 October to 31 December, Shanghai time: the opening balance is what
    was earned before it, then what was earned and redeemed within it, the closing balance,
    and the service hours of check-ins within it."""
    last_of_q3 = dt.datetime(2026, 9, 30, 23, 59, tzinfo=SHANGHAI)
    first_of_q4 = dt.datetime(2026, 10, 1, 0, 0, tzinfo=SHANGHAI)
    first_of_2027 = dt.datetime(2027, 1, 1, 0, 0, tzinfo=SHANGHAI)
    me, other = vworld.me, vworld.other
    services.points_award(volunteer=me, rule_code="wish_fulfilled", source=me, now=last_of_q3)
    services.points_award(volunteer=me, rule_code="work_order_verified", source=me, now=first_of_q4)
    services.activity_check_in(
        actor=people.worker, signup=signed_up(activity, people), hours="2.5", now=START
    )  # 5 + 20
    services.redemption_create(
        actor=people.volunteer, volunteer=me, reward=vworld.reward, now=START + HOUR
    )  # 50
    services.points_award(volunteer=me, rule_code="activity_attended", source=me, now=first_of_2027)
    services.points_award(volunteer=other, rule_code="wish_fulfilled", source=other, now=NOW)
    q4 = selectors.quarter_bounds(2026, 4)
    assert (q4.first_day, q4.last_day) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert statement(people.worker, q4) == [
        (me.pk, 20, 55, 50, 25, Decimal("2.5")),
        (other.pk, 0, 20, 0, 20, Decimal("0")),
    ]
    assert selectors.points_statement_totals(
        selectors.points_statement(user=people.worker, quarter=q4)
    ) == {"opening": 20, "earned": 75, "redeemed": 50, "closing": 45, "hours": Decimal("2.5")}
    # A volunteer sees their own line only; the quarter before holds the September award.
    assert statement(people.volunteer, q4) == [(me.pk, 20, 55, 50, 25, Decimal("2.5"))]
    assert statement(people.volunteer, selectors.quarter_bounds(2026, 3)) == [
        (me.pk, 0, 20, 0, 20, Decimal("0"))
    ]
    assert statement(people.other_worker, q4) == []


# --- Redemptions ---------------------------------------------------------------------------


def ledger_state(reward: Reward) -> dict[str, Any]:
    return {
        "entries": list(PointEntry.objects.values_list("pk", flat=True)),
        "redemptions": list(Redemption.objects.values_list("pk", flat=True)),
        "stock": Reward.objects.get(pk=reward.pk).stock,
    }


def test_a_redemption_takes_points_and_stock(vworld, people) -> None:
    give(vworld.me, 60)
    redemption = services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
    )
    row = Redemption.objects.filter(pk=redemption.pk).values(
        "volunteer_id", "reward_id", "quantity", "points", "at", "handed_over_at"
    )
    assert list(row) == [
        {
            "volunteer_id": vworld.me.pk,
            "reward_id": vworld.reward.pk,
            "quantity": 1,
            "points": 50,
            "at": NOW,
            "handed_over_at": None,
        }
    ]
    assert entries()[-1] == (
        vworld.me.pk,
        None,
        "volunteers.Reward",
        vworld.reward.pk,
        -50,
        "洗衣液",
        NOW,
    )
    assert redemption.entry == PointEntry.objects.order_by("id").last()
    assert services.points_balance(vworld.me) == 10
    assert Reward.objects.get(pk=vworld.reward.pk).stock == 2


def test_the_balance_never_goes_below_zero(vworld, people) -> None:
    give(vworld.me, 50)
    services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
    )
    assert services.points_balance(vworld.me) == 0
    before = ledger_state(vworld.reward)
    with pytest.raises(InvalidTransition) as caught:
        services.redemption_create(
            actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
        )
    assert (caught.value.status_code, str(caught.value.message)) == (
        409,
        "Not enough points for this reward.",
    )
    assert ledger_state(vworld.reward) == before
    assert services.points_balance(vworld.me) == 0


def test_a_quantity_costs_its_multiple_and_needs_the_stock(vworld, people) -> None:
    give(vworld.me, 200)
    with pytest.raises(InvalidTransition) as caught:
        services.redemption_create(
            actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, quantity=4, now=NOW
        )
    assert str(caught.value.message) == "This reward is out of stock."
    assert services.points_balance(vworld.me) == 200
    redemption = services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, quantity=3, now=NOW
    )
    assert (redemption.quantity, redemption.points) == (3, 150)
    assert services.points_balance(vworld.me) == 50
    assert Reward.objects.get(pk=vworld.reward.pk).stock == 0
    before = ledger_state(vworld.reward)
    with pytest.raises(InvalidTransition) as caught:
        services.redemption_create(
            actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
        )
    assert str(caught.value.message) == "This reward is out of stock."
    assert ledger_state(vworld.reward) == before
    assert services.points_balance(vworld.me) == 50


@pytest.mark.parametrize("quantity", [0, -1, 21, True, "1", 1.5, None])
def test_quantity_bounds(vworld, people, quantity) -> None:
    give(vworld.me, 100)
    before = ledger_state(vworld.reward)
    with pytest.raises(ValidationFailed) as caught:
        services.redemption_create(
            actor=people.volunteer,
            volunteer=vworld.me,
            reward=vworld.reward,
            quantity=quantity,
            now=NOW,
        )
    assert caught.value.fields == {"quantity": ["Redeem 1 to 20 at a time."]}
    assert ledger_state(vworld.reward) == before


def test_an_inactive_reward_or_volunteer_is_refused(vworld, people) -> None:
    give(vworld.me, 100)
    Reward.objects.filter(pk=vworld.reward.pk).update(is_active=False)
    before = ledger_state(vworld.reward)
    with pytest.raises(InvalidTransition):
        services.redemption_create(
            actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
        )
    Reward.objects.filter(pk=vworld.reward.pk).update(is_active=True)
    Volunteer.objects.filter(pk=vworld.me.pk).update(is_active=False)
    with pytest.raises(InvalidTransition):
        services.redemption_create(
            actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
        )
    assert ledger_state(vworld.reward) == before


@pytest.mark.parametrize(
    ("actor", "for_whom", "error"),
    [
        ("volunteer", "other", OutOfScope),  # another volunteer's points: not theirs to see
        ("member", "me", OutOfScope),
        ("worker", "me", NotAllowed),  # the community redeems nothing on a volunteer's behalf
        ("official", "me", NotAllowed),
        ("other_worker", "me", OutOfScope),
        ("handler", "me", OutOfScope),
    ],
)
def test_only_the_volunteer_redeems_their_points(
    vworld, people, cast, actor, for_whom, error
) -> None:
    give(vworld.me, 100)
    give(vworld.other, 100)
    before = ledger_state(vworld.reward)
    with pytest.raises(error):
        services.redemption_create(
            actor=getattr(people, actor, None) or getattr(cast, actor),
            volunteer=getattr(vworld, for_whom),
            reward=vworld.reward,
            now=NOW,
        )
    assert ledger_state(vworld.reward) == before


def test_rewards_of_the_units_above_but_not_of_another_community(vworld, people, tree) -> None:
    give(vworld.me, 100)
    street_reward = services.reward_create(
        actor=None, unit=tree.east, name="电影票", points=40, stock=5
    )
    xinhua_reward = services.reward_create(
        actor=None, unit=tree.xinhua, name="毛巾", points=10, stock=5
    )
    services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=street_reward, now=NOW
    )
    before = ledger_state(xinhua_reward)
    with pytest.raises(OutOfScope):
        services.redemption_create(
            actor=people.volunteer, volunteer=vworld.me, reward=xinhua_reward, now=NOW
        )
    assert ledger_state(xinhua_reward) == before
    assert services.points_balance(vworld.me) == 60


def test_hand_over_once(vworld, people) -> None:
    give(vworld.me, 50)
    redemption = services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
    )
    with pytest.raises(NotAllowed):
        services.redemption_hand_over(actor=people.volunteer, redemption=redemption, now=NOW)
    with pytest.raises(OutOfScope):
        services.redemption_hand_over(actor=people.other_worker, redemption=redemption, now=NOW)
    first = services.redemption_hand_over(actor=people.worker, redemption=redemption, now=NOW)
    again = services.redemption_hand_over(
        actor=people.worker, redemption=redemption, now=NOW + HOUR
    )
    assert (first.handed_over_at, again.handed_over_at) == (NOW, NOW)


def test_reward_catalogue_checks(vworld, people, tree) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.reward_create(
            actor=people.worker, unit=tree.guangming, name=" ", points=0, stock=-1
        )
    assert caught.value.fields == {
        "name": ["This field is required."],
        "points": ["A reward costs at least 1 point."],
        "stock": ["The stock cannot be negative."],
    }
    with pytest.raises(NotAllowed):
        services.reward_create(
            actor=people.grid, unit=tree.guangming, name="毛巾", points=10, stock=1
        )
    with pytest.raises(ValidationFailed):
        services.reward_restock(actor=people.worker, reward=vworld.reward, add=0)
    assert services.reward_restock(actor=people.worker, reward=vworld.reward, add=2).stock == 5
    with pytest.raises(OutOfScope):
        services.reward_restock(actor=people.other_worker, reward=vworld.reward, add=2)
    assert Reward.objects.count() == 1


def test_a_street_reward_is_restocked_by_the_street_only(vworld, people, tree) -> None:
    """光明社区's worker sees 东城街道's catalogue (its volunteers redeem there) but does not
    keep it."""
    street_reward = services.reward_create(
        actor=people.street_admin, unit=tree.east, name="电影票", points=40, stock=5
    )
    with pytest.raises(NotAllowed):
        services.reward_restock(actor=people.worker, reward=street_reward, add=10)
    assert Reward.objects.get(pk=street_reward.pk).stock == 5
    restocked = services.reward_restock(actor=people.street_admin, reward=street_reward, add=10)
    assert restocked.stock == 15


# --- Changing a rule ---------------------------------------------------------------------------


def test_a_rule_change_is_a_superusers_audited_act_and_old_entries_keep_their_points(
    vworld: VolunteerWorld, people: Personas
) -> None:
    rule = PointRule.objects.get(code=PointRule.Code.SERVICE_HOUR)
    before = services.points_award(
        volunteer=vworld.me, rule_code=rule.code, source=vworld.me.person, quantity=2
    )
    with pytest.raises(NotAllowed):
        services.point_rule_update(actor=people.street_admin, rule=rule, points=99)
    with pytest.raises(ValidationFailed) as error:
        services.point_rule_update(actor=people.superuser, rule=rule, points=-1)
    assert error.value.fields == {"points": [ANY]}
    assert PointRule.objects.get(pk=rule.pk).points == 10
    assert not AuditEvent.objects.filter(object_type="volunteers.PointRule").exists()
    changed = services.point_rule_update(actor=people.superuser, rule=rule, points=12, active=True)
    assert (changed.points, changed.is_active) == (12, True)
    event = AuditEvent.objects.get(object_type="volunteers.PointRule")
    assert (event.actor, event.changes) == (people.superuser, {"points": 12})
    assert before is not None
    assert PointEntry.objects.get(pk=before.pk).points == 20
    after = services.points_award(
        volunteer=vworld.me, rule_code=rule.code, source=vworld.other.person, quantity=1
    )
    assert after is not None
    assert after.points == 12
    services.point_rule_update(actor=people.superuser, rule=changed, points=12)
    assert AuditEvent.objects.filter(object_type="volunteers.PointRule").count() == 1
