"""The petition and dispatch workflows on the one core: reruns with another input, the
table's limits on tagging, and "which actions now" agreeing with what the services accept."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.db import connection
from django.db.models import F

from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
from governance.workflow import (
    BatchMoved,
    Step,
    Transitioned,
    on_transition,
    remove_transition_hook,
    transition,
    transition_many,
)
from orgchart.models import User
from petitions import selectors, services
from petitions.models import Action, Complexity, Dispatch, Petition, PetitionEvent, Status
from petitions.workflows import PETITION_WORKFLOW
from tests.conftest import make_user
from tests.petitions.conftest import NOW, bring_to, snapshot

LATER = NOW + dt.timedelta(hours=2)


def test_a_second_reply_with_another_text_is_refused_not_dropped(people, tree, english) -> None:
    petition = bring_to(Status.IN_PROGRESS, people, tree)
    services.petition_reply(actor=people.worker, petition=petition, reply="已清理", now=NOW)
    # The same reply again (a retried request) answers as the first did, and adds nothing.
    again = services.petition_reply(
        actor=people.worker, petition=petition, reply="已清理", now=LATER
    )
    assert (again.status, again.reply) == (Status.REPLIED, "已清理")
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.petition_reply(
            actor=people.worker, petition=petition, reply="已清理并消毒", now=LATER
        )
    assert (
        str(caught.value)
        == "This step (replied) was already taken with another input: reload to see it."
    )
    assert snapshot(petition) == before
    assert Petition.objects.get(pk=petition.pk).reply == "已清理"


def test_a_second_report_note_is_refused_not_dropped(people, tree, english) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = Dispatch.objects.get(petition=petition)
    services.dispatch_report(actor=people.handler, dispatch=dispatch, note="明天到场", now=NOW)
    services.dispatch_report(actor=people.handler, dispatch=dispatch, note="明天到场", now=LATER)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.dispatch_report(
            actor=people.handler, dispatch=dispatch, note="今天下午到场", now=LATER
        )
    assert str(caught.value) == (
        "This step (department reported) was already taken with another input: reload to see it."
    )
    assert snapshot(petition) == before
    assert PetitionEvent.objects.filter(dispatch=dispatch, action="report").count() == 1


def test_another_person_repeating_an_action_gets_the_ordinary_refusal(
    people, tree, english
) -> None:
    colleague = make_user("colleague", User.Role.COMMUNITY_WORKER, unit=tree.guangming)
    petition = bring_to(Status.SUBMITTED, people, tree)
    services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition) as caught:
        services.petition_accept(actor=colleague, petition=petition, now=LATER)
    assert str(caught.value) == "Cannot be accepted while “accepted”."
    assert snapshot(petition) == before


def test_a_retried_accept_after_a_supervision_note_is_still_a_rerun(people, tree) -> None:
    petition = bring_to(Status.SUBMITTED, people, tree)
    accepted = services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_supervise(actor=people.official, petition=petition, note="尽快", now=NOW)
    again = services.petition_accept(
        actor=people.worker, petition=petition, expected_version=accepted.version, now=LATER
    )
    assert again.status == Status.ACCEPTED
    assert PetitionEvent.objects.filter(petition=petition, action="accept").count() == 1


@pytest.mark.parametrize("status", [Status.CLOSED, Status.REJECTED])
def test_a_finished_case_takes_no_complexity_tags(status, people, tree, english) -> None:
    petition = bring_to(status, people, tree)
    before = snapshot(petition)
    with pytest.raises(InvalidTransition):
        services.petition_tag_complex(
            actor=people.worker, petition=petition, tags=[Complexity.CROSS_REGION], now=LATER
        )
    assert snapshot(petition) == before


def test_tagging_an_open_case_is_a_step_with_its_event(people, tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    tagged = services.petition_tag_complex(
        actor=people.worker, petition=petition, tags=[Complexity.CROSS_REGION], now=LATER
    )
    assert (tagged.complexity, tagged.version) == ("cross_region", petition.version + 1)
    last = PetitionEvent.objects.filter(petition=petition).latest("at", "id")
    assert (last.action, last.from_status, last.to_status, last.data) == (
        "tag_complex",
        "accepted",
        "accepted",
        {"tags": ["cross_region"]},
    )


def test_every_transition_runs_the_hooks_inside_its_transaction(people, tree) -> None:
    seen: list[tuple[str, str, str, str, bool]] = []

    def hook(record: Transitioned) -> None:
        seen.append(
            (
                record.workflow.name,
                record.action,
                record.from_status,
                record.to_status,
                connection.in_atomic_block,
            )
        )

    on_transition(hook)
    try:
        petition = bring_to(Status.DISPATCHED, people, tree)
        dispatch = Dispatch.objects.get(petition=petition)
        services.dispatch_report(actor=people.handler, dispatch=dispatch, now=NOW)
        # A refused step runs no hook.
        with pytest.raises(NotAllowed):
            services.petition_reply(actor=people.handler, petition=petition, reply="x", now=NOW)
    finally:
        remove_transition_hook(hook)
    assert seen == [
        ("petition", "create", "", "submitted", True),
        ("petition", "accept", "submitted", "accepted", True),
        ("petition", "dispatch", "accepted", "dispatched", True),
        ("dispatch", "report", "pending", "reported", True),
        ("petition", "all_reported", "dispatched", "in_progress", True),
    ]


# Inputs that make each petition action valid, so that only the workflow decides.
def _take(action: str, petition: Petition, people, tree) -> None:
    worker, official = people.worker, people.official
    calls = {
        "accept": lambda: services.petition_accept(actor=worker, petition=petition, now=LATER),
        "reject": lambda: services.petition_reject(
            actor=worker, petition=petition, reason="不属实", now=LATER
        ),
        "start": lambda: services.petition_start(actor=worker, petition=petition, now=LATER),
        # Once a lead works on it, a whistle adds an assist.
        "dispatch": lambda: services.petition_dispatch(
            actor=worker,
            petition=petition,
            lead=None if petition.status == Status.DISPATCHED else tree.police,
            assists=[tree.police] if petition.status == Status.DISPATCHED else [],
            now=LATER,
        ),
        "reply": lambda: services.petition_reply(
            actor=worker, petition=petition, reply="已办", now=LATER
        ),
        "evaluate": lambda: services.petition_evaluate(
            actor=worker, petition=petition, satisfaction="satisfied", now=LATER
        ),
        "close": lambda: services.petition_close(
            actor=worker, petition=petition, reason="联系不上", now=LATER
        ),
        "reopen": lambda: services.petition_reopen(
            actor=worker, petition=petition, reason="又堆了", now=LATER
        ),
        "supervise": lambda: services.petition_supervise(
            actor=official, petition=petition, note="督办", now=LATER
        ),
        "request_extension": lambda: services.petition_request_extension(
            actor=worker, petition=petition, amount=1, reason="需协调", now=LATER
        ),
        "tag_complex": lambda: services.petition_tag_complex(
            actor=worker, petition=petition, tags=[Complexity.ALL_APART], now=LATER
        ),
    }
    calls[action]()


@pytest.mark.parametrize(
    "status",
    [
        Status.SUBMITTED,
        Status.ACCEPTED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.REPLIED,
        Status.CLOSED,
        Status.REJECTED,
    ],
)
def test_the_actions_offered_are_exactly_the_ones_the_services_take(status, people, tree) -> None:
    """For the worker and the street official together: every action offered succeeds, every
    other one of the workflow is refused or, repeating the step that reached the status, is a
    rerun that changes nothing (so the list and the services cannot drift apart)."""
    candidates = [a for a in PETITION_WORKFLOW.user_actions if a != "decide_extension"]
    for action in candidates:
        petition = bring_to(status, people, tree)
        dispatches = list(Dispatch.objects.filter(petition=petition))
        offered = set(
            selectors.petition_actions(people.worker, petition, dispatches, now=LATER)
        ) | set(selectors.petition_actions(people.official, petition, dispatches, now=LATER))
        if action in offered:
            _take(action, petition, people, tree)
            assert snapshot(petition)["petition"]["version"] > petition.version
        else:
            before = snapshot(petition)
            with contextlib.suppress(InvalidTransition, NotAllowed, ValidationFailed):
                _take(action, petition, people, tree)
            assert snapshot(petition) == before


# --- Many rows at once (the sweep's batches) ---------------------------------------------------


def _replied(people, tree, count: int) -> list[Petition]:
    return [
        Petition.objects.select_related("policy").get(pk=bring_to(Status.REPLIED, people, tree).pk)
        for _ in range(count)
    ]


def test_transition_many_writes_what_transition_writes_and_runs_the_hooks_once(
    people, tree
) -> None:
    one, *many = _replied(people, tree, 4)
    transition(
        PETITION_WORKFLOW,
        one,
        Action.CLOSE,
        locked=one,
        actor=None,
        now=LATER,
        changes={"closed_at": LATER, "close_due_at": None},
        rerunnable=False,
    )
    seen: list[tuple[str, int]] = []
    batches: list[int] = []

    def hook(record: Transitioned) -> None:
        seen.append(("one", record.obj_id))

    def batch_hook(records) -> None:
        batches.append(len(records))
        seen.extend(("batch", record.obj_id) for record in records)

    plain_seen: list[tuple[str, str, str, int]] = []

    def plain(record: Transitioned) -> None:
        plain_seen.append(
            (record.action, record.from_status, record.to_status, record.after.version)
        )

    on_transition(hook, batch=batch_hook)
    on_transition(plain)
    try:
        batch = transition_many(
            PETITION_WORKFLOW,
            [
                Step(obj=petition, changes={"closed_at": LATER, "close_due_at": None})
                for petition in many
            ],
            Action.CLOSE,
            now=LATER,
        )
    finally:
        remove_transition_hook(hook)
        remove_transition_hook(plain)
    # A hook with a batch form is told once, with every record; one without, per record.
    assert batches == [3]
    assert seen == [("batch", petition.pk) for petition in many]
    assert plain_seen == [("close", "replied", "closed", petition.version + 1) for petition in many]
    assert [outcome.obj.status for outcome in batch.done] == [Status.CLOSED] * 3
    assert batch.left_alone == []

    def written(petition: Petition) -> tuple[object, ...]:
        row = Petition.objects.filter(pk=petition.pk).values().get()
        event = PetitionEvent.objects.filter(petition=petition).values().latest("at", "id")
        return (
            {name: value for name, value in row.items() if name not in ("id", "number")},
            {name: value for name, value in event.items() if name not in ("id", "petition_id")},
        )

    # Every column of the petition and of its event as the one-row core writes them.
    assert {repr(written(petition)) for petition in many} == {repr(written(one))}
    # The in-memory rows the hooks were told of are the rows as stored.
    for outcome in batch.done:
        stored = Petition.objects.get(pk=outcome.obj.pk)
        assert (outcome.obj.status, outcome.obj.version, outcome.obj.closed_at) == (
            stored.status,
            stored.version,
            stored.closed_at,
        )


def test_transition_many_leaves_a_row_that_moved_alone(people, tree) -> None:
    first, second, third = _replied(people, tree, 3)
    services.petition_evaluate(
        actor=people.worker, petition=second, satisfaction="satisfied", now=LATER
    )
    services.petition_supervise(actor=people.official, petition=third, note="督办", now=LATER)
    moved = [snapshot(second), snapshot(third)]
    steps = [
        Step(obj=petition, changes={"closed_at": LATER, "close_due_at": None})
        for petition in (first, second, third)
    ]
    # All or none: nothing is written, and the caller learns which rows moved.
    before = snapshot(first)
    with pytest.raises(BatchMoved) as caught:
        transition_many(PETITION_WORKFLOW, steps, Action.CLOSE, now=LATER, all_or_none=True)
    assert [step.obj.pk for step in caught.value.left_alone] == [second.pk, third.pk]
    assert snapshot(first) == before
    # Otherwise the rest goes on.
    batch = transition_many(PETITION_WORKFLOW, steps, Action.CLOSE, now=LATER)
    assert [outcome.obj.pk for outcome in batch.done] == [first.pk]
    assert [step.obj.pk for step in batch.left_alone] == [second.pk, third.pk]
    assert [snapshot(second), snapshot(third)] == moved
    assert Petition.objects.get(pk=first.pk).status == Status.CLOSED


def test_transition_many_refuses_what_transition_refuses(people, tree, english) -> None:
    replied = _replied(people, tree, 1)[0]
    submitted = Petition.objects.get(pk=bring_to(Status.SUBMITTED, people, tree).pk)
    before = [snapshot(replied), snapshot(submitted)]
    with pytest.raises(InvalidTransition, match="Cannot be closed while “submitted”"):
        transition_many(
            PETITION_WORKFLOW,
            [Step(obj=replied), Step(obj=submitted)],
            Action.CLOSE,
            now=LATER,
        )
    with pytest.raises(ValueError, match="appears twice"):
        transition_many(
            PETITION_WORKFLOW, [Step(obj=replied), Step(obj=replied)], Action.CLOSE, now=LATER
        )
    with pytest.raises(ValueError, match="not an expression"):
        transition_many(
            PETITION_WORKFLOW,
            [Step(obj=replied, changes={"reopen_count": F("reopen_count") + 1})],
            Action.CLOSE,
            now=LATER,
        )
    assert [snapshot(replied), snapshot(submitted)] == before
    assert transition_many(PETITION_WORKFLOW, [], Action.CLOSE, now=LATER).done == []
