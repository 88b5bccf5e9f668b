"""``manage.py prune_audit_log``: delete audit rows past the retention, and nothing younger."""

from __future__ import annotations

import datetime as dt
from typing import Any

from axes.models import AccessFailureLog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from governance.models import AuditEvent


class Command(BaseCommand):
    help = (
        "Delete audit log rows (and failed-login records) older than --days days "
        "(default and minimum: AUDIT_RETENTION_DAYS, at least 183)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.AUDIT_RETENTION_DAYS,
            help="Keep this many days (not fewer than AUDIT_RETENTION_DAYS).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted, delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if days < settings.AUDIT_RETENTION_DAYS:
            raise CommandError(
                f"The audit log keeps at least {settings.AUDIT_RETENTION_DAYS} days "
                f"(AUDIT_RETENTION_DAYS); --days {days} would delete younger rows."
            )
        before = timezone.now() - dt.timedelta(days=days)
        old_events = AuditEvent.objects.filter(at__lt=before)
        old_failures = AccessFailureLog.objects.filter(attempt_time__lt=before)
        if options["dry_run"]:
            self.stdout.write(
                f"Would delete {old_events.count()} audit rows and {old_failures.count()} "
                f"failed-login records from before {before:%Y-%m-%d %H:%M}."
            )
            return
        with transaction.atomic():
            events = AuditEvent.objects.prune(before=before)
            failures, _by_model = old_failures.delete()
        self.stdout.write(
            f"Deleted {events} audit rows and {failures} failed-login records from before "
            f"{before:%Y-%m-%d %H:%M}."
        )
