"""What department handlers do to a dispatch (吹哨报到, DESIGN §5, second table)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import ConcurrentUpdate, InvalidTransition
from orgchart.policy import AnyUser
from petitions.calendar import deadline_after
from petitions.models import (
    DISPATCH_TRANSITIONS,
    Action,
    Dispatch,
    DispatchRole,
    DispatchStatus,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.notifications import notify, petition_link_text, unit_staff
from petitions.services.core import (
    _as_user,
    _fail,
    _fresh,
    _note,
    _require,
    _transition,
)

# --- Dispatch actions (department handlers) --------------------------------------------------


def _dispatch_transition(
    *,
    dispatch: Dispatch | int,
    action: str,
    actor: AnyUser | None,
    now: dt.datetime,
    expected_version: int | None,
    changes: dict[str, Any],
    note: str = "",
    data: dict[str, Any] | None = None,
) -> tuple[Dispatch, Petition, bool]:
    pk = dispatch if isinstance(dispatch, int) else dispatch.pk
    # Lock order everywhere: the petition, then its dispatches.
    petition_id = Dispatch.objects.values_list("petition_id", flat=True).get(pk=pk)
    petition = _fresh(petition_id)
    current = (
        Dispatch.objects.select_for_update(of=("self",)).select_related("department").get(pk=pk)
    )
    _require(actor, f"dispatch.{action}", current)
    sources, target = DISPATCH_TRANSITIONS[action]
    new_status = target or current.status
    if current.status not in sources:
        # Before the version check: a retried request carries the version it was first sent
        # with, and must get the same answer, not a 409.
        if current.status == new_status and action != Action.RATE:
            last = (
                PetitionEvent.objects.filter(dispatch=current)
                .order_by("-at", "-id")
                .values_list("action", flat=True)
                .first()
            )
            if last == action:
                return current, petition, False
        raise InvalidTransition(
            _("A dispatch that is “%(status)s” cannot be %(action)s.")
            % {"status": current.get_status_display(), "action": Action(action).label}
        )
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentUpdate()
    updated = Dispatch.objects.filter(
        pk=current.pk, status=current.status, version=current.version
    ).update(status=new_status, version=F("version") + 1, **changes)
    if updated != 1:
        raise ConcurrentUpdate()
    PetitionEvent.objects.create(
        petition=petition,
        dispatch=current,
        action=action,
        actor=_as_user(actor),
        at=now,
        from_status=current.status,
        to_status=new_status,
        unit_id=petition.handling_unit_id,
        note=note,
        data={"department": current.department_id, "role": current.role, **(data or {})},
    )
    Petition.objects.filter(pk=petition.pk).update(version=F("version") + 1, updated_at=now)
    return Dispatch.objects.select_related("department").get(pk=current.pk), petition, True


@transaction.atomic
def dispatch_report(
    *,
    actor: AnyUser | None,
    dispatch: Dispatch,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dispatch:
    """报到: the department acknowledges and takes responsibility: ``pending`` → ``reported``;
    its completion clock starts. When the lead has reported, the petition moves from
    ``dispatched`` to ``in_progress``."""
    now = now or timezone.now()
    petition = _fresh(Dispatch.objects.values_list("petition_id", flat=True).get(pk=dispatch.pk))
    result, petition, changed = _dispatch_transition(
        dispatch=dispatch,
        action=Action.REPORT,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=_note(note, "note", required=False),
        changes={
            "reported_at": now,
            "reported_by": _as_user(actor),
            "report_due_at": None,
            "complete_due_at": deadline_after(
                now, petition.policy.complete_within, petition.policy.complete_unit
            ),
        },
    )
    if changed and result.role == DispatchRole.LEAD:
        fresh = _fresh(petition.pk)
        pending_lead = fresh.dispatches.filter(
            role=DispatchRole.LEAD, status=DispatchStatus.PENDING
        ).exists()
        if fresh.status == Status.DISPATCHED and not pending_lead:
            _transition(
                petition=fresh,
                action=Action.ALL_REPORTED,
                actor=None,
                now=now,
                rerun_is_noop=False,
            )
    if changed:
        notify(
            recipients=unit_staff(petition.handling_unit_id),
            kind=Action.REPORT,
            petition=petition,
            title=_("%(department)s reported: %(petition)s")
            % {"department": result.department.name, "petition": petition_link_text(petition)},
            now=now,
        )
    return result


@transaction.atomic
def dispatch_return(
    *,
    actor: AnyUser | None,
    dispatch: Dispatch,
    reason: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dispatch:
    """退单: not this department's matter (reason required): ``pending`` or ``reported`` →
    ``returned``. The whistling unit is notified and may whistle another department."""
    now = now or timezone.now()
    reason = _note(reason, "reason", required=True)
    result, petition, changed = _dispatch_transition(
        dispatch=dispatch,
        action=Action.RETURN,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=reason,
        changes={
            "returned_at": now,
            "return_reason": reason,
            "report_due_at": None,
            "complete_due_at": None,
        },
    )
    if changed:
        notify(
            recipients=unit_staff(petition.handling_unit_id),
            kind=Action.RETURN,
            petition=petition,
            title=_("%(department)s returned: %(petition)s")
            % {"department": result.department.name, "petition": petition_link_text(petition)},
            body=reason,
            now=now,
        )
    return result


@transaction.atomic
def dispatch_complete(
    *,
    actor: AnyUser | None,
    dispatch: Dispatch,
    note: str,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dispatch:
    """办结: the department finished its part (note required): ``reported`` → ``completed``."""
    now = now or timezone.now()
    note = _note(note, "note", required=True)
    result, petition, changed = _dispatch_transition(
        dispatch=dispatch,
        action=Action.COMPLETE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=note,
        changes={"completed_at": now, "completion_note": note, "complete_due_at": None},
    )
    if changed:
        notify(
            recipients=unit_staff(petition.handling_unit_id),
            kind=Action.COMPLETE,
            petition=petition,
            title=_("%(department)s completed: %(petition)s")
            % {"department": result.department.name, "petition": petition_link_text(petition)},
            body=note,
            now=now,
        )
    return result


@transaction.atomic
def dispatch_rate(
    *,
    actor: AnyUser | None,
    dispatch: Dispatch,
    rating: int,
    note: str = "",
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dispatch:
    """Reverse rating (考核权倒挂, 1–5) of a completed or returned dispatch by the whistling
    unit, once the petition is closed. Rated once; the same rating again is a no-op."""
    now = now or timezone.now()
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise _fail("rating", _("Rate from 1 to 5."))
    current = Dispatch.objects.select_related("petition").get(pk=dispatch.pk)
    _require(actor, "dispatch.rate", current)
    if current.petition.status != Status.CLOSED:
        raise InvalidTransition(_("Departments are rated when the petition is closed."))
    if current.rating is not None:
        if current.rating == rating:
            return current
        raise InvalidTransition(_("This dispatch has already been rated."))
    result, _petition, _changed = _dispatch_transition(
        dispatch=current,
        action=Action.RATE,
        actor=actor,
        now=now,
        note=_note(note, "note", required=False),
        data={"rating": rating},
        expected_version=expected_version,
        changes={"rating": rating, "rated_at": now},
    )
    return result
