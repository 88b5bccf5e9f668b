"""Thin Celery tasks: each calls one service."""

from __future__ import annotations

from celery import shared_task

from volunteers.sweep import note_overdue_work_orders


@shared_task(name="volunteers.tasks.note_overdue_work_orders_task")
def note_overdue_work_orders_task() -> int:
    """Note overdue work orders and notify their communities (beat, every sweep interval).
    Idempotent."""
    return note_overdue_work_orders()
