"""``manage.py backup ARCHIVE``: the database and the uploaded files in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from governance.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write the database (pg_dump, or SQLite's online backup) and the uploaded files "
        "(MEDIA_ROOT) into one archive (.tar.gz), readable by the owner only."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The archive to write (.tar.gz).")

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            summary = backup(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        keys = ", the personal-data keys" if summary.secrets else ""
        self.stdout.write(
            f"{archive}: the {summary.engine} database, {summary.media_files} uploaded files"
            f"{keys} ({summary.created_at})"
        )
