"""Infrastructure services."""

from __future__ import annotations

import datetime as dt

from django.db.models import F
from django.utils import timezone

from governance.models import Heartbeat, NumberSequence


def heartbeat_record(*, name: str, hostname: str = "", now: dt.datetime | None = None) -> Heartbeat:
    """Record that process ``name`` is alive. Idempotent: one row per name, updated in place."""
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now(), "hostname": hostname[:200]}
    )
    return heartbeat


def next_number(name: str, year: int) -> int:
    """The next number of sequence ``name`` in ``year`` (1, 2, …), gap-free within the
    caller's transaction. The row lock taken by the UPDATE serialises concurrent callers
    until they commit; a rolled-back caller gives its number back."""
    NumberSequence.objects.get_or_create(name=name, year=year)
    NumberSequence.objects.filter(name=name, year=year).update(last=F("last") + 1)
    return NumberSequence.objects.values_list("last", flat=True).get(name=name, year=year)
