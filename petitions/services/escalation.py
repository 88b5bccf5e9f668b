"""Escalation and automatic closing, called by the sweep (petitions.sweep)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.workflow import transition
from petitions import rollups
from petitions.calendar import deadline_after
from petitions.models import (
    Action,
    Deadline,
    Dispatch,
    DispatchStatus,
    Escalation,
    Status,
)
from petitions.notifications import (
    department_handlers,
    notify_petition,
    petition_link_text,
    unit_staff,
)
from petitions.services.actions import petition_close
from petitions.services.core import _fresh
from petitions.workflows import PETITION_WORKFLOW

# --- Escalation (the sweep calls these) ------------------------------------------------------


def escalation_deadline_key(deadline: str, dispatch_id: int | None, due_at: dt.datetime) -> str:
    """What makes an escalation unique for its petition: the deadline, its dispatch, its due
    time."""
    return f"{deadline}:{dispatch_id or 0}:{due_at.astimezone(dt.UTC).isoformat()}"


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
    (compare-and-swap on status and due time).
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
        still_due = (
            dispatch.status == DispatchStatus.PENDING and dispatch.report_due_at == due_at
            if deadline == Deadline.REPORT
            else dispatch.status == DispatchStatus.REPORTED and dispatch.complete_due_at == due_at
        )
    elif deadline == Deadline.ACCEPT:
        still_due = petition.status == Status.SUBMITTED and petition.accept_due_at == due_at
    else:
        still_due = (
            petition.status in (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)
            and petition.resolve_due_at == due_at
        )
    if not still_due or due_at > now:
        return None
    from_unit = petition.handling_unit
    # Several deadlines missed in one sweep (a lead and an assist both late) move the case up
    # once: the later ones are recorded against the level the first one reached.
    moved_this_sweep = Escalation.objects.filter(petition=petition, at=now).exists()
    if moved_this_sweep:
        to_unit, level = from_unit, petition.escalation_level
    else:
        to_unit = from_unit.parent if from_unit.parent_id is not None else from_unit
        level = petition.escalation_level + 1
    assert to_unit is not None  # noqa: S101 - the root keeps the case
    try:
        with transaction.atomic():
            escalation = Escalation.objects.create(
                petition=petition,
                dispatch=dispatch,
                deadline=deadline,
                deadline_key=escalation_deadline_key(deadline, dispatch_id, due_at),
                due_at=due_at,
                level=level,
                from_unit=from_unit,
                to_unit=to_unit,
                at=now,
            )
    except IntegrityError:
        return None
    deadline_policy = petition.policy
    changes: dict[str, Any] = {
        "handling_unit": to_unit,
        "escalation_level": level,
        # The miss stays on the record: overdue against the first missed due time until the
        # case closes, and late in the on-time rates for good.
        "overdue_since": min(petition.overdue_since or due_at, due_at),
        "late_accept" if deadline == Deadline.ACCEPT else "late_resolve": True,
    }
    if deadline == Deadline.ACCEPT:
        changes["accept_due_at"] = deadline_after(
            now, deadline_policy.accept_within, deadline_policy.accept_unit
        )
        changes["clock_started_at"] = now
    elif deadline == Deadline.RESOLVE:
        changes["resolve_due_at"] = deadline_after(
            now, deadline_policy.resolve_within, deadline_policy.resolve_unit
        )
        changes["clock_started_at"] = now
    elif dispatch is not None:
        field = "report_due_at" if deadline == Deadline.REPORT else "complete_due_at"
        within, unit = (
            (deadline_policy.report_within, deadline_policy.report_unit)
            if deadline == Deadline.REPORT
            else (deadline_policy.complete_within, deadline_policy.complete_unit)
        )
        late = "late_report" if deadline == Deadline.REPORT else "late_complete"
        Dispatch.objects.filter(pk=dispatch.pk).update(
            **{field: deadline_after(now, within, unit), late: True}, version=F("version") + 1
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
        changes=changes,
        event={"dispatch": dispatch},
        data={
            "deadline": deadline,
            "due_at": due_at.isoformat(),
            "level": level,
            "from_unit": from_unit.pk,
            "to_unit": to_unit.pk,
        },
        rerunnable=False,
    )
    title = _("Escalated (level %(level)d): %(petition)s") % {
        "level": level,
        "petition": petition_link_text(outcome.obj),
    }
    notify_petition(
        recipients=unit_staff(to_unit.pk),
        action=Action.ESCALATE,
        petition=outcome.obj,
        title=title,
        now=now,
    )
    if dispatch is not None:
        notify_petition(
            recipients=department_handlers(dispatch.department_id),
            action=Action.ESCALATE,
            petition=outcome.obj,
            title=title,
            now=now,
        )
    return escalation


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
    return True
