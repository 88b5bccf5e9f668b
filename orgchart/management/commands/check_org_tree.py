"""Verify the org tree's lft/rght/level/tree_id against the parent links; --repair rebuilds."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.errors import ValidationFailed
from orgchart.services import orgtree_check, orgtree_repair


class Command(BaseCommand):
    help = "Check the org tree's MPTT columns against the parent links (the source of truth)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Rewrite the tree columns from the parent links, under the tree lock.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        problems = orgtree_check()
        for problem in problems:
            self.stdout.write(f"unit {problem.unit_id}: {problem.message}")
        if not problems:
            self.stdout.write(self.style.SUCCESS("Org tree OK."))
            return
        if not options["repair"]:
            raise CommandError(f"{len(problems)} problem(s) found; run with --repair to fix.")
        try:
            changed = orgtree_repair()
        except ValidationFailed as error:
            raise CommandError(str(error.message)) from error
        remaining = orgtree_check()
        if remaining:
            raise CommandError(f"Repair left {len(remaining)} problem(s).")
        self.stdout.write(
            self.style.SUCCESS(f"Repaired: {changed} unit(s) rewritten. Org tree OK.")
        )
