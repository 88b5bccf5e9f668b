"""``governance.keyset``, on the org units of the named tree (the helper knows no domain):
walking a list of two segments forwards and back gives every row once, in order, whatever the
columns' directions; cursors round-trip and anything else is ``InvalidCursor``; the count stops
after the cap."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import pytest
from django.core import signing

from governance.keyset import (
    Cursor,
    InvalidCursor,
    Keyset,
    Segment,
    beyond,
    capped_count,
    decode_cursor,
    emptied,
    encode_cursor,
    read_page,
)
from orgchart.models import OrgUnit
from tests.conftest import Tree

MOMENT = dt.datetime(2026, 11, 18, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
# Communities by name, then the other units deepest level first, highest id first.
FIRST = ("name", "id")
SECOND = ("-level", "-id")


def _units() -> Keyset[OrgUnit]:
    communities = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY)
    others = OrgUnit.objects.exclude(kind=OrgUnit.Kind.COMMUNITY)
    return Keyset(
        name="units",
        segments=lambda as_of: [Segment(communities, FIRST), Segment(others, SECOND)],
        load=lambda pks: OrgUnit.objects.filter(pk__in=pks),
        rows=lambda as_of: OrgUnit.objects.all(),
    )


def _everything() -> list[int]:
    communities = OrgUnit.objects.filter(kind=OrgUnit.Kind.COMMUNITY).order_by(*FIRST)
    others = OrgUnit.objects.exclude(kind=OrgUnit.Kind.COMMUNITY).order_by(*SECOND)
    return [unit.pk for unit in [*communities, *others]]


def _pks(page: Any) -> list[int]:
    return [unit.pk for unit in page.object_list]


def test_walking_forwards_and_back_gives_every_row_once_in_order(tree: Tree) -> None:
    keyset = _units()
    expected = _everything()
    assert len(expected) > 7
    walked, pages, token = [], [], ""
    while True:
        page = read_page(keyset, token, size=3, now=MOMENT)
        walked += _pks(page)
        pages.append(page)
        if page.next_cursor is None:
            break
        token = page.next_cursor
    assert walked == expected
    assert pages[0].is_first
    assert pages[0].previous_cursor is None
    assert all(not page.is_first for page in pages[1:])
    # Back from the last page, page by page, to the first.
    back: list[list[int]] = []
    page = pages[-1]
    while page.previous_cursor is not None:
        page = read_page(keyset, page.previous_cursor, size=3)
        back.insert(0, _pks(page))
    assert [pk for chunk in back for pk in chunk] == expected[: len(expected) - len(pages[-1])]
    assert page.is_first
    assert (page.count, page.count_exact) == (len(expected), True)


def test_going_back_before_the_first_rows_shows_the_first_page_filled_up(tree: Tree) -> None:
    keyset = _units()
    # Backwards from the second row of the list: one row before it, so the first page.
    unit = OrgUnit.objects.get(pk=_everything()[1])
    token = encode_cursor(keyset, Cursor(0, (unit.name, unit.pk), True, MOMENT))
    page = read_page(keyset, token, size=3)
    assert page.is_first
    assert page.previous_cursor is None
    assert _pks(page) == _everything()[:3]
    assert page.next_cursor is not None


def test_beyond_follows_each_columns_direction(tree: Tree) -> None:
    units = OrgUnit.objects.exclude(kind=OrgUnit.Kind.COMMUNITY).order_by(*SECOND)
    pks = list(units.values_list("pk", flat=True))
    middle = units[len(pks) // 2]
    after = units.filter(beyond(SECOND, (middle.level, middle.pk)))
    assert list(after.values_list("pk", flat=True)) == pks[len(pks) // 2 + 1 :]


def test_cursors_round_trip_and_nothing_else_passes(tree: Tree) -> None:
    keyset = _units()
    cursor = Cursor(1, (MOMENT, dt.date(2026, 11, 1), "光明", 7), True, MOMENT)
    token = encode_cursor(keyset, cursor)
    assert decode_cursor(keyset, token) == cursor
    other = Keyset("other", keyset.segments, keyset.load, keyset.rows)
    naive = signing.dumps(
        {"r": 0, "k": [{"t": "2026-11-18T10:00:00"}, 1], "b": 0, "t": MOMENT.isoformat()},
        salt="governance.keyset:units",
    )
    negative = signing.dumps(
        {"r": -1, "k": [1], "b": 0, "t": MOMENT.isoformat()}, salt="governance.keyset:units"
    )
    for bad in (token[:-1], encode_cursor(other, cursor), naive, negative, "", "x:y:z"):
        with pytest.raises(InvalidCursor):
            decode_cursor(keyset, bad)
    # A cursor whose key does not fit its segment's order (another order of a list that kept
    # its name) is refused when read.
    wrong = encode_cursor(keyset, Cursor(0, ("光明",), False, MOMENT))
    with pytest.raises(InvalidCursor):
        read_page(keyset, wrong, size=3)


def test_the_count_stops_after_the_cap_and_an_emptied_list_reads_nothing(
    tree: Tree, django_assert_num_queries: Any
) -> None:
    total = OrgUnit.objects.count()
    assert capped_count(OrgUnit.objects.all(), total) == (total, True)
    assert capped_count(OrgUnit.objects.all(), total - 1) == (total - 1, False)
    with django_assert_num_queries(0):
        page = read_page(emptied(_units()), "", size=3)
    assert (page.object_list, page.count, page.next_cursor) == ([], 0, None)
