"""``make bench`` as a smoke test: the city benchmark at the demo scale with one run a case,
on a database of its own on the leg's PostgreSQL. No timing is asserted: every case must be
in the table and in results.json with its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg2  # type: ignore[import-untyped]
import pytest

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
CASES = (
    "dashboard, city",
    "dashboard, street",
    "dashboard, community",
    "ranking",
    "home, city official",
    "home, street official",
    "home, community worker",
    "home, grid worker",
    "home, volunteer",
    "home, department handler",
    "petition list, street official, page 1 ",
    "petition list, community worker, page 1 ",
    "household search",
    "petition detail, 100 events",
    "petition create, without a phone",
    "petition create, with a phone",
    "escalation sweep, nothing due",
    "escalation sweep, ",
    "tree insert",
    "tree move",
    "xlsx export",
)


def test_the_benchmark_reports_every_case(tmp_path: Path) -> None:
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0]
    name = f"governance_bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(f"{server}/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("CELERY_", "REDIS_", "DJANGO_"))
    }
    env.update(
        DATABASE_URL=f"{server}/{name}",
        DJANGO_SETTINGS_MODULE="governance.settings",
        BENCH_REPEAT="1",
        DEBUG="1",
    )
    output = tmp_path / "results.json"
    try:
        run = subprocess.run(
            [sys.executable, "scripts/bench_city.py", "--scale", "demo", "--output", str(output)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()
    assert run.returncode == 0, run.stderr[-3000:]
    table = run.stdout[run.stdout.index("| case |") :]
    results = json.loads(output.read_text(encoding="utf-8"))
    assert results["scale"] == "demo"
    assert results["database"] == "postgresql"
    cases = results["cases"]
    for case in CASES:
        found = [row for row in cases if row["case"].startswith(case)]
        assert found, case
        for row in found:
            assert row["case"] in table
            assert row["n"] >= 1
            assert row["p50_ms"] > 0
            assert row["p95_ms"] >= row["p50_ms"]
            assert row["queries"] >= 1
            assert row["floor_ms"] > 0
            assert row["ratio"] is not None
            assert row["met"] in (True, False, None)
    # The petition lists: the first and the last page of each (the demo lists are short).
    lists = [row for row in cases if row["case"].startswith("petition list")]
    assert len(lists) >= 4
    export = next(row for row in cases if row["case"].startswith("xlsx export"))
    assert export["rows"] > 0
    assert export["peak_rss_mib"] > 0
