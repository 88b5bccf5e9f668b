"""Template filters of the people pages: who works with people's records at all."""

from __future__ import annotations

from django import template

from orgchart.policy import PEOPLE_ROLES, AnyUser, scope_of

register = template.Library()


@register.filter
def works_with_people(user: AnyUser) -> bool:
    """True for the roles the policy shows people to (DESIGN §6): not handlers, volunteers."""
    if not user.is_authenticated:
        return False
    return scope_of(user).everything or getattr(user, "role", None) in PEOPLE_ROLES
