"""Volunteer service: 双报到 pairing and registration, volunteers and teams, micro-wishes (微心愿),
五单法 work orders, activities, and points (积分) with rewards and redemptions.

The status tables of DESIGN §5 are the ``*_TRANSITIONS`` constants; ``volunteers.services``
enforces them. Points are an append-only ledger: a balance is the sum of a member's entries;
awards are idempotent by a unique constraint; a redemption locks the member and the reward.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from governance.models import WorkflowEvent
from orgchart.models import OrgUnit, PartyMember, Person
from petitions.models import Petition

# --- 双报到: partner units, pairing, in-service party members --------------------------------


class PartnerUnit(models.Model):
    """共建单位: an employer unit (机关企事业单位) that pairs with communities (包联)."""

    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("party or government organ")
        PUBLIC_INSTITUTION = "public_institution", _("public institution")
        STATE_ENTERPRISE = "state_enterprise", _("state-owned enterprise")
        PRIVATE_ENTERPRISE = "private_enterprise", _("private enterprise")
        SOCIAL_ORGANISATION = "social_organisation", _("social organisation")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("registered at"),
        on_delete=models.PROTECT,
        related_name="partner_units",
        help_text=_("The unit (usually a district or street) that keeps this partner's record."),
    )
    contact = models.ForeignKey(
        Person,
        verbose_name=_("contact"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_contacts",
    )
    contact_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("contact's account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partner_units",
        help_text=_("Accepts and completes the work orders given to this partner."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("partner unit")
        verbose_name_plural = _("partner units")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="partnerunit_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Pairing(models.Model):
    """包联: a partner unit paired with a community, with its commitments, for a term."""

    partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        related_name="pairings",
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="pairings"
    )
    commitments = models.TextField(_("commitments"), blank=True)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("pairing")
        verbose_name_plural = _("pairings")
        ordering = ["community_id", "partner_id", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "community"],
                condition=Q(ended_on__isnull=True),
                name="pairing_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.partner} ↔ {self.community}"


class ServicePostKind(models.TextChoices):
    """设岗定责: the posts an in-service party member may claim in their home community."""

    BUILDING_HEAD = "building_head", _("building head")
    PATROL = "patrol", _("safety patrol")
    MEDIATION = "mediation", _("dispute mediation")
    POLICY_OUTREACH = "policy_outreach", _("policy outreach")
    ENVIRONMENT = "environment", _("environment and sanitation")
    ELDERLY_CARE = "elderly_care", _("care for the elderly")
    CIVILISED_CONDUCT = "civilised_conduct", _("civilised conduct")
    OTHER = "other", _("other")


class DualRegistration(models.Model):
    """双报到: an in-service party member registered at the community where they live,
    optionally through their employer (a partner unit), with the post they claimed."""

    party_member = models.ForeignKey(
        PartyMember,
        verbose_name=_("party member"),
        on_delete=models.PROTECT,
        related_name="dual_registrations",
    )
    community = models.ForeignKey(
        OrgUnit,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="dual_registrations",
    )
    partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("employer (partner unit)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations",
    )
    post = models.CharField(
        _("claimed post"), max_length=20, choices=ServicePostKind.choices, blank=True
    )
    post_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("post at"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A compound or building of the community, for posts tied to a place."),
    )
    registered_on = models.DateField(_("registered on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    class Meta:
        verbose_name = _("dual registration")
        verbose_name_plural = _("dual registrations")
        ordering = ["community_id", "-registered_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["party_member"],
                condition=Q(ended_on__isnull=True),
                name="dualregistration_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_member} @ {self.community}"


# --- Volunteers and teams --------------------------------------------------------------------


class Skill(models.TextChoices):
    ELDERLY_CARE = "elderly_care", _("care for the elderly")
    TUTORING = "tutoring", _("tutoring")
    REPAIRS = "repairs", _("household repairs")
    MEDICAL = "medical", _("medical")
    LEGAL = "legal", _("legal advice")
    PSYCHOLOGICAL = "psychological", _("counselling")
    CULTURE = "culture", _("culture and sport")
    PATROL = "patrol", _("patrol")
    DRIVING = "driving", _("driving")
    OTHER = "other", _("other")


class Volunteer(models.Model):
    """志愿者: a person (party member or not) registered at a community, with skills and
    availability. ``account`` links a ``volunteer`` account. Points are kept per volunteer."""

    class Availability(models.TextChoices):
        WEEKDAYS = "weekdays", _("weekdays")
        EVENINGS = "evenings", _("evenings")
        WEEKENDS = "weekends", _("weekends")
        ANY_TIME = "any_time", _("any time")

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="volunteer"
    )
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="volunteers"
    )
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="volunteer",
    )
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    availability = models.CharField(
        _("availability"), max_length=10, choices=Availability.choices, default="weekends"
    )
    registered_on = models.DateField(_("registered on"))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering = ["community_id", "id"]

    def __str__(self) -> str:
        return str(self.person)

    @property
    def skill_list(self) -> list[str]:
        return [skill for skill in self.skills.split(",") if skill]


class Team(models.Model):
    """志愿服务队: a vanguard team (先锋队), helping group (帮帮团) or social organisation."""

    class Kind(models.TextChoices):
        VANGUARD = "vanguard", _("party-member vanguard team")
        HELPING_GROUP = "helping_group", _("helping group")
        SOCIAL_ORGANISATION = "social_organisation", _("social organisation")
        OTHER = "other", _("other team")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="teams"
    )
    lead = models.ForeignKey(
        Volunteer,
        verbose_name=_("team lead"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_teams",
    )
    members = models.ManyToManyField(
        Volunteer, verbose_name=_("members"), related_name="teams", blank=True
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["unit_id", "name", "id"]
        constraints = [models.UniqueConstraint(fields=["unit", "name"], name="team_unique_name")]

    def __str__(self) -> str:
        return self.name


# --- Micro-wishes (微心愿) ---------------------------------------------------------------------


class WishStatus(models.TextChoices):
    POSTED = "posted", _("posted")
    CLAIMED = "claimed", _("claimed")
    FULFILLED = "fulfilled", _("fulfilled")
    CONFIRMED = "confirmed", _("confirmed")
    WITHDRAWN = "withdrawn", _("withdrawn")


class WishAction(models.TextChoices):
    POST = "post", _("posted")
    CLAIM = "claim", _("claimed")
    RELEASE = "release", _("released")
    FULFIL = "fulfil", _("fulfilled")
    CONFIRM = "confirm", _("confirmed")
    WITHDRAW = "withdraw", _("withdrawn")


WISH_TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    WishAction.CLAIM: ((WishStatus.POSTED,), WishStatus.CLAIMED),
    WishAction.RELEASE: ((WishStatus.CLAIMED,), WishStatus.POSTED),
    WishAction.FULFIL: ((WishStatus.CLAIMED,), WishStatus.FULFILLED),
    WishAction.CONFIRM: ((WishStatus.FULFILLED,), WishStatus.CONFIRMED),
    WishAction.WITHDRAW: ((WishStatus.POSTED, WishStatus.CLAIMED), WishStatus.WITHDRAWN),
}
OPEN_WISH_STATUSES = (WishStatus.POSTED, WishStatus.CLAIMED, WishStatus.FULFILLED)


class Wish(models.Model):
    """微心愿: a resident's small wish, posted by the community, claimed and fulfilled by a
    volunteer, confirmed by the community."""

    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="wishes"
    )
    title = models.CharField(_("wish"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    beneficiary = models.ForeignKey(
        Person,
        verbose_name=_("for"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wishes",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=WishStatus.choices, default=WishStatus.POSTED
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    posted_at = models.DateTimeField(_("posted at"))
    claimed_by = models.ForeignKey(
        Volunteer,
        verbose_name=_("claimed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_wishes",
    )
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfil_note = models.TextField(_("how it was fulfilled"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="wishes/%Y/%m/", blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("micro-wish")
        verbose_name_plural = _("micro-wishes")
        ordering = ["-posted_at", "-id"]
        indexes = [models.Index(fields=["community", "status", "-posted_at"], name="wish_board")]

    def __str__(self) -> str:
        return self.title


class WishEvent(WorkflowEvent):
    """One step of a micro-wish (``governance.workflow``). Append-only."""

    wish = models.ForeignKey(
        Wish, verbose_name=_("micro-wish"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=WishAction.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("micro-wish event")
        verbose_name_plural = _("micro-wish events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.wish_id} {self.action}"


# --- Work orders (五单法) ----------------------------------------------------------------------


class WorkOrderStatus(models.TextChoices):
    ORDERED = "ordered", _("ordered (点单)")
    DISPATCHED = "dispatched", _("dispatched (下单)")
    ACCEPTED = "accepted", _("accepted (接单)")
    COMPLETED = "completed", _("completed")
    VERIFIED = "verified", _("verified (验单)")
    CANCELLED = "cancelled", _("cancelled")


class WorkOrderAction(models.TextChoices):
    ORDER = "order", _("ordered")
    DISPATCH = "dispatch", _("dispatched")
    ACCEPT = "accept", _("accepted")
    COMPLETE = "complete", _("completed")
    VERIFY = "verify", _("verified")
    RETURN = "return", _("returned")
    CANCEL = "cancel", _("cancelled")
    SUPERVISE = "supervise", _("supervised (督单)")
    OVERDUE = "overdue", _("overdue")


OPEN_WORK_ORDER_STATUSES = (
    WorkOrderStatus.ORDERED,
    WorkOrderStatus.DISPATCHED,
    WorkOrderStatus.ACCEPTED,
    WorkOrderStatus.COMPLETED,
)
WORK_ORDER_TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    WorkOrderAction.DISPATCH: ((WorkOrderStatus.ORDERED,), WorkOrderStatus.DISPATCHED),
    WorkOrderAction.ACCEPT: ((WorkOrderStatus.DISPATCHED,), WorkOrderStatus.ACCEPTED),
    WorkOrderAction.COMPLETE: ((WorkOrderStatus.ACCEPTED,), WorkOrderStatus.COMPLETED),
    WorkOrderAction.VERIFY: ((WorkOrderStatus.COMPLETED,), WorkOrderStatus.VERIFIED),
    WorkOrderAction.RETURN: ((WorkOrderStatus.COMPLETED,), WorkOrderStatus.ACCEPTED),
    WorkOrderAction.CANCEL: (
        (WorkOrderStatus.ORDERED, WorkOrderStatus.DISPATCHED),
        WorkOrderStatus.CANCELLED,
    ),
    # 督单: a note at any open stage, no status change.
    WorkOrderAction.SUPERVISE: (OPEN_WORK_ORDER_STATUSES, None),
}


class WorkOrder(models.Model):
    """服务项目 run by the 五单法: ordered → dispatched to a team or partner unit → accepted →
    completed → verified by the street (or returned). Its content, provider, the provider's
    party identity and its funds are public (四公开)."""

    class Source(models.TextChoices):
        RESIDENT = "resident", _("a resident's need")
        COMMUNITY = "community", _("the community's need")
        PETITION = "petition", _("a petition")

    number = models.CharField(_("number"), max_length=20, unique=True, editable=False)
    community = models.ForeignKey(
        OrgUnit, verbose_name=_("community"), on_delete=models.PROTECT, related_name="work_orders"
    )
    title = models.CharField(_("project"), max_length=120)
    content = models.TextField(_("project content"))
    source = models.CharField(_("ordered from"), max_length=10, choices=Source.choices)
    petition = models.OneToOneField(
        Petition,
        verbose_name=_("petition"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_order",
    )
    requested_by = models.ForeignKey(
        Person,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=WorkOrderStatus.choices,
        default=WorkOrderStatus.ORDERED,
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    partner = models.ForeignKey(
        PartnerUnit,
        verbose_name=_("partner unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
    )
    funds = models.DecimalField(_("funds (yuan)"), max_digits=10, decimal_places=2, default=0)
    funds_source = models.CharField(_("source of funds"), max_length=100, blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_note = models.TextField(_("completion note"), blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    overdue_noted_at = models.DateTimeField(_("overdue noted at"), null=True, blank=True)
    ordered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ordered by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    ordered_at = models.DateTimeField(_("ordered at"))
    version = models.PositiveIntegerField(default=1, editable=False)
    # The messages about it (``notifications``): deleted with it; ``work_order`` in queries.
    notifications = GenericRelation(
        "notifications.Notification",
        content_type_field="subject_type",
        object_id_field="subject_id",
        related_query_name="work_order",
    )

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-ordered_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=Q(
                    status__in=["ordered", "dispatched", "accepted"], overdue_noted_at__isnull=True
                ),
                name="workorder_due",
            ),
            models.Index(fields=["community", "status"], name="workorder_board"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=True) | Q(partner__isnull=True),
                name="workorder_one_provider",
            ),
            models.CheckConstraint(condition=Q(funds__gte=0), name="workorder_funds_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class WorkOrderEvent(WorkflowEvent):
    """One step of a work order (``governance.workflow``). Append-only."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(_("action"), max_length=20, choices=WorkOrderAction.choices)

    class Meta(WorkflowEvent.Meta):
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.work_order_id} {self.action}"


# --- Activities ------------------------------------------------------------------------------


class Activity(models.Model):
    """A volunteer activity: the weekly party-member volunteer Saturday, a monthly theme day…"""

    class Kind(models.TextChoices):
        VOLUNTEER_DAY = "volunteer_day", _("party-member volunteer day")
        THEME_DAY = "theme_day", _("monthly theme day")
        OTHER = "other", _("other activity")

    unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="activities",
    )
    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    theme = models.CharField(_("theme"), max_length=120, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("places"))
    is_cancelled = models.BooleanField(_("cancelled"), default=False)
    cancel_reason = models.CharField(_("why it was called off"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="activity_has_places"),
        ]
        indexes = [models.Index(fields=["unit", "starts_at"], name="activity_calendar")]

    def __str__(self) -> str:
        return self.title


class Signup(models.Model):
    """A volunteer signed up for an activity; checked in on the day; hours recorded."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="signups"
    )
    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="signups"
    )
    signed_up_at = models.DateTimeField(_("signed up at"))
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    hours = models.DecimalField(_("service hours"), max_digits=5, decimal_places=1, default=0)

    class Meta:
        verbose_name = _("sign-up")
        verbose_name_plural = _("sign-ups")
        ordering = ["activity_id", "signed_up_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "volunteer"],
                condition=Q(cancelled_at__isnull=True),
                name="signup_once",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0, hours__lte=24), name="signup_hours_in_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.activity}"


# --- Points (积分) -----------------------------------------------------------------------------


class PointRule(models.Model):
    """How many points an action earns (per service hour, per fulfilled wish…)."""

    class Code(models.TextChoices):
        SERVICE_HOUR = "service_hour", _("per service hour")
        WISH_FULFILLED = "wish_fulfilled", _("per fulfilled micro-wish")
        WORK_ORDER_VERIFIED = "work_order_verified", _("per verified work order")
        ACTIVITY_ATTENDED = "activity_attended", _("per activity attended")

    code = models.CharField(_("rule"), max_length=25, choices=Code.choices, unique=True)
    points = models.PositiveIntegerField(_("points"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.get_code_display()}: {self.points}"


class PointEntry(models.Model):
    """One line of a volunteer's points ledger. Append-only: awards are positive (one per
    volunteer, rule and source object: the unique constraint makes them idempotent),
    redemptions negative."""

    volunteer = models.ForeignKey(
        Volunteer, verbose_name=_("volunteer"), on_delete=models.PROTECT, related_name="points"
    )
    rule = models.ForeignKey(
        PointRule,
        verbose_name=_("rule"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    source_type = models.CharField(_("for"), max_length=50)
    source_id = models.PositiveBigIntegerField(_("record"))
    points = models.IntegerField(_("points"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points ledger")
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["volunteer", "rule", "source_type", "source_id"],
                condition=Q(rule__isnull=False),
                name="points_award_once",
            ),
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero"),
        ]
        indexes = [models.Index(fields=["volunteer", "at"], name="points_statement")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.points:+d}"


class Reward(models.Model):
    """积分兑换: an item of a unit's reward catalogue, with a price in points and a stock."""

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="rewards"
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    points = models.PositiveIntegerField(_("points"))
    stock = models.PositiveIntegerField(_("in stock"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reward")
        verbose_name_plural = _("rewards")
        ordering = ["unit_id", "points", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gte=1), name="reward_costs_points"),
        ]

    def __str__(self) -> str:
        return self.name


class Redemption(models.Model):
    """A volunteer exchanged points for a reward. Its negative ledger entry is ``entry``."""

    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("volunteer"),
        on_delete=models.PROTECT,
        related_name="redemptions",
    )
    reward = models.ForeignKey(
        Reward, verbose_name=_("reward"), on_delete=models.PROTECT, related_name="redemptions"
    )
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    points = models.PositiveIntegerField(_("points"))
    entry = models.OneToOneField(
        PointEntry,
        verbose_name=_("ledger entry"),
        on_delete=models.PROTECT,
        related_name="redemption",
    )
    at = models.DateTimeField(_("time"))
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)

    class Meta:
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.reward}"
