"""Memory and time of a ledger export (``make bench``). Prints, asserts nothing.

Streams the people ledger (``orgchart.exports.people_columns``: the columns the API and the
people page export) of synthetic people through the real response path: xlsx
(``xlsx_response``: XlsxWriter in constant_memory mode into a temporary file, then streamed)
and csv (``csv_response``). The rows are unsaved ``Person`` objects made one at a time by a
generator, the way ``queryset.iterator()`` hands them over, so the figures are the export's
own: no database, nothing held but the row being written.

Printed per export: the time and rows per second (untraced runs), the file size, the peak of
Python allocations under ``tracemalloc`` (traced runs, about five times slower, so traced at
10,000 rows for both formats and at the full count for csv), and the process's peak resident
size (``ru_maxrss``) with its growth since Django was set up: flat memory shows as a peak
that does not grow with the rows and an RSS that stays put across the 100,000-row runs.

    make bench                                              # 100,000 rows, ~50 s
    BENCH_EXPORT_ROWS=20000 .venv/bin/python scripts/bench_export.py
"""

from __future__ import annotations

import datetime as dt
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# A throwaway VAR_DIR: settings create their directories there; no database is opened.
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="governance-bench-export-")
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "governance.settings")

import django  # noqa: E402

django.setup()

from django.http.response import HttpResponseBase  # noqa: E402
from django.utils import timezone, translation  # noqa: E402

from governance import pii  # noqa: E402
from governance.ledger.export import Ledger, csv_response, xlsx_response  # noqa: E402
from orgchart.exports import LedgerContext, people_columns  # noqa: E402
from orgchart.models import PartyMember, Person  # noqa: E402
from orgchart.services.people import name_pinyin  # noqa: E402

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
SMALL = max(1, ROWS // 10)
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "秀英建国桂兰志强丽华明军淑珍海燕玉梅"
REGISTERED = [SimpleNamespace(unit=SimpleNamespace(name="光明社区"))]
MEMBER = PartyMember(status=PartyMember.Status.RETIRED)
CREATED_AT = timezone.now()


def synthetic_people(count: int) -> Iterator[Person]:
    """``count`` people, one at a time. The sealed numbers are the same for every row (sealing
    100,000 values would dominate the run); revealing still decrypts each one."""
    document = pii.encrypt("11010519491231002X")
    mobile = pii.encrypt("13812345678")
    landline = pii.encrypt("0315-2812345-808")
    pinyin, initials = name_pinyin("王秀英")
    for index in range(count):
        name = SURNAMES[index % len(SURNAMES)] + GIVEN[index % 7 : index % 7 + 2]
        person = Person(
            pk=index + 1,
            name=name,
            name_pinyin=pinyin,
            name_initials=initials,
            sex=Person.Sex.FEMALE if index % 2 else Person.Sex.MALE,
            birth_date=dt.date(1940 + index % 60, 1 + index % 12, 1 + index % 28),
            document_type=Person.DocumentType.RESIDENT_ID,
            document_number_encrypted=document,
            document_number_hash="x",
            document_number_head="110105",
            document_number_tail=f"{index % 1000:03d}X",
            document_number_length=18,
            mobile_encrypted=mobile,
            mobile_hash="x",
            mobile_head="138",
            mobile_tail=f"{index % 10000:04d}",
            landline_encrypted=landline,
            landline_hash="x",
            landline_head="0315-",
            landline_tail="2345",
            landline_length=16,
            address=f"光明小区{index % 200 + 1}号楼{index % 30 + 1:02d}{index % 4 + 1:02d}",
            created_at=CREATED_AT,
        )
        # What select_related("party_member") and the registrations prefetch leave behind.
        person._state.fields_cache["party_member"] = MEMBER if index % 5 == 0 else None
        person.registered_units = REGISTERED  # type: ignore[attr-defined]
        yield person


def people_ledger(count: int, *, reveal: bool) -> Ledger[Person]:
    today = timezone.localdate()
    context = LedgerContext(full_names=True, reveal=reveal, today=today)
    return Ledger(
        name="people",
        title="东城街道光明社区人员台账",
        file_stem="光明社区人员台账",
        unit_line="单位：云州市云阳区东城街道光明社区",
        date_line=f"导出：bench {today.isoformat()}",
        columns=people_columns(context),
        rows=synthetic_people(count),
        on=today,
    )


def drain(response: HttpResponseBase) -> int:
    """Stream the response body away, as the server would; its size in bytes."""
    size = 0
    for chunk in response.streaming_content:  # type: ignore[attr-defined]
        size += len(chunk)
    response.close()
    return size


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


@dataclass(frozen=True)
class Run:
    file_format: str
    reveal: bool
    rows: int
    traced: bool  # under tracemalloc (about 5 times slower): the peak, not the time


def export(run: Run) -> HttpResponseBase:
    ledger = people_ledger(run.rows, reveal=run.reveal)
    return xlsx_response(ledger) if run.file_format == "xlsx" else csv_response(ledger)


def measure(run: Run, baseline: float) -> None:
    if run.traced:
        tracemalloc.start()
    start = time.perf_counter()
    size = drain(export(run))
    seconds = time.perf_counter() - start
    peak = ""
    if run.traced:
        peak = f"{tracemalloc.get_traced_memory()[1] / 2**20:8.2f} MiB"
        tracemalloc.stop()
    label = f"{run.file_format} {'revealed' if run.reveal else 'masked'}"
    timing = "(traced)" if run.traced else f"{seconds:6.2f} s {run.rows / seconds:8,.0f}"
    rss = max_rss_mib()
    print(
        f"  {label:<14} {run.rows:>8,} {timing:>17} {size / 2**20:7.1f} MiB "
        f"{peak or '-':>12}   {rss:6.1f} MiB (+{rss - baseline:.1f})"
    )


def main() -> None:
    columns = len(people_ledger(0, reveal=False).columns) + 1
    baseline = max_rss_mib()
    print(f"Ledger export: the people ledger ({columns} columns) of synthetic people")
    print(f"  max RSS after Django setup: {baseline:.1f} MiB")
    print(
        f"  {'export':<14} {'rows':>8} {'time':>8} {'rows/s':>8} {'file':>11} "
        f"{'peak traced':>12}   max RSS (growth)"
    )
    runs = [
        Run("xlsx", reveal=False, rows=ROWS, traced=False),
        Run("csv", reveal=False, rows=ROWS, traced=False),
        Run("xlsx", reveal=True, rows=SMALL, traced=False),
        Run("xlsx", reveal=False, rows=SMALL, traced=True),
        Run("csv", reveal=False, rows=SMALL, traced=True),
        Run("csv", reveal=False, rows=ROWS, traced=True),
    ]
    with translation.override("zh-hans"):
        for run in runs:
            measure(run, baseline)
    print(
        "  peak traced: Python allocations during the export (tracemalloc); max RSS: the "
        "process's peak resident size so far (ru_maxrss)."
    )


if __name__ == "__main__":
    main()
