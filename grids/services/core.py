"""Helpers shared by the grid services: the actor check, a field's error, today's date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import ValidationFailed
from orgchart import policy
from orgchart.policy import AnyUser


def _check(actor: AnyUser | None, action: str, obj: Any) -> None:
    if actor is not None:
        policy.require(actor, action, obj)


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(_("Please correct the errors below."), fields={field: [message]})


def _today() -> dt.date:
    return timezone.localdate()
