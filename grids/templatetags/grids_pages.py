"""Template filters of the grid pages: who sees grids at all, who works them in the field."""

from __future__ import annotations

from django import template

from orgchart.models import User
from orgchart.policy import AnyUser, scope_of
from orgchart.policy.grids import GRID_ROLES

register = template.Library()


@register.filter
def sees_grids(user: AnyUser) -> bool:
    """The roles the policy shows grids to (DESIGN §6): the area's staff and grid workers;
    not handlers or volunteers. No query (the role and the cached scope)."""
    if not user.is_authenticated or not isinstance(user, User):
        return False
    return scope_of(user).everything or user.role in (*GRID_ROLES, User.Role.GRID_WORKER)


@register.filter
def is_grid_worker(user: AnyUser) -> bool:
    """A grid worker sees only the grids they staff: their pages start from "my grids"."""
    return (
        isinstance(user, User)
        and user.is_authenticated
        and not user.is_superuser
        and user.role == User.Role.GRID_WORKER
    )
