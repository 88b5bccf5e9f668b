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

from governance.workflow import Transitioned
from notifications import kinds
from notifications.recipients import department_handlers, unit_staff
from notifications.services import notify
from orgchart.models import User
from orgchart.policy import is_grid_worker_account
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
    "tell_the_reporter",
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


# Where a case has got to, as its reporter hears it.
REPORTER_HEARS = frozenset({"accepted", "rejected", "dispatched", "replied", "closed"})


def tell_the_reporter(record: Transitioned) -> None:
    """A grid worker hears when a case they reported moves on (accepted, not accepted,
    whistled, replied, closed): the workflow core's hook, in the step's transaction. Not when
    they took the step themselves; staff of the unit hear through their own notifications."""
    petition = record.after
    if (
        not isinstance(petition, Petition)
        or record.to_status == record.from_status
        or record.to_status not in REPORTER_HEARS
    ):
        return
    reporter = petition.created_by
    if not is_grid_worker_account(reporter) or reporter.pk == getattr(
        record.event, "actor_id", None
    ):
        return
    notify_petition(
        recipients=[reporter],
        action=record.action,
        petition=petition,
        title=_("Your report %(petition)s: %(status)s")
        % {"petition": petition_link_text(petition), "status": petition.get_status_display()},
        now=record.at,
    )
