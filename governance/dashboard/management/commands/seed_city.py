"""Generate a city's worth of consistent data fast (``--scale demo|district|city``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.dashboard.scale import CITY_CODE, SCALES, seed_city
from orgchart.models import OrgUnit


class Command(BaseCommand):
    help = (
        "Generate a city at the given scale (org tree, grids, households, residents, party "
        "members, volunteers, accounts, petitions over two years with their events, "
        "dispatches and escalations, and the dashboard rollups), by bulk inserts (COPY on "
        "PostgreSQL), printing progress and rates. Refuses a database that already holds it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="demo")

    def handle(self, *args: Any, **options: Any) -> None:
        if OrgUnit.objects.filter(division_code=f"{CITY_CODE}000000").exists():
            raise CommandError("This database already holds the generated city.")
        seeded = seed_city(options["scale"], out=self.stdout)
        self.stdout.write(
            f"Seeded the {options['scale']} scale in {seeded.seconds:.1f} s: "
            f"{len(seeded.communities):,} communities, "
            + ", ".join(f"{count:,} {table}" for table, count in seeded.counts.items())
            + f"; rollup drifts after the recount: {seeded.drifts}. Accounts (the demo "
            "password): city-official, district-1-official, street-N-official, "
            "community-N-worker, community-N-grid, community-N-volunteer, "
            "department-N-handler."
        )
