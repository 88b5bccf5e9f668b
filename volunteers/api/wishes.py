"""``wishes/``: the wish board (微心愿), its steps and the fulfilment photo."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api import (
    ImageRenderer,
    PrivateFileMixin,
    private_file_response,
    step_actions,
)
from governance.errors import OutOfScope
from governance.ledger.api import ScopedListViewSet
from governance.parsers import UPLOAD_PARSERS
from orgchart.api import export_request, validated_body
from volunteers import exports, selectors, services
from volunteers.api.shared import UNIT_PARAMETER, _actor, _context
from volunteers.models import Wish, WishStatus
from volunteers.serializers import (
    FulfilSerializer,
    StepOptionalNoteSerializer,
    StepOptionalReasonSerializer,
    StepReasonSerializer,
    StepSerializer,
    WishCreateSerializer,
    WishDetailSerializer,
    WishFilterSerializer,
    WishSerializer,
)


def _wish_detail(request: Request, wish_id: int, code: int = status.HTTP_200_OK) -> Response:
    wish = selectors.wish_get(user=request.user, pk=wish_id)
    return Response(WishDetailSerializer(wish, context=_context(request)).data, status=code)


_wish_step = step_actions(
    target="wish", answer=_wish_detail, answer_serializer=WishDetailSerializer
)


class WishViewSet(PrivateFileMixin, ScopedListViewSet[Wish]):
    """The wish board (微心愿) of the caller's area, newest first. Volunteers see their
    community's board, with the beneficiaries' names masked."""

    serializer_class = WishSerializer
    filter_serializer = WishFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        OpenApiParameter("status", str, enum=WishStatus.values),
        OpenApiParameter("q", str),
    ]
    parser_classes = UPLOAD_PARSERS

    def get_queryset(self) -> QuerySet[Wish]:
        return selectors.wish_list_visible(user=self.request.user)

    def get_object(self) -> Wish:
        return selectors.wish_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Wish]:
        return selectors.wish_list_visible(
            user=request.user,
            within=filters.get("unit"),
            status=filters.get("status", ""),
            query=filters.get("q", ""),
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Wish]
    ) -> HttpResponseBase:
        return exports.wish_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    @extend_schema(responses={200: WishDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(WishDetailSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=WishCreateSerializer, responses={201: WishDetailSerializer})
    def create(self, request: Request) -> Response:
        """Post a resident's wish on a community's board (community or grid workers)."""
        data = validated_body(request, WishCreateSerializer)
        wish = services.wish_post(actor=_actor(request), **data)
        return _wish_detail(request, wish.pk, status.HTTP_201_CREATED)

    claim = _wish_step(
        services.wish_claim,
        StepSerializer,
        "claim",
        "认领 by a volunteer of the wish's community: ``posted`` → ``claimed``.",
    )
    release = _wish_step(
        services.wish_release,
        StepOptionalReasonSerializer,
        "release",
        "The claimer gives the wish up: ``claimed`` → ``posted``.",
    )
    fulfil = _wish_step(
        services.wish_fulfil,
        FulfilSerializer,
        "fulfil",
        "The claimer reports it done (note required, photo optional): ``claimed`` → ``fulfilled``.",
        request_schema={
            "application/json": FulfilSerializer,
            "multipart/form-data": FulfilSerializer,
        },
    )
    confirm = _wish_step(
        services.wish_confirm,
        StepOptionalNoteSerializer,
        "confirm",
        "The community confirms: ``fulfilled`` → ``confirmed``; the claimer earns points.",
    )
    withdraw = _wish_step(
        services.wish_withdraw,
        StepReasonSerializer,
        "withdraw",
        "The community takes the wish off the board: ``posted``/``claimed`` → ``withdrawn``.",
    )

    @extend_schema(responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(
        detail=True,
        methods=["get"],
        url_path="photo",
        url_name="photo",
        renderer_classes=[JSONRenderer, ImageRenderer],
    )
    def photo(self, request: Request, pk: str) -> HttpResponseBase:
        """The fulfilment photo, for whoever sees the wish."""
        wish = self.get_object()
        if not wish.photo:
            raise OutOfScope()
        return private_file_response(wish.photo)
