"""The org tree as an importable ledger (组织架构导入).

A row is found by its division code (then updated: a renamed unit keeps its code) or by its
name under its parent unit; otherwise it is created through ``orgunit_create`` in file order,
so parents listed earlier can be used by later rows. Parent-kind rules, division codes and
choices are checked per row by ``orgunit_validate``. The import never moves or deletes a unit.
Admins only: ``orgunit.add_child`` on the parent, ``orgunit.change`` on a unit it updates.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.errors import ValidationFailed
from governance.ledger.imports import (
    Choice,
    Column,
    ImportContext,
    LedgerImport,
    Row,
    RowPlan,
    applying,
    duplicate_message,
)
from orgchart import policy, services
from orgchart.ledgers.units import (
    Node,
    PlannedUnit,
    UnitNotFound,
    UnitResolver,
    anchor_allows,
    model_choices,
    plain_user,
    resolver_for,
    validation_errors,
)
from orgchart.models import ALLOWED_PARENT_KINDS, KIND_LABELS, OrgUnit
from orgchart.services.tree import EDITABLE_FIELDS, normalise_division_code

YES_NO = (
    Choice(True, gettext_lazy("Yes"), aliases=("是", "yes", "y", "true", "1", "√")),
    Choice(False, gettext_lazy("No"), aliases=("否", "no", "n", "false", "0", "×")),
)


def _kind_choices() -> tuple[Choice, ...]:
    """Each kind under the names people use for it (社区 and 村 are both communities); the
    combined label (社区/村) is accepted too."""
    choices: list[Choice] = []
    for kind in OrgUnit.Kind:
        labels = list(
            dict.fromkeys(label for (k, _area), label in KIND_LABELS.items() if k == kind.value)
        )
        for index, label in enumerate(labels):
            aliases = (kind.label,) if index == 0 else ()
            choices.append(Choice(kind.value, label, aliases=aliases))
    return tuple(choices)


UNIT_COLUMNS = (
    Column(
        "name",
        gettext_lazy("Name"),
        required=True,
        max_length=100,
        width=18,
        example="幸福小区",
        help_text=gettext_lazy("The unit's name, as in the org tree."),
    ),
    Column(
        "kind",
        gettext_lazy("kind"),
        kind="choice",
        required=True,
        choices=_kind_choices(),
        width=14,
        example="小区",
        help_text=gettext_lazy("Choose from the list."),
    ),
    Column(
        "parent",
        gettext_lazy("parent unit"),
        width=30,
        example="139902001001",
        aliases=("上级单位区划代码", "上级单位名称路径", "上级"),
        help_text=gettext_lazy(
            "Required for new units. The parent's 12-digit division code, or its path of names "
            "separated by /, e.g. 139902001001/光明小区. A unit created by an earlier row may "
            "be named too."
        ),
    ),
    Column(
        "division_code",
        gettext_lazy("division code"),
        kind="id",
        width=16,
        example="139902001003",
        help_text=gettext_lazy(
            "12 digits, for units down to community level. A unit with a known code is "
            "updated (also renamed) instead of created."
        ),
    ),
    Column(
        "area_type",
        gettext_lazy("urban or rural"),
        kind="choice",
        choices=model_choices(OrgUnit.AreaType),
        width=10,
        help_text=gettext_lazy("Empty: as the parent unit."),
    ),
    Column(
        "party_org_name",
        gettext_lazy("party organisation"),
        max_length=150,
        width=28,
        aliases=("党组织名称",),
        example="幸福小区党支部",
    ),
    Column(
        "party_org_type",
        gettext_lazy("party organisation type"),
        kind="choice",
        choices=model_choices(OrgUnit.PartyOrgType),
        width=12,
    ),
    Column(
        "branch_type",
        gettext_lazy("branch type"),
        kind="choice",
        choices=model_choices(OrgUnit.BranchType),
        width=12,
        help_text=gettext_lazy("Functional party branches only (required for them)."),
    ),
    Column(
        "rating",
        gettext_lazy("rating"),
        kind="choice",
        choices=model_choices(OrgUnit.Rating),
        width=8,
    ),
    Column(
        "is_weak",
        gettext_lazy("weak and lax"),
        kind="choice",
        choices=YES_NO,
        width=10,
    ),
)
UNIT_VALUE_FIELDS = tuple(name for name in EDITABLE_FIELDS if name != "division_code")
# Service field names that are not the column's.
UNIT_ERROR_COLUMNS = {"target": "parent", "position": "parent"}


@dataclass(frozen=True)
class UnitCreate:
    kind: str
    parent_id: int | None
    parent_row: int | None  # created by an earlier row of the file
    fields: dict[str, Any]


@dataclass(frozen=True)
class UnitUpdate:
    unit_id: int
    changes: dict[str, Any]


def may_import_units(user: Any) -> bool:
    return anchor_allows(user, "orgunit.add_child", "ledger.import_org_tree")


def _unit_key(node: Node | None) -> tuple[str, int] | None:
    if node is None:
        return None
    if isinstance(node, PlannedUnit):
        return ("row", node.row)
    return ("unit", node.pk)


def prepare_unit(row: Row, user: Any, context: ImportContext) -> RowPlan:
    """One org tree row: found by division code or by name under its parent (update or
    unchanged), else a new unit under the parent (checked with ``orgunit_validate``)."""
    resolver = resolver_for(context)
    plan = RowPlan()
    name = row.get("name")
    code = normalise_division_code(row.get("division_code"))
    given = {
        field: row.get(field)
        for field in UNIT_VALUE_FIELDS
        if row.get(field) is not None and field != "name"
    }
    parent: Node | None = None
    if row.get("parent"):
        try:
            parent = resolver.find(row.get("parent"))
        except UnitNotFound as error:
            plan.add_error("parent", error.message)
    existing: OrgUnit | None = None
    if code:
        earlier = context.claim(("division_code", code), row.number)
        if earlier:
            plan.add_error("division_code", duplicate_message(earlier))
            return plan
        known = OrgUnit.objects.filter(division_code=code).first()
        if known is not None and not policy.is_visible(user, known):
            plan.add_error("division_code", _("This division code is already used."))
            return plan
        existing = known
    root = not row.get("parent") and getattr(user, "is_superuser", False)
    if existing is None and name and (isinstance(parent, OrgUnit) or root):
        siblings = OrgUnit.objects.filter(parent=parent) if parent else OrgUnit.objects.root_nodes()
        existing = siblings.filter(name=name).order_by("tree_id", "lft").first()
    if name:
        parent_key = ("unit", existing.parent_id) if existing is not None else _unit_key(parent)
        if parent_key is not None or root:
            earlier = context.claim(("child", parent_key, name), row.number)
            if earlier:
                plan.add_error("name", duplicate_message(earlier))
                return plan
    if existing is not None:
        return _plan_unit_update(plan, row, user, existing, parent, code, given)
    return _plan_unit_create(plan, row, user, resolver, parent, code, given)


def _plan_unit_update(
    plan: RowPlan,
    row: Row,
    user: Any,
    unit: OrgUnit,
    parent: Node | None,
    code: str | None,
    given: dict[str, Any],
) -> RowPlan:
    kind = row.get("kind")
    if kind and kind != unit.kind:
        plan.add_error(
            "kind",
            _("The unit is recorded as %(kind)s; the import does not change kinds.")
            % {"kind": unit.kind_label},
        )
    if parent is not None and (isinstance(parent, PlannedUnit) or parent.pk != unit.parent_id):
        plan.add_error(
            "parent",
            _(
                "The unit is under %(parent)s in the org tree; the import does not move "
                "units: move it in the org tree first."
            )
            % {"parent": unit.parent.name if unit.parent else "—"},
        )
    if not policy.can(user, "orgunit.change", unit):
        plan.add_error("", _("Your role may not change this unit."))
    changes = dict(given)
    if row.get("name"):
        changes["name"] = row.get("name")
    if code:
        changes["division_code"] = code
    changes = {field: value for field, value in changes.items() if getattr(unit, field) != value}
    if changes and plan.ok:
        current = {field: getattr(unit, field) for field in EDITABLE_FIELDS}
        try:
            services.orgunit_validate(
                kind=unit.kind, parent=unit.parent, fields=current | changes, instance=unit
            )
        except ValidationFailed as error:
            validation_errors(plan, error, UNIT_ERROR_COLUMNS)
    plan.action = "update" if changes else "unchanged"
    plan.changes = tuple(changes)
    plan.data = UnitUpdate(unit_id=unit.pk, changes=changes)
    return plan


def _plan_unit_create(
    plan: RowPlan,
    row: Row,
    user: Any,
    resolver: UnitResolver,
    parent: Node | None,
    code: str | None,
    given: dict[str, Any],
) -> RowPlan:
    name, kind = row.get("name"), row.get("kind")
    plan.action = "create"
    if not name or not kind:
        return plan  # the missing cells are reported by the reader
    if parent is None:
        if row.get("parent"):
            return plan  # not found: reported above
        if not (getattr(user, "is_superuser", False) and None in ALLOWED_PARENT_KINDS[kind]):
            plan.add_error("parent", _("This field is required."))
            return plan
    existing_parent = parent if isinstance(parent, OrgUnit) else None
    if isinstance(parent, PlannedUnit):
        existing_parent = parent.existing_ancestor()
    if existing_parent is not None and not policy.can(user, "orgunit.add_child", existing_parent):
        plan.add_error("parent", _("Your role may not add units here."))
    area_type = given.get("area_type") or (
        parent.area_type if parent is not None else OrgUnit.AreaType.URBAN
    )
    fields = {
        "name": name,
        "area_type": area_type,
        "division_code": code,
        "party_org_name": given.get("party_org_name", ""),
        "party_org_type": given.get("party_org_type", ""),
        "branch_type": given.get("branch_type", ""),
        "rating": given.get("rating", ""),
        "is_weak": given.get("is_weak", False),
    }
    # The rules of a unit under a parent the file creates: a stand-in with the planned kind.
    parent_for_rules = (
        OrgUnit(name=parent.name, kind=parent.kind, area_type=parent.area_type)
        if isinstance(parent, PlannedUnit)
        else parent
    )
    try:
        services.orgunit_validate(kind=kind, parent=parent_for_rules, fields=fields)
    except ValidationFailed as error:
        validation_errors(plan, error, UNIT_ERROR_COLUMNS)
    resolver.plan(
        PlannedUnit(
            row=row.number,
            name=name,
            kind=kind,
            area_type=area_type,
            division_code=code,
            parent=parent,
        )
    )
    plan.data = UnitCreate(
        kind=kind,
        parent_id=parent.pk if isinstance(parent, OrgUnit) else None,
        parent_row=parent.row if isinstance(parent, PlannedUnit) else None,
        fields=fields,
    )
    return plan


def apply_units(plans: list[RowPlan], user: Any) -> None:
    """Create and update the units in file order, each through the tree services (under the
    tree lock): a parent an earlier row created is there when a later row needs it."""
    created: dict[int, OrgUnit] = {}
    user = plain_user(user)
    for plan in plans:
        data = plan.data
        with applying(plan, fields=UNIT_ERROR_COLUMNS):
            if isinstance(data, UnitCreate):
                parent: OrgUnit | None = None
                if data.parent_row is not None:
                    parent = created[data.parent_row]
                elif data.parent_id is not None:
                    parent = OrgUnit(pk=data.parent_id)  # re-read under the lock
                created[plan.row] = services.orgunit_create(
                    actor=user, parent=parent, kind=data.kind, **data.fields
                )
            elif isinstance(data, UnitUpdate):
                services.orgunit_update(actor=user, unit=OrgUnit(pk=data.unit_id), **data.changes)


def _tree_url(user: Any) -> str:
    return reverse("orgchart:tree")


ORG_TREE = LedgerImport(
    name="org-tree",
    title=gettext_lazy("Org tree"),
    columns=UNIT_COLUMNS,
    permission=may_import_units,
    prepare=prepare_unit,
    apply=apply_units,
    preview_fields=("name", "kind", "parent", "division_code"),
    notes=(
        gettext_lazy(
            "Rows are created in order: list a parent unit before its children. A new "
            "compound goes under a community, a building under a compound, a functional "
            "party branch under a community."
        ),
        gettext_lazy(
            "A unit is found by its division code, or by its name under its parent unit; the "
            "import never moves or deletes units."
        ),
    ),
    return_url=_tree_url,
)
