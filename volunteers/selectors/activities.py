"""Activities with their sign-up figures, and the sign-ups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from orgchart.models import OrgUnit
from orgchart.policy import AnyUser, policy
from volunteers.models import Activity, Signup
from volunteers.selectors.shared import HOURS, _get, _within, local_day_start


def _signup_figures(user: AnyUser) -> dict[str, Any]:
    """Per activity: places taken, people checked in, their hours, and the caller's own
    current sign-up (its id, or None)."""
    active = Signup.objects.filter(activity_id=OuterRef("pk"), cancelled_at__isnull=True).order_by()

    def total(rows: QuerySet[Signup], expression: Any, field: Any) -> Any:
        return Subquery(
            rows.values("activity_id").annotate(total=expression).values("total"),
            output_field=field,
        )

    mine = active.filter(volunteer__account_id=getattr(user, "pk", None)).values("pk")[:1]
    checked_in = active.filter(checked_in_at__isnull=False)
    return {
        "taken": Coalesce(total(active, Count("pk"), IntegerField()), 0),
        "checked_in": Coalesce(total(checked_in, Count("pk"), IntegerField()), 0),
        "total_hours": Coalesce(
            total(checked_in, Sum("hours"), HOURS), Value(Decimal("0")), output_field=HOURS
        ),
        "my_signup": Subquery(mine, output_field=IntegerField()),
    }


def activity_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    starts_from: dt.date | None = None,
    starts_to: dt.date | None = None,
) -> QuerySet[Activity]:
    """Activities the user sees (their area's and those of the units above it), latest start
    first, with ``taken``, ``checked_in``, ``total_hours`` and ``my_signup``. ``starts_from``
    and ``starts_to``: local dates, both included."""
    activities = (
        policy(user, Activity)
        .select_related("unit")
        .annotate(**_signup_figures(user))
        .order_by("-starts_at", "-id")
    )
    if within is not None:
        activities = activities.filter(_within("unit", within))
    if starts_from is not None:
        activities = activities.filter(starts_at__gte=local_day_start(starts_from))
    if starts_to is not None:
        activities = activities.filter(
            starts_at__lt=local_day_start(starts_to + dt.timedelta(days=1))
        )
    return activities


def activity_get(*, user: AnyUser, pk: Any) -> Activity:
    return _get(activity_list_visible(user=user), pk)


def signup_list_visible(
    *, user: AnyUser, activity: Activity | None = None, current: bool | None = None
) -> QuerySet[Signup]:
    """Sign-ups the user sees (a volunteer: their own; staff: their area's volunteers), in
    the order they came; ``current``: True for those not cancelled, False for cancelled."""
    signups = (
        policy(user, Signup)
        .select_related("activity", "volunteer__person", "volunteer__community")
        .order_by("activity_id", "signed_up_at", "id")
    )
    if activity is not None:
        signups = signups.filter(activity=activity)
    if current is not None:
        signups = signups.filter(cancelled_at__isnull=current)
    return signups


def signup_get(*, user: AnyUser, pk: Any) -> Signup:
    return _get(signup_list_visible(user=user), pk)
