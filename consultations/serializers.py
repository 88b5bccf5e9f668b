"""Serializers of the consultation topics: the list and its filters, the detail with its
stages, votes, timeline and the ``actions`` the caller may take now, and the bodies of the
steps (each with an optional ``version``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from consultations import selectors
from consultations.models import (
    NOTICE_DAYS_DEFAULT,
    NOTICE_DAYS_MAX,
    PROJECT_STEPS,
    FundSource,
    Invitee,
    InviteeKind,
    Meeting,
    MeetingStatus,
    Project,
    ProjectStatus,
    ProjectStepKind,
    Topic,
    TopicEvent,
    TopicFormat,
    TopicStatus,
    Vote,
    VoteChoice,
)
from consultations.workflows import MEETING_WORKFLOW, PROJECT_WORKFLOW, TOPIC_WORKFLOW
from governance.api import MomentField
from governance.pii import mask_name
from governance.workflow import available_actions
from orgchart import policy
from orgchart.models import Person, User
from orgchart.policy import AnyUser, sees_full_names
from orgchart.serializers import ScopedPersonField, ScopedUnitField
from petitions.models import Petition

TEXT_MAX = 4000


def _user(context: dict[str, Any]) -> AnyUser:
    return context["request"].user


def person_name(user: AnyUser, person: Person | None) -> str:
    """A resident's name as ``user`` may see it (``张*`` for the roles that see masked names)."""
    if person is None:
        return ""
    return person.name if sees_full_names(user) else person.masked_name


def actor_name(user: AnyUser, actor: User | None) -> str:
    if actor is None:
        return str(_("system"))
    name = actor.first_name or actor.username
    if policy.is_volunteer_account(actor) and not sees_full_names(user):
        return mask_name(name)
    return name


@extend_schema_field(OpenApiTypes.INT)
class ScopedPetitionField(serializers.PrimaryKeyRelatedField[Petition]):
    def get_queryset(self) -> Any:
        return policy.policy(self.context["request"].user, Petition)


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=_(
            "The version you last saw; when the record has changed since, the action is "
            "refused (409) instead of overwriting the newer state."
        ),
    )


class TopicFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only topics of this subtree."))
    status = serializers.ChoiceField(choices=TopicStatus.choices, required=False)
    kind = serializers.ChoiceField(
        choices=TopicFormat.choices, required=False, help_text=_("The format.")
    )
    q = serializers.CharField(required=False, max_length=100, help_text=_("Part of the topic."))


class TopicCreateSerializer(serializers.Serializer[Any]):
    """一征: a topic of a community (or one of its compounds), optionally promoted from a
    petition of the channel 人民建议."""

    community = ScopedUnitField(help_text=_("The community that consults on the topic."))
    unit = ScopedUnitField(
        required=False,
        allow_null=True,
        help_text=_("The compound it concerns, if not the whole community."),
    )
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    format = serializers.ChoiceField(choices=TopicFormat.choices)
    petition = ScopedPetitionField(
        required=False, allow_null=True, help_text=_("The people's suggestion it comes from.")
    )


class StepSerializer(serializers.Serializer[Any]):
    version = version_field()


class ProposeSerializer(StepSerializer):
    proposal = serializers.CharField(max_length=TEXT_MAX)


class DeliberateSerializer(StepSerializer):
    deliberation = serializers.CharField(max_length=TEXT_MAX)
    electorate = serializers.IntegerField(
        min_value=1, max_value=100_000, help_text=_("Members called to the deciding meeting.")
    )
    quorum = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=100_000,
        help_text=_("Votes needed to decide (default: more than half of those called)."),
    )


class DecideSerializer(StepSerializer):
    decision = serializers.CharField(max_length=TEXT_MAX)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.none(),
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The meeting that decided it (with the topic on its agenda)."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            field = self.fields["meeting"]
            field.queryset = policy.policy(request.user, Meeting)  # type: ignore[attr-defined]


class PublishSerializer(StepSerializer):
    notice_days = serializers.IntegerField(
        min_value=1, max_value=NOTICE_DAYS_MAX, required=False, default=NOTICE_DAYS_DEFAULT
    )
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ResultSerializer(StepSerializer):
    result = serializers.CharField(max_length=TEXT_MAX)


class WithdrawSerializer(StepSerializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class VoteCreateSerializer(serializers.Serializer[Any]):
    voter = ScopedPersonField(help_text=_("The resident (or representative) who votes."))
    choice = serializers.ChoiceField(choices=VoteChoice.choices)


class TopicSerializer(serializers.ModelSerializer[Topic]):
    community_name = serializers.CharField(source="community.name", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    format_label = serializers.CharField(source="get_format_display", read_only=True)
    petition_number = serializers.SerializerMethodField()

    class Meta:
        model = Topic
        fields = [
            "id",
            "community",
            "community_name",
            "unit",
            "unit_name",
            "title",
            "format",
            "format_label",
            "source",
            "petition",
            "petition_number",
            "status",
            "status_label",
            "solicited_at",
            "decided_at",
            "published_at",
            "notice_until",
            "result_published_at",
            "version",
        ]
        read_only_fields = fields

    def get_petition_number(self, topic: Topic) -> str:
        return topic.petition.number if topic.petition is not None else ""


class TopicEventSerializer(serializers.ModelSerializer[TopicEvent]):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = TopicEvent
        fields = [
            "id",
            "at",
            "action",
            "action_label",
            "actor_name",
            "actor_place",
            "from_status",
            "to_status",
            "note",
            "data",
        ]
        read_only_fields = fields

    def get_actor_name(self, event: TopicEvent) -> str:
        return actor_name(_user(self.context), event.actor)


class VoteSerializer(serializers.ModelSerializer[Vote]):
    voter_name = serializers.SerializerMethodField()
    choice_label = serializers.CharField(source="get_choice_display", read_only=True)

    class Meta:
        model = Vote
        fields = ["id", "voter", "voter_name", "choice", "choice_label", "recorded_at"]
        read_only_fields = fields

    def get_voter_name(self, vote: Vote) -> str:
        return person_name(_user(self.context), vote.voter)


def topic_actions(user: AnyUser, topic: Topic) -> list[str]:
    """The topic actions ``user`` may take now: the workflow's table and guards, then the
    policy."""
    return available_actions(TOPIC_WORKFLOW, topic, user, now=timezone.now())


def may_order_work(user: AnyUser, topic: Topic) -> bool:
    """Whether ``user`` may order the decision as a 五单法 work order now (a decision that
    carried, not yet ordered; the community's workers)."""
    return (
        topic.status in (TopicStatus.DECIDED, TopicStatus.PUBLISHED)
        and topic.work_order_id is None
        and policy.role_may(user, "topic.order_work", topic)
    )


class TopicDetailSerializer(TopicSerializer):
    """A topic with the text of every stage, the votes, the timeline and ``actions``: what the
    caller may do now (POST ``topics/{id}/<action>/``; ``votes/`` while the meeting decides)."""

    events = serializers.SerializerMethodField()
    votes = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    may_vote = serializers.SerializerMethodField()
    may_order_work = serializers.SerializerMethodField()
    work_order_number = serializers.CharField(
        source="work_order.number", read_only=True, default=""
    )
    work_order_status = serializers.CharField(
        source="work_order.status", read_only=True, default=""
    )

    class Meta(TopicSerializer.Meta):
        fields = [
            *TopicSerializer.Meta.fields,
            "description",
            "proposal",
            "proposed_at",
            "deliberation",
            "deliberated_at",
            "electorate",
            "quorum",
            "decision",
            "votes_for",
            "votes_against",
            "votes_abstain",
            "notice_days",
            "result",
            "withdrawn_reason",
            "decided_at_meeting",
            "work_order",
            "work_order_number",
            "work_order_status",
            "events",
            "votes",
            "actions",
            "may_vote",
            "may_order_work",
        ]
        read_only_fields = fields

    @extend_schema_field(TopicEventSerializer(many=True))
    def get_events(self, topic: Topic) -> Any:
        return TopicEventSerializer(
            selectors.topic_events(topic=topic), many=True, context=self.context
        ).data

    @extend_schema_field(VoteSerializer(many=True))
    def get_votes(self, topic: Topic) -> Any:
        return VoteSerializer(
            selectors.topic_votes(topic=topic), many=True, context=self.context
        ).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, topic: Topic) -> list[str]:
        return topic_actions(_user(self.context), topic)

    def get_may_order_work(self, topic: Topic) -> bool:
        return may_order_work(_user(self.context), topic)

    def get_may_vote(self, topic: Topic) -> bool:
        return topic.status == TopicStatus.DELIBERATED and policy.role_may(
            _user(self.context), "topic.vote", topic
        )


# --- Meetings ------------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class ScopedTopicField(serializers.PrimaryKeyRelatedField[Topic]):
    def get_queryset(self) -> Any:
        return policy.policy(self.context["request"].user, Topic)


class MeetingFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only meetings of this subtree."))
    status = serializers.ChoiceField(choices=MeetingStatus.choices, required=False)


class MeetingCreateSerializer(serializers.Serializer[Any]):
    community = ScopedUnitField(help_text=_("The community that holds the meeting."))
    title = serializers.CharField(max_length=120)
    format = serializers.ChoiceField(choices=TopicFormat.choices)
    starts_at = MomentField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    agenda = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    topics = ScopedTopicField(many=True, required=False, default=list)


class InviteSerializer(serializers.Serializer[Any]):
    kind = serializers.ChoiceField(choices=InviteeKind.choices)
    person = ScopedPersonField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")


class SignInSerializer(serializers.Serializer[Any]):
    invitee = serializers.IntegerField(min_value=1, max_value=2**63 - 1)


class HoldSerializer(StepSerializer):
    minutes = serializers.CharField(max_length=TEXT_MAX)


class CancelSerializer(StepSerializer):
    reason = serializers.CharField(max_length=TEXT_MAX)


class OrderWorkSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    content = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )
    funds = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=Decimal(0), required=False, default=Decimal(0)
    )
    funds_source = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )


class InviteeSerializer(serializers.ModelSerializer[Invitee]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    display_name = serializers.SerializerMethodField()

    class Meta:
        model = Invitee
        fields = ["id", "kind", "kind_label", "person", "display_name", "signed_in_at"]
        read_only_fields = fields

    def get_display_name(self, invitee: Invitee) -> str:
        if invitee.person is not None:
            return person_name(_user(self.context), invitee.person)
        return invitee.name


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    community_name = serializers.CharField(source="community.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    format_label = serializers.CharField(source="get_format_display", read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "community",
            "community_name",
            "title",
            "format",
            "format_label",
            "place",
            "starts_at",
            "status",
            "status_label",
            "held_at",
            "version",
        ]
        read_only_fields = fields


class MeetingDetailSerializer(MeetingSerializer):
    """A meeting with its agenda (the topics and the resolution each came to), invitees with
    their sign-in, minutes and ``actions``."""

    topics = serializers.SerializerMethodField()
    invitees = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(MeetingSerializer.Meta):
        fields = [
            *MeetingSerializer.Meta.fields,
            "agenda",
            "minutes",
            "cancel_reason",
            "topics",
            "invitees",
            "actions",
        ]
        read_only_fields = fields

    @extend_schema_field(TopicSerializer(many=True))
    def get_topics(self, meeting: Meeting) -> Any:
        return TopicSerializer(
            selectors.meeting_topics(meeting=meeting), many=True, context=self.context
        ).data

    @extend_schema_field(InviteeSerializer(many=True))
    def get_invitees(self, meeting: Meeting) -> Any:
        return InviteeSerializer(
            selectors.meeting_invitees(meeting=meeting), many=True, context=self.context
        ).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, meeting: Meeting) -> list[str]:
        return available_actions(MEETING_WORKFLOW, meeting, _user(self.context), now=timezone.now())


# --- Micro-governance projects ---------------------------------------------------------------


class ProjectFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only projects of this subtree."))
    status = serializers.ChoiceField(choices=ProjectStatus.choices, required=False)


class ProjectCreateSerializer(serializers.Serializer[Any]):
    compound = ScopedUnitField(help_text=_("The compound the project is for."))
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default=""
    )


class ProjectStepSerializer(StepSerializer):
    kind = serializers.ChoiceField(choices=ProjectStepKind.choices)
    evidence = serializers.CharField(max_length=TEXT_MAX)


class ProjectFundSerializer(serializers.Serializer[Any]):
    # A declared field, taken off the class by DRF's metaclass (not ``Field.source``).
    source = serializers.ChoiceField(choices=FundSource.choices)  # type: ignore[assignment]
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=Decimal("0.01"))
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ProjectCompleteSerializer(StepSerializer):
    note = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, default="")


class ProjectSerializer(serializers.ModelSerializer[Project]):
    compound_name = serializers.CharField(source="compound.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "compound",
            "compound_name",
            "community",
            "community_name",
            "title",
            "status",
            "status_label",
            "started_at",
            "completed_at",
            "version",
        ]
        read_only_fields = fields


class ProjectDetailSerializer(ProjectSerializer):
    """A project with its seven steps (done ones with their evidence), funds and ``actions``."""

    steps = serializers.SerializerMethodField()
    funds = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [*ProjectSerializer.Meta.fields, "description", "steps", "funds", "actions"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_steps(self, project: Project) -> list[dict[str, Any]]:
        done = {step.kind: step for step in project.steps.all()}
        return [
            {
                "kind": kind,
                "label": str(ProjectStepKind(kind).label),
                "done_at": done[kind].done_at if kind in done else None,
                "evidence": done[kind].evidence if kind in done else "",
            }
            for kind in PROJECT_STEPS
        ]

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_funds(self, project: Project) -> list[dict[str, Any]]:
        return [
            {
                "source": fund.source,
                "source_label": fund.get_source_display(),
                "amount": str(fund.amount),
                "note": fund.note,
            }
            for fund in project.funds.order_by("recorded_at", "id")
        ]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, project: Project) -> list[str]:
        return available_actions(PROJECT_WORKFLOW, project, _user(self.context), now=timezone.now())
