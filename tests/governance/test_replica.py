"""The replica router (governance.replica) on two real PostgreSQL servers: the test leg's
cluster as the primary and a streaming replica the test starts from it (pg_basebackup).

Replay on the replica is paused once it holds petition A; petition B is then written to the
primary only. The app, run with ``DATABASE_REPLICA_URL``, lists A and not B (the list reads the
replica), shows B's own page (a read from the primary), and writes a login token and a new
petition C to the primary (a write to the paused standby would fail). Replay resumed, C reaches
the replica.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from petitions.models import Petition
from petitions.services import deadline_policies_ensure_defaults
from scripts.test_legs import as_postgres, find_pg_bin, free_port, wait_for_port
from tests.compose import current_database_url, poll, service_env
from tests.conftest import Personas, Tree
from tests.embedded import ROOT
from tests.factories import PASSWORD, PetitionFactory

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMEOUT = 60

# Run as the app with DATABASE_URL (primary) and DATABASE_REPLICA_URL (replica).
APP = """
import json, sys
import django
django.setup()
from django.db import connections
from rest_framework.test import APIClient

from orgchart.models import User

hidden = int(sys.argv[1])
# The test settings hash passwords with a hasher the app does not accept: set it again.
worker = User.objects.get(username="worker")
worker.set_password(sys.argv[2])
worker.save(update_fields=["password"])
client = APIClient()
login = client.post("/api/auth/token/", {"username": "worker", "password": sys.argv[2]})
client.credentials(HTTP_AUTHORIZATION="Token " + login.json()["token"])
listed = client.get("/api/petitions/")
detail = client.get(f"/api/petitions/{hidden}/")
created = client.post(
    "/api/petitions/",
    {"location": int(sys.argv[3]), "channel": "walk_in", "category": "sanitation",
     "title": "C", "description": "written to the primary"},
    format="json",
)
dashboard = client.get("/api/dashboard/")
print(json.dumps({
    "login": login.status_code,
    "listed": [row["number"] for row in listed.json()["results"]],
    "detail": detail.status_code,
    "created": created.status_code,
    "created_number": created.json().get("number"),
    "dashboard": dashboard.status_code,
    "replica_used": connections["replica"].connection is not None,
}))
"""


def psql(port: int, database: str, statement: str, **variables: str) -> str:
    """``statement`` run by psql (``:'name'`` in it is ``variables[name]``, quoted)."""
    command = [find_pg_bin("psql") or "psql", "-qAtX", "-v", "ON_ERROR_STOP=1"]
    command += [f"--set={name}={value}" for name, value in variables.items()]
    result = subprocess.run(
        [*command, "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", database],
        input=statement,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return result.stdout.strip()


@pytest.fixture
def replica() -> Iterator[int]:
    """A hot standby streaming from the test leg's cluster, on a port of its own."""
    basebackup, pg_ctl = find_pg_bin("pg_basebackup"), find_pg_bin("pg_ctl")
    assert basebackup, "pg_basebackup not found"
    assert pg_ctl, "pg_ctl not found"
    primary = connection.settings_dict
    workdir = Path(tempfile.mkdtemp(prefix="governance-replica-"))
    if as_postgres(["x"]) != ["x"]:
        shutil.chown(workdir, "postgres", "postgres")
    data = workdir / "data"
    port = free_port()
    subprocess.run(
        as_postgres(
            [
                basebackup,
                "-D",
                str(data),
                "-h",
                str(primary["HOST"]),
                "-p",
                str(primary["PORT"]),
                "-U",
                str(primary["USER"]),
                "-X",
                "stream",
                "--write-recovery-conf",
                "--checkpoint=fast",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c hot_standby=on -c fsync=off"
    subprocess.run(
        as_postgres(
            [pg_ctl, "-D", str(data), "-o", options, "-l", str(workdir / "log"), "-w", "start"]
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    try:
        wait_for_port(port)
        yield port
    finally:
        subprocess.run(
            as_postgres([pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def test_dashboard_and_list_reads_come_from_the_replica_writes_go_to_the_primary(
    tree: Tree, people: Personas, replica: int
) -> None:
    database = str(connection.settings_dict["NAME"])
    deadline_policies_ensure_defaults()
    on_replica = PetitionFactory.create(actor=people.worker, location=tree.building_1, title="A")

    def replica_has(number: str) -> bool:
        statement = "SELECT count(*) FROM petitions_petition WHERE number = :'number'"
        return psql(replica, database, statement, number=number) == "1"

    assert psql(replica, "postgres", "SELECT pg_is_in_recovery()") == "t"
    poll(lambda: replica_has(on_replica.number), timeout=TIMEOUT, what="A on the replica")
    psql(replica, "postgres", "SELECT pg_wal_replay_pause()")
    poll(
        lambda: psql(replica, "postgres", "SELECT pg_get_wal_replay_pause_state()") == "paused",
        timeout=TIMEOUT,
        what="replay on the replica to pause",
    )
    primary_only = PetitionFactory.create(actor=people.worker, location=tree.building_1, title="B")

    primary_url = current_database_url()
    env = service_env(
        DATABASE_URL=primary_url,
        DATABASE_REPLICA_URL=primary_url.rsplit("@", 1)[0] + f"@127.0.0.1:{replica}/{database}",
        DJANGO_SETTINGS_MODULE="governance.settings",
        ALLOWED_HOSTS="testserver",
        HTTPS="0",
    )
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            APP,
            str(primary_only.pk),
            PASSWORD,
            str(tree.building_1.pk),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    seen = json.loads(run.stdout.strip().splitlines()[-1])
    assert seen["listed"] == [on_replica.number], "the list did not read the paused replica"
    assert seen["replica_used"] is True
    assert (seen["login"], seen["detail"], seen["created"], seen["dashboard"]) == (
        200,
        200,
        201,
        200,
    )
    created = seen["created_number"]
    assert Petition.objects.filter(number=created).exists()
    assert not replica_has(created)
    assert not replica_has(primary_only.number)

    psql(replica, "postgres", "SELECT pg_wal_replay_resume()")
    poll(lambda: replica_has(created), timeout=TIMEOUT, what="C to stream to the replica")
    assert replica_has(primary_only.number)
