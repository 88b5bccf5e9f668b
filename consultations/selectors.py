"""Scoped reads of the consultation topics (``orgchart.policy``: a topic outside the caller's
area does not exist for them), their votes and their history."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, Q, QuerySet

from consultations.models import (
    OPEN_STATUSES,
    Invitee,
    Meeting,
    MeetingEvent,
    NoticeBoard,
    Topic,
    TopicEvent,
    TopicStatus,
    Vote,
)
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
    topics = policy(user, Topic).select_related(
        "community", "unit", "posted_by", "petition", "work_order"
    )
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


def meeting_list_visible(
    *, user: AnyUser, within: OrgUnit | None = None, status: str = ""
) -> QuerySet[Meeting]:
    """The meetings the user sees, the latest start first."""
    meetings = policy(user, Meeting).select_related("community", "created_by")
    if within is not None:
        meetings = meetings.filter(_within("community", within))
    if status:
        meetings = meetings.filter(status=status)
    return meetings.order_by("-starts_at", "-id")


def meeting_get(*, user: AnyUser, pk: Any) -> Meeting:
    try:
        return meeting_list_visible(user=user).get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as error:
        raise OutOfScope() from error


def meeting_invitees(*, meeting: Meeting) -> QuerySet[Invitee]:
    return Invitee.objects.filter(meeting=meeting).select_related("person").order_by("kind", "id")


def meeting_topics(*, meeting: Meeting) -> QuerySet[Topic]:
    """The topics on the meeting's agenda, with the resolution each came to."""
    return meeting.topics.select_related("unit", "decided_at_meeting").order_by(
        "solicited_at", "id"
    )


def meeting_events(*, meeting: Meeting) -> QuerySet[MeetingEvent]:
    return MeetingEvent.objects.filter(meeting=meeting).select_related("actor").order_by("at", "id")


# How long a published result stays on the public notice board.
RESULTS_SHOWN_DAYS = 90


def notice_board_of(community: OrgUnit) -> NoticeBoard | None:
    return NoticeBoard.objects.filter(community=community).first()


def notices(*, community: OrgUnit, now: dt.datetime) -> tuple[list[Topic], list[Topic]]:
    """What the community's notice board (公示) shows: the decisions on notice now (决议公开,
    until their notice ends) and the results published in the last ``RESULTS_SHOWN_DAYS``
    days (结果公开), newest first. Two queries."""
    topics = Topic.objects.filter(community=community).select_related("unit")
    decisions = list(
        topics.filter(status=TopicStatus.PUBLISHED, notice_until__gt=now).order_by(
            "-published_at", "-id"
        )
    )
    results = list(
        topics.filter(
            status=TopicStatus.CONCLUDED,
            result_published_at__gt=now - dt.timedelta(days=RESULTS_SHOWN_DAYS),
        ).order_by("-result_published_at", "-id")
    )
    return decisions, results
