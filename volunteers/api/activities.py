"""``activities/``: announcing, signing up and cancelling, the sign-ups and check-in."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api import validated_query
from governance.errors import InvalidTransition, NotAllowed, ValidationFailed
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
from volunteers.models import Activity, Signup
from volunteers.serializers import (
    ActivityCreateSerializer,
    ActivityFilterSerializer,
    ActivitySerializer,
    ActivityWeeklySerializer,
    CallOffSerializer,
    CancelSignUpSerializer,
    CheckInSerializer,
    SignupFilterSerializer,
    SignupSerializer,
)


def _activity_detail(
    request: Request, activity_id: int, code: int = status.HTTP_200_OK
) -> Response:
    activity = selectors.activity_get(user=request.user, pk=activity_id)
    return Response(ActivitySerializer(activity, context=_context(request)).data, status=code)


class ActivityViewSet(ScopedListViewSet[Activity]):
    """Activities of the caller's area and of the units above it (a street's volunteer day is
    open to its communities), latest first, with places taken, check-ins and hours."""

    serializer_class = ActivitySerializer
    filter_serializer = ActivityFilterSerializer
    list_parameters = [UNIT_PARAMETER, *DATE_PARAMETERS]
    export_actions = ("list", "signups")

    def get_queryset(self) -> QuerySet[Activity]:
        return selectors.activity_list_visible(user=self.request.user)

    def get_object(self) -> Activity:
        return selectors.activity_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Activity]:
        return selectors.activity_list_visible(
            user=request.user,
            within=filters.get("unit"),
            starts_from=filters.get("from"),
            starts_to=filters.get("to"),
        )

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Activity],
    ) -> HttpResponseBase:
        return exports.activity_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    @extend_schema(responses={200: ActivitySerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ActivitySerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request: Request) -> Response:
        """Announce an activity of a unit (admins, community workers, officials)."""
        data = validated_body(request, ActivityCreateSerializer)
        activity = services.activity_create(actor=_actor(request), **data)
        return _activity_detail(request, activity.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ActivityWeeklySerializer, responses={201: ActivitySerializer(many=True)})
    @action(detail=False, methods=["post"])
    def weekly(self, request: Request) -> Response:
        """Announce the same activity on ``weeks`` weeks in a row (the weekly volunteer
        Saturday): all of them, or none when one is invalid."""
        data = validated_body(request, ActivityWeeklySerializer)
        series = services.activity_create_weekly(actor=_actor(request), **data)
        activities = selectors.activity_list_visible(user=request.user).filter(
            pk__in=[activity.pk for activity in series]
        )
        return Response(
            ActivitySerializer(
                activities.order_by("starts_at"), many=True, context=_context(request)
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=CallOffSerializer, responses={200: ActivitySerializer})
    @action(detail=True, methods=["post"], url_path="call-off", url_name="call-off")
    def call_off(self, request: Request, pk: str) -> Response:
        """The organising unit's staff call the activity off before it starts (idempotent);
        409 once it has started."""
        activity = self.get_object()
        data = validated_body(request, CallOffSerializer)
        services.activity_cancel(actor=_actor(request), activity=activity, reason=data["reason"])
        return _activity_detail(request, activity.pk)

    @extend_schema(request=None, responses={200: SignupSerializer})
    @action(detail=True, methods=["post"], url_path="sign-up", url_name="sign-up")
    def sign_up(self, request: Request, pk: str) -> Response:
        """The caller (a volunteer) signs up within the capacity; signing up twice returns the
        same sign-up. 409 when the activity is full, cancelled or has started."""
        activity = self.get_object()
        signup = services.activity_sign_up(actor=_actor(request), activity=activity)
        signup = selectors.signup_get(user=request.user, pk=signup.pk)
        return Response(SignupSerializer(signup, context=_context(request)).data)

    @extend_schema(request=CancelSignUpSerializer, responses={200: SignupSerializer})
    @action(detail=True, methods=["post"], url_path="cancel-sign-up", url_name="cancel-sign-up")
    def cancel_sign_up(self, request: Request, pk: str) -> Response:
        """Withdraw a sign-up before the start: the caller's own, or (organisers) the one named
        by ``signup``. Idempotent."""
        activity = self.get_object()
        data = validated_body(request, CancelSignUpSerializer)
        signup: Signup | None = data.get("signup")
        if signup is not None and signup.activity_id != activity.pk:
            raise ValidationFailed(fields={"signup": [_("This sign-up is for another activity.")]})
        if signup is None and not _is_volunteer_account(request.user):
            raise ValidationFailed(fields={"signup": [_("Choose the sign-up to cancel.")]})
        if signup is None:
            # The caller's current sign-up, else their last cancelled one (a retried request).
            signup = (
                selectors.signup_list_visible(user=request.user, activity=activity)
                .filter(volunteer__account_id=request.user.pk)
                .order_by("-signed_up_at", "-id")
                .first()
            )
            if signup is None:
                if services.volunteer_of(request.user) is None:
                    raise NotAllowed(_("Only a registered volunteer can sign up."))
                raise InvalidTransition(_("You have not signed up for this activity."))
        signup = services.activity_cancel_sign_up(actor=_actor(request), signup=signup)
        signup = selectors.signup_get(user=request.user, pk=signup.pk)
        return Response(SignupSerializer(signup, context=_context(request)).data)

    @extend_schema(
        parameters=[OpenApiParameter("current", bool), *EXPORT_PARAMETERS],
        responses=export_responses(SignupSerializer(many=True)),
    )
    @action(detail=True, methods=["get"])
    def signups(self, request: Request, pk: str) -> HttpResponseBase:
        """The activity's sign-ups with check-in and hours, for organisers and the staff of the
        volunteers' area (each sees the volunteers of their area)."""
        activity = self.get_object()
        if _is_volunteer_account(request.user):
            raise NotAllowed(_("Only the organisers see the sign-ups."))
        filters = validated_query(request, SignupFilterSerializer)
        signups = selectors.signup_list_visible(
            user=request.user, activity=activity, current=filters["current"]
        )
        if file_format := self.export_format():
            return exports.signup_export(
                exports.ExportRequest(
                    user=request.user,
                    file_format=file_format,
                    reveal=self.export_reveal(),
                    within=activity.unit,
                    filters={"activity": activity.pk, **filters},
                ),
                signups,
            )
        page = self.paginate_queryset(signups)  # type: ignore[arg-type]  # rows of another model
        return self.get_paginated_response(
            SignupSerializer(page, many=True, context=_context(request)).data
        )

    @extend_schema(request=CheckInSerializer, responses={200: SignupSerializer})
    @action(detail=True, methods=["post"], url_path="check-in", url_name="check-in")
    def check_in(self, request: Request, pk: str) -> Response:
        """The organiser checks a volunteer in (``signup``: the sign-up's id) and records the
        service hours (the activity's length unless ``hours`` is given); points for the
        attendance and the hours, each once. Checking in again corrects the hours."""
        activity = self.get_object()
        data = validated_body(request, CheckInSerializer)
        signup: Signup = data["signup"]
        if signup.activity_id != activity.pk:
            raise ValidationFailed(fields={"signup": [_("This sign-up is for another activity.")]})
        signup = services.activity_check_in(
            actor=_actor(request), signup=signup, hours=data.get("hours")
        )
        signup = selectors.signup_get(user=request.user, pk=signup.pk)
        return Response(SignupSerializer(signup, context=_context(request)).data)
