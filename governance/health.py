"""Liveness and readiness: what ``/healthz/`` and ``/readyz/`` answer.

Liveness says the web process answers at all (no database, nothing else). Readiness checks
what the app needs to do its work: the database, the Celery broker, and two heartbeats the
background processes record (``governance.models.Heartbeat``): the worker's, from a task that
beat queues every ``HEARTBEAT_INTERVAL_SECONDS`` (its age is the age of the last task the worker
took from the queue, so a stuck consumer shows even while beat keeps queueing), and the
escalation sweep's, recorded after each sweep (every ``PETITION_SWEEP_SECONDS``). A heartbeat
older than ``STALE_AFTER_INTERVALS`` intervals fails.

The answer names what failed and gives ages and times only: no host names, addresses or error
texts (the endpoint is anonymous); those go to the log, one warning line per failed check
(monitors poll this: no traceback each time).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone
from kombu import Connection

from governance.models import Heartbeat

logger = logging.getLogger(__name__)

# Heartbeat names: the worker (governance.tasks.record_heartbeat_task) and the escalation sweep
# (petitions.tasks.escalate_overdue_task).
WORKER_HEARTBEAT = "worker"
SWEEP_HEARTBEAT = "escalation-sweep"
STALE_AFTER_INTERVALS = 3
# Seconds the broker may take to answer before it counts as unreachable.
BROKER_TIMEOUT_SECONDS = 2.0


@dataclass
class Readiness:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [name for name, check in self.checks.items() if not check["ok"]]

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "failing",
            "failed": self.failed,
            "checks": self.checks,
        }


def broker_check() -> dict[str, Any]:
    """Connect to the Celery broker as the worker does (Redis answers a PING). kombu's
    filesystem transport of the embedded default has no server: there the queue folder must
    exist and be writable."""
    url = settings.CELERY_BROKER_URL
    options = dict(settings.CELERY_BROKER_TRANSPORT_OPTIONS)
    if url.startswith("filesystem://"):
        folder = Path(str(options.get("data_folder_in", "")))
        if folder.is_dir() and os.access(folder, os.R_OK | os.W_OK | os.X_OK):
            return {"ok": True}
        logger.warning("readiness: the broker's queue folder %s is missing or not writable", folder)
        return {"ok": False, "error": "queue folder missing or not writable"}
    options.setdefault("socket_connect_timeout", BROKER_TIMEOUT_SECONDS)
    options.setdefault("socket_timeout", BROKER_TIMEOUT_SECONDS)
    try:
        with Connection(
            url, connect_timeout=BROKER_TIMEOUT_SECONDS, transport_options=options
        ) as broker:
            broker.ensure_connection(max_retries=0)
    except Exception as error:  # kombu raises the transport's own errors, not one family
        logger.warning("readiness: the broker is unreachable: %r", error)
        return {"ok": False, "error": "unreachable"}
    return {"ok": True}


def heartbeat_check(
    beat_at: dt.datetime | None, *, interval_seconds: int, now: dt.datetime
) -> dict[str, Any]:
    max_age = STALE_AFTER_INTERVALS * interval_seconds
    if beat_at is None:
        return {"ok": False, "error": "never", "at": None, "max_age_seconds": max_age}
    age = max((now - beat_at).total_seconds(), 0.0)
    check: dict[str, Any] = {
        "ok": age <= max_age,
        "at": beat_at.isoformat(),
        "age_seconds": round(age, 1),
        "max_age_seconds": max_age,
    }
    if not check["ok"]:
        check["error"] = "stale"
    return check


def readiness(*, now: dt.datetime | None = None) -> Readiness:
    """The database, the broker, the worker's last task and the last escalation sweep.
    Reads only: one query (reading the heartbeats is the database check)."""
    now = now or timezone.now()
    result = Readiness()
    beats: dict[str, dt.datetime] | None
    try:
        beats = dict(
            Heartbeat.objects.filter(name__in=[WORKER_HEARTBEAT, SWEEP_HEARTBEAT]).values_list(
                "name", "beat_at"
            )
        )
    except DatabaseError as error:
        logger.warning("readiness: the database is unreachable: %r", error)
        result.checks["database"] = {"ok": False, "error": "unreachable"}
        beats = None
    else:
        result.checks["database"] = {"ok": True}
    result.checks["broker"] = broker_check()
    if beats is None:
        unknown = {"ok": False, "error": "database unreachable"}
        result.checks["worker"] = dict(unknown)
        result.checks["sweep"] = dict(unknown)
        return result
    result.checks["worker"] = heartbeat_check(
        beats.get(WORKER_HEARTBEAT), interval_seconds=settings.HEARTBEAT_INTERVAL_SECONDS, now=now
    )
    result.checks["sweep"] = heartbeat_check(
        beats.get(SWEEP_HEARTBEAT), interval_seconds=settings.PETITION_SWEEP_SECONDS, now=now
    )
    return result
