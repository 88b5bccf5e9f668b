"""What waits for a user on the home page: the community's wishes to confirm and work orders to
dispatch; a volunteer's claimed wishes, their team's waiting work orders and next activity."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q

from orgchart.models import OrgUnit, User
from orgchart.policy import AnyUser, policy
from volunteers.models import (
    Activity,
    Signup,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)


def community_volunteer_work(*, user: AnyUser, unit: OrgUnit) -> dict[str, int]:
    """Wishes fulfilled and waiting for the community's confirmation, work orders ordered and
    waiting to be dispatched (two queries)."""
    wishes = (
        policy(user, Wish)
        .filter(community=unit)
        .aggregate(to_confirm=Count("pk", filter=Q(status=WishStatus.FULFILLED)))
    )
    orders = (
        policy(user, WorkOrder)
        .filter(community=unit)
        .aggregate(to_dispatch=Count("pk", filter=Q(status=WorkOrderStatus.ORDERED)))
    )
    return {"wishes_to_confirm": wishes["to_confirm"], "orders_to_dispatch": orders["to_dispatch"]}


@dataclass(frozen=True)
class VolunteerWork:
    claimed_wishes: int
    team_orders_waiting: int
    next_activity: Activity | None


def volunteer_work(*, user: AnyUser, now: dt.datetime) -> VolunteerWork:
    """A volunteer account's wishes in hand (claimed, not yet fulfilled), the work orders
    offered to their team and not yet accepted or done, and the next activity they signed up
    for (three queries; nothing for an account with no volunteer record)."""
    if not isinstance(user, User):
        return VolunteerWork(0, 0, None)
    claimed = policy(user, Wish).filter(status=WishStatus.CLAIMED, claimed_by__account=user).count()
    waiting = (
        policy(user, WorkOrder)
        .filter(status__in=[WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED])
        .count()
    )
    signed = Signup.objects.filter(
        volunteer__account=user, cancelled_at__isnull=True, activity__starts_at__gte=now
    ).values("activity_id")
    next_activity = policy(user, Activity).filter(pk__in=signed).order_by("starts_at", "id").first()
    return VolunteerWork(claimed, waiting, next_activity)
