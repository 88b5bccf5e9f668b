"""``manage.py backup`` / ``manage.py restore``: a round trip into a fresh database finds the
same rows and the same uploaded files, on SQLite (the embedded default, as an install runs the
commands) and on PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.backends.postgresql.base import DatabaseWrapper

from tests.compose import current_database_url
from tests.embedded import ROOT, installed_env, manage
from tests.factories import resident_id

# Written through the app's services on the install being backed up: the named tree, a person
# with encrypted personal data, a petition with a photo attached.
SEED = """
from django.core.files.base import ContentFile
from orgchart.models import User
from petitions.models import PetitionAttachment
from tests.conftest import insert_tree, make_user
from petitions import services
from tests.factories import PersonFactory, PetitionFactory
services.deadline_policies_ensure_defaults()  # (a committed test database is flushed bare)
tree = insert_tree()
worker = make_user("worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming)
PersonFactory.create(unit=tree.building_1, name="王秀英", first17="{first17}")
petition = PetitionFactory.create(actor=worker, location=tree.building_1, title="楼道堆放杂物")
PetitionAttachment.objects.create(
    petition=petition, name="photo.jpg", uploaded_by=worker,
    file=ContentFile({photo!r}, name="photo.jpg"),
)
"""
FIRST17 = "11010119900307777"
DOCUMENT = resident_id(FIRST17)
PHOTO = b"\xff\xd8\xff\xe0 not really a jpeg, but the bytes must come back \xff\xd9"


def seed_code() -> str:
    return SEED.format(first17=FIRST17, photo=PHOTO)


def files_of(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def sqlite_rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(path) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            table: sorted(db.execute(f'SELECT * FROM "{table}"'), key=repr)  # noqa: S608
            for table in tables
        }


@pytest.mark.slow
@pytest.mark.embedded
def test_backup_and_restore_round_trip_on_sqlite(tmp_path: Path) -> None:
    source, fresh = tmp_path / "source", tmp_path / "fresh"
    migrate = manage(source, "migrate", "--no-input", "-v0")
    assert migrate.returncode == 0, migrate.stderr
    seeded = manage(source, "shell", "-c", seed_code())
    assert seeded.returncode == 0, seeded.stderr

    archive = tmp_path / "backups" / "governance.tar.gz"
    made = manage(source, "backup", str(archive))
    assert made.returncode == 0, made.stderr
    assert "the sqlite database, 1 uploaded files, the personal-data keys" in made.stdout
    assert archive.stat().st_mode & 0o077 == 0  # owner-only: personal data and keys
    with tarfile.open(archive) as opened:
        names = set(opened.getnames())
    assert {"manifest.json", "db.sqlite3", "secrets/secret_key", "secrets/pii_keys.json"} <= names

    # A fresh install: no database, new secrets of its own until the restore.
    restored = manage(fresh, "restore", "--no-input", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "1 uploaded files, the personal-data keys" in restored.stdout

    rows = sqlite_rows(source / "db.sqlite3")
    assert rows["orgchart_person"]
    assert rows["petitions_petitionattachment"]
    assert sqlite_rows(fresh / "db.sqlite3") == rows
    assert files_of(fresh / "media") == files_of(source / "media")
    assert list(files_of(fresh / "media").values()) == [PHOTO]
    assert files_of(fresh / "secrets") == files_of(source / "secrets")
    # The restored install reads the personal data with the restored keys.
    read = manage(
        fresh,
        "shell",
        "-c",
        "from governance.pii import decrypt; from orgchart.models import Person; "
        "print(decrypt(Person.objects.get().document_number_encrypted))",
    )
    assert (read.returncode, read.stdout.strip().splitlines()[-1]) == (0, DOCUMENT), read.stderr


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    result = manage(tmp_path / "var", "restore", "--no-input", str(bogus))
    assert result.returncode == 1
    assert "is not a backup archive of this app" in result.stderr
    assert not (tmp_path / "var" / "db.sqlite3").exists()


def postgres_rows(wrapper: Any) -> dict[str, list[tuple[Any, ...]]]:
    with wrapper.cursor() as cursor:
        tables = wrapper.introspection.table_names(cursor)
        rows = {}
        for table in tables:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 - names from the catalog
            rows[table] = sorted(cursor.fetchall(), key=repr)
    return rows


@pytest.fixture
def fresh_database() -> Iterator[str]:
    """An empty database beside the test database, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_on_postgres(
    tmp_path: Path, settings: Any, fresh_database: str
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    exec(seed_code(), {})  # noqa: S102 - the seed above, in this test's database
    archive = tmp_path / "governance.tar.gz"
    call_command("backup", str(archive))
    with tarfile.open(archive) as opened:
        names = set(opened.getnames())
    assert {"manifest.json", "database.dump"} <= names
    assert not any(name.startswith("secrets/") for name in names)  # production: keys apart

    url = current_database_url().rsplit("/", 1)[0] + f"/{fresh_database}"
    env = installed_env(
        DATABASE_URL=url,
        MEDIA_ROOT=str(tmp_path / "restored-media"),
        VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="restore-test-secret",
        PII_KEYS=os.environ["PII_KEYS"],
        PII_HMAC_KEY=os.environ["PII_HMAC_KEY"],
    )
    restored = subprocess.run(
        [sys.executable, "manage.py", "restore", "--no-input", str(archive)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert restored.returncode == 0, restored.stderr
    assert "Restored the postgresql database, 1 uploaded files" in restored.stdout

    other = DatabaseWrapper({**connection.settings_dict, "NAME": fresh_database}, "restored")
    try:
        rows = postgres_rows(connection)
        assert rows["orgchart_person"]
        assert rows["petitions_petitionattachment"]
        assert postgres_rows(other) == rows
    finally:
        other.close()
    assert files_of(tmp_path / "restored-media") == files_of(tmp_path / "media")
    assert list(files_of(tmp_path / "restored-media").values()) == [PHOTO]
