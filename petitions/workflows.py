"""The petition and dispatch workflows, declared on the one workflow core
(``governance.workflow``): their tables (``petitions.models``), the guards that narrow an
action beyond the table, and how the policy is asked. The services take every step through
``transition``; the pages and the API ask ``available_actions`` of the same declarations."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from governance.workflow import Workflow
from orgchart import policy
from orgchart.selectors import account_place
from petitions.models import (
    DISPATCH_ACTIONS,
    DISPATCH_TRANSITIONS,
    OPEN_DISPATCH_STATUSES,
    PETITION_ACTIONS,
    PETITION_TRANSITIONS,
    REOPEN_WITHIN_DAYS,
    Action,
    Dispatch,
    DispatchRole,
    ExtensionState,
    Petition,
    PetitionEvent,
    Status,
)


@dataclass(frozen=True)
class PetitionFacts:
    """What the petition guards read beyond the row: its dispatches."""

    dispatches: list[Dispatch]

    @property
    def any_open(self) -> bool:
        return any(dispatch.status in OPEN_DISPATCH_STATUSES for dispatch in self.dispatches)

    @property
    def lead_working(self) -> bool:
        return any(
            dispatch.role == DispatchRole.LEAD and dispatch.status in OPEN_DISPATCH_STATUSES
            for dispatch in self.dispatches
        )


def petition_facts(petition: Petition) -> PetitionFacts:
    return PetitionFacts(list(Dispatch.objects.filter(petition_id=petition.pk)))


def lock_petition(pk: int) -> Petition:
    # Lock the petition row alone, then read it with its unit and policy. FOR UPDATE over the
    # join would lock the unit and policy rows too, and would find no row at all when a
    # concurrent escalation moved the petition to another unit while this waited for the lock
    # (PostgreSQL rechecks the join with the new petition row and the old unit row).
    Petition.objects.select_for_update().filter(pk=pk).values_list("pk", flat=True).get()
    return read_petition(pk)


def read_petition(pk: int) -> Petition:
    return Petition.objects.select_related("handling_unit", "policy", "created_by").get(pk=pk)


def _petition_event_fields(petition: Petition, changes: dict[str, Any]) -> dict[str, Any]:
    unit_id = changes.get("handling_unit_id", petition.handling_unit_id)
    if "handling_unit" in changes:
        unit_id = changes["handling_unit"].pk
    return {"petition": petition, "unit_id": unit_id}


def _start_guard(petition: Petition, facts: PetitionFacts, now: dt.datetime) -> str | None:
    if petition.status == Status.DISPATCHED and facts.lead_working:
        return _("A lead department is working on it: wait for its result.")
    return None


def _reply_guard(petition: Petition, facts: PetitionFacts, now: dt.datetime) -> str | None:
    if facts.any_open:
        return _("Departments are still working on it: wait for their results.")
    return None


def _reopen_guard(petition: Petition, facts: PetitionFacts, now: dt.datetime) -> str | None:
    if petition.closed_at is not None and now - petition.closed_at > dt.timedelta(
        days=REOPEN_WITHIN_DAYS
    ):
        return _("A petition can be reopened within %(days)d days of closing.") % {
            "days": REOPEN_WITHIN_DAYS
        }
    return None


def _request_extension_guard(
    petition: Petition, facts: PetitionFacts, now: dt.datetime
) -> str | None:
    if petition.extension_state == ExtensionState.APPROVED:
        return _("This petition has already been extended once.")
    if petition.extension_state == ExtensionState.REQUESTED:
        return _("An extension request is waiting for a decision.")
    if petition.policy.max_extension == 0:
        return _("This petition's deadline policy allows no extension.")
    return None


def _decide_extension_guard(
    petition: Petition, facts: PetitionFacts, now: dt.datetime
) -> str | None:
    if petition.extension_state != ExtensionState.REQUESTED:
        return _("There is no extension request to decide.")
    return None


def _permitted(user: Any, obj: Any, actions: list[str]) -> set[str]:
    return policy.actions_for(user, obj, actions)


PETITION_WORKFLOW: Workflow[Petition] = Workflow(
    name="petition",
    model=Petition,
    event_model=PetitionEvent,
    transitions=PETITION_TRANSITIONS,
    action_labels=Action,
    authorize=policy.require,
    permitted=_permitted,
    events_of=lambda petition: PetitionEvent.objects.filter(
        petition_id=petition.pk, dispatch__isnull=True
    ),
    event_fields=_petition_event_fields,
    lock=lock_petition,
    reload=read_petition,
    actor_place=account_place,
    guards={
        Action.START: _start_guard,
        Action.REPLY: _reply_guard,
        Action.REOPEN: _reopen_guard,
        Action.REQUEST_EXTENSION: _request_extension_guard,
        Action.DECIDE_EXTENSION: _decide_extension_guard,
    },
    facts=petition_facts,
    annotations=frozenset({Action.SUPERVISE, Action.TAG_COMPLEX, Action.ESCALATE}),
    user_actions=(*PETITION_ACTIONS, Action.TAG_COMPLEX),
    touch=lambda now: {"updated_at": now},
)


def lock_dispatch(pk: int) -> Dispatch:
    # Lock order everywhere: the petition, then its dispatches.
    petition_id = Dispatch.objects.values_list("petition_id", flat=True).get(pk=pk)
    Petition.objects.select_for_update().filter(pk=petition_id).values_list("pk").get()
    Dispatch.objects.select_for_update().filter(pk=pk).values_list("pk").get()
    return read_dispatch(pk)


def read_dispatch(pk: int) -> Dispatch:
    return Dispatch.objects.select_related(
        "department", "petition", "petition__policy", "petition__handling_unit"
    ).get(pk=pk)


def _dispatch_event_fields(dispatch: Dispatch, changes: dict[str, Any]) -> dict[str, Any]:
    return {
        "petition_id": dispatch.petition_id,
        "dispatch": dispatch,
        "unit_id": dispatch.petition.handling_unit_id,
        "data": {"department": dispatch.department_id, "role": dispatch.role},
    }


def _rate_guard(dispatch: Dispatch, facts: Any, now: dt.datetime) -> str | None:
    if dispatch.petition.status != Status.CLOSED:
        return _("Departments are rated when the petition is closed.")
    if dispatch.rating is not None:
        return _("This dispatch has already been rated.")
    return None


def _dispatch_events(dispatch: Dispatch) -> QuerySet[PetitionEvent]:
    return PetitionEvent.objects.filter(dispatch_id=dispatch.pk)


DISPATCH_WORKFLOW: Workflow[Dispatch] = Workflow(
    name="dispatch",
    model=Dispatch,
    event_model=PetitionEvent,
    transitions=DISPATCH_TRANSITIONS,
    action_labels=Action,
    authorize=policy.require,
    permitted=_permitted,
    events_of=_dispatch_events,
    event_fields=_dispatch_event_fields,
    lock=lock_dispatch,
    reload=read_dispatch,
    actor_place=account_place,
    guards={Action.RATE: _rate_guard},
    annotations=frozenset({Action.ESCALATE}),
    user_actions=DISPATCH_ACTIONS,
)
