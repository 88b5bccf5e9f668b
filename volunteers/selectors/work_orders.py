"""Work orders (五单法): the board by stage, the deadline light, the 四公开 party identity."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import BooleanField, Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from orgchart.models import OrgUnit
from orgchart.policy import AnyUser, policy
from petitions.selectors import deadline_light
from volunteers.models import Team, WorkOrder, WorkOrderEvent, WorkOrderStatus
from volunteers.selectors.shared import _get, _is_party_member, _within

# The stages whose deadline runs (the sweep's, volunteers.sweep.DUE_STATUSES).
DUE_STATUSES = (WorkOrderStatus.ORDERED, WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED)
# The 五单 stages in their order, for boards and ledgers.
STAGE_ORDER = (
    WorkOrderStatus.ORDERED,
    WorkOrderStatus.DISPATCHED,
    WorkOrderStatus.ACCEPTED,
    WorkOrderStatus.COMPLETED,
    WorkOrderStatus.VERIFIED,
    WorkOrderStatus.CANCELLED,
)


def stage_order() -> Case:
    """The 五单 stage of a work order as a number, for ordering by stage."""
    return Case(
        *(When(status=status, then=Value(index)) for index, status in enumerate(STAGE_ORDER)),
        default=Value(len(STAGE_ORDER)),
        output_field=IntegerField(),
    )


def work_order_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    status: str = "",
    team: Team | None = None,
    overdue: bool | None = None,
    query: str = "",
    now: dt.datetime | None = None,
) -> QuerySet[WorkOrder]:
    """Work orders the user sees (a volunteer: those offered to their team or partner unit),
    newest first. Each row carries ``is_overdue`` (its deadline passed while the order is
    ordered, dispatched or accepted) and ``provider_is_party_member`` (the team's lead or
    the partner unit's contact is a party member: the 四公开 party identity)."""
    now = now or timezone.now()
    orders = (
        policy(user, WorkOrder)
        .select_related(
            "community", "team__lead__person", "partner__contact", "petition", "requested_by"
        )
        .annotate(
            is_overdue=Case(
                When(status__in=DUE_STATUSES, due_at__lte=now, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            lead_is_party_member=_is_party_member("team__lead__person_id"),
            contact_is_party_member=_is_party_member("partner__contact_id"),
        )
        .order_by("-ordered_at", "-id")
    )
    if within is not None:
        orders = orders.filter(_within("community", within))
    if status:
        orders = orders.filter(status=status)
    if team is not None:
        orders = orders.filter(team=team)
    if overdue is not None:
        orders = orders.filter(is_overdue=overdue)
    if query:
        text = query.strip()
        orders = orders.filter(Q(number=text) | Q(title__contains=text))
    return orders


def work_order_get(*, user: AnyUser, pk: Any) -> WorkOrder:
    return _get(work_order_list_visible(user=user), pk)


def work_order_events(*, work_order: WorkOrder) -> QuerySet[WorkOrderEvent]:
    """The work order's timeline (五单 steps, 督单 notes, overdue notes), oldest first."""
    return (
        WorkOrderEvent.objects.filter(work_order=work_order)
        .select_related("actor")
        .order_by("at", "id")
    )


def work_order_light(order: WorkOrder, *, now: dt.datetime) -> str | None:
    """Green, yellow (80 % of the time from dispatch, else from ordering, has passed) or red
    while the deadline runs; None without a deadline or once completed."""
    if order.status not in DUE_STATUSES:
        return None
    return deadline_light(
        started_at=order.dispatched_at or order.ordered_at, due_at=order.due_at, now=now
    )


def work_order_provider_is_party_member(order: WorkOrder) -> bool | None:
    """四公开: whether the provider's lead (team) or contact (partner unit) is a party member;
    None without a provider or without a lead or contact. Reads the list's annotations."""
    if order.team_id is not None:
        if order.team is None or order.team.lead_id is None:
            return None
        return bool(getattr(order, "lead_is_party_member", False))
    if order.partner_id is not None:
        if order.partner is None or order.partner.contact_id is None:
            return None
        return bool(getattr(order, "contact_is_party_member", False))
    return None
