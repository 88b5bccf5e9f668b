"""The escalation sweep: the database column is the timer (DESIGN §5, STYLE 13).

Beat runs ``escalate_overdue_task`` every ``PETITION_SWEEP_SECONDS``; ``manage.py
escalate_overdue`` runs the same sweep by hand. Each deadline has its own partial index
(``petition_accept_due``, ``petition_resolve_due``, ``petition_close_due``,
``dispatch_report_due``, ``dispatch_complete_due``); the sweep reads one index at a time in due
order, in batches locked with ``SELECT … FOR UPDATE SKIP LOCKED``, so two sweepers share the
work instead of waiting for each other, and calls the idempotent service for each row. A row
whose deadline moved in the meantime is left alone by the service's compare-and-swap; a row
another sweeper already escalated hits the unique ``Escalation`` constraint. A killed worker
or a duplicate beat therefore delays an escalation by at most one sweep and never doubles it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils import timezone

from petitions.models import Deadline, Dispatch, DispatchStatus, Petition, Status
from petitions.services import petition_auto_close, petition_escalate

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass
class SweepResult:
    escalated: dict[str, int] = field(default_factory=dict)
    closed: int = 0

    @property
    def total(self) -> int:
        return sum(self.escalated.values()) + self.closed


@dataclass(frozen=True)
class _DueColumn:
    name: str
    rows: Callable[[dt.datetime], QuerySet[Model]]
    due_field: str
    act: Callable[[int, dt.datetime, dt.datetime, Model], bool]


def _petitions_due(status: tuple[str, ...] | str, due_field: str) -> Callable[..., QuerySet[Model]]:
    statuses = (status,) if isinstance(status, str) else status

    def rows(now: dt.datetime) -> QuerySet[Model]:
        return (
            Petition.objects.filter(status__in=statuses, **{f"{due_field}__lte": now})
            .order_by(due_field, "pk")
            .select_for_update(skip_locked=True)
        )

    return rows


def _dispatches_due(status: str, due_field: str) -> Callable[..., QuerySet[Model]]:
    def rows(now: dt.datetime) -> QuerySet[Model]:
        # Lock the dispatch and its petition together (the services lock the petition first;
        # taking both at once, skipping rows anyone holds, cannot deadlock with them).
        return (
            Dispatch.objects.filter(status=status, **{f"{due_field}__lte": now})
            .select_related("petition")
            .order_by(due_field, "pk")
            .select_for_update(skip_locked=True, of=("self", "petition"))
        )

    return rows


def _escalate(deadline: str) -> Callable[[int, dt.datetime, dt.datetime, Model], bool]:
    def act(pk: int, due_at: dt.datetime, now: dt.datetime, row: Model) -> bool:
        if isinstance(row, Dispatch):
            escalation = petition_escalate(
                petition_id=row.petition_id,
                deadline=deadline,
                due_at=due_at,
                dispatch_id=pk,
                now=now,
            )
        else:
            escalation = petition_escalate(
                petition_id=pk, deadline=deadline, due_at=due_at, now=now
            )
        return escalation is not None

    return act


def _close(pk: int, due_at: dt.datetime, now: dt.datetime, row: Model) -> bool:
    return petition_auto_close(petition_id=pk, due_at=due_at, now=now)


COLUMNS = (
    _DueColumn(
        Deadline.ACCEPT,
        _petitions_due(Status.SUBMITTED, "accept_due_at"),
        "accept_due_at",
        _escalate(Deadline.ACCEPT),
    ),
    _DueColumn(
        Deadline.RESOLVE,
        _petitions_due((Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS), "resolve_due_at"),
        "resolve_due_at",
        _escalate(Deadline.RESOLVE),
    ),
    _DueColumn(
        Deadline.REPORT,
        _dispatches_due(DispatchStatus.PENDING, "report_due_at"),
        "report_due_at",
        _escalate(Deadline.REPORT),
    ),
    _DueColumn(
        Deadline.COMPLETE,
        _dispatches_due(DispatchStatus.REPORTED, "complete_due_at"),
        "complete_due_at",
        _escalate(Deadline.COMPLETE),
    ),
    _DueColumn("close", _petitions_due(Status.REPLIED, "close_due_at"), "close_due_at", _close),
)


def escalate_overdue(
    *, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> SweepResult:
    """Escalate every petition and dispatch whose deadline has passed, and close replies
    nobody evaluated in time. Idempotent; safe to run from several processes at once."""
    now = now or timezone.now()
    result = SweepResult()
    for column in COLUMNS:
        done = 0
        while True:
            with transaction.atomic():
                batch = list(column.rows(now)[:batch_size])
                acted = 0
                for row in batch:
                    due_at = getattr(row, column.due_field)
                    try:
                        # Each service runs in its own savepoint: a row that fails is rolled
                        # back and logged, and the rest of the batch goes on.
                        if column.act(row.pk, due_at, now, row):
                            acted += 1
                    except Exception:
                        logger.exception("escalation sweep: %s row %s failed", column.name, row.pk)
                done += acted
            # A full batch in which nothing happened means the rest is held or already done
            # by someone else: stop rather than spin on the same rows.
            if len(batch) < batch_size or acted == 0:
                break
        if column.name == "close":
            result.closed = done
        else:
            result.escalated[column.name] = done
    if result.total:
        logger.info("escalation sweep: %s escalated, %s closed", result.escalated, result.closed)
    return result
