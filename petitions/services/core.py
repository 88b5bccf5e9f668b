"""The transition core shared by every petition and dispatch action."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import F
from django.utils.translation import gettext as _

from governance.errors import ConcurrentUpdate, InvalidTransition, ValidationFailed
from orgchart import policy
from orgchart.models import User
from orgchart.policy import AnyUser
from petitions.models import (
    PETITION_TRANSITIONS,
    Action,
    Complexity,
    Dispatch,
    Petition,
    PetitionEvent,
    Status,
)

# Same petitioner and category within this many days: a repeat (重复件).
REPEAT_WINDOW_DAYS = 90
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields={field: [message]})


def _require(actor: AnyUser | None, action: str, obj: Any) -> None:
    if actor is not None:
        policy.require(actor, action, obj)


def _as_user(actor: AnyUser | None) -> User | None:
    return actor if isinstance(actor, User) else None


# --- The transition core ---------------------------------------------------------------------


def _fresh(petition: Petition | int) -> Petition:
    pk = petition if isinstance(petition, int) else petition.pk
    # Lock the petition row alone, then read it with its unit and policy. FOR UPDATE over the
    # join would lock the unit and policy rows too, and would find no row at all when a
    # concurrent escalation moved the petition to another unit while this waited for the lock
    # (PostgreSQL rechecks the join with the new petition row and the old unit row).
    Petition.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()
    return Petition.objects.select_related("handling_unit", "policy").get(pk=pk)


def _last_event(petition: Petition) -> PetitionEvent | None:
    """The petition's latest event of its own (not one of a dispatch)."""
    return (
        PetitionEvent.objects.filter(petition=petition, dispatch__isnull=True)
        .order_by("-at", "-id")
        .first()
    )


def _last_action(petition: Petition) -> str | None:
    last = _last_event(petition)
    return last.action if last is not None else None


def _is_rerun(petition: Petition, action: str, actor: AnyUser | None, note: str) -> bool:
    """Whether the petition's latest event is this very action, by this actor, with this
    note: a retried request of an action that changes no status (supervise, extensions)."""
    last = _last_event(petition)
    actor_id = actor.pk if isinstance(actor, User) else None
    return (
        last is not None
        and last.action == action
        and last.actor_id == actor_id
        and last.note == note
    )


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def _refuse(petition: Petition, action: str) -> InvalidTransition:
    return InvalidTransition(
        _("A petition that is “%(status)s” cannot be %(action)s.")
        % {"status": _status_label(petition.status), "action": Action(action).label}
    )


@dataclass
class _Outcome:
    petition: Petition
    changed: bool


def _transition(
    *,
    petition: Petition | int,
    action: str,
    actor: AnyUser | None,
    now: dt.datetime,
    expected_version: int | None = None,
    to_status: str | None = None,
    changes: dict[str, Any] | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    dispatch: Dispatch | None = None,
    check: str | None = None,
    rerun_is_noop: bool = True,
) -> _Outcome:
    """Lock, check, compare-and-swap and log one petition action. ``check`` names the policy
    action (default ``petition.<action>``)."""
    current = _fresh(petition)
    _require(actor, check or f"petition.{action}", current)
    sources, target = PETITION_TRANSITIONS[action]
    new_status = to_status or target or current.status
    if current.status not in sources:
        # Before the version check: a retried request carries the version it was first sent
        # with, and must get the same answer, not a 409.
        if rerun_is_noop and current.status == new_status and _last_action(current) == action:
            return _Outcome(current, changed=False)
        raise _refuse(current, action)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentUpdate()
    changes = dict(changes or {})
    updated = Petition.objects.filter(
        pk=current.pk, status=current.status, version=current.version
    ).update(status=new_status, version=F("version") + 1, updated_at=now, **changes)
    if updated != 1:
        raise ConcurrentUpdate()
    unit_id = changes.get("handling_unit_id", current.handling_unit_id)
    if "handling_unit" in changes:
        unit_id = changes["handling_unit"].pk
    PetitionEvent.objects.create(
        petition=current,
        dispatch=dispatch,
        action=action,
        actor=_as_user(actor),
        at=now,
        from_status=current.status,
        to_status=new_status,
        unit_id=unit_id,
        note=note,
        data=data or {},
    )
    return _Outcome(
        Petition.objects.select_related("handling_unit", "policy").get(pk=current.pk),
        changed=True,
    )


def _note(value: str | None, field: str, *, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        raise _fail(field, _("This field is required."))
    if len(text) > 4000:
        raise _fail(field, _("At most 4,000 characters."))
    return text


def _clean_complexity(tags: Iterable[str] | None) -> str:
    values = sorted(set(tags or ()))
    unknown = [tag for tag in values if tag not in Complexity.values]
    if unknown:
        raise _fail("complexity", _("Unknown tags: %(tags)s.") % {"tags": ", ".join(unknown)})
    return ",".join(values)
