"""Database housekeeping shared by the apps."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Count, IntegerField, Model, QuerySet, Subquery, Sum, Value
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
