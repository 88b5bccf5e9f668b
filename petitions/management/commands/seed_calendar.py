"""Fill in the working-day calendar (holidays and 调休 days) from the chinesecalendar package."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from petitions.calendar import calendar_seed_year


class Command(BaseCommand):
    help = "Record public holidays and make-up working days for the given years (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        this_year = timezone.localdate().year
        parser.add_argument(
            "years", nargs="*", type=int, default=[this_year - 1, this_year, this_year + 1]
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for year in options["years"]:
            seeded = calendar_seed_year(year)
            if seeded.covered:
                self.stdout.write(
                    f"{year}: {seeded.holidays} holidays, {seeded.make_up_days} make-up days"
                )
            else:
                self.stdout.write(
                    self.style.WARNING(
                        f"{year}: not in the chinesecalendar package; Monday–Friday until "
                        "someone fills it in (admin: working-day calendar)"
                    )
                )
