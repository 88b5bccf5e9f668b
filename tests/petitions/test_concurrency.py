"""Concurrent sweepers, and users acting while they sweep, on PostgreSQL (DESIGN §5).

Each sweeper and each user runs in its own thread on its own connection, all released at the
same moment by a barrier. Small batches make the sweepers interleave: each locks a few due
rows at a time with ``SKIP LOCKED`` and leaves the rest to the other. Every due row must end
escalated exactly once: one ``Escalation``, one event, one set of notifications, level 1.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connections

from governance.errors import NotAllowed
from notifications.models import Notification
from petitions import rollups, services
from petitions.models import (
    Action,
    Deadline,
    Dispatch,
    DispatchStatus,
    Escalation,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.sweep import SweepResult, escalate_overdue
from tests.compose import poll
from tests.conftest import Personas, Tree
from tests.petitions.conftest import NOW, at, log_petition, log_petition_as

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Friday morning: the petitions logged on Wednesday (NOW) missed their accept deadline
# (Thursday 23:59:59) and the departments whistled on Wednesday their 24-hour report deadline.
LATE = at("2026-11-20", "09:00")
# The deadlines the sweep sets: one working day to accept (Monday), 24 hours to report.
NEXT_ACCEPT_DUE = at("2026-11-23", "23:59:59")
NEXT_REPORT_DUE = at("2026-11-21", "09:00")
DUE_PETITIONS = 200
DUE_DISPATCHES = 12
BATCH = 10


@dataclass
class Backlog:
    submitted: list[int]  # petitions past their accept deadline, in due order
    whistled: list[int]  # accepted petitions whose lead dispatch is past its report deadline
    dispatches: list[int]  # those lead dispatches (same order)
    fresh: list[int]  # logged Thursday noon: not due until Friday 23:59:59


@pytest.fixture
def backlog(default_policies: None, people: Personas, tree: Tree) -> Backlog:
    submitted = [log_petition(people, tree).pk for _ in range(DUE_PETITIONS)]
    whistled, dispatches = [], []
    for _ in range(DUE_DISPATCHES):
        petition = services.petition_accept(
            actor=people.worker, petition=log_petition(people, tree), now=NOW
        )
        petition = services.petition_dispatch(
            actor=people.worker, petition=petition, lead=tree.chengguan, now=NOW
        )
        whistled.append(petition.pk)
        dispatches.append(Dispatch.objects.get(petition=petition).pk)
    fresh = [log_petition(people, tree, now=at("2026-11-19", "12:00")).pk for _ in range(5)]
    return Backlog(submitted, whistled, dispatches, fresh)


def run_together(*calls: Callable[[], object], timeout: float = 60) -> list[object]:
    """Start every call at the same moment, each in its own thread and connection; return
    each call's result. Fails if any call raised or is still running after ``timeout``."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
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
    errors = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert errors == [], f"concurrent calls failed: {errors!r}"
    return outcomes


def sweep() -> SweepResult:
    return escalate_overdue(now=LATE, batch_size=BATCH)


def totals(*results: object) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for result in results:
        assert isinstance(result, SweepResult)
        counts.update(result.escalated)
        counts["close"] += result.closed
    return {name: counts[name] for name in (*Deadline.values, "close")}


def escalate_events() -> Counter[tuple[int, int | None]]:
    return Counter(
        PetitionEvent.objects.filter(action=Action.ESCALATE).values_list(
            "petition_id", "dispatch_id"
        )
    )


def actions_of(petition_id: int) -> list[str]:
    return list(
        PetitionEvent.objects.filter(petition_id=petition_id)
        .order_by("at", "id")
        .values_list("action", flat=True)
    )


@pytest.mark.slow
def test_two_concurrent_sweepers_escalate_each_due_row_exactly_once(
    backlog: Backlog, people: Personas, tree: Tree
) -> None:
    first, second = run_together(sweep, sweep)

    assert totals(first, second) == {
        "accept": DUE_PETITIONS,
        "resolve": 0,
        "report": DUE_DISPATCHES,
        "complete": 0,
        "close": 0,
    }
    due = [(pk, Deadline.ACCEPT, None) for pk in backlog.submitted] + [
        (pk, Deadline.REPORT, dispatch)
        for pk, dispatch in zip(backlog.whistled, backlog.dispatches, strict=True)
    ]
    assert Counter(
        Escalation.objects.values_list(
            "petition_id", "deadline", "dispatch_id", "level", "from_unit_id", "to_unit_id", "at"
        )
    ) == Counter(
        (pk, deadline, dispatch, 1, tree.guangming.pk, tree.east.pk, LATE)
        for pk, deadline, dispatch in due
    )
    assert escalate_events() == Counter((pk, dispatch) for pk, _, dispatch in due)
    assert set(
        PetitionEvent.objects.filter(action=Action.ESCALATE).values_list("at", "unit_id")
    ) == {(LATE, tree.east.pk)}
    # The street's staff hear of every escalation, the late department of its own.
    assert Counter(
        Notification.objects.filter(kind="petition.escalate").values_list(
            "recipient_id", "subject_id"
        )
    ) == Counter(
        [(people.official.pk, pk) for pk, _, _ in due]
        + [(people.handler.pk, pk) for pk in backlog.whistled]
    )
    rows = {
        row[0]: row[1:]
        for row in Petition.objects.values_list(
            "pk", "status", "escalation_level", "handling_unit_id", "accept_due_at"
        )
    }
    assert rows == {
        **dict.fromkeys(backlog.submitted, (Status.SUBMITTED, 1, tree.east.pk, NEXT_ACCEPT_DUE)),
        **dict.fromkeys(backlog.whistled, (Status.DISPATCHED, 1, tree.east.pk, None)),
        **{
            pk: (Status.SUBMITTED, 0, tree.guangming.pk, at("2026-11-20", "23:59:59"))
            for pk in backlog.fresh
        },
    }
    assert set(Dispatch.objects.values_list("status", "report_due_at", "version")) == {
        (DispatchStatus.PENDING, NEXT_REPORT_DUE, 2)
    }

    # A third sweep finds nothing left to do and changes nothing.
    assert totals(sweep()) == dict.fromkeys((*Deadline.values, "close"), 0)
    assert Escalation.objects.count() == DUE_PETITIONS + DUE_DISPATCHES
    assert PetitionEvent.objects.filter(action=Action.ESCALATE).count() == len(due)


@pytest.mark.slow
def test_users_acting_while_two_sweepers_run_never_deadlock_nor_act_twice(
    backlog: Backlog, people: Personas, tree: Tree
) -> None:
    # The community worker accepts every overdue petition, latest first, while the sweepers
    # escalate them earliest first: they meet somewhere in the middle. Once the sweepers reach
    # the dispatches, the department reports them the same way, latest first. Each user holds
    # a page read before it all started.
    pages = [Petition.objects.get(pk=pk) for pk in reversed(backlog.submitted)]
    dispatch_pages = [Dispatch.objects.get(pk=pk) for pk in reversed(backlog.dispatches)]

    def worker_accepts() -> dict[int, str]:
        outcome = {}
        for page in pages:
            try:
                services.petition_accept(actor=people.worker, petition=page, now=LATE)
            except NotAllowed:
                # The sweep escalated it first: it belongs to the street now.
                outcome[page.pk] = "refused"
            else:
                outcome[page.pk] = "accepted"
        return outcome

    def handler_reports() -> int:
        poll(
            lambda: Escalation.objects.filter(deadline=Deadline.REPORT).exists(),
            timeout=30,
            interval=0.005,
            what="the sweepers to reach the dispatches",
        )
        for dispatch in dispatch_pages:
            services.dispatch_report(actor=people.handler, dispatch=dispatch, now=LATE)
        return len(dispatch_pages)

    first, second, accepted_or_refused, reported = run_together(
        sweep, sweep, worker_accepts, handler_reports
    )

    assert isinstance(accepted_or_refused, dict)
    assert reported == DUE_DISPATCHES
    accepted = {pk for pk, outcome in accepted_or_refused.items() if outcome == "accepted"}
    escalated = set(backlog.submitted) - accepted
    escalated_dispatches = set(
        Escalation.objects.filter(deadline=Deadline.REPORT).values_list("dispatch_id", flat=True)
    )
    print(
        f"accepted before the sweep: {len(accepted)} of {DUE_PETITIONS}; reported before the "
        f"sweep: {DUE_DISPATCHES - len(escalated_dispatches)} of {DUE_DISPATCHES}"
    )
    # The sweepers start at the front and the worker at the back: both must have won some.
    assert accepted, "the sweepers escalated every petition before the worker accepted one"
    assert escalated, "the worker accepted every petition before the sweepers escalated one"
    assert totals(first, second) == {
        "accept": len(escalated),
        "resolve": 0,
        "report": len(escalated_dispatches),
        "complete": 0,
        "close": 0,
    }
    # Either the worker accepted it (and the sweep left it alone) or the sweep escalated it
    # (and the worker, no longer its handling unit, was refused): never both, never twice.
    rows = {
        row[0]: row[1:]
        for row in Petition.objects.filter(pk__in=backlog.submitted).values_list(
            "pk", "status", "escalation_level", "handling_unit_id"
        )
    }
    assert rows == {
        **dict.fromkeys(accepted, (Status.ACCEPTED, 0, tree.guangming.pk)),
        **dict.fromkeys(escalated, (Status.SUBMITTED, 1, tree.east.pk)),
    }
    for pk in backlog.submitted:
        assert actions_of(pk) == (
            [Action.CREATE, Action.ACCEPT] if pk in accepted else [Action.CREATE, Action.ESCALATE]
        ), pk
    # Reporting is the department's whatever the handling unit: every dispatch is reported
    # once, and escalated once only if the sweep got there first.
    for pk, dispatch_id in zip(backlog.whistled, backlog.dispatches, strict=True):
        petition = Petition.objects.get(pk=pk)
        assert Dispatch.objects.get(pk=dispatch_id).status == DispatchStatus.REPORTED
        late = [Action.ESCALATE] if dispatch_id in escalated_dispatches else []
        assert actions_of(pk) == [
            Action.CREATE,
            Action.ACCEPT,
            Action.DISPATCH,
            *late,
            Action.REPORT,
            Action.ALL_REPORTED,
        ], pk
        assert (petition.status, petition.escalation_level, petition.handling_unit_id) == (
            (Status.IN_PROGRESS, 1, tree.east.pk)
            if late
            else (Status.IN_PROGRESS, 0, tree.guangming.pk)
        ), pk
    assert escalate_events() == Counter(
        [(pk, None) for pk in escalated]
        + [
            (pk, dispatch)
            for pk, dispatch in zip(backlog.whistled, backlog.dispatches, strict=True)
            if dispatch in escalated_dispatches
        ]
    )
    assert Escalation.objects.count() == len(escalated) + len(escalated_dispatches)
    assert set(Escalation.objects.values_list("level", flat=True)) == {1}
    assert not Petition.objects.filter(pk__in=backlog.fresh).exclude(escalation_level=0).exists()


# --- Every deadline kind, in batches ------------------------------------------------------------

SWEPT_AT = at("2026-11-26", "09:00")
EACH = 12


@dataclass
class EveryKind:
    accept: list[int]  # submitted, past their accept deadline
    resolve: list[int]  # in progress since ten days, past their resolve deadline
    report: list[int]  # whistled to a lead and an assist, both past their report deadline
    complete: list[int]  # reported, past the completion deadline
    close: list[int]  # replied (by a grid worker's report), past the automatic close


@pytest.fixture
def every_kind(default_policies: None, people: Personas, tree: Tree) -> EveryKind:
    worker, earlier = people.worker, NOW - dt.timedelta(days=10)
    kinds = EveryKind([], [], [], [], [])
    for _ in range(EACH):
        kinds.accept.append(log_petition(people, tree).pk)
        accepted = services.petition_accept(
            actor=worker, petition=log_petition(people, tree, now=earlier), now=earlier
        )
        kinds.resolve.append(
            services.petition_start(actor=worker, petition=accepted, now=earlier).pk
        )
        whistled = services.petition_dispatch(
            actor=worker,
            petition=services.petition_accept(
                actor=worker, petition=log_petition(people, tree), now=NOW
            ),
            lead=tree.chengguan,
            assists=[tree.police],
            now=NOW,
        )
        kinds.report.append(whistled.pk)
        reported = services.petition_dispatch(
            actor=worker,
            petition=services.petition_accept(
                actor=worker, petition=log_petition(people, tree), now=NOW
            ),
            lead=tree.chengguan,
            now=NOW,
        )
        services.dispatch_report(
            actor=people.handler, dispatch=Dispatch.objects.get(petition=reported), now=NOW
        )
        kinds.complete.append(reported.pk)
        replied = services.petition_start(
            actor=worker,
            petition=services.petition_accept(
                actor=worker, petition=log_petition_as(people.grid, tree), now=NOW
            ),
            now=NOW,
        )
        kinds.close.append(
            services.petition_reply(actor=worker, petition=replied, reply="已处理", now=NOW).pk
        )
    return kinds


@pytest.mark.slow
def test_two_sweepers_take_every_deadline_kind_in_batches_exactly_once(
    every_kind: EveryKind, people: Personas, tree: Tree, caplog: pytest.LogCaptureFixture
) -> None:
    def sweep_batches() -> SweepResult:
        return escalate_overdue(now=SWEPT_AT, batch_size=5)

    first, second = run_together(sweep_batches, sweep_batches)

    assert totals(first, second) == {
        "accept": EACH,
        "resolve": EACH,
        "report": 2 * EACH,
        "complete": EACH,
        "close": EACH,
    }
    # Every batch was taken as a batch (none fell back to row by row).
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == []
    leads = dict(
        Dispatch.objects.filter(petition_id__in=every_kind.report, role="lead").values_list(
            "petition_id", "pk"
        )
    )
    assists = dict(
        Dispatch.objects.filter(petition_id__in=every_kind.report, role="assist").values_list(
            "petition_id", "pk"
        )
    )
    completing = dict(
        Dispatch.objects.filter(petition_id__in=every_kind.complete).values_list(
            "petition_id", "pk"
        )
    )
    street, community = tree.east.pk, tree.guangming.pk
    moved_up = (
        [(pk, Deadline.ACCEPT, None) for pk in every_kind.accept]
        + [(pk, Deadline.RESOLVE, None) for pk in every_kind.resolve]
        + [(pk, Deadline.REPORT, leads[pk]) for pk in every_kind.report]
        + [(pk, Deadline.COMPLETE, completing[pk]) for pk in every_kind.complete]
    )
    # A lead and an assist both late move the case up once: the assist's miss is recorded at
    # the street, at the level the lead's reached.
    stayed = [(pk, Deadline.REPORT, assists[pk]) for pk in every_kind.report]
    due = moved_up + stayed
    assert Counter(
        Escalation.objects.values_list(
            "petition_id", "deadline", "dispatch_id", "level", "from_unit_id", "to_unit_id"
        )
    ) == Counter(
        [(pk, deadline, dispatch, 1, community, street) for pk, deadline, dispatch in moved_up]
        + [(pk, deadline, dispatch, 1, street, street) for pk, deadline, dispatch in stayed]
    )
    assert escalate_events() == Counter((pk, dispatch) for pk, _, dispatch in due)
    assert Counter(
        PetitionEvent.objects.filter(action=Action.CLOSE).values_list("petition_id", flat=True)
    ) == Counter(every_kind.close)
    escalated = every_kind.accept + every_kind.resolve + every_kind.report + every_kind.complete
    assert set(
        Petition.objects.filter(pk__in=escalated).values_list(
            "escalation_level", "handling_unit_id"
        )
    ) == {(1, tree.east.pk)}
    assert set(
        Petition.objects.filter(pk__in=every_kind.close).values_list("status", flat=True)
    ) == {Status.CLOSED}
    # The street's official hears of each escalation, the departments of their own, the grid
    # worker of each of their reports closed.
    assert Counter(
        Notification.objects.filter(kind="petition.escalate").values_list(
            "recipient_id", "subject_id"
        )
    ) == Counter(
        [(people.official.pk, pk) for pk, _, _ in due]
        + [(people.handler.pk, pk) for pk, _, _ in due if pk in every_kind.complete]
        + [(people.handler.pk, pk) for pk in every_kind.report]
    )
    assert Counter(
        Notification.objects.filter(kind="petition.close", recipient=people.grid).values_list(
            "subject_id", flat=True
        )
    ) == Counter(every_kind.close)
    # The dashboards' rollups are a direct count.
    assert rollups.recompute() == []
    # A third sweep finds nothing left to do.
    assert totals(sweep_batches()) == dict.fromkeys((*Deadline.values, "close"), 0)
