"""``GET /api/dashboard/?unit=&from=&to=``: the figures of the dashboard page as JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from governance.api import validated_query
from governance.dashboard.ranking import rankings
from governance.dashboard.selectors import (
    MAX_PERIOD_DAYS,
    Period,
    UnitDashboard,
    dashboard_unit,
    this_month,
    unit_dashboard,
)
from governance.dashboard.views import ranking_month
from governance.replica import replica_reads
from orgchart.models import OrgUnit
from petitions.models import Category, Channel


class DashboardQuerySerializer(serializers.Serializer[Any]):
    """``unit`` (default: the top of the caller's area), ``from`` and ``to`` (days, both
    included; default: this month)."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        return {
            "unit": serializers.IntegerField(required=False, min_value=1),
            "from": serializers.DateField(required=False),
            "to": serializers.DateField(required=False),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        default = this_month(timezone.localdate())
        first = attrs.get("from") or default.date_from
        last = attrs.get("to") or (
            default.last_day if "from" not in attrs else max(first, timezone.localdate())
        )
        if last < first:
            raise serializers.ValidationError({"to": [_("The end lies before the start.")]})
        if (last - first).days >= MAX_PERIOD_DAYS:
            raise serializers.ValidationError(
                {"to": [_("Choose at most three years.")]}  # one point a week on the trend
            )
        attrs["period"] = Period(first, last + dt.timedelta(days=1))
        return attrs


def _unit(unit: OrgUnit) -> dict[str, Any]:
    return {"id": unit.pk, "name": unit.name, "kind": unit.kind}


def dashboard_json(board: UnitDashboard) -> dict[str, Any]:
    figures = board.petitions
    categories = dict(Category.choices)
    channels = dict(Channel.choices)
    grids = board.grids
    volunteers = board.volunteers
    return {
        "unit": _unit(board.unit),
        "path": [_unit(unit) for unit in board.path],
        "period": {"from": board.period.date_from, "to": board.period.last_day},
        "generated_at": board.generated_at,
        "petitions": {
            **figures.total.as_dict(),
            "by_category": [
                {"category": key, "label": str(categories[key]), **tally.as_dict()}
                for key, tally in figures.by_category.items()
            ],
            "by_channel": [
                {"channel": key, "label": str(channels[key]), **tally.as_dict()}
                for key, tally in figures.by_channel.items()
            ],
            "by_week": [
                {
                    "week": monday,
                    "received": tally.received,
                    "closed": tally.closed,
                    "overdue": tally.overdue,
                }
                for monday, tally in figures.by_week
            ],
            "departments": [row.as_dict() for row in figures.departments],
        },
        "children": [{**_unit(row.unit), **row.tally.as_dict()} for row in board.children],
        "grids": {
            "grids_by_kind": grids.grids_by_kind,
            "households": grids.households,
            "residents": grids.residents,
            "households_per_grid": grids.households_per_grid,
            "visited_30": grids.visited_30,
            "visited_90": grids.visited_90,
            "coverage_30": grids.coverage_30,
            "coverage_90": grids.coverage_90,
            "care_residents": grids.care_residents,
            "staff": grids.staff,
            "party_staff": grids.party_staff,
            "party_staff_share": grids.party_staff_share,
            "party_staff_target": grids.party_staff_target,
        },
        "organisation": {
            "ratings": board.org.ratings,
            "a_share": board.org.a_share,
            "a_target": board.org.a_target,
            "weak": board.org.weak,
            "party_members_by_status": board.org.members_by_status,
            "dual_registered": board.org.dual_registered,
        },
        "volunteers": {
            "volunteers": volunteers.volunteers,
            "party_volunteers": volunteers.party_volunteers,
            "party_share": volunteers.party_share,
            "hours": str(volunteers.hours),
            "wishes_posted": volunteers.wishes_posted,
            "wishes_fulfilled": volunteers.wishes_fulfilled,
            "work_orders_by_stage": volunteers.orders_by_stage,
            "points_awarded": volunteers.points_awarded,
            "points_redeemed": volunteers.points_redeemed,
            "dual_registrations": volunteers.dual_registrations,
            "partner_units": volunteers.partner_units,
        },
        "consultations": {
            "topics_by_stage": board.consultations.by_stage,
            "solicited": board.consultations.solicited,
            "decisions_published": board.consultations.decisions_published,
            "results_published": board.consultations.results_published,
            "meetings_held": board.consultations.meetings_held,
            "compounds": board.consultations.compounds,
            "five_haves_compounds": board.consultations.five_haves,
            "five_haves_share": board.consultations.five_haves_share,
            "projects_in_progress": board.consultations.projects_in_progress,
            "projects_completed": board.consultations.projects_completed,
        },
    }


class DashboardView(APIView):
    """The dashboard of a unit in the caller's area (officials, admins, community workers):
    petition figures from the rollups (响应率, 解决率, 满意率, 一次性化解率, on-time rates, by
    category, channel and week, per child unit and per department) and grid figures."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", OpenApiTypes.INT, description="default: your area"),
            OpenApiParameter("from", OpenApiTypes.DATE, description="first day (default: 1st)"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="last day, included"),
        ],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="the figures"),
            400: OpenApiResponse(description="a malformed unit or period"),
            403: OpenApiResponse(description="a role without dashboards"),
            404: OpenApiResponse(description="a unit outside your area"),
        },
    )
    def get(self, request: Request) -> Response:
        query = validated_query(request, DashboardQuerySerializer)
        with replica_reads():
            unit = dashboard_unit(user=request.user, pk=query.get("unit"))
            board = unit_dashboard(user=request.user, unit=unit, period=query["period"])
            return Response(dashboard_json(board))


class RankingQuerySerializer(serializers.Serializer[Any]):
    unit = serializers.IntegerField(required=False, min_value=1)
    month = serializers.RegexField(
        r"^\d{4}-\d{1,2}$", required=False, help_text=_("e.g. 2026-11; default: last month")
    )


class RankingView(APIView):
    """每月通报排队 of a unit's children and of the departments that served it, for a month (a
    month that has ended is frozen: the same rows every time)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[RankingQuerySerializer],
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="the two rankings"),
            400: OpenApiResponse(description="a malformed unit or month"),
            403: OpenApiResponse(description="a role without dashboards"),
            404: OpenApiResponse(description="a unit outside your area"),
        },
    )
    def get(self, request: Request) -> Response:
        query = validated_query(request, RankingQuerySerializer)
        unit = dashboard_unit(user=request.user, pk=query.get("unit"))
        month = ranking_month(query.get("month", ""), timezone.localdate())
        ranked = rankings(user=request.user, unit=unit, month=month)
        return Response(
            {
                "unit": _unit(unit),
                "month": f"{month:%Y-%m}",
                **{
                    kind: {
                        "frozen_at": ranking.frozen_at,
                        "weights": ranking.weights,
                        "rows": ranking.rows,
                    }
                    for kind, ranking in ranked.items()
                },
            }
        )
