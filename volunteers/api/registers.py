"""The read-only registers: ``volunteers/``, ``teams/``, ``partner-units/`` and
``dual-registrations/`` (双报到)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.ledger.api import ScopedListViewSet
from orgchart.api import export_request, validated_body
from volunteers import exports, selectors, services
from volunteers.api.shared import UNIT_PARAMETER, _actor, _context
from volunteers.models import DualRegistration, PartnerUnit, ServicePostKind, Skill, Team, Volunteer
from volunteers.serializers import (
    DualRegistrationEndSerializer,
    DualRegistrationFilterSerializer,
    DualRegistrationSerializer,
    PartnerUnitFilterSerializer,
    PartnerUnitSerializer,
    TeamDetailSerializer,
    TeamFilterSerializer,
    TeamSerializer,
    VolunteerFilterSerializer,
    VolunteerSerializer,
)


class VolunteerViewSet(ScopedListViewSet[Volunteer]):
    """Volunteers of the caller's area (a volunteer: their own record)."""

    serializer_class = VolunteerSerializer
    filter_serializer = VolunteerFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        OpenApiParameter("q", str),
        OpenApiParameter("skill", str, enum=Skill.values),
        OpenApiParameter("party_member", bool),
        OpenApiParameter("active", bool),
    ]

    def get_queryset(self) -> QuerySet[Volunteer]:
        return selectors.volunteer_list_visible(user=self.request.user)

    def get_object(self) -> Volunteer:
        return selectors.volunteer_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Volunteer]:
        return selectors.volunteer_list_visible(
            user=request.user,
            within=filters.get("unit"),
            query=filters.get("q", ""),
            skill=filters.get("skill", ""),
            party_member=filters["party_member"],
            active=filters["active"],
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Volunteer],
    ) -> HttpResponseBase:
        return exports.volunteer_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(VolunteerSerializer(self.get_object(), context=_context(request)).data)


class TeamViewSet(ScopedListViewSet[Team]):
    """Volunteer teams (先锋队, 帮帮团, social organisations) of the caller's area; a volunteer
    sees those of their community and the units above it."""

    serializer_class = TeamSerializer
    filter_serializer = TeamFilterSerializer
    list_parameters = [UNIT_PARAMETER, OpenApiParameter("kind", str, enum=Team.Kind.values)]

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list_visible(user=self.request.user)

    def get_object(self) -> Team:
        return selectors.team_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Team]:
        return selectors.team_list_visible(
            user=request.user, within=filters.get("unit"), kind=filters.get("kind", "")
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Team]
    ) -> HttpResponseBase:
        return exports.team_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    @extend_schema(responses={200: TeamDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TeamDetailSerializer(self.get_object(), context=_context(request)).data)


class PartnerUnitViewSet(ScopedListViewSet[PartnerUnit]):
    """Partner units (共建单位) kept by the caller's area or paired (包联) with its
    communities, with their current pairings."""

    serializer_class = PartnerUnitSerializer
    filter_serializer = PartnerUnitFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        OpenApiParameter("kind", str, enum=PartnerUnit.Kind.values),
    ]

    def get_queryset(self) -> QuerySet[PartnerUnit]:
        return selectors.partner_unit_list_visible(user=self.request.user)

    def get_object(self) -> PartnerUnit:
        return selectors.partner_unit_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[PartnerUnit]:
        return selectors.partner_unit_list_visible(
            user=request.user, within=filters.get("unit"), kind=filters.get("kind", "")
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[PartnerUnit],
    ) -> HttpResponseBase:
        return exports.partner_unit_export(
            export_request(self, request, file_format, filters), rows
        )

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PartnerUnitSerializer(self.get_object(), context=_context(request)).data)


class DualRegistrationViewSet(ScopedListViewSet[DualRegistration]):
    """双报到: in-service party members registered at the communities where they live, with the
    post they claimed and their employer; by community (``?unit=``) or by partner unit
    (``?partner=``). Staff only."""

    serializer_class = DualRegistrationSerializer
    filter_serializer = DualRegistrationFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        OpenApiParameter("partner", int),
        OpenApiParameter("current", bool),
        OpenApiParameter("post", str, enum=ServicePostKind.values),
    ]

    def get_queryset(self) -> QuerySet[DualRegistration]:
        return selectors.dual_registration_list_visible(user=self.request.user)

    def get_object(self) -> DualRegistration:
        return selectors.dual_registration_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[DualRegistration]:
        return selectors.dual_registration_list_visible(
            user=request.user,
            within=filters.get("unit"),
            partner=filters.get("partner"),
            current=filters["current"],
            post=filters.get("post", ""),
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[DualRegistration],
    ) -> HttpResponseBase:
        return exports.dual_registration_export(
            export_request(self, request, file_format, filters), rows
        )

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(
            DualRegistrationSerializer(self.get_object(), context=_context(request)).data
        )

    @extend_schema(
        request=DualRegistrationEndSerializer, responses={200: DualRegistrationSerializer}
    )
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End the registration (the member moved away or left in-service work); idempotent.
        Community workers and admins of the community."""
        registration = self.get_object()
        data = validated_body(request, DualRegistrationEndSerializer)
        services.dual_registration_end(
            actor=_actor(request), registration=registration, ended_on=data.get("ended_on")
        )
        return Response(
            DualRegistrationSerializer(self.get_object(), context=_context(request)).data
        )
