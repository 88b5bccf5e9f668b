"""REST endpoints for grids, their staff, households, residents and visits (DESIGN §7).

Reads go through ``grids.selectors`` (scoped by ``orgchart.policy``: a row outside the caller's
scope is a 404), writes through one ``grids.services`` function each (403 when the role may not
act, 400 with field messages for bad input). Every list also answers ``?format=xlsx|csv``
through ``grids.exports``, with the same rows as the JSON list.

* ``grids/`` (+ ``{id}/staff/`` GET list, POST appoint; ``share/?unit=`` the party-member share
  of current staff), ``grid-staff/{id}/`` (+ ``end/``)
* ``households/`` (+ ``{id}/move/``)
* ``residents/`` (+ ``{id}/move-out/``, ``{id}/reveal-restricted/``, audited)
* ``visits/`` (append-only: no update or delete; + ``{id}/photos/{photo_id}/``, the image)
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api import (
    ImageRenderer,
    PrivateFileMixin,
    private_file_response,
    validated_query,
)
from governance.errors import OutOfScope, ValidationFailed
from governance.ledger.api import EXPORT_PARAMETERS, ScopedListViewSet, export_responses
from governance.parsers import UPLOAD_PARSERS
from grids import exports, selectors, services
from grids.models import (
    TARGET_PARTY_SHARE,
    Grid,
    GridStaff,
    Household,
    Resident,
    ResidentCareTag,
    Visit,
)
from grids.serializers import (
    SEPARATION_CHOICES,
    GridCreateSerializer,
    GridDetailSerializer,
    GridFilterSerializer,
    GridSerializer,
    GridStaffAppointSerializer,
    GridStaffEndSerializer,
    GridStaffFilterSerializer,
    GridStaffSerializer,
    GridUpdateSerializer,
    HouseholdCreateSerializer,
    HouseholdDetailSerializer,
    HouseholdFilterSerializer,
    HouseholdMoveSerializer,
    HouseholdSerializer,
    HouseholdUpdateSerializer,
    ResidentCreateSerializer,
    ResidentFilterSerializer,
    ResidentMoveOutSerializer,
    ResidentSerializer,
    ResidentUpdateSerializer,
    RestrictedTagsSerializer,
    ShareFilterSerializer,
    StaffShareSerializer,
    VisitCreateSerializer,
    VisitDetailSerializer,
    VisitFilterSerializer,
    VisitSerializer,
)
from orgchart.api import export_request, validated_body
from orgchart.models import User
from orgchart.policy import AnyUser

UNIT_PARAMETER = OpenApiParameter(
    "unit", int, description=_("Only rows inside this unit's subtree.")
)
GRID_PARAMETER = OpenApiParameter("grid", int, description=_("Only rows of this grid."))


def _actor(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - IsAuthenticated guarantees a real user
    return user


def _share_data(share: selectors.StaffShare) -> dict[str, Any]:
    return {
        "staff": share.staff,
        "party_members": share.party_members,
        "share": None if share.share is None else round(share.share, 4),
        "target": TARGET_PARTY_SHARE,
        "meets_target": share.meets_target,
    }


# --- Grids -----------------------------------------------------------------------------------


class GridViewSet(ScopedListViewSet[Grid]):
    """Grids in the caller's scope (a grid worker: the grids they staff), with household and
    staff counts, the party-member share of the staff and the last visit."""

    serializer_class = GridSerializer
    filter_serializer = GridFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        OpenApiParameter("kind", str, enum=Grid.Kind.values),
        OpenApiParameter("q", str, description=_("Name or grid code.")),
        OpenApiParameter("mine", bool, description=_("Only the grids I currently staff.")),
    ]
    export_actions = ("list", "staff")

    def get_queryset(self) -> QuerySet[Grid]:
        return selectors.grid_list_visible(user=self.request.user)

    def get_object(self) -> Grid:
        return selectors.grid_get(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, grid: Grid, code: int = status.HTTP_200_OK) -> Response:
        grid = selectors.grid_get(user=self.request.user, pk=grid.pk)
        context = self.get_serializer_context()
        return Response(GridDetailSerializer(grid, context=context).data, status=code)

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Grid]:
        return selectors.grid_list_visible(
            user=request.user,
            within=filters.get("unit"),
            kind=filters.get("kind", ""),
            query=filters.get("q", ""),
            mine=filters["mine"],
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Grid]
    ) -> HttpResponseBase:
        return exports.grid_export(export_request(self, request, file_format, filters), rows)

    @extend_schema(responses={200: GridDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(GridDetailSerializer(self.get_object(), context={"request": request}).data)

    @extend_schema(request=GridCreateSerializer, responses={201: GridDetailSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, GridCreateSerializer)
        grid = services.grid_create(actor=request.user, **data)
        return self._detail(grid, status.HTTP_201_CREATED)

    @extend_schema(request=GridUpdateSerializer, responses={200: GridDetailSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        grid = self.get_object()
        data = validated_body(request, GridUpdateSerializer)
        grid = services.grid_update(actor=request.user, grid=grid, **data)
        return self._detail(grid)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "current",
                bool,
                description=_("true: current terms (default); false: ended terms; empty: both."),
            ),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(GridStaffSerializer(many=True)),
    )
    @action(detail=True, methods=["get"])
    def staff(self, request: Request, pk: str) -> HttpResponseBase:
        """The grid's staff (网格长 first), current terms unless ``?current=`` says otherwise."""
        grid = self.get_object()
        filters = validated_query(request, GridStaffFilterSerializer)
        # The rows name their grid: joined here rather than fetched once per row.
        staff = selectors.grid_staff_list(
            user=request.user, grid=grid, current=filters["current"]
        ).select_related("grid")
        if file_format := self.export_format():
            logged = {"grid": grid, **filters}
            return exports.grid_staff_export(
                export_request(self, request, file_format, logged), staff
            )
        page = self.paginate_queryset(staff)  # type: ignore[arg-type] # staff, paged like grids
        return self.get_paginated_response(
            GridStaffSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(request=GridStaffAppointSerializer, responses={201: GridStaffSerializer})
    @staff.mapping.post
    def appoint_staff(self, request: Request, pk: str) -> Response:
        """Appoint a person to work the grid (as its 网格长 with ``role=head``), optionally
        linking their grid worker account, which then sees the grid."""
        grid = self.get_object()
        data = validated_body(request, GridStaffAppointSerializer)
        staff = services.grid_staff_appoint(actor=request.user, grid=grid, **data)
        staff = selectors.grid_staff_get(user=request.user, pk=staff.pk)
        return Response(
            GridStaffSerializer(staff, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[OpenApiParameter("unit", int, description=_("Grids inside this subtree."))],
        responses={200: StaffShareSerializer},
    )
    @action(detail=False, methods=["get"])
    def share(self, request: Request) -> Response:
        """网格员党员占比: party members among the current staff of every grid the caller sees
        (in ``?unit=``'s subtree), against the target of 60 %."""
        filters = validated_query(request, ShareFilterSerializer)
        share = selectors.grid_staff_share(user=request.user, within=filters.get("unit"))
        return Response(StaffShareSerializer(_share_data(share)).data)


class GridStaffViewSet(viewsets.GenericViewSet[GridStaff]):
    """One term of a grid worker (listed under ``grids/{id}/staff/``); ``end/`` ends it."""

    serializer_class = GridStaffSerializer

    def get_queryset(self) -> QuerySet[GridStaff]:
        return GridStaff.objects.none()  # rows are reached through get_object() only

    def get_object(self) -> GridStaff:
        return selectors.grid_staff_get(user=self.request.user, pk=self.kwargs["pk"])

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=GridStaffEndSerializer, responses={200: GridStaffSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End the term (today unless ``ended_on``); the account no longer sees the grid.
        Ending an ended term changes nothing."""
        staff = self.get_object()
        data = validated_body(request, GridStaffEndSerializer)
        services.grid_staff_end(actor=request.user, staff=staff, ended_on=data.get("ended_on"))
        return Response(self.get_serializer(self.get_object()).data)


# --- Households ------------------------------------------------------------------------------


class HouseholdViewSet(ScopedListViewSet[Household]):
    """Households (户/房屋) in the caller's scope, by grid and address."""

    serializer_class = HouseholdSerializer
    filter_serializer = HouseholdFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        GRID_PARAMETER,
        OpenApiParameter("tenure", str, enum=Household.Tenure.values),
        OpenApiParameter(
            "q",
            str,
            description=_(
                "Address or room, or a resident's name, pinyin initials or the visible "
                "digits of their ID."
            ),
        ),
    ]

    def get_queryset(self) -> QuerySet[Household]:
        return selectors.household_list_visible(user=self.request.user)

    def get_object(self) -> Household:
        return selectors.household_get(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, household: Household, code: int = status.HTTP_200_OK) -> Response:
        user = self.request.user
        household = selectors.household_get(user=user, pk=household.pk)
        residents = selectors.resident_list_visible(user=user, household=household)
        context = {
            **self.get_serializer_context(),
            "residents": residents,
            "today": timezone.localdate(),
        }
        return Response(HouseholdDetailSerializer(household, context=context).data, status=code)

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Household]:
        return selectors.household_list_visible(
            user=request.user,
            within=filters.get("unit"),
            grid=filters.get("grid"),
            tenure=filters.get("tenure", ""),
            query=filters.get("q", ""),
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Household],
    ) -> HttpResponseBase:
        return exports.household_export(export_request(self, request, file_format, filters), rows)

    @extend_schema(responses={200: HouseholdDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        """The household with its current residents (names masked for roles that do not
        keep the ledgers)."""
        return self._detail(self.get_object())

    @extend_schema(request=HouseholdCreateSerializer, responses={201: HouseholdDetailSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, HouseholdCreateSerializer)
        household = services.household_create(actor=request.user, **data)
        return self._detail(household, status.HTTP_201_CREATED)

    @extend_schema(request=HouseholdUpdateSerializer, responses={200: HouseholdDetailSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        household = self.get_object()
        data = validated_body(request, HouseholdUpdateSerializer)
        household = services.household_update(actor=request.user, household=household, **data)
        return self._detail(household)

    @extend_schema(request=HouseholdMoveSerializer, responses={200: HouseholdDetailSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        """Move the household to another basic grid of its community (regridding)."""
        household = self.get_object()
        data = validated_body(request, HouseholdMoveSerializer)
        household = services.household_move(
            actor=request.user, household=household, grid=data["grid"]
        )
        return self._detail(household)


# --- Residents -------------------------------------------------------------------------------


def _register_resident(
    *, actor: AnyUser, household: Household, person_data: dict[str, Any], **fields: Any
) -> Resident:
    """Register the inline person and add them (one service, all or nothing); the person's
    field messages are answered under ``person_data`` like any nested field."""
    try:
        return services.resident_register(
            actor=actor, household=household, person_data=person_data, **fields
        )
    except ValidationFailed as error:
        nested = {k: v for k, v in error.fields.items() if k in services.PERSON_FIELDS}
        if not nested:
            raise
        rest = {k: v for k, v in error.fields.items() if k not in nested}
        raise serializers.ValidationError({"person_data": nested, **rest}) from error


class ResidentViewSet(ScopedListViewSet[Resident]):
    """Residents (居民) in the caller's scope, sorted by pinyin. Names are masked for roles
    that do not keep the ledgers, ID numbers and phones always; restricted tags only through
    ``reveal-restricted/`` (audited)."""

    serializer_class = ResidentSerializer
    filter_serializer = ResidentFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        GRID_PARAMETER,
        OpenApiParameter("household", int),
        OpenApiParameter("care_tag", str, enum=ResidentCareTag.Tag.values),
        OpenApiParameter(
            "separation",
            str,
            enum=[code for code, _label in SEPARATION_CHOICES],
            description=_("人户分离: none, away, incoming or any."),
        ),
        OpenApiParameter("min_age", int),
        OpenApiParameter(
            "visited",
            bool,
            description=_(
                "1: the household was visited within visited_within_days (30 by "
                "default); 0: it was not."
            ),
        ),
        OpenApiParameter("visited_within_days", int),
        OpenApiParameter(
            "q", str, description=_("Name, pinyin initials or the visible digits of the ID.")
        ),
        OpenApiParameter(
            "current",
            bool,
            description=_("true: living here now (default); false: moved out; empty: both."),
        ),
    ]

    def get_queryset(self) -> QuerySet[Resident]:
        return selectors.resident_list_visible(user=self.request.user)

    def get_object(self) -> Resident:
        return selectors.resident_get(user=self.request.user, pk=self.kwargs["pk"])

    def _detail(self, resident: Resident, code: int = status.HTTP_200_OK) -> Response:
        resident = selectors.resident_get(user=self.request.user, pk=resident.pk)
        return Response(self.get_serializer(resident).data, status=code)

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Resident]:
        return selectors.resident_list_visible(
            user=request.user,
            within=filters.get("unit"),
            grid=filters.get("grid"),
            household=filters.get("household"),
            care_tag=filters.get("care_tag", ""),
            separation=filters.get("separation", ""),
            min_age=filters.get("min_age"),
            visited=filters["visited"],
            visited_within_days=filters["visited_within_days"],
            query=filters.get("q", ""),
            current=filters["current"],
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Resident],
    ) -> HttpResponseBase:
        return exports.resident_export(export_request(self, request, file_format, filters), rows)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=ResidentCreateSerializer, responses={201: ResidentSerializer})
    def create(self, request: Request) -> Response:
        """Add a resident to a household: an existing person (``person``) or one registered
        here at the household's community (``person_data``; a person already known by the
        same document is linked). All or nothing."""
        data = validated_body(request, ResidentCreateSerializer)
        household = data.pop("household")
        person_data = data.pop("person_data", None)
        person = data.pop("person", None)
        if person is not None:
            resident = services.resident_add(
                actor=request.user, household=household, person=person, **data
            )
        else:
            resident = _register_resident(
                actor=request.user, household=household, person_data=person_data or {}, **data
            )
        return self._detail(resident, status.HTTP_201_CREATED)

    @extend_schema(request=ResidentUpdateSerializer, responses={200: ResidentSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        resident = self.get_object()
        data = validated_body(request, ResidentUpdateSerializer)
        resident = services.resident_update(actor=request.user, resident=resident, **data)
        return self._detail(resident)

    @extend_schema(request=ResidentMoveOutSerializer, responses={200: ResidentSerializer})
    @action(detail=True, methods=["post"], url_path="move-out")
    def move_out(self, request: Request, pk: str) -> Response:
        """Record that the resident left the household (kept in the history; idempotent)."""
        resident = self.get_object()
        data = validated_body(request, ResidentMoveOutSerializer)
        resident = services.resident_move_out(
            actor=request.user, resident=resident, moved_out_on=data.get("moved_out_on")
        )
        return self._detail(resident)

    @extend_schema(request=None, responses={200: RestrictedTagsSerializer})
    @action(detail=True, methods=["post"], url_path="reveal-restricted")
    def reveal_restricted(self, request: Request, pk: str) -> Response:
        """The resident's restricted tags (特殊人群), as labels. Audited."""
        resident = self.get_object()
        labels = services.resident_reveal_restricted(actor=_actor(request), resident=resident)
        return Response({"restricted_tags": labels}, headers={"Cache-Control": "no-store"})


# --- Visits ----------------------------------------------------------------------------------


class VisitViewSet(PrivateFileMixin, ScopedListViewSet[Visit]):
    """Visits (走访/巡查), newest first. Append-only: recorded, never changed or deleted."""

    serializer_class = VisitSerializer
    filter_serializer = VisitFilterSerializer
    list_parameters = [
        UNIT_PARAMETER,
        GRID_PARAMETER,
        OpenApiParameter("household", int),
        OpenApiParameter("purpose", str, enum=Visit.Purpose.values),
        OpenApiParameter("hazard_found", bool),
        OpenApiParameter("since", OpenApiTypes.DATETIME, description=_("Visited at or after.")),
    ]
    parser_classes = UPLOAD_PARSERS

    def get_queryset(self) -> QuerySet[Visit]:
        return selectors.visit_list_visible(user=self.request.user)

    def get_object(self) -> Visit:
        return selectors.visit_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Visit]:
        return selectors.visit_list_visible(
            user=request.user,
            within=filters.get("unit"),
            grid=filters.get("grid"),
            household=filters.get("household"),
            purpose=filters.get("purpose", ""),
            hazard_found=filters["hazard_found"],
            since=filters.get("since"),
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Visit]
    ) -> HttpResponseBase:
        return exports.visit_export(export_request(self, request, file_format, filters), rows)

    @extend_schema(responses={200: VisitDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        visit = self.get_object()
        return Response(VisitDetailSerializer(visit, context=self.get_serializer_context()).data)

    @extend_schema(
        request={
            "application/json": VisitCreateSerializer,
            "multipart/form-data": VisitCreateSerializer,
        },
        responses={201: VisitDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        """Record a visit by the caller (a grid worker of that grid or a community worker),
        with photos when sent as multipart. Up to 30 days back, never in the future."""
        data = validated_body(request, VisitCreateSerializer)
        visit = services.visit_record(actor=_actor(request), **data)
        visit = selectors.visit_get(user=request.user, pk=visit.pk)
        return Response(
            VisitDetailSerializer(visit, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>[0-9]+)",
        renderer_classes=[JSONRenderer, ImageRenderer],
    )
    def photo(self, request: Request, pk: str, photo_id: str) -> HttpResponseBase:
        """One photo of the visit, for whoever sees the visit."""
        visit = self.get_object()
        photo = next((p for p in visit.photos.all() if str(p.pk) == photo_id), None)
        if photo is None:
            raise OutOfScope()
        return private_file_response(photo.image)
