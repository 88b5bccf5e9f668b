"""积分排行: the monthly points ranking of the viewer's area (DESIGN §8 "monthly ranking")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from governance.errors import NotAllowed
from volunteers import exports, forms, selectors
from volunteers.views.shared import (
    export_request,
    is_volunteer,
    page_base,
    volunteer_name,
)

# The page shows the first TOP places, and the viewer's own place wherever it is.
TOP = 50
# How many months the month picker offers, this one included.
MONTH_CHOICES = 12


def parse_month(value: str, today: dt.date) -> dt.date:
    """``2026-11`` (or ``2026-1``) → its first day; anything else, and a month still to come,
    → this month's."""
    this_month = today.replace(day=1)
    asked = forms.parse_month(value)
    if asked is None:
        return this_month
    return min(dt.date(*asked, 1), this_month)


@dataclass(frozen=True)
class RankingRow:
    volunteer: Any  # a Volunteer with the ranking's annotations (rank, position, ranked…)
    name: str
    rank: int
    earned: int
    hours: Decimal
    mine: bool
    after_gap: bool  # the viewer's own row, below the first TOP places


def _rows(user: Any, volunteers: list[Any]) -> list[RankingRow]:
    viewer_id = getattr(user, "pk", None)
    return [
        RankingRow(
            volunteer=volunteer,
            name=volunteer_name(user, volunteer),
            rank=volunteer.rank,
            earned=volunteer.earned,
            hours=Decimal(volunteer.hours or 0).quantize(Decimal("0.1")),
            mine=viewer_id is not None and volunteer.account_id == viewer_id,
            after_gap=volunteer.position > TOP,
        )
        for volunteer in volunteers
    ]


@login_required
def points_ranking(request: HttpRequest) -> HttpResponseBase:
    """积分排行 for ``?month=YYYY-MM`` (default and fallback: this month): the area's
    volunteers by the points they earned that month, the first 50 and the viewer's own place;
    for staff, the month per community too. ``?format=xlsx|csv`` exports the whole ranking."""
    user = request.user
    today = timezone.localdate()
    month = parse_month(request.GET.get("month", ""), today)
    export = export_request(request, {"month": f"{month:%Y-%m}"})
    if export is not None and is_volunteer(user):
        # The board is shown in the community; the ledger of it is the staff's.
        raise NotAllowed(_("Only staff export the ranking."))
    if export is not None:
        ranked, _communities = selectors.points_ranking(user=user, month=month)
        return exports.points_ranking_export(export, ranked, f"{month:%Y-%m}")
    volunteers, communities = selectors.points_ranking(user=user, month=month, top=TOP)
    rows = _rows(user, list(volunteers))
    staff = not is_volunteer(user)
    summary = list(communities) if staff else []
    this_month = today.replace(day=1)
    context = {
        **page_base(request, "ranking"),
        "month": month,
        "month_value": f"{month:%Y-%m}",
        "month_choices": [forms.shift_month(this_month, -step) for step in range(MONTH_CHOICES)],
        "previous_month": forms.shift_month(month, -1),
        "next_month": forms.shift_month(month, 1) if month < this_month else None,
        "rows": rows,
        "mine": next((row for row in rows if row.mine), None),
        "ranked": rows[0].volunteer.ranked if rows else 0,
        "is_volunteer": not staff,
        "many_communities": staff and len(summary) != 1,
        "summary": summary,
        "summary_points": sum(item["points"] for item in summary),
        "summary_volunteers": sum(item["volunteers"] for item in summary),
        "top": TOP,
    }
    return render(request, "volunteers/ranking.html", context)
