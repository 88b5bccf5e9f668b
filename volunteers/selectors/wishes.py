"""The wish board (微心愿) and a wish's history."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from orgchart.models import OrgUnit
from orgchart.policy import AnyUser, policy
from volunteers.models import Wish, WishEvent
from volunteers.selectors.shared import _get, _within


def wish_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, status: str = "", query: str = ""
) -> QuerySet[Wish]:
    """The wish board (微心愿) the user sees, newest first."""
    wishes = policy(user, Wish).select_related(
        "community", "beneficiary", "claimed_by__person", "posted_by"
    )
    if within is not None:
        wishes = wishes.filter(_within("community", within))
    if status:
        wishes = wishes.filter(status=status)
    if query:
        text = query.strip()
        wishes = wishes.filter(Q(title__contains=text) | Q(description__contains=text))
    return wishes.order_by("-posted_at", "-id")


def wish_get(*, user: AnyUser, pk: Any) -> Wish:
    return _get(wish_list_visible(user=user), pk)


def wish_events(*, wish: Wish) -> QuerySet[WishEvent]:
    """The wish's events, oldest first (whoever sees the wish sees its history)."""
    return WishEvent.objects.filter(wish=wish).select_related("actor").order_by("at", "id")
