"""Backup and restore: the database and the uploaded files in one archive (``manage.py backup``,
``manage.py restore``).

The archive is a gzipped tar file:

- ``manifest.json``: the format, the database engine, when it was made, what it holds;
- ``database.dump`` (PostgreSQL: ``pg_dump --format=custom``) or ``db.sqlite3`` (SQLite: a
  copy made with sqlite3's online backup API, so it holds what was committed, the WAL
  included, while web, worker and beat keep working, then turned into a single file);
- ``media/``: every file under ``MEDIA_ROOT`` (visit photos, petition attachments, results);
- ``secrets/``: on the embedded default only, the generated secret key and personal-data keys
  of ``var/secrets/`` (without them the personal data of the copy cannot be read). In
  production the keys come from the environment and are never written into a backup: keep
  them apart, as the database cannot be read without them.

A restore replaces the database's contents (PostgreSQL: ``pg_restore --clean`` in one
transaction into the database of ``DATABASE_URL``, which must exist; SQLite: the backup API
again, from the archived file into the live database) and the files under ``MEDIA_ROOT``.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections

FORMAT = 1
MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_FILE = "db.sqlite3"
MEDIA = "media"
SECRETS = "secrets"


class BackupError(Exception):
    """The archive cannot be made or restored (the message says why)."""


@dataclass(frozen=True)
class Summary:
    engine: str
    media_files: int
    secrets: bool
    created_at: str


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        raise BackupError(f"no backup for the {vendor} database engine")
    return vendor


def _pg_tool(name: str) -> str:
    """``pg_dump`` / ``pg_restore`` from PATH, else the newest under /usr/lib/postgresql."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    if not candidates:
        raise BackupError(f"{name} not found (install the PostgreSQL client)")
    return str(candidates[0])


def _pg_env() -> dict[str, str]:
    """The libpq environment of the default database (no password on a command line)."""
    db = connection.settings_dict
    env = dict(os.environ)
    values = {
        "PGHOST": db.get("HOST") or "",
        "PGPORT": str(db.get("PORT") or ""),
        "PGUSER": db.get("USER") or "",
        "PGPASSWORD": db.get("PASSWORD") or "",
        "PGDATABASE": db["NAME"],
    }
    options = db.get("OPTIONS") or {}
    if options.get("sslmode"):
        values["PGSSLMODE"] = str(options["sslmode"])
    env.update({name: value for name, value in values.items() if value})
    return env


def _run(command: list[str]) -> None:
    # The PostgreSQL client tools with paths made here, no shell.
    result = subprocess.run(  # noqa: S603
        command, env=_pg_env(), capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _add_bytes(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(content))


def _files_under(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file() and not path.is_symlink())


def backup(target: Path) -> Summary:
    """Write the archive to ``target`` (made owner-only: it holds personal data)."""
    engine = _engine()
    media_root = Path(settings.MEDIA_ROOT)
    secrets_dir = Path(settings.VAR_DIR) / "secrets"
    with_secrets = bool(settings.EMBEDDED) and secrets_dir.is_dir()
    media = _files_under(media_root)
    created_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    target.parent.mkdir(parents=True, exist_ok=True)
    draft = target.with_name(f".{target.name}.partial")
    with tempfile.TemporaryDirectory(prefix="governance-backup-") as scratch:
        if engine == "postgresql":
            database = Path(scratch) / POSTGRES_DUMP
            _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={database}"])
        else:
            database = Path(scratch) / SQLITE_FILE
            _sqlite_copy_out(database)
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "created_at": created_at,
            "database": database.name,
            "media_files": len(media),
            "secrets": with_secrets,
        }
        draft.touch(mode=0o600)
        try:
            with tarfile.open(draft, "w:gz") as archive:
                _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2).encode())
                archive.add(database, arcname=database.name)
                for path in media:
                    archive.add(path, arcname=f"{MEDIA}/{path.relative_to(media_root)}")
                if with_secrets:
                    for path in _files_under(secrets_dir):
                        archive.add(path, arcname=f"{SECRETS}/{path.relative_to(secrets_dir)}")
            draft.replace(target)
        finally:
            draft.unlink(missing_ok=True)
    return Summary(engine, len(media), with_secrets, created_at)


def _sqlite_copy_out(path: Path) -> None:
    """The committed state of the live database (its WAL included), as one file."""
    connection.ensure_connection()
    source: Any = connection.connection
    copy = sqlite3.connect(path)
    try:
        source.backup(copy)
        # A file that needs no -wal beside it.
        copy.execute("PRAGMA journal_mode=DELETE")
    finally:
        copy.close()


def read_manifest(archive_path: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as error:
        raise BackupError(f"{archive_path} is not a backup archive of this app ({error})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown archive format {manifest.get('format')!r}")
    return manifest


def restore(archive_path: Path) -> Summary:
    """Replace the database's contents and the uploaded files with the archive's."""
    engine = _engine()
    manifest = read_manifest(archive_path)
    if manifest["engine"] != engine:
        raise BackupError(
            f"the archive holds a {manifest['engine']} database; this install uses {engine}"
        )
    with tempfile.TemporaryDirectory(prefix="governance-restore-") as scratch:
        unpacked = Path(scratch)
        with tarfile.open(archive_path, "r:gz") as archive:
            # The "data" filter refuses absolute paths, links out of the folder, devices.
            archive.extractall(unpacked, filter="data")
        database = unpacked / manifest["database"]
        if engine == "postgresql":
            connections.close_all()
            _run(
                [
                    _pg_tool("pg_restore"),
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "--exit-on-error",
                    f"--dbname={connection.settings_dict['NAME']}",
                    str(database),
                ]
            )
        else:
            _sqlite_copy_in(database)
        media_files = _replace_tree(unpacked / MEDIA, Path(settings.MEDIA_ROOT))
        restored_secrets = False
        if manifest.get("secrets") and settings.EMBEDDED:
            _replace_tree(unpacked / SECRETS, Path(settings.VAR_DIR) / "secrets", mode=0o700)
            restored_secrets = True
    return Summary(engine, media_files, restored_secrets, manifest["created_at"])


def _sqlite_copy_in(path: Path) -> None:
    connection.ensure_connection()
    target: Any = connection.connection
    source = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()


def _replace_tree(source: Path, target: Path, *, mode: int = 0o755) -> int:
    """Make ``target`` hold exactly the files of ``source``; returns how many."""
    if target.exists():
        for child in target.iterdir():
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child)
            else:
                child.unlink()
    target.mkdir(mode=mode, parents=True, exist_ok=True)
    count = 0
    for path in _files_under(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)
        count += 1
    return count
