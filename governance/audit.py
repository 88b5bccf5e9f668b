"""The audit log: every business change, and every reveal or export of personal data."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.utils import timezone

from governance.models import AuditEvent

# Values never written into the audit log, whatever the model: the log must not become a
# second, unencrypted copy of personal data. The mask fragments and the birth date count too:
# first 6 + birth date + last 4 characters rebuild a whole ID number.
SECRET_FIELD_MARKERS = ("encrypted", "hash", "password", "_head", "_tail", "birth_date")


def _safe(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def audit_changes(changes: dict[str, Any]) -> dict[str, Any]:
    """The loggable part of a change: field -> new value, secrets replaced by a marker."""
    return {
        field: "***" if any(marker in field for marker in SECRET_FIELD_MARKERS) else _safe(value)
        for field, value in changes.items()
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> AuditEvent:
    """Append one audit row (in the caller's transaction: it commits or rolls back with it)."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        at=now or timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=audit_changes(changes or {}),
    )
