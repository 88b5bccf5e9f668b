"""docker-compose.yml parses, describes the whole stack, and its commands work here."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.compose import (
    compose,
    free_port,
    poll,
    service_command,
    service_env,
    start,
    stop,
)


def test_compose_file_describes_the_production_stack() -> None:
    services = compose()["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:15")
    assert services["redis"]["image"].startswith("redis:")
    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--no-input"]
    assert services["web"]["command"][0] == "gunicorn"
    assert services["worker"]["command"][:4] == ["celery", "-A", "governance", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "governance", "beat"]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"] == {
            "condition": "service_completed_successfully"
        }
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")


def test_compose_services_have_health_checks_and_volumes() -> None:
    stack = compose()
    services = stack["services"]
    assert services["postgres"]["healthcheck"]["test"][:2] == [
        "CMD-SHELL",
        "pg_isready -U governance -d governance",
    ]
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    # The web's health check asks the liveness endpoint, never /readyz/ (README, Production).
    assert "/healthz/" in services["web"]["healthcheck"]["test"][-1]
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["redis"] == {"condition": "service_healthy"}
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    # The data outlives the containers: named volumes, declared at the top level.
    assert services["postgres"]["volumes"] == ["pgdata:/var/lib/postgresql/data"]
    assert services["redis"]["volumes"] == ["redisdata:/data"]
    assert set(stack["volumes"]) == {"pgdata", "redisdata"}
    # JSON lines from every app process, as `make prod` runs them.
    assert stack["x-app"]["environment"]["LOG_FORMAT"] == "json"


ENV_EXAMPLE = Path(__file__).resolve().parents[2] / ".env.example"
SETTINGS = Path(__file__).resolve().parents[2] / "governance" / "settings.py"
# Read by the settings for the tests only (governance/settings_test.py and the test legs).
TEST_ONLY = {"SQLITE_TEST_NAME"}


def test_env_example_lists_every_setting_compose_needs() -> None:
    names = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in ENV_EXAMPLE.read_text().splitlines()
        if "=" in line
    }
    assert {"SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL", "ALLOWED_HOSTS"} <= names
    assert {"PII_KEYS", "PII_HMAC_KEY", "CSRF_TRUSTED_ORIGINS"} <= names
    # Every variable the settings read is documented there.
    source = SETTINGS.read_text()
    read = set(
        re.findall(
            r'(?:env_bool|env_int|env_list|os\.environ\.get|_secret_from_env_or_var)\(\s*"(\w+)"',
            source,
        )
    ) | set(re.findall(r'os\.environ\["(\w+)"\]', source))
    assert "DATABASE_URL" in read
    assert read - TEST_ONLY - names == set()
    # And what compose sets for the app is a setting.
    assert set(compose()["x-app"]["environment"]) <= read


@pytest.mark.slow
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_compose_migrate_and_web_commands_run_on_postgres(tmp_path: Path) -> None:
    env = service_env()
    migrate = subprocess.run(
        service_command("migrate"), env=env, capture_output=True, text=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    check = subprocess.run(
        [*service_command("migrate")[:2], "check", "--deploy", "--fail-level", "ERROR"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr

    port = free_port()
    # As in production: only the public host name is allowed (.env.example).
    env["ALLOWED_HOSTS"] = "governance.example.gov.cn"
    web = start(
        service_command("web", **{"--bind": f"127.0.0.1:{port}", "--workers": "1"}),
        env,
        tmp_path / "web.log",
    )
    healthcheck = [
        sys.executable if part == "python" else part.replace(":8000/", f":{port}/")
        for part in compose()["services"]["web"]["healthcheck"]["test"][1:]
    ]
    try:

        def healthy() -> bool:
            return subprocess.run(healthcheck, env=env, capture_output=True).returncode == 0

        poll(healthy, timeout=60, what="the compose healthcheck to pass against gunicorn")
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/readyz/", headers={"Host": "governance.example.gov.cn"}
        )
        # No worker or beat runs here: the database and Redis answer, the heartbeats never came.
        with pytest.raises(urllib.error.HTTPError) as not_ready:
            urllib.request.urlopen(request, timeout=10)  # noqa: S310 - loopback http
        assert not_ready.value.code == 503
        checks = json.loads(not_ready.value.read())["checks"]
        assert (checks["database"], checks["broker"]) == ({"ok": True}, {"ok": True})
        assert (checks["worker"]["error"], checks["sweep"]["error"]) == ("never", "never")
    finally:
        stop(web)
