"""Rate limits: the API per signed-in user and per address, reveals and exports of personal
data per user (refused with 429 and the wait, the first refusal of a window flagged in the
audit log), and the window ending."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Any

import pytest
from django.core.cache.backends.redis import RedisCache
from rest_framework.test import APIClient

from governance import ratelimit
from governance.models import AuditEvent
from tests.conftest import Personas, Tree, client_for, make_user
from tests.helpers import api_for
from tests.orgchart.test_people_services import MOBILE, register

START = dt.datetime(2026, 3, 2, 9, 0, 5, tzinfo=dt.UTC)


@pytest.fixture
def rates(settings: Any) -> dict[str, str]:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS}
    return settings.RATE_LIMITS


def statuses(responses: list[Any]) -> list[int]:
    return [response.status_code for response in responses]


def test_a_burst_of_api_requests_is_refused_at_the_default_rate(
    tree: Tree, people: Personas, time_machine: Any
) -> None:
    """The case measured from outside: hundreds of authenticated requests in a second or two
    (within one window: the clock stands still here, as a burst takes a second or two)."""
    time_machine.move_to(START, tick=False)
    client = api_for(people.worker)
    answers = statuses([client.get("/api/users/me/") for _ in range(125)])
    assert answers[:120] == [200] * 120
    assert answers[120:] == [429] * 5
    refused = client.get("/api/users/me/")
    assert int(refused["Retry-After"]) >= 1
    assert "detail" in refused.json()
    # Another user is counted on their own.
    assert api_for(people.official).get("/api/users/me/").status_code == 200


def test_the_user_limit_ends_with_its_window(
    tree: Tree, people: Personas, rates: dict[str, str], time_machine: Any
) -> None:
    time_machine.move_to(START, tick=False)
    rates["api_user"] = "3/min"
    client = api_for(people.worker)
    assert statuses([client.get("/api/users/me/") for _ in range(4)]) == [200, 200, 200, 429]
    assert client.get("/api/users/me/")["Retry-After"] == "55"
    time_machine.shift(dt.timedelta(seconds=56))
    assert client.get("/api/users/me/").status_code == 200


def test_requests_without_a_user_are_limited_per_address(
    tree: Tree, people: Personas, rates: dict[str, str]
) -> None:
    rates["api_anon"] = "3/min"
    here = APIClient(REMOTE_ADDR="10.3.0.1")
    body = {"username": "nobody", "password": "wrong-password-1"}
    assert statuses([here.post("/api/auth/token/", body) for _ in range(4)]) == [400, 400, 400, 429]
    # Another address is counted on its own.
    elsewhere = APIClient(REMOTE_ADDR="10.3.0.2")
    assert elsewhere.post("/api/auth/token/", body).status_code == 400
    # A signed-in user is counted as that user, not by address.
    signed_in = api_for(people.worker)
    assert signed_in.get("/api/users/me/", REMOTE_ADDR="10.3.0.1").status_code == 200


def test_a_burst_of_reveals_is_refused_and_flagged_once(
    tree: Tree, people: Personas, rates: dict[str, str]
) -> None:
    rates["reveal"] = "3/min"
    person = register(tree, people)
    client = api_for(people.worker)
    url = f"/api/people/{person.pk}/reveal/"
    answers = [client.post(url, {"field": "mobile"}, format="json") for _ in range(5)]
    assert statuses(answers) == [200, 200, 200, 429, 429]
    assert answers[0].json()["value"] == MOBILE
    assert "value" not in answers[3].json()
    assert answers[3].json()["detail"].startswith("请求过于频繁")
    reveals = AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL, actor=people.worker)
    assert reveals.count() == 3
    flags = AuditEvent.objects.filter(action=AuditEvent.Action.LIMITED)
    assert [(flag.actor, flag.changes) for flag in flags] == [
        (people.worker, {"limit": "reveal", "rate": "3/min"})
    ]
    # A colleague's reveals are not counted with theirs.
    colleague = make_user("colleague", "community_worker", unit=tree.guangming)
    assert api_for(colleague).post(url, {"field": "mobile"}, format="json").status_code == 200


def test_the_reveal_page_is_limited_too(
    tree: Tree, people: Personas, rates: dict[str, str]
) -> None:
    rates["reveal"] = "1/min"
    person = register(tree, people)
    client = client_for(people.worker)
    url = f"/org/people/{person.pk}/reveal/mobile/"
    first, second = client.post(url), client.post(url)
    assert first.status_code == 200
    assert MOBILE in first.content.decode()
    assert second.status_code == 429
    assert MOBILE not in second.content.decode()


def test_a_burst_of_exports_is_refused(tree: Tree, people: Personas, rates: dict[str, str]) -> None:
    rates["export"] = "2/min"
    register(tree, people)
    client = api_for(people.worker)
    answers = [client.get("/api/people/?format=csv") for _ in range(3)]
    assert statuses(answers) == [200, 200, 429]
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT, actor=people.worker)
    assert exports.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.LIMITED).count() == 1


def test_an_empty_rate_turns_a_limit_off(
    tree: Tree, people: Personas, rates: dict[str, str]
) -> None:
    rates["api_user"] = ""
    client = api_for(people.worker)
    assert set(statuses([client.get("/api/users/me/") for _ in range(130)])) == {200}


@pytest.mark.postgres
def test_web_processes_share_the_count_on_redis(settings: Any, monkeypatch: Any) -> None:
    """In production the counters are in Redis (``CACHE_URL``): two web processes, each with
    its own connection, count one user's requests together."""
    location = os.environ["CELERY_BROKER_URL"]
    prefix = f"test-{uuid.uuid4().hex}"  # the broker's database: keys of this test only
    processes = [RedisCache(location, {"KEY_PREFIX": prefix}) for _ in range(2)]
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "api_user": "5/min"}
    now = START.timestamp()
    answers = []
    try:
        for number in range(7):
            monkeypatch.setattr(ratelimit, "cache", processes[number % 2])
            answers.append(ratelimit.hit("api_user", "42", now=now))
    finally:
        processes[0].delete(f"rate:api_user:42:{int(now // 60)}")
    assert answers == [0, 0, 0, 0, 0, 55, 55]
