"""Meetings (agenda, invitees, sign-in, minutes; hold and cancel on the workflow core), a
decision taken at a meeting, and a decision carried out as a 五单法 work order whose
verification (验单) publishes the topic's result."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from consultations import services
from consultations.models import Meeting, MeetingEvent, Topic, TopicStatus
from governance.errors import InvalidTransition, NotAllowed, OutOfScope, ValidationFailed
from tests.conftest import Personas, Tree
from tests.consultations.conftest import NOW, solicit, topic_in, voters
from tests.factories import PersonFactory
from tests.helpers import api_for, english_client_for
from volunteers import services as volunteer_services
from volunteers.models import Team, WorkOrderStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
START = NOW + dt.timedelta(days=1)


def schedule(people: Personas, tree: Tree, *topics: Topic, **extra: Any) -> Meeting:
    return services.meeting_schedule(
        actor=people.worker,
        community=tree.guangming,
        title="居民代表会议",
        format="joint",
        starts_at=START,
        place="党群服务中心",
        agenda="一、通报方案；二、表决。",
        topics=list(topics),
        now=NOW,
        **extra,
    )


def test_a_meeting_decides_with_its_signed_in_representatives(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming, electorate=3)
    meeting = schedule(people, tree, topic)
    assert list(meeting.topics.all()) == [topic]
    property_company = services.meeting_invite(
        actor=people.worker, meeting=meeting, kind="property", name="物业服务中心"
    )
    reps = [
        services.meeting_invite(
            actor=people.worker, meeting=meeting, kind="representative", person=person
        )
        for person in voters(tree.guangming, 2)
    ]
    with pytest.raises(InvalidTransition, match="an hour before"):
        services.meeting_sign_in(actor=people.worker, invitee=reps[0], now=NOW)
    arrived = START - dt.timedelta(minutes=30)
    for guest in (property_company, *reps):
        services.meeting_sign_in(actor=people.worker, invitee=guest, now=arrived)
    again = services.meeting_sign_in(actor=people.worker, invitee=reps[0], now=START)
    assert again.signed_in_at == arrived  # the first time is kept
    for rep in reps:
        assert rep.person is not None
        services.vote_record(actor=people.worker, topic=topic, voter=rep.person, choice="for")
    topic = services.topic_decide(
        actor=people.worker, topic=topic, decision="通过", meeting=meeting, now=START
    )
    assert (topic.status, topic.decided_at_meeting) == (TopicStatus.DECIDED, meeting)
    meeting = services.meeting_hold(
        actor=people.worker, meeting=meeting, minutes="应到3人，实到2人。", now=START
    )
    assert (meeting.status, meeting.held_at) == ("held", START)
    assert list(
        MeetingEvent.objects.filter(meeting=meeting).values_list("action", "to_status")
    ) == [("schedule", "scheduled"), ("hold", "held")]
    with pytest.raises(InvalidTransition):
        services.meeting_cancel(actor=people.worker, meeting=meeting, reason="x")
    with pytest.raises(InvalidTransition):
        services.meeting_invite(actor=people.worker, meeting=meeting, kind="other", name="x")


def test_meeting_rules(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.PROPOSED, people.worker, tree.guangming)
    meeting = schedule(people, tree, topic)
    person = voters(tree.guangming, 1)[0]
    services.meeting_invite(actor=people.worker, meeting=meeting, kind="resident", person=person)
    with pytest.raises(ValidationFailed):
        services.meeting_invite(
            actor=people.worker, meeting=meeting, kind="resident", person=person
        )
    stranger = PersonFactory.create(unit=tree.xinhua, name="外社区居民")
    with pytest.raises(ValidationFailed) as error:
        services.meeting_invite(
            actor=people.worker, meeting=meeting, kind="resident", person=stranger
        )
    assert "person" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        services.meeting_invite(actor=people.worker, meeting=meeting, kind="property")
    assert "name" in error.value.fields
    # Another community's topic is not on this agenda; a closed one neither.
    other = solicit(people.other_worker, tree.xinhua)
    with pytest.raises(ValidationFailed):
        schedule(people, tree, other)
    with pytest.raises(NotAllowed):
        services.meeting_hold(actor=people.official, meeting=meeting, minutes="x")
    with pytest.raises(OutOfScope):
        services.meeting_hold(actor=people.other_worker, meeting=meeting, minutes="x")
    with pytest.raises(NotAllowed):
        services.meeting_schedule(
            actor=people.grid,
            community=tree.guangming,
            title="x",
            format="forum",
            starts_at=START,
        )
    cancelled = services.meeting_cancel(actor=people.worker, meeting=meeting, reason="下雨")
    assert (cancelled.status, cancelled.cancel_reason) == ("cancelled", "下雨")
    decided = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming, electorate=1)
    for rep in voters(tree.guangming, 1):
        services.vote_record(actor=people.worker, topic=decided, voter=rep, choice="for")
    with pytest.raises(ValidationFailed) as error:
        services.topic_decide(actor=people.worker, topic=decided, decision="x", meeting=cancelled)
    assert "meeting" in error.value.fields


def test_a_decision_ordered_as_work_publishes_its_result_when_verified(
    tree: Tree, people: Personas
) -> None:
    topic = topic_in(TopicStatus.PUBLISHED, people.worker, tree.guangming)
    order = services.topic_order_work(actor=people.worker, topic=topic, funds="3000")
    assert (order.status, order.community, order.content) == (
        WorkOrderStatus.ORDERED,
        tree.guangming,
        topic.decision,
    )
    assert Topic.objects.get(pk=topic.pk).work_order == order
    with pytest.raises(InvalidTransition, match="already a work order"):
        services.topic_order_work(actor=people.worker, topic=topic)
    with pytest.raises(InvalidTransition):
        services.topic_order_work(
            actor=people.worker, topic=topic_in(TopicStatus.PROPOSED, people.worker, tree.guangming)
        )
    with pytest.raises(NotAllowed):
        services.topic_order_work(
            actor=people.official,
            topic=topic_in(TopicStatus.DECIDED, people.worker, tree.guangming),
        )
    # 下单 → 接单 → 完成 → 验单 by the ordinary path (the street's official verifies).
    team = volunteer_services.team_create(
        actor=None, unit=tree.guangming, name="光明先锋队", kind=Team.Kind.VANGUARD
    )
    order = volunteer_services.work_order_dispatch(actor=people.worker, work_order=order, team=team)
    order = volunteer_services.work_order_accept(actor=None, work_order=order)
    order = volunteer_services.work_order_complete(
        actor=None, work_order=order, note="充电棚已建成"
    )
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.PUBLISHED
    volunteer_services.work_order_verify(actor=people.official, work_order=order)
    topic = Topic.objects.get(pk=topic.pk)
    assert topic.status == TopicStatus.CONCLUDED
    assert order.number in topic.result
    assert "充电棚已建成" in topic.result
    last = topic.events.order_by("-at", "-id").first()
    assert last is not None
    assert (last.action, last.actor, last.data) == (
        "publish_result",
        None,
        {"work_order": order.number},
    )


def test_meetings_through_the_api_and_the_pages(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming)
    api = api_for(people.worker)
    created = api.post(
        "/api/meetings/",
        {
            "community": tree.guangming.pk,
            "title": "院坝会",
            "format": "courtyard",
            "starts_at": "2026-11-18T09:30:00+08:00",
            "topics": [topic.pk],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert [t["id"] for t in body["topics"]] == [topic.pk]
    assert body["actions"] == [
        "hold",
        "cancel",
    ]
    url = f"/api/meetings/{body['id']}/"
    invited = api.post(
        url + "invitees/", {"kind": "owners_committee", "name": "业委会"}, format="json"
    )
    assert invited.status_code == 201
    signed = api.post(url + "sign-in/", {"invitee": invited.json()["id"]}, format="json")
    assert signed.status_code == 200
    assert signed.json()["signed_in_at"]
    assert api.post(url + "sign-in/", {"invitee": 999999}, format="json").status_code == 400
    assert (
        api_for(people.official).post(url + "hold/", {"minutes": "x"}, format="json").status_code
        == 403
    )
    assert api_for(people.other_worker).get(url).status_code == 404
    held = api.post(url + "hold/", {"minutes": "会议纪要"}, format="json")
    assert held.status_code == 200
    assert held.json()["status"] == "held"
    assert api.post(url + "cancel/", {"reason": "x"}, format="json").status_code == 409
    assert api.get("/api/meetings/").json()["count"] == 1
    # The pages.
    client = english_client_for(people.worker)
    html = client.get(f"/consultations/meetings/{body['id']}/").content.decode()
    assert "会议纪要" in html
    assert "业委会" in html
    listing = client.get("/consultations/meetings/").content.decode()
    assert "院坝会" in listing
    form = client.get(f"/consultations/meetings/new/?topic={topic.pk}")
    assert form.status_code == 200
    response = client.post(
        "/consultations/meetings/new/",
        {
            "title": "屋场会",
            "format": "house_meeting",
            "starts_at": "2026-11-20 19:00",
            "topics": [topic.pk],
        },
    )
    assert response.status_code == 302, response.content[:300]
    meeting = Meeting.objects.get(title="屋场会")
    page = client.post(
        f"/consultations/meetings/{meeting.pk}/invitees/", {"voter_q": "居民代表", "search": "1"}
    )
    assert page.status_code == 200
    person = voters(tree.guangming, 1)[0]
    response = client.post(
        f"/consultations/meetings/{meeting.pk}/invitees/",
        {"person": person.pk, "kind": "representative"},
    )
    assert response.status_code == 302
    assert meeting.invitees.get().person == person
    assert (
        client.post(
            f"/consultations/meetings/{meeting.pk}/cancel/", {"reason": "改期", "version": 1}
        ).status_code
        == 302
    )
    assert Meeting.objects.get(pk=meeting.pk).status == "cancelled"
    assert (
        english_client_for(people.official).get("/consultations/meetings/new/").status_code == 403
    )


def test_order_work_from_the_topic_page(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DECIDED, people.worker, tree.guangming)
    client = english_client_for(people.worker)
    html = client.get(f"/consultations/{topic.pk}/").content.decode()
    assert 'data-testid="form-order-work"' in html
    assert client.post(f"/consultations/{topic.pk}/order-work/", {"title": ""}).status_code == 400
    response = client.post(
        f"/consultations/{topic.pk}/order-work/",
        {
            "title": "建设充电棚",
            "content": topic.decision,
            "funds": "5000",
            "funds_source": "公共收益",
        },
    )
    assert response.status_code == 302
    order = Topic.objects.get(pk=topic.pk).work_order
    assert order is not None
    assert order.funds_source == "公共收益"
    html = client.get(f"/consultations/{topic.pk}/").content.decode()
    assert order.number in html
    assert 'data-testid="form-order-work"' not in html
    assert (
        client.post(
            f"/consultations/{topic.pk}/order-work/", {"title": "x", "content": "y"}
        ).status_code
        == 409
    )
    official = english_client_for(people.official)
    assert (
        official.post(
            f"/consultations/{topic.pk}/order-work/", {"title": "x", "content": "y"}
        ).status_code
        == 403
    )
