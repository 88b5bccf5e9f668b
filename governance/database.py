"""Database housekeeping shared by the apps."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Count, Field, IntegerField, Model, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

T = TypeVar("T")


def refresh_planner_statistics() -> None:
    """Let PostgreSQL's planner see what a bulk load just wrote (ANALYZE).

    Autovacuum analyses a table only after its rows are committed; inside one long
    transaction (the demo seed) the planner would otherwise plan the next step's queries
    on the statistics of the empty tables and pick nested loops over thousands of rows.
    ANALYZE counts the rows the current transaction inserted, and its statistics roll
    back with it. SQLite plans without such statistics, so nothing is done there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def update_rows(model: type[Model], columns: Sequence[str], rows: Iterable[Model]) -> int:
    """Write ``columns`` of each of ``rows`` (instances of ``model`` holding the new values):
    one prepared UPDATE, executed for every row. ``bulk_update`` builds a CASE expression per
    column that grows with the batch: seconds of Python for a few thousand rows."""
    fields: list[Field[Any, Any]] = []
    for name in columns:
        field = model._meta.get_field(name)
        if not isinstance(field, Field) or not field.concrete:
            raise TypeError(f"{model._meta.label}.{name} is not a column")
        fields.append(field)
    primary_key = model._meta.pk
    assert primary_key is not None  # noqa: S101 - every concrete model has one
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    statement = (
        f"UPDATE {quote(model._meta.db_table)} SET {assignments} "  # noqa: S608 - names quoted
        f"WHERE {quote(primary_key.column)} = %s"
    )
    params = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        + [row.pk]
        for row in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(statement, params)
    return len(params)


def scalar_count(queryset: QuerySet[Any]) -> Coalesce:
    """``SELECT COUNT(*)`` of ``queryset`` as an expression, to be selected beside others in one
    query (a dashboard reads dozens of counts in one round trip)."""
    counted = (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(n=Count("*"))
        .values("n")
    )
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), 0)


def scalar_sum(queryset: QuerySet[Any], field: str) -> Coalesce:
    """``SELECT SUM(field)`` of ``queryset`` as an expression (0 for no rows)."""
    summed = (
        queryset.order_by()
        .annotate(_one=Value(1))
        .values("_one")
        .annotate(n=Sum(field))
        .values("n")
    )
    output = queryset.model._meta.get_field(field)
    return Coalesce(Subquery(summed[:1], output_field=output), Value(0), output_field=output)


def select_scalars(model: type[Model], pk: Any, expressions: dict[str, Any]) -> dict[str, Any]:
    """Evaluate scalar expressions in one query, on the row ``pk`` of ``model``."""
    return dict(model._default_manager.filter(pk=pk).values(**expressions).get())


# --- Writing many rows in one statement --------------------------------------------------------
#
# The sweep acts on hundreds of rows per batch; these helpers write them in one statement each
# instead of one per row. They build plain SQL from the model's fields (the ORM has no
# "INSERT … ON CONFLICT DO NOTHING RETURNING", nor an UPDATE with each row's own values and its
# own compare-and-swap), for PostgreSQL and SQLite ≥ 3.35 alike. Values are prepared by the
# fields themselves (``get_db_prep_save``); statements are split only where the database limits
# the parameters of one statement (SQLite: ``bulk_batch_size``).


def _database() -> BaseDatabaseWrapper:
    # The connection itself, not the proxy: values are prepared thousands at a time.
    return connections[DEFAULT_DB_ALIAS]


def _field(model: type[Model], name: str) -> Field[Any, Any]:
    found = model._meta.get_field(name)
    if not isinstance(found, Field):
        raise ValueError(f"{model.__name__}.{name} is not a column")
    return found


# Field types whose values PostgreSQL's driver takes as Django's preparation leaves them: a
# value of the expected Python type is passed as it is (Django's preparation of each value
# costs microseconds, and a batch has tens of thousands); any other value is prepared.
_PLAIN: dict[str, tuple[type, ...]] = {
    "AutoField": (int,),
    "BigAutoField": (int,),
    "IntegerField": (int,),
    "BigIntegerField": (int,),
    "SmallIntegerField": (int,),
    "PositiveIntegerField": (int,),
    "PositiveSmallIntegerField": (int,),
    "PositiveBigIntegerField": (int,),
    "BooleanField": (bool,),
    "CharField": (str,),
    "TextField": (str,),
    "DateTimeField": (dt.datetime,),
}


def _preparer(field: Field[Any, Any], database: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    prepare = field.get_db_prep_save
    target = field.target_field if field.is_relation else field  # type: ignore[attr-defined]
    plain = _PLAIN.get(target.get_internal_type(), ()) if database.vendor == "postgresql" else ()

    def prepared(value: Any) -> Any:
        if plain and (
            value is None
            or (type(value) in plain and (type(value) is not dt.datetime or value.tzinfo))
        ):
            return value
        if isinstance(value, Model):
            value = value.pk
        if hasattr(value, "resolve_expression"):
            raise ValueError(f"{field.name}: a value, not an expression, is expected here")
        return prepare(value, database)

    return prepared


def _chunks(
    database: BaseDatabaseWrapper, fields: Sequence[Field[Any, Any]], rows: Sequence[T]
) -> Iterator[Sequence[T]]:
    size = max(1, database.ops.bulk_batch_size(list(fields), list(rows)) or len(rows))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def insert_new(
    model: type[Model], objs: Sequence[Model], *, unique: Sequence[str], returning: Sequence[str]
) -> list[tuple[Any, ...]]:
    """``INSERT … ON CONFLICT (unique) DO NOTHING RETURNING returning``: insert ``objs``
    (unsaved, with no primary key) and return the ``returning`` columns of those that were new.
    A row whose ``unique`` values exist already (committed, or inserted by a transaction this
    one waited for) is left out: the constraint, not a prior read, decides what is new."""
    if not objs:
        return []
    database = _database()
    quote = database.ops.quote_name
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    preparers = [_preparer(field, database) for field in fields]
    columns = ", ".join(quote(field.column) for field in fields)
    conflict = ", ".join(quote(_field(model, name).column) for name in unique)
    returned = ", ".join(quote(_field(model, name).column) for name in returning)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    found: list[tuple[Any, ...]] = []
    with database.cursor() as cursor:
        for chunk in _chunks(database, fields, objs):
            params = [
                prepare(field.pre_save(obj, add=True))
                for obj in chunk
                for field, prepare in zip(fields, preparers, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
                f"VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {returned}",
                params,
            )
            found += [tuple(row) for row in cursor.fetchall()]
    return found


def _same(values: Sequence[Any]) -> bool:
    first = values[0]
    return all(type(value) is type(first) and value == first for value in values)


def update_each(
    model: type[Model],
    rows: Sequence[tuple[Mapping[str, Any], Mapping[str, Any]]],
    *,
    increment: Sequence[str] = (),
) -> set[Any]:
    """Update many rows in one statement, each with its own values, each only if it still has
    the values it was read with: ``rows`` are (match, values) pairs, ``match`` the fields and
    values that must still hold (the primary key and, for a compare-and-swap, the status and
    version read), ``values`` what to write. ``increment`` fields go up by one. Every row gives
    the same fields; match values are never None. Returns the primary keys of the rows updated:
    the others had moved on and are left alone. (A workflow's status is written by
    ``governance.workflow`` alone.)"""
    if not rows:
        return set()
    database = _database()
    quote = database.ops.quote_name
    match_names, value_names = list(rows[0][0]), list(rows[0][1])
    if any(list(match) != match_names or list(values) != value_names for match, values in rows):
        raise ValueError("update_each: every row gives the same fields")
    if any(value is None for match, _values in rows for value in match.values()):
        raise ValueError("update_each: a match value is None")
    # A value every row shares (the time of the step, a flag) is sent once, not once a row.
    shared = [name for name in value_names if _same([values[name] for _m, values in rows])]
    own = [name for name in value_names if name not in shared]
    match_fields = [_field(model, name) for name in match_names]
    own_fields = [_field(model, name) for name in own]
    shared_fields = [_field(model, name) for name in shared]
    fields = [*match_fields, *own_fields]
    preparers = [_preparer(field, database) for field in fields]
    # PostgreSQL gives a bare parameter the type text: the column's type makes the
    # comparisons and assignments typed. SQLite compares by value.
    typed = database.vendor == "postgresql"

    def parameter(field: Field[Any, Any]) -> str:
        return f"%s::{field.db_type(database)}" if typed else "%s"

    table = quote(model._meta.db_table)
    names = [f"m{index}" for index in range(len(match_fields))] + [
        f"v{index}" for index in range(len(own_fields))
    ]
    assignments = (
        [f"{quote(field.column)} = incoming.v{index}" for index, field in enumerate(own_fields)]
        + [f"{quote(field.column)} = {parameter(field)}" for field in shared_fields]
        + [
            f"{quote(column)} = {table}.{quote(column)} + 1"
            for column in (_field(model, name).column for name in increment)
        ]
    )
    shared_params = [
        _preparer(field, database)(rows[0][1][name])
        for field, name in zip(shared_fields, shared, strict=True)
    ]
    conditions = " AND ".join(
        f"{table}.{quote(field.column)} = incoming.m{index}"
        for index, field in enumerate(match_fields)
    )
    placeholder = "(" + ", ".join(parameter(field) for field in fields) + ")"
    updated: set[Any] = set()
    with database.cursor() as cursor:
        for chunk in _chunks(database, fields, rows):
            params: list[Any] = []
            for match, values in chunk:
                given = [*(match[name] for name in match_names), *(values[name] for name in own)]
                params += [prepare(value) for prepare, value in zip(preparers, given, strict=True)]
            cursor.execute(
                f"WITH incoming ({', '.join(names)}) AS "  # noqa: S608 - names from the model
                f"(VALUES {', '.join([placeholder] * len(chunk))}) "
                f"UPDATE {table} SET {', '.join(assignments)} FROM incoming "
                f"WHERE {conditions} RETURNING {table}.{quote(model._meta.pk.column)}",
                [*params, *shared_params],
            )
            updated |= {row[0] for row in cursor.fetchall()}
    return updated


def add_counts(
    model: type[Model],
    key_fields: Sequence[str],
    counts: Mapping[tuple[Any, ...], Mapping[str, int]],
) -> None:
    """Add ``counts`` (key values → counter → amount) to the counter rows of ``model``, creating
    the rows that do not exist yet (their other columns at the fields' defaults), in one
    ``INSERT … ON CONFLICT (key) DO UPDATE`` (a unique constraint on ``key_fields`` is
    required). Keys are written in sorted order, so two transactions adding to the same rows
    take their locks in the same order."""
    wanted = {key: delta for key, delta in counts.items() if any(delta.values())}
    if not wanted:
        return
    database = _database()
    quote = database.ops.quote_name
    counters = sorted(
        {name for delta in wanted.values() for name, amount in delta.items() if amount}
    )
    keys = [_field(model, name) for name in key_fields]
    key_names = {field.name for field in keys} | {field.attname for field in keys}
    others = [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key and field.name not in key_names
    ]
    fields = [*keys, *others]
    preparers = [_preparer(field, database) for field in fields]
    table = quote(model._meta.db_table)
    columns = ", ".join(quote(field.column) for field in fields)
    conflict = ", ".join(quote(field.column) for field in keys)
    additions = ", ".join(
        f"{quote(column)} = {table}.{quote(column)} + EXCLUDED.{quote(column)}"
        for column in (_field(model, name).column for name in counters)
    )
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    ordered = sorted(wanted.items(), key=lambda item: repr(item[0]))
    with database.cursor() as cursor:
        for chunk in _chunks(database, fields, ordered):
            params: list[Any] = []
            for key, delta in chunk:
                given = [
                    *key,
                    *(
                        delta.get(field.name, 0) if field.name in delta else field.get_default()
                        for field in others
                    ),
                ]
                params += [prepare(value) for prepare, value in zip(preparers, given, strict=True)]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "  # noqa: S608 - names from the model
                f"VALUES {', '.join([placeholder] * len(chunk))} "
                f"ON CONFLICT ({conflict}) DO UPDATE SET {additions}",
                params,
            )


def insert_rows(model: type[Model], objs: Sequence[Model]) -> None:
    """``bulk_create`` of rows with no ``db_default`` and no conflicts, in plain ``INSERT …
    RETURNING`` statements with the values prepared as above (a third cheaper than
    ``bulk_create`` for the sweep's batches): each object gets its primary key, as
    ``bulk_create`` gives it on PostgreSQL and SQLite ≥ 3.35."""
    if not objs:
        return
    database = _database()
    quote = database.ops.quote_name
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    preparers = [_preparer(field, database) for field in fields]
    columns = ", ".join(quote(field.column) for field in fields)
    placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with database.cursor() as cursor:
        for chunk in _chunks(database, fields, objs):
            params = [
                prepare(field.pre_save(obj, add=True))
                for obj in chunk
                for field, prepare in zip(fields, preparers, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608 - names from the model
                f"VALUES {', '.join([placeholder] * len(chunk))} "
                f"RETURNING {quote(meta.pk.column)}",
                params,
            )
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = database.alias
