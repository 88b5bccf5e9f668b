"""The demo's reference clock.

The demo's activity (the grid visits, the petitions with their deadlines, escalations and
messages) is planned and played as if it were ``REFERENCE_NOW``, on the working-day calendar of
the months before it, and then moved as a whole by ``demo_shift(now)`` to the moment of
seeding. Every moment moves by the same amount, so the demo is the same whenever it is loaded:
the same cases are open, overdue and escalated, each as long before "now" as in the plan, and
no figure depends on the hour, the weekday or the holidays of the day of loading. What moves
with it is the wall-clock face: a case logged at 10:00 on the reference clock and loaded at
15:30 shows 15:30, and a deadline that ended a working day on the reference clock keeps its
distance from the steps around it rather than ending a working day of the real calendar.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

# A Wednesday morning of an ordinary week (no holiday in the fortnight before it), in a year
# the working-day calendar covers: the plan's deadlines are computed on that calendar.
REFERENCE_NOW = dt.datetime(2026, 3, 18, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def demo_shift(now: dt.datetime) -> dt.timedelta:
    """How far the demo's moments move: from ``REFERENCE_NOW`` to ``now``, in whole minutes
    (the beat sweeps on whole minutes, so escalations stay on them)."""
    return now.replace(second=0, microsecond=0) - REFERENCE_NOW
