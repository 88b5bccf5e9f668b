"""``work-orders/``: the 五单法 (点单 → 下单 → 接单 → completed → 验单), 督单 and the
timeline."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api import step_actions
from governance.ledger.api import ScopedListViewSet
from orgchart.api import export_request, validated_body
from volunteers import exports, selectors, services
from volunteers.api.shared import UNIT_PARAMETER, _actor, _context
from volunteers.models import WorkOrder, WorkOrderStatus
from volunteers.serializers import (
    StepNoteSerializer,
    StepOptionalNoteSerializer,
    StepReasonSerializer,
    StepSerializer,
    SuperviseSerializer,
    WorkOrderCreateSerializer,
    WorkOrderDetailSerializer,
    WorkOrderDispatchSerializer,
    WorkOrderEventSerializer,
    WorkOrderFilterSerializer,
    WorkOrderSerializer,
)


def _work_order_detail(request: Request, order_id: int, code: int = status.HTTP_200_OK) -> Response:
    order = selectors.work_order_get(user=request.user, pk=order_id)
    return Response(WorkOrderDetailSerializer(order, context=_context(request)).data, status=code)


_order_step = step_actions(
    target="work_order", answer=_work_order_detail, answer_serializer=WorkOrderDetailSerializer
)


class WorkOrderViewSet(ScopedListViewSet[WorkOrder]):
    """Work orders by the 五单法 (点单 → 下单 → 接单 → completed → 验单) in the caller's area,
    newest first. A volunteer sees those offered to their team or their partner unit."""

    serializer_class = WorkOrderSerializer
    filter_serializer = WorkOrderFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        OpenApiParameter("status", str, enum=WorkOrderStatus.values),
        OpenApiParameter("team", int),
        OpenApiParameter("overdue", bool),
        OpenApiParameter("q", str),
    ]
    clock: dict[str, Any]  # the list's serializer context, set by rows()

    def get_queryset(self) -> QuerySet[WorkOrder]:
        return selectors.work_order_list_visible(user=self.request.user)

    def get_object(self) -> WorkOrder:
        return selectors.work_order_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[WorkOrder]:
        # One clock for the overdue filter and the rows' lights.
        self.clock = _context(request)
        return selectors.work_order_list_visible(
            user=request.user,
            within=filters.get("unit"),
            status=filters.get("status", ""),
            team=filters.get("team"),
            overdue=filters["overdue"],
            query=filters.get("q", ""),
            now=self.clock["now"],
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[WorkOrder],
    ) -> HttpResponseBase:
        return exports.work_order_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return self.clock

    @extend_schema(responses={200: WorkOrderDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(
            WorkOrderDetailSerializer(self.get_object(), context=_context(request)).data
        )

    @extend_schema(request=WorkOrderCreateSerializer, responses={201: WorkOrderDetailSerializer})
    def create(self, request: Request) -> Response:
        """点单 by a community or grid worker → ``ordered``; from a petition when ``petition``
        is given (a petition becomes at most one work order)."""
        data = validated_body(request, WorkOrderCreateSerializer)
        order = services.work_order_create(actor=_actor(request), **data)
        return _work_order_detail(request, order.pk, status.HTTP_201_CREATED)

    dispatch_order = _order_step(
        services.work_order_dispatch,
        WorkOrderDispatchSerializer,
        "dispatch_order",
        "下单 to one team or one partner unit: ``ordered`` → ``dispatched``.",
        url_path="dispatch",
        url_name="dispatch",
        defaults={"team": None, "partner": None, "due_at": None},
    )
    accept = _order_step(
        services.work_order_accept,
        StepSerializer,
        "accept",
        "接单 by the team's lead or the partner unit's contact: ``dispatched`` → ``accepted``.",
    )
    complete = _order_step(
        services.work_order_complete,
        StepNoteSerializer,
        "complete",
        "The provider reports the work done: ``accepted`` → ``completed``.",
    )
    verify = _order_step(
        services.work_order_verify,
        StepOptionalNoteSerializer,
        "verify",
        "验单 by an official of the street: ``completed`` → ``verified``; the volunteer who "
        "accepted the order earns points.",
    )
    return_order = _order_step(
        services.work_order_return,
        StepReasonSerializer,
        "return_order",
        "The street sends the result back (reason required): ``completed`` → ``accepted``.",
        url_path="return",
        url_name="return",
    )
    supervise = _order_step(
        services.work_order_supervise,
        SuperviseSerializer,
        "supervise",
        "督单: a note by a supervisory committee member or an official at any open stage (no "
        "status change).",
    )
    cancel = _order_step(
        services.work_order_cancel,
        StepReasonSerializer,
        "cancel",
        "The community cancels before acceptance: ``ordered``/``dispatched`` → ``cancelled``.",
    )

    @extend_schema(responses={200: WorkOrderEventSerializer(many=True)})
    # The whole timeline at once: not paged like the list.
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request: Request, pk: str) -> Response:
        """The timeline: every step, 督单 note and overdue note, oldest first."""
        order = self.get_object()
        events = selectors.work_order_events(work_order=order)
        return Response(WorkOrderEventSerializer(events, many=True, context=_context(request)).data)
