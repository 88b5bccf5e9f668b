"""Consultation topics on the named tree: ``solicit`` posts a topic of 光明社区 by its worker
at ``NOW``; ``topic_in`` takes one along the ordinary path to a status; ``voters`` registers
residents of 光明社区 who vote. The clock: Wednesday 2026-11-18 10:00 Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from consultations import services
from consultations.models import Topic, TopicFormat, TopicStatus, VoteChoice
from orgchart.models import OrgUnit, Person, User
from tests.factories import PersonFactory

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=SHANGHAI)


def solicit(worker: User, community: OrgUnit, **extra: Any) -> Topic:
    fields: dict[str, Any] = {
        "title": "小区东门加装电动车充电桩",
        "format": TopicFormat.COURTYARD,
        "description": "居民反映电动车进楼充电存在火灾隐患。",
        **extra,
    }
    now = fields.pop("now", NOW)
    return services.topic_solicit(actor=worker, community=community, now=now, **fields)


def voters(community: OrgUnit, count: int) -> list[Person]:
    return [PersonFactory.create(unit=community, name=f"居民代表{n:02d}") for n in range(count)]


def topic_in(
    status: str,
    worker: User,
    community: OrgUnit,
    *,
    electorate: int = 5,
    votes: int = 3,
    title: str = "小区东门加装电动车充电桩",
) -> Topic:
    """A topic of ``community`` in ``status`` by the ordinary path (``votes`` votes for, the
    rest of a quorum of 3 out of ``electorate``)."""
    topic = solicit(worker, community, title=title)
    if status == TopicStatus.SOLICITED:
        return topic
    later = NOW + dt.timedelta(days=1)
    topic = services.topic_propose(
        actor=worker, topic=topic, proposal="党支部提议：在东门建充电棚。", now=later
    )
    if status == TopicStatus.PROPOSED:
        return topic
    topic = services.topic_deliberate(
        actor=worker,
        topic=topic,
        deliberation="议事会商议：费用由物业与业委会分担。",
        electorate=electorate,
        now=later,
    )
    if status == TopicStatus.DELIBERATED:
        return topic
    for person in voters(community, votes):
        services.vote_record(
            actor=worker, topic=topic, voter=person, choice=VoteChoice.FOR, now=later
        )
    topic = services.topic_decide(
        actor=worker, topic=topic, decision="居民代表会议表决通过。", now=later
    )
    if status == TopicStatus.DECIDED:
        return topic
    topic = services.topic_publish(actor=worker, topic=topic, notice_days=7, now=later)
    if status == TopicStatus.PUBLISHED:
        return topic
    topic = services.topic_publish_result(
        actor=worker, topic=topic, result="充电棚已建成投用。", now=later + dt.timedelta(days=30)
    )
    assert topic.status == status
    return topic
