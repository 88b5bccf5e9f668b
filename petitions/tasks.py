"""Thin Celery tasks: each calls one service."""

from __future__ import annotations

import socket

from celery import shared_task

from governance.health import SWEEP_HEARTBEAT
from governance.services import heartbeat_record
from notifications.outbox import outbox_send
from petitions import rollups
from petitions.sweep import escalate_overdue


@shared_task(name="petitions.tasks.escalate_overdue_task")
def escalate_overdue_task() -> dict[str, object]:
    """The escalation sweep (beat, every ``PETITION_SWEEP_SECONDS``). Idempotent: a
    duplicate or late run escalates nothing twice. Then records the sweep's heartbeat, whose
    age ``/readyz/`` reports."""
    result = escalate_overdue()
    heartbeat_record(name=SWEEP_HEARTBEAT, hostname=socket.gethostname())
    return {"escalated": result.escalated, "closed": result.closed}


@shared_task(name="petitions.tasks.send_outbox_task")
def send_outbox_task() -> int:
    """The outbox's sender under its former name, for messages queued before the outbox moved
    to ``notifications`` (``notifications.tasks.send_outbox_task`` is the one beat and
    ``notify`` queue now). Idempotent: each row is sent once."""
    return outbox_send()


@shared_task(name="petitions.tasks.check_rollups_task")
def check_rollups_task() -> int:
    """The nightly check (beat, 02:30): recount the rollups of the days that changed
    yesterday from the source rows, repair any drift and log it. Returns the rows repaired."""
    return len(rollups.check_yesterday())
