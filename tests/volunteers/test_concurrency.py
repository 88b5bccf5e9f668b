"""Concurrent requests on PostgreSQL: redemptions never overdraw a balance or oversell a
reward, sign-ups never exceed an activity's places, an award is given once, a wish is claimed
once.

Each request runs in its own thread on its own connection, all released at the same moment by
a barrier; every thread closes its connections when it is done.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from itertools import accumulate

import pytest
from django.db import connections
from django.utils import translation

from governance.errors import InvalidTransition
from orgchart.models import User
from tests.conftest import Personas, Tree
from tests.factories import VolunteerFactory
from tests.volunteers.conftest import NOW, VolunteerWorld
from volunteers import services
from volunteers.models import (
    Activity,
    PointEntry,
    Redemption,
    Reward,
    Signup,
    Volunteer,
    Wish,
    WishEvent,
    WishStatus,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_together(calls: list[Callable[[], object]], timeout: float = 60) -> list[object]:
    """Start every call at the same moment, each in its own thread and connection; return each
    call's result or the exception it raised. Fails if a call is still running after
    ``timeout`` (a deadlock)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            with translation.override("en"):
                outcomes[index] = call()
        except BaseException as error:
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, call), daemon=True)
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + timeout
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    stuck = [index for index, thread in enumerate(threads) if thread.is_alive()]
    assert not stuck, f"calls {stuck} still running after {timeout:.0f}s (deadlocked?)"
    return outcomes


def refusals(outcomes: list[object]) -> list[str]:
    """The messages of the refused calls; any other error fails the test."""
    unexpected = [
        outcome
        for outcome in outcomes
        if isinstance(outcome, BaseException) and not isinstance(outcome, InvalidTransition)
    ]
    assert unexpected == [], f"unexpected errors: {unexpected!r}"
    return sorted(str(outcome) for outcome in outcomes if isinstance(outcome, InvalidTransition))


def volunteers_with_accounts(tree: Tree, count: int) -> list[tuple[int, int]]:
    """``count`` volunteers of 光明社区 with their own accounts: (account id, volunteer id)."""
    made = []
    for n in range(count):
        volunteer = VolunteerFactory.create(
            community=tree.guangming, with_account=True, account__username=f"crowd{n:02d}"
        )
        assert volunteer.account_id is not None
        made.append((volunteer.account_id, volunteer.pk))
    return made


def credit(volunteer_id: int, points: int) -> None:
    """Credit ``points`` (a multiple of 10) as service hours on the volunteer's own record."""
    volunteer = Volunteer.objects.get(pk=volunteer_id)
    services.points_award(
        volunteer=volunteer, rule_code="service_hour", source=volunteer, quantity=points // 10
    )


def redeem(account_id: int, volunteer_id: int, reward_id: int) -> Callable[[], object]:
    def call() -> object:
        return services.redemption_create(
            actor=User.objects.get(pk=account_id),
            volunteer=Volunteer.objects.get(pk=volunteer_id),
            reward=Reward.objects.get(pk=reward_id),
            now=NOW,
        )

    return call


def running_balances(volunteer_id: int) -> list[int]:
    points = PointEntry.objects.filter(volunteer_id=volunteer_id).order_by("id")
    return list(accumulate(points.values_list("points", flat=True)))


def test_twenty_redemptions_against_a_balance_for_five(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    reward = services.reward_create(
        actor=None, unit=tree.guangming, name="毛巾", points=10, stock=100
    )
    credit(vworld.me.pk, 50)
    outcomes = run_together(
        [redeem(people.volunteer.pk, vworld.me.pk, reward.pk) for _ in range(20)]
    )
    assert refusals(outcomes) == ["Not enough points for this reward."] * 15
    assert sum(isinstance(outcome, Redemption) for outcome in outcomes) == 5
    assert Redemption.objects.filter(volunteer=vworld.me).count() == 5
    assert services.points_balance(vworld.me) == 0
    assert min(running_balances(vworld.me.pk)) >= 0
    assert Reward.objects.get(pk=reward.pk).stock == 95


def test_redemptions_never_oversell_the_stock(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    reward = services.reward_create(
        actor=None, unit=tree.guangming, name="雨伞", points=10, stock=3
    )
    crowd = volunteers_with_accounts(tree, 12)
    for _account_id, volunteer_id in crowd:
        credit(volunteer_id, 100)
    outcomes = run_together(
        [redeem(account_id, volunteer_id, reward.pk) for account_id, volunteer_id in crowd]
    )
    assert refusals(outcomes) == ["This reward is out of stock."] * 9
    assert Redemption.objects.filter(reward=reward).count() == 3
    assert Reward.objects.get(pk=reward.pk).stock == 0
    balances = sorted(
        services.points_balance(Volunteer.objects.get(pk=volunteer_id))
        for _account_id, volunteer_id in crowd
    )
    assert balances == [90] * 3 + [100] * 9


def test_one_volunteer_racing_for_the_last_items(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    """Balance for five, stock for three: the stock decides, the balance stays at 20."""
    reward = services.reward_create(
        actor=None, unit=tree.guangming, name="手套", points=10, stock=3
    )
    credit(vworld.me.pk, 50)
    outcomes = run_together(
        [redeem(people.volunteer.pk, vworld.me.pk, reward.pk) for _ in range(20)]
    )
    refused = refusals(outcomes)
    assert len(refused) == 17
    assert set(refused) <= {"This reward is out of stock.", "Not enough points for this reward."}
    assert Reward.objects.get(pk=reward.pk).stock == 0
    assert services.points_balance(vworld.me) == 20
    assert min(running_balances(vworld.me.pk)) >= 0


def test_sign_ups_never_exceed_the_places(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    places = 4
    activity = services.activity_create(
        actor=None,
        unit=tree.guangming,
        title="周六志愿服务日",
        kind=Activity.Kind.VOLUNTEER_DAY,
        starts_at=NOW + dt.timedelta(days=3),
        ends_at=NOW + dt.timedelta(days=3, hours=2),
        capacity=places,
        created_by=people.worker,
    )
    crowd = volunteers_with_accounts(tree, 12)

    def sign_up(account_id: int) -> Callable[[], object]:
        def call() -> object:
            return services.activity_sign_up(
                actor=User.objects.get(pk=account_id),
                activity=Activity.objects.get(pk=activity.pk),
                now=NOW,
            )

        return call

    outcomes = run_together([sign_up(account_id) for account_id, _volunteer_id in crowd])
    assert refusals(outcomes) == ["This activity is full."] * (len(crowd) - places)
    assert Signup.objects.filter(activity=activity, cancelled_at__isnull=True).count() == places


def test_an_award_raced_from_many_requests_is_given_once(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    def award() -> object:
        return services.points_award(
            volunteer=Volunteer.objects.get(pk=vworld.me.pk),
            rule_code="wish_fulfilled",
            source=Volunteer.objects.get(pk=vworld.other.pk),
            now=NOW,
        )

    outcomes = run_together([award for _ in range(10)])
    assert refusals(outcomes) == []
    assert sum(isinstance(outcome, PointEntry) for outcome in outcomes) == 1
    assert PointEntry.objects.filter(volunteer=vworld.me).count() == 1
    assert services.points_balance(vworld.me) == 20


def test_a_wish_is_claimed_once(vworld: VolunteerWorld, people: Personas, tree: Tree) -> None:
    wish = services.wish_post(
        actor=people.worker, community=tree.guangming, title="帮独居老人买药", now=NOW
    )
    crowd = volunteers_with_accounts(tree, 8)

    def claim(account_id: int) -> Callable[[], object]:
        def call() -> object:
            return services.wish_claim(
                actor=User.objects.get(pk=account_id),
                wish=Wish.objects.get(pk=wish.pk),
                expected_version=1,
                now=NOW,
            )

        return call

    outcomes = run_together([claim(account_id) for account_id, _volunteer_id in crowd])
    # The losers wait for the winner's row lock, then find the wish claimed by someone else.
    assert refusals(outcomes) == ["Cannot be claimed while “claimed”."] * 7
    assert sum(isinstance(outcome, Wish) for outcome in outcomes) == 1
    claimed = Wish.objects.get(pk=wish.pk)
    assert (claimed.status, claimed.version) == (WishStatus.CLAIMED, 2)
    winner = next(outcome for outcome in outcomes if isinstance(outcome, Wish))
    assert claimed.claimed_by_id == winner.claimed_by_id
    assert list(WishEvent.objects.filter(wish=wish).values_list("action", flat=True)) == [
        "post",
        "claim",
    ]
