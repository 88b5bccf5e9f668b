"""Runtime settings: SQLite shared safely by web/worker/beat; secrets never defaulted in prod."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from governance.settings import database_from_url, sqlite_database

ROOT = Path(__file__).resolve().parents[2]


def run_settings(
    env: dict[str, str], code: str = "import django; django.setup()"
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    clean["DJANGO_SETTINGS_MODULE"] = "governance.settings"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_embedded_sqlite_uses_wal_busy_timeout_and_immediate_transactions(tmp_path: Path) -> None:
    config = sqlite_database(tmp_path / "db.sqlite3")
    options = config["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"  # type: ignore[index]
    assert options["timeout"] == 20  # type: ignore[index]
    assert "journal_mode=WAL" in options["init_command"]  # type: ignore[index]


def test_embedded_database_really_is_in_wal_mode(tmp_path: Path) -> None:
    code = (
        "import django; django.setup(); from django.db import connection;"
        "c = connection.cursor(); c.execute('PRAGMA journal_mode'); print(c.fetchone()[0])"
    )
    result = run_settings({"DEBUG": "1", "VAR_DIR": str(tmp_path)}, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wal"
    assert (tmp_path / "secrets" / "secret_key").exists()  # generated on first run


def test_debug_off_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_settings({"VAR_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert not (tmp_path / "secrets").exists()


def test_database_url_parsing() -> None:
    config = database_from_url("postgres://gov:p%40ss@db.internal:6432/governance?sslmode=require")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("governance", "gov", "p@ss")
    assert (config["HOST"], config["PORT"]) == ("db.internal", "6432")
    assert config["OPTIONS"] == {"sslmode": "require"}
    with pytest.raises(Exception, match="Unsupported"):
        database_from_url("mysql://x/y")


@pytest.mark.django_db
def test_the_test_database_is_the_legs_database() -> None:
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    assert connection.vendor == ("postgresql" if on_postgres else "sqlite")
