"""Keyset pagination: a page starts after the last row of the page before it, found through an
index that matches the list's order, never by skipping rows with OFFSET and never by counting
the whole list.

A list declares itself as a ``Keyset``:

* its ``segments``, shown one after the other (the overdue cases, then the rest), each a
  queryset with its own order (columns, each ascending or descending, none of them null, the
  last one unique: the primary key). Which rows fall into which segment may depend on a moment
  (overdue *as of when*): the first page fixes it to now and every cursor carries it, so a
  case that turns overdue while someone pages through the list stays in the segment it was in
  and is neither skipped nor shown twice;
* ``load``, the rows of one page with their joins (``select_related``, annotations), given
  their primary keys: the expensive joins touch the page's rows only;
* ``rows``, every row of the list as of the moment, in any order, for a count capped at
  ``COUNT_CAP``.

A cursor names a position in that order: the segment (its rank), the order values of the row
at the page's edge, the direction, and the moment. Clients pass it on without reading it; it is
signed (``django.core.signing``, salted with the list's name), so none can be made up, changed
or carried over from another list: anything but a cursor this list handed out is
``InvalidCursor`` (a 400 with a field message in the API, the first page with a message on the
pages).

Rows inserted between two page loads land where their order puts them: before the cursor they
are not shown until the list is opened again, after it they are shown once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import Model, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.errors import ValidationFailed

ModelT = TypeVar("ModelT", bound=Model)

# The count shown beside a list is exact up to this many rows; beyond it the list says "1,000+"
# (the dashboard has the figures). Counting stops after COUNT_CAP + 1 rows.
COUNT_CAP = 1000
CURSOR_PARAMETER = "cursor"
INVALID_CURSOR = _("This page link is not valid (it may have been cut or changed).")


class InvalidCursor(ValidationFailed):
    """A cursor this list did not hand out (cut, changed, forged, or of another list)."""

    def __init__(self) -> None:
        super().__init__(INVALID_CURSOR, fields={CURSOR_PARAMETER: [str(INVALID_CURSOR)]})


@dataclass(frozen=True)
class Segment:
    """Rows shown together, in ``order`` (e.g. ``("-created_at", "-id")``)."""

    rows: QuerySet[Any]
    order: tuple[str, ...]


@dataclass(frozen=True)
class Keyset(Generic[ModelT]):
    """A list read a page at a time (see the module's docstring). ``name`` names the list and
    its order: it salts the cursors, so a cursor of one list (or of another order of the same
    list) is refused by every other."""

    name: str
    segments: Callable[[dt.datetime], Sequence[Segment]]
    load: Callable[[list[Any]], QuerySet[ModelT]]
    rows: Callable[[dt.datetime], QuerySet[Any]]


@dataclass(frozen=True)
class Cursor:
    rank: int
    key: tuple[Any, ...]
    backwards: bool
    as_of: dt.datetime


@dataclass(frozen=True)
class KeysetPage(Generic[ModelT]):
    """One page: its rows in order, the cursors of the pages before and after it (None at either
    end), whether it is the first page, and the list's size counted up to ``COUNT_CAP``."""

    object_list: list[ModelT]
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool
    count: int
    count_exact: bool

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None

    @property
    def has_previous(self) -> bool:
        return self.previous_cursor is not None

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or not self.is_first

    def __len__(self) -> int:
        return len(self.object_list)

    def __iter__(self) -> Iterator[ModelT]:
        return iter(self.object_list)


# --- Cursors ---------------------------------------------------------------------------------


def _salt(keyset: Keyset[Any]) -> str:
    return f"governance.keyset:{keyset.name}"


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"t": value.isoformat()}
    if isinstance(value, dt.date):
        return {"d": value.isoformat()}
    if isinstance(value, bool) or value is None:
        raise TypeError("keyset order values are never null or boolean")
    if isinstance(value, int | str):
        return value
    raise TypeError(f"keyset order value of type {type(value).__name__}")


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((tag, text),) = value.items()
        if tag == "t" and isinstance(text, str):
            moment = dt.datetime.fromisoformat(text)
            if timezone.is_naive(moment):
                raise ValueError("naive moment")
            return moment
        if tag == "d" and isinstance(text, str):
            return dt.date.fromisoformat(text)
    if isinstance(value, int | str) and not isinstance(value, bool):
        return value
    raise ValueError("not an order value")


def encode_cursor(keyset: Keyset[Any], cursor: Cursor) -> str:
    payload = {
        "r": cursor.rank,
        "k": [_encode_value(value) for value in cursor.key],
        "b": int(cursor.backwards),
        "t": cursor.as_of.isoformat(),
    }
    return signing.dumps(payload, salt=_salt(keyset), compress=True)


def decode_cursor(keyset: Keyset[Any], token: str) -> Cursor:
    """The position ``token`` names; ``InvalidCursor`` for anything this list did not hand out."""
    try:
        payload = signing.loads(token, salt=_salt(keyset))
        rank, key, backwards, as_of = payload["r"], payload["k"], payload["b"], payload["t"]
        if not isinstance(rank, int) or isinstance(rank, bool) or rank < 0:
            raise ValueError("rank")
        if not isinstance(key, list) or not key or backwards not in (0, 1):
            raise ValueError("key")
        moment = dt.datetime.fromisoformat(as_of)
        if timezone.is_naive(moment):
            raise ValueError("naive moment")
        return Cursor(rank, tuple(_decode_value(value) for value in key), bool(backwards), moment)
    except (signing.BadSignature, ValueError, TypeError, KeyError, OverflowError) as error:
        raise InvalidCursor() from error


# --- Reading a page --------------------------------------------------------------------------


def _field(name: str) -> str:
    return name.removeprefix("-")


def _reversed(order: Sequence[str]) -> tuple[str, ...]:
    return tuple(_field(name) if name.startswith("-") else f"-{name}" for name in order)


def beyond(order: Sequence[str], key: Sequence[Any]) -> Q:
    """The rows after ``key`` in ``order``: (a, b, c) after (x, y, z) is a beyond x, or a = x
    and b beyond y, or a = x, b = y and c beyond z. The first column also gets a plain bound
    (a at or beyond x), so an index on the order starts its scan at the key instead of
    filtering its way there."""
    alternatives = []
    equal = Q()
    for name, value in zip(order, key, strict=True):
        lookup = "lt" if name.startswith("-") else "gt"
        alternatives.append(equal & Q(**{f"{_field(name)}__{lookup}": value}))
        equal &= Q(**{_field(name): value})
    first = order[0]
    bound = Q(**{f"{_field(first)}__{'lte' if first.startswith('-') else 'gte'}": key[0]})
    return bound & reduce(or_, alternatives)


@dataclass(frozen=True)
class _Row:
    rank: int
    pk: Any
    key: tuple[Any, ...]


def _read(
    segments: Sequence[Segment], start: Cursor | None, size: int, *, backwards: bool
) -> list[_Row]:
    """Up to ``size`` rows from ``start`` (excluded; None: the start, or the end backwards),
    segment after segment, one query per segment read (backwards: the rows nearest the start
    first)."""
    ranks = range(len(segments))
    if backwards:
        ranks = ranks[::-1]
    found: list[_Row] = []
    for rank in ranks:
        if start is not None and (rank > start.rank if backwards else rank < start.rank):
            continue
        segment = segments[rank]
        order = _reversed(segment.order) if backwards else segment.order
        rows = segment.rows
        if start is not None and rank == start.rank:
            if len(start.key) != len(order):
                raise InvalidCursor()
            rows = rows.filter(beyond(order, start.key))
        fields = [_field(name) for name in order]
        for pk, *key in rows.order_by(*order).values_list("pk", *fields)[: size - len(found)]:
            found.append(_Row(rank, pk, tuple(key)))
        if len(found) >= size:
            break
    return found


def capped_count(rows: QuerySet[Any], cap: int) -> tuple[int, bool]:
    """How many rows, counting no further than ``cap`` + 1: (count, exact). Past the cap the
    count is ``cap`` and not exact ("1,000+")."""
    counted = rows.order_by().values("pk")[: cap + 1].count()
    return (counted, True) if counted <= cap else (cap, False)


def read_page(
    keyset: Keyset[ModelT], token: str = "", *, size: int, now: dt.datetime | None = None
) -> KeysetPage[ModelT]:
    """The page ``token`` points to (the first page for ""); ``InvalidCursor`` for a cursor this
    list did not hand out. Queries: one per segment read (usually one, two where the page
    crosses from one segment into the next), one for the page's rows with their joins, one for
    the capped count."""
    cursor = decode_cursor(keyset, token) if token else None
    as_of = cursor.as_of if cursor is not None else (now or timezone.now())
    segments = keyset.segments(as_of)
    rows: list[_Row] = []
    if cursor is not None and cursor.backwards:
        before = _read(segments, cursor, size + 1, backwards=True)
        if len(before) > size:
            # The page came from the page after it, which is there to go back to.
            rows, is_first, has_next = before[:size][::-1], False, True
        else:
            # Nothing before these rows: the first page, filled up with the rows after them.
            cursor = None
    if cursor is None or not cursor.backwards:
        rows = _read(segments, cursor, size + 1, backwards=False)
        is_first, has_next = cursor is None, len(rows) > size
        rows = rows[:size]

    def position(row: _Row, backwards: bool) -> str:
        return encode_cursor(keyset, Cursor(row.rank, row.key, backwards, as_of))

    loaded = {obj.pk: obj for obj in keyset.load([row.pk for row in rows])} if rows else {}
    count, exact = capped_count(keyset.rows(as_of), COUNT_CAP)
    return KeysetPage(
        object_list=[loaded[row.pk] for row in rows if row.pk in loaded],
        next_cursor=position(rows[-1], False) if rows and has_next else None,
        previous_cursor=position(rows[0], True) if rows and not is_first else None,
        is_first=is_first,
        count=count,
        count_exact=exact,
    )


def emptied(keyset: Keyset[ModelT]) -> Keyset[ModelT]:
    """The same list holding nothing (a filter no row can meet), read at no query."""
    return Keyset(
        name=keyset.name,
        segments=lambda as_of: [
            Segment(segment.rows.none(), segment.order) for segment in keyset.segments(as_of)
        ],
        load=keyset.load,
        rows=lambda as_of: keyset.rows(as_of).none(),
    )
