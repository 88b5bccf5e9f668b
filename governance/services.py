"""Infrastructure services."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from governance.models import Heartbeat


def heartbeat_record(*, name: str, hostname: str = "", now: dt.datetime | None = None) -> Heartbeat:
    """Record that process ``name`` is alive. Idempotent: one row per name, updated in place."""
    heartbeat, _created = Heartbeat.objects.update_or_create(
        name=name, defaults={"beat_at": now or timezone.now(), "hostname": hostname[:200]}
    )
    return heartbeat
