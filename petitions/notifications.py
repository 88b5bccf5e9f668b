"""What petitions tell people: who is told about a petition (its unit's staff, the
departments it was whistled to), the titles, and ``notify_petition``, which writes the
message through ``notifications.services.notify`` with a ``petition.<action>`` kind, the
petition as its subject and the petition's page as its link.

The kinds are the petition's actions (``Action``), registered by ``PetitionsConfig.ready``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from governance.workflow import Transitioned
from notifications import kinds
from notifications.recipients import (
    department_handlers,
    department_handlers_by_department,
    unit_staff,
    unit_staff_by_unit,
)
from notifications.services import Message, notify_many
from orgchart.models import User
from orgchart.policy import is_grid_worker_account
from petitions.models import Action, Petition

KIND_PREFIX = "petition"

__all__ = [
    "KIND_PREFIX",
    "department_handlers",
    "department_handlers_by_department",
    "notify_petition",
    "petition_kind",
    "petition_link",
    "petition_link_text",
    "petition_links",
    "petition_message",
    "register_kinds",
    "tell_the_reporter",
    "tell_the_reporters",
    "unit_staff",
    "unit_staff_by_unit",
]


def register_kinds() -> None:
    """One kind per petition action: ``petition.escalate``, ``petition.dispatch``…"""
    kinds.register_all(KIND_PREFIX, Action.choices)


def petition_kind(action: str) -> str:
    return f"{KIND_PREFIX}.{action}"


def petition_link(petition: Petition) -> str:
    return reverse("petitions:detail", args=[petition.pk])


def petition_links() -> Callable[[Petition], str]:
    """``petition_link`` for a batch: the pattern is reversed once, each link is the path
    with the petition's number in it (``reverse`` costs tens of microseconds a call, and the
    sweep links thousands of messages)."""
    marker = "2147483647"
    head, found, tail = reverse("petitions:detail", args=[int(marker)]).partition(marker)
    if not found:  # pragma: no cover - the pattern always holds the number
        return petition_link
    return lambda petition: f"{head}{petition.pk}{tail}"


def petition_message(
    *,
    recipients: Iterable[User],
    action: str,
    petition: Petition,
    title: str,
    body: str = "",
    now: dt.datetime | None = None,
    exclude: User | None = None,
    link: str | None = None,
) -> Message:
    """The message that ``action`` happened to ``petition``, for ``notify_many`` (``link``:
    the petition's page, when the caller has it from ``petition_links``)."""
    return Message(
        recipients=recipients,
        kind=petition_kind(action),
        subject=petition,
        title=title,
        body=body,
        link=link if link is not None else petition_link(petition),
        now=now,
        exclude=exclude,
    )


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
    return notify_many(
        [
            petition_message(
                recipients=recipients,
                action=action,
                petition=petition,
                title=title,
                body=body,
                now=now,
                exclude=exclude,
            )
        ]
    )


def petition_link_text(petition: Petition) -> str:
    return _("Petition %(number)s: %(title)s") % {
        "number": petition.number,
        "title": petition.title,
    }


# Where a case has got to, as its reporter hears it.
REPORTER_HEARS = frozenset({"accepted", "rejected", "dispatched", "replied", "closed"})


def _reporter_hears(record: Transitioned) -> bool:
    return (
        isinstance(record.after, Petition)
        and record.to_status != record.from_status
        and record.to_status in REPORTER_HEARS
    )


def _reporter_message(
    record: Transitioned, reporter: User | None, link: Callable[[Petition], str] = petition_link
) -> Message | None:
    petition = record.after
    if (
        reporter is None
        or not is_grid_worker_account(reporter)
        or reporter.pk == getattr(record.event, "actor_id", None)
    ):
        return None
    return petition_message(
        recipients=[reporter],
        action=record.action,
        petition=petition,
        title=_("Your report %(petition)s: %(status)s")
        % {"petition": petition_link_text(petition), "status": petition.get_status_display()},
        now=record.at,
        link=link(petition),
    )


def tell_the_reporter(record: Transitioned) -> None:
    """A grid worker hears when a case they reported moves on (accepted, not accepted,
    whistled, replied, closed): the workflow core's hook, in the step's transaction. Not when
    they took the step themselves; staff of the unit hear through their own notifications."""
    if not _reporter_hears(record):
        return
    message = _reporter_message(record, record.after.created_by)
    if message is not None:
        notify_many([message])


def tell_the_reporters(records: Sequence[Transitioned]) -> None:
    """``tell_the_reporter`` for a batch of steps (the sweep's automatic closes): the
    reporters read in one query, the messages written together."""
    heard = [record for record in records if _reporter_hears(record)]
    if not heard:
        return
    reporters = User.objects.in_bulk({record.after.created_by_id for record in heard})
    link = petition_links()
    messages = [
        _reporter_message(record, reporters.get(record.after.created_by_id), link)
        for record in heard
    ]
    notify_many([message for message in messages if message is not None])
