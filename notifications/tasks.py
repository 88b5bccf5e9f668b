"""Thin Celery tasks: each calls one service."""

from __future__ import annotations

from celery import shared_task

from notifications.outbox import outbox_send


@shared_task(name="notifications.tasks.send_outbox_task")
def send_outbox_task() -> int:
    """Send the e-mails waiting in the outbox (after each commit that adds some, and
    periodically, so a lost task only delays them). Idempotent: each row is sent once."""
    return outbox_send()
