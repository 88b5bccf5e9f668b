"""Scoped reads of the org tree. Every function takes the user and goes through the policy."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from governance.errors import OutOfScope
from orgchart.models import Department, OrgUnit, User
from orgchart.policy import AnyUser, policy, scope_of


def orgunit_list_visible(
    *, user: AnyUser, kind: str | None = None, within: OrgUnit | None = None
) -> QuerySet[OrgUnit]:
    """Units the user may see, in tree order; optionally of one kind or inside ``within``."""
    units = policy(user, OrgUnit).order_by("tree_id", "lft")
    if kind:
        units = units.filter(kind=kind)
    if within is not None:
        units = units.filter(tree_id=within.tree_id, lft__gte=within.lft, lft__lte=within.rght)
    return units


def orgunit_get(*, user: AnyUser, pk: Any) -> OrgUnit:
    """One unit the user may see; ``OutOfScope`` (404) otherwise, also for a malformed id."""
    try:
        return policy(user, OrgUnit).select_related("parent").get(pk=pk)
    except (OrgUnit.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def orgunit_roots_visible(*, user: AnyUser) -> QuerySet[OrgUnit]:
    """The top of what the user sees: the roots for superusers, else their scope's root."""
    scope = scope_of(user)
    if scope.everything:
        return OrgUnit.objects.filter(parent__isnull=True).order_by("tree_id")
    if scope.empty:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(tree_id=scope.tree_id, lft=scope.lft)


def orgunit_children(*, user: AnyUser, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Visible children in their order; the descendant count is ``(rght - lft - 1) / 2``."""
    return policy(user, OrgUnit).filter(parent=unit).order_by("lft")


def orgunit_ancestors(*, unit: OrgUnit) -> QuerySet[OrgUnit]:
    """The path from the root down to the unit's parent.

    The path of a unit one may see is part of its address (its street, district, city), so
    names and kinds of ancestors are shown even above the user's scope; their pages are not.
    """
    return unit.get_ancestors().only(
        "id", "name", "kind", "area_type", "level", "tree_id", "lft", "rght"
    )


def orgunit_counts_by_kind(*, user: AnyUser, within: OrgUnit | None = None) -> dict[str, int]:
    """How many units of each kind the user sees (one query)."""
    rows = (
        orgunit_list_visible(user=user, within=within)
        .order_by()
        .values("kind")
        .annotate(total=Count("id"))
    )
    counts = dict.fromkeys(OrgUnit.Kind.values, 0)
    counts.update({row["kind"]: row["total"] for row in rows})
    return counts


def department_list_visible(*, user: AnyUser) -> QuerySet[Department]:
    return (
        policy(user, Department)
        .select_related("jurisdiction")
        .order_by("jurisdiction__tree_id", "jurisdiction__lft", "name")
    )


def department_get(*, user: AnyUser, pk: Any) -> Department:
    try:
        return department_list_visible(user=user).get(pk=pk)
    except (Department.DoesNotExist, ValueError, TypeError) as error:
        raise OutOfScope() from error


def department_list_for_unit(*, user: AnyUser, unit: OrgUnit) -> QuerySet[Department]:
    """Visible departments whose jurisdiction is exactly ``unit``."""
    return department_list_visible(user=user).filter(jurisdiction=unit)


def user_list_visible(*, user: AnyUser) -> QuerySet[User]:
    return policy(user, User).select_related("anchor_unit", "anchor_department")
