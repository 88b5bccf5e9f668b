"""Escalation and automatic closing, called by the sweep (petitions.sweep).

Each comes twice over the same plan: for one row (``petition_escalate``,
``petition_auto_close``: reads and locks the row itself, one ``transition``), and for a batch
of rows the sweep has locked (``petitions_escalate``, ``petitions_auto_close``: one
``transition_many``, a constant number of queries whatever the batch's size). Both write the
same rows: escalations, the petition's and the dispatch's new clocks, event rows, rollups and
notifications.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.database import insert_new, update_each
from governance.workflow import BatchMoved, Step, transition, transition_many
from notifications.services import Message, notify_many
from orgchart.models import OrgUnit
from petitions import rollups
from petitions.calendar import calendar_for_clocks, deadline_after
from petitions.models import (
    Action,
    Deadline,
    DeadlinePolicy,
    Dispatch,
    DispatchStatus,
    Escalation,
    Petition,
    Status,
    TimeUnit,
)
from petitions.notifications import (
    department_handlers,
    department_handlers_by_department,
    notify_petition,
    petition_link_text,
    petition_links,
    petition_message,
    unit_staff,
    unit_staff_by_unit,
)
from petitions.services.actions import close_changes, petition_close
from petitions.services.core import _fresh
from petitions.workflows import PETITION_WORKFLOW

logger = logging.getLogger(__name__)

# --- What an escalation writes ----------------------------------------------------------------


@dataclass(frozen=True)
class Due:
    """One missed deadline as the sweep read it: the petition (with its deadline policy) and,
    for a department's deadline, the dispatch, both locked by the caller."""

    petition: Petition
    deadline: str
    due_at: dt.datetime
    dispatch: Dispatch | None = None


def escalation_deadline_key(deadline: str, dispatch_id: int | None, due_at: dt.datetime) -> str:
    """What makes an escalation unique for its petition: the deadline, its dispatch, its due
    time."""
    return f"{deadline}:{dispatch_id or 0}:{due_at.astimezone(dt.UTC).isoformat()}"


def _still_due(due: Due, now: dt.datetime) -> bool:
    """The deadline is still the one that was due, on the rows as they are held."""
    if due.due_at > now:
        return False
    petition, dispatch = due.petition, due.dispatch
    if due.deadline == Deadline.REPORT:
        return (
            dispatch is not None
            and dispatch.status == DispatchStatus.PENDING
            and dispatch.report_due_at == due.due_at
        )
    if due.deadline == Deadline.COMPLETE:
        return (
            dispatch is not None
            and dispatch.status == DispatchStatus.REPORTED
            and dispatch.complete_due_at == due.due_at
        )
    if due.deadline == Deadline.ACCEPT:
        return petition.status == Status.SUBMITTED and petition.accept_due_at == due.due_at
    return (
        petition.status in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
        and petition.resolve_due_at == due.due_at
    )


def _clock(policy: DeadlinePolicy, deadline: str) -> tuple[int, str]:
    """The amount and unit of the clock a missed ``deadline`` starts again."""
    clocks: dict[str, tuple[int, str]] = {
        Deadline.ACCEPT: (policy.accept_within, policy.accept_unit),
        Deadline.RESOLVE: (policy.resolve_within, policy.resolve_unit),
        Deadline.REPORT: (policy.report_within, policy.report_unit),
        Deadline.COMPLETE: (policy.complete_within, policy.complete_unit),
    }
    return clocks[deadline]


@dataclass(frozen=True)
class _Plan:
    """What escalating one missed deadline writes."""

    due: Due
    escalation: Escalation
    changes: dict[str, Any]  # the petition's
    dispatch_changes: dict[str, Any]  # the dispatch's (empty for the petition's own clocks)
    data: dict[str, Any]  # the event's details

    @property
    def key(self) -> tuple[int, str]:
        return (self.due.petition.pk, self.escalation.deadline_key)

    def title(self) -> str:
        return _("Escalated (level %(level)d): %(petition)s") % {
            "level": self.escalation.level,
            "petition": petition_link_text(self.due.petition),
        }


def _plan(
    due: Due, *, to_unit_id: int, level: int, now: dt.datetime, next_due: dt.datetime
) -> _Plan:
    """升级 of one missed deadline: the case moves to ``to_unit_id`` at ``level``, the missed
    clock starts again at ``now`` and runs out at ``next_due``, the miss stays on the record."""
    petition, dispatch, deadline, due_at = due.petition, due.dispatch, due.deadline, due.due_at
    changes: dict[str, Any] = {
        "handling_unit_id": to_unit_id,
        "escalation_level": level,
        # The miss stays on the record: overdue against the first missed due time until the
        # case closes, and late in the on-time rates for good.
        "overdue_since": min(petition.overdue_since or due_at, due_at),
        "late_accept" if deadline == Deadline.ACCEPT else "late_resolve": True,
    }
    dispatch_changes: dict[str, Any] = {}
    if deadline == Deadline.ACCEPT:
        changes.update(accept_due_at=next_due, clock_started_at=now)
    elif deadline == Deadline.RESOLVE:
        changes.update(resolve_due_at=next_due, clock_started_at=now)
    elif deadline == Deadline.REPORT:
        dispatch_changes = {"report_due_at": next_due, "late_report": True}
    else:
        dispatch_changes = {"complete_due_at": next_due, "late_complete": True}
    dispatch_id = dispatch.pk if dispatch is not None else None
    escalation = Escalation(
        petition=petition,
        dispatch=dispatch,
        deadline=deadline,
        deadline_key=escalation_deadline_key(deadline, dispatch_id, due_at),
        due_at=due_at,
        level=level,
        from_unit_id=petition.handling_unit_id,
        to_unit_id=to_unit_id,
        at=now,
    )
    data = {
        "deadline": deadline,
        "due_at": due_at.isoformat(),
        "level": level,
        "from_unit": petition.handling_unit_id,
        "to_unit": to_unit_id,
    }
    return _Plan(due, escalation, changes, dispatch_changes, data)


def _target(petition: Petition, parent_id: int | None, moved_this_sweep: bool) -> tuple[int, int]:
    """(unit, level) the case escalates to. Several deadlines missed in one sweep (a lead and
    an assist both late) move it up once: the later ones are recorded against the level the
    first one reached. The root keeps the case; its level still rises."""
    if moved_this_sweep:
        return petition.handling_unit_id, petition.escalation_level
    return parent_id or petition.handling_unit_id, petition.escalation_level + 1


# --- One row ----------------------------------------------------------------------------------


@transaction.atomic
def petition_escalate(
    *,
    petition_id: int,
    deadline: str,
    due_at: dt.datetime,
    dispatch_id: int | None = None,
    now: dt.datetime | None = None,
) -> Escalation | None:
    """升级: a missed deadline moves the case to the parent unit (the root keeps it; several
    deadlines missed in the same sweep move it once), raises the escalation level, sets a new
    deadline for the missed step and notifies the new unit's staff (and the late department).
    Idempotent: one ``Escalation`` per (petition, deadline, dispatch, due time), enforced by a
    unique constraint, and nothing happens unless the deadline is still the one that was due
    (compare-and-swap on status and due time). Reads and locks the rows itself; the sweep
    takes its batches through ``petitions_escalate``.
    Returns the escalation, or None when there was nothing (more) to do."""
    now = now or timezone.now()
    petition = _fresh(petition_id)
    dispatch = None
    if deadline in (Deadline.REPORT, Deadline.COMPLETE):
        if dispatch_id is None:
            return None
        dispatch = Dispatch.objects.select_for_update().filter(pk=dispatch_id).first()
        if dispatch is None:
            return None
    due = Due(petition=petition, deadline=deadline, due_at=due_at, dispatch=dispatch)
    if not _still_due(due, now):
        return None
    moved_this_sweep = Escalation.objects.filter(petition=petition, at=now).exists()
    to_unit_id, level = _target(petition, petition.handling_unit.parent_id, moved_this_sweep)
    next_due = deadline_after(now, *_clock(petition.policy, deadline))
    plan = _plan(due, to_unit_id=to_unit_id, level=level, now=now, next_due=next_due)
    try:
        with transaction.atomic():
            plan.escalation.save(force_insert=True)
    except IntegrityError:
        return None
    if dispatch is not None:
        Dispatch.objects.filter(pk=dispatch.pk).update(
            **plan.dispatch_changes, version=F("version") + 1
        )
        rollups.dispatch_changed(
            dispatch,
            Dispatch.objects.get(pk=dispatch.pk),
            community_id=petition.community_id,
        )
    outcome = transition(
        PETITION_WORKFLOW,
        petition,
        Action.ESCALATE,
        locked=petition,
        actor=None,
        now=now,
        changes=plan.changes,
        event={"dispatch": dispatch},
        data=plan.data,
        rerunnable=False,
    )
    notify_petition(
        recipients=unit_staff(to_unit_id),
        action=Action.ESCALATE,
        petition=outcome.obj,
        title=plan.title(),
        now=now,
    )
    if dispatch is not None:
        notify_petition(
            recipients=department_handlers(dispatch.department_id),
            action=Action.ESCALATE,
            petition=outcome.obj,
            title=plan.title(),
            now=now,
        )
    return plan.escalation


@transaction.atomic
def petition_auto_close(
    *, petition_id: int, due_at: dt.datetime, now: dt.datetime | None = None
) -> bool:
    """Close a reply nobody evaluated within the policy's days (the sweep). Idempotent."""
    now = now or timezone.now()
    petition = _fresh(petition_id)
    if petition.status != Status.REPLIED or petition.close_due_at != due_at or due_at > now:
        return False
    petition_close(actor=None, petition=petition, reason="", now=now)
    _log_closed(petition.number)
    return True


def _log_closed(number: str) -> None:
    """One line per reply closed by the sweep, with the petition's number as a field."""
    logger.info(
        "escalation sweep: %s closed (not evaluated in time)", number, extra={"petition": number}
    )


# --- A batch ----------------------------------------------------------------------------------


class _Moved(Exception):
    """Rows of the round moved since they were read: undo the round, take it without them."""

    def __init__(self, petition_ids: set[int]) -> None:
        super().__init__(petition_ids)
        self.petition_ids = petition_ids


def _rounds(dues: Sequence[Due]) -> tuple[list[Due], list[Due]]:
    """The first due of each petition (in the batch's order), and the rest: a petition with
    two departments late is escalated twice, one step after the other, as row by row."""
    first: list[Due] = []
    rest: list[Due] = []
    seen: set[int] = set()
    for due in dues:
        (rest if due.petition.pk in seen else first).append(due)
        seen.add(due.petition.pk)
    return first, rest


def _escalate_round(
    dues: Sequence[Due], now: dt.datetime
) -> tuple[list[Escalation], dict[int, Petition]]:
    """One round of a batch (each petition once), in the caller's savepoint: the escalations
    written and the petitions as they are now. Raises ``_Moved`` when rows moved since they
    were read; the caller undoes the savepoint."""
    petitions = {due.petition.pk: due.petition for due in dues}
    parents = dict(
        OrgUnit.objects.filter(
            pk__in={petition.handling_unit_id for petition in petitions.values()}
        ).values_list("pk", "parent_id")
    )
    moved_this_sweep = set(
        Escalation.objects.filter(petition_id__in=petitions, at=now).values_list(
            "petition_id", flat=True
        )
    )
    # Every clock of the batch starts now: one calendar, and each kind of clock computed once.
    clocks = {_clock(due.petition.policy, due.deadline) for due in dues}
    longest = max(
        (within for within, unit in clocks if unit == TimeUnit.WORKING_DAYS), default=None
    )
    calendar = calendar_for_clocks(now, longest) if longest is not None else None
    next_due = {clock: deadline_after(now, *clock, calendar=calendar) for clock in clocks}
    plans = []
    for due in dues:
        petition = due.petition
        to_unit_id, level = _target(
            petition, parents.get(petition.handling_unit_id), petition.pk in moved_this_sweep
        )
        plans.append(
            _plan(
                due,
                to_unit_id=to_unit_id,
                level=level,
                now=now,
                next_due=next_due[_clock(petition.policy, due.deadline)],
            )
        )
    # Exactly once: the unique (petition, deadline key) decides which escalations are new; a
    # deadline another sweeper has escalated meanwhile is left alone.
    new = {
        (petition_id, key): pk
        for pk, petition_id, key in insert_new(
            Escalation,
            [plan.escalation for plan in plans],
            unique=("petition", "deadline_key"),
            returning=("id", "petition", "deadline_key"),
        )
    }
    plans = [plan for plan in plans if plan.key in new]
    for plan in plans:
        plan.escalation.pk = new[plan.key]
    # A department's clock: the dispatch's new due time and late flag, compare-and-swapped on
    # the status and version it was read with, before the petition's step (the lock order).
    whistles = [(plan, plan.due.dispatch) for plan in plans if plan.due.dispatch is not None]
    if whistles:
        updated = update_each(
            Dispatch,
            [
                (
                    {"id": dispatch.pk, "status": dispatch.status, "version": dispatch.version},
                    plan.dispatch_changes,
                )
                for plan, dispatch in whistles
            ],
            increment=("version",),
        )
        moved = {plan.due.petition.pk for plan, dispatch in whistles if dispatch.pk not in updated}
        if moved:
            raise _Moved(moved)
        changes = rollups.Changes()
        for plan, dispatch in whistles:
            changes.dispatch(
                dispatch,
                _changed(dispatch, plan.dispatch_changes),
                community_id=plan.due.petition.community_id,
            )
        changes.apply()
    try:
        batch = transition_many(
            PETITION_WORKFLOW,
            [
                Step(
                    obj=plan.due.petition,
                    changes=plan.changes,
                    data=plan.data,
                    event={"dispatch": plan.due.dispatch},
                )
                for plan in plans
            ],
            Action.ESCALATE,
            now=now,
            all_or_none=True,
        )
    except BatchMoved as moved_rows:
        raise _Moved({step.obj.pk for step in moved_rows.left_alone}) from None
    after = {outcome.obj.pk: outcome.obj for outcome in batch.done}
    staff = unit_staff_by_unit(plan.escalation.to_unit_id for plan in plans)
    handlers = department_handlers_by_department(
        dispatch.department_id for _plan, dispatch in whistles
    )
    link = petition_links()
    messages: list[Message] = []
    for plan in plans:
        petition = after[plan.due.petition.pk]
        messages.append(
            petition_message(
                recipients=staff.get(plan.escalation.to_unit_id, []),
                action=Action.ESCALATE,
                petition=petition,
                title=plan.title(),
                now=now,
                link=link(petition),
            )
        )
        if plan.due.dispatch is not None:
            messages.append(
                petition_message(
                    recipients=handlers.get(plan.due.dispatch.department_id, []),
                    action=Action.ESCALATE,
                    petition=petition,
                    title=plan.title(),
                    now=now,
                    link=link(petition),
                )
            )
    notify_many(messages)
    return [plan.escalation for plan in plans], after


def _changed(dispatch: Dispatch, changes: dict[str, Any]) -> Dispatch:
    """The dispatch as the batch's UPDATE leaves it, without reading it again."""
    after = copy.copy(dispatch)
    for name, value in changes.items():
        setattr(after, name, value)
    after.version = dispatch.version + 1
    return after


def petitions_escalate(*, dues: Sequence[Due], now: dt.datetime) -> list[Escalation]:
    """``petition_escalate`` for a batch of missed deadlines the caller (the sweep) has read
    and locked, in a constant number of queries per batch: one parent lookup, one calendar,
    one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` of the escalations (exactly once: a
    deadline escalated meanwhile is left alone), one compare-and-swap ``UPDATE`` of the
    dispatches and one of the petitions (``transition_many``), the event rows, the rollups and
    the notifications each in one statement. A row that moved since it was read (a user acted
    in between) is left alone, and the rest escalated without it; a petition with two
    departments late is taken twice, as the row-by-row path takes it. Returns the escalations
    written."""
    pending = [due for due in dues if _still_due(due, now)]
    escalated: list[Escalation] = []
    while pending:
        first, rest = _rounds(pending)
        try:
            with transaction.atomic():
                written, after = _escalate_round(first, now)
        except _Moved as moved:
            # Undone: take the round again without the rows that moved (a later sweep finds
            # them as they are now, if they are still due).
            pending = [due for due in pending if due.petition.pk not in moved.petition_ids]
            continue
        escalated += written
        pending = [replace(due, petition=after.get(due.petition.pk, due.petition)) for due in rest]
    return escalated


def petitions_auto_close(
    *, replies: Sequence[tuple[Petition, dt.datetime]], now: dt.datetime
) -> int:
    """``petition_auto_close`` for a batch of (petition, close due time) the sweep has read
    and locked: one ``transition_many``, a constant number of queries. A row that moved since
    it was read is left alone. Returns how many were closed."""
    due = [
        petition
        for petition, due_at in replies
        if petition.status == Status.REPLIED and petition.close_due_at == due_at and due_at <= now
    ]
    batch = transition_many(
        PETITION_WORKFLOW,
        [Step(obj=petition, changes=close_changes(now)) for petition in due],
        Action.CLOSE,
        now=now,
    )
    for outcome in batch.done:
        _log_closed(outcome.obj.number)
    return len(batch.done)
