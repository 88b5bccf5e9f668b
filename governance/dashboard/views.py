from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.dashboard.exports import ranking_ledger
from governance.dashboard.models import RankingSnapshot
from governance.dashboard.ranking import next_month, previous_month, ranking_month, rankings
from governance.dashboard.selectors import (
    MAX_PERIOD_DAYS,
    Period,
    board_map,
    dashboard_for,
    dashboard_unit,
    this_month,
    unit_dashboard,
)
from governance.dashboard.work import my_work
from governance.ledger.export import ledger_response
from governance.replica import reads_from_replica
from orgchart.policy import role_may, uses_section
from petitions.models import Category
from petitions.selectors import newest_petitions, overdue_petitions
from volunteers.views.shared import is_volunteer, nav_for


class PeriodForm(forms.Form):
    """The period of a dashboard: two days, both included; this month when left out."""

    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("The end lies before the start."))
        elif first and last and (last - first).days >= MAX_PERIOD_DAYS:
            self.add_error("date_to", _("Choose at most three years."))
        return data

    def period(self) -> Period:
        default = this_month(timezone.localdate())
        if not self.is_valid():
            return default
        first = self.cleaned_data.get("date_from") or default.date_from
        last = self.cleaned_data.get("date_to") or max(first, default.last_day)
        if (last - first).days >= MAX_PERIOD_DAYS or last < first:
            return default
        return Period(first, last + dt.timedelta(days=1))


# The wall screen's default period: the last twelve weeks (a trend worth reading from afar).
SCREEN_WEEKS = 12


def _board_context(
    request: HttpRequest,
    pk: Any = None,
    *,
    default: Period | None = None,
    unit_page: str = "dashboard_unit",
) -> dict[str, Any]:
    """The dashboard of a unit for its page, the home page and the wall screen; the units on
    its map link to their own ``unit_page`` for the same period."""
    form = PeriodForm(request.GET)
    if default is not None and not request.GET:
        period, chosen = default, False
    else:
        period, chosen = form.period(), True
    unit = dashboard_unit(user=request.user, pk=pk)
    board = unit_dashboard(user=request.user, unit=unit, period=period)
    period_query = f"logged_from={period.date_from:%Y-%m-%d}&logged_to={period.last_day:%Y-%m-%d}"
    listed = f"{reverse('petitions:list')}?unit={unit.pk}&{period_query}"
    figures = board.petitions
    categories = dict(Category.choices)
    charts = {
        "trend": {
            "weeks": [f"{monday:%m-%d}" for monday, _tally in figures.by_week],
            "series": [
                {
                    "name": str(label),
                    "values": [getattr(tally, key) for _monday, tally in figures.by_week],
                }
                for key, label in (
                    ("received", _("Received")),
                    ("closed", _("Closed")),
                    ("overdue", _("Overdue")),
                )
            ],
        },
        "categories": {
            "labels": [str(categories[key]) for key in figures.by_category],
            "values": [tally.received for tally in figures.by_category.values()],
        },
    }
    board_query = f"date_from={period.date_from:%Y-%m-%d}&date_to={period.last_day:%Y-%m-%d}"
    # A default period that rolls on (the wall screen's) rolls on below too.
    map_query = f"?{board_query}" if chosen else ""
    return {
        "board": board,
        "charts": charts,
        "board_map": board_map(
            unit=unit,
            children=[row.unit for row in board.children],
            unit_link=lambda child: f"{reverse(unit_page, args=[child.pk])}{map_query}",
        ),
        # Each figure links to the list behind it (the petition list, same unit and period).
        "links": {
            "received": listed,
            "open": None,
            "overdue": f"{listed}&overdue=yes",
            "escalated": None,
            "repeat": f"{listed}&repeat=yes",
            "complex": f"{listed}&complex=on",
        },
        "period_form": form,
        # The same period on every figure's link to its list.
        "period_query": period_query,
        "board_query": board_query,
    }


@login_required
@reads_from_replica
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    context: dict[str, Any] = {
        "dashboard": dashboard_for(user=user),
        # Ways into the volunteer pages for staff (no query: links by role); a volunteer
        # account gets its points card instead.
        "volunteer_links": None if is_volunteer(user) else nav_for(user),
        "work": my_work(user=user),
        # The area's name links to its unit page for those who use the org pages.
        "area_links": uses_section(user, "org"),
    }
    if role_may(user, "page.dashboard", None):
        context.update(_board_context(request))
    return render(request, "dashboard/home.html", context)


@login_required
@reads_from_replica
def unit_board(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard of one unit of the user's area (drill down from the home page)."""
    context = _board_context(request, pk)
    context["nav_section"] = "home"
    return render(request, "dashboard/unit.html", context)


# --- 每月通报排队 ------------------------------------------------------------------------------


def _ranking_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    unit = dashboard_unit(user=request.user, pk=pk)
    today = timezone.localdate()
    month = ranking_month(request.GET.get("month", ""), today)
    ranked = rankings(user=request.user, unit=unit, month=month)
    return {
        "unit": unit,
        "month": month,
        "units": ranked[RankingSnapshot.Kind.UNITS],
        "departments": ranked[RankingSnapshot.Kind.DEPARTMENTS],
        "previous": previous_month(month),
        "following": next_month(month) if next_month(month) <= today.replace(day=1) else None,
        "nav_section": "home",
    }


@login_required
def ranking_page(request: HttpRequest, pk: int) -> HttpResponseBase:
    """每月通报排队 of a unit's children and of the departments that served it; ``?format=xlsx``
    exports it in the 通报 layout, ``/print/`` is the printable 通报."""
    context = _ranking_context(request, pk)
    if request.GET.get("format") == "xlsx":
        return ledger_response(ranking_ledger(context["units"]), "xlsx")
    return render(request, "dashboard/ranking.html", context)


@login_required
def ranking_print(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "dashboard/ranking_print.html", _ranking_context(request, pk))


# --- 数据大屏 ----------------------------------------------------------------------------------

SCREEN_REFRESH_SECONDS = 60
SCREEN_FEED = 8


@login_required
@reads_from_replica
def screen(request: HttpRequest, pk: int) -> HttpResponse:
    """数据大屏: a full-screen, self-refreshing view of a unit for the 综治中心's wall (1920×1080):
    big figures of the period, the weekly trend, the map of the dashboard (its units link to
    their own screens), the child units, and feeds of the newest and the overdue cases."""
    today = timezone.localdate()
    twelve_weeks = Period(
        today - dt.timedelta(days=today.weekday(), weeks=SCREEN_WEEKS - 1),
        today + dt.timedelta(days=1),
    )
    context = _board_context(request, pk, default=twelve_weeks, unit_page="dashboard_screen")
    unit = context["board"].unit
    context.update(
        {
            "refresh_seconds": SCREEN_REFRESH_SECONDS,
            "newest": newest_petitions(user=request.user, unit=unit, limit=SCREEN_FEED),
            "overdue": overdue_petitions(user=request.user, unit=unit, limit=SCREEN_FEED),
        }
    )
    return render(request, "dashboard/screen.html", context)
