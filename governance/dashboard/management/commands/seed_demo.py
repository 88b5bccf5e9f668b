"""Load the demo data of every app, in layer order. Deterministic and idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from orgchart.demo import DEMO_PASSWORD, seed_org_demo


class Command(BaseCommand):
    help = "Create the demo city, departments and demo accounts (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        org = seed_org_demo()
        self.stdout.write(
            f"Demo data: {org.created_units} units, {org.created_departments} departments, "
            f"{org.created_accounts} accounts created (existing rows kept). "
            f"Demo password: {DEMO_PASSWORD}"
        )
