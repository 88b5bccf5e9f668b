"""Which volunteer pages a user gets links to (no query: the role only)."""

from __future__ import annotations

from django import template

from orgchart.policy import AnyUser
from volunteers import views

register = template.Library()


@register.filter
def sees_volunteer_pages(user: AnyUser) -> bool:
    return views.sees_volunteer_pages(user)


@register.filter
def is_volunteer_account(user: AnyUser) -> bool:
    return views.is_volunteer(user)
