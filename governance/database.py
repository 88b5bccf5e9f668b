"""Database housekeeping shared by the apps."""

from __future__ import annotations

from django.db import connection


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
