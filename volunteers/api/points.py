"""``points/`` (the ledger and the quarterly statement), ``rewards/`` and
``redemptions/`` (积分兑换)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api import validated_query
from governance.errors import NotAllowed
from governance.ledger.api import EXPORT_PARAMETERS, ScopedListViewSet, export_responses
from orgchart.api import export_request, validated_body
from volunteers import exports, selectors, services
from volunteers.api.shared import (
    DATE_PARAMETERS,
    UNIT_PARAMETER,
    _actor,
    _context,
    _is_volunteer_account,
)
from volunteers.models import PointEntry, Redemption, Reward, Volunteer
from volunteers.serializers import (
    PointEntrySerializer,
    PointsFilterSerializer,
    RedemptionCreateSerializer,
    RedemptionFilterSerializer,
    RedemptionSerializer,
    RestockSerializer,
    RewardCreateSerializer,
    RewardFilterSerializer,
    RewardSerializer,
    StatementFilterSerializer,
    StatementRowSerializer,
    StatementTotalsSerializer,
)


class PointViewSet(ScopedListViewSet[PointEntry]):
    """The points ledger (积分): a volunteer's own lines, newest first, with the balance; staff
    read the ledgers of their area's volunteers."""

    serializer_class = PointEntrySerializer
    filter_serializer = PointsFilterSerializer
    list_parameters = [OpenApiParameter("volunteer", int), UNIT_PARAMETER, *DATE_PARAMETERS]
    export_actions = ("list", "statement")

    def get_queryset(self) -> QuerySet[PointEntry]:
        return selectors.point_entry_list_visible(user=self.request.user)

    def list(self, request: Request) -> HttpResponseBase:
        """Ledger lines; the response's ``balance`` is the whole balance of the one volunteer
        it is about (the caller's own, or ``?volunteer=``), null for several."""
        return super().list(request)

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[PointEntry]:
        return selectors.point_entry_list_visible(
            user=request.user,
            volunteer=filters.get("volunteer"),
            within=filters.get("unit"),
            since=filters.get("from"),
            until=filters.get("to"),
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[PointEntry],
    ) -> HttpResponseBase:
        return exports.point_entry_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    def list_extras(self, request: Request, filters: dict[str, Any]) -> dict[str, Any]:
        volunteer: Volunteer | None = filters.get("volunteer")
        balance = None
        if volunteer is not None or _is_volunteer_account(request.user):
            balance = selectors.points_balance_visible(user=request.user, volunteer=volunteer)
        return {"balance": balance}

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int),
            OpenApiParameter("quarter", int, enum=[1, 2, 3, 4]),
            OpenApiParameter("volunteer", int),
            OpenApiParameter("branch", int, description=gettext_lazy("A unit id.")),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(StatementRowSerializer(many=True)),
    )
    @action(detail=False, methods=["get"])
    def statement(self, request: Request) -> HttpResponseBase:
        """The quarterly statement (积分季度台账): per volunteer the balance before the quarter
        (``opening``), the points ``earned`` and ``redeemed`` in it, the ``closing`` balance
        and the service ``hours``; with ``totals``. The caller's own for a volunteer; staff:
        their area, one ``volunteer`` or one ``branch`` (a unit)."""
        filters = validated_query(request, StatementFilterSerializer)
        current = selectors.current_quarter()
        quarter = selectors.quarter_bounds(
            filters.get("year", current.year), filters.get("quarter", current.quarter)
        )
        branch = filters.get("branch")
        rows = selectors.points_statement(
            user=request.user, quarter=quarter, volunteer=filters.get("volunteer"), branch=branch
        )
        if file_format := self.export_format():
            return exports.points_statement_export(
                exports.ExportRequest(
                    user=request.user,
                    file_format=file_format,
                    reveal=self.export_reveal(),
                    within=branch,
                    filters={**filters, "year": quarter.year, "quarter": quarter.quarter},
                ),
                rows,
                quarter,
            )
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]  # rows of another model
        response = self.get_paginated_response(
            StatementRowSerializer(page, many=True, context=_context(request)).data
        )
        response.data.update(
            {
                "year": quarter.year,
                "quarter": quarter.quarter,
                "starts_on": quarter.first_day.isoformat(),
                "ends_on": quarter.last_day.isoformat(),
                "branch": branch.pk if branch else None,
                "branch_name": branch.name if branch else "",
                "totals": StatementTotalsSerializer(selectors.points_statement_totals(rows)).data,
            }
        )
        return response


# --- Rewards and redemptions -------------------------------------------------------------------


class RewardViewSet(ScopedListViewSet[Reward]):
    """The reward catalogue (积分兑换) of the caller's area and the units above it."""

    serializer_class = RewardSerializer
    filter_serializer = RewardFilterSerializer
    list_parameters = [UNIT_PARAMETER, OpenApiParameter("active", bool)]

    def get_queryset(self) -> QuerySet[Reward]:
        return selectors.reward_list_visible(user=self.request.user)

    def get_object(self) -> Reward:
        return selectors.reward_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Reward]:
        return selectors.reward_list_visible(
            user=request.user, within=filters.get("unit"), active=filters["active"]
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Reward]
    ) -> HttpResponseBase:
        return exports.reward_export(export_request(self, request, file_format, filters), rows)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(RewardSerializer(self.get_object()).data)

    @extend_schema(request=RewardCreateSerializer, responses={201: RewardSerializer})
    def create(self, request: Request) -> Response:
        """Add an item to a unit's catalogue (admins and community workers)."""
        data = validated_body(request, RewardCreateSerializer)
        reward = services.reward_create(actor=_actor(request), **data)
        reward = selectors.reward_get(user=request.user, pk=reward.pk)
        return Response(RewardSerializer(reward).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RestockSerializer, responses={200: RewardSerializer})
    @action(detail=True, methods=["post"])
    def restock(self, request: Request, pk: str) -> Response:
        """Add ``add`` items to the stock."""
        reward = self.get_object()
        data = validated_body(request, RestockSerializer)
        services.reward_restock(actor=_actor(request), reward=reward, add=data["add"])
        return Response(RewardSerializer(self.get_object()).data)


class RedemptionViewSet(ScopedListViewSet[Redemption]):
    """Redemptions (积分兑换): a volunteer's own, or those of the staff's area, newest first."""

    serializer_class = RedemptionSerializer
    filter_serializer = RedemptionFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        OpenApiParameter("volunteer", int),
        OpenApiParameter("handed_over", bool),
    ]

    def get_queryset(self) -> QuerySet[Redemption]:
        return selectors.redemption_list_visible(user=self.request.user)

    def get_object(self) -> Redemption:
        return selectors.redemption_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Redemption]:
        return selectors.redemption_list_visible(
            user=request.user,
            within=filters.get("unit"),
            volunteer=filters.get("volunteer"),
            handed_over=filters["handed_over"],
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Redemption],
    ) -> HttpResponseBase:
        return exports.redemption_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(RedemptionSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=RedemptionCreateSerializer, responses={201: RedemptionSerializer})
    def create(self, request: Request) -> Response:
        """Redeem ``quantity`` of a reward with the caller's own points (a volunteer account).
        409 when the balance or the stock does not cover it; never overdraws."""
        data = validated_body(request, RedemptionCreateSerializer)
        volunteer = services.volunteer_of(request.user)
        if volunteer is None:
            raise NotAllowed(_("Only a registered volunteer can redeem points."))
        redemption = services.redemption_create(
            actor=_actor(request),
            volunteer=volunteer,
            reward=data["reward"],
            quantity=data["quantity"],
        )
        redemption = selectors.redemption_get(user=request.user, pk=redemption.pk)
        return Response(
            RedemptionSerializer(redemption, context=_context(request)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=None, responses={200: RedemptionSerializer})
    @action(detail=True, methods=["post"], url_path="hand-over", url_name="hand-over")
    def hand_over(self, request: Request, pk: str) -> Response:
        """The community hands the reward over (admins and community workers; idempotent)."""
        redemption = self.get_object()
        services.redemption_hand_over(actor=_actor(request), redemption=redemption)
        return Response(RedemptionSerializer(self.get_object(), context=_context(request)).data)
