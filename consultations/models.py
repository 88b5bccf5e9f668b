"""Community self-governance: topics consulted by 一征三议两公开 (solicit → propose →
deliberate → decide → publish the decision → publish the result), their votes and events.

A topic belongs to a community or one of its compounds (``unit``); ``community`` is kept
beside it for the scope rules and the lists. Each stage keeps its text on the topic and its
who and when on the event row (``TopicEvent``, the shared ``WorkflowEvent``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.models import WorkflowEvent
from orgchart.models import OrgUnit, Person


class TopicFormat(models.TextChoices):
    RESIDENTS_TALK = "residents_talk", _("residents talk (居民说事)")
    COURTYARD = "courtyard", _("courtyard consultation (院坝问事)")
    JOINT = "joint", _("joint consultation (联席议事)")
    HOUSE_MEETING = "house_meeting", _("house meeting (屋场会)")
    FORUM = "forum", _("democratic forum (民主恳谈会)")


class TopicSource(models.TextChoices):
    WORKER = "worker", _("posted by a worker")
    PETITION = "petition", _("a people's suggestion (人民建议)")


class TopicStatus(models.TextChoices):
    SOLICITED = "solicited", _("solicited (一征)")
    PROPOSED = "proposed", _("proposed (提议)")
    DELIBERATED = "deliberated", _("deliberated (商议)")
    DECIDED = "decided", _("decided (决议)")
    NOT_ADOPTED = "not_adopted", _("not adopted")
    PUBLISHED = "published", _("decision published (决议公开)")
    CONCLUDED = "concluded", _("result published (结果公开)")
    WITHDRAWN = "withdrawn", _("withdrawn")


class TopicAction(models.TextChoices):
    SOLICIT = "solicit", _("solicited")
    PROPOSE = "propose", _("proposed")
    DELIBERATE = "deliberate", _("deliberated")
    DECIDE = "decide", _("decided")
    PUBLISH = "publish", _("decision published")
    PUBLISH_RESULT = "publish_result", _("result published")
    WITHDRAW = "withdraw", _("withdrawn")


S = TopicStatus
A = TopicAction

# action -> (source statuses, target status): the one table the services, pages and API use.
# A decision goes to ``decided`` or, when the votes do not carry it, ``not_adopted``.
TOPIC_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    A.PROPOSE: ((S.SOLICITED,), S.PROPOSED),
    A.DELIBERATE: ((S.PROPOSED,), S.DELIBERATED),
    A.DECIDE: ((S.DELIBERATED,), S.DECIDED),
    A.PUBLISH: ((S.DECIDED,), S.PUBLISHED),
    A.PUBLISH_RESULT: ((S.PUBLISHED,), S.CONCLUDED),
    A.WITHDRAW: ((S.SOLICITED, S.PROPOSED, S.DELIBERATED), S.WITHDRAWN),
}

# The statuses of a topic still moving through the stages.
OPEN_STATUSES = (S.SOLICITED, S.PROPOSED, S.DELIBERATED, S.DECIDED, S.PUBLISHED)

NOTICE_DAYS_DEFAULT = 7
NOTICE_DAYS_MAX = 30


class Topic(models.Model):
    """议题: a matter of the community or a compound, consulted by 一征三议两公开."""

    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="topics"
    )
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("concerns"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The community itself or one of its compounds."),
    )
    title = models.CharField(_("topic"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    format = models.CharField(_("format"), max_length=20, choices=TopicFormat.choices)
    source = models.CharField(
        _("source"), max_length=10, choices=TopicSource.choices, default=TopicSource.WORKER
    )
    petition = models.OneToOneField(
        "petitions.Petition",
        verbose_name=_("from the petition"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topic",
    )
    status = models.CharField(
        _("status"), max_length=15, choices=TopicStatus.choices, default=TopicStatus.SOLICITED
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    solicited_at = models.DateTimeField(_("solicited at"))
    proposal = models.TextField(_("proposal (提议)"), blank=True)
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    deliberation = models.TextField(_("deliberation (商议)"), blank=True)
    deliberated_at = models.DateTimeField(_("deliberated at"), null=True, blank=True)
    electorate = models.PositiveIntegerField(
        _("members expected"),
        null=True,
        blank=True,
        help_text=_("Residents (or their representatives) called to the deciding meeting."),
    )
    quorum = models.PositiveIntegerField(
        _("quorum"),
        null=True,
        blank=True,
        help_text=_("Votes needed for the meeting to decide: more than half of those expected."),
    )
    decision = models.TextField(_("decision (决议)"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    votes_for = models.PositiveIntegerField(_("for"), default=0)
    votes_against = models.PositiveIntegerField(_("against"), default=0)
    votes_abstain = models.PositiveIntegerField(_("abstained"), default=0)
    notice_days = models.PositiveSmallIntegerField(_("days on notice"), null=True, blank=True)
    published_at = models.DateTimeField(_("decision published at"), null=True, blank=True)
    notice_until = models.DateTimeField(_("on notice until"), null=True, blank=True)
    result = models.TextField(_("result (结果)"), blank=True)
    result_published_at = models.DateTimeField(_("result published at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("why withdrawn"), blank=True)
    decided_at_meeting = models.ForeignKey(
        "consultations.Meeting",
        verbose_name=_("decided at the meeting"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolutions",
    )
    work_order = models.OneToOneField(
        "volunteers.WorkOrder",
        verbose_name=_("work order (五单法)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="topic",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("consultation topic")
        verbose_name_plural = _("consultation topics")
        ordering = ["-solicited_at", "-id"]
        indexes = [
            models.Index(fields=["community", "status", "-solicited_at"], name="topic_board"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(quorum__isnull=True) | Q(quorum__gte=1), name="topic_quorum_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def votes_cast(self) -> int:
        return self.votes_for + self.votes_against + self.votes_abstain


class VoteChoice(models.TextChoices):
    FOR = "for", pgettext_lazy("vote", "for")
    AGAINST = "against", pgettext_lazy("vote", "against")
    ABSTAIN = "abstain", pgettext_lazy("vote", "abstain")


class Vote(models.Model):
    """One person's vote on a topic at the deciding meeting, recorded by the community. A
    person votes once on a topic (the unique constraint, whatever the requests)."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="votes"
    )
    voter = models.ForeignKey(
        Person, verbose_name=_("voter"), on_delete=models.PROTECT, related_name="+"
    )
    choice = models.CharField(_("vote"), max_length=10, choices=VoteChoice.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "voter"], name="vote_once_per_topic"),
        ]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.voter_id} {self.choice}"


class TopicEvent(WorkflowEvent):
    """One step of a topic (``governance.workflow``). Append-only."""

    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=TopicAction.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("topic event")
        verbose_name_plural = _("topic events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.topic_id} {self.action}"


# --- Meetings --------------------------------------------------------------------------------


class MeetingStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class MeetingAction(models.TextChoices):
    SCHEDULE = "schedule", _("scheduled")
    HOLD = "hold", _("held (minutes recorded)")
    CANCEL = "cancel", _("cancelled")


MEETING_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    MeetingAction.HOLD: ((MeetingStatus.SCHEDULED,), MeetingStatus.HELD),
    MeetingAction.CANCEL: ((MeetingStatus.SCHEDULED,), MeetingStatus.CANCELLED),
}


class Meeting(models.Model):
    """议事会议: a meeting of the community (居民说事, 院坝问事, 联席议事…) with its agenda (the
    topics it takes up and what else is to be said), invitees who sign in, and its minutes."""

    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("meeting"), max_length=120)
    format = models.CharField(_("format"), max_length=20, choices=TopicFormat.choices)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    agenda = models.TextField(_("agenda"), blank=True)
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics on the agenda"), related_name="meetings", blank=True
    )
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=MeetingStatus.choices,
        default=MeetingStatus.SCHEDULED,
    )
    minutes = models.TextField(_("minutes"), blank=True)
    held_at = models.DateTimeField(_("minutes recorded at"), null=True, blank=True)
    cancel_reason = models.TextField(_("why cancelled"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("scheduled at"))
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("consultation meeting")
        verbose_name_plural = _("consultation meetings")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["community", "-starts_at"], name="meeting_calendar")]

    def __str__(self) -> str:
        return self.title


class InviteeKind(models.TextChoices):
    REPRESENTATIVE = "representative", _("residents' representative")
    RESIDENT = "resident", _("resident")
    PARTY_ORG = "party_org", _("party organisation")
    PROPERTY = "property", _("property company")
    OWNERS_COMMITTEE = "owners_committee", _("owners' committee")
    PARTNER = "partner", _("partner unit")
    OTHER = "other", _("other")


class Invitee(models.Model):
    """Who is invited to a meeting: a resident (a person of the community) or an organisation
    by name (the property company, the owners' committee, a partner unit). Sign-in is the time
    they arrived."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="invitees"
    )
    kind = models.CharField(_("invited as"), max_length=20, choices=InviteeKind.choices)
    person = models.ForeignKey(
        Person,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    name = models.CharField(
        _("organisation or name"),
        max_length=120,
        blank=True,
        help_text=_("For an organisation; a resident is named by the person record."),
    )
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitee")
        verbose_name_plural = _("invitees")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "person"],
                condition=Q(person__isnull=False),
                name="invitee_person_once",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(name=""), name="invitee_named"
            ),
        ]

    def __str__(self) -> str:
        return self.name or str(self.person_id)


class MeetingEvent(WorkflowEvent):
    """One step of a meeting (``governance.workflow``). Append-only."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=MeetingAction.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("meeting event")
        verbose_name_plural = _("meeting events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting_id} {self.action}"


# --- Public notice boards (公示) ---------------------------------------------------------------


class NoticeBoard(models.Model):
    """A community's public notice board (公示栏): the decisions on notice and the results of its
    topics, readable without logging in only while the community publishes it."""

    community = models.OneToOneField(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="notice_board"
    )
    is_public = models.BooleanField(_("readable without logging in"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("notice board")
        verbose_name_plural = _("notice boards")

    def __str__(self) -> str:
        return str(self.community_id)


# --- Micro-governance projects (微治理) and the compounds' 五有 ---------------------------------


class ProjectStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("in progress")
    COMPLETED = "completed", _("completed")
    CANCELLED = "cancelled", _("cancelled")


class ProjectAction(models.TextChoices):
    START = "start", _("started")
    STEP = "step", _("step done")
    COMPLETE = "complete", _("completed")
    CANCEL = "cancel", _("cancelled")


class ProjectStepKind(models.TextChoices):
    """The seven steps of the micro-governance method, in their order."""

    SURVEY = "survey", _("1. door-to-door survey (入户调研)")
    MOBILISE = "mobilise", _("2. publicity and mobilisation (宣传动员)")
    DISCUSS = "discuss", _("3. topic discussion (议题讨论)")
    GROUP = "group", _("4. self-management group set up (成立自管小组)")
    ACTION = "action", _("5. residents' action (居民行动)")
    CONVENTION = "convention", _("6. residents' convention (居民公约)")
    PROMOTE = "promote", _("7. promotion (宣传推广)")


PROJECT_STEPS: tuple[str, ...] = tuple(ProjectStepKind.values)

# ``step`` records a step and keeps the status; ``complete`` needs the seven steps (a guard).
PROJECT_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    ProjectAction.STEP: ((ProjectStatus.IN_PROGRESS,), None),
    ProjectAction.COMPLETE: ((ProjectStatus.IN_PROGRESS,), ProjectStatus.COMPLETED),
    ProjectAction.CANCEL: ((ProjectStatus.IN_PROGRESS,), ProjectStatus.CANCELLED),
}


class Project(models.Model):
    """微治理项目: a compound's self-governance project, run by the seven steps, with its funds
    and their sources published (四公开)."""

    compound = models.ForeignKey(
        OrgUnit, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="projects"
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("project"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=15,
        choices=ProjectStatus.choices,
        default=ProjectStatus.IN_PROGRESS,
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("micro-governance project")
        verbose_name_plural = _("micro-governance projects")
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ProjectStep(models.Model):
    """One of the seven steps done, with its evidence (what was done, where it is kept)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="steps"
    )
    kind = models.CharField(_("step"), max_length=12, choices=ProjectStepKind.choices)
    evidence = models.TextField(_("evidence"))
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"))

    class Meta:
        verbose_name = _("project step")
        verbose_name_plural = _("project steps")
        ordering = ["done_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "kind"], name="project_step_once"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind}"


class FundSource(models.TextChoices):
    GOVERNMENT = "government", _("government funds")
    PARTY_FUNDS = "party_funds", _("party-building service funds")
    PUBLIC_INCOME = "public_income", _("the compound's public income")
    RESIDENTS = "residents", _("residents' contributions")
    PARTNER = "partner", _("partner unit")
    OTHER = "other", _("other")


class ProjectFund(models.Model):
    """Funds of a project and where they come from (四公开: published with the project)."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="funds"
    )
    source = models.CharField(_("source"), max_length=15, choices=FundSource.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("project funds")
        verbose_name_plural = _("project funds")
        ordering = ["recorded_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="project_fund_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.source} {self.amount}"


class ProjectEvent(WorkflowEvent):
    """One step of a project (``governance.workflow``). Append-only."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=ProjectAction.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("project event")
        verbose_name_plural = _("project events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.action}"


# The five marks of a 五有院落 and the step of a project that earns each (where one does).
FIVE_HAVES: tuple[str, ...] = (
    "party_org",
    "self_management_group",
    "platform",
    "convention",
    "actions",
)
EARNED_BY_STEP = {
    ProjectStepKind.GROUP: "self_management_group",
    ProjectStepKind.CONVENTION: "convention",
    ProjectStepKind.ACTION: "actions",
}


class FiveHaves(models.Model):
    """A compound's 五有 status: a party organisation, a self-management group, a platform (a
    place and a channel for consultation), a residents' convention and self-governance actions.
    All five make a 五有院落. Kept by the community; the steps of its projects set the marks they
    earn."""

    compound = models.OneToOneField(
        OrgUnit, verbose_name=_("compound"), on_delete=models.PROTECT, related_name="five_haves"
    )
    party_org = models.BooleanField(_("party organisation"), default=False)
    self_management_group = models.BooleanField(_("self-management group"), default=False)
    platform = models.BooleanField(_("consultation platform"), default=False)
    convention = models.BooleanField(_("residents' convention"), default=False)
    actions = models.BooleanField(_("self-governance actions"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("五有 status")
        verbose_name_plural = _("五有 status")

    def __str__(self) -> str:
        return str(self.compound_id)

    @property
    def marks(self) -> int:
        return sum(1 for name in FIVE_HAVES if getattr(self, name))

    @property
    def complete(self) -> bool:
        return self.marks == len(FIVE_HAVES)
