"""Runtime settings: SQLite shared safely by web/worker/beat; the embedded default keeps its
secrets in var/ whatever DEBUG is; production refuses to start without its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from governance.settings import database_from_url, sqlite_database
from tests.embedded import installed_env, manage

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION = {"DATABASE_URL": "postgres://governance@127.0.0.1:1/governance"}
PRODUCTION_KEYS = {
    "SECRET_KEY": "a-production-secret",
    "PII_KEYS": "k1:" + "A" * 43 + "=",
    "PII_HMAC_KEY": "B" * 43 + "=",
}
SHOW_SETTINGS = (
    "import django, hashlib; django.setup(); from django.conf import settings as s;"
    "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, ','.join(s.ALLOWED_HOSTS));"
    "print(hashlib.sha256((s.SECRET_KEY + s.PII_HMAC_KEY + repr(s.PII_KEYS)).encode()).hexdigest())"
)


def run_settings(
    env: dict[str, str], code: str = "import django; django.setup()"
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=installed_env(DJANGO_SETTINGS_MODULE="governance.settings", **env),
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


def test_embedded_default_keeps_its_secrets_in_var_without_debug(tmp_path: Path) -> None:
    first = run_settings({"VAR_DIR": str(tmp_path)}, SHOW_SETTINGS)
    assert first.returncode == 0, first.stderr
    shown, secrets_digest = first.stdout.splitlines()
    # DEBUG off; cookies not restricted to HTTPS (the embedded run is plain http on loopback);
    # the address `make run` prints is allowed.
    assert shown == "False False False 127.0.0.1,localhost,[::1]"
    secrets_dir = tmp_path / "secrets"
    assert sorted(path.name for path in secrets_dir.iterdir()) == ["pii_keys.json", "secret_key"]
    assert secrets_dir.stat().st_mode & 0o777 == 0o700
    for path in secrets_dir.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600
    # Found there afterwards, with DEBUG on or off: the same key, the same personal data keys.
    for env in ({}, {"DEBUG": "1"}):
        again = run_settings({"VAR_DIR": str(tmp_path), **env}, SHOW_SETTINGS)
        assert again.returncode == 0, again.stderr
        assert again.stdout.splitlines()[1] == secrets_digest


def test_debug_is_a_developers_choice(tmp_path: Path) -> None:
    result = run_settings({"VAR_DIR": str(tmp_path), "DEBUG": "1"}, SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "True False False 127.0.0.1,localhost,[::1]"


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_settings({"VAR_DIR": str(tmp_path), **PRODUCTION})
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment when DATABASE_URL is set" in result.stderr
    assert not (tmp_path / "secrets").exists()


def test_production_refuses_to_start_without_personal_data_keys(tmp_path: Path) -> None:
    result = run_settings(
        {"VAR_DIR": str(tmp_path), **PRODUCTION, "SECRET_KEY": "a-production-secret"}
    )
    assert result.returncode != 0
    assert "PII_KEYS and PII_HMAC_KEY must be set" in result.stderr
    assert not (tmp_path / "secrets").exists()


def test_production_settings_come_from_the_environment(tmp_path: Path) -> None:
    result = run_settings(
        {"VAR_DIR": str(tmp_path), **PRODUCTION, **PRODUCTION_KEYS, "ALLOWED_HOSTS": "gov.cn"},
        SHOW_SETTINGS,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == "False True True gov.cn"
    assert not (tmp_path / "secrets").exists()


@pytest.mark.slow
def test_manage_py_commands_work_on_the_embedded_install_without_debug(tmp_path: Path) -> None:
    migrate = manage(tmp_path, "migrate", "--no-input", "-v0")
    assert migrate.returncode == 0, migrate.stderr
    generated = {path.name: path.read_text() for path in (tmp_path / "secrets").iterdir()}
    assert sorted(generated) == ["pii_keys.json", "secret_key"]
    check = manage(tmp_path, "check_org_tree")
    assert check.returncode == 0, check.stderr
    assert check.stdout.strip() == "Org tree OK."
    # The second command found the secrets the first one generated.
    assert {path.name: path.read_text() for path in (tmp_path / "secrets").iterdir()} == generated


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
