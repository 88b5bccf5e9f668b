"""What petitions tell people: who is told about a petition (its unit's staff, the
departments it was whistled to), the titles, and ``notify_petition``, which writes the
message through ``notifications.services.notify`` with a ``petition.<action>`` kind, the
petition as its subject and the petition's page as its link.

The kinds are the petition's actions (``Action``), registered by ``PetitionsConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from notifications import kinds
from notifications.recipients import department_handlers, unit_staff
from notifications.services import notify
from orgchart.models import User
from petitions.models import Action, Petition

KIND_PREFIX = "petition"

__all__ = [
    "KIND_PREFIX",
    "department_handlers",
    "notify_petition",
    "petition_kind",
    "petition_link",
    "petition_link_text",
    "register_kinds",
    "unit_staff",
]


def register_kinds() -> None:
    """One kind per petition action: ``petition.escalate``, ``petition.dispatch``…"""
    kinds.register_all(KIND_PREFIX, Action.choices)


def petition_kind(action: str) -> str:
    return f"{KIND_PREFIX}.{action}"


def petition_link(petition: Petition) -> str:
    return reverse("petitions:detail", args=[petition.pk])


def notify_petition(
    *,
    recipients: Iterable[User],
    action: str,
    petition: Petition,
    title: str,
    body: str = "",
    now: dt.datetime | None = None,
    exclude: User | None = None,
) -> int:
    """Tell ``recipients`` that ``action`` happened to ``petition`` (not the actor who caused
    it, ``exclude``). In the caller's transaction."""
    return notify(
        recipients=recipients,
        kind=petition_kind(action),
        subject=petition,
        title=title,
        body=body,
        link=petition_link(petition),
        now=now,
        exclude=exclude,
    )


def petition_link_text(petition: Petition) -> str:
    return _("Petition %(number)s: %(title)s") % {
        "number": petition.number,
        "title": petition.title,
    }
