"""Bulk loading for generated data (``manage.py seed_city``): rows as dicts with their primary
keys chosen here, sent by ``COPY … FROM STDIN`` on PostgreSQL and by ``executemany`` on SQLite,
never one ORM save at a time. Progress and rate are printed per table."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import time
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models import Max
from django.utils import timezone

CHUNK = 20_000

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value in COPY's text format."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False).translate(_ESCAPES)
    return str(value).translate(_ESCAPES)


class Loader:
    """Writes generated rows table by table and reports each table's count and rate."""

    def __init__(self, out: Any = None) -> None:
        self.out = out
        self.now = timezone.now()
        self.postgres = connection.vendor == "postgresql"
        self.written: dict[type[models.Model], int] = {}
        self.seconds: dict[type[models.Model], float] = {}
        self._next: dict[type[models.Model], int] = {}

    def say(self, text: str) -> None:
        if self.out is not None:
            self.out.write(text + "\n")
            self.out.flush()

    def next_id(self, model: type[models.Model], count: int) -> int:
        """The first of ``count`` primary keys reserved for new rows of ``model``."""
        if model not in self._next:
            self._next[model] = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        first = self._next[model]
        self._next[model] = first + count
        return first

    def _columns(self, model: type[models.Model]) -> list[tuple[str, Callable[[], Any]]]:
        """Each column's name and what a row that does not name it gets."""
        columns = []
        for field in model._meta.concrete_fields:
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                default: Callable[[], Any] = lambda: self.now  # noqa: E731
            elif field.has_default():
                default = field.get_default
            elif field.null:
                default = lambda: None  # noqa: E731
            else:
                default = lambda: ""  # noqa: E731
            columns.append((field.attname, default))
        return columns

    def write(self, model: type[models.Model], rows: Iterable[dict[str, Any]]) -> int:
        """Insert ``rows`` (dicts by attribute name, primary key included) in chunks."""
        columns = self._columns(model)
        table = model._meta.db_table
        start = time.perf_counter()
        total = 0
        chunk: list[tuple[Any, ...]] = []
        for row in rows:
            chunk.append(
                tuple(row[name] if name in row else default() for name, default in columns)
            )
            if len(chunk) >= CHUNK:
                self._send(model, table, columns, chunk)
                total += len(chunk)
                chunk = []
        if chunk:
            self._send(model, table, columns, chunk)
            total += len(chunk)
        self.written[model] = self.written.get(model, 0) + total
        self.seconds[model] = self.seconds.get(model, 0.0) + time.perf_counter() - start
        return total

    def summary(self) -> None:
        """Each table's rows, the time spent writing them and the rate."""
        for model, total in self.written.items():
            seconds = self.seconds[model]
            self.say(
                f"  {model._meta.db_table:<34} {total:>10,} rows {seconds:7.1f} s "
                f"{total / max(seconds, 1e-6):>10,.0f} rows/s"
            )

    def _send(
        self,
        model: type[models.Model],
        table: str,
        columns: list[tuple[str, Callable[[], Any]]],
        chunk: list[tuple[Any, ...]],
    ) -> None:
        names = [name for name, _default in columns]
        quoted = ", ".join(connection.ops.quote_name(name) for name in names)
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                for values in chunk:
                    buffer.write("\t".join(map(_copy_text, values)))
                    buffer.write("\n")
                buffer.seek(0)
                cursor.cursor.copy_expert(  # the driver's own cursor (psycopg2)
                    f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN", buffer
                )
                return
            by_name = {field.attname: field for field in model._meta.concrete_fields}
            fields = [by_name[name] for name in names]
            prepared = [
                tuple(
                    field.get_db_prep_save(value, connection)
                    for field, value in zip(fields, values, strict=True)
                )
                for values in chunk
            ]
            marks = ", ".join(["%s"] * len(names))
            table_name = connection.ops.quote_name(table)
            # Names from the model, values as parameters.
            insert = f"INSERT INTO {table_name} ({quoted}) VALUES ({marks})"  # noqa: S608
            cursor.executemany(insert, prepared)

    @contextlib.contextmanager
    def bulk_mode(self, tables: Iterable[type[models.Model]]) -> Iterator[None]:
        """Load ``tables`` without their secondary indexes and foreign-key checks, then build
        each index once and validate each foreign key with one query (PostgreSQL; the same
        transaction, so a failure rolls everything back). Index entries written one row at a
        time cost more than the rows, and a deferred key check queues an event per row."""
        if not self.postgres:
            yield
            return
        restore: list[str] = []
        with connection.cursor() as cursor:
            # Deferred checks still pending in this transaction run now: a table with pending
            # trigger events cannot be altered.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for model in tables:
                table = model._meta.db_table
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype = 'f'",
                    [table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                    restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s AND "
                    "indexname NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = "
                    "%s::regclass)",
                    [table, table],
                )
                for name, definition in cursor.fetchall():
                    cursor.execute(f'DROP INDEX "{name}"')
                    restore.insert(0, definition)
        yield
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for statement in restore:
                cursor.execute(statement)
        self.say(
            f"  {len(restore)} indexes and foreign keys built and checked in "
            f"{time.perf_counter() - start:.1f} s"
        )

    def finish(self) -> None:
        """Move each table's id sequence past the ids given out here (PostgreSQL)."""
        if not self.postgres:
            return
        statements = connection.ops.sequence_reset_sql(no_style(), list(self.written))
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
