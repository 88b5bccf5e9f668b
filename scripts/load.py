"""The load test (``make load``): locust, headless, on loopback, for a bounded time, against
gunicorn (``LOAD_WORKERS`` workers, 2 by default) and a throwaway PostgreSQL seeded by
``manage.py seed_city`` (``--scale``, district by default). Prints throughput, p50 and p95 per
request kind and in all, and writes ``var/load/results.json``. Asserts nothing.

The web server runs as in production: ``DEBUG`` off, secrets and personal-data keys generated
for the run, static files from ``var/staticfiles`` (``make static``), the gunicorn command of
``docker-compose.yml`` with its worker count and bind address replaced. The request mix is
``scripts/locustfile.py``: every role logs in and reads its pages.

    make load                                             # district scale, 20 users, 2 minutes
    .venv/bin/python scripts/load.py --scale demo --users 10 --duration 30s
"""

from __future__ import annotations

import argparse
import base64
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.test_legs import free_port, throwaway_postgres  # noqa: E402

BIN = Path(sys.executable).parent
OUTPUT = ROOT / "var" / "load"
DEMO_PASSWORD = "demo12345"  # noqa: S105 - the documented demo accounts' password


def gunicorn_command(port: int, workers: int) -> list[str]:
    """The compose file's web command, from this virtualenv, on loopback."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    command = list(compose["services"]["web"]["command"])
    command[0] = str(BIN / command[0])
    for option, value in (("--bind", f"127.0.0.1:{port}"), ("--workers", str(workers))):
        command[command.index(option) + 1] = value
    if "--access-logfile" in command:
        at = command.index("--access-logfile")
        del command[at : at + 2]
    return command


def wait_until_up(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def read_stats(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [
            {
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "per_second": round(float(row["Requests/s"] or 0), 2),
            }
            for row in csv.DictReader(handle)
        ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default=os.environ.get("LOAD_SCALE", "district"))
    parser.add_argument("--users", type=int, default=int(os.environ.get("LOAD_USERS", "20")))
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--duration", default=os.environ.get("LOAD_DURATION", "2m"))
    parser.add_argument("--workers", type=int, default=int(os.environ.get("LOAD_WORKERS", "2")))
    parser.add_argument("--locust", default=os.environ.get("LOCUST", str(BIN / "locust")))
    options = parser.parse_args()
    OUTPUT.mkdir(parents=True, exist_ok=True)

    with throwaway_postgres() as url, tempfile.TemporaryDirectory() as var:
        import psycopg2  # type: ignore[import-untyped]

        server = url.rsplit("/", 1)[0]
        admin = psycopg2.connect(f"{server}/postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("CREATE DATABASE governance_load")
        admin.close()
        key = base64.b64encode(secrets.token_bytes(32)).decode()
        env = {
            **os.environ,
            "DATABASE_URL": f"{server}/governance_load",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "PII_KEYS": f"load:{key}",
            "PII_ACTIVE_KEY": "load",
            "PII_HMAC_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "ALLOWED_HOSTS": "127.0.0.1",
            "HTTPS": "0",  # plain HTTP on loopback: no redirect, no secure cookies
            "VAR_DIR": var,
            "STATIC_ROOT": str(ROOT / "var" / "staticfiles"),
        }
        env.pop("DEBUG", None)
        manage = [sys.executable, str(ROOT / "manage.py")]
        started = time.perf_counter()
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True, cwd=ROOT)
        subprocess.run(
            [*manage, "seed_city", "--scale", options.scale], env=env, check=True, cwd=ROOT
        )
        print(f"Migrated and seeded in {time.perf_counter() - started:.0f} s", flush=True)
        with (
            psycopg2.connect(f"{server}/governance_load") as connection,
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "SELECT (SELECT id FROM orgchart_orgunit WHERE kind = 'city'), "
                "(SELECT count(*) FROM orgchart_user WHERE username LIKE 'street-%%'), "
                "(SELECT count(*) FROM orgchart_user WHERE username LIKE 'community-%%-worker'), "
                "(SELECT count(*) FROM orgchart_user WHERE username LIKE 'department-%%')"
            )
            city, streets, communities, departments = cursor.fetchone()
        connection.close()
        port = free_port()
        web = subprocess.Popen(
            gunicorn_command(port, options.workers),
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=(OUTPUT / "gunicorn.log").open("w"),
        )
        try:
            host = f"http://127.0.0.1:{port}"
            wait_until_up(f"{host}/healthz/")
            units = {
                "city": city,
                "streets": streets,
                "communities": communities,
                "departments": departments,
            }
            load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
            print(
                f"Locust: {options.users} users for {options.duration} against gunicorn with "
                f"{options.workers} workers; load average {load}",
                flush=True,
            )
            subprocess.run(
                [
                    options.locust,
                    "-f",
                    str(ROOT / "scripts" / "locustfile.py"),
                    "--headless",
                    "--host",
                    host,
                    "--users",
                    str(options.users),
                    "--spawn-rate",
                    str(options.spawn_rate),
                    "--run-time",
                    options.duration,
                    "--csv",
                    str(OUTPUT / "locust"),
                    "--only-summary",
                    "--stop-timeout",
                    "10",
                ],
                env={**env, "LOAD_UNITS": json.dumps(units), "LOAD_PASSWORD": DEMO_PASSWORD},
                check=False,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
            )
        finally:
            web.terminate()
            web.wait(timeout=30)
    stats = read_stats(OUTPUT / "locust_stats.csv")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nScale {options.scale}; load average at the end {load}")
    print("| request | requests | failures | p50 ms | p95 ms | per second |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in stats:
        print(
            f"| {row['name']} | {row['requests']:,} | {row['failures']:,} | {row['p50_ms']:,.0f} | "
            f"{row['p95_ms']:,.0f} | {row['per_second']:.1f} |"
        )
    results = {
        "scale": options.scale,
        "users": options.users,
        "duration": options.duration,
        "workers": options.workers,
        "cpus": os.cpu_count(),
        "load_average_end": load,
        "requests": stats,
    }
    (OUTPUT / "results.json").write_text(
        json.dumps(results, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"Written to {OUTPUT / 'results.json'}")


if __name__ == "__main__":
    main()
