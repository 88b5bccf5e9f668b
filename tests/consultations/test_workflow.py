"""The topic workflow (一征三议两公开) through the services: every transition with who, when
and the text, every illegal step a 409, the quorum, votes once, the scope and the roles."""

from __future__ import annotations

import datetime as dt

import pytest

from consultations import services
from consultations.models import Topic, TopicEvent, TopicStatus, Vote, VoteChoice
from consultations.workflows import TOPIC_WORKFLOW
from governance.errors import (
    ConcurrentUpdate,
    InvalidTransition,
    NotAllowed,
    OutOfScope,
    ValidationFailed,
)
from governance.workflow import available_actions
from petitions.models import Channel
from tests.conftest import Personas, Tree
from tests.consultations.conftest import NOW, solicit, topic_in, voters
from tests.factories import PersonFactory, PetitionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
LATER = NOW + dt.timedelta(hours=2)


def test_the_whole_way_records_who_when_and_the_text(tree: Tree, people: Personas) -> None:
    worker = people.worker
    topic = solicit(worker, tree.guangming, unit=tree.guangming_compound)
    assert (topic.status, topic.unit, topic.community) == (
        TopicStatus.SOLICITED,
        tree.guangming_compound,
        tree.guangming,
    )
    topic = services.topic_propose(actor=worker, topic=topic, proposal="提议文本", now=LATER)
    assert (topic.status, topic.proposal, topic.proposed_at) == (
        TopicStatus.PROPOSED,
        "提议文本",
        LATER,
    )
    topic = services.topic_deliberate(
        actor=worker, topic=topic, deliberation="商议文本", electorate=9, now=LATER
    )
    assert (topic.status, topic.electorate, topic.quorum) == (TopicStatus.DELIBERATED, 9, 5)
    for person, choice in zip(
        voters(tree.guangming, 5),
        [VoteChoice.FOR] * 3 + [VoteChoice.AGAINST, VoteChoice.ABSTAIN],
        strict=True,
    ):
        services.vote_record(actor=worker, topic=topic, voter=person, choice=choice, now=LATER)
    topic = services.topic_decide(actor=worker, topic=topic, decision="决议文本", now=LATER)
    assert (topic.status, topic.votes_for, topic.votes_against, topic.votes_abstain) == (
        TopicStatus.DECIDED,
        3,
        1,
        1,
    )
    topic = services.topic_publish(actor=worker, topic=topic, notice_days=5, now=LATER)
    assert (topic.status, topic.notice_until) == (
        TopicStatus.PUBLISHED,
        LATER + dt.timedelta(days=5),
    )
    topic = services.topic_publish_result(actor=worker, topic=topic, result="已完成", now=LATER)
    assert (topic.status, topic.result, topic.result_published_at) == (
        TopicStatus.CONCLUDED,
        "已完成",
        LATER,
    )
    steps = list(
        TopicEvent.objects.filter(topic=topic).values_list(
            "action", "from_status", "to_status", "actor_id", "note"
        )
    )
    assert steps == [
        ("solicit", "", "solicited", worker.pk, topic.description),
        ("propose", "solicited", "proposed", worker.pk, "提议文本"),
        ("deliberate", "proposed", "deliberated", worker.pk, "商议文本"),
        ("decide", "deliberated", "decided", worker.pk, "决议文本"),
        ("publish", "decided", "published", worker.pk, ""),
        ("publish_result", "published", "concluded", worker.pk, "已完成"),
    ]
    assert TopicEvent.objects.filter(topic=topic).exclude(actor_place="光明社区").count() == 0


@pytest.mark.parametrize(
    ("status", "allowed"),
    [
        (TopicStatus.SOLICITED, {"propose", "withdraw"}),
        (TopicStatus.PROPOSED, {"deliberate", "withdraw"}),
        # No vote yet: the decision waits for its quorum (a 409 too).
        (TopicStatus.DELIBERATED, {"withdraw"}),
        (TopicStatus.DECIDED, {"publish"}),
        (TopicStatus.PUBLISHED, {"publish_result"}),
        (TopicStatus.CONCLUDED, set()),
    ],
)
def test_every_step_not_in_the_table_is_a_409(
    tree: Tree, people: Personas, status: str, allowed: set[str]
) -> None:
    topic = topic_in(status, people.worker, tree.guangming)
    calls = {
        "propose": lambda: services.topic_propose(actor=people.worker, topic=topic, proposal="x"),
        "deliberate": lambda: services.topic_deliberate(
            actor=people.worker, topic=topic, deliberation="x", electorate=3
        ),
        "decide": lambda: services.topic_decide(actor=people.worker, topic=topic, decision="x"),
        # (The same request again would be a rerun, answered as it was: another input here.)
        "publish": lambda: services.topic_publish(actor=people.worker, topic=topic, notice_days=3),
        "publish_result": lambda: services.topic_publish_result(
            actor=people.worker, topic=topic, result="x"
        ),
        "withdraw": lambda: services.topic_withdraw(actor=people.worker, topic=topic, reason="x"),
    }
    assert set(available_actions(TOPIC_WORKFLOW, topic, people.worker, now=NOW)) == allowed
    for name, call in calls.items():
        if name in allowed:
            continue
        with pytest.raises(InvalidTransition):
            call()
    assert Topic.objects.get(pk=topic.pk).status == status


def test_withdraw_keeps_the_reason_and_ends_the_topic(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming)
    topic = services.topic_withdraw(actor=people.worker, topic=topic, reason="已由物业解决")
    assert (topic.status, topic.withdrawn_reason) == (TopicStatus.WITHDRAWN, "已由物业解决")
    assert available_actions(TOPIC_WORKFLOW, topic, people.worker, now=NOW) == []
    with pytest.raises(InvalidTransition):
        services.topic_propose(actor=people.worker, topic=topic, proposal="x")


def test_no_decision_without_a_quorum(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming, electorate=7)
    assert topic.quorum == 4
    for person in voters(tree.guangming, 3):
        services.vote_record(actor=people.worker, topic=topic, voter=person, choice="for")
    assert "decide" not in available_actions(TOPIC_WORKFLOW, topic, people.worker, now=NOW)
    with pytest.raises(InvalidTransition, match="no quorum: 3 of the 4"):
        services.topic_decide(actor=people.worker, topic=topic, decision="x")
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.DELIBERATED
    services.vote_record(
        actor=people.worker, topic=topic, voter=voters(tree.guangming, 1)[0], choice="against"
    )
    decided = services.topic_decide(actor=people.worker, topic=topic, decision="通过")
    assert (decided.status, decided.votes_for, decided.votes_against) == ("decided", 3, 1)


def test_not_more_than_half_for_is_not_adopted(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming, electorate=4)
    for person, choice in zip(
        voters(tree.guangming, 4), ["for", "for", "against", "abstain"], strict=True
    ):
        services.vote_record(actor=people.worker, topic=topic, voter=person, choice=choice)
    topic = services.topic_decide(actor=people.worker, topic=topic, decision="未通过")
    assert (topic.status, topic.votes_for) == (TopicStatus.NOT_ADOPTED, 2)
    with pytest.raises(InvalidTransition):
        services.topic_publish(actor=people.worker, topic=topic)


def test_a_quorum_is_more_than_half_and_at_most_everyone(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.PROPOSED, people.worker, tree.guangming)
    for quorum in (5, 11):
        with pytest.raises(ValidationFailed) as error:
            services.topic_deliberate(
                actor=people.worker, topic=topic, deliberation="x", electorate=10, quorum=quorum
            )
        assert "quorum" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        services.topic_deliberate(actor=people.worker, topic=topic, deliberation="x", electorate=0)
    assert "electorate" in error.value.fields
    topic = services.topic_deliberate(
        actor=people.worker, topic=topic, deliberation="x", electorate=10, quorum=8
    )
    assert topic.quorum == 8


def test_a_person_votes_once(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming)
    person = voters(tree.guangming, 1)[0]
    services.vote_record(actor=people.worker, topic=topic, voter=person, choice="for")
    for choice in ("for", "against"):
        with pytest.raises(InvalidTransition, match="already voted"):
            services.vote_record(actor=people.worker, topic=topic, voter=person, choice=choice)
    assert list(Vote.objects.filter(topic=topic).values_list("choice", flat=True)) == ["for"]


def test_votes_only_while_the_meeting_decides(tree: Tree, people: Personas) -> None:
    person = voters(tree.guangming, 1)[0]
    for status in (TopicStatus.PROPOSED, TopicStatus.DECIDED):
        topic = topic_in(status, people.worker, tree.guangming)
        with pytest.raises(InvalidTransition):
            services.vote_record(actor=people.worker, topic=topic, voter=person, choice="for")


def test_a_voter_lives_in_the_community(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming)
    stranger = PersonFactory.create(unit=tree.xinhua, name="外社区居民")
    with pytest.raises(ValidationFailed) as error:
        services.vote_record(actor=people.worker, topic=topic, voter=stranger, choice="for")
    assert "voter" in error.value.fields
    with pytest.raises(ValidationFailed):
        services.vote_record(
            actor=people.worker, topic=topic, voter=voters(tree.guangming, 1)[0], choice="maybe"
        )


def test_roles_and_scope(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.SOLICITED, people.worker, tree.guangming)
    for reader in (people.official, people.grid, people.street_admin):
        with pytest.raises(NotAllowed):
            services.topic_propose(actor=reader, topic=topic, proposal="x")
    for stranger in (people.other_worker, people.handler, people.volunteer):
        with pytest.raises(OutOfScope):
            services.topic_propose(actor=stranger, topic=topic, proposal="x")
    with pytest.raises(NotAllowed):
        solicit(people.official, tree.east)
    with pytest.raises(OutOfScope):
        solicit(people.other_worker, tree.guangming)
    grid_topic = solicit(people.grid, tree.guangming)
    assert grid_topic.posted_by == people.grid


def test_a_retried_step_is_answered_as_it_was(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.PROPOSED, people.worker, tree.guangming)
    again = services.topic_propose(actor=people.worker, topic=topic, proposal=topic.proposal)
    assert (again.status, again.version) == (topic.status, topic.version)
    assert TopicEvent.objects.filter(topic=topic, action="propose").count() == 1


def test_a_stale_version_is_refused(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.SOLICITED, people.worker, tree.guangming)
    with pytest.raises(ConcurrentUpdate):
        services.topic_propose(
            actor=people.worker, topic=topic, proposal="x", expected_version=topic.version + 1
        )


def test_a_compound_of_another_community_is_refused(tree: Tree, people: Personas) -> None:
    with pytest.raises(ValidationFailed) as error:
        solicit(people.worker, tree.guangming, unit=tree.heping)
    assert "unit" in error.value.fields


def test_a_suggestion_becomes_one_topic(tree: Tree, people: Personas) -> None:
    suggestion = PetitionFactory.create(
        actor=people.worker, location=tree.guangming, channel=Channel.SUGGESTION
    )
    topic = solicit(people.worker, tree.guangming, petition=suggestion)
    assert (topic.source, topic.petition) == ("petition", suggestion)
    event = TopicEvent.objects.get(topic=topic)
    assert event.data == {"petition": suggestion.number}
    with pytest.raises(ValidationFailed) as error:
        solicit(people.worker, tree.guangming, petition=suggestion)
    assert error.value.fields["petition"] == ["This petition is already a topic."]
    walk_in = PetitionFactory.create(actor=people.worker, location=tree.guangming)
    with pytest.raises(ValidationFailed) as error:
        solicit(people.worker, tree.guangming, petition=walk_in)
    assert "petition" in error.value.fields
