"""What department handlers do to a dispatch (吹哨报到, DESIGN §5, second table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.photos import check_photos
from governance.workflow import transition
from orgchart.policy import AnyUser
from petitions.calendar import deadline_after
from petitions.models import (
    Action,
    Dispatch,
    DispatchPhoto,
    DispatchRole,
    DispatchStatus,
    Petition,
    Status,
)
from petitions.notifications import notify_petition, petition_link_text, unit_staff
from petitions.services.core import _as_user, _fail, _fresh, _note
from petitions.workflows import DISPATCH_WORKFLOW, PETITION_WORKFLOW, lock_dispatch

# --- Dispatch actions (department handlers) --------------------------------------------------


def _dispatch_step(
    dispatch: Dispatch | int,
    action: str,
    *,
    actor: AnyUser | None,
    now: dt.datetime,
    expected_version: int | None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    locked: Dispatch | None = None,
) -> tuple[Dispatch, bool]:
    """One dispatch step through the workflow core; a change also moves the petition's
    version, so a petition page opened before it is stale."""
    outcome = transition(
        DISPATCH_WORKFLOW,
        dispatch,
        action,
        locked=locked,
        actor=actor,
        now=now,
        expected_version=expected_version,
        changes=changes,
        note=note,
        data=data,
    )
    if outcome.changed:
        Petition.objects.filter(pk=outcome.obj.petition_id).update(
            version=F("version") + 1, updated_at=now
        )
    return outcome.obj, outcome.changed


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
    note = _note(note, "note", required=False)
    current = lock_dispatch(dispatch.pk)
    petition = current.petition
    result, changed = _dispatch_step(
        current,
        Action.REPORT,
        locked=current,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=note,
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
            transition(
                PETITION_WORKFLOW,
                fresh,
                Action.ALL_REPORTED,
                locked=fresh,
                actor=None,
                now=now,
                rerunnable=False,
            )
    if changed:
        notify_petition(
            recipients=unit_staff(petition.handling_unit_id),
            action=Action.REPORT,
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
    result, changed = _dispatch_step(
        dispatch.pk,
        Action.RETURN,
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
        petition = result.petition
        notify_petition(
            recipients=unit_staff(petition.handling_unit_id),
            action=Action.RETURN,
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
    photos: Sequence[UploadedFile] = (),
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> Dispatch:
    """办结: the department finished its part (note required, photos of the result optional,
    checked as visit photos are): ``reported`` → ``completed``. The photos are kept with the
    completion itself: a retried request (same note, same number of photos) changes nothing
    and adds none; another note or number of photos after the step is a 409."""
    now = now or timezone.now()
    note = _note(note, "note", required=True)
    check_photos(photos)
    result, changed = _dispatch_step(
        dispatch.pk,
        Action.COMPLETE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=note,
        data={"photos": len(photos)} if photos else None,
        changes={"completed_at": now, "completion_note": note, "complete_due_at": None},
    )
    if changed:
        for photo in photos:
            DispatchPhoto.objects.create(dispatch=result, image=photo)
        petition = result.petition
        notify_petition(
            recipients=unit_staff(petition.handling_unit_id),
            action=Action.COMPLETE,
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
        unit, once the petition is closed (the workflow's guard). Rated once; the same rating again
    by the same person is a rerun."""
    now = now or timezone.now()
    if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
        raise _fail("rating", _("Rate from 1 to 5."))
    result, _changed = _dispatch_step(
        dispatch.pk,
        Action.RATE,
        actor=actor,
        now=now,
        expected_version=expected_version,
        note=_note(note, "note", required=False),
        data={"rating": rating},
        changes={"rating": rating, "rated_at": now},
    )
    return result
