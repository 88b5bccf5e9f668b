"""REST endpoints of the volunteers app (DESIGN §5, §7).

Reads go through ``volunteers.selectors`` (scoped by ``orgchart.policy``: a row outside the
caller's scope is a 404, a malformed id too). Every state change is an explicit POST action: an
input serializer checks the shape, one service call does the change (403 when the role may not
act, 409 for an illegal transition or a stale ``version``), the output serializer renders the
result.

* ``wishes/`` (``?unit=``, ``?status=``, ``?q=``; ``POST`` = post a wish) with ``{id}/claim/``,
  ``release/``, ``fulfil/`` (JSON, or multipart with an optional ``photo``), ``confirm/``,
  ``withdraw/``; ``{id}/photo/`` is the photo.
* ``work-orders/`` (``?unit=``, ``?status=`` the 五单 stage, ``?team=``, ``?overdue=1``,
  ``?q=``; ``POST`` = 点单, optionally from a ``petition``) with ``{id}/dispatch/``,
  ``accept/``, ``complete/``, ``verify/``, ``return/``, ``supervise/``, ``cancel/`` and
  ``events/`` (the timeline). The detail carries the 四公开 block (``publicity``).
* ``activities/`` (``?unit=``, ``?from=``, ``?to=``; ``POST`` = announce) with
  ``{id}/sign-up/`` and ``{id}/cancel-sign-up/`` (the caller's own; an organiser names the
  ``signup``), ``{id}/signups/`` (organisers and staff) and ``{id}/check-in/`` (body: the
  ``signup`` id and optional ``hours``).
* ``points/`` (the caller's ledger with its ``balance``; staff: ``?volunteer=``, ``?unit=``,
  ``?from=``, ``?to=``) and ``points/statement/?year=&quarter=`` (``&volunteer=`` or
  ``&branch=<unit id>``): the quarterly statement with its totals.
* ``rewards/`` (the catalogue; staff ``POST`` and ``{id}/restock/``), ``redemptions/``
  (``POST`` = redeem with the caller's own volunteer record; ``{id}/hand-over/`` for staff).
* Read only: ``volunteers/``, ``teams/``, ``partner-units/``, ``dual-registrations/``
  (``?unit=`` the community's subtree, ``?partner=``).

Every list also answers ``?format=xlsx|csv`` through ``volunteers.exports``, with the rows of
the JSON list (scope and filters applied, unpaginated).
"""

from __future__ import annotations

import mimetypes
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from governance.errors import InvalidTransition, NotAllowed, OutOfScope, ValidationFailed
from governance.ledger.api import EXPORT_PARAMETERS, LedgerExportMixin, export_responses
from orgchart.api import export_request, validated_body, validated_query
from orgchart.models import User
from volunteers import exports, selectors, services
from volunteers.models import (
    Activity,
    DualRegistration,
    PartnerUnit,
    PointEntry,
    Redemption,
    Reward,
    ServicePostKind,
    Signup,
    Skill,
    Team,
    Volunteer,
    Wish,
    WishStatus,
    WorkOrder,
    WorkOrderStatus,
)
from volunteers.serializers import (
    ActivityCreateSerializer,
    ActivityFilterSerializer,
    ActivitySerializer,
    CancelSignUpSerializer,
    CheckInSerializer,
    DualRegistrationFilterSerializer,
    DualRegistrationSerializer,
    FulfilSerializer,
    PartnerUnitFilterSerializer,
    PartnerUnitSerializer,
    PointEntrySerializer,
    PointsFilterSerializer,
    RedemptionCreateSerializer,
    RedemptionFilterSerializer,
    RedemptionSerializer,
    RestockSerializer,
    RewardCreateSerializer,
    RewardFilterSerializer,
    RewardSerializer,
    SignupFilterSerializer,
    SignupSerializer,
    StatementFilterSerializer,
    StatementRowSerializer,
    StatementTotalsSerializer,
    StepNoteSerializer,
    StepOptionalNoteSerializer,
    StepOptionalReasonSerializer,
    StepReasonSerializer,
    StepSerializer,
    SuperviseSerializer,
    TeamDetailSerializer,
    TeamFilterSerializer,
    TeamSerializer,
    VolunteerFilterSerializer,
    VolunteerSerializer,
    WishCreateSerializer,
    WishDetailSerializer,
    WishFilterSerializer,
    WishSerializer,
    WorkOrderCreateSerializer,
    WorkOrderDetailSerializer,
    WorkOrderDispatchSerializer,
    WorkOrderEventSerializer,
    WorkOrderFilterSerializer,
    WorkOrderSerializer,
)


def _actor(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - IsAuthenticated guarantees a real user
    return user


def _context(request: Request) -> dict[str, Any]:
    """Serializer context: the request, and one clock for every light of the response."""
    return {"request": request, "now": timezone.now()}


def _is_volunteer_account(user: Any) -> bool:
    return getattr(user, "role", None) == User.Role.VOLUNTEER and not user.is_superuser


UNIT_PARAMETER = OpenApiParameter("unit", int, description=gettext_lazy("Within this subtree."))
DATE_PARAMETERS = [
    OpenApiParameter("from", OpenApiTypes.DATE, description=gettext_lazy("From this day.")),
    OpenApiParameter("to", OpenApiTypes.DATE, description=gettext_lazy("Up to this day.")),
]


class PhotoRenderer(BaseRenderer):
    """Lets a client ask for the photo with ``Accept: image/…``; the view answers the file
    itself, and anything else (a 404) is switched back to JSON."""

    media_type = "image/*"
    format = "image"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return JSONRenderer().render(data, JSONRenderer.media_type, renderer_context)


# --- Micro-wishes ------------------------------------------------------------------------------


def _wish_detail(request: Request, wish_id: int, code: int = status.HTTP_200_OK) -> Response:
    wish = selectors.wish_get(user=request.user, pk=wish_id)
    return Response(WishDetailSerializer(wish, context=_context(request)).data, status=code)


class WishViewSet(LedgerExportMixin, viewsets.GenericViewSet[Wish]):
    """The wish board (微心愿) of the caller's area, newest first. Volunteers see their
    community's board, with the beneficiaries' names masked."""

    serializer_class = WishSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Wish]:
        return selectors.wish_list_visible(user=self.request.user)

    def get_object(self) -> Wish:
        return selectors.wish_get(user=self.request.user, pk=self.kwargs["pk"])

    def finalize_response(  # type: ignore[override]
        self, request: Request, response: HttpResponseBase, *args: Any, **kwargs: Any
    ) -> HttpResponseBase:
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), PhotoRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)

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


# --- Work orders -------------------------------------------------------------------------------


def _work_order_detail(request: Request, order_id: int, code: int = status.HTTP_200_OK) -> Response:
    order = selectors.work_order_get(user=request.user, pk=order_id)
    return Response(WorkOrderDetailSerializer(order, context=_context(request)).data, status=code)


class WorkOrderViewSet(LedgerExportMixin, viewsets.GenericViewSet[WorkOrder]):
    """Work orders by the 五单法 (点单 → 下单 → 接单 → completed → 验单) in the caller's area,
    newest first. A volunteer sees those offered to their team or their partner unit."""

    serializer_class = WorkOrderSerializer

    def get_queryset(self) -> QuerySet[WorkOrder]:
        return selectors.work_order_list_visible(user=self.request.user)

    def get_object(self) -> WorkOrder:
        return selectors.work_order_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("status", str, enum=WorkOrderStatus.values),
            OpenApiParameter("team", int),
            OpenApiParameter("overdue", bool),
            OpenApiParameter("q", str),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(WorkOrderSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, WorkOrderFilterSerializer)
        context = _context(request)
        orders = selectors.work_order_list_visible(
            user=request.user,
            within=filters.get("unit"),
            status=filters.get("status", ""),
            team=filters.get("team"),
            overdue=filters["overdue"],
            query=filters.get("q", ""),
            now=context["now"],
        )
        if file_format := self.export_format():
            return exports.work_order_export(
                export_request(self, request, file_format, filters), orders
            )
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(
            WorkOrderSerializer(page, many=True, context=context).data
        )

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

    @extend_schema(request=WorkOrderDispatchSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_order(self, request: Request, pk: str) -> Response:
        """下单 to one team or one partner unit: ``ordered`` → ``dispatched``."""
        order = self.get_object()
        data = validated_body(request, WorkOrderDispatchSerializer)
        services.work_order_dispatch(
            actor=_actor(request),
            work_order=order,
            team=data.get("team"),
            partner=data.get("partner"),
            due_at=data.get("due_at"),
            expected_version=data.get("version"),
        )
        return _work_order_detail(request, order.pk)

    @extend_schema(request=StepSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str) -> Response:
        """接单 by the team's lead or the partner unit's contact: ``dispatched`` →
        ``accepted``."""
        order = self.get_object()
        data = validated_body(request, StepSerializer)
        services.work_order_accept(
            actor=_actor(request), work_order=order, expected_version=data.get("version")
        )
        return _work_order_detail(request, order.pk)

    @extend_schema(request=StepNoteSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        """The provider reports the work done: ``accepted`` → ``completed``."""
        order = self.get_object()
        data = validated_body(request, StepNoteSerializer)
        services.work_order_complete(
            actor=_actor(request),
            work_order=order,
            note=data["note"],
            expected_version=data.get("version"),
        )
        return _work_order_detail(request, order.pk)

    @extend_schema(request=StepOptionalNoteSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str) -> Response:
        """验单 by an official of the street: ``completed`` → ``verified``; the volunteer who
        accepted the order earns points."""
        order = self.get_object()
        data = validated_body(request, StepOptionalNoteSerializer)
        services.work_order_verify(
            actor=_actor(request),
            work_order=order,
            note=data["note"],
            expected_version=data.get("version"),
        )
        return _work_order_detail(request, order.pk)

    @extend_schema(request=StepReasonSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_order(self, request: Request, pk: str) -> Response:
        """The street sends the result back (reason required): ``completed`` → ``accepted``."""
        order = self.get_object()
        data = validated_body(request, StepReasonSerializer)
        services.work_order_return(
            actor=_actor(request),
            work_order=order,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return _work_order_detail(request, order.pk)

    @extend_schema(request=SuperviseSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def supervise(self, request: Request, pk: str) -> Response:
        """督单: a note by a supervisory committee member or an official at any open stage (no
        status change, so no version)."""
        order = self.get_object()
        data = validated_body(request, SuperviseSerializer)
        services.work_order_supervise(actor=_actor(request), work_order=order, note=data["note"])
        return _work_order_detail(request, order.pk)

    @extend_schema(request=StepReasonSerializer, responses={200: WorkOrderDetailSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """The community cancels before acceptance: ``ordered``/``dispatched`` →
        ``cancelled``."""
        order = self.get_object()
        data = validated_body(request, StepReasonSerializer)
        services.work_order_cancel(
            actor=_actor(request),
            work_order=order,
            reason=data["reason"],
            expected_version=data.get("version"),
        )
        return _work_order_detail(request, order.pk)

    @extend_schema(responses={200: WorkOrderEventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str) -> Response:
        """The timeline: every step, 督单 note and overdue note, oldest first."""
        order = self.get_object()
        events = selectors.work_order_events(work_order=order)
        return Response(WorkOrderEventSerializer(events, many=True, context=_context(request)).data)


# --- Activities --------------------------------------------------------------------------------


def _activity_detail(
    request: Request, activity_id: int, code: int = status.HTTP_200_OK
) -> Response:
    activity = selectors.activity_get(user=request.user, pk=activity_id)
    return Response(ActivitySerializer(activity, context=_context(request)).data, status=code)


class ActivityViewSet(LedgerExportMixin, viewsets.GenericViewSet[Activity]):
    """Activities of the caller's area and of the units above it (a street's volunteer day is
    open to its communities), latest first, with places taken, check-ins and hours."""

    serializer_class = ActivitySerializer
    export_actions = ("list", "signups")

    def get_queryset(self) -> QuerySet[Activity]:
        return selectors.activity_list_visible(user=self.request.user)

    def get_object(self) -> Activity:
        return selectors.activity_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[UNIT_PARAMETER, *DATE_PARAMETERS, *EXPORT_PARAMETERS],
        responses=export_responses(ActivitySerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, ActivityFilterSerializer)
        activities = selectors.activity_list_visible(
            user=request.user,
            within=filters.get("unit"),
            starts_from=filters.get("from"),
            starts_to=filters.get("to"),
        )
        if file_format := self.export_format():
            return exports.activity_export(
                export_request(self, request, file_format, filters), activities
            )
        page = self.paginate_queryset(activities)
        return self.get_paginated_response(
            ActivitySerializer(page, many=True, context=_context(request)).data
        )

    @extend_schema(responses={200: ActivitySerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ActivitySerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=ActivityCreateSerializer, responses={201: ActivitySerializer})
    def create(self, request: Request) -> Response:
        """Announce an activity of a unit (admins, community workers, officials)."""
        data = validated_body(request, ActivityCreateSerializer)
        activity = services.activity_create(actor=_actor(request), **data)
        return _activity_detail(request, activity.pk, status.HTTP_201_CREATED)

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


# --- Points ------------------------------------------------------------------------------------


class PointViewSet(LedgerExportMixin, viewsets.GenericViewSet[PointEntry]):
    """The points ledger (积分): a volunteer's own lines, newest first, with the balance; staff
    read the ledgers of their area's volunteers."""

    serializer_class = PointEntrySerializer
    export_actions = ("list", "statement")

    def get_queryset(self) -> QuerySet[PointEntry]:
        return selectors.point_entry_list_visible(user=self.request.user)

    @extend_schema(
        parameters=[
            OpenApiParameter("volunteer", int),
            UNIT_PARAMETER,
            *DATE_PARAMETERS,
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(PointEntrySerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        """Ledger lines; the response's ``balance`` is the whole balance of the one volunteer
        it is about (the caller's own, or ``?volunteer=``), null for several."""
        filters = validated_query(request, PointsFilterSerializer)
        volunteer: Volunteer | None = filters.get("volunteer")
        entries = selectors.point_entry_list_visible(
            user=request.user,
            volunteer=volunteer,
            within=filters.get("unit"),
            since=filters.get("from"),
            until=filters.get("to"),
        )
        if file_format := self.export_format():
            return exports.point_entry_export(
                export_request(self, request, file_format, filters), entries
            )
        page = self.paginate_queryset(entries)
        response = self.get_paginated_response(
            PointEntrySerializer(page, many=True, context=_context(request)).data
        )
        balance = None
        if volunteer is not None or _is_volunteer_account(request.user):
            balance = selectors.points_balance_visible(user=request.user, volunteer=volunteer)
        response.data["balance"] = balance
        return response

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


class RewardViewSet(LedgerExportMixin, viewsets.GenericViewSet[Reward]):
    """The reward catalogue (积分兑换) of the caller's area and the units above it."""

    serializer_class = RewardSerializer

    def get_queryset(self) -> QuerySet[Reward]:
        return selectors.reward_list_visible(user=self.request.user)

    def get_object(self) -> Reward:
        return selectors.reward_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[UNIT_PARAMETER, OpenApiParameter("active", bool), *EXPORT_PARAMETERS],
        responses=export_responses(RewardSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, RewardFilterSerializer)
        rewards = selectors.reward_list_visible(
            user=request.user, within=filters.get("unit"), active=filters["active"]
        )
        if file_format := self.export_format():
            return exports.reward_export(
                export_request(self, request, file_format, filters), rewards
            )
        page = self.paginate_queryset(rewards)
        return self.get_paginated_response(RewardSerializer(page, many=True).data)

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


class RedemptionViewSet(LedgerExportMixin, viewsets.GenericViewSet[Redemption]):
    """Redemptions (积分兑换): a volunteer's own, or those of the staff's area, newest first."""

    serializer_class = RedemptionSerializer

    def get_queryset(self) -> QuerySet[Redemption]:
        return selectors.redemption_list_visible(user=self.request.user)

    def get_object(self) -> Redemption:
        return selectors.redemption_get(user=self.request.user, pk=self.kwargs["pk"])

    @extend_schema(
        parameters=[
            UNIT_PARAMETER,
            OpenApiParameter("volunteer", int),
            OpenApiParameter("handed_over", bool),
            *EXPORT_PARAMETERS,
        ],
        responses=export_responses(RedemptionSerializer(many=True)),
    )
    def list(self, request: Request) -> HttpResponseBase:
        filters = validated_query(request, RedemptionFilterSerializer)
        redemptions = selectors.redemption_list_visible(
            user=request.user,
            within=filters.get("unit"),
            volunteer=filters.get("volunteer"),
            handed_over=filters["handed_over"],
        )
        if file_format := self.export_format():
            return exports.redemption_export(
                export_request(self, request, file_format, filters), redemptions
            )
        page = self.paginate_queryset(redemptions)
        return self.get_paginated_response(
            RedemptionSerializer(page, many=True, context=_context(request)).data
        )

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


# --- Read-only registers -----------------------------------------------------------------------


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


__all__ = [
    "ActivityViewSet",
    "DualRegistrationViewSet",
    "PartnerUnitViewSet",
    "PointViewSet",
    "RedemptionViewSet",
    "RewardViewSet",
    "TeamViewSet",
    "VolunteerViewSet",
    "WishViewSet",
    "WorkOrderViewSet",
]
