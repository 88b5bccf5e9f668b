"""Scoped reads of the consultation topics (``orgchart.policy``: a topic outside the caller's
area does not exist for them), their votes and their history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet

from consultations.models import OPEN_STATUSES, Topic, TopicEvent, TopicStatus, Vote
from governance.errors import OutOfScope
from orgchart.models import OrgUnit
from orgchart.policy import AnyUser, policy


def _within(prefix: str, unit: OrgUnit) -> Q:
    return Q(
        **{
            f"{prefix}__tree_id": unit.tree_id,
            f"{prefix}__lft__gte": unit.lft,
            f"{prefix}__lft__lte": unit.rght,
        }
    )


def topic_list_visible(
    *,
    user: AnyUser,
    within: OrgUnit | None = None,
    status: str = "",
    format: str = "",
    query: str = "",
    open_only: bool = False,
) -> QuerySet[Topic]:
    """The topics the user sees, newest first."""
    topics = policy(user, Topic).select_related("community", "unit", "posted_by", "petition")
    if within is not None:
        topics = topics.filter(_within("community", within))
    if status:
        topics = topics.filter(status=status)
    if open_only:
        topics = topics.filter(status__in=OPEN_STATUSES)
    if format:
        topics = topics.filter(format=format)
    if query:
        text = query.strip()
        topics = topics.filter(Q(title__contains=text) | Q(description__contains=text))
    return topics.order_by("-solicited_at", "-id")


def topic_get(*, user: AnyUser, pk: Any) -> Topic:
    try:
        return topic_list_visible(user=user).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise OutOfScope() from error


def topic_events(*, topic: Topic) -> QuerySet[TopicEvent]:
    """The topic's steps, oldest first (whoever sees the topic sees its history)."""
    return TopicEvent.objects.filter(topic=topic).select_related("actor").order_by("at", "id")


def topic_votes(*, topic: Topic) -> QuerySet[Vote]:
    """The votes recorded on the topic, in the order they were recorded."""
    return (
        Vote.objects.filter(topic=topic)
        .select_related("voter", "recorded_by")
        .order_by("recorded_at", "id")
    )


def topics_by_stage(*, user: AnyUser, within: OrgUnit | None = None) -> dict[str, int]:
    """How many of the user's topics stand at each status (every status present, one query)."""
    rows = (
        topic_list_visible(user=user, within=within)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    counts = dict.fromkeys(TopicStatus.values, 0)
    counts.update(dict(rows))
    return counts
