"""The organisation tree, departments and accounts.

Structural writes to the tree (create, move, delete, rebuild) go through ``orgchart.services``
only: they take the tree lock and re-read the nodes first (STYLE 14).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from mptt.models import MPTTModel, TreeForeignKey

division_code_validator = RegexValidator(
    r"^\d{12}$", _("A division code has exactly 12 digits (统计用区划代码).")
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
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
