"""Helpers shared by the petition services: checks, input cleaning, the locked read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from governance.errors import ValidationFailed
from orgchart import policy
from orgchart.models import User
from orgchart.policy import AnyUser
from petitions.models import Complexity, Petition
from petitions.workflows import lock_petition

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


def _fresh(petition: Petition | int) -> Petition:
    """The petition, locked for the rest of the transaction (see ``lock_petition``)."""
    return lock_petition(petition if isinstance(petition, int) else petition.pk)


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
