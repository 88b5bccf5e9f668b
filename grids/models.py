"""Grids (网格), their staff, households, residents and visits (DESIGN §2).

A grid belongs to one community (and optionally one compound inside it). Every household
belongs to exactly one basic grid of its community; a resident is a Person living in (or
registered at) a household. Visits are append-only records of a grid worker's rounds.

Written only through ``grids.services``; read through ``grids.selectors``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgchart.models import OrgUnit, Person

# Target household counts of a basic grid (Tangshan: ~30 urban, ~50 rural; DESIGN §2) and how
# far off a grid may be before the ledger warns: outside [target × (1 − t), target × (1 + t)].
TARGET_HOUSEHOLDS: dict[str, int] = {"urban": 30, "rural": 50}
GRID_SIZE_TOLERANCE = 0.5
# Share of party members among a grid's staff that the seeds ask for (≥ 60 %).
TARGET_PARTY_SHARE = 0.6


class Grid(models.Model):
    """网格: a basic grid of ~30 urban / ~50 rural households, or a dedicated/special one."""

    class Kind(models.TextChoices):
        BASIC = "basic", _("basic grid")
        DEDICATED = "dedicated", _("dedicated grid")
        SPECIAL = "special", _("special grid")

    class Site(models.TextChoices):
        """What a dedicated grid covers (专属网格)."""

        MALL = "mall", _("shopping mall / market")
        SCHOOL = "school", _("school")
        INDUSTRIAL_PARK = "industrial_park", _("industrial park")
        HOSPITAL = "hospital", _("hospital")
        OFFICE = "office", _("office buildings")
        OTHER = "other", _("other")

    community = models.ForeignKey(
        OrgUnit,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="grids",
        limit_choices_to={"kind": OrgUnit.Kind.COMMUNITY},
    )
    compound = models.ForeignKey(
        OrgUnit,
        verbose_name=_("compound"),
        on_delete=models.PROTECT,
        related_name="compound_grids",
        null=True,
        blank=True,
        limit_choices_to={"kind": OrgUnit.Kind.COMPOUND},
    )
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("grid code"),
        max_length=30,
        blank=True,
        help_text=_("The code the city's grid system uses, unique within the community."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.BASIC)
    site = models.CharField(
        _("site"),
        max_length=20,
        choices=Site.choices,
        blank=True,
        help_text=_("What a dedicated grid covers (mall, school, industrial park…)."),
    )
    topic = models.CharField(
        _("topic"),
        max_length=100,
        blank=True,
        help_text=_("What a special grid is for (e.g. river patrol, flood prevention)."),
    )
    area_type = models.CharField(
        _("urban or rural"), max_length=5, choices=OrgUnit.AreaType.choices
    )
    boundary = models.JSONField(
        _("boundary"),
        null=True,
        blank=True,
        help_text=_("A GeoJSON Polygon or MultiPolygon (longitude, latitude)."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["community_id", "kind", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name"),
            models.UniqueConstraint(
                fields=["community", "code"], condition=~Q(code=""), name="grid_unique_code"
            ),
            models.CheckConstraint(
                condition=Q(kind="dedicated") | Q(site=""), name="grid_site_only_if_dedicated"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def target_households(self) -> int | None:
        """How many households a basic grid should have; None for other kinds."""
        if self.kind != self.Kind.BASIC:
            return None
        return TARGET_HOUSEHOLDS.get(self.area_type, TARGET_HOUSEHOLDS["urban"])

    def size_warning(self, household_count: int) -> bool:
        """True when a basic grid is far off its target size (the ledger flags it)."""
        target = self.target_households
        if target is None:
            return False
        return not (
            target * (1 - GRID_SIZE_TOLERANCE)
            <= household_count
            <= target * (1 + GRID_SIZE_TOLERANCE)
        )


class CommunityOutline(models.Model):
    """The outline of a community's grids on the map: the convex hull of the boundaries of its
    active grids, a GeoJSON Polygon. The grid services keep it whenever a grid's boundary,
    activity or existence changes (``grids.services.community_outline_refresh``); no row when
    no active grid of the community has a boundary. The maps of districts and cities draw
    their units from these rows, one a community, instead of every grid below them."""

    community = models.OneToOneField(
        OrgUnit,
        verbose_name=_("community"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="grid_outline",
    )
    shape = models.JSONField(_("outline"), help_text=_("A GeoJSON Polygon (longitude, latitude)."))
    grids = models.PositiveIntegerField(_("grids with a boundary"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("outline of a community's grids")
        verbose_name_plural = _("outlines of communities' grids")

    def __str__(self) -> str:
        return f"{self.community_id} ({self.grids})"


class GridStaff(models.Model):
    """网格员: a person working a grid, full- or part-time, for a term.

    Role ``head`` is the grid's 网格长 (one current head per grid). ``account`` links a
    ``grid_worker`` account: it sees the grids where it is current staff.
    """

    class Role(models.TextChoices):
        HEAD = "head", _("grid head")
        WORKER = "worker", _("grid worker")

    class Employment(models.TextChoices):
        FULL_TIME = "full_time", _("full-time")
        PART_TIME = "part_time", _("part-time")

    class Background(models.TextChoices):
        """Where a part-time worker comes from (兼职网格员)."""

        COMMUNITY_STAFF = "community_staff", _("community staff")
        PARTY_MEMBER = "party_member", _("party member")
        RESIDENTS_REPRESENTATIVE = "residents_representative", _("residents' representative")
        VOLUNTEER = "volunteer", _("volunteer")
        OTHER = "other", _("other")

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="staff"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="grid_posts"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        related_name="grid_posts",
        null=True,
        blank=True,
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.WORKER)
    employment = models.CharField(
        _("employment"), max_length=10, choices=Employment.choices, default=Employment.FULL_TIME
    )
    background = models.CharField(
        _("background"),
        max_length=30,
        choices=Background.choices,
        default=Background.COMMUNITY_STAFF,
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("grid staff")
        verbose_name_plural = _("grid staff")
        ordering = ["grid_id", "role", "started_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["grid"],
                condition=Q(role="head", ended_on__isnull=True),
                name="gridstaff_one_current_head",
            ),
            models.UniqueConstraint(
                fields=["grid", "person"],
                condition=Q(ended_on__isnull=True),
                name="gridstaff_person_once_per_grid",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="gridstaff_term_ends_after_it_starts",
            ),
        ]
        indexes = [
            models.Index(
                fields=["account", "grid"],
                condition=Q(ended_on__isnull=True),
                name="gridstaff_current_by_account",
            )
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.get_role_display()}"

    @property
    def is_current(self) -> bool:
        return self.ended_on is None


class Household(models.Model):
    """户/房屋: one dwelling in exactly one basic grid.

    ``community`` repeats the grid's community so scope filters and the uniqueness of an
    address need no join; services keep it equal to ``grid.community``.
    """

    class Tenure(models.TextChoices):
        OWNED = "owned", _("owner-occupied")
        RENTED = "rented", _("rented")
        VACANT = "vacant", _("vacant")

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="households"
    )
    community = models.ForeignKey(
        OrgUnit,
        verbose_name=_("community"),
        on_delete=models.PROTECT,
        related_name="community_households",
        editable=False,
    )
    building = models.ForeignKey(
        OrgUnit,
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="households",
        null=True,
        blank=True,
        limit_choices_to={"kind": OrgUnit.Kind.BUILDING},
    )
    building_label = models.CharField(
        _("building"),
        max_length=50,
        blank=True,
        help_text=_("The building as written on the door, where it is not a unit of the tree."),
    )
    entrance = models.CharField(_("stairwell"), max_length=10, blank=True)
    room = models.CharField(_("room"), max_length=20, blank=True)
    address = models.CharField(
        _("address"),
        max_length=200,
        help_text=_("Unique within the community; made from building, stairwell and room."),
    )
    floor_area = models.DecimalField(
        _("floor area (m²)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    tenure = models.CharField(
        _("tenure"), max_length=10, choices=Tenure.choices, default=Tenure.OWNED
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["grid_id", "address", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["community", "address"], name="household_unique_address"
            ),
        ]
        indexes = [
            models.Index(fields=["community", "room"], name="household_room"),
        ]

    def __str__(self) -> str:
        return self.address


class Resident(models.Model):
    """居民: a person living in, or registered at, a household.

    ``registered_here`` (户籍在此) and ``lives_here`` (实际居住) give the 人户分离 cases:
    registered but living elsewhere (户在人不在), living here registered elsewhere (人在户不在).
    Care tags are plain rows (``ResidentCareTag``); restricted tags (社区矫正, 严重精神障碍…)
    are sealed like ID numbers and shown only through an audited reveal.
    """

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        GRANDCHILD = "grandchild", _("grandchild")
        GRANDPARENT = "grandparent", _("grandparent")
        SIBLING = "sibling", _("sibling")
        RELATIVE = "relative", _("other relative")
        TENANT = "tenant", _("tenant")
        OTHER = "other", _("other")

    class RestrictedTag(models.TextChoices):
        """特殊人群: seen only by roles that may reveal personal data, each view audited."""

        COMMUNITY_CORRECTION = "community_correction", _("under community correction")
        RELEASED_PRISONER = "released_prisoner", _("released from prison")
        DRUG_REHABILITATION = "drug_rehabilitation", _("drug rehabilitation")
        SEVERE_MENTAL_DISORDER = "severe_mental_disorder", _("severe mental disorder")
        KEY_PETITIONER = "key_petitioner", _("key petitioner")

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="residences"
    )
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="residents"
    )
    relation = models.CharField(
        _("relation to the head"), max_length=12, choices=Relation.choices, default=Relation.OTHER
    )
    registered_here = models.BooleanField(_("household registration here"), default=True)
    lives_here = models.BooleanField(_("lives here"), default=True)
    restricted_tags_encrypted = models.TextField(_("restricted tags (sealed)"), blank=True)
    moved_in_on = models.DateField(_("moved in on"), null=True, blank=True)
    moved_out_on = models.DateField(_("moved out on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = pgettext_lazy("grids", "resident")
        verbose_name_plural = pgettext_lazy("grids", "residents")
        ordering = ["household_id", "relation", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "person"],
                condition=Q(moved_out_on__isnull=True),
                name="resident_once_per_household",
            ),
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(relation="head", moved_out_on__isnull=True),
                name="resident_one_head_per_household",
            ),
            models.CheckConstraint(
                condition=Q(registered_here=True) | Q(lives_here=True),
                name="resident_registered_or_living",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.household}"

    @property
    def is_current(self) -> bool:
        return self.moved_out_on is None

    @property
    def separation(self) -> str:
        """人户分离 as a short label: "" when registered and living here."""
        if self.registered_here and not self.lives_here:
            return str(_("registered here, lives elsewhere"))
        if self.lives_here and not self.registered_here:
            return str(_("lives here, registered elsewhere"))
        return ""


class ResidentCareTag(models.Model):
    """关爱对象 tag on a resident (独居老人, 残疾人, 低保…): one row per tag."""

    class Tag(models.TextChoices):
        LIVES_ALONE_ELDERLY = "lives_alone_elderly", _("elderly living alone")
        EMPTY_NEST_ELDERLY = "empty_nest_elderly", _("empty-nest elderly")
        DISABLED = "disabled", _("person with disability")
        SUBSISTENCE_ALLOWANCE = "subsistence_allowance", _("subsistence allowance (低保)")
        EXTREME_HARDSHIP = "extreme_hardship", _("extreme hardship support (特困)")
        ENTITLED_GROUP = "entitled_group", _("entitled group (优抚对象)")
        LEFT_BEHIND_CHILD = "left_behind_child", _("left-behind child")
        CHILD_IN_DIFFICULTY = "child_in_difficulty", _("child in difficulty")
        SERIOUS_ILLNESS = "serious_illness", _("serious illness")

    resident = models.ForeignKey(
        Resident,
        verbose_name=pgettext_lazy("grids", "resident"),
        on_delete=models.CASCADE,
        related_name="care_tags",
    )
    tag = models.CharField(_("care tag"), max_length=30, choices=Tag.choices)

    class Meta:
        verbose_name = _("care tag")
        verbose_name_plural = _("care tags")
        ordering = ["resident_id", "tag"]
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="caretag_once_per_resident")
        ]
        indexes = [models.Index(fields=["tag", "resident"], name="caretag_by_tag")]

    def __str__(self) -> str:
        return self.get_tag_display()


def visit_photo_path(instance: VisitPhoto, filename: str) -> str:
    today = dt.date.today()  # noqa: DTZ011 - a folder name
    # ``filename`` is already a random name with the image's real extension (check_photos).
    return f"visits/{today:%Y/%m}/{instance.visit_id}-{filename}"


class Visit(models.Model):
    """走访/巡查: one round by a grid worker, to a household or around the grid. Append-only."""

    class Purpose(models.TextChoices):
        INFORMATION_COLLECTION = "information_collection", _("information collection")
        POLICY_OUTREACH = "policy_outreach", _("policy outreach")
        DISPUTE_MEDIATION = "dispute_mediation", _("dispute mediation")
        HAZARD_CHECK = "hazard_check", _("hazard check")
        CARE_VISIT = "care_visit", _("care visit")

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="visits"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.PROTECT,
        related_name="visits",
        null=True,
        blank=True,
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("visited by"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visited_at = models.DateTimeField(_("visited at"))
    purpose = models.CharField(_("purpose"), max_length=30, choices=Purpose.choices)
    notes = models.TextField(_("notes"), blank=True)
    hazard_found = models.BooleanField(_("hazard found"), default=False)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["-visited_at", "-id"]
        indexes = [
            models.Index(fields=["grid", "-visited_at"], name="visit_grid_recent"),
            models.Index(fields=["household", "-visited_at"], name="visit_household_recent"),
            models.Index(
                fields=["grid", "-visited_at"],
                condition=Q(hazard_found=True),
                name="visit_hazards",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} {self.visited_at:%Y-%m-%d}"


class VisitPhoto(models.Model):
    """A photo taken on a visit (served only through a scoped view, never as a public file)."""

    visit = models.ForeignKey(
        Visit, verbose_name=_("visit"), on_delete=models.PROTECT, related_name="photos"
    )
    image = models.ImageField(_("photo"), upload_to=visit_photo_path)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("visit photo")
        verbose_name_plural = _("visit photos")
        ordering = ["visit_id", "id"]

    def __str__(self) -> str:
        return self.image.name
