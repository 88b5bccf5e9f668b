"""REST endpoints of petitions (DESIGN §5, §7).

Reads go through ``petitions.selectors`` (scoped by ``orgchart.policy``: a row outside the
caller's scope is a 404). Every state change is an explicit POST action: an input serializer
checks the shape, one service call does the change (403 when the role may not act, 409 for an
illegal transition or a stale ``version``), the detail serializer renders the result.

* ``deadline-policies/`` (everyone reads; admins ``POST`` and ``PATCH``)
* ``petitions/`` (list filters: ``unit``, ``status``, ``q``, ``category``, ``channel``,
  ``overdue``, ``supervised``, ``repeat``, ``complex``, ``handled_here``; ``POST`` = intake,
  JSON or multipart with attachments), ``{id}/`` with its clocks, lights, whistles and
  ``actions``, ``{id}/events/`` (the timeline), ``{id}/attachments/{attachment_id}/`` and the
  actions ``accept``, ``reject``, ``start``, ``dispatch``, ``reply``, ``evaluate``, ``close``,
  ``reopen``, ``supervise``, ``request-extension``, ``decide-extension``, ``tag-complex``
* ``dispatches/`` (a handler's inbox; ``status``, ``open``, ``overdue``, ``q``, ``sort``,
  ``unit``, ``petition``), ``{id}/photos/{photo_id}/`` (a photo of the result) and the actions
  ``report``, ``return``, ``complete`` (JSON, or multipart with ``photos``), ``rate``
* ``notifications/`` (the caller's inbox with ``unread_count``; ``?unread=1``),
  ``notifications/unread-count/``, ``POST notifications/mark-read/``

Every list also answers ``?format=xlsx|csv`` through ``petitions.exports``, with the rows of
the JSON list (scope and filters applied, unpaginated).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from governance.api import (
    ImageRenderer,
    KeysetPagination,
    PrivateFileMixin,
    PrivateFileRenderer,
    private_file_response,
    step_actions,
)
from governance.errors import OutOfScope
from governance.keyset import Keyset, emptied
from governance.ledger.api import (
    ScopedListViewSet,
)
from governance.parsers import UPLOAD_PARSERS
from governance.replica import replica_reads
from notifications.models import Notification
from notifications.selectors import notification_unread_count
from notifications.services import notification_mark_read
from orgchart.api import export_request, validated_body
from orgchart.models import User
from petitions import exports, selectors, services
from petitions.models import (
    Category,
    Channel,
    DeadlinePolicy,
    Dispatch,
    DispatchStatus,
    Petition,
    Status,
    Track,
)
from petitions.selectors import DispatchSort
from petitions.serializers import (
    CompleteSerializer,
    DeadlinePolicyFilterSerializer,
    DeadlinePolicySerializer,
    DeadlinePolicyWriteSerializer,
    DispatchCreateSerializer,
    DispatchDetailSerializer,
    DispatchFilterSerializer,
    DispatchListSerializer,
    EvaluateSerializer,
    ExtensionDecisionSerializer,
    ExtensionRequestSerializer,
    MarkedReadSerializer,
    MarkReadSerializer,
    NoteSerializer,
    NotificationFilterSerializer,
    NotificationSerializer,
    PetitionCreateSerializer,
    PetitionDetailSerializer,
    PetitionEventSerializer,
    PetitionFilterSerializer,
    PetitionSerializer,
    RateSerializer,
    ReasonSerializer,
    ReplySerializer,
    RequiredNoteSerializer,
    TagComplexSerializer,
    UnreadCountSerializer,
)


def _actor(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - IsAuthenticated guarantees a real user
    return user


def _context(request: Request) -> dict[str, Any]:
    """Serializer context: the request, and one clock for every light of the response."""
    return {"request": request, "now": timezone.now()}


class DeadlinePolicyViewSet(ScopedListViewSet[DeadlinePolicy]):
    """Deadline policies (时限标准): how long each stage may take, by track, category and
    urgency. Everyone reads them; administrators create and change them."""

    serializer_class = DeadlinePolicySerializer
    filter_serializer = DeadlinePolicyFilterSerializer
    list_parameters = [
        OpenApiParameter("track", str, enum=Track.values),
        OpenApiParameter("is_active", bool),
    ]

    def get_queryset(self) -> QuerySet[DeadlinePolicy]:
        return selectors.deadline_policy_list(user=self.request.user)

    def get_object(self) -> DeadlinePolicy:
        try:
            return self.get_queryset().get(pk=self.kwargs["pk"])
        except (DeadlinePolicy.DoesNotExist, ValueError, TypeError) as error:
            raise OutOfScope() from error

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[DeadlinePolicy]:
        policies = self.get_queryset()
        if filters.get("track"):
            policies = policies.filter(track=filters["track"])
        if filters.get("is_active") is not None:
            policies = policies.filter(is_active=filters["is_active"])
        return policies

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[DeadlinePolicy],
    ) -> HttpResponseBase:
        return exports.deadline_policy_export(
            export_request(self, request, file_format, filters), rows
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(DeadlinePolicySerializer(self.get_object()).data)

    @extend_schema(request=DeadlinePolicyWriteSerializer, responses={201: DeadlinePolicySerializer})
    def create(self, request: Request) -> Response:
        services.deadline_policy_require_admin(request.user)
        data = validated_body(request, DeadlinePolicyWriteSerializer)
        created = services.deadline_policy_create(actor=request.user, **data)
        return Response(DeadlinePolicySerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DeadlinePolicyWriteSerializer, responses={200: DeadlinePolicySerializer})
    def partial_update(self, request: Request, pk: str) -> Response:
        deadline_policy = self.get_object()
        services.deadline_policy_require_admin(request.user)
        data = validated_body(request, DeadlinePolicyWriteSerializer, partial=True)
        updated = services.deadline_policy_update(
            actor=request.user, deadline_policy=deadline_policy, **data
        )
        return Response(DeadlinePolicySerializer(updated).data)


# --- Petitions -------------------------------------------------------------------------------

PETITION_FILTERS = [
    OpenApiParameter("unit", int, description=gettext_lazy("Only petitions arising here.")),
    OpenApiParameter("status", str, enum=Status.values),
    OpenApiParameter("q", str, description=gettext_lazy("The whole number, or part of the title.")),
    OpenApiParameter("category", str, enum=Category.values),
    OpenApiParameter("channel", str, enum=Channel.values),
    OpenApiParameter("overdue", bool),
    OpenApiParameter("supervised", bool),
    OpenApiParameter("repeat", bool),
    OpenApiParameter("complex", bool),
    OpenApiParameter(
        "handled_here", bool, description=gettext_lazy("Only cases my unit must act on now.")
    ),
]


def _detail(request: Request, petition_id: int) -> Response:
    petition = selectors.petition_get(user=request.user, pk=petition_id)
    return Response(PetitionDetailSerializer(petition, context=_context(request)).data)


_petition_step = step_actions(
    target="petition", answer=_detail, answer_serializer=PetitionDetailSerializer
)


class PetitionViewSet(PrivateFileMixin, ScopedListViewSet[Petition]):
    """Petitions (诉求/信访) in the caller's scope, overdue first, then newest. A grid worker
    sees those they logged or that concern their grids; a department handler those whistled to
    the department, with the petitioner masked."""

    serializer_class = PetitionSerializer
    filter_serializer = PetitionFilterSerializer
    list_parameters = PETITION_FILTERS
    pagination_class = KeysetPagination
    parser_classes = UPLOAD_PARSERS

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # The long list reads from the replica when there is one (governance.replica).
        with replica_reads():
            return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Petition]:
        return selectors.petition_list_visible(user=self.request.user)

    def get_object(self) -> Petition:
        return selectors.petition_get(user=self.request.user, pk=self.kwargs["pk"])

    def _selected(self, request: Request, filters: dict[str, Any]) -> dict[str, Any]:
        """The selector's arguments for these filters."""
        # ?handled_here=1: the cases the caller's own unit must act on now (none for a role
        # anchored at a department).
        here = getattr(request.user, "anchor_unit", None) if filters["handled_here"] else None
        return {
            "user": request.user,
            "within": filters.get("unit"),
            "status": filters.get("status", ""),
            "category": filters.get("category", ""),
            "channel": filters.get("channel", ""),
            "query": filters.get("q", ""),
            "overdue": filters["overdue"],
            "supervised": filters["supervised"],
            "repeat": filters["repeat"],
            "complex_only": filters["complex"],
            "handled_by": here,
        }

    @staticmethod
    def _nothing(selected: dict[str, Any], filters: dict[str, Any]) -> bool:
        return bool(filters["handled_here"]) and selected["handled_by"] is None

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Petition]:
        selected = self._selected(request, filters)
        petitions = selectors.petition_list_visible(**selected)
        return petitions.none() if self._nothing(selected, filters) else petitions

    def pages(self, request: Request, filters: dict[str, Any]) -> Keyset[Petition]:
        selected = self._selected(request, filters)
        petitions = selectors.petition_pages(**selected)
        return emptied(petitions) if self._nothing(selected, filters) else petitions

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Petition],
    ) -> HttpResponseBase:
        return exports.petition_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    @extend_schema(responses={200: PetitionDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(PetitionDetailSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(
        request={
            "application/json": PetitionCreateSerializer,
            "multipart/form-data": PetitionCreateSerializer,
        },
        responses={201: PetitionDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        """Intake (登记) by a community or grid worker: → ``submitted``, handled by the
        community where it arose; the accept clock starts."""
        data = validated_body(request, PetitionCreateSerializer)
        petition = services.petition_create(actor=_actor(request), **data)
        response = _detail(request, petition.pk)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(responses={200: PetitionEventSerializer(many=True)})
    # The whole timeline at once: not paged like the list.
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request: Request, pk: str) -> Response:
        """The timeline: every event of the petition and its whistles, oldest first."""
        petition = self.get_object()
        events = selectors.petition_timeline(user=request.user, petition=petition)
        return Response(PetitionEventSerializer(events, many=True).data)

    @extend_schema(responses={(200, "*/*"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"attachments/(?P<attachment_id>[0-9]+)",
        url_name="attachment",
        renderer_classes=[JSONRenderer, PrivateFileRenderer],
    )
    def attachment(self, request: Request, pk: str, attachment_id: str) -> HttpResponseBase:
        """One attachment of the petition, for whoever sees the petition."""
        petition = self.get_object()
        attachment = petition.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise OutOfScope()
        return private_file_response(
            attachment.file, download_name=attachment.name, cache_control="private, no-store"
        )

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer(
                "RevealedPetitioner",
                {"name": serializers.CharField(), "phone": serializers.CharField()},
            )
        },
    )
    @action(detail=True, methods=["post"], url_path="reveal-petitioner")
    def reveal_petitioner(self, request: Request, pk: str) -> Response:
        """The petitioner's name and phone in full (audited): for the roles that reveal
        personal data and for a handler while the department's whistle on the case is open
        (404 afterwards)."""
        petition = self.get_object()
        shown = services.petition_reveal_petitioner(actor=request.user, petition=petition)
        response = Response({"name": shown.name, "phone": shown.phone})
        response["Cache-Control"] = "no-store"
        return response

    # --- Actions of unit staff and officials (DESIGN §5) -------------------------------------

    accept = _petition_step(
        services.petition_accept,
        NoteSerializer,
        "accept",
        "受理: ``submitted`` → ``accepted``; the resolve clock starts.",
    )
    reject = _petition_step(
        services.petition_reject,
        ReasonSerializer,
        "reject",
        "不予受理 with a reason: ``submitted`` → ``rejected``.",
    )
    start = _petition_step(
        services.petition_start,
        NoteSerializer,
        "start",
        "自办: ``accepted`` → ``in_progress``, the unit handles it itself.",
    )
    whistle = _petition_step(
        services.petition_dispatch,
        DispatchCreateSerializer,
        "whistle",
        "吹哨: summon the lead department (主办) and any assisting ones (协办) → "
        "``dispatched``; each must report (报到) by its deadline.",
        url_path="dispatch",
        url_name="dispatch",
        defaults={"lead": None},
    )
    reply = _petition_step(
        services.petition_reply,
        ReplySerializer,
        "reply",
        "答复: ``in_progress`` → ``replied``, once every whistle is completed or returned.",
    )
    evaluate = _petition_step(
        services.petition_evaluate,
        EvaluateSerializer,
        "evaluate",
        "回访: satisfied or basically satisfied → ``closed``; unsatisfied → ``accepted``.",
    )
    close = _petition_step(
        services.petition_close,
        ReasonSerializer,
        "close",
        "Close a replied petition without an evaluation (the petitioner cannot be reached).",
    )
    reopen = _petition_step(
        services.petition_reopen,
        ReasonSerializer,
        "reopen",
        "复查: ``closed`` → ``accepted`` within 30 days of closing.",
    )
    supervise = _petition_step(
        services.petition_supervise,
        RequiredNoteSerializer,
        "supervise",
        "督办 by an official above the handling unit: a flag and a note, no status change.",
    )
    request_extension = _petition_step(
        services.petition_request_extension,
        ExtensionRequestSerializer,
        "request_extension",
        "延期申请: the handling unit asks its parent for more time (once, within the "
        "policy's limit).",
        url_path="request-extension",
    )
    decide_extension = _petition_step(
        services.petition_decide_extension,
        ExtensionDecisionSerializer,
        "decide_extension",
        "An official of the parent unit approves (the resolve deadline moves) or refuses "
        "(with a note) the pending extension request.",
        url_path="decide-extension",
    )
    tag_complex = _petition_step(
        services.petition_tag_complex,
        TagComplexSerializer,
        "tag_complex",
        "Tag an open case 疑难复杂 (or untag it with no tags) for the monthly review.",
        url_path="tag-complex",
    )


# --- Dispatches ------------------------------------------------------------------------------


def _dispatch_detail(request: Request, dispatch_id: int) -> Response:
    dispatch = selectors.dispatch_get(user=request.user, pk=dispatch_id)
    return Response(DispatchDetailSerializer(dispatch, context=_context(request)).data)


_dispatch_step = step_actions(
    target="dispatch", answer=_dispatch_detail, answer_serializer=DispatchDetailSerializer
)


class DispatchViewSet(PrivateFileMixin, ScopedListViewSet[Dispatch]):
    """Whistles (吹哨). For a department handler: the department's inbox, open ones first by
    their deadline (or ``?sort=whistled``: the newest first); for unit staff: the whistles of
    the petitions they see."""

    serializer_class = DispatchListSerializer
    filter_serializer = DispatchFilterSerializer
    pagination_class = KeysetPagination
    list_parameters = [
        OpenApiParameter("status", str, enum=DispatchStatus.values),
        OpenApiParameter("open", bool),
        OpenApiParameter(
            "overdue",
            bool,
            description=gettext_lazy(
                "1: only open ones that missed a deadline or whose clock ran out."
            ),
        ),
        OpenApiParameter(
            "q",
            str,
            description=gettext_lazy(
                "The petition's whole number, or part of its title or address."
            ),
        ),
        OpenApiParameter(
            "sort",
            str,
            enum=list(DispatchSort.ALL),
            description=gettext_lazy(
                "deadline (the default): open ones first, the clock that runs out soonest "
                "first; whistled: the newest whistle first."
            ),
        ),
        OpenApiParameter("unit", int),
        OpenApiParameter("petition", int),
    ]
    parser_classes = UPLOAD_PARSERS

    def get_queryset(self) -> QuerySet[Dispatch]:
        return selectors.dispatch_list_visible(user=self.request.user)

    def get_object(self) -> Dispatch:
        return selectors.dispatch_get(user=self.request.user, pk=self.kwargs["pk"])

    @staticmethod
    def _selected(request: Request, filters: dict[str, Any]) -> dict[str, Any]:
        """The selector's arguments for these filters."""
        return {
            "user": request.user,
            "status": filters.get("status", ""),
            "open_only": filters["open"],
            "within": filters.get("unit"),
            "overdue": filters["overdue"],
            "query": filters.get("q", ""),
            "sort": filters["sort"],
            "petition": filters.get("petition"),
        }

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Dispatch]:
        return selectors.dispatch_list_visible(**self._selected(request, filters))

    def pages(self, request: Request, filters: dict[str, Any]) -> Keyset[Dispatch]:
        return selectors.dispatch_pages(**self._selected(request, filters))

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Dispatch],
    ) -> HttpResponseBase:
        return exports.dispatch_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    @extend_schema(responses={200: DispatchDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(DispatchDetailSerializer(self.get_object(), context=_context(request)).data)

    report = _dispatch_step(
        services.dispatch_report,
        NoteSerializer,
        "report",
        "报到: the department takes responsibility: ``pending`` → ``reported``.",
    )
    return_dispatch = _dispatch_step(
        services.dispatch_return,
        ReasonSerializer,
        "return_dispatch",
        "退单: not this department's matter (reason required) → ``returned``.",
        url_path="return",
        url_name="return",
    )
    complete = _dispatch_step(
        services.dispatch_complete,
        CompleteSerializer,
        "complete",
        "办结: the department finished its part (note required; JSON, or multipart with "
        "``photos`` of the result, checked as visit photos are): ``reported`` → "
        "``completed``.",
        request_schema={
            "application/json": RequiredNoteSerializer,
            "application/x-www-form-urlencoded": RequiredNoteSerializer,
            "multipart/form-data": CompleteSerializer,
        },
    )
    rate = _dispatch_step(
        services.dispatch_rate,
        RateSerializer,
        "rate",
        "Reverse rating (考核权倒挂, 1–5) by the whistling unit once the petition is closed.",
    )

    @extend_schema(responses={(200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY)})
    @action(
        detail=True,
        methods=["get"],
        url_path=r"photos/(?P<photo_id>[0-9]+)",
        url_name="photo",
        renderer_classes=[JSONRenderer, ImageRenderer],
    )
    def photo(self, request: Request, pk: str, photo_id: str) -> HttpResponseBase:
        """One photo of the whistle's result, for whoever sees the whistle."""
        found = selectors.dispatch_photo_get(user=request.user, dispatch_id=pk, pk=photo_id)
        return private_file_response(found.image)


# --- Notifications ---------------------------------------------------------------------------


class NotificationViewSet(ScopedListViewSet[Notification]):
    """The caller's own inbox, newest first, with the unread count."""

    serializer_class = NotificationSerializer
    filter_serializer = NotificationFilterSerializer
    list_parameters = [
        OpenApiParameter("unread", bool, description=gettext_lazy("1: only unread ones.")),
    ]

    def get_queryset(self) -> QuerySet[Notification]:
        return selectors.notification_list(user=self.request.user)

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Notification]:
        return selectors.notification_list(user=request.user, unread_only=filters["unread"])

    def export(
        self,
        request: Request,
        file_format: str,
        filters: dict[str, Any],
        rows: QuerySet[Notification],
    ) -> HttpResponseBase:
        return exports.notification_export(
            export_request(self, request, file_format, filters), rows
        )

    def list_context(self, request: Request) -> dict[str, Any]:
        return {}

    def list_extras(self, request: Request, filters: dict[str, Any]) -> dict[str, Any]:
        return {"unread_count": notification_unread_count(user=request.user)}

    @extend_schema(responses={200: UnreadCountSerializer})
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        """How many of the caller's notifications are unread (the navbar badge)."""
        return Response({"unread_count": notification_unread_count(user=request.user)})

    @extend_schema(request=MarkReadSerializer, responses={200: MarkedReadSerializer})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        """Mark the given notifications (``ids``), or all (``all: true``), read. Ids of other
        users' notifications are ignored. Idempotent."""
        data = validated_body(request, MarkReadSerializer)
        user = _actor(request)
        marked = notification_mark_read(
            user=user, notification_ids=None if data["all"] else data["ids"]
        )
        return Response({"marked": marked, "unread_count": notification_unread_count(user=user)})
