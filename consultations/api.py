"""``topics/``: consultation topics (一征三议两公开) of the caller's area.

``GET topics/`` (``?unit=``, ``?status=``, ``?kind=`` the format — 居民说事, 院坝问事… —,
``?q=``; ``?format=xlsx|csv`` is the ledger), ``POST`` =
一征 (optionally from a ``petition`` of the channel 人民建议), ``GET topics/{id}/`` with the
stages, votes, timeline and ``actions``; ``POST topics/{id}/propose/``, ``deliberate/``,
``votes/`` (one person's vote while the meeting decides; a second vote of the same person is a
409), ``decide/`` (409 without a quorum), ``publish/``, ``publish-result/``, ``withdraw/``;
``GET topics/{id}/events/``. 404 outside the area, 403 for a role that may not act, 409 for a
step the topic's status does not allow or a stale ``version``."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from consultations import exports, selectors, services
from consultations.models import (
    Meeting,
    MeetingStatus,
    Project,
    ProjectStatus,
    Topic,
    TopicFormat,
    TopicStatus,
)
from consultations.serializers import (
    CancelSerializer,
    DecideSerializer,
    DeliberateSerializer,
    HoldSerializer,
    InviteeSerializer,
    InviteSerializer,
    MeetingCreateSerializer,
    MeetingDetailSerializer,
    MeetingFilterSerializer,
    MeetingSerializer,
    OrderWorkSerializer,
    ProjectCompleteSerializer,
    ProjectCreateSerializer,
    ProjectDetailSerializer,
    ProjectFilterSerializer,
    ProjectFundSerializer,
    ProjectSerializer,
    ProjectStepSerializer,
    ProposeSerializer,
    PublishSerializer,
    ResultSerializer,
    SignInSerializer,
    TopicCreateSerializer,
    TopicDetailSerializer,
    TopicEventSerializer,
    TopicFilterSerializer,
    TopicSerializer,
    VoteCreateSerializer,
    VoteSerializer,
    WithdrawSerializer,
)
from governance.api import step_actions
from governance.errors import OutOfScope, ValidationFailed
from governance.ledger.api import ScopedListViewSet
from orgchart import policy
from orgchart.api import export_request, validated_body
from orgchart.models import User


def _actor(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101 - IsAuthenticated guarantees a real user
    return user


def _context(request: Request) -> dict[str, Any]:
    return {"request": request, "now": timezone.now()}


def _topic_detail(request: Request, topic_id: int, code: int = status.HTTP_200_OK) -> Response:
    topic = selectors.topic_get(user=request.user, pk=topic_id)
    return Response(TopicDetailSerializer(topic, context=_context(request)).data, status=code)


_topic_step = step_actions(
    target="topic", answer=_topic_detail, answer_serializer=TopicDetailSerializer
)


class TopicViewSet(ScopedListViewSet[Topic]):
    """Consultation topics (议事协商) of the caller's area, newest first."""

    serializer_class = TopicSerializer
    filter_serializer = TopicFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int, description="Within this subtree."),
        OpenApiParameter("status", str, enum=TopicStatus.values),
        OpenApiParameter("kind", str, enum=TopicFormat.values, description="The format."),
        OpenApiParameter("q", str),
    ]

    def get_queryset(self) -> QuerySet[Topic]:
        return selectors.topic_list_visible(user=self.request.user)

    def get_object(self) -> Topic:
        return selectors.topic_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Topic]:
        return selectors.topic_list_visible(
            user=request.user,
            within=filters.get("unit"),
            status=filters.get("status", ""),
            format=filters.get("kind", ""),
            query=filters.get("q", ""),
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Topic]
    ) -> HttpResponseBase:
        return exports.topic_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    @extend_schema(responses={200: TopicDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(TopicDetailSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=TopicCreateSerializer, responses={201: TopicDetailSerializer})
    def create(self, request: Request) -> Response:
        """一征: post a topic of a community (community and grid workers), optionally promoted
        from a petition of the channel 人民建议."""
        data = validated_body(request, TopicCreateSerializer)
        topic = services.topic_solicit(actor=_actor(request), **data)
        return _topic_detail(request, topic.pk, status.HTTP_201_CREATED)

    propose = _topic_step(
        services.topic_propose,
        ProposeSerializer,
        "propose",
        "提议 by the community's party organisation: ``solicited`` → ``proposed``.",
    )
    deliberate = _topic_step(
        services.topic_deliberate,
        DeliberateSerializer,
        "deliberate",
        "商议 by the consultation council, calling ``electorate`` members to the deciding "
        "meeting with a ``quorum``: ``proposed`` → ``deliberated``.",
    )
    decide = _topic_step(
        services.topic_decide,
        DecideSerializer,
        "decide",
        "决议 with the votes recorded (409 without a quorum): ``deliberated`` → ``decided`` "
        "(or ``not_adopted`` when the votes for are not more than half of those cast).",
    )
    publish = _topic_step(
        services.topic_publish,
        PublishSerializer,
        "publish",
        "决议公开 for ``notice_days`` days: ``decided`` → ``published``.",
    )
    publish_result = _topic_step(
        services.topic_publish_result,
        ResultSerializer,
        "publish_result",
        "结果公开: ``published`` → ``concluded``.",
        url_path="publish-result",
        url_name="publish-result",
    )
    withdraw = _topic_step(
        services.topic_withdraw,
        WithdrawSerializer,
        "withdraw",
        "The community withdraws the topic before the decision: → ``withdrawn``.",
    )

    @extend_schema(request=VoteCreateSerializer, responses={201: VoteSerializer})
    @action(detail=True, methods=["post"], url_path="votes", url_name="votes")
    def votes(self, request: Request, pk: str) -> Response:
        """Record one person's vote while the meeting decides (``deliberated``). A person votes
        once: a second vote is a 409."""
        topic = self.get_object()
        data = validated_body(request, VoteCreateSerializer)
        vote = services.vote_record(actor=_actor(request), topic=topic, **data)
        return Response(
            VoteSerializer(vote, context=_context(request)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=OrderWorkSerializer, responses={201: TopicDetailSerializer})
    @action(detail=True, methods=["post"], url_path="order-work", url_name="order-work")
    def order_work(self, request: Request, pk: str) -> Response:
        """五单法: order the decision as a work order of the community (a decision that
        carried, once; 409 otherwise). Its verification (验单) publishes the result."""
        topic = self.get_object()
        data = validated_body(request, OrderWorkSerializer)
        services.topic_order_work(actor=_actor(request), topic=topic, **data)
        return _topic_detail(request, topic.pk, status.HTTP_201_CREATED)

    @extend_schema(responses={200: TopicEventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def events(self, request: Request, pk: str) -> Response:
        """The topic's timeline, oldest first."""
        topic = self.get_object()
        events = selectors.topic_events(topic=topic)
        return Response(TopicEventSerializer(events, many=True, context=_context(request)).data)


def _meeting_detail(request: Request, meeting_id: int, code: int = status.HTTP_200_OK) -> Response:
    meeting = selectors.meeting_get(user=request.user, pk=meeting_id)
    return Response(MeetingDetailSerializer(meeting, context=_context(request)).data, status=code)


_meeting_step = step_actions(
    target="meeting", answer=_meeting_detail, answer_serializer=MeetingDetailSerializer
)


class MeetingViewSet(ScopedListViewSet[Meeting]):
    """Consultation meetings (议事会议) of the caller's area, the latest first: their agenda,
    invitees, sign-in and minutes."""

    serializer_class = MeetingSerializer
    filter_serializer = MeetingFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int, description="Within this subtree."),
        OpenApiParameter("status", str, enum=MeetingStatus.values),
    ]

    def get_queryset(self) -> QuerySet[Meeting]:
        return selectors.meeting_list_visible(user=self.request.user)

    def get_object(self) -> Meeting:
        return selectors.meeting_get(user=self.request.user, pk=self.kwargs["pk"])

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Meeting]:
        return selectors.meeting_list_visible(
            user=request.user, within=filters.get("unit"), status=filters.get("status", "")
        )

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Meeting]
    ) -> HttpResponseBase:
        return exports.meeting_export(export_request(self, request, file_format, filters), rows)

    def list_context(self, request: Request) -> dict[str, Any]:
        return _context(request)

    @extend_schema(responses={200: MeetingDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MeetingDetailSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=MeetingCreateSerializer, responses={201: MeetingDetailSerializer})
    def create(self, request: Request) -> Response:
        """Schedule a meeting of a community with its agenda (the community's workers)."""
        data = validated_body(request, MeetingCreateSerializer)
        meeting = services.meeting_schedule(actor=_actor(request), **data)
        return _meeting_detail(request, meeting.pk, status.HTTP_201_CREATED)

    @extend_schema(request=InviteSerializer, responses={201: InviteeSerializer})
    @action(detail=True, methods=["post"], url_path="invitees", url_name="invitees")
    def invite(self, request: Request, pk: str) -> Response:
        """Invite a resident (``person``) or an organisation (``name``) to a scheduled
        meeting."""
        meeting = self.get_object()
        data = validated_body(request, InviteSerializer)
        invitee = services.meeting_invite(actor=_actor(request), meeting=meeting, **data)
        return Response(
            InviteeSerializer(invitee, context=_context(request)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(request=SignInSerializer, responses={200: InviteeSerializer})
    @action(detail=True, methods=["post"], url_path="sign-in", url_name="sign-in")
    def sign_in(self, request: Request, pk: str) -> Response:
        """签到: an invitee of this meeting arrives (from an hour before the start)."""
        meeting = self.get_object()
        data = validated_body(request, SignInSerializer)
        invitee = meeting.invitees.filter(pk=data["invitee"]).first()
        if invitee is None:
            raise ValidationFailed(fields={"invitee": [gettext("Not an invitee of this meeting.")]})
        signed = services.meeting_sign_in(actor=_actor(request), invitee=invitee)
        return Response(InviteeSerializer(signed, context=_context(request)).data)

    hold = _meeting_step(
        services.meeting_hold,
        HoldSerializer,
        "hold",
        "The meeting took place; its minutes: ``scheduled`` → ``held``.",
    )
    cancel = _meeting_step(
        services.meeting_cancel,
        CancelSerializer,
        "cancel",
        "Call the meeting off: ``scheduled`` → ``cancelled``.",
    )


def _projects(user: Any) -> QuerySet[Project]:
    return (
        policy.policy(user, Project)
        .select_related("compound", "community")
        .prefetch_related("steps")
        .order_by("-started_at", "-id")
    )


def _project_detail(request: Request, project_id: int, code: int = status.HTTP_200_OK) -> Response:
    project = _projects(request.user).filter(pk=project_id).first()
    if project is None:
        raise OutOfScope()
    return Response(ProjectDetailSerializer(project, context=_context(request)).data, status=code)


_project_step = step_actions(
    target="project", answer=_project_detail, answer_serializer=ProjectDetailSerializer
)


class ProjectViewSet(ScopedListViewSet[Project]):
    """Micro-governance projects (微治理) of the caller's area, newest first: the seven steps
    with their evidence, the funds and their sources."""

    serializer_class = ProjectSerializer
    filter_serializer = ProjectFilterSerializer
    list_parameters = [
        OpenApiParameter("unit", int, description="Within this subtree."),
        OpenApiParameter("status", str, enum=ProjectStatus.values),
    ]

    def get_queryset(self) -> QuerySet[Project]:
        return _projects(self.request.user)

    def get_object(self) -> Project:
        project = _projects(self.request.user).filter(pk=_pk(self.kwargs["pk"])).first()
        if project is None:
            raise OutOfScope()
        return project

    def rows(self, request: Request, filters: dict[str, Any]) -> QuerySet[Project]:
        rows = _projects(request.user)
        unit = filters.get("unit")
        if unit is not None:
            rows = rows.filter(
                community__tree_id=unit.tree_id,
                community__lft__gte=unit.lft,
                community__lft__lte=unit.rght,
            )
        if filters.get("status"):
            rows = rows.filter(status=filters["status"])
        return rows

    def export(
        self, request: Request, file_format: str, filters: dict[str, Any], rows: QuerySet[Project]
    ) -> HttpResponseBase:
        return exports.project_export(export_request(self, request, file_format, filters), rows)

    @extend_schema(responses={200: ProjectDetailSerializer})
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ProjectDetailSerializer(self.get_object(), context=_context(request)).data)

    @extend_schema(request=ProjectCreateSerializer, responses={201: ProjectDetailSerializer})
    def create(self, request: Request) -> Response:
        """Start a compound's project (the community's workers)."""
        data = validated_body(request, ProjectCreateSerializer)
        project = services.project_start(actor=_actor(request), **data)
        return _project_detail(request, project.pk, status.HTTP_201_CREATED)

    @extend_schema(request=ProjectStepSerializer, responses={200: ProjectDetailSerializer})
    @action(detail=True, methods=["post"], url_path="steps", url_name="steps")
    def step(self, request: Request, pk: str) -> Response:
        """Record the next of the seven steps with its evidence (in order: 409 otherwise)."""
        project = self.get_object()
        data = validated_body(request, ProjectStepSerializer)
        services.project_step(
            actor=_actor(request),
            project=project,
            kind=data["kind"],
            evidence=data["evidence"],
            expected_version=data.get("version"),
        )
        return _project_detail(request, project.pk)

    @extend_schema(request=ProjectFundSerializer, responses={201: ProjectDetailSerializer})
    @action(detail=True, methods=["post"], url_path="funds", url_name="funds")
    def fund(self, request: Request, pk: str) -> Response:
        """Record funds and their source (四公开) while the project is in progress."""
        project = self.get_object()
        data = validated_body(request, ProjectFundSerializer)
        services.project_fund_add(actor=_actor(request), project=project, **data)
        return _project_detail(request, project.pk, status.HTTP_201_CREATED)

    complete = _project_step(
        services.project_complete,
        ProjectCompleteSerializer,
        "complete",
        "Complete the project once its seven steps are done: → ``completed`` (409 before).",
    )
    cancel = _project_step(
        services.project_cancel,
        CancelSerializer,
        "cancel",
        "Stop a project in progress: → ``cancelled``.",
    )


def _pk(value: Any) -> int:
    text = str(value)
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise OutOfScope()
    return int(text)
