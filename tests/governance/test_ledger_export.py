"""The ledger engine on plain rows: the 台账 layout of the xlsx (title, unit and date line, 序号,
frozen header, text IDs and phones, real dates, totals, print setup), the csv (BOM, same rows,
streamed in the language of the request), file names, the row cap and the export log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.test import override_settings
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, pgettext

from governance.errors import ValidationFailed
from governance.ledger.export import (
    UTF8_BOM,
    Column,
    Kind,
    Ledger,
    content_disposition,
    count_rows,
    csv_chunks,
    csv_response,
    describe_filters,
    record_export,
    write_xlsx,
    xlsx_response,
)
from governance.models import AuditEvent, Heartbeat

ON = dt.date(2026, 11, 23)


@dataclass
class Resident:
    name: str
    document_number: str
    mobile: str
    born: dt.date | None
    visits: int
    hours: Decimal
    seen_at: dt.datetime | None = None


RESIDENTS = [
    Resident(
        "王秀英", "11010519491231002X", "13812345678", dt.date(1949, 12, 31), 3, Decimal("1.5")
    ),
    Resident("李建国", "011234567890123456", "0315-2812345-808", None, 0, Decimal("0")),
    Resident("=HYPERLINK(1)", "", "", dt.date(2000, 1, 2), 7, Decimal("2.25")),
]

COLUMNS: list[Column[Resident]] = [
    Column("Name", lambda r: r.name, width=10),
    Column("Document number", lambda r: r.document_number, Kind.ID, width=22),
    Column("Mobile", lambda r: r.mobile, Kind.PHONE, width=18),
    Column("Born", lambda r: r.born, Kind.DATE, width=12),
    Column("Visits", lambda r: r.visits, Kind.INTEGER, total=True),
    Column("Hours", lambda r: r.hours, Kind.NUMBER, total=True),
    Column("Seen", lambda r: r.seen_at, Kind.DATETIME, width=17),
]


def ledger(rows: list[Resident] | None = None, **fields: Any) -> Ledger[Resident]:
    values: dict[str, Any] = {
        "name": "residents",
        "title": "东城街道光明社区居民台账",
        "file_stem": "光明社区居民台账",
        "unit_line": "单位：云州市云阳区东城街道光明社区",
        "date_line": "导出：worker 2026-11-23",
        "columns": COLUMNS,
        "rows": iter(RESIDENTS if rows is None else rows),
        "on": ON,
    }
    values.update(fields)
    return Ledger(**values)


def workbook(data: bytes, *, data_only: bool = False) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only).active


def xlsx_bytes(subject: Ledger[Resident]) -> bytes:
    target = io.BytesIO()
    write_xlsx(subject, target)
    return target.getvalue()


def test_xlsx_has_the_ledger_layout() -> None:
    sheet = workbook(xlsx_bytes(ledger()))

    assert sheet.title == "光明社区居民台账"
    assert sheet["A1"].value == "东城街道光明社区居民台账"
    assert sheet["A1"].font.b is True
    merged = sorted(str(cells) for cells in sheet.merged_cells.ranges)
    # Title across all 8 columns (序号 + 7); unit line on the left half, date on the right.
    assert merged == ["A1:H1", "A2:D2", "E2:H2"]
    assert sheet["A2"].value == "单位：云州市云阳区东城街道光明社区"
    assert sheet["E2"].value == "导出：worker 2026-11-23"
    assert [cell.value for cell in sheet[3]] == [
        pgettext("ledger", "No."),
        "Name",
        "Document number",
        "Mobile",
        "Born",
        "Visits",
        "Hours",
        "Seen",
    ]
    assert all(cell.font.b and cell.border.bottom.style == "thin" for cell in sheet[3])
    assert sheet.freeze_panes == "A4"
    assert [sheet.cell(row, 1).value for row in (4, 5, 6)] == [1, 2, 3]
    assert sheet.column_dimensions["C"].width == pytest.approx(22, abs=1)
    assert sheet.auto_filter.ref == "A3:H6"


def test_xlsx_keeps_ids_and_phones_as_text_and_dates_as_dates() -> None:
    sheet = workbook(xlsx_bytes(ledger()))

    wang, li, formula = sheet[4], sheet[5], sheet[6]
    assert wang[2].value == "11010519491231002X"
    assert wang[2].data_type == "s"
    assert wang[2].number_format == "@"
    assert li[2].value == "011234567890123456"  # the leading zero survives
    assert len(li[2].value) == 18
    assert wang[3].value == "13812345678"
    assert wang[3].data_type == "s"
    assert li[3].value == "0315-2812345-808"
    assert wang[4].value == dt.datetime.combine(dt.date(1949, 12, 31), dt.time())
    assert wang[4].is_date
    assert wang[4].number_format == "yyyy-mm-dd"
    assert li[4].value is None  # empty, but bordered like the rest
    assert li[4].border.left.style == "thin"
    assert wang[5].value == 3
    assert wang[6].value == 1.5
    # A text that looks like a formula stays text in the workbook.
    assert formula[1].value == "=HYPERLINK(1)"
    assert formula[1].data_type == "s"


def test_xlsx_datetimes_are_local_and_naive() -> None:
    seen = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)
    sheet = workbook(xlsx_bytes(ledger([Resident("王", "", "", None, 0, Decimal(0), seen)])))

    assert sheet["H4"].value == dt.datetime.combine(ON, dt.time(9, 30))  # Asia/Shanghai
    assert sheet["H4"].number_format == "yyyy-mm-dd hh:mm"


def test_xlsx_totals_row_sums_the_columns_that_ask_for_it() -> None:
    data = xlsx_bytes(ledger())
    formulas, values = workbook(data), workbook(data, data_only=True)

    assert [cell.value for cell in values[7]] == [
        pgettext("ledger", "Total"),
        None,
        None,
        None,
        None,
        10,
        3.75,
        None,
    ]
    assert formulas["F7"].value == "=SUM(F4:F6)"
    assert formulas["G7"].value == "=SUM(G4:G6)"
    assert values["A7"].font.b is True


def test_xlsx_of_no_rows_still_has_its_header_and_zero_totals() -> None:
    values = workbook(xlsx_bytes(ledger([])), data_only=True)

    assert values.max_row == 4
    assert values["A3"].value == pgettext("ledger", "No.")
    assert [values["F4"].value, values["G4"].value] == [0, 0]


def test_xlsx_without_total_columns_has_no_totals_row() -> None:
    sheet = workbook(xlsx_bytes(ledger(columns=COLUMNS[:4])))

    assert sheet.max_row == 6
    assert sorted(str(cells) for cells in sheet.merged_cells.ranges) == [
        "A1:E1",
        "A2:B2",
        "C2:E2",
    ]


def test_xlsx_prints_landscape_one_page_wide_with_the_header_on_every_page() -> None:
    data = xlsx_bytes(ledger())
    sheet = workbook(data)

    assert sheet.page_setup.orientation == "landscape"
    assert sheet.page_setup.paperSize == 9
    assert sheet.page_setup.fitToWidth in (None, 1)  # 1 is the default, left out
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.print_title_rows == "$3:$3"
    # constant_memory mode writes strings inline, row by row (no shared strings table).
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert 't="inlineStr"' in archive.read("xl/worksheets/sheet1.xml").decode()


def test_csv_has_a_bom_the_same_columns_and_rows_and_no_title() -> None:
    data = b"".join(csv_chunks(ledger()))

    assert data.startswith(UTF8_BOM)
    rows = list(csv.reader(io.StringIO(data[len(UTF8_BOM) :].decode("utf-8"))))
    assert rows == [
        [
            pgettext("ledger", "No."),
            "Name",
            "Document number",
            "Mobile",
            "Born",
            "Visits",
            "Hours",
            "Seen",
        ],
        ["1", "王秀英", "11010519491231002X", "13812345678", "1949-12-31", "3", "1.5", ""],
        ["2", "李建国", "011234567890123456", "0315-2812345-808", "", "0", "0", ""],
        # Excel would run a cell starting with "=" as a formula: it is quoted.
        ["3", "'=HYPERLINK(1)", "", "", "2000-01-02", "7", "2.25", ""],
    ]


def test_csv_streams_in_chunks() -> None:
    many = [Resident(f"居民{i}", "", "", None, i, Decimal(0)) for i in range(5)]

    chunks = list(csv_chunks(ledger(many), chunk_rows=2))

    assert len(chunks) == 4  # BOM + header, then 2 + 2 + 1 rows
    assert chunks[3].decode().startswith("5,居民4,")


def test_csv_is_written_in_the_language_of_the_request_while_it_streams() -> None:
    columns: list[Column[Resident]] = [
        Column(gettext_lazy("Document number"), lambda r: r.document_number, Kind.ID)
    ]
    with translation.override("en"):
        chunks = csv_chunks(ledger(columns=columns))  # built in the view, consumed after it
    with translation.override("zh-hans"):
        header = next(iter(chunks))
        in_chinese = b"".join(csv_chunks(ledger(columns=columns)))

    with translation.override("en"):
        assert header.decode("utf-8-sig") == pgettext("ledger", "No.") + ",Document number\r\n"
    assert in_chinese.decode("utf-8-sig").startswith(
        pgettext("ledger", "No.") + ",证件号码\r\n1,11010519491231002X\r\n"
    )


def test_responses_carry_the_chinese_file_name_and_an_ascii_fallback() -> None:
    xlsx = xlsx_response(ledger())
    data = b"".join(xlsx.streaming_content)  # type: ignore[arg-type]
    table = csv_response(ledger())

    assert xlsx["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert xlsx["Content-Disposition"] == (
        'attachment; filename="residents-ledger_2026-11-23.xlsx"; '
        "filename*=UTF-8''%E5%85%89%E6%98%8E%E7%A4%BE%E5%8C%BA%E5%B1%85%E6%B0%91%E5%8F%B0%E8%B4%A6"
        "_2026-11-23.xlsx"
    )
    assert xlsx["Content-Length"] == str(len(data))
    assert xlsx["Cache-Control"] == "no-store"
    assert workbook(data)["A1"].value == "东城街道光明社区居民台账"
    assert table["Content-Type"] == "text/csv; charset=utf-8"
    assert table["Content-Disposition"] == content_disposition(
        "光明社区居民台账_2026-11-23.csv", "residents-ledger_2026-11-23.csv"
    )
    assert b"".join(table.streaming_content).startswith(UTF8_BOM)  # type: ignore[arg-type]


def test_file_names_lose_what_a_file_system_refuses() -> None:
    subject = ledger(file_stem='光明社区 people/ledger: "x"', name="people")

    assert subject.file_name("xlsx") == "光明社区_people_ledger_x_2026-11-23.xlsx"
    assert subject.fallback_file_name("csv") == "people-ledger_2026-11-23.csv"
    assert content_disposition("台账 1.xlsx", "ledger.xlsx") == (
        "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''" + quote("台账 1.xlsx", safe="")
    )


def test_a_column_total_needs_a_number_kind() -> None:
    with pytest.raises(ValueError, match="only integer and number"):
        Column("Name", lambda row: row, Kind.TEXT, total=True)


@pytest.mark.django_db
def test_count_rows_refuses_more_than_the_cap() -> None:
    now = timezone.now()
    Heartbeat.objects.bulk_create(Heartbeat(name=f"h{i}", beat_at=now) for i in range(3))

    with override_settings(LEDGER_EXPORT_MAX_ROWS=3):
        assert count_rows(Heartbeat.objects.all()) == 3
    with override_settings(LEDGER_EXPORT_MAX_ROWS=2), pytest.raises(ValidationFailed) as refused:
        count_rows(Heartbeat.objects.all())
    assert refused.value.status_code == 400
    assert "3" in str(refused.value.message)
    assert "2" in str(refused.value.message)


def test_filters_are_described_without_whole_numbers() -> None:
    assert describe_filters({"q": "王", "unit": None, "current": False, "status": ""}) == (
        "current=false; q=王"
    )
    assert describe_filters({"q": "11010519491231002X"}) == "q=***"
    assert describe_filters({"q": "138 1234 5678"}) == "q=138 1234 5678"  # no 7-digit run
    assert describe_filters({"q": "13812345678"}) == "q=***"
    assert describe_filters({"q": "0028"}) == "q=0028"


@pytest.mark.django_db
def test_record_export_writes_one_audit_row() -> None:
    event = record_export(
        actor=None,
        object_type="orgchart.Person",
        ledger=ledger(),
        file_format="csv",
        rows=3,
        revealed=False,
        filters={"q": "王"},
    )

    assert list(AuditEvent.objects.values_list("action", "object_type", "changes")) == [
        (
            AuditEvent.Action.EXPORT,
            "orgchart.Person",
            {
                "ledger": "residents",
                "format": "csv",
                "rows": 3,
                "revealed": False,
                "filters": "q=王",
            },
        )
    ]
    assert event.actor is None
