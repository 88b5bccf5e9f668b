"""Rules for grids, their staff, households, residents and visits (the grids app, by label)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from orgchart.models import User
from orgchart.policy.core import (
    ACTION_RULES,
    VISIBILITY_RULES,
    AnyUser,
    Role,
    Scope,
    staffed_grids_q,
)
from orgchart.policy.people import REVEAL_ROLES

# Roles that see grids, households and residents of their whole subtree. Grid workers see the
# grids they currently staff; handlers and volunteers see none.
GRID_ROLES = frozenset({Role.ADMIN, Role.OFFICIAL, Role.COMMUNITY_WORKER})


def _grid_scoped(user: AnyUser, scope: Scope, grid_path: str, unit_q: Q) -> Q:
    if scope.everything:
        return Q()
    if not isinstance(user, User):
        return Q(pk__in=[])
    if user.role == Role.GRID_WORKER:
        return staffed_grids_q(user, grid_path) & unit_q
    if user.role in GRID_ROLES:
        return unit_q
    return Q(pk__in=[])


def _grid_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "", scope.units_q("community"))


def _grid_staff_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "grid", scope.units_q("grid__community"))


def _household_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "grid", scope.units_q("community"))


def _resident_rule(user: AnyUser, scope: Scope) -> Q:
    return _grid_scoped(user, scope, "household__grid", scope.units_q("household__community"))


def _visit_rule(user: AnyUser, scope: Scope) -> Q:
    rule = _grid_scoped(user, scope, "grid", scope.units_q("grid__community"))
    if isinstance(user, User) and user.role == Role.GRID_WORKER:
        # A grid worker keeps seeing the visits they recorded after leaving a grid.
        rule |= Q(visitor_id=user.pk) & scope.units_q("grid__community")
    return rule


def _keeps_grids(user: User, obj: Any) -> bool:
    """Admins and community workers set grids up and appoint their staff."""
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER)


def _keeps_households(user: User, obj: Any) -> bool:
    """Households and residents are kept by the community and by the grid's own workers
    (who see only the grids they staff, so visibility already limits them)."""
    return user.role in (Role.ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER)


def _visits(user: User, obj: Any) -> bool:
    return user.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER)


def _may_reveal_resident(user: User, obj: Any) -> bool:
    # Visibility already limits grid workers to their grids' residents.
    return user.role in (*REVEAL_ROLES, Role.GRID_WORKER)


VISIBILITY_RULES.update(
    {
        "grids.Grid": _grid_rule,
        "grids.GridStaff": _grid_staff_rule,
        "grids.Household": _household_rule,
        "grids.Resident": _resident_rule,
        "grids.Visit": _visit_rule,
    }
)
ACTION_RULES.update(
    {
        "orgunit.add_grid": _keeps_grids,  # obj: the community
        "grid.view": lambda user, obj: True,
        "grid.change": _keeps_grids,
        "grid.delete": _keeps_grids,
        "grid.manage_staff": _keeps_grids,
        "grid.add_household": _keeps_households,
        "grid.visit": _visits,
        "household.view": lambda user, obj: True,
        "household.change": _keeps_households,
        "household.move": _keeps_grids,
        "household.add_resident": _keeps_households,
        "household.visit": _visits,
        "resident.view": lambda user, obj: True,
        "resident.change": _keeps_households,
        "resident.reveal_restricted": _may_reveal_resident,
        "visit.view": lambda user, obj: True,
    }
)
