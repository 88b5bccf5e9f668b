"""REST endpoints for the org tree and departments (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from orgchart import selectors, services
from orgchart.models import Department, OrgUnit
from orgchart.serializers import (
    DepartmentFilterSerializer,
    DepartmentSerializer,
    DepartmentWriteSerializer,
    OrgUnitCreateSerializer,
    OrgUnitFilterSerializer,
    OrgUnitMoveSerializer,
    OrgUnitPathSerializer,
    OrgUnitSerializer,
    OrgUnitUpdateSerializer,
)


def validated_query(request: Request, serializer_class: type) -> dict[str, Any]:
    """Validate query parameters like a body: a bad value is a 400 with field messages."""
    serializer = serializer_class(data=request.query_params, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def validated_body(request: Request, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


UNIT_FILTERS = [
    OpenApiParameter("unit", int, description=_("Only units inside this unit's subtree.")),
    OpenApiParameter("kind", str, enum=OrgUnit.Kind.values),
    OpenApiParameter("q", str, description=_("Part of the name.")),
]


class OrgUnitViewSet(viewsets.GenericViewSet[OrgUnit]):
    """Org units in the caller's scope, in tree order."""

    serializer_class = OrgUnitSerializer

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return selectors.orgunit_list_visible(user=self.request.user)

    def get_object(self) -> OrgUnit:
        return selectors.orgunit_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(parameters=UNIT_FILTERS)
    def list(self, request: Request) -> Response:
        filters = validated_query(request, OrgUnitFilterSerializer)
        units = selectors.orgunit_list_visible(
            user=request.user, kind=filters.get("kind"), within=filters.get("unit")
        )
        if filters.get("q"):
            units = units.filter(name__contains=filters["q"])
        page = self.paginate_queryset(units)
        return self.get_paginated_response(OrgUnitSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(OrgUnitSerializer(self.get_object()).data)

    @extend_schema(request=OrgUnitCreateSerializer, responses={201: OrgUnitSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, OrgUnitCreateSerializer)
        unit = services.orgunit_create(actor=request.user, **data)
        return Response(OrgUnitSerializer(unit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrgUnitUpdateSerializer, responses={200: OrgUnitSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        unit = self.get_object()
        data = validated_body(request, OrgUnitUpdateSerializer)
        unit = services.orgunit_update(actor=request.user, unit=unit, **data)
        return Response(OrgUnitSerializer(unit).data)

    def destroy(self, request: Request, pk: str) -> Response:
        services.orgunit_delete(actor=request.user, unit=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=OrgUnitMoveSerializer, responses={200: OrgUnitSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: str) -> Response:
        """Move the unit (with its subtree) under or beside ``target``."""
        unit = self.get_object()
        data = validated_body(request, OrgUnitMoveSerializer)
        unit = services.orgunit_move(
            actor=request.user, unit=unit, target=data["target"], position=data["position"]
        )
        return Response(OrgUnitSerializer(unit).data)

    @extend_schema(responses={200: OrgUnitSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def children(self, request: Request, pk: str) -> Response:
        """Direct children of the unit, in order (paginated)."""
        unit = self.get_object()
        page = self.paginate_queryset(selectors.orgunit_children(user=request.user, unit=unit))
        return self.get_paginated_response(OrgUnitSerializer(page, many=True).data)

    @extend_schema(responses={200: OrgUnitPathSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def ancestors(self, request: Request, pk: str) -> Response:
        """The path from the root to the unit's parent (names and kinds only)."""
        unit = self.get_object()
        return Response(
            OrgUnitPathSerializer(selectors.orgunit_ancestors(unit=unit), many=True).data
        )


class DepartmentViewSet(viewsets.GenericViewSet[Department]):
    """Functional departments serving the caller's scope."""

    serializer_class = DepartmentSerializer

    def get_queryset(self) -> QuerySet[Department]:
        return selectors.department_list_visible(user=self.request.user)

    def get_object(self) -> Department:
        return selectors.department_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            OpenApiParameter("unit", int, description=_("Departments serving this unit.")),
            OpenApiParameter("q", str),
        ]
    )
    def list(self, request: Request) -> Response:
        filters = validated_query(request, DepartmentFilterSerializer)
        departments = self.get_queryset()
        unit = filters.get("unit")
        if unit is not None:
            departments = departments.filter(
                jurisdiction__tree_id=unit.tree_id,
                jurisdiction__lft__lte=unit.lft,
                jurisdiction__rght__gte=unit.rght,
            )
        if filters.get("q"):
            departments = departments.filter(Q(name__contains=filters["q"]))
        page = self.paginate_queryset(departments)
        return self.get_paginated_response(DepartmentSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(DepartmentSerializer(self.get_object()).data)

    @extend_schema(request=DepartmentWriteSerializer, responses={201: DepartmentSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, DepartmentWriteSerializer)
        data.pop("is_active", None)
        department = services.department_create(actor=request.user, **data)
        return Response(DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DepartmentWriteSerializer, responses={200: DepartmentSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        department = self.get_object()
        data = validated_body(request, DepartmentWriteSerializer, partial=True)
        department = services.department_update(actor=request.user, department=department, **data)
        return Response(DepartmentSerializer(department).data)
