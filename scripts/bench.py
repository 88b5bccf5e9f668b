"""Speed figures for the org tree and the dashboard (``make bench``). Prints, asserts nothing.

Builds a synthetic tree at a chosen scale in its own database (a temporary SQLite file, or the
PostgreSQL database named by ``DATABASE_URL``, whose name must contain "bench"), then times:
tree check and repair, a child insert at the right and at the left edge, a move, and the
dashboard selector for a city, a street and a community (with its query count).

    make bench                                   # SQLite, ~32k units
    BENCH_STREETS=54 BENCH_COMMUNITIES=13 make bench
    DATABASE_URL=postgres://…/governance_bench make bench
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

if not os.environ.get("DATABASE_URL"):
    os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="governance-bench-")
elif "bench" not in os.environ["DATABASE_URL"].rsplit("/", 1)[-1]:
    raise SystemExit("Refusing: DATABASE_URL's database name must contain 'bench'.")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from governance.dashboard.selectors import dashboard_for  # noqa: E402
from orgchart import services  # noqa: E402
from orgchart.models import OrgUnit, User  # noqa: E402

STREETS = int(os.environ.get("BENCH_STREETS", "54"))
COMMUNITIES = int(os.environ.get("BENCH_COMMUNITIES", "13"))  # per street (Tangshan: ~703)
COMPOUNDS = int(os.environ.get("BENCH_COMPOUNDS", "5"))  # per community
BUILDINGS = int(os.environ.get("BENCH_BUILDINGS", "8"))  # per compound
REPEAT = int(os.environ.get("BENCH_REPEAT", "20"))


def timed(label: str, action: Callable[[], object], repeat: int = 1) -> None:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        samples.append((time.perf_counter() - start) * 1000)
    if repeat == 1:
        print(f"  {label:<52} {samples[0]:9.1f} ms")
    else:
        p95 = sorted(samples)[max(0, int(len(samples) * 0.95) - 1)]
        print(
            f"  {label:<52} median {statistics.median(samples):7.1f} ms  p95 {p95:7.1f} ms"
            f"  (n={repeat})"
        )


def bulk_level(parents: list[OrgUnit], kind: str, per_parent: int, name: str) -> list[OrgUnit]:
    rows = [
        OrgUnit(
            name=f"{parent.name[:20]}{name}{index}",
            kind=kind,
            parent=parent,
            area_type=parent.area_type,
            tree_id=parent.tree_id,
            lft=0,
            rght=0,
            level=parent.level + 1,
        )
        for parent in parents
        for index in range(1, per_parent + 1)
    ]
    return OrgUnit.objects.bulk_create(rows, batch_size=2000)


def build_tree() -> OrgUnit:
    K = OrgUnit.Kind
    city = services.orgunit_create(actor=None, parent=None, name="基准市", kind=K.CITY)
    districts = bulk_level([city], K.DISTRICT, max(1, STREETS // 9), "区")
    streets: list[OrgUnit] = []
    for index, district in enumerate(districts):
        share = STREETS // len(districts) + (1 if index < STREETS % len(districts) else 0)
        streets += bulk_level([district], K.STREET, share, "街道")
    communities = bulk_level(streets, K.COMMUNITY, COMMUNITIES, "社区")
    compounds = bulk_level(communities, K.COMPOUND, COMPOUNDS, "小区")
    bulk_level(compounds, K.BUILDING, BUILDINGS, "号楼")
    return city


def main() -> None:
    call_command("migrate", verbosity=0)
    print(f"Database: {connection.vendor}")
    start = time.perf_counter()
    city = build_tree()
    print(f"Built {OrgUnit.objects.count():,} units (bulk) in {time.perf_counter() - start:.1f} s")
    timed("orgtree_repair (lft/rght from parent links)", services.orgtree_repair)
    timed("orgtree_check (whole tree)", services.orgtree_check)

    streets = list(OrgUnit.objects.filter(kind="street").order_by("lft"))
    first_community = OrgUnit.objects.filter(kind="community").order_by("lft").first()
    last_community = OrgUnit.objects.filter(kind="community").order_by("-lft").first()
    if first_community is None or last_community is None:
        raise SystemExit("The synthetic tree has no communities.")

    def insert(parent: OrgUnit) -> Callable[[], object]:
        return lambda: services.orgunit_create(
            actor=None, parent=parent, name=f"新小区{time.perf_counter_ns()}", kind="compound"
        )

    timed("insert a child at the right edge (last community)", insert(last_community), 10)
    timed("insert a child at the left edge (first community)", insert(first_community), 3)
    timed(
        "move a community to another street (and back)",
        lambda: (
            services.orgunit_move(actor=None, unit=last_community, target=streets[0]),
            services.orgunit_move(actor=None, unit=last_community, target=streets[-1]),
        ),
        3,
    )

    superuser = User(username="bench-root", is_superuser=True, is_staff=True)
    superuser.save()
    official = User(username="bench-official", role=User.Role.OFFICIAL, anchor_unit=streets[0])
    official.save()
    worker = User(
        username="bench-worker", role=User.Role.COMMUNITY_WORKER, anchor_unit=first_community
    )
    worker.save()

    def dashboard_of(user: User) -> Callable[[], object]:
        # As a request does: the user with its anchor, then the dashboard.
        return lambda: dashboard_for(
            user=User.objects.select_related("anchor_unit").get(pk=user.pk)
        )

    for label, user in (("city", superuser), ("street", official), ("community", worker)):
        with CaptureQueriesContext(connection) as queries:
            dashboard_of(user)()
        timed(f"dashboard of a {label} ({len(queries)} queries)", dashboard_of(user), REPEAT)
    print(f"City subtree: {city.pk} ({OrgUnit.objects.count():,} units)")


if __name__ == "__main__":
    main()
