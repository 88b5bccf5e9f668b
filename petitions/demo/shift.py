"""Move the demo petitions from the reference clock to the moment of seeding.

The seeding plays the plan on ``orgchart.demo.REFERENCE_NOW`` (so the deadlines, escalations and
figures never depend on when the demo is loaded) and then moves what it wrote by ``shift``
(``orgchart.demo.demo_shift``): every moment of the petitions, whistles, escalations and events,
and of the messages, e-mails and audit rows the seeding wrote; the escalations' keys and the
due times the events quote follow. The petitions are then numbered again by the year they now
fall in, in the order they were logged (the reference clock's 2025-000123 may become
2026-000045), and so are the texts that quote their numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models
from django.db.models import CharField, F, Max, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from governance.database import update_rows
from governance.models import AuditEvent, NumberSequence
from notifications.models import Notification, OutboxEmail
from petitions.models import Action, Dispatch, Escalation, Petition, PetitionEvent
from petitions.services.escalation import escalation_deadline_key

NUMBER = re.compile(r"(?<!\d)\d{4}-\d{6}(?!\d)")


@dataclass(frozen=True)
class Marks:
    """Where the tables the petition seeding shares with the other demos ended before it: the
    rows after these are the seeding's. ``counters``: the petition numbers given per year."""

    notification: int
    outbox: int
    audit: int
    counters: dict[int, int] = field(default_factory=dict)

    @classmethod
    def take(cls) -> Marks:
        def last(model: type[models.Model]) -> int:
            return model._default_manager.aggregate(last=Max("pk"))["last"] or 0

        return cls(
            notification=last(Notification),
            outbox=last(OutboxEmail),
            audit=last(AuditEvent),
            counters=dict(
                NumberSequence.objects.filter(name="petition").values_list("year", "last")
            ),
        )


def _moments(model: type[models.Model]) -> list[str]:
    """The model's moments: its date-time columns that are not the wall clock of the write."""
    return [
        column.name
        for column in model._meta.concrete_fields
        if isinstance(column, models.DateTimeField) and not (column.auto_now or column.auto_now_add)
    ]


def _move(rows: models.QuerySet, shift: dt.timedelta) -> None:
    rows.update(**{name: F(name) + shift for name in _moments(rows.model)})


def _rewrite(model: type[models.Model], column: str, values: dict[int, str]) -> None:
    """Set a unique text column row by row: first to a placeholder of the row's own, so that
    no new value meets an old one on its way."""
    if not values:
        return
    rows = model._default_manager.filter(pk__in=values)
    rows.update(**{column: Concat(Value("~"), Cast("pk", output_field=CharField()))})
    objects = list(rows.only(column))
    for obj in objects:
        setattr(obj, column, values[obj.pk])
    update_rows(model, [column], objects)


def move_to_now(*, shift: dt.timedelta, marks: Marks) -> None:
    """Move everything the petition seeding wrote by ``shift`` and number the petitions by
    the year they fall in then. In the caller's transaction; the rollups are recounted by the
    caller afterwards (their days move too)."""
    if shift:
        _move(Petition.objects.all(), shift)
        _move(Dispatch.objects.all(), shift)
        _move(Escalation.objects.all(), shift)
        _move(PetitionEvent.objects.all(), shift)
        _move(Notification.objects.filter(pk__gt=marks.notification), shift)
        _move(OutboxEmail.objects.filter(pk__gt=marks.outbox), shift)
        AuditEvent.objects.filter(pk__gt=marks.audit).move_seeded(shift)
        _rewrite(
            Escalation,
            "deadline_key",
            {
                escalation.pk: escalation_deadline_key(
                    escalation.deadline, escalation.dispatch_id, escalation.due_at
                )
                for escalation in Escalation.objects.all()
            },
        )
        events = list(PetitionEvent.objects.filter(action=Action.ESCALATE).only("data"))
        for event in events:
            due = dt.datetime.fromisoformat(event.data["due_at"]) + shift
            event.data = {**event.data, "due_at": due.isoformat()}
        update_rows(PetitionEvent, ["data"], events)
    # A case last changed with its last step (``updated_at`` is the wall clock of the write).
    Petition.objects.update(
        updated_at=Subquery(
            PetitionEvent.objects.filter(petition=OuterRef("pk"))
            .order_by("-at", "-pk")
            .values("at")[:1]
        )
    )
    _renumber(marks)


def _renumber(marks: Marks) -> None:
    counters = dict(marks.counters)
    years = set(counters)
    renamed: dict[str, str] = {}
    numbers: dict[int, str] = {}
    # The numbers were given in the order the cases were logged, and the move keeps it.
    for pk, number, created_at in Petition.objects.order_by("number").values_list(
        "pk", "number", "created_at"
    ):
        years.add(int(number.split("-")[0]))
        year = timezone.localtime(created_at).year
        counters[year] = counters.get(year, 0) + 1
        years.add(year)
        new = f"{year}-{counters[year]:06d}"
        if new != number:
            renamed[number] = new
            numbers[pk] = new
    for year in sorted(years):
        if counters.get(year):
            NumberSequence.objects.update_or_create(
                name="petition", year=year, defaults={"last": counters[year]}
            )
        else:
            NumberSequence.objects.filter(name="petition", year=year).delete()
    if not renamed:
        return
    _rewrite(Petition, "number", numbers)

    def renumbered(text: str) -> str:
        return NUMBER.sub(lambda match: renamed.get(match.group(), match.group()), text)

    def rewrite_texts(rows: Iterable[models.Model], columns: tuple[str, ...]) -> None:
        changed = []
        for row in rows:
            before = [getattr(row, column) for column in columns]
            after = [renumbered(text) for text in before]
            if after != before:
                for column, text in zip(columns, after, strict=True):
                    setattr(row, column, text)
                changed.append(row)
        if changed:
            update_rows(type(changed[0]), columns, changed)

    rewrite_texts(
        Notification.objects.filter(pk__gt=marks.notification).only("title", "body"),
        ("title", "body"),
    )
    rewrite_texts(
        OutboxEmail.objects.filter(pk__gt=marks.outbox).only("subject", "body"),
        ("subject", "body"),
    )
    audit = []
    for row in AuditEvent.objects.filter(pk__gt=marks.audit, object_type=Petition._meta.label).only(
        "object_repr", "changes"
    ):
        quoted = row.changes.get("number") if isinstance(row.changes, dict) else None
        if quoted in renamed:
            row.object_repr = renumbered(row.object_repr)
            row.changes = {**row.changes, "number": renamed[quoted]}
            audit.append(row)
    update_rows(AuditEvent, ["object_repr", "changes"], audit)
    # A repeat's intake names the case it repeats.
    repeats = []
    for event in PetitionEvent.objects.filter(action=Action.CREATE).only("data"):
        if event.data.get("repeat_of") in renamed:
            event.data = {**event.data, "repeat_of": renamed[event.data["repeat_of"]]}
            repeats.append(event)
    update_rows(PetitionEvent, ["data"], repeats)
