"""Template filters of the people pages: who works with people's records at all."""

from __future__ import annotations

from django import template

from orgchart import policy
from orgchart.policy import AnyUser

register = template.Library()


@register.filter
def works_with_people(user: AnyUser) -> bool:
    """True for the roles the policy shows people to (DESIGN §6): not handlers, volunteers."""
    return policy.works_with_people(user)
