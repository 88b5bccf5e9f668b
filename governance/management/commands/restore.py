"""``manage.py restore ARCHIVE``: put back what ``manage.py backup`` wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from governance.backup import BackupError, read_manifest, restore


class Command(BaseCommand):
    help = (
        "Replace the database's contents and the uploaded files (MEDIA_ROOT) with those of an "
        "archive written by `manage.py backup`. Stop the web servers, the worker and beat first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="The archive to restore (.tar.gz).")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        try:
            manifest = read_manifest(archive)
            if options["interactive"]:
                database = connection.settings_dict["NAME"]
                answer = input(
                    f"This replaces everything in the database {database} and in "
                    f"{settings.MEDIA_ROOT} with the backup of {manifest['created_at']}. "
                    "Type 'yes' to go on: "
                )
                if answer.strip().lower() != "yes":
                    raise CommandError("Restore cancelled.")
            summary = restore(archive)
        except BackupError as error:
            raise CommandError(str(error)) from None
        keys = ", the personal-data keys" if summary.secrets else ""
        self.stdout.write(
            f"Restored the {summary.engine} database, {summary.media_files} uploaded files{keys} "
            f"from the backup of {summary.created_at}."
        )
