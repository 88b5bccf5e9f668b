"""Recount the dashboard rollups from the petitions and dispatches, repair and report drift."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from petitions import rollups


class Command(BaseCommand):
    help = (
        "Recount the petition and department rollups of what changed yesterday (the nightly "
        "check), of the last N days (--days N) or of every day (--all); repair and report any "
        "drift."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        scope = parser.add_mutually_exclusive_group()
        scope.add_argument("--all", action="store_true", help="every day")
        scope.add_argument("--days", type=int, help="the last N days (logged or whistled)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["all"]:
            drifts = rollups.recompute()
        elif options["days"]:
            today = timezone.localdate()
            drifts = rollups.recompute(
                days=[today - dt.timedelta(days=back) for back in range(options["days"])]
            )
        else:
            drifts = rollups.check_yesterday()
        for drift in drifts:
            self.stdout.write(f"{drift.table} {drift.key}: {drift.stored} -> {drift.counted}")
        self.stdout.write(f"{len(drifts)} rollup rows repaired")
