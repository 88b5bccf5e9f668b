"""Template tags of the consultation pages used on other apps' pages: a people's suggestion's
topic on the petition's page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from consultations.models import Topic
from orgchart import policy
from petitions.models import Channel

register = template.Library()


@dataclass(frozen=True)
class PetitionTopic:
    topic_id: int | None
    may_solicit: bool


@register.simple_tag
def petition_topic(user: Any, petition: Any) -> PetitionTopic | None:
    """For a petition of the channel 人民建议: the topic it became (if the user sees it), or
    whether the user may promote it to one (a worker of its community). None for any other
    petition, at no query."""
    if petition.channel != Channel.SUGGESTION:
        return None
    topic = policy.policy(user, Topic).filter(petition=petition).values_list("pk", flat=True)
    found = topic.first()
    if found is not None:
        return PetitionTopic(found, False)
    if Topic.objects.filter(petition=petition).exists():
        return None  # a topic the user does not see
    community = policy.anchor_for(user, "orgunit.solicit_topic")
    may = community is not None and community.pk == petition.community_id
    return PetitionTopic(None, may)
