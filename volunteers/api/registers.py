"""The read-only registers: ``volunteers/``, ``teams/``, ``partner-units/`` and
``dual-registrations/`` (双报到)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.ledger.api import EXPORT_PARAMETERS, LedgerExportMixin, export_responses
from orgchart.api import export_request, validated_body, validated_query
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


class VolunteerViewSet(LedgerExportMixin, viewsets.GenericViewSet[Volunteer]):
    """Volunteers of the caller's area (a volunteer: their own record)."""

    serializer_class = VolunteerSerializer

    def get_queryset(self) -> QuerySet[Volunteer]:
        return selectors.volunteer_list_visible(user=self.request.user)

    def get_object(self) -> Volunteer:
        return selectors.volunteer_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("q", str),
            OpenApiParameter("skill", str, enum=Skill.values),
            OpenApiParameter("party_member", bool),
            OpenApiParameter("active", bool),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(VolunteerSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, VolunteerFilterSerializer)
        volunteers = selectors.volunteer_list_visible(
            user=request.user,
            within=filters.get("unit"),
            query=filters.get("q", ""),
            skill=filters.get("skill", ""),
            party_member=filters["party_member"],
            active=filters["active"],
        )
        if file_format := self.export_format():
            return exports.volunteer_export(
                export_request(self, request, file_format, filters), volunteers
            )
        page = self.paginate_queryset(volunteers)
        return self.get_paginated_response(
            VolunteerSerializer(page, many=True, context=_context(request)).data
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(VolunteerSerializer(self.get_object(), context=_context(request)).data)


class TeamViewSet(LedgerExportMixin, viewsets.GenericViewSet[Team]):
    """Volunteer teams (先锋队, 帮帮团, social organisations) of the caller's area; a volunteer
    sees those of their community and the units above it."""

    serializer_class = TeamSerializer

    def get_queryset(self) -> QuerySet[Team]:
        return selectors.team_list_visible(user=self.request.user)

    def get_object(self) -> Team:
        return selectors.team_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("kind", str, enum=Team.Kind.values),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(TeamSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, TeamFilterSerializer)
        teams = selectors.team_list_visible(
            user=request.user, within=filters.get("unit"), kind=filters.get("kind", "")
        )
        if file_format := self.export_format():
            return exports.team_export(export_request(self, request, file_format, filters), teams)
        page = self.paginate_queryset(teams)
        return self.get_paginated_response(
            TeamSerializer(page, many=True, context=_context(request)).data
        )

    @extend_schema(responses={200: TeamDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TeamDetailSerializer(self.get_object(), context=_context(request)).data)


class PartnerUnitViewSet(LedgerExportMixin, viewsets.GenericViewSet[PartnerUnit]):
    """Partner units (共建单位) kept by the caller's area or paired (包联) with its
    communities, with their current pairings."""

    serializer_class = PartnerUnitSerializer

    def get_queryset(self) -> QuerySet[PartnerUnit]:
        return selectors.partner_unit_list_visible(user=self.request.user)

    def get_object(self) -> PartnerUnit:
        return selectors.partner_unit_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("kind", str, enum=PartnerUnit.Kind.values),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(PartnerUnitSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, PartnerUnitFilterSerializer)
        partners = selectors.partner_unit_list_visible(
            user=request.user, within=filters.get("unit"), kind=filters.get("kind", "")
        )
        if file_format := self.export_format():
            return exports.partner_unit_export(
                export_request(self, request, file_format, filters), partners
            )
        page = self.paginate_queryset(partners)
        return self.get_paginated_response(
            PartnerUnitSerializer(page, many=True, context=_context(request)).data
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PartnerUnitSerializer(self.get_object(), context=_context(request)).data)


class DualRegistrationViewSet(LedgerExportMixin, viewsets.GenericViewSet[DualRegistration]):
    """双报到: in-service party members registered at the communities where they live, with the
    post they claimed and their employer; by community (``?unit=``) or by partner unit
    (``?partner=``). Staff only."""

    serializer_class = DualRegistrationSerializer

    def get_queryset(self) -> QuerySet[DualRegistration]:
        return selectors.dual_registration_list_visible(user=self.request.user)

    def get_object(self) -> DualRegistration:
        return selectors.dual_registration_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("partner", int),
            OpenApiParameter("current", bool),
            OpenApiParameter("post", str, enum=ServicePostKind.values),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(DualRegistrationSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, DualRegistrationFilterSerializer)
        registrations = selectors.dual_registration_list_visible(
            user=request.user,
            within=filters.get("unit"),
            partner=filters.get("partner"),
            current=filters["current"],
            post=filters.get("post", ""),
        )
        if file_format := self.export_format():
            return exports.dual_registration_export(
                export_request(self, request, file_format, filters), registrations
            )
        page = self.paginate_queryset(registrations)
        return self.get_paginated_response(
            DualRegistrationSerializer(page, many=True, context=_context(request)).data
        )

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
