"""The consultation pages: the section's gate, the list (query count pinned), 一征 (also from a
people's suggestion), a topic's page with exactly the viewer's steps, each step posted with the
version the page showed, the vote desk (search, vote once) and the ledger export."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.models import Topic, TopicStatus, Vote
from petitions.models import Channel
from tests.conftest import Personas, Tree
from tests.consultations.conftest import solicit, topic_in, voters
from tests.factories import PetitionFactory
from tests.helpers import english_client_for

pytestmark = [pytest.mark.django_db]


def page(client: Any, url: str, code: int = 200, **post: Any) -> str:
    response = client.post(url, post) if post else client.get(url)
    assert response.status_code == code, (response.status_code, response.content[:400])
    return response.content.decode()


def test_the_section_answers_the_area_staff_only(tree: Tree, people: Personas) -> None:
    topic = solicit(people.worker, tree.guangming)
    for user in (people.worker, people.grid, people.official, people.street_admin):
        html = page(english_client_for(user), "/consultations/")
        assert 'data-testid="nav-consultations"' in html
        assert topic.title in html
    for user in (people.handler, people.volunteer):
        client = english_client_for(user)
        assert 'data-testid="nav-consultations"' not in page(client, "/")
        page(client, "/consultations/", 403)
        page(client, f"/consultations/{topic.pk}/", 403)
        page(client, "/consultations/999999/", 403)
    page(english_client_for(people.other_worker), f"/consultations/{topic.pk}/", 404)


def test_the_list_costs_the_same_for_more_rows(tree: Tree, people: Personas) -> None:
    client = english_client_for(people.worker)
    solicit(people.worker, tree.guangming)
    page(client, "/consultations/")

    def measure() -> int:
        with CaptureQueriesContext(connection) as captured:
            page(client, "/consultations/?kind=courtyard")
        return len(captured)

    few = measure()
    for _ in range(5):
        solicit(people.worker, tree.guangming)
    assert measure() == few
    export: Any = client.get("/consultations/?format=xlsx")
    assert export.status_code == 200
    assert b"".join(export.streaming_content).startswith(b"PK")  # an xlsx file (a zip)


def test_solicit_a_topic_and_a_suggestion(tree: Tree, people: Personas) -> None:
    client = english_client_for(people.grid)
    form = page(client, "/consultations/new/")
    assert tree.guangming_compound.name in form
    page(client, "/consultations/new/", 400, title="", format="forum", unit=tree.guangming.pk)
    response = client.post(
        "/consultations/new/",
        {"title": "广场舞噪音", "format": "forum", "unit": tree.guangming_compound.pk},
    )
    topic = Topic.objects.get(title="广场舞噪音")
    assert response.status_code == 302
    assert response["Location"] == f"/consultations/{topic.pk}/"
    assert (topic.posted_by, topic.unit) == (people.grid, tree.guangming_compound)
    suggestion = PetitionFactory.create(
        actor=people.worker, location=tree.guangming, channel=Channel.SUGGESTION
    )
    worker = english_client_for(people.worker)
    html = page(worker, f"/consultations/new/?petition={suggestion.pk}")
    assert suggestion.number in html
    assert suggestion.title in html
    response = worker.post(
        "/consultations/new/",
        {
            "title": suggestion.title,
            "format": "joint",
            "unit": tree.guangming.pk,
            "petition": suggestion.pk,
        },
    )
    assert Topic.objects.get(petition=suggestion).source == "petition"
    page(english_client_for(people.official), "/consultations/new/", 403)
    page(
        english_client_for(people.other_worker),
        f"/consultations/new/?petition={suggestion.pk}",
        404,
    )


def test_a_topic_page_offers_the_viewer_its_steps(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.SOLICITED, people.worker, tree.guangming)
    worker = english_client_for(people.worker)
    html = page(worker, f"/consultations/{topic.pk}/")
    assert 'data-testid="form-propose"' in html
    assert 'data-testid="form-withdraw"' in html
    official = page(english_client_for(people.official), f"/consultations/{topic.pk}/")
    assert 'data-testid="form-propose"' not in official
    page(
        english_client_for(people.official),
        f"/consultations/{topic.pk}/propose/",
        403,
        proposal="x",
        version=1,
    )
    response = worker.post(
        f"/consultations/{topic.pk}/propose/", {"proposal": "党支部提议", "version": topic.version}
    )
    assert response.status_code == 302
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.PROPOSED
    # The same page posted again: the topic moved on (409, the page as it is now).
    html = page(worker, f"/consultations/{topic.pk}/propose/", 409, proposal="另一个", version=1)
    assert "Proposed" in html
    page(
        worker,
        f"/consultations/{topic.pk}/deliberate/",
        400,
        deliberation="x",
        electorate=0,
        version=2,
    )
    page(worker, f"/consultations/{topic.pk}/nope/", 404, version=2)


def test_the_vote_desk_records_each_person_once(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming, electorate=3)
    first, second = voters(tree.guangming, 2)
    worker = english_client_for(people.worker)
    html = page(worker, f"/consultations/{topic.pk}/votes/", voter_q="居民代表", search="1")
    assert f'data-person="{first.pk}"' in html
    assert 'data-testid="vote-for"' in html
    response = worker.post(
        f"/consultations/{topic.pk}/votes/", {"voter": first.pk, "choice": "for"}
    )
    assert response.status_code == 302
    html = page(worker, f"/consultations/{topic.pk}/votes/", 409, voter=first.pk, choice="against")
    assert "already voted" in html
    page(worker, f"/consultations/{topic.pk}/votes/", 400, voter=first.pk, choice="maybe")
    worker.post(f"/consultations/{topic.pk}/votes/", {"voter": second.pk, "choice": "abstain"})
    assert sorted(Vote.objects.filter(topic=topic).values_list("choice", flat=True)) == [
        "abstain",
        "for",
    ]
    html = page(worker, f"/consultations/{topic.pk}/")
    assert 'data-testid="form-decide"' in html
    page(
        english_client_for(people.grid),
        f"/consultations/{topic.pk}/votes/",
        403,
        voter=first.pk,
        choice="for",
    )


def test_a_suggestion_s_page_offers_the_topic(tree: Tree, people: Personas) -> None:
    suggestion = PetitionFactory.create(
        actor=people.worker, location=tree.guangming, channel=Channel.SUGGESTION
    )
    walk_in = PetitionFactory.create(actor=people.worker, location=tree.guangming)
    worker = english_client_for(people.worker)
    html = page(worker, f"/petitions/{suggestion.pk}/")
    assert f'href="/consultations/new/?petition={suggestion.pk}"' in html
    assert 'data-testid="promote-to-topic"' not in page(worker, f"/petitions/{walk_in.pk}/")
    assert 'data-testid="promote-to-topic"' not in page(
        english_client_for(people.official), f"/petitions/{suggestion.pk}/"
    )
    topic = solicit(people.worker, tree.guangming, petition=suggestion)
    html = page(worker, f"/petitions/{suggestion.pk}/")
    assert f'href="/consultations/{topic.pk}/"' in html
    assert 'data-testid="promote-to-topic"' not in html
