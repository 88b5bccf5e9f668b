"""The demo petitions on the reference clock: the same cases, figures and overdue ones at any
hour they are loaded (the rest of the demo is checked in tests/test_demo.py)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from governance.models import AuditEvent, NumberSequence
from grids.demo import seed_grids_demo
from grids.models import Visit
from notifications.models import Notification
from orgchart.demo import REFERENCE_NOW, demo_shift, seed_org_demo, seed_people_demo
from orgchart.models import OrgUnit, User
from petitions import rollups
from petitions import selectors as petition_selectors
from petitions.demo import TOTAL, seed_petitions_demo
from petitions.figures import unit_figures
from petitions.models import (
    OPEN_STATUSES,
    Dispatch,
    Escalation,
    Petition,
    PetitionEvent,
)

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# A working Monday morning, and a Saturday night in a year the calendar does not cover (the
# load spans a new year: numbers of two years).
MONDAY_MORNING = dt.datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)
SATURDAY_NIGHT = dt.datetime(2027, 1, 9, 23, 50, tzinfo=SHANGHAI)


def test_demo_shift_moves_the_reference_clock_to_the_minute_of_loading() -> None:
    assert demo_shift(REFERENCE_NOW) == dt.timedelta(0)
    moment = dt.datetime(2026, 3, 19, 11, 30, 45, 500, tzinfo=SHANGHAI)
    assert demo_shift(moment) == dt.timedelta(days=1, hours=1, minutes=30)
    assert REFERENCE_NOW + demo_shift(moment) == moment.replace(second=0, microsecond=0)


def loaded_at(now: dt.datetime) -> dict[str, Any]:
    """What the demo shows right after loading at ``now``, with each moment as an offset from
    ``now``; and checks that hold at any hour."""
    admin = User.objects.get(username="admin")
    petitions = Petition.objects.order_by("created_at", "pk")
    overdue = petition_selectors.petition_list_visible(user=admin, overdue=True, now=now)
    # Nothing lies ahead of the moment of loading.
    assert not petitions.filter(created_at__gt=now).exists()
    assert not PetitionEvent.objects.filter(at__gt=now).exists()
    assert not Escalation.objects.filter(at__gt=now).exists()
    assert not Notification.objects.filter(created_at__gt=now).exists()
    assert not AuditEvent.objects.filter(object_type__startswith="petitions.", at__gt=now).exists()
    assert not AuditEvent.objects.filter(object_type="grids.Visit", at__gt=now).exists()
    assert not Visit.objects.filter(visited_at__gt=now).exists()
    assert petitions.filter(created_at__gte=now - dt.timedelta(hours=1)).exists()
    # A case comes from a visit that found a hazard shortly before it was logged.
    from_visits = petitions.filter(source_visit__isnull=False).select_related("source_visit")
    assert from_visits.count() >= 20
    for petition in from_visits:
        assert petition.source_visit is not None
        lead = petition.created_at - petition.source_visit.visited_at
        assert dt.timedelta(minutes=5) <= lead <= dt.timedelta(minutes=45)
    # Numbered by the year they were logged in, in that order, without gaps; the messages and
    # the audit rows quote the numbers the cases have.
    logged = list(petitions.values_list("number", "created_at"))
    for number, created_at in logged:
        assert number.startswith(f"{timezone.localtime(created_at).year}-")
    assert [number for number, _at in logged] == sorted(number for number, _at in logged)
    years = Counter(number[:4] for number, _at in logged)
    assert dict(NumberSequence.objects.filter(name="petition").values_list("year", "last")) == {
        int(year): count for year, count in years.items()
    }
    created = Notification.objects.filter(kind="petition.create").select_related("subject_type")
    assert created.exists()
    for notification in created:
        assert notification.subject_id is not None
        number = Petition.objects.values_list("number", flat=True).get(pk=notification.subject_id)
        assert number in notification.title
    audit = AuditEvent.objects.filter(object_type="petitions.Petition", action="create")
    numbers = dict(petitions.values_list("pk", "number"))
    for object_id, changes in audit.values_list("object_id", "changes"):
        assert changes["number"] == numbers[int(object_id)]
    # Escalated within a minute of the deadline, as the beat does.
    for escalation in Escalation.objects.all():
        assert dt.timedelta(0) <= escalation.at - escalation.due_at < dt.timedelta(minutes=1)
    # The rollups agree with the rows: a recount finds nothing to repair, and the city's
    # figures (read from them) count every case and the overdue ones on record.
    assert rollups.recompute() == []
    city = OrgUnit.objects.get(kind=OrgUnit.Kind.CITY)
    today = timezone.localdate(now)
    figures = unit_figures(
        city, date_from=today - dt.timedelta(days=200), date_to=today + dt.timedelta(days=1)
    ).total
    on_record = petitions.filter(status__in=OPEN_STATUSES, overdue_since__isnull=False)
    assert figures.received == TOTAL
    assert figures.overdue == on_record.count()
    assert figures.open == petitions.filter(status__in=OPEN_STATUSES).count()
    return {
        "statuses": Counter(petitions.values_list("status", flat=True)),
        "overdue": overdue.count(),
        "overdue on record": on_record.count(),
        "escalations": Counter(Escalation.objects.values_list("level", "to_unit__name")),
        "whistles": Counter(Dispatch.objects.values_list("status", flat=True)),
        "events": Counter(PetitionEvent.objects.values_list("action", flat=True)),
        "figures": figures.counts,
        "cases": [
            (
                petition.title,
                petition.status,
                petition.handling_unit_id,
                now - petition.created_at,
                petition.overdue_since and now - petition.overdue_since,
                petition.resolve_due_at and petition.resolve_due_at - now,
            )
            for petition in petitions
        ],
        "visits": list(
            # By name: PostgreSQL does not give a rolled-back load's ids back.
            Visit.objects.order_by("pk").values_list("grid__name", "hazard_found", "visited_at")
        ),
    }


def test_the_petition_demo_shows_the_same_cases_whatever_the_hour_of_loading() -> None:
    """Loaded on a Monday morning and on a Saturday night, the demo has the same cases where
    they were (the same open, overdue and escalated ones, each as long before "now"), so the
    dashboards show the same figures; some are overdue both times."""
    seed_org_demo()
    seed_people_demo()
    shown = []
    for moment in (MONDAY_MORNING, SATURDAY_NIGHT):
        with time_machine.travel(moment, tick=False), transaction.atomic():
            seed_grids_demo()
            result = seed_petitions_demo()
            assert result.created_petitions == TOTAL
            assert result.skipped_steps == 0
            state = loaded_at(moment)
            state["visits"] = [
                (grid, hazard, moment - visited_at) for grid, hazard, visited_at in state["visits"]
            ]
            shown.append(state)
            transaction.set_rollback(True)
    monday, saturday = shown
    assert monday["overdue"] > 0
    assert monday["overdue on record"] > 0
    assert monday["statuses"]["submitted"] > 0
    for key in monday:
        assert monday[key] == saturday[key], key
