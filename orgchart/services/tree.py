"""Writes to the org tree and departments.

Structural writes (create, move, delete, repair) run in one transaction under the tree lock
and re-read the nodes they touch after taking it: django-mptt computes the new lft/rght from
the values on the instances it is handed, so a stale instance would corrupt the tree.
``actor=None`` means the system itself (management commands, demo data).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _
from mptt.exceptions import InvalidMove

from governance.audit import audit_record
from governance.errors import NotAllowed, OutOfScope, ValidationFailed
from governance.locks import acquire_transaction_lock
from governance.models import AuditEvent
from orgchart import policy
from orgchart.models import (
    ALLOWED_PARENT_KINDS,
    DIVISION_CODE_KINDS,
    Department,
    OrgUnit,
)
from orgchart.policy import AnyUser

TREE_LOCK = "orgchart.orgunit.tree"
MOVE_POSITIONS = ("last-child", "left", "right")

# Fields an update may change; structure (parent, kind) changes only through move.
EDITABLE_FIELDS = frozenset(
    {
        "name",
        "area_type",
        "division_code",
        "party_org_name",
        "party_org_type",
        "branch_type",
        "rating",
        "is_weak",
        "phone",
    }
)
# An office phone as people write it: digits with dashes, spaces, parentheses and a leading
# country code (0315-2812345, (0315) 281 2345, +86 315 2812345, 12345). Not personal data,
# so checked loosely, never sealed.
UNIT_PHONE = re.compile(r"[0-9+()\- ]+")
UNIT_PHONE_MIN_DIGITS = 3
UNIT_PHONE_MAX_LENGTH = 30  # OrgUnit.phone's max_length


def _lock_tree(actor: AnyUser | None = None) -> None:
    """Take the tree lock, then re-read the actor's scope: it may have moved meanwhile."""
    acquire_transaction_lock(TREE_LOCK)
    if actor is not None:
        policy.refresh_scope(actor)


def orgunit_validate(
    *, kind: str, parent: OrgUnit | None, fields: dict[str, Any], instance: OrgUnit | None = None
) -> None:
    """Check the domain rules of a unit; raise ``ValidationFailed`` with field messages.

    Shared by the services, the admin form and the API serializer, so every entry point gives
    the same messages.
    """
    errors: dict[str, list[str]] = defaultdict(list)
    if kind not in OrgUnit.Kind.values:
        errors["kind"].append(_("Unknown kind."))
    else:
        parent_kind = parent.kind if parent is not None else None
        if parent_kind not in ALLOWED_PARENT_KINDS[kind]:
            allowed = ALLOWED_PARENT_KINDS[kind]
            if parent is None:
                errors["parent"].append(_("This kind of unit needs a parent unit."))
            else:
                names = " / ".join(
                    str(OrgUnit.Kind(k).label) if k else _("none (root)")
                    for k in sorted(allowed, key=lambda k: k or "")
                )
                errors["parent"].append(
                    _(
                        "A unit of kind %(kind)s cannot be placed under one of kind "
                        "%(parent)s; allowed parents: %(allowed)s."
                    )
                    % {
                        "kind": OrgUnit.Kind(kind).label,
                        "parent": OrgUnit.Kind(parent.kind).label,
                        "allowed": names,
                    }
                )
        code = fields.get("division_code")
        if code and kind not in DIVISION_CODE_KINDS:
            errors["division_code"].append(
                _("Division codes are kept for units down to community level only.")
            )
        branch_type = fields.get("branch_type") or ""
        if kind == OrgUnit.Kind.BRANCH and not branch_type:
            errors["branch_type"].append(_("A functional branch needs a branch type."))
        if kind != OrgUnit.Kind.BRANCH and branch_type:
            errors["branch_type"].append(_("Only functional branches have a branch type."))
    name = (fields.get("name") or "").strip()
    if not name:
        errors["name"].append(_("This field is required."))
    code = fields.get("division_code")
    if code:
        if not re.fullmatch(r"[0-9]{12}", code):
            errors["division_code"].append(_("A division code has exactly 12 digits."))
        else:
            taken = OrgUnit.objects.filter(division_code=code)
            if instance is not None:
                taken = taken.exclude(pk=instance.pk)
            if taken.exists():
                errors["division_code"].append(_("This division code is already used."))
    phone = normalise_unit_phone(fields.get("phone"))
    if phone:
        if len(phone) > UNIT_PHONE_MAX_LENGTH:
            errors["phone"].append(
                _("A phone number has at most %(count)d characters.")
                % {"count": UNIT_PHONE_MAX_LENGTH}
            )
        elif not UNIT_PHONE.fullmatch(phone) or sum(c.isdigit() for c in phone) < (
            UNIT_PHONE_MIN_DIGITS
        ):
            errors["phone"].append(
                _("A phone number has digits only, with dashes, spaces, parentheses or a +.")
            )
    if "area_type" in fields and not fields["area_type"]:
        errors["area_type"].append(_("This field is required."))
    for field, choices in (
        ("area_type", OrgUnit.AreaType.values),
        ("party_org_type", OrgUnit.PartyOrgType.values),
        ("branch_type", OrgUnit.BranchType.values),
        ("rating", OrgUnit.Rating.values),
    ):
        value = fields.get(field)
        if value and value not in choices:
            errors[field].append(_("Not a valid choice."))
    if errors:
        raise ValidationFailed(_("Please correct the errors below."), fields=dict(errors))


@contextmanager
def _unique(field: str, message: str) -> Iterator[None]:
    """A concurrent writer may take a unique value between our check and our save: the
    constraint decides, and the client gets the field message instead of a 500 (STYLE 10)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        raise ValidationFailed(fields={field: [message]}) from error


def _fresh(unit: OrgUnit, *, for_update: bool = False) -> OrgUnit:
    """Re-read a unit (after taking the lock); one deleted meanwhile is simply not there."""
    units = OrgUnit.objects.select_for_update() if for_update else OrgUnit.objects.all()
    try:
        return units.get(pk=unit.pk)
    except OrgUnit.DoesNotExist as error:
        raise OutOfScope() from error


def normalise_division_code(value: str | None) -> str | None:
    """Full-width digits from Chinese input methods become ASCII; blanks become None."""
    code = re.sub(r"\s", "", unicodedata.normalize("NFKC", value or ""))
    return code or None


def normalise_unit_phone(value: str | None) -> str:
    """Full-width digits and brackets from Chinese input methods become ASCII; runs of spaces
    one space; the ends trimmed."""
    return " ".join(unicodedata.normalize("NFKC", value or "").split())


def _check_actor(actor: AnyUser | None, action: str, obj: OrgUnit | Department) -> None:
    if actor is not None:
        policy.require(actor, action, obj)


@transaction.atomic
def orgunit_create(
    *,
    actor: AnyUser | None,
    parent: OrgUnit | None,
    name: str,
    kind: str,
    area_type: str | None = None,
    division_code: str | None = None,
    party_org_name: str = "",
    party_org_type: str = "",
    branch_type: str = "",
    rating: str = "",
    is_weak: bool = False,
    phone: str = "",
) -> OrgUnit:
    """Create a unit as the last child of ``parent`` (or a new root when ``parent`` is None).

    Only superusers (or the system) create roots; an admin creates inside their subtree.
    ``area_type`` defaults to the parent's. Not idempotent: callers dedupe (by division code).
    """
    _lock_tree(actor)
    if parent is not None:
        parent = _fresh(parent)  # fresh lft/rght under the lock
        _check_actor(actor, "orgunit.add_child", parent)
    elif actor is not None and not actor.is_superuser:
        raise NotAllowed(_("Only a superuser may create a root unit."))
    fields: dict[str, Any] = {
        "name": (name or "").strip(),
        "area_type": area_type
        or (parent.area_type if parent is not None else OrgUnit.AreaType.URBAN),
        "division_code": normalise_division_code(division_code),
        "party_org_name": party_org_name,
        "party_org_type": party_org_type,
        "branch_type": branch_type,
        "rating": rating,
        "is_weak": is_weak,
        "phone": normalise_unit_phone(phone),
    }
    orgunit_validate(kind=kind, parent=parent, fields=fields)
    unit = OrgUnit(kind=kind, parent=parent, **fields)
    with _unique("division_code", _("This division code is already used.")):
        unit.save()  # django-mptt inserts it as the parent's last child
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=unit,
        changes={"kind": kind, "parent": parent, **fields},
    )
    return unit


@transaction.atomic
def orgunit_update(*, actor: AnyUser | None, unit: OrgUnit, **changes: Any) -> OrgUnit:
    """Change a unit's non-structural fields (name, labels, party organisation, rating,
    office phone).

    Parent and kind change only through ``orgunit_move``. Idempotent.
    """
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationFailed(
            _("These fields cannot be changed here: %(fields)s")
            % {"fields": ", ".join(sorted(unknown))},
            fields={field: [_("This field cannot be changed here.")] for field in unknown},
        )
    unit = _fresh(unit, for_update=True)
    _check_actor(actor, "orgunit.change", unit)
    if "division_code" in changes:
        changes["division_code"] = normalise_division_code(changes["division_code"])
    if "phone" in changes:
        changes["phone"] = normalise_unit_phone(changes["phone"])
    fields = {field: getattr(unit, field) for field in EDITABLE_FIELDS} | changes
    orgunit_validate(kind=unit.kind, parent=unit.parent, fields=fields, instance=unit)
    for field, value in changes.items():
        setattr(unit, field, value)
    # Only these columns: never write lft/rght/tree_id from this instance.
    with _unique("division_code", _("This division code is already used.")):
        unit.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=unit, changes=changes)
    return unit


@transaction.atomic
def orgunit_move(
    *, actor: AnyUser | None, unit: OrgUnit, target: OrgUnit, position: str = "last-child"
) -> OrgUnit:
    """Move ``unit`` (with its subtree) relative to ``target``.

    ``position`` is ``last-child`` (under target), ``left`` or ``right`` (a sibling of
    target), as the admin's drag and drop sends it. The parent-kind rules hold after the move.
    Both nodes are re-read under the tree lock, so concurrent moves serialise and each sees
    the tree the previous one left. Idempotent when the unit is already in place.
    """
    if position not in MOVE_POSITIONS:
        raise ValidationFailed(
            _("Unknown position."), fields={"position": [_("Not a valid choice.")]}
        )
    _lock_tree(actor)
    unit = _fresh(unit)
    target = _fresh(target)
    new_parent = target if position == "last-child" else target.parent
    _check_actor(actor, "orgunit.move", unit)
    if new_parent is not None and actor is not None:
        if not policy.is_visible(actor, new_parent):
            raise ValidationFailed(
                fields={"target": [_("The unit would leave your area; choose another place.")]}
            )
        policy.require(actor, "orgunit.add_child", new_parent)
    elif actor is not None and not actor.is_superuser:
        raise NotAllowed(_("Only a superuser may create a root unit."))
    if unit.pk == target.pk or unit.is_ancestor_of(target):
        raise ValidationFailed(
            _("A unit cannot be moved into its own subtree."),
            fields={"target": [_("A unit cannot be moved into its own subtree.")]},
        )
    orgunit_validate(
        kind=unit.kind,
        parent=new_parent,
        fields={"name": unit.name, "branch_type": unit.branch_type},
        instance=unit,
    )
    try:
        unit.move_to(target, position)
    except InvalidMove as error:
        raise ValidationFailed(str(error), fields={"target": [str(error)]}) from error
    moved = OrgUnit.objects.get(pk=unit.pk)
    audit_record(
        actor=actor,
        action=AuditEvent.Action.MOVE,
        obj=moved,
        changes={"parent": moved.parent_id, "target": target.pk, "position": position},
    )
    return moved


@transaction.atomic
def orgunit_delete(*, actor: AnyUser | None, unit: OrgUnit) -> None:
    """Delete a leaf unit that nothing refers to. Units with children or records are kept.

    Governance records are protected (``on_delete=PROTECT``): nothing disappears by cascade.
    """
    _lock_tree(actor)
    unit = _fresh(unit)
    _check_actor(actor, "orgunit.delete", unit)
    if not unit.is_leaf_node():
        raise ValidationFailed(_("A unit with child units cannot be deleted; move them first."))
    try:
        audit_record(actor=actor, action=AuditEvent.Action.DELETE, obj=unit)
        unit.delete()
    except ProtectedError as error:
        raise ValidationFailed(
            _(
                "This unit is still referred to (accounts, departments or records) "
                "and cannot be deleted."
            )
        ) from error


@transaction.atomic
def department_create(
    *,
    actor: AnyUser | None,
    name: str,
    jurisdiction: OrgUnit,
    phone: str = "",
    is_active: bool = True,
) -> Department:
    """Create a department serving ``jurisdiction``'s subtree."""
    _check_actor(actor, "department.add", jurisdiction)
    department_validate(name=name, jurisdiction=jurisdiction)
    with _unique("name", _("This jurisdiction already has a department of this name.")):
        department = Department.objects.create(
            name=name.strip(), jurisdiction=jurisdiction, phone=phone, is_active=is_active
        )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.CREATE,
        obj=department,
        changes={"name": department.name, "jurisdiction": jurisdiction, "phone": phone},
    )
    return department


def department_validate(
    *, name: str, jurisdiction: OrgUnit, instance: Department | None = None
) -> None:
    if not (name or "").strip():
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    clash = Department.objects.filter(jurisdiction=jurisdiction, name=name.strip())
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ValidationFailed(
            fields={"name": [_("This jurisdiction already has a department of this name.")]}
        )


@transaction.atomic
def department_update(
    *, actor: AnyUser | None, department: Department, **changes: Any
) -> Department:
    """Change a department's name, phone, jurisdiction or active flag."""
    allowed = {"name", "phone", "jurisdiction", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(
            fields={field: [_("This field cannot be changed here.")] for field in unknown}
        )
    try:
        department = Department.objects.select_for_update().get(pk=department.pk)
    except Department.DoesNotExist as error:
        raise OutOfScope() from error
    _check_actor(actor, "department.change", department)
    if "jurisdiction" in changes:
        _check_actor(actor, "department.add", changes["jurisdiction"])
    department_validate(
        name=changes.get("name", department.name),
        jurisdiction=changes.get("jurisdiction", department.jurisdiction),
        instance=department,
    )
    for field, value in changes.items():
        setattr(department, field, value)
    with _unique("name", _("This jurisdiction already has a department of this name.")):
        department.save(update_fields=[*changes, "updated_at"])
    audit_record(actor=actor, action=AuditEvent.Action.UPDATE, obj=department, changes=changes)
    return department


# --- Tree consistency (manage.py check_org_tree) ---------------------------------------------


@dataclass(frozen=True)
class TreeProblem:
    unit_id: int
    message: str


@dataclass(frozen=True)
class _Expected:
    tree_id: int
    lft: int
    rght: int
    level: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.tree_id, self.lft, self.rght, self.level)


def _expected_layout(
    rows: list[tuple[int, int | None, int, int]],
) -> tuple[dict[int, _Expected], list[int]]:
    """Recompute (tree_id, lft, rght, level) from parent pointers, the source of truth.

    ``rows`` are (id, parent_id, tree_id, lft). Siblings keep their current order (by lft,
    then id) so a repair does not reshuffle what admins arranged; roots keep their tree order.
    Returns the layout and the ids not reachable from any root (a parent cycle).
    """
    children: dict[int | None, list[tuple[int, int, int]]] = defaultdict(list)
    for unit_id, parent_id, tree_id, lft in rows:
        children[parent_id].append((tree_id, lft, unit_id))
    for siblings in children.values():
        siblings.sort()
    layout: dict[int, _Expected] = {}
    roots = children[None]
    # Keep the roots' tree ids when they are distinct; renumber only when two roots collide.
    keep_ids = len({tree for tree, _lft, _id in roots}) == len(roots)
    for position, (stored_tree, _lft, root_id) in enumerate(roots, start=1):
        tree_number = stored_tree if keep_ids else position
        counter = 0
        # Iterative depth-first walk (trees are deep enough to make recursion a risk).
        stack: list[tuple[int, int, bool]] = [(root_id, 0, False)]
        lefts: dict[int, int] = {}
        while stack:
            node_id, level, done = stack.pop()
            counter += 1
            if done:
                layout[node_id] = _Expected(tree_number, lefts[node_id], counter, level)
                continue
            lefts[node_id] = counter
            stack.append((node_id, level, True))
            for _t, _l, child_id in reversed(children.get(node_id, [])):
                stack.append((child_id, level + 1, False))
    unreachable = [unit_id for unit_id, *_rest in rows if unit_id not in layout]
    return layout, unreachable


def orgtree_check() -> list[TreeProblem]:
    """List every unit whose stored tree columns disagree with its parent pointers."""
    rows = list(OrgUnit.objects.values_list("id", "parent_id", "tree_id", "lft", "rght", "level"))
    layout, unreachable = _expected_layout([(r[0], r[1], r[2], r[3]) for r in rows])
    problems = [
        TreeProblem(unit_id, _("not reachable from any root (the parent links form a cycle)"))
        for unit_id in unreachable
    ]
    for unit_id, _parent_id, tree_id, lft, rght, level in rows:
        expected = layout.get(unit_id)
        if expected is None:
            continue
        stored = (tree_id, lft, rght, level)
        wanted = expected.as_tuple()
        if stored != wanted:
            problems.append(
                TreeProblem(
                    unit_id,
                    _("stored tree_id/lft/rght/level %(stored)s, expected %(wanted)s")
                    % {"stored": stored, "wanted": wanted},
                )
            )
    return sorted(problems, key=lambda problem: problem.unit_id)


@transaction.atomic
def orgtree_repair() -> int:
    """Rewrite tree_id/lft/rght/level from the parent pointers under the tree lock.

    Keeps sibling order. Returns how many rows changed. Refuses (ValidationFailed) when parent
    links form a cycle: that needs a person to decide which link is wrong.
    """
    _lock_tree()
    rows = list(OrgUnit.objects.values_list("id", "parent_id", "tree_id", "lft", "rght", "level"))
    layout, unreachable = _expected_layout([(r[0], r[1], r[2], r[3]) for r in rows])
    if unreachable:
        raise ValidationFailed(
            _("Parent links form a cycle through units %(ids)s; fix their parents first.")
            % {"ids": ", ".join(str(i) for i in sorted(unreachable))}
        )
    changed = [
        (wanted.tree_id, wanted.lft, wanted.rght, wanted.level, unit_id)
        for unit_id, _parent_id, *stored in rows
        if tuple(stored) != (wanted := layout[unit_id]).as_tuple()
    ]
    # One prepared UPDATE per row: bulk_update's CASE expressions grow quadratically with the
    # batch, which makes rebuilding a large tree take minutes instead of seconds.
    table = connection.ops.quote_name(OrgUnit._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET tree_id = %s, lft = %s, rght = %s, level = %s "  # noqa: S608
            "WHERE id = %s",
            changed,
        )
    return len(changed)
