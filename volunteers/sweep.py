"""The work-order deadline sweep (the same database-timer pattern as petitions.sweep).

Beat runs ``note_overdue_work_orders_task`` every ``PETITION_SWEEP_SECONDS``; it reads the
partial index ``workorder_due`` (open orders not yet noted) in due order, in batches locked
with ``SKIP LOCKED``, and notes each overdue order once (compare-and-swap on
``overdue_noted_at``), telling the community's staff. Lights on the board are computed from
``due_at``; the sweep only records and notifies.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from volunteers.models import WorkOrder, WorkOrderStatus
from volunteers.services import work_order_note_overdue

BATCH_SIZE = 500
DUE_STATUSES = (WorkOrderStatus.ORDERED, WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED)


def note_overdue_work_orders(
    *, now: dt.datetime | None = None, batch_size: int = BATCH_SIZE
) -> int:
    """Note every open work order whose deadline passed. Idempotent; safe to run from several
    processes at once. Returns how many were noted."""
    now = now or timezone.now()
    noted = 0
    while True:
        with transaction.atomic():
            batch = list(
                WorkOrder.objects.filter(
                    status__in=DUE_STATUSES, overdue_noted_at__isnull=True, due_at__lte=now
                )
                .order_by("due_at", "pk")
                .select_for_update(skip_locked=True)
                .values_list("pk", "due_at")[:batch_size]
            )
            acted = sum(
                work_order_note_overdue(work_order_id=pk, due_at=due_at, now=now)
                for pk, due_at in batch
                if due_at is not None
            )
            noted += acted
        if len(batch) < batch_size or acted == 0:
            return noted
