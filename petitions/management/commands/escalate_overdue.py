"""Run the escalation sweep once, by hand (the same code beat runs every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from petitions.sweep import escalate_overdue


class Command(BaseCommand):
    help = "Escalate petitions and dispatches whose deadline has passed (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = escalate_overdue()
        for deadline, count in result.escalated.items():
            self.stdout.write(f"{deadline}: {count} escalated")
        self.stdout.write(f"closed after reply: {result.closed}")
