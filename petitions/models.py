"""Petitions (诉求/信访事项), whistles to departments (吹哨报到), deadlines and escalation.

The status tables of DESIGN §5 are the ``*_TRANSITIONS`` constants below; ``petitions.services``
enforces them (compare-and-swap on status and version) and the pages read them to show
buttons. Every due time is a column with a partial index on the statuses it applies to: the
escalation sweep reads one index per deadline, ordered by due time (DESIGN §10).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.models import WorkflowEvent
from grids.models import Grid, Visit
from orgchart.models import Department, OrgUnit, Person

# --- Working-day calendar --------------------------------------------------------------------


class CalendarYear(models.Model):
    """A year whose public holidays and 调休 make-up days are recorded. Years without a row
    fall back to Monday–Friday (and the admin warns until someone fills them in)."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(
        _("source"), max_length=50, blank=True, help_text=_("e.g. chinesecalendar 1.11.0")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


# chinesecalendar names the holidays in English (the names the calendar days keep); they are
# shown in the user's language. A name edited in the admin is shown as it was written.
HOLIDAY_NAMES: dict[str, Promise] = {
    "New Year's Day": pgettext_lazy("holiday", "New Year's Day"),
    "Spring Festival": pgettext_lazy("holiday", "Spring Festival"),
    "Tomb-sweeping Day": pgettext_lazy("holiday", "Tomb-sweeping Day"),
    "Labour Day": pgettext_lazy("holiday", "Labour Day"),
    "Dragon Boat Festival": pgettext_lazy("holiday", "Dragon Boat Festival"),
    "National Day": pgettext_lazy("holiday", "National Day"),
    "Mid-autumn Festival": pgettext_lazy("holiday", "Mid-autumn Festival"),
    "Anti-Fascist 70th Day": pgettext_lazy("holiday", "Anti-Fascist 70th Day"),
}


def holiday_label(name: str) -> str:
    """A calendar day's name in the user's language (chinesecalendar's English names)."""
    return str(HOLIDAY_NAMES.get(name, name))


class CalendarDay(models.Model):
    """A day that differs from Monday–Friday: a public holiday on a weekday (is_working_day
    False) or a make-up working day on a weekend (调休, is_working_day True)."""

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(_("working day"))
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("working-day calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {holiday_label(self.name)}"


# --- Deadline policies -----------------------------------------------------------------------


class Track(models.TextChoices):
    ORDINARY = "ordinary", _("ordinary request (诉求)")
    FORMAL = "formal", _("formal petition (信访)")


class Category(models.TextChoices):
    DISPUTE = "dispute", _("dispute (矛盾纠纷)")
    SAFETY_HAZARD = "safety_hazard", _("safety hazard (安全隐患)")
    SANITATION = "sanitation", _("environment and sanitation (环境卫生)")
    PROPERTY = "property", _("property management (物业管理)")
    PUBLIC_SERVICE = "public_service", _("public services (公共服务)")
    SUGGESTION = "suggestion", _("suggestion (建议)")
    OTHER = "other", _("other")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")


class TimeUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    WORKING_DAYS = "working_days", _("working days")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


class DeadlinePolicy(models.Model):
    """How long each stage may take, by track, category and urgency (blank = any).

    The most specific active policy applies: category and urgency, then category, then
    urgency, then the track's default. Each clock is an amount and a unit.
    """

    name = models.CharField(_("name"), max_length=100)
    track = models.CharField(_("track"), max_length=10, choices=Track.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, blank=True)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    accept_within = models.PositiveIntegerField(_("accept within"))
    accept_unit = models.CharField(
        _("unit"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    resolve_within = models.PositiveIntegerField(_("resolve within"))
    resolve_unit = models.CharField(
        _("unit"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    report_within = models.PositiveIntegerField(
        _("department reports within"), help_text=_("报到: the whistled department acknowledges.")
    )
    report_unit = models.CharField(
        _("unit"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.HOURS
    )
    complete_within = models.PositiveIntegerField(
        _("department completes within"),
        help_text=_("办结: the department finishes its part after reporting."),
    )
    complete_unit = models.CharField(
        _("unit"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.CALENDAR_DAYS
    )
    max_extension = models.PositiveIntegerField(
        _("longest extension"), default=0, help_text=_("0: no extension may be granted.")
    )
    extension_unit = models.CharField(
        _("unit"), max_length=15, choices=TimeUnit.choices, default=TimeUnit.CALENDAR_DAYS
    )
    yellow_at = models.PositiveSmallIntegerField(
        _("yellow light at (percent of the time)"),
        default=80,
        help_text=_("A clock turns yellow when this share of its time has passed."),
    )
    close_after_reply_days = models.PositiveSmallIntegerField(
        _("close unanswered replies after (days)"),
        default=7,
        help_text=_("A reply nobody evaluates is closed by the sweep after this many days."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("deadline policy")
        verbose_name_plural = _("deadline policies")
        ordering = ["track", "category", "urgency", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["track", "category", "urgency"],
                condition=Q(is_active=True),
                name="deadlinepolicy_one_active_per_case",
            ),
            models.CheckConstraint(
                condition=Q(yellow_at__gte=1, yellow_at__lte=99), name="deadlinepolicy_yellow_pct"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- Petitions -------------------------------------------------------------------------------


class Channel(models.TextChoices):
    WALK_IN = "walk_in", _("walk-in (来访)")
    PHONE = "phone", _("phone / 12345 hotline (来电)")
    GRID_REPORT = "grid_report", _("grid report (网格上报)")
    ONLINE = "online", _("online (网上)")
    SUGGESTION = "suggestion", _("people's suggestion (人民建议)")


class Status(models.TextChoices):
    SUBMITTED = "submitted", _("submitted")
    ACCEPTED = "accepted", _("accepted")
    REJECTED = "rejected", _("not accepted")
    DISPATCHED = "dispatched", _("whistled")
    IN_PROGRESS = "in_progress", _("in progress")
    REPLIED = "replied", _("replied")
    CLOSED = "closed", _("closed")


class Action(models.TextChoices):
    """What can happen to a petition: the names of its events (DESIGN §5, §7)."""

    CREATE = "create", _("logged")
    ACCEPT = "accept", _("accepted")
    REJECT = "reject", _("not accepted")
    START = "start", _("handled by the unit itself")
    DISPATCH = "dispatch", _("whistled")
    ALL_REPORTED = "all_reported", _("all lead departments reported")
    REPLY = "reply", _("replied")
    EVALUATE = "evaluate", _("evaluated")
    CLOSE = "close", _("closed")
    REOPEN = "reopen", _("reopened for review")
    SUPERVISE = "supervise", _("supervised")
    REQUEST_EXTENSION = "request_extension", _("extension requested")
    DECIDE_EXTENSION = "decide_extension", _("extension decided")
    ESCALATE = "escalate", _("escalated")
    REPORT = "report", _("department reported")
    RETURN = "return", _("department returned it")
    COMPLETE = "complete", _("department completed")
    RATE = "rate", _("department rated")
    MARK_REPEAT = "mark_repeat", _("marked as repeat")
    TAG_COMPLEX = "tag_complex", _("tagged as complex")


OPEN_STATUSES = (
    Status.SUBMITTED,
    Status.ACCEPTED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.REPLIED,
)
# Statuses while the case is being resolved (the resolve clock runs).
RESOLVING_STATUSES = (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS)

# action -> (allowed source statuses, target status or None for "no change").
PETITION_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    Action.ACCEPT: ((Status.SUBMITTED,), Status.ACCEPTED),
    Action.REJECT: ((Status.SUBMITTED,), Status.REJECTED),
    # From ``dispatched`` only when no lead dispatch is open (the service checks).
    Action.START: ((Status.ACCEPTED, Status.DISPATCHED), Status.IN_PROGRESS),
    Action.DISPATCH: (
        (Status.ACCEPTED, Status.DISPATCHED, Status.IN_PROGRESS),
        Status.DISPATCHED,
    ),
    Action.ALL_REPORTED: ((Status.DISPATCHED,), Status.IN_PROGRESS),
    Action.REPLY: ((Status.IN_PROGRESS,), Status.REPLIED),
    # evaluate: satisfied → closed, unsatisfied → accepted (decided by the service).
    Action.EVALUATE: ((Status.REPLIED,), None),
    Action.CLOSE: ((Status.REPLIED,), Status.CLOSED),
    Action.REOPEN: ((Status.CLOSED,), Status.ACCEPTED),
    Action.SUPERVISE: (OPEN_STATUSES, None),
    Action.REQUEST_EXTENSION: (RESOLVING_STATUSES, None),
    Action.DECIDE_EXTENSION: (RESOLVING_STATUSES, None),
    Action.ESCALATE: (OPEN_STATUSES, None),
    # 疑难复杂 tags are for the monthly review of open cases.
    Action.TAG_COMPLEX: (OPEN_STATUSES, None),
}
# Actions a person takes on a petition page (the rest are automatic or on dispatches).
PETITION_ACTIONS = (
    Action.ACCEPT,
    Action.REJECT,
    Action.START,
    Action.DISPATCH,
    Action.REPLY,
    Action.EVALUATE,
    Action.CLOSE,
    Action.REOPEN,
    Action.SUPERVISE,
    Action.REQUEST_EXTENSION,
    Action.DECIDE_EXTENSION,
)
REOPEN_WITHIN_DAYS = 30


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


SATISFIED_LEVELS = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)


class Complexity(models.TextChoices):
    """疑难复杂: why a case needs the monthly review (解剖麻雀)."""

    CROSS_REGION = "cross_region", _("cross-region")
    CROSS_DEPARTMENT = "cross_department", _("cross-department")
    CROSS_INDUSTRY = "cross_industry", _("cross-industry")
    PERSON_AFFAIR_APART = "person_affair_apart", _("person and affair apart (人事分离)")
    PERSON_HOUSEHOLD_APART = "person_household_apart", _("person and household apart (人户分离)")
    ALL_APART = "all_apart", _("person, affair and household apart (人事户分离)")


class ExtensionState(models.TextChoices):
    NONE = "", _("none")
    REQUESTED = "requested", _("requested")
    APPROVED = "approved", _("approved")
    REFUSED = "refused", _("refused")


class Petition(models.Model):
    """诉求/信访事项: one case from intake to closing.

    ``community`` is where it arose (fixed); ``handling_unit`` is who must act now: the
    community at first, its parent after each escalation. ``version`` grows with every change,
    so a stale form or request is refused (409) instead of overwriting a newer state.
    """

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    track = models.CharField(
        _("track"), max_length=10, choices=Track.choices, default=Track.ORDINARY
    )
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"))
    community = models.ForeignKey(
        OrgUnit,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    location = models.ForeignKey(
        OrgUnit,
        verbose_name=_("location"),
        on_delete=models.PROTECT,
        related_name="located_petitions",
        help_text=_("The community, compound or building it concerns."),
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
    )
    source_visit = models.OneToOneField(
        Visit,
        verbose_name=_("source visit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petition",
    )
    address = models.CharField(_("address"), max_length=200, blank=True)
    petitioner = models.ForeignKey(
        Person,
        verbose_name=_("petitioner"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="petitions",
    )
    is_anonymous = models.BooleanField(_("anonymous"), default=False)
    contact_phone_encrypted = models.TextField(_("contact phone (sealed)"), blank=True)
    contact_phone_hash = models.CharField(max_length=64, blank=True)
    contact_phone_head = models.CharField(max_length=5, blank=True)
    contact_phone_tail = models.CharField(max_length=4, blank=True)
    status = models.CharField(
        _("status"), max_length=15, choices=Status.choices, default=Status.SUBMITTED
    )
    handling_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="handled_petitions",
    )
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    policy = models.ForeignKey(
        DeadlinePolicy,
        verbose_name=_("deadline policy"),
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    accept_due_at = models.DateTimeField(_("accept by"), null=True, blank=True)
    resolve_due_at = models.DateTimeField(_("resolve by"), null=True, blank=True)
    close_due_at = models.DateTimeField(_("closes automatically at"), null=True, blank=True)
    clock_started_at = models.DateTimeField(
        _("current clock started at"),
        null=True,
        blank=True,
        help_text=_("When the running clock (accept or resolve) started: for the lights."),
    )
    overdue_since = models.DateTimeField(
        _("overdue since"),
        null=True,
        blank=True,
        help_text=_(
            "The original due time of the first deadline this round missed: the case stays "
            "overdue until it closes, whatever escalations followed."
        ),
    )
    late_accept = models.BooleanField(
        _("accepted late"), default=False, help_text=_("It missed its acceptance deadline.")
    )
    late_resolve = models.BooleanField(
        _("resolved late"),
        default=False,
        help_text=_("It missed its resolve deadline or a department missed one of its own."),
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    reject_reason = models.TextField(_("reason for not accepting"), blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=20, choices=Satisfaction.choices, blank=True
    )
    unsatisfied_count = models.PositiveSmallIntegerField(_("times unsatisfied"), default=0)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    is_supervised = models.BooleanField(_("supervised (督办)"), default=False)
    is_repeat = models.BooleanField(_("repeat (重复)"), default=False)
    repeat_of = models.ForeignKey(
        "self",
        verbose_name=_("repeat of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="repeats",
    )
    complexity = models.CharField(
        _("complexity (疑难复杂)"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated complexity tags; empty for an ordinary case."),
    )
    extension_state = models.CharField(
        _("extension"), max_length=10, choices=ExtensionState.choices, blank=True
    )
    extension_amount = models.PositiveIntegerField(_("extension asked"), default=0)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        on_delete=models.PROTECT,
        related_name="logged_petitions",
    )
    created_at = models.DateTimeField(_("logged at"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The messages about it (``notifications``): deleted with it; ``petition`` in queries.
    notifications = GenericRelation(
        "notifications.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="petition",
    )

    class Meta:
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: one partial index per deadline, read in due order (DESIGN §10).
            models.Index(
                fields=["accept_due_at"],
                condition=Q(status="submitted"),
                name="petition_accept_due",
            ),
            models.Index(
                fields=["resolve_due_at"],
                condition=Q(status__in=["accepted", "dispatched", "in_progress"]),
                name="petition_resolve_due",
            ),
            models.Index(
                fields=["close_due_at"], condition=Q(status="replied"), name="petition_close_due"
            ),
            # Lists, read a page at a time in their order (petitions.selectors.petition_pages):
            # every case newest first (a large area), a community's newest first (a small
            # one, named by its communities' ids), the open ones newest first.
            models.Index(fields=["-created_at", "-id"], name="petition_recent"),
            models.Index(
                fields=["community", "-created_at", "-id"], name="petition_community_recent"
            ),
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(
                    status__in=["submitted", "accepted", "dispatched", "in_progress", "replied"]
                ),
                name="petition_open_recent",
            ),
            # The overdue cases the sweep recorded, which lists show first (with the unswept
            # ones, whose clock ran out, from petition_accept_due and petition_resolve_due), by
            # community: an area's share of them, not the city's.
            models.Index(
                fields=["community", "overdue_since"],
                condition=Q(
                    status__in=["submitted", "accepted", "dispatched", "in_progress", "replied"],
                    overdue_since__isnull=False,
                ),
                name="petition_overdue_since",
            ),
            models.Index(fields=["handling_unit", "status"], name="petition_handling"),
            models.Index(
                fields=["petitioner", "category", "created_at"], name="petition_repeat_lookup"
            ),
            models.Index(
                fields=["contact_phone_hash", "category", "created_at"],
                condition=~Q(contact_phone_hash=""),
                name="petition_repeat_phone",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(reject_reason=""),
                name="petition_rejection_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def complexity_tags(self) -> list[str]:
        return [tag for tag in self.complexity.split(",") if tag]

    @property
    def masked_contact_phone(self) -> str:
        if not self.contact_phone_encrypted:
            return ""
        return f"{self.contact_phone_head}****{self.contact_phone_tail}"


class PetitionAttachment(models.Model):
    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="petitions/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["petition_id", "id"]

    def __str__(self) -> str:
        return self.name


# --- Dispatches (吹哨) -------------------------------------------------------------------------


class DispatchRole(models.TextChoices):
    LEAD = "lead", _("lead (主办)")
    ASSIST = "assist", _("assist (协办)")


class DispatchStatus(models.TextChoices):
    PENDING = "pending", _("waiting for report")
    REPORTED = "reported", _("reported")
    RETURNED = "returned", _("returned")
    COMPLETED = "completed", pgettext_lazy("dispatch", "completed")


OPEN_DISPATCH_STATUSES = (DispatchStatus.PENDING, DispatchStatus.REPORTED)
DISPATCH_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    Action.REPORT: ((DispatchStatus.PENDING,), DispatchStatus.REPORTED),
    Action.RETURN: ((DispatchStatus.PENDING, DispatchStatus.REPORTED), DispatchStatus.RETURNED),
    Action.COMPLETE: ((DispatchStatus.REPORTED,), DispatchStatus.COMPLETED),
    Action.RATE: ((DispatchStatus.COMPLETED, DispatchStatus.RETURNED), None),
}
DISPATCH_ACTIONS = (Action.REPORT, Action.RETURN, Action.COMPLETE, Action.RATE)


class Dispatch(models.Model):
    """吹哨: one petition whistled to one department, which must report (报到) and complete."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.PROTECT, related_name="dispatches"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="dispatches",
    )
    role = models.CharField(_("role"), max_length=10, choices=DispatchRole.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=DispatchStatus.choices, default=DispatchStatus.PENDING
    )
    instructions = models.TextField(_("instructions"), blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("whistled by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    dispatched_at = models.DateTimeField(_("whistled at"))
    report_due_at = models.DateTimeField(_("report by"), null=True, blank=True)
    complete_due_at = models.DateTimeField(_("complete by"), null=True, blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    return_reason = models.TextField(_("reason for returning"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_note = models.TextField(_("completion note"), blank=True)
    late_report = models.BooleanField(
        _("reported late"), default=False, help_text=_("It missed its report deadline.")
    )
    late_complete = models.BooleanField(
        _("completed late"), default=False, help_text=_("It missed its completion deadline.")
    )
    rating = models.PositiveSmallIntegerField(
        pgettext_lazy("department", "rating"), null=True, blank=True
    )
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")
        ordering = ["petition_id", "role", "id"]
        indexes = [
            models.Index(
                fields=["report_due_at"], condition=Q(status="pending"), name="dispatch_report_due"
            ),
            models.Index(
                fields=["complete_due_at"],
                condition=Q(status="reported"),
                name="dispatch_complete_due",
            ),
            models.Index(fields=["department", "status"], name="dispatch_inbox"),
            # A department's inbox read a page at a time, newest whistle first
            # (petitions.selectors.dispatch_pages).
            models.Index(
                fields=["department", "-dispatched_at", "-id"], name="dispatch_department_recent"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "department"],
                condition=Q(status__in=["pending", "reported"]),
                name="dispatch_one_open_per_department",
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="dispatch_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="dispatch_return_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | ~Q(completion_note=""),
                name="dispatch_completion_has_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.petition.number} → {self.department}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_DISPATCH_STATUSES


def dispatch_photo_path(instance: DispatchPhoto, filename: str) -> str:
    today = dt.date.today()  # noqa: DTZ011 - a folder name
    # ``filename`` is already a random name with the image's real extension (check_photos).
    return f"dispatches/{today:%Y/%m}/{instance.dispatch_id}-{filename}"


class DispatchPhoto(models.Model):
    """A photo of a department's result (办结), taken with its completion. Served only to
    those who see the dispatch, never as a public file."""

    dispatch = models.ForeignKey(
        Dispatch, verbose_name=_("dispatch"), on_delete=models.PROTECT, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to=dispatch_photo_path)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("result photo")
        verbose_name_plural = _("result photos")
        ordering = ["dispatch_id", "id"]

    def __str__(self) -> str:
        return self.image.name


# --- Events, escalations ---------------------------------------------------------------------


class PetitionEvent(WorkflowEvent):
    """One thing that happened to a petition (or one of its dispatches). Append-only: the
    timeline and every rate are computed from these rows."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.PROTECT, related_name="events"
    )
    dispatch = models.ForeignKey(
        Dispatch,
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The handling unit after the event."),
    )

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("petition event")
        verbose_name_plural = _("petition events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["petition", "at"], name="event_timeline"),
            models.Index(fields=["action", "at"], name="event_by_action"),
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class Deadline(models.TextChoices):
    ACCEPT = "accept", _("accept (受理)")
    RESOLVE = "resolve", _("resolve (办结)")
    REPORT = "report", _("department report (报到)")
    COMPLETE = "complete", _("department completion")


class Escalation(models.Model):
    """升级: a missed deadline moved the case to the parent unit. One row per petition and
    deadline (its kind, dispatch and due time): the unique constraint makes the sweep
    idempotent however many sweepers run."""

    petition = models.ForeignKey(
        Petition, verbose_name=_("petition"), on_delete=models.PROTECT, related_name="escalations"
    )
    dispatch = models.ForeignKey(
        Dispatch,
        verbose_name=_("dispatch"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="escalations",
    )
    deadline = models.CharField(_("deadline"), max_length=10, choices=Deadline.choices)
    deadline_key = models.CharField(max_length=80, editable=False)
    due_at = models.DateTimeField(_("was due at"))
    level = models.PositiveSmallIntegerField(_("level"))
    from_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("escalated at"))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "deadline_key"], name="escalation_once_per_deadline"
            )
        ]

    def __str__(self) -> str:
        return f"{self.petition_id} L{self.level} {self.deadline}"


# --- Rollups for the dashboards ----------------------------------------------------------------


class PetitionDay(models.Model):
    """Counters of the petitions logged in one community on one day (Asia/Shanghai), of one
    category and channel, as they stand now: every transition moves its case's counters in the
    same transaction (``petitions.rollups``), and a nightly check recomputes them from the
    petitions. A dashboard reads any scope from community up from these rows (DESIGN §10)."""

    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day logged"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    channel = models.CharField(_("channel"), max_length=15, choices=Channel.choices)
    received = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)
    rejected = models.IntegerField(default=0)
    accepted = models.IntegerField(default=0)
    accepted_on_time = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    overdue = models.IntegerField(default=0)
    closed = models.IntegerField(default=0)
    closed_first_time = models.IntegerField(default=0)
    closed_on_time = models.IntegerField(default=0)
    evaluated = models.IntegerField(default=0)
    satisfied = models.IntegerField(default=0)
    escalated_1 = models.IntegerField(default=0)
    escalated_2 = models.IntegerField(default=0)
    escalated_3 = models.IntegerField(default=0)
    repeat = models.IntegerField(default=0)
    complex = models.IntegerField(default=0)
    supervised = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("petition day (rollup)")
        verbose_name_plural = _("petition days (rollup)")
        constraints = [
            models.UniqueConstraint(
                fields=["community", "day", "category", "channel"], name="petitionday_key"
            )
        ]
        indexes = [
            models.Index(fields=["day", "community"], name="petitionday_period"),
            # The cases open now, whatever day they were logged (the maps' colours): the few
            # rows with open cases among years of days.
            models.Index(fields=["community"], condition=Q(open__gt=0), name="petitionday_open"),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day} {self.category} {self.channel}"


class DepartmentDay(models.Model):
    """Counters of the whistles to one department from one community on one day (the day of
    the whistle), as they stand now; kept like ``PetitionDay``."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="+"
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField(_("day whistled"))
    dispatches = models.IntegerField(default=0)
    open = models.IntegerField(default=0)
    reported = models.IntegerField(default=0)
    reported_on_time = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    completed_on_time = models.IntegerField(default=0)
    returned = models.IntegerField(default=0)
    rated = models.IntegerField(default=0)
    rating_sum = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("department day (rollup)")
        verbose_name_plural = _("department days (rollup)")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "community", "day"], name="departmentday_key"
            )
        ]
        indexes = [models.Index(fields=["day", "community"], name="departmentday_period")]

    def __str__(self) -> str:
        return f"{self.department_id} {self.community_id} {self.day}"
