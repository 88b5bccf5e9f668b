"""Database housekeeping shared by the apps."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, Field, IntegerField, Model, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce


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
