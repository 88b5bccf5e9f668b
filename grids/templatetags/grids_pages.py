"""Template filters of the grid pages: who works grids in the field (the policy's answer, for
the navbar's label and the breadcrumbs)."""

from __future__ import annotations

from typing import Any

from django import template

from grids import selectors
from orgchart import policy
from orgchart.policy import AnyUser

register = template.Library()


@register.filter
def is_grid_worker(user: AnyUser) -> bool:
    """A grid worker sees only the grids they staff: their pages start from "my grids"."""
    return policy.sees_staffed_grids_only(user)


@register.simple_tag
def person_grid_posts(user: AnyUser, person: Any) -> list[Any]:
    """A person's current grid posts, for the person's page (the people pages live below the
    grids app, so they ask for them here)."""
    return selectors.person_grid_posts(user=user, person=person)
