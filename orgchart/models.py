"""The organisation tree, departments and accounts.

Structural writes to the tree (create, move, delete, rebuild) go through ``orgchart.services``
only: they take the tree lock and re-read the nodes first (STYLE 14).
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from mptt.models import MPTTModel, TreeForeignKey

from governance.pii import mask_middle, mask_name

division_code_validator = RegexValidator(
    r"^[0-9]{12}$", _("A division code has exactly 12 digits (统计用区划代码).")
)


class OrgUnit(MPTTModel):
    """组织单位: a node of the party-organisation / administrative tree."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        DISTRICT = "district", _("district / county")
        STREET = "street", _("street / township")
        COMMUNITY = "community", _("community / village")
        COMPOUND = "compound", _("compound / villagers' group")
        BUILDING = "building", _("building")
        BRANCH = "branch", _("functional party branch")

    class AreaType(models.TextChoices):
        URBAN = "urban", _("urban")
        RURAL = "rural", _("rural")

    class PartyOrgType(models.TextChoices):
        COMMITTEE = "committee", _("party committee")
        GENERAL_BRANCH = "general_branch", _("general party branch")
        BRANCH = "branch", _("party branch")
        GROUP = "group", _("party group")

    class BranchType(models.TextChoices):
        SINKING = "sinking", _("sinking force")
        SOCIAL = "social", _("social force")

    class Rating(models.TextChoices):
        A = "A", "A"
        B = "B", "B"
        C = "C", "C"
        D = "D", "D"

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    area_type = models.CharField(
        _("urban or rural"), max_length=10, choices=AreaType.choices, default=AreaType.URBAN
    )
    parent = TreeForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
    )
    division_code = models.CharField(
        _("division code"),
        max_length=12,
        null=True,
        blank=True,
        unique=True,
        validators=[division_code_validator],
        help_text=_("12-digit statistical division code, for units down to community level."),
    )
    party_org_name = models.CharField(_("party organisation"), max_length=150, blank=True)
    party_org_type = models.CharField(
        _("party organisation type"), max_length=20, choices=PartyOrgType.choices, blank=True
    )
    branch_type = models.CharField(
        _("branch type"), max_length=10, choices=BranchType.choices, blank=True
    )
    rating = models.CharField(_("rating"), max_length=1, choices=Rating.choices, blank=True)
    is_weak = models.BooleanField(
        _("weak and lax"), default=False, help_text=_("Flagged as weak and lax (软弱涣散).")
    )
    # A public office number (not personal data): printed on the notices the unit hands out.
    phone = models.CharField(
        _("office phone"),
        max_length=30,
        blank=True,
        help_text=_(
            "The office's public phone, printed on the acceptance notices of the cases it "
            "handles (units without one print the nearest unit's above them)."
        ),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Declared here only to drop the index django-mptt gives ``tree_id`` alone: the (tree_id,
    # lft) index it adds answers the same lookups, and every index on the table is rewritten
    # for each row an insert or a move shifts.
    tree_id = models.PositiveIntegerField(editable=False)

    class MPTTMeta:
        # No order_insertion_by: new children go last, so an insert rewrites only the nodes to
        # its right instead of the whole tree.
        order_insertion_by: list[str] = []

    class Meta:
        verbose_name = _("org unit")
        verbose_name_plural = _("org units")
        constraints = [
            models.CheckConstraint(
                condition=Q(division_code__isnull=True) | Q(division_code__regex=r"^[0-9]{12}$"),
                name="orgunit_division_code_12_digits",
            ),
            models.CheckConstraint(
                condition=(Q(kind="branch") & ~Q(branch_type=""))
                | (~Q(kind="branch") & Q(branch_type="")),
                name="orgunit_branch_type_only_on_branches",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["city", "district", "street", "community"])
                | Q(division_code__isnull=True),
                name="orgunit_division_code_down_to_community",
            ),
        ]
        indexes = [models.Index(fields=["kind", "tree_id", "lft"], name="orgunit_kind_tree_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def kind_label(self) -> str:
        """The kind as users call it, which depends on urban/rural (街道 vs 乡镇, 社区 vs 村)."""
        return str(KIND_LABELS[(self.kind, self.area_type)])


# Which kinds may hang under which (None = a root). Several roots are allowed: a deployment's
# root may be a city or a county/district.
ALLOWED_PARENT_KINDS: dict[str, frozenset[str | None]] = {
    OrgUnit.Kind.CITY: frozenset({None}),
    OrgUnit.Kind.DISTRICT: frozenset({None, OrgUnit.Kind.CITY}),
    OrgUnit.Kind.STREET: frozenset({OrgUnit.Kind.DISTRICT}),
    OrgUnit.Kind.COMMUNITY: frozenset({OrgUnit.Kind.STREET}),
    OrgUnit.Kind.COMPOUND: frozenset({OrgUnit.Kind.COMMUNITY}),
    OrgUnit.Kind.BUILDING: frozenset({OrgUnit.Kind.COMPOUND}),
    OrgUnit.Kind.BRANCH: frozenset({OrgUnit.Kind.COMMUNITY}),
}

# Kinds that carry a 12-digit statistical division code.
DIVISION_CODE_KINDS = frozenset(
    {OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET, OrgUnit.Kind.COMMUNITY}
)

_U, _R = OrgUnit.AreaType.URBAN, OrgUnit.AreaType.RURAL
KIND_LABELS = {
    (OrgUnit.Kind.CITY, _U): _("city"),
    (OrgUnit.Kind.CITY, _R): _("city"),
    (OrgUnit.Kind.DISTRICT, _U): _("district"),
    (OrgUnit.Kind.DISTRICT, _R): _("county"),
    (OrgUnit.Kind.STREET, _U): _("street"),
    (OrgUnit.Kind.STREET, _R): _("township"),
    (OrgUnit.Kind.COMMUNITY, _U): _("community"),
    (OrgUnit.Kind.COMMUNITY, _R): _("village"),
    (OrgUnit.Kind.COMPOUND, _U): _("compound"),
    (OrgUnit.Kind.COMPOUND, _R): _("villagers' group"),
    (OrgUnit.Kind.BUILDING, _U): _("building"),
    (OrgUnit.Kind.BUILDING, _R): _("building"),
    (OrgUnit.Kind.BRANCH, _U): _("functional party branch"),
    (OrgUnit.Kind.BRANCH, _R): _("functional party branch"),
}


class Department(models.Model):
    """职能部门: a functional department (城管, 住建, 民政, 派出所…) and the subtree it serves."""

    name = models.CharField(_("name"), max_length=100)
    jurisdiction = models.ForeignKey(
        OrgUnit,
        verbose_name=_("jurisdiction"),
        on_delete=models.PROTECT,
        related_name="departments",
        help_text=_("The unit whose whole subtree this department serves."),
    )
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["jurisdiction__tree_id", "jurisdiction__lft", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["jurisdiction", "name"], name="department_unique_name_per_jurisdiction"
            )
        ]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """An account with a role and an anchor: an OrgUnit, or a Department for handlers."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("administrator")
        OFFICIAL = "official", _("official")
        COMMUNITY_WORKER = "community_worker", _("community worker")
        GRID_WORKER = "grid_worker", _("grid worker")
        DEPARTMENT_HANDLER = "department_handler", _("department handler")
        VOLUNTEER = "volunteer", _("party member / volunteer")

    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.ADMIN)
    anchor_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("anchor unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    anchor_department = models.ForeignKey(
        Department,
        verbose_name=_("anchor department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handlers",
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for a one-time password: the user must choose a new one at next login."),
    )

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_superuser=True)
                | Q(
                    role="department_handler",
                    anchor_department__isnull=False,
                    anchor_unit__isnull=True,
                )
                | (
                    ~Q(role="department_handler")
                    & Q(anchor_unit__isnull=False, anchor_department__isnull=True)
                ),
                name="user_anchor_matches_role",
            )
        ]


# Which unit kinds each role may be anchored at.
ROLE_ANCHOR_KINDS: dict[str, frozenset[str]] = {
    User.Role.ADMIN: frozenset(OrgUnit.Kind.values),
    User.Role.OFFICIAL: frozenset({OrgUnit.Kind.CITY, OrgUnit.Kind.DISTRICT, OrgUnit.Kind.STREET}),
    User.Role.COMMUNITY_WORKER: frozenset({OrgUnit.Kind.COMMUNITY}),
    User.Role.GRID_WORKER: frozenset({OrgUnit.Kind.COMMUNITY}),
    User.Role.VOLUNTEER: frozenset({OrgUnit.Kind.COMMUNITY}),
    User.Role.DEPARTMENT_HANDLER: frozenset(),
}


class Person(models.Model):
    """人员: a natural person, known to one or more units (``PersonRegistration``).

    Document numbers and phones are stored sealed (``governance.pii``): the ciphertext, a
    keyed hash to find them, and the parts the mask shows (first 6 / last 4 of an ID, first 3 /
    last 4 of a mobile). Birth date and sex are derived from a resident ID, never typed twice.
    Write only through ``orgchart.services`` (person_register / person_update).
    """

    class Sex(models.TextChoices):
        MALE = "male", _("male")
        FEMALE = "female", _("female")

    class DocumentType(models.TextChoices):
        RESIDENT_ID = "resident_id", _("resident ID card")
        HMT_RESIDENCE = (
            "hmt_residence",
            _("residence permit for Hong Kong, Macao and Taiwan residents"),
        )
        FOREIGN_PERMANENT = "foreign_permanent", _("foreigner's permanent residence ID card")
        PASSPORT = "passport", _("passport")

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    name_pinyin = models.CharField(_("name in pinyin"), max_length=200, db_index=True)
    name_initials = models.CharField(_("pinyin initials"), max_length=50, db_index=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, db_index=True)
    document_type = models.CharField(
        _("document type"), max_length=20, choices=DocumentType.choices, blank=True
    )
    document_number_encrypted = models.TextField(_("document number (sealed)"), blank=True)
    document_number_hash = models.CharField(max_length=64, blank=True, db_index=True)
    document_number_head = models.CharField(max_length=6, blank=True, db_index=True)
    document_number_tail = models.CharField(max_length=4, blank=True, db_index=True)
    document_number_length = models.PositiveSmallIntegerField(default=0)
    mobile_encrypted = models.TextField(_("mobile (sealed)"), blank=True)
    mobile_hash = models.CharField(max_length=64, blank=True, db_index=True)
    mobile_head = models.CharField(max_length=3, blank=True)
    mobile_tail = models.CharField(max_length=4, blank=True)
    landline_encrypted = models.TextField(_("landline (sealed)"), blank=True)
    landline_hash = models.CharField(max_length=64, blank=True, db_index=True)
    landline_head = models.CharField(max_length=5, blank=True)
    landline_tail = models.CharField(max_length=4, blank=True)
    landline_length = models.PositiveSmallIntegerField(default=0)
    address = models.CharField(_("address"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name_pinyin", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_number_hash"],
                condition=~Q(document_number_hash=""),
                name="person_unique_document",
            ),
            models.CheckConstraint(
                condition=Q(document_type="", document_number_hash="")
                | (~Q(document_type="") & ~Q(document_number_hash="")),
                name="person_document_type_with_number",
            ),
        ]

    def __str__(self) -> str:
        return mask_name(self.name)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_document_number(self) -> str:
        if not self.document_number_hash:
            return ""
        return mask_middle(
            self.document_number_head, self.document_number_tail, self.document_number_length
        )

    @property
    def masked_mobile(self) -> str:
        return mask_middle(self.mobile_head, self.mobile_tail, 11) if self.mobile_hash else ""

    @property
    def masked_landline(self) -> str:
        if not self.landline_hash:
            return ""
        return mask_middle(self.landline_head, self.landline_tail, self.landline_length)

    def age_on(self, day: dt.date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class PersonRegistration(models.Model):
    """登记: a unit that knows a person. A person is visible to users whose area covers one of
    their registrations; nobody learns which other units know the same person."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="registrations"
    )
    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="registrations"
    )
    registered_by = models.ForeignKey(
        "User",
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["person", "unit"], name="registration_unique")
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"


class PartyMember(models.Model):
    """党员: a person's party membership, their organisation and dual registration (双报到)."""

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("in service")
        RETIRED = "retired", _("retired")
        FLOATING = "floating", _("floating")

    class Membership(models.TextChoices):
        FULL = "full", _("full member")
        PROBATIONARY = "probationary", _("probationary member")

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="party_member"
    )
    organisation = models.ForeignKey(
        OrgUnit,
        verbose_name=_("party organisation"),
        on_delete=models.PROTECT,
        related_name="party_members",
        help_text=_(
            "The unit of this tree that keeps the membership: for an in-service member whose "
            "party organisation is at their employer, the community that keeps their record."
        ),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    membership = models.CharField(
        _("membership"), max_length=12, choices=Membership.choices, default=Membership.FULL
    )
    joined_on = models.DateField(_("joined the party on"), null=True, blank=True)
    # 双报到: an in-service member reports to the community where they live.
    home_community = models.ForeignKey(
        OrgUnit,
        verbose_name=_("community of residence (dual registration)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_party_members",
    )
    employer = models.CharField(_("employer"), max_length=150, blank=True)
    # An in-service member's own party organisation is usually their employer's (a hospital's
    # or a company's party committee), which is no unit of this tree: kept by name.
    employer_party_org = models.CharField(
        _("party organisation at the employer"),
        max_length=150,
        blank=True,
        help_text=_(
            "For an in-service member whose membership is kept by their employer's party "
            "organisation: its name, e.g. 中共云州市中心医院委员会."
        ),
    )
    dual_registered_on = models.DateField(_("dual registration date"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("party member")
        verbose_name_plural = _("party members")

    def __str__(self) -> str:
        return str(self.person)

    @property
    def party_organisation(self) -> str:
        """The member's own party organisation as users name it: the employer's where the
        membership is kept at work, else the organisation unit's party name (中共光明社区委员会),
        else the unit's name."""
        return self.employer_party_org or self.organisation.party_org_name or self.organisation.name


class Post(models.Model):
    """职务: a person holding a role at a unit for a term (书记, 总网格长, 楼栋长…).

    One row per term. A post is current while ``ended_on`` is empty; unique posts (one
    secretary per unit) allow one current holder, enforced by a partial unique constraint.
    """

    class Kind(models.TextChoices):
        SECRETARY = "secretary", _("secretary")
        FIRST_SECRETARY = "first_secretary", _("first secretary")
        CHIEF_GRID_HEAD = "chief_grid_head", _("chief grid head")
        AREA_GRID_HEAD = "area_grid_head", _("area grid head")
        BUILDING_HEAD = "building_head", _("building head")
        UNIT_HEAD = "unit_head", _("stairwell head")
        CENTRAL_HOUSEHOLD = "central_household", _("party-member central household")
        SUPERVISOR = "supervisor", _("supervisory committee member")

    unit = models.ForeignKey(
        OrgUnit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="posts"
    )
    kind = models.CharField(_("post"), max_length=20, choices=Kind.choices)
    holder = models.ForeignKey(
        Person, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="posts"
    )
    started_on = models.DateField(_("term starts"))
    ended_on = models.DateField(_("term ended"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["unit_id", "kind", "-started_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "kind"],
                condition=Q(
                    ended_on__isnull=True,
                    kind__in=[
                        "secretary",
                        "first_secretary",
                        "chief_grid_head",
                        "area_grid_head",
                        "building_head",
                    ],
                ),
                name="post_one_current_holder_of_unique_posts",
            ),
            models.UniqueConstraint(
                fields=["unit", "kind", "holder"],
                condition=Q(ended_on__isnull=True),
                name="post_no_duplicate_current_term",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="post_term_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.holder}"


UNIQUE_POSTS = frozenset(
    {
        Post.Kind.SECRETARY,
        Post.Kind.FIRST_SECRETARY,
        Post.Kind.CHIEF_GRID_HEAD,
        Post.Kind.AREA_GRID_HEAD,
        Post.Kind.BUILDING_HEAD,
    }
)

# The posts each kind of unit has (for placing posts and showing vacancies). Unique posts
# listed here and not held are vacancies; the others (unit heads, central households,
# supervisors) may have any number of holders.
POSTS_BY_UNIT_KIND: dict[str, tuple[str, ...]] = {
    OrgUnit.Kind.CITY: (Post.Kind.SECRETARY,),
    OrgUnit.Kind.DISTRICT: (Post.Kind.SECRETARY,),
    OrgUnit.Kind.STREET: (Post.Kind.SECRETARY,),
    OrgUnit.Kind.COMMUNITY: (
        Post.Kind.SECRETARY,
        Post.Kind.CHIEF_GRID_HEAD,
        Post.Kind.FIRST_SECRETARY,
        Post.Kind.SUPERVISOR,
    ),
    OrgUnit.Kind.COMPOUND: (Post.Kind.SECRETARY, Post.Kind.AREA_GRID_HEAD),
    OrgUnit.Kind.BUILDING: (
        Post.Kind.BUILDING_HEAD,
        Post.Kind.UNIT_HEAD,
        Post.Kind.CENTRAL_HOUSEHOLD,
    ),
    OrgUnit.Kind.BRANCH: (Post.Kind.SECRETARY,),
}
# Unique posts that every unit of the kind is expected to fill (first secretaries are sent
# only to some communities, so an empty one is not a vacancy).
EXPECTED_POSTS: dict[str, tuple[str, ...]] = {
    OrgUnit.Kind.CITY: (Post.Kind.SECRETARY,),
    OrgUnit.Kind.DISTRICT: (Post.Kind.SECRETARY,),
    OrgUnit.Kind.STREET: (Post.Kind.SECRETARY,),
    OrgUnit.Kind.COMMUNITY: (Post.Kind.SECRETARY, Post.Kind.CHIEF_GRID_HEAD),
    OrgUnit.Kind.COMPOUND: (Post.Kind.SECRETARY, Post.Kind.AREA_GRID_HEAD),
    OrgUnit.Kind.BUILDING: (Post.Kind.BUILDING_HEAD,),
    OrgUnit.Kind.BRANCH: (Post.Kind.SECRETARY,),
}
