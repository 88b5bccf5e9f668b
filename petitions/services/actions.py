"""What unit staff and officials do to a petition (DESIGN §5, first table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import ValidationFailed
from governance.workflow import transition
from orgchart import policy
from orgchart.models import Department
from orgchart.policy import AnyUser
from petitions import rollups
from petitions.calendar import deadline_after, extend_deadline
from petitions.models import (
    OPEN_DISPATCH_STATUSES,
    SATISFIED_LEVELS,
    Action,
    Dispatch,
    DispatchRole,
    DispatchStatus,
    ExtensionState,
    Petition,
    Satisfaction,
    Status,
)
from petitions.notifications import (
    department_handlers,
    notify_petition,
    petition_link_text,
    unit_staff,
)
from petitions.services.core import (
    _as_user,
    _clean_complexity,
    _fail,
    _fresh,
    _note,
    _require,
)
from petitions.workflows import PETITION_WORKFLOW

# --- Unit staff actions ----------------------------------------------------------------------


@transaction.atomic
def petition_accept(
    *,
    actor: AnyUser | None,
    petition: Petition,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """受理: ``submitted`` → ``accepted``. The accept clock stops; the resolve clock starts.
    Only now may the acceptance notice (受理告知书) be printed."""
    now = now or timezone.now()
    current = _fresh(petition)
    return transition(
        PETITION_WORKFLOW,
        current,
        Action.ACCEPT,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=_note(note, "note", required=False),
        changes={
            "accepted_at": now,
            "accept_due_at": None,
            "resolve_due_at": deadline_after(
                now, current.policy.resolve_within, current.policy.resolve_unit
            ),
            "clock_started_at": now,
        },
    ).obj


@transaction.atomic
def petition_reject(
    *,
    actor: AnyUser | None,
    petition: Petition,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """不予受理: ``submitted`` → ``rejected`` with a reason (required). Final."""
    now = now or timezone.now()
    reason = _note(reason, "reason", required=True)
    return transition(
        PETITION_WORKFLOW,
        petition,
        Action.REJECT,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=reason,
        changes={"reject_reason": reason, "accept_due_at": None, "closed_at": now},
    ).obj


@transaction.atomic
def petition_start(
    *,
    actor: AnyUser | None,
    petition: Petition,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """自办: ``accepted`` → ``in_progress``, the unit handles it itself. Also from
    ``dispatched`` once no lead department is working on it (its lead returned it, 退单), so
    a case whose departments all declined is not stuck waiting for another whistle (the
    workflow's guard)."""
    now = now or timezone.now()
    return transition(
        PETITION_WORKFLOW,
        petition,
        Action.START,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=_note(note, "note", required=False),
    ).obj


@transaction.atomic
def petition_dispatch(
    *,
    actor: AnyUser | None,
    petition: Petition,
    lead: Department | None,
    assists: Sequence[Department] = (),
    instructions: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """吹哨: summon departments (one lead 主办, any assists 协办) with a report deadline.

    From ``accepted``, ``dispatched`` or ``in_progress`` → ``dispatched``. A lead is needed
    unless an open lead dispatch exists (then only assists are added); a department with an
    open dispatch on this petition is not summoned twice. Repeating the same whistle is a
    no-op. The departments' handlers are notified. Assists added after the lead reported
    leave the case ``in_progress`` (the automatic move follows at once).
    """
    now = now or timezone.now()
    current = _fresh(petition)
    departments = ([lead] if lead is not None else []) + list(assists)
    if not departments:
        raise _fail("lead", _("Choose the lead department."))
    if len({department.pk for department in departments}) != len(departments):
        raise _fail("assists", _("A department is summoned once."))
    open_dispatches = {
        item.department_id: item
        for item in current.dispatches.filter(status__in=OPEN_DISPATCH_STATUSES)
    }
    open_lead = any(item.role == DispatchRole.LEAD for item in open_dispatches.values())
    wanted = [(department, DispatchRole.LEAD) for department in departments[:1] if lead] + [
        (department, DispatchRole.ASSIST) for department in assists
    ]
    if all(
        department.pk in open_dispatches and open_dispatches[department.pk].role == role
        for department, role in wanted
    ):
        _require(actor, "petition.dispatch", current)
        # No version check: a retried request carries the version it was first sent with.
        return current  # the same whistle again
    errors: dict[str, list[str]] = {}
    if lead is None and not open_lead:
        errors["lead"] = [_("Choose the lead department.")]
    if lead is not None and open_lead:
        errors["lead"] = [_("A lead department is already working on this petition.")]
    busy = [department.name for department, _role in wanted if department.pk in open_dispatches]
    if busy:
        errors["assists"] = [
            _("Already summoned and not yet done: %(names)s.") % {"names": "、".join(busy)}
        ]
    inactive = [department.name for department, _role in wanted if not department.is_active]
    if inactive:
        errors["lead"] = [_("Inactive departments: %(names)s.") % {"names": "、".join(inactive)}]
    if errors:
        _require(actor, "petition.dispatch", current)
        raise ValidationFailed(_("Please correct the errors below."), fields=errors)
    if actor is not None:
        for department in departments:
            policy.require(actor, "department.view", department)
    instructions = _note(instructions, "instructions", required=False)
    # Not rerunnable by the core: the same whistle is recognised above by the open dispatches;
    # whistling a department again after it returned the case is a new step.
    outcome = transition(
        PETITION_WORKFLOW,
        current,
        Action.DISPATCH,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=instructions,
        data={
            "departments": [
                {"department": department.pk, "role": str(role)} for department, role in wanted
            ]
        },
        rerunnable=False,
    )
    deadline_policy = current.policy
    report_due = deadline_after(now, deadline_policy.report_within, deadline_policy.report_unit)
    created = Dispatch.objects.bulk_create(
        [
            Dispatch(
                petition=current,
                department=department,
                role=role,
                instructions=instructions,
                dispatched_by=_as_user(actor) or current.created_by,
                dispatched_at=now,
                report_due_at=report_due,
            )
            for department, role in wanted
        ]
    )
    for dispatch in created:
        rollups.dispatch_changed(None, dispatch, community_id=current.community_id)
    if not Dispatch.objects.filter(
        petition=current, role=DispatchRole.LEAD, status=DispatchStatus.PENDING
    ).exists():
        # Only assists were added and the lead has already reported: every lead has reported,
        # so the case moves on at once (it would otherwise wait for a report that never comes).
        outcome = transition(
            PETITION_WORKFLOW,
            current.pk,
            Action.ALL_REPORTED,
            actor=None,
            now=now,
            rerunnable=False,
        )
    for dispatch in created:
        notify_petition(
            recipients=department_handlers(dispatch.department_id),
            action=Action.DISPATCH,
            petition=outcome.obj,
            title=_("Whistle: %(petition)s") % {"petition": petition_link_text(outcome.obj)},
            body=instructions,
            now=now,
        )
    return outcome.obj


@transaction.atomic
def petition_reply(
    *,
    actor: AnyUser | None,
    petition: Petition,
    reply: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """答复: ``in_progress`` → ``replied`` once every dispatch is completed or returned (the
    workflow's guard). The resolve clock stops; a reply nobody evaluates closes after the
    policy's days."""
    now = now or timezone.now()
    reply = _note(reply, "reply", required=True)
    current = _fresh(petition)
    return transition(
        PETITION_WORKFLOW,
        current,
        Action.REPLY,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=reply,
        changes={
            "reply": reply,
            "replied_at": now,
            "resolve_due_at": None,
            "close_due_at": now + dt.timedelta(days=current.policy.close_after_reply_days),
        },
    ).obj


@transaction.atomic
def petition_evaluate(
    *,
    actor: AnyUser | None,
    petition: Petition,
    satisfaction: str,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """回访: record the petitioner's evaluation of the reply.

    Satisfied or basically satisfied: ``replied`` → ``closed``. Unsatisfied: ``replied`` →
    ``accepted`` with a new resolve clock; it no longer counts as resolved the first time.
    """
    now = now or timezone.now()
    if satisfaction not in Satisfaction.values:
        raise _fail("satisfaction", _("Not a valid choice."))
    current = _fresh(petition)
    satisfied = satisfaction in SATISFIED_LEVELS
    changes: dict[str, Any] = {"satisfaction": satisfaction, "close_due_at": None}
    if satisfied:
        changes["closed_at"] = now
        to_status = Status.CLOSED
    else:
        to_status = Status.ACCEPTED
        changes.update(
            unsatisfied_count=F("unsatisfied_count") + 1,
            resolve_due_at=deadline_after(
                now, current.policy.resolve_within, current.policy.resolve_unit
            ),
            clock_started_at=now,
        )
    return transition(
        PETITION_WORKFLOW,
        current,
        Action.EVALUATE,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        to_status=to_status,
        note=_note(note, "note", required=False),
        data={"satisfaction": satisfaction},
        changes=changes,
    ).obj


@transaction.atomic
def petition_close(
    *,
    actor: AnyUser | None,
    petition: Petition,
    reason: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """Close a replied petition without an evaluation (the petitioner cannot be reached, or
    the sweep after the policy's days): ``replied`` → ``closed``."""
    now = now or timezone.now()
    return transition(
        PETITION_WORKFLOW,
        petition,
        Action.CLOSE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=_note(reason, "reason", required=actor is not None),
        changes=close_changes(now),
    ).obj


def close_changes(now: dt.datetime) -> dict[str, object]:
    """What closing a replied petition writes besides its status (staff, or the sweep)."""
    return {"closed_at": now, "close_due_at": None}


@transaction.atomic
def petition_reopen(
    *,
    actor: AnyUser | None,
    petition: Petition,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """复查: ``closed`` → ``accepted`` within 30 days of closing (the workflow's guard); a new
    resolve clock."""
    now = now or timezone.now()
    reason = _note(reason, "reason", required=True)
    current = _fresh(petition)
    return transition(
        PETITION_WORKFLOW,
        current,
        Action.REOPEN,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=reason,
        changes={
            "reopen_count": F("reopen_count") + 1,
            "closed_at": None,
            # A new round: its own clock decides whether it is overdue (the late flags stay).
            "overdue_since": None,
            "satisfaction": "",
            "resolve_due_at": deadline_after(
                now, current.policy.resolve_within, current.policy.resolve_unit
            ),
            "clock_started_at": now,
        },
    ).obj


@transaction.atomic
def petition_supervise(
    *,
    actor: AnyUser | None,
    petition: Petition,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """督办: an official above the handling unit flags the case and leaves a note (no status
    change). The handling unit's staff are notified. The same note again by the same official,
    while it is the latest supervision, is a rerun."""
    now = now or timezone.now()
    note = _note(note, "note", required=True)
    outcome = transition(
        PETITION_WORKFLOW,
        petition,
        Action.SUPERVISE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=note,
        changes={"is_supervised": True},
    )
    if outcome.changed:
        notify_petition(
            recipients=unit_staff(outcome.obj.handling_unit_id),
            action=Action.SUPERVISE,
            petition=outcome.obj,
            title=_("Supervised: %(petition)s") % {"petition": petition_link_text(outcome.obj)},
            body=note,
            now=now,
        )
    return outcome.obj


@transaction.atomic
def petition_request_extension(
    *,
    actor: AnyUser | None,
    petition: Petition,
    amount: int,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """延期申请: the handling unit asks its parent for more time to resolve (in the policy's
    unit, at most its limit). One approved extension per petition; one request waits at a
    time (the workflow's guard)."""
    now = now or timezone.now()
    reason = _note(reason, "reason", required=True)
    current = _fresh(petition)
    limit = current.policy.max_extension
    if limit and not 1 <= amount <= limit:
        _require(actor, "petition.request_extension", current)
        raise _fail(
            "amount",
            _("Ask for 1 to %(limit)d %(unit)s.")
            % {"limit": limit, "unit": current.policy.get_extension_unit_display()},
        )
    return transition(
        PETITION_WORKFLOW,
        current,
        Action.REQUEST_EXTENSION,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=reason,
        data={"amount": amount, "unit": current.policy.extension_unit},
        changes={
            "extension_state": ExtensionState.REQUESTED,
            "extension_amount": amount,
            "extension_reason": reason,
        },
    ).obj


@transaction.atomic
def petition_decide_extension(
    *,
    actor: AnyUser | None,
    petition: Petition,
    approve: bool,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """An official of the handling unit's parent approves (the resolve deadline moves once, by
    the amount asked) or refuses a pending extension request."""
    now = now or timezone.now()
    note = _note(note, "note", required=not approve)
    current = _fresh(petition)
    decided = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    changes: dict[str, Any] = {"extension_state": decided}
    if approve and current.resolve_due_at is not None:
        changes["resolve_due_at"] = extend_deadline(
            current.resolve_due_at, current.extension_amount, current.policy.extension_unit
        )
    outcome = transition(
        PETITION_WORKFLOW,
        current,
        Action.DECIDE_EXTENSION,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=note,
        data={"approved": approve},
        changes=changes,
    )
    if outcome.changed:
        notify_petition(
            recipients=unit_staff(outcome.obj.handling_unit_id),
            action=Action.DECIDE_EXTENSION,
            petition=outcome.obj,
            title=(
                _("Extension approved: %(petition)s")
                if approve
                else _("Extension refused: %(petition)s")
            )
            % {"petition": petition_link_text(outcome.obj)},
            body=note,
            now=now,
            exclude=_as_user(actor),
        )
    return outcome.obj


@transaction.atomic
def petition_tag_complex(
    *,
    actor: AnyUser | None,
    petition: Petition,
    tags: Iterable[str],
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Petition:
    """Tag (or untag, with no tags) an open case as complex 疑难复杂 for the monthly review.
    The same tags again are a no-op."""
    now = now or timezone.now()
    value = _clean_complexity(tags)
    current = _fresh(petition)
    if value == current.complexity:
        _require(actor, "petition.tag_complex", current)
        return current
    return transition(
        PETITION_WORKFLOW,
        current,
        Action.TAG_COMPLEX,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        data={"tags": value.split(",") if value else []},
        changes={"complexity": value},
    ).obj
