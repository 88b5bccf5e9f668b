"""The navbar's entries: the sections of the app the user uses, as the policy says (the same
answer gates the sections' URLs, ``orgchart.sections``)."""

from __future__ import annotations

from django import template

from orgchart import policy
from orgchart.policy import AnyUser

register = template.Library()


@register.simple_tag
def nav_sections(user: AnyUser) -> tuple[str, ...]:
    """``{% nav_sections user as sections %}``: the navbar's entries, in order. No query."""
    return policy.nav_sections(user)
