"""``wishes/``: the wish board (微心愿), its steps and the fulfilment photo."""

from __future__ import annotations

import mimetypes

from django.db.models import QuerySet
from django.http import FileResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from governance.errors import OutOfScope
from governance.ledger.api import EXPORT_PARAMETERS, LedgerExportMixin, export_responses
from grids.api import PhotoRenderer, PhotoResponseMixin
from orgchart.api import export_request, validated_body, validated_query
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


class WishViewSet(PhotoResponseMixin, LedgerExportMixin, viewsets.GenericViewSet[Wish]):
    """The wish board (微心愿) of the caller's area, newest first. Volunteers see their
    community's board, with the beneficiaries' names masked."""

    serializer_class = WishSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Wish]:
        return selectors.wish_list_visible(user=self.request.user)

    def get_object(self) -> Wish:
        return selectors.wish_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("status", str, enum=WishStatus.values),
            OpenApiParameter("q", str),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(WishSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, WishFilterSerializer)
        wishes = selectors.wish_list_visible(
            user=request.user,
            within=filters.get("unit"),
            status=filters.get("status", ""),
            query=filters.get("q", ""),
        )
        if file_format := self.export_format():
            return exports.wish_export(export_request(self, request, file_format, filters), wishes)
        page = self.paginate_queryset(wishes)
        return self.get_paginated_response(
            WishSerializer(page, many=True, context=_context(request)).data
        )

    @extend_schema(responses={200: WishDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(WishDetailSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=WishCreateSerializer, responses={201: WishDetailSerializer})
    def create(self, request: Request) -> Response:
        """Post a resident's wish on a community's board (community or grid workers)."""
        data = validated_body(request, WishCreateSerializer)
        wish = services.wish_post(actor=_actor(request), **data)
        return _wish_detail(request, wish.pk, status.HTTP_201_CREATED)

    @extend_schema(request=StepSerializer, responses={200: WishDetailSerializer})
    @action(detail=True, methods=["post"])
    def claim(self, request: Request, pk: str) -> Response:
        """认领 by a volunteer of the wish's community: ``posted`` → ``claimed``."""
        wish = self.get_object()
        data = validated_body(request, StepSerializer)
        services.wish_claim(actor=_actor(request), wish=wish, expected_version=data.get("version"))
        return _wish_detail(request, wish.pk)

    @extend_schema(request=StepOptionalReasonSerializer, responses={200: WishDetailSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str) -> Response:
        """The claimer gives the wish up: ``claimed`` → ``posted``."""
        wish = self.get_object()
        data = validated_body(request, StepOptionalReasonSerializer)
        services.wish_release(
            actor=_actor(request),
            wish=wish,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return _wish_detail(request, wish.pk)

    @extend_schema(
        request={
            "application/json": FulfilSerializer,
            "multipart/form-data": FulfilSerializer,
        },
        responses={200: WishDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def fulfil(self, request: Request, pk: str) -> Response:
        """The claimer reports it done (note required, photo optional): ``claimed`` →
        ``fulfilled``."""
        wish = self.get_object()
        data = validated_body(request, FulfilSerializer)
        services.wish_fulfil(
            actor=_actor(request),
            wish=wish,
            note=data["note"],
            photo=data.get("photo"),
            expected_version=data.get("version"),
        )
        return _wish_detail(request, wish.pk)

    @extend_schema(request=StepOptionalNoteSerializer, responses={200: WishDetailSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        """The community confirms: ``fulfilled`` → ``confirmed``; the claimer earns points."""
        wish = self.get_object()
        data = validated_body(request, StepOptionalNoteSerializer)
        services.wish_confirm(
            actor=_actor(request),
            wish=wish,
            note=data["note"],
            expected_version=data.get("version"),
        )
        return _wish_detail(request, wish.pk)

    @extend_schema(request=StepReasonSerializer, responses={200: WishDetailSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        """The community takes the wish off the board: ``posted``/``claimed`` → ``withdrawn``."""
        wish = self.get_object()
        data = validated_body(request, StepReasonSerializer)
        services.wish_withdraw(
            actor=_actor(request),
            wish=wish,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return _wish_detail(request, wish.pk)

    @extend_schema(responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(
        detail=True,
        methods=["get"],
        url_path="photo",
        url_name="photo",
        renderer_classes=[JSONRenderer, PhotoRenderer],
    )
    def photo(self, request: Request, pk: str) -> HttpResponseBase:
        """The fulfilment photo, for whoever sees the wish."""
        wish = self.get_object()
        if not wish.photo:
            raise OutOfScope()
        content_type = mimetypes.guess_type(wish.photo.name)[0] or "application/octet-stream"
        try:
            stream = wish.photo.open("rb")
        except FileNotFoundError as error:  # the row outlived its file (a restored database)
            raise OutOfScope() from error
        response = FileResponse(stream, content_type=content_type)
        response["Cache-Control"] = "private, max-age=3600"
        return response
