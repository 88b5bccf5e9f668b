"""The statements that write many rows at once (governance.database): what they write, what
they leave alone, and that a batch larger than one statement takes is split, not cut."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from governance.database import add_counts, insert_new, insert_rows, update_each
from petitions.models import Action, Escalation, Petition, PetitionDay, PetitionEvent, Status
from tests.petitions.conftest import NOW, log_petition

pytestmark = pytest.mark.django_db


def test_insert_new_returns_the_rows_that_were_new(people, tree) -> None:
    petition = log_petition(people, tree)

    def escalation(key: str) -> Escalation:
        return Escalation(
            petition=petition,
            deadline="accept",
            deadline_key=key,
            due_at=NOW,
            level=1,
            from_unit=tree.guangming,
            to_unit=tree.east,
            at=NOW,
        )

    first = insert_new(
        Escalation,
        [escalation("a"), escalation("b")],
        unique=("petition", "deadline_key"),
        returning=("petition", "deadline_key"),
    )
    again = insert_new(
        Escalation,
        [escalation("b"), escalation("c")],
        unique=("petition", "deadline_key"),
        returning=("petition", "deadline_key"),
    )
    assert sorted(first) == [(petition.pk, "a"), (petition.pk, "b")]
    assert again == [(petition.pk, "c")]
    assert sorted(Escalation.objects.values_list("deadline_key", flat=True)) == ["a", "b", "c"]
    assert insert_new(Escalation, [], unique=("petition",), returning=("id",)) == []


def test_update_each_writes_each_rows_values_where_the_match_still_holds(people, tree) -> None:
    petitions = [log_petition(people, tree) for _ in range(3)]
    moved = petitions[1]
    Petition.objects.filter(pk=moved.pk).update(version=5)
    moved_at = Petition.objects.get(pk=moved.pk).updated_at
    later = NOW + dt.timedelta(hours=1)
    updated = update_each(
        Petition,
        [
            (
                {"id": petition.pk, "status": Status.SUBMITTED, "version": 1},
                # Each row its own title; the time of the step the same for all (sent once).
                {"title": f"第{index}件", "updated_at": later},
            )
            for index, petition in enumerate(petitions)
        ],
        increment=("version",),
    )
    assert updated == {petitions[0].pk, petitions[2].pk}
    rows = dict(
        Petition.objects.values_list("pk", "title").filter(pk__in=[p.pk for p in petitions])
    )
    assert rows == {petitions[0].pk: "第0件", moved.pk: "楼道堆放杂物", petitions[2].pk: "第2件"}
    assert list(
        Petition.objects.filter(pk__in=[p.pk for p in petitions])
        .order_by("pk")
        .values_list("version", "updated_at")
    ) == [(2, later), (5, moved_at), (2, later)]
    with pytest.raises(ValueError, match="same fields"):
        update_each(Petition, [({"id": 1}, {"title": "x"}), ({"id": 2}, {"address": "y"})])
    with pytest.raises(ValueError, match="None"):
        update_each(Petition, [({"id": None}, {"title": "x"})])
    assert update_each(Petition, []) == set()


def test_a_batch_past_the_databases_parameter_limit_is_split(people, tree) -> None:
    petitions = [log_petition(people, tree) for _ in range(3)]
    limit = connection.features.max_query_params
    connection.features.max_query_params = 6  # two rows of three parameters a statement
    try:
        with CaptureQueriesContext(connection) as captured:
            updated = update_each(
                Petition,
                [
                    ({"id": petition.pk, "version": 1}, {"title": f"第{index}件"})
                    for index, petition in enumerate(petitions)
                ],
            )
    finally:
        connection.features.max_query_params = limit
    assert updated == {petition.pk for petition in petitions}
    statements = len(captured.captured_queries)
    assert statements == (2 if connection.vendor == "sqlite" else 1)


def test_add_counts_adds_to_the_rows_and_creates_the_missing_ones(tree) -> None:
    day = dt.date(2026, 11, 18)
    key = (tree.guangming.pk, day, "sanitation", "walk_in")
    other = (tree.heping.pk, day, "sanitation", "walk_in")
    add_counts(PetitionDay, ("community_id", "day", "category", "channel"), {key: {"received": 2}})
    add_counts(
        PetitionDay,
        ("community_id", "day", "category", "channel"),
        {key: {"received": 1, "open": 3}, other: {"overdue": 1}, (0, day, "x", "y"): {"open": 0}},
    )
    rows = {
        (row.community_id, row.received, row.open, row.overdue, row.closed)
        for row in PetitionDay.objects.all()
    }
    # A new row has its other counters at their defaults; a key with nothing to add is no row.
    assert rows == {(tree.guangming.pk, 3, 3, 0, 0), (tree.heping.pk, 0, 0, 1, 0)}


def test_insert_rows_writes_what_bulk_create_writes(people, tree) -> None:
    petition = log_petition(people, tree)

    def events() -> list[PetitionEvent]:
        return [
            PetitionEvent(
                petition=petition,
                unit=tree.east,
                action=Action.ESCALATE,  # a TextChoices member, prepared by the field
                actor=actor,
                actor_place="光明社区" if actor else "",
                at=NOW,
                from_status=Status.SUBMITTED,
                to_status="submitted",
                note="",
                data={"level": 1, "due_at": NOW.isoformat(), "to_unit": None},
            )
            for actor in (None, people.worker)
        ]

    written = events()
    insert_rows(PetitionEvent, written)
    created = PetitionEvent.objects.bulk_create(events())
    assert all(event.pk and not event._state.adding for event in written)

    def stored(rows: list[PetitionEvent]) -> list[dict[str, object]]:
        values = PetitionEvent.objects.filter(pk__in=[row.pk for row in rows]).order_by("pk")
        return [{k: v for k, v in row.items() if k != "id"} for row in values.values()]

    assert stored(written) == stored(created)
    insert_rows(PetitionEvent, [])
