"""/healthz/ (liveness) and /readyz/ (database, broker, worker, escalation sweep)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.db import OperationalError
from django.test import Client, override_settings

from governance import health
from governance.health import SWEEP_HEARTBEAT, WORKER_HEARTBEAT
from governance.services import heartbeat_record
from orgchart.models import User
from tests.compose import free_port
from tests.conftest import Personas, client_for, make_user

NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
HOST = "worker-host-7"  # a host name: never in the answer


@pytest.fixture
def frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def beats(*, worker_age: float, sweep_age: float) -> None:
    heartbeat_record(
        name=WORKER_HEARTBEAT, hostname=HOST, now=NOW - dt.timedelta(seconds=worker_age)
    )
    heartbeat_record(name=SWEEP_HEARTBEAT, hostname=HOST, now=NOW - dt.timedelta(seconds=sweep_age))


def filesystem_broker(folder: Path) -> dict[str, Any]:
    """The embedded default's broker settings with the queue in ``folder``."""
    return {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_TRANSPORT_OPTIONS": {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
        },
    }


def readyz(client: Client | None = None) -> tuple[int, dict[str, Any]]:
    response = (client or Client()).get("/readyz/")
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert HOST not in response.content.decode()
    return response.status_code, response.json()


def test_healthz_is_alive_without_touching_the_database() -> None:
    # No django_db mark: pytest-django makes any database access an error here.
    response = Client().get("/healthz/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-cache" in response["Cache-Control"]
    assert Client().head("/healthz/").status_code == 200
    assert Client().post("/healthz/").status_code == 405


@pytest.mark.django_db
def test_readyz_is_ready_with_the_figures(frozen: None, django_assert_num_queries) -> None:
    beats(worker_age=30, sweep_age=45)
    with django_assert_num_queries(1):  # the heartbeats; reading them is the database check
        status, body = readyz()
    assert status == 200
    assert body == {
        "status": "ok",
        "failed": [],
        "checks": {
            "database": {"ok": True},
            "broker": {"ok": True},
            "worker": {
                "ok": True,
                "at": "2026-11-20T08:59:30+00:00",
                "age_seconds": 30.0,
                "max_age_seconds": 3 * settings.HEARTBEAT_INTERVAL_SECONDS,
            },
            "sweep": {
                "ok": True,
                "at": "2026-11-20T08:59:15+00:00",
                "age_seconds": 45.0,
                "max_age_seconds": 3 * settings.PETITION_SWEEP_SECONDS,
            },
        },
    }


@pytest.mark.django_db
def test_readyz_fails_before_the_first_heartbeats(frozen: None) -> None:
    status, body = readyz()
    assert status == 503
    assert body["status"] == "failing"
    assert body["failed"] == ["worker", "sweep"]
    assert body["checks"]["worker"] == {
        "ok": False,
        "error": "never",
        "at": None,
        "max_age_seconds": 3 * settings.HEARTBEAT_INTERVAL_SECONDS,
    }


@pytest.mark.django_db
def test_readyz_shows_a_stuck_consumer_and_a_stopped_sweep(frozen: None) -> None:
    limit = 3 * settings.HEARTBEAT_INTERVAL_SECONDS
    beats(worker_age=limit, sweep_age=0)
    assert readyz()[0] == 200  # at the limit: still fine
    beats(worker_age=limit + 1, sweep_age=0)
    status, body = readyz()
    assert (status, body["failed"]) == (503, ["worker"])
    assert body["checks"]["worker"] == {
        "ok": False,
        "error": "stale",
        "at": (NOW - dt.timedelta(seconds=limit + 1)).isoformat(),
        "age_seconds": limit + 1.0,
        "max_age_seconds": limit,
    }
    beats(worker_age=0, sweep_age=3 * settings.PETITION_SWEEP_SECONDS + 1)
    status, body = readyz()
    assert (status, body["failed"]) == (503, ["sweep"])
    assert body["checks"]["sweep"]["error"] == "stale"


@pytest.mark.django_db
def test_readyz_fails_when_the_filesystem_broker_is_gone_and_recovers(
    frozen: None, tmp_path: Path
) -> None:
    """The embedded default's broker: kombu's filesystem transport, a folder in var/."""
    beats(worker_age=0, sweep_age=0)
    queue = tmp_path / "queue"
    with override_settings(**filesystem_broker(queue)):
        status, body = readyz()
        assert (status, body["failed"]) == (503, ["broker"])
        assert body["checks"]["broker"] == {
            "ok": False,
            "error": "queue folder missing or not writable",
        }
        assert str(tmp_path) not in str(body)
        queue.mkdir()
        status, body = readyz()
        assert (status, body["failed"], body["checks"]["broker"]) == (200, [], {"ok": True})


@pytest.mark.django_db
def test_readyz_fails_when_the_database_does_not_answer(
    frozen: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refused(**lookups: object) -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(
        health, "Heartbeat", SimpleNamespace(objects=SimpleNamespace(filter=refused))
    )
    status, body = readyz()
    assert status == 503
    assert body["failed"] == ["database", "worker", "sweep"]
    assert body["checks"] == {
        "database": {"ok": False, "error": "unreachable"},
        "broker": {"ok": True},
        "worker": {"ok": False, "error": "database unreachable"},
        "sweep": {"ok": False, "error": "database unreachable"},
    }


@pytest.mark.django_db
def test_health_checks_are_anonymous_and_pass_the_first_login_gate(
    frozen: None, people: Personas
) -> None:
    beats(worker_age=0, sweep_age=0)
    fresh = make_user(
        "fresh",
        User.Role.COMMUNITY_WORKER,
        unit=people.worker.anchor_unit,
        must_change_password=True,
    )
    for client in (Client(), client_for(people.worker), client_for(fresh)):
        assert client.get("/healthz/").status_code == 200
        assert readyz(client)[0] == 200
    # A page still sends the account on a one-time password to change it first.
    assert client_for(fresh).get("/").status_code == 302


@pytest.mark.postgres
@pytest.mark.django_db
def test_readyz_fails_while_redis_is_down_and_recovers(frozen: None) -> None:
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    beats(worker_age=0, sweep_age=0)
    assert readyz()[0] == 200
    closed = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    with override_settings(CELERY_BROKER_URL=closed):
        status, body = readyz()
    assert (status, body["failed"]) == (503, ["broker"])
    assert body["checks"]["broker"] == {"ok": False, "error": "unreachable"}
    assert "127.0.0.1" not in str(body)
    assert readyz()[0] == 200
