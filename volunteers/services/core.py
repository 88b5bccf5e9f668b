"""Helpers shared by the volunteer services: checks and input cleaning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from governance.errors import ValidationFailed
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


def not_in_future(value: dt.datetime | None, now: dt.datetime, field: str) -> None:
    if value is not None and value > now + dt.timedelta(minutes=10):
        raise fail(field, _("The time cannot be in the future."))
