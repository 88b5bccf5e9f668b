"""Thin Celery tasks for infrastructure."""

from __future__ import annotations

import socket

from celery import shared_task

from governance.health import WORKER_HEARTBEAT
from governance.services import heartbeat_record


@shared_task(name="governance.tasks.record_heartbeat_task", ignore_result=False)
def record_heartbeat_task(name: str = WORKER_HEARTBEAT) -> str:
    """Record the worker's heartbeat (beat sends this every HEARTBEAT_INTERVAL_SECONDS).

    Idempotent. Returns the ISO time it recorded, so a caller can wait for the round trip.
    """
    heartbeat = heartbeat_record(name=name, hostname=socket.gethostname())
    return heartbeat.beat_at.isoformat()
