"""The consultation pages: ``topics`` (the list, 一征, a topic's page with its stages and the
vote desk, 五单法 from a decision) and ``meetings`` (the list, scheduling, a meeting's page with
its agenda, invitees and sign-in, minutes)."""

from consultations.views.meetings import (
    meeting_act,
    meeting_detail,
    meeting_invite,
    meeting_list,
    meeting_new,
    meeting_sign_in,
)
from consultations.views.topics import (
    topic_act,
    topic_detail,
    topic_list,
    topic_new,
    topic_order_work,
    topic_vote,
)

__all__ = [
    "meeting_act",
    "meeting_detail",
    "meeting_invite",
    "meeting_list",
    "meeting_new",
    "meeting_sign_in",
    "topic_act",
    "topic_detail",
    "topic_list",
    "topic_new",
    "topic_order_work",
    "topic_vote",
]
