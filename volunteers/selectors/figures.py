"""Volunteer figures of a unit for the dashboards, read in one query with the other apps'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef

from governance.database import scalar_count, scalar_sum
from orgchart.models import OrgUnit, PartyMember
from volunteers.models import (
    DualRegistration,
    Pairing,
    PointEntry,
    Redemption,
    Signup,
    Volunteer,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)
from volunteers.selectors.shared import _within, local_day_start

VOLUNTEER_FIGURES = "volunteers__"
ORDER_STAGES = (
    WorkOrderStatus.ORDERED,
    WorkOrderStatus.DISPATCHED,
    WorkOrderStatus.ACCEPTED,
    WorkOrderStatus.COMPLETED,
    WorkOrderStatus.VERIFIED,
)


@dataclass(frozen=True)
class UnitVolunteerFigures:
    """Volunteers and their party share, service hours, wishes posted and fulfilled, work orders
    by 五单 stage, points awarded and redeemed, current 双报到 registrations and paired partner
    units, for a unit's subtree and a period (hours, wishes and points; the rest as now)."""

    volunteers: int
    party_volunteers: int
    hours: Decimal
    wishes_posted: int
    wishes_fulfilled: int
    orders_by_stage: dict[str, int]
    points_awarded: int
    points_redeemed: int
    dual_registrations: int
    partner_units: int

    @property
    def party_share(self) -> float | None:
        return round(self.party_volunteers / self.volunteers, 4) if self.volunteers else None


def unit_volunteer_expressions(
    unit: OrgUnit, *, date_from: dt.date, date_to: dt.date
) -> dict[str, Any]:
    """The volunteer figures of ``unit``'s subtree as scalar expressions;
    ``unit_volunteer_figures`` reads them back. The caller decides whether the user sees it."""
    start, end = local_day_start(date_from), local_day_start(date_to)
    volunteers = Volunteer.objects.filter(_within("community", unit), is_active=True)
    wishes = Wish.objects.filter(
        _within("community", unit), posted_at__gte=start, posted_at__lt=end
    )
    orders = WorkOrder.objects.filter(_within("community", unit))
    prefix = VOLUNTEER_FIGURES
    expressions: dict[str, Any] = {
        f"{prefix}volunteers": scalar_count(volunteers),
        f"{prefix}party": scalar_count(
            volunteers.filter(Exists(PartyMember.objects.filter(person=OuterRef("person"))))
        ),
        f"{prefix}hours": scalar_sum(
            Signup.objects.filter(
                _within("volunteer__community", unit),
                activity__starts_at__gte=start,
                activity__starts_at__lt=end,
                cancelled_at__isnull=True,
            ),
            "hours",
        ),
        f"{prefix}wishes_posted": scalar_count(wishes),
        f"{prefix}wishes_fulfilled": scalar_count(
            wishes.filter(status__in=[WishStatus.FULFILLED, WishStatus.CONFIRMED])
        ),
        f"{prefix}points_awarded": scalar_sum(
            PointEntry.objects.filter(
                _within("volunteer__community", unit), at__gte=start, at__lt=end, points__gt=0
            ),
            "points",
        ),
        f"{prefix}points_redeemed": scalar_sum(
            Redemption.objects.filter(
                _within("volunteer__community", unit), at__gte=start, at__lt=end
            ),
            "points",
        ),
        f"{prefix}dual": scalar_count(
            DualRegistration.objects.filter(_within("community", unit), ended_on__isnull=True)
        ),
        f"{prefix}partners": scalar_count(
            Pairing.objects.filter(_within("community", unit), ended_on__isnull=True)
            .values("partner")
            .distinct()
        ),
    }
    expressions.update(
        {
            f"{prefix}stage_{stage}": scalar_count(orders.filter(status=stage))
            for stage in ORDER_STAGES
        }
    )
    return expressions


def unit_volunteer_figures(row: dict[str, Any]) -> UnitVolunteerFigures:
    prefix = VOLUNTEER_FIGURES
    return UnitVolunteerFigures(
        volunteers=row[f"{prefix}volunteers"],
        party_volunteers=row[f"{prefix}party"],
        hours=Decimal(row[f"{prefix}hours"] or 0).quantize(Decimal("0.1")),
        wishes_posted=row[f"{prefix}wishes_posted"],
        wishes_fulfilled=row[f"{prefix}wishes_fulfilled"],
        orders_by_stage={str(stage): row[f"{prefix}stage_{stage}"] for stage in ORDER_STAGES},
        points_awarded=int(row[f"{prefix}points_awarded"] or 0),
        points_redeemed=int(row[f"{prefix}points_redeemed"] or 0),
        dual_registrations=row[f"{prefix}dual"],
        partner_units=row[f"{prefix}partners"],
    )
