"""Micro-wishes and work orders on the one workflow core: a repeated step with another input
is refused (not silently dropped), supervision is a step of the table, and "which actions
now" agrees with what the services take."""

from __future__ import annotations

import contextlib

import pytest
from django.utils import translation

from governance.errors import InvalidTransition, NotAllowed, OutOfScope, ValidationFailed
from tests.volunteers.conftest import order_in, wish_in
from tests.volunteers.test_services import LATER, wish_snapshot
from volunteers import services
from volunteers.models import Team, WishEvent, WishStatus, WorkOrderEvent, WorkOrderStatus
from volunteers.serializers import wish_actions, work_order_actions
from volunteers.workflows import WISH_WORKFLOW, WORK_ORDER_WORKFLOW


def test_another_fulfil_note_is_refused_not_dropped(vworld, people, tree) -> None:
    wish = wish_in(WishStatus.FULFILLED, people, tree)  # fulfilled with "药已送到"
    again = services.wish_fulfil(actor=people.volunteer, wish=wish, note="药已送到", now=LATER)
    assert (again.status, again.fulfil_note) == (WishStatus.FULFILLED, "药已送到")
    before = wish_snapshot(wish)
    with translation.override("en"), pytest.raises(InvalidTransition) as caught:
        services.wish_fulfil(actor=people.volunteer, wish=wish, note="药和水果已送到", now=LATER)
    assert str(caught.value) == (
        "This step (fulfilled) was already taken with another input: reload to see it."
    )
    assert wish_snapshot(wish) == before
    assert WishEvent.objects.filter(wish=wish, action="fulfil").count() == 1


def test_dispatching_an_order_again_to_another_provider_is_refused(vworld, people, tree) -> None:
    order = order_in(WorkOrderStatus.DISPATCHED, vworld, people, tree)
    other_team = services.team_create(
        actor=None,
        unit=tree.guangming,
        name="光明敲门队",
        kind=Team.Kind.VANGUARD,
        lead=vworld.other,
    )
    # The same dispatch again is a rerun …
    again = services.work_order_dispatch(
        actor=people.worker, work_order=order, team=vworld.team, now=LATER
    )
    assert (again.status, again.team_id, again.version) == ("dispatched", vworld.team.pk, 2)
    # … another provider is a step already taken with another input.
    with translation.override("en"), pytest.raises(InvalidTransition) as caught:
        services.work_order_dispatch(
            actor=people.worker, work_order=order, team=other_team, now=LATER
        )
    assert str(caught.value) == (
        "This step (dispatched) was already taken with another input: reload to see it."
    )
    assert WorkOrderEvent.objects.filter(work_order=order, action="dispatch").count() == 1


def test_supervision_is_refused_once_the_order_is_finished(vworld, people, tree) -> None:
    order = order_in(WorkOrderStatus.VERIFIED, vworld, people, tree)
    with pytest.raises(InvalidTransition):
        services.work_order_supervise(
            actor=people.official, work_order=order, note="请总结", now=LATER
        )
    assert not WorkOrderEvent.objects.filter(work_order=order, action="supervise").exists()


WISH_CALLS = {
    "claim": lambda wish, people: services.wish_claim(actor=people.volunteer, wish=wish),
    "release": lambda wish, people: services.wish_release(actor=people.volunteer, wish=wish),
    "fulfil": lambda wish, people: services.wish_fulfil(
        actor=people.volunteer, wish=wish, note="药已送到"
    ),
    "confirm": lambda wish, people: services.wish_confirm(actor=people.worker, wish=wish),
    "withdraw": lambda wish, people: services.wish_withdraw(
        actor=people.worker, wish=wish, reason="已解决"
    ),
}


@pytest.mark.parametrize("status", list(WishStatus))
def test_the_wish_actions_offered_are_the_ones_taken(status, vworld, people, tree) -> None:
    assert set(WISH_CALLS) == set(WISH_WORKFLOW.user_actions)
    for action, call in WISH_CALLS.items():
        wish = wish_in(status, people, tree)
        offered = set(wish_actions(people.volunteer, wish)) | set(wish_actions(people.worker, wish))
        if action in offered:
            assert call(wish, people).version == wish.version + 1
        else:
            before = wish_snapshot(wish)
            with contextlib.suppress(InvalidTransition, NotAllowed, OutOfScope, ValidationFailed):
                call(wish, people)
            assert wish_snapshot(wish) == before


ORDER_CALLS = {
    "dispatch": lambda order, people, vworld: services.work_order_dispatch(
        actor=people.worker, work_order=order, team=vworld.team
    ),
    "accept": lambda order, people, vworld: services.work_order_accept(
        actor=people.volunteer, work_order=order
    ),
    "complete": lambda order, people, vworld: services.work_order_complete(
        actor=people.volunteer, work_order=order, note="已完成"
    ),
    "verify": lambda order, people, vworld: services.work_order_verify(
        actor=people.official, work_order=order
    ),
    "return": lambda order, people, vworld: services.work_order_return(
        actor=people.official, work_order=order, reason="有漏刷"
    ),
    "cancel": lambda order, people, vworld: services.work_order_cancel(
        actor=people.worker, work_order=order, reason="已解决"
    ),
    "supervise": lambda order, people, vworld: services.work_order_supervise(
        actor=people.official, work_order=order, note="督单"
    ),
}


@pytest.mark.parametrize("status", list(WorkOrderStatus))
def test_the_work_order_actions_offered_are_the_ones_taken(status, vworld, people, tree) -> None:
    assert set(ORDER_CALLS) == set(WORK_ORDER_WORKFLOW.user_actions)
    for action, call in ORDER_CALLS.items():
        order = order_in(status, vworld, people, tree)
        offered = set().union(
            *(work_order_actions(user, order) for user in (people.volunteer, people.worker))
        ) | set(work_order_actions(people.official, order))
        before = list(WorkOrderEvent.objects.filter(work_order=order).values_list("pk"))
        if action in offered:
            assert call(order, people, vworld).version == order.version + 1
        else:
            with contextlib.suppress(InvalidTransition, NotAllowed, OutOfScope, ValidationFailed):
                call(order, people, vworld)
            after = list(WorkOrderEvent.objects.filter(work_order=order).values_list("pk"))
            assert after == before
