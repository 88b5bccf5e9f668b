"""REST endpoints for the org tree and departments (DESIGN §7)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http.response import HttpResponseBase
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api import validated_query
from governance.errors import ValidationFailed
from governance.ledger.api import LedgerExportMixin, ScopedListViewSet
from orgchart import exports, selectors, services
from orgchart.lockout import change_password_counted
from orgchart.models import Department, OrgUnit, PartyMember, Person, Post, User
from orgchart.serializers import (
    DepartmentFilterSerializer,
    DepartmentSerializer,
    DepartmentWriteSerializer,
    HandOverSerializer,
    OneTimePasswordSerializer,
    OrgUnitCreateSerializer,
    OrgUnitFilterSerializer,
    OrgUnitMoveSerializer,
    OrgUnitPathSerializer,
    OrgUnitSerializer,
    OrgUnitUpdateSerializer,
    PartyMemberFilterSerializer,
    PartyMemberSerializer,
    PartyMemberWriteSerializer,
    PasswordChangeSerializer,
    PeopleFilterSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    PersonWriteSerializer,
    PostEndSerializer,
    PostFilterSerializer,
    PostSerializer,
    PostWriteSerializer,
    RevealedSerializer,
    RevealSerializer,
    UserCreatedSerializer,
    UserCreateSerializer,
    UserDeactivateSerializer,
    UserFilterSerializer,
    UserSerializer,
    VacancyFilterSerializer,
    VacancySerializer,
)


def export_request(
    view: LedgerExportMixin, request: Request, file_format: str, filters: dict[str, Any]
) -> exports.ExportRequest:
    """The export a list was asked for (``?format=xlsx|csv``, ``?reveal=1``), with the filters
    as validated for the JSON list: the file holds exactly the rows the list would."""
    return exports.ExportRequest(
        user=request.user,
        file_format=file_format,
        reveal=view.export_reveal(),
        within=filters.get("unit"),
        filters=filters,
    )


def validated_body(request: Request, serializer_class: type, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class OrgUnitViewSet(ScopedListViewSet[OrgUnit]):
    """Org units in the caller's scope, in tree order."""

    serializer_class = OrgUnitSerializer
    filter_serializer = OrgUnitFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int, description=_("Only units inside this unit's subtree.")),
        OpenApiParameter("kind", str, enum=OrgUnit.Kind.values),
        OpenApiParameter("q", str, description=_("Part of the name.")),
    ]

    def get_queryset(self) -> QuerySet[OrgUnit]:
        return selectors.orgunit_list_visible(user=self.request.user)

    def get_object(self) -> OrgUnit:
        return selectors.orgunit_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[OrgUnit]:
        units = selectors.orgunit_list_visible(
            user=request.user, kind=filters.get("kind"), within=filters.get("unit")
        )
        if filters.get("q"):
            units = units.filter(name__contains=filters["q"])
        return units

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[OrgUnit]
    ) -> HttpResponseBase:
        return exports.orgunit_export(export_request(self, request, file_format, filters), rows)

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
    # The whole path at once: not paged like the list.
    @action(detail=True, methods=["get"], pagination_class=None)
    def ancestors(self, request: Request, pk: str) -> Response:
        """The path from the root to the unit's parent (names and kinds only)."""
        unit = self.get_object()
        return Response(
            OrgUnitPathSerializer(selectors.orgunit_ancestors(unit=unit), many=True).data
        )


class DepartmentViewSet(ScopedListViewSet[Department]):
    """Functional departments serving the caller's scope."""

    serializer_class = DepartmentSerializer
    filter_serializer = DepartmentFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int, description=_("Departments serving this unit.")),
        OpenApiParameter("q", str),
    ]

    def get_queryset(self) -> QuerySet[Department]:
        return selectors.department_list_visible(user=self.request.user)

    def get_object(self) -> Department:
        return selectors.department_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Department]:
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
        return departments

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Department],
    ) -> HttpResponseBase:
        return exports.department_export(export_request(self, request, file_format, filters), rows)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(DepartmentSerializer(self.get_object()).data)

    @extend_schema(request=DepartmentWriteSerializer, responses={201: DepartmentSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, DepartmentWriteSerializer)
        department = services.department_create(actor=request.user, **data)
        return Response(DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DepartmentWriteSerializer, responses={200: DepartmentSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        department = self.get_object()
        data = validated_body(request, DepartmentWriteSerializer, partial=True)
        department = services.department_update(actor=request.user, department=department, **data)
        return Response(DepartmentSerializer(department).data)


class PersonViewSet(ScopedListViewSet[Person]):
    """People registered in the caller's area. Numbers and phones are masked here;
    ``reveal/`` shows one field in full and writes an audit row, as does an export with
    ``?reveal=1`` for the roles that may."""

    serializer_class = PersonSerializer
    filter_serializer = PeopleFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int, description=_("Only people registered in this subtree.")),
        OpenApiParameter("q", str, description=_("Name, initials or an ID fragment.")),
    ]

    def get_queryset(self) -> QuerySet[Person]:
        return selectors.person_list_visible(user=self.request.user)

    def get_object(self) -> Person:
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Person]:
        return selectors.person_list_visible(
            user=request.user, query=filters.get("q", ""), within=filters.get("unit")
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Person]
    ) -> HttpResponseBase:
        return exports.people_export(export_request(self, request, file_format, filters), rows)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    def create(self, request: Request) -> Response:
        """Register a person at a unit; a person already known (by document) is linked."""
        data = validated_body(request, PersonWriteSerializer)
        registration = services.person_register(actor=request.user, **data)
        code = status.HTTP_201_CREATED if registration.created else status.HTTP_200_OK
        return Response(self.get_serializer(registration.person).data, status=code)

    @extend_schema(request=PersonUpdateSerializer, responses={200: PersonSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        person = self.get_object()
        data = validated_body(request, PersonUpdateSerializer)
        person = services.person_update(actor=request.user, person=person, **data)
        return Response(self.get_serializer(person).data)

    @extend_schema(request=RevealSerializer, responses={200: RevealedSerializer})
    @action(detail=True, methods=["post"])
    def reveal(self, request: Request, pk: str) -> Response:
        """Show one field (document_number, mobile, landline) in full. Audited."""
        person = self.get_object()
        field = validated_body(request, RevealSerializer)["field"]
        value = services.person_reveal(actor=request.user, person=person, field=field)
        return Response({"field": field, "value": value}, headers={"Cache-Control": "no-store"})


class PartyMemberViewSet(ScopedListViewSet[PartyMember]):
    """Party members of the caller's area (by party organisation or dual registration)."""

    serializer_class = PartyMemberSerializer
    filter_serializer = PartyMemberFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int),
        OpenApiParameter("status", str, enum=PartyMember.Status.values),
        OpenApiParameter("q", str),
    ]

    def get_queryset(self) -> QuerySet[PartyMember]:
        return selectors.party_member_list_visible(user=self.request.user)

    def get_object(self) -> PartyMember:
        return selectors.party_member_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[PartyMember]:
        return selectors.party_member_list_visible(
            user=request.user,
            within=filters.get("unit"),
            status=filters.get("status", ""),
            query=filters.get("q", ""),
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[PartyMember],
    ) -> HttpResponseBase:
        return exports.party_member_export(
            export_request(self, request, file_format, filters), rows
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=PartyMemberWriteSerializer, responses={201: PartyMemberSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, PartyMemberWriteSerializer)
        member = services.party_member_create(actor=request.user, **data)
        member = selectors.party_member_get(user=request.user, pk=member.pk)
        return Response(self.get_serializer(member).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PartyMemberWriteSerializer, responses={200: PartyMemberSerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        member = self.get_object()
        data = validated_body(request, PartyMemberWriteSerializer, partial=True)
        if "person" in data:
            raise ValidationFailed(
                fields={"person": [str(_("This field cannot be changed here."))]}
            )
        services.party_member_update(actor=request.user, member=member, **data)
        member = selectors.party_member_get(user=request.user, pk=member.pk)
        return Response(self.get_serializer(member).data)


class PostViewSet(ScopedListViewSet[Post]):
    """Posts (职务) at units of the caller's area; current terms unless ``?current=false``."""

    serializer_class = PostSerializer
    filter_serializer = PostFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int),
        OpenApiParameter("kind", str, enum=Post.Kind.values),
        OpenApiParameter("current", bool),
    ]

    def get_queryset(self) -> QuerySet[Post]:
        return selectors.post_list_visible(user=self.request.user)

    def get_object(self) -> Post:
        return selectors.post_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Post]:
        return selectors.post_list_visible(
            user=request.user,
            within=filters.get("unit"),
            kind=filters.get("kind", ""),
            current=filters.get("current", True),
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Post]
    ) -> HttpResponseBase:
        return exports.post_export(export_request(self, request, file_format, filters), rows)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=PostWriteSerializer, responses={201: PostSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, PostWriteSerializer)
        post = services.post_assign(actor=request.user, **data)
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PostEndSerializer, responses={200: PostSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        """End the term; a unique post becomes vacant."""
        post = self.get_object()
        data = validated_body(request, PostEndSerializer)
        post = services.post_end(actor=request.user, post=post, ended_on=data["ended_on"])
        return Response(self.get_serializer(post).data)

    @extend_schema(
        parameters=[OpenApiParameter("unit", int, required=True)],
        responses={200: VacancySerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def vacancies(self, request: Request) -> Response:
        """Posts every unit of the kind should fill that have no current holder."""
        unit = validated_query(request, VacancyFilterSerializer)["unit"]
        vacancies = selectors.post_vacancies(user=request.user, within=unit)
        return Response(VacancySerializer(vacancies, many=True).data)


class UserViewSet(ScopedListViewSet[User]):
    """Accounts. Admins create them with a one-time password, reset passwords and deactivate
    leaving staff (handing their open items over); everyone sees and changes their own."""

    serializer_class = UserSerializer
    filter_serializer = UserFilterSerializer
    list_parameters = [
        OpenApiParameter("role", str, enum=User.Role.values),
        OpenApiParameter("is_active", bool),
        OpenApiParameter("q", str),
    ]

    def get_queryset(self) -> QuerySet[User]:
        return selectors.user_list_visible(user=self.request.user).order_by("username")

    def get_object(self) -> User:
        return selectors.user_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[User]:
        users = self.get_queryset()
        if filters.get("role"):
            users = users.filter(role=filters["role"])
        if filters.get("is_active") is not None:
            users = users.filter(is_active=filters["is_active"])
        if filters.get("q"):
            users = users.filter(
                Q(username__icontains=filters["q"]) | Q(first_name__contains=filters["q"])
            )
        return users

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[User]
    ) -> HttpResponseBase:
        return exports.user_export(export_request(self, request, file_format, filters), rows)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(request=UserCreateSerializer, responses={201: UserCreatedSerializer})
    def create(self, request: Request) -> Response:
        data = validated_body(request, UserCreateSerializer)
        user, password = services.user_create(actor=request.user, **data)
        return Response(
            {"user": self.get_serializer(user).data, "one_time_password": password},
            status=status.HTTP_201_CREATED,
            headers={"Cache-Control": "no-store"},
        )

    @extend_schema(request=None, responses={200: OneTimePasswordSerializer})
    @action(detail=True, methods=["post"], url_path="reset-password")
    def reset_password(self, request: Request, pk: str) -> Response:
        password = services.user_reset_password(actor=request.user, user=self.get_object())
        return Response({"one_time_password": password}, headers={"Cache-Control": "no-store"})

    @extend_schema(request=UserDeactivateSerializer, responses={200: HandOverSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        user = self.get_object()
        data = validated_body(request, UserDeactivateSerializer)
        handed_over = services.user_deactivate(
            actor=request.user, user=user, successor=data.get("successor")
        )
        return Response({"handed_over": handed_over})

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=False, methods=["get"])
    def me(self, request: Request) -> Response:
        return Response(self.get_serializer(request.user).data)

    @extend_schema(request=PasswordChangeSerializer, responses={204: None})
    @action(detail=False, methods=["post"], url_path="me/password")
    def change_password(self, request: Request) -> Response:
        data = validated_body(request, PasswordChangeSerializer)
        user = request.user
        assert isinstance(user, User)  # noqa: S101 - IsAuthenticated guarantees a real user
        change_password_counted(request, user, **data)
        return Response(status=status.HTTP_204_NO_CONTENT)
