"""Deadline policies: which one applies, and the defaults (DESIGN §5)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from petitions.models import (
    DeadlinePolicy,
    Track,
    Urgency,
)
from petitions.services.core import (
    _fail,
)

# --- Deadline policies -----------------------------------------------------------------------


def deadline_policy_for(*, track: str, category: str, urgency: str) -> DeadlinePolicy:
    """The most specific active policy: category + urgency, category, urgency, default."""
    candidates = DeadlinePolicy.objects.filter(
        Q(category=category) | Q(category=""),
        Q(urgency=urgency) | Q(urgency=""),
        track=track,
        is_active=True,
    )
    best = sorted(candidates, key=lambda item: (item.category == "", item.urgency == "", item.pk))
    if not best:
        raise _fail("track", _("No deadline policy covers this track. Ask an administrator."))
    return best[0]


DEFAULT_POLICIES: tuple[dict[str, Any], ...] = (
    # Ordinary requests (诉求): accept within a working day, resolve within 7 working days;
    # whistles: report within 24 h, complete within 7 days (DESIGN §5).
    {
        "name": "诉求（一般）",
        "track": Track.ORDINARY,
        "urgency": "",
        "accept_within": 1,
        "accept_unit": "working_days",
        "resolve_within": 7,
        "resolve_unit": "working_days",
        "report_within": 24,
        "report_unit": "hours",
        "complete_within": 7,
        "complete_unit": "calendar_days",
        "max_extension": 5,
        "extension_unit": "working_days",
    },
    {
        "name": "诉求（紧急）",
        "track": Track.ORDINARY,
        "urgency": Urgency.URGENT,
        "accept_within": 2,
        "accept_unit": "hours",
        "resolve_within": 2,
        "resolve_unit": "working_days",
        "report_within": 2,
        "report_unit": "hours",
        "complete_within": 2,
        "complete_unit": "calendar_days",
        "max_extension": 1,
        "extension_unit": "working_days",
    },
    # Formal petitions (信访) per the 2022 信访工作条例: decide acceptance within 15 days,
    # finish within 60 days, extensible once by at most 30.
    {
        "name": "信访事项（信访工作条例）",
        "track": Track.FORMAL,
        "urgency": "",
        "accept_within": 15,
        "accept_unit": "calendar_days",
        "resolve_within": 60,
        "resolve_unit": "calendar_days",
        "report_within": 24,
        "report_unit": "hours",
        "complete_within": 30,
        "complete_unit": "calendar_days",
        "max_extension": 30,
        "extension_unit": "calendar_days",
    },
)


def deadline_policies_ensure_defaults() -> int:
    """Create the default policies where no active policy covers their case (idempotent;
    policies edited in the admin are left as they are). Returns how many were created."""
    created = 0
    for spec in DEFAULT_POLICIES:
        exists = DeadlinePolicy.objects.filter(
            track=spec["track"], category="", urgency=spec["urgency"], is_active=True
        ).exists()
        if not exists:
            DeadlinePolicy.objects.create(category="", **spec)
            created += 1
    return created
