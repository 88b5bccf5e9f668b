"""Concurrent vote requests on PostgreSQL: a person's vote is recorded once however many
requests arrive at the same moment (one 201, the rest 409 from the unique constraint), while
different people voting at once are all recorded.

Each request runs in its own thread on its own connection (``run_together``), through the API
as a client sends it."""

from __future__ import annotations

from typing import Any

import pytest

from consultations.models import TopicStatus, Vote
from tests.conftest import Personas, Tree
from tests.consultations.conftest import topic_in, voters
from tests.helpers import api_for_fresh_copy, in_english
from tests.volunteers.test_concurrency import run_together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _vote(worker: Any, url: str, voter: int, choice: str) -> Any:
    def call() -> tuple[int, str]:
        response = in_english(api_for_fresh_copy(worker)).post(
            url, {"voter": voter, "choice": choice}, format="json"
        )
        return response.status_code, response.json().get("detail", "")

    return call


def answers(outcomes: list[object]) -> list[tuple[int, str]]:
    """Each request's (status, detail); an exception in a thread fails the test."""
    failed = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert failed == []
    return [outcome for outcome in outcomes if isinstance(outcome, tuple)]


def test_one_person_voting_at_once_is_recorded_once(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming)
    person = voters(tree.guangming, 1)[0]
    url = f"/api/topics/{topic.pk}/votes/"
    choices = ["for", "against", "abstain"] * 2
    outcomes = answers(run_together([_vote(people.worker, url, person.pk, c) for c in choices]))
    assert sorted(code for code, _detail in outcomes) == [201, 409, 409, 409, 409, 409]
    refused = {detail for code, detail in outcomes if code == 409}
    assert refused == {"This person has already voted on the topic."}
    assert Vote.objects.filter(topic=topic, voter=person).count() == 1


def test_different_people_voting_at_once_are_all_recorded(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming)
    crowd = voters(tree.guangming, 6)
    url = f"/api/topics/{topic.pk}/votes/"
    outcomes = answers(run_together([_vote(people.worker, url, p.pk, "for") for p in crowd]))
    assert [code for code, _detail in outcomes] == [201] * 6
    assert Vote.objects.filter(topic=topic).count() == 6
