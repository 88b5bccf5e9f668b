"""``/api/topics/``: the list in the caller's area (query count pinned), 一征 and every stage
through the API, 400 with field messages, 403 for a role that may not act, 404 outside the
area, 409 for an illegal step, a missing quorum and a second vote; the ledger export."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from consultations.models import Topic, TopicStatus, Vote
from petitions.models import Channel
from tests.conftest import Personas, Tree
from tests.consultations.conftest import solicit, topic_in, voters
from tests.factories import PersonFactory, PetitionFactory
from tests.helpers import api_for, in_english

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def answer(response: Any, code: int) -> Any:
    assert response.status_code == code, (response.status_code, response.content.decode())
    return response.json()


def test_the_whole_way_through_the_api(tree: Tree, people: Personas) -> None:
    api = api_for(people.worker)
    created = answer(
        api.post(
            "/api/topics/",
            {
                "community": tree.guangming.pk,
                "unit": tree.guangming_compound.pk,
                "title": "楼道堆物清理",
                "format": "house_meeting",
            },
            format="json",
        ),
        201,
    )
    url = f"/api/topics/{created['id']}/"
    assert (created["status"], created["unit"], created["actions"]) == (
        "solicited",
        tree.guangming_compound.pk,
        ["propose", "withdraw"],
    )
    answer(api.post(url + "propose/", {"proposal": "党支部提议", "version": 1}, format="json"), 200)
    detail = answer(
        api.post(
            url + "deliberate/", {"deliberation": "议事会商议", "electorate": 3}, format="json"
        ),
        200,
    )
    assert (detail["quorum"], detail["may_vote"], detail["actions"]) == (2, True, ["withdraw"])
    for person in voters(tree.guangming, 2):
        vote = answer(
            api.post(url + "votes/", {"voter": person.pk, "choice": "for"}, format="json"), 201
        )
        assert vote["voter_name"] == person.name
    answer(api.post(url + "decide/", {"decision": "表决通过"}, format="json"), 200)
    answer(api.post(url + "publish/", {"notice_days": 10}, format="json"), 200)
    done = answer(api.post(url + "publish-result/", {"result": "已清理完毕"}, format="json"), 200)
    assert (done["status"], done["votes_for"], done["notice_days"], done["actions"]) == (
        "concluded",
        2,
        10,
        [],
    )
    events = answer(api.get(url + "events/"), 200)
    assert [e["action"] for e in events] == [
        "solicit",
        "propose",
        "deliberate",
        "decide",
        "publish",
        "publish_result",
    ]
    assert events[1]["note"] == "党支部提议"
    assert events[1]["actor_place"] == "光明社区"


def test_bad_input_is_a_400_with_field_messages(tree: Tree, people: Personas) -> None:
    api = api_for(people.worker)
    body = answer(
        api.post("/api/topics/", {"community": tree.guangming.pk, "format": "x"}, format="json"),
        400,
    )
    assert {"title", "format"} <= set(body)
    topic = topic_in(TopicStatus.PROPOSED, people.worker, tree.guangming)
    url = f"/api/topics/{topic.pk}/"
    body = answer(
        api.post(url + "deliberate/", {"deliberation": "x", "electorate": 0}, format="json"), 400
    )
    assert "electorate" in body
    body = answer(
        api.post(
            url + "deliberate/",
            {"deliberation": "x", "electorate": 10, "quorum": 3},
            format="json",
        ),
        400,
    )
    assert "quorum" in body
    assert answer(api.post(url + "propose/", {}, format="json"), 400).keys() >= {"proposal"}


def test_illegal_steps_missing_quorum_and_second_votes_are_409(
    tree: Tree, people: Personas
) -> None:
    api = in_english(api_for(people.worker))
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming, electorate=5)
    url = f"/api/topics/{topic.pk}/"
    answer(api.post(url + "publish/", {}, format="json"), 409)
    body = answer(api.post(url + "decide/", {"decision": "x"}, format="json"), 409)
    assert "quorum" in body["detail"]
    person = voters(tree.guangming, 1)[0]
    answer(api.post(url + "votes/", {"voter": person.pk, "choice": "for"}, format="json"), 201)
    body = answer(
        api.post(url + "votes/", {"voter": person.pk, "choice": "against"}, format="json"), 409
    )
    assert body["detail"] == "This person has already voted on the topic."
    assert Vote.objects.filter(topic=topic).count() == 1
    answer(api.post(url + "propose/", {"proposal": "x", "version": 1}, format="json"), 409)


def test_403_in_scope_404_outside(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.SOLICITED, people.worker, tree.guangming)
    url = f"/api/topics/{topic.pk}/"
    for reader in (people.official, people.grid):
        assert answer(api_for(reader).get(url), 200)["actions"] == []
        answer(api_for(reader).post(url + "propose/", {"proposal": "x"}, format="json"), 403)
    for stranger in (people.other_worker, people.handler, people.volunteer):
        answer(api_for(stranger).get(url), 404)
        answer(api_for(stranger).post(url + "propose/", {"proposal": "x"}, format="json"), 404)
    answer(api_for(people.worker).get("/api/topics/999999/"), 404)
    answer(api_for(people.worker).get("/api/topics/abc/"), 404)
    answer(
        api_for(people.official).post(
            "/api/topics/",
            {"community": tree.guangming.pk, "title": "x", "format": "forum"},
            format="json",
        ),
        403,
    )


def test_a_voter_outside_the_scope_or_the_community_is_a_400(tree: Tree, people: Personas) -> None:
    topic = topic_in(TopicStatus.DELIBERATED, people.worker, tree.guangming)
    url = f"/api/topics/{topic.pk}/votes/"
    elsewhere = PersonFactory.create(unit=tree.xinhua, name="新华居民")
    body = answer(
        api_for(people.worker).post(url, {"voter": elsewhere.pk, "choice": "for"}, format="json"),
        400,
    )
    assert "voter" in body


def test_a_suggestion_promoted_through_the_api(tree: Tree, people: Personas) -> None:
    suggestion = PetitionFactory.create(
        actor=people.worker, location=tree.guangming, channel=Channel.SUGGESTION
    )
    api = api_for(people.worker)
    body = {"community": tree.guangming.pk, "title": "建议", "format": "forum"}
    created = answer(
        api.post("/api/topics/", {**body, "petition": suggestion.pk}, format="json"), 201
    )
    assert (created["source"], created["petition_number"]) == ("petition", suggestion.number)
    again = answer(
        api.post("/api/topics/", {**body, "petition": suggestion.pk}, format="json"), 400
    )
    assert "petition" in again


# The list: the COUNT and the page (units, poster and petition joined).
QUERIES = 2


def test_the_list_is_scoped_filtered_and_costs_the_same_for_more_rows(
    tree: Tree, people: Personas
) -> None:
    solicit(people.other_worker, tree.xinhua, title="新华的议题")
    solicit(people.worker, tree.guangming)
    api = api_for(people.worker)

    def measure() -> tuple[int, Any]:
        with CaptureQueriesContext(connection) as captured:
            body = answer(api.get("/api/topics/"), 200)
        return len(captured), body

    few, body = measure()
    assert [row["title"] for row in body["results"]] == ["小区东门加装电动车充电桩"]
    for _ in range(4):
        solicit(people.worker, tree.guangming, format="forum")
    many, body = measure()
    assert (body["count"], few, many) == (5, QUERIES, QUERIES)
    assert answer(api.get("/api/topics/", {"kind": "forum"}), 200)["count"] == 4
    assert answer(api.get("/api/topics/", {"status": "decided"}), 200)["count"] == 0
    # The street official reads 光明社区's five (新华社区 lies in another street).
    official = answer(api_for(people.official).get("/api/topics/"), 200)
    assert official["count"] == 5
    assert answer(api_for(people.superuser).get("/api/topics/"), 200)["count"] == 6
    answer(api.get("/api/topics/", {"status": "nope"}), 400)
    assert answer(api_for(people.handler).get("/api/topics/"), 200)["count"] == 0


def test_the_ledger_export(tree: Tree, people: Personas) -> None:
    topic_in(TopicStatus.CONCLUDED, people.worker, tree.guangming)
    solicit(people.other_worker, tree.xinhua, title="新华的议题")
    response: Any = api_for(people.worker).get("/api/topics/", {"format": "xlsx"})
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(
        io.BytesIO(b"".join(response.streaming_content)), data_only=True
    ).active
    text = str(list(sheet.iter_rows(values_only=True)))
    assert "小区东门加装电动车充电桩" in text
    assert "充电棚已建成投用。" in text
    assert "新华的议题" not in text
    assert Topic.objects.count() == 2
