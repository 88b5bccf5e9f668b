"""Helpers shared by the volunteer services: checks, the compare-and-swap core, numbers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import F
from django.utils.translation import gettext as _

from governance.errors import ConcurrentUpdate, InvalidTransition, ValidationFailed
from orgchart import policy
from orgchart.models import User
from orgchart.policy import AnyUser


def fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields={field: [message]})


def require(actor: AnyUser | None, action: str, obj: Any) -> None:
    if actor is not None:
        policy.require(actor, action, obj)


def as_user(actor: AnyUser | None) -> User | None:
    return actor if isinstance(actor, User) else None


def text(value: str | None, field: str, *, required: bool, limit: int = 4000) -> str:
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise fail(field, _("This field is required."))
    if len(cleaned) > limit:
        raise fail(field, _("At most %(limit)d characters.") % {"limit": limit})
    return cleaned


def is_rerun(events: models.QuerySet[Any], action: str, actor: AnyUser | None) -> bool:
    """Whether the latest of ``events`` is ``action`` by this very actor: a retried request.
    Another actor's request for the same action is a conflict, not a rerun (a second
    volunteer claiming a claimed wish must be told it is taken)."""
    last = events.order_by("-at", "-id").values_list("action", "actor_id").first()
    actor_id = actor.pk if isinstance(actor, User) else None
    return last is not None and last == (action, actor_id)


def compare_and_swap(
    *,
    model: type[models.Model],
    obj: Any,
    transitions: dict[str, tuple[tuple[str, ...], str | None]],
    action: str,
    labels: type[models.TextChoices],
    expected_version: int | None,
    changes: dict[str, Any],
    rerun: bool,
) -> tuple[str, bool]:
    """Move ``obj`` (read under a row lock by the caller) by ``action``: check the source
    status and version, then update where (status, version) are still those read.

    Returns (new status, changed). A rerun (``rerun``: the object's last event is this action
    by the same actor) that finds the object where the action left it is a no-op (changed
    False) instead of an error."""
    sources, target = transitions[action]
    new_status = target or obj.status
    if obj.status not in sources:
        # Before the version check: a retried request carries the version it was first sent
        # with, and must get the same answer, not a 409.
        if rerun and obj.status == new_status:
            return new_status, False
        raise InvalidTransition(
            _("Cannot be %(action)s while “%(status)s”.")
            % {"action": labels(action).label, "status": obj.get_status_display()}
        )
    if expected_version is not None and obj.version != expected_version:
        raise ConcurrentUpdate()
    updated = model._default_manager.filter(
        pk=obj.pk, status=obj.status, version=obj.version
    ).update(status=new_status, version=F("version") + 1, **changes)
    if updated != 1:
        raise ConcurrentUpdate()
    return new_status, True


def not_in_future(value: dt.datetime | None, now: dt.datetime, field: str) -> None:
    if value is not None and value > now + dt.timedelta(minutes=10):
        raise fail(field, _("The time cannot be in the future."))
