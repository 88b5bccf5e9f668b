"""Ledger exports (台账, DESIGN §7 and §9): one engine for the xlsx and csv of every list.

A ``Ledger`` is a title, a unit line and a date line, typed ``Column``s and an iterable of rows
(``queryset.iterator(chunk_size=…)`` at the call sites, or any plain objects).
``ledger_response`` answers it as a file:

* **xlsx** in the 台账 layout: merged title row, unit and date line, a 序号 column, a bold,
  bordered header row that stays frozen and repeats on every printed page, column widths, ID
  and phone cells as text (Excel keeps only 15 significant digits of a number: an 18-digit ID
  would lose its tail, a leading zero or a trailing X would go), real dates, a totals row (合计)
  when a column asks for one, landscape A4 fitted to the page width. XlsxWriter runs in
  ``constant_memory`` mode: each row is flushed to a temporary file as soon as the next one
  starts, so memory stays flat however many rows there are; the finished workbook is a
  temporary file handed to ``FileResponse``, which streams it.
* **csv**: UTF-8 with a BOM (Excel's cue for the encoding), the same columns without the title
  rows and without the totals row, streamed in chunks.

File names are Chinese with the date (``光明社区人员台账_2026-11-23.xlsx``), sent as RFC 5987
``filename*`` with an ASCII fallback for old clients. Headers are gettext strings resolved in
the language active when the response is built (streamed csv chunks re-enter that language).

Domain-free: the apps define their ledgers' columns and decide who may export what; this module
also writes the export's audit row (``record_export``) and enforces the row cap
(``count_rows``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import IO, Any, Generic, TypeVar
from urllib.parse import quote

import xlsxwriter
from django.conf import settings
from django.db import models
from django.http import FileResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.models import AuditEvent

RowT = TypeVar("RowT")

XLSX = "xlsx"
CSV = "csv"
FORMATS = (XLSX, CSV)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
UTF8_BOM = b"\xef\xbb\xbf"

# An export holds every row the user may see with the filters, unpaginated, up to this many
# (settings.LEDGER_EXPORT_MAX_ROWS overrides it); beyond, the user narrows the filters.
MAX_EXPORT_ROWS = 200_000
CHUNK_SIZE = 2000  # rows per database fetch at the call sites, per csv chunk here

# Sheet layout: title row, unit/date line, header row, then the data.
TITLE_ROW, INFO_ROW, HEADER_ROW = 0, 1, 2
FIRST_DATA_ROW = 3
INDEX_WIDTH = 6
# A cell starting with one of these is a formula to Excel when it opens a csv file.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FILE_NAME_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\s]+')
# A whole ID or phone number in a filter value stays out of the audit log.
LONG_NUMBER = re.compile(r"[0-9０-９]{7,}")


class Kind(StrEnum):
    """How a column's values are written."""

    TEXT = "text"
    ID = "id"  # identifiers (ID and division codes): always text, never a number
    PHONE = "phone"  # text too: leading zeros, area codes and extensions survive
    DATE = "date"  # a real Excel date shown as yyyy-mm-dd
    DATETIME = "datetime"  # a real Excel date and time, in local time
    INTEGER = "integer"
    NUMBER = "number"


TEXT_KINDS = frozenset({Kind.TEXT, Kind.ID, Kind.PHONE})
NUMERIC_KINDS = frozenset({Kind.INTEGER, Kind.NUMBER})


@dataclass(frozen=True)
class Column(Generic[RowT]):
    """One column: its header (a gettext string), how to get the value from a row, its kind,
    its width in characters and whether the totals row sums it."""

    header: str | Promise
    value: Callable[[RowT], Any]
    kind: Kind = Kind.TEXT
    width: float = 12
    total: bool = False

    def __post_init__(self) -> None:
        if self.total and self.kind not in NUMERIC_KINDS:
            raise ValueError("only integer and number columns have a total")


@dataclass(frozen=True)
class Ledger(Generic[RowT]):
    """What an export writes. ``name`` is an ASCII slug ("people"): the fallback file name and
    the export log's record of which ledger; ``file_stem`` the localised file name without the
    date ("光明社区人员台账")."""

    name: str
    title: str
    file_stem: str
    unit_line: str
    date_line: str
    columns: Sequence[Column[RowT]]
    rows: Iterable[RowT]
    on: dt.date

    @property
    def has_totals(self) -> bool:
        return any(column.total for column in self.columns)

    def file_name(self, file_format: str) -> str:
        stem = FILE_NAME_UNSAFE.sub("_", self.file_stem).strip("_.") or self.name
        return f"{stem}_{self.on:%Y-%m-%d}.{file_format}"

    def fallback_file_name(self, file_format: str) -> str:
        slug = re.sub(r"[^A-Za-z0-9-]+", "-", self.name).strip("-") or "ledger"
        return f"{slug}-ledger_{self.on:%Y-%m-%d}.{file_format}"


def index_header() -> str:
    return pgettext("ledger", "No.")


def totals_label() -> str:
    return pgettext("ledger", "Total")


# --- Cell values ---------------------------------------------------------------------------


def _local(value: dt.datetime) -> dt.datetime:
    """A naive local datetime (Excel has no time zones)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def cell_value(kind: Kind, value: Any) -> Any:
    """The value as it goes into a cell: None for empty, str for text kinds, date/datetime
    for dates, int/float for numbers."""
    if value is None or value == "":
        return None
    if kind in TEXT_KINDS:
        return str(value)
    if kind is Kind.DATE:
        return _local(value).date() if isinstance(value, dt.datetime) else value
    if kind is Kind.DATETIME:
        if isinstance(value, dt.datetime):
            return _local(value)
        return dt.datetime.combine(value, dt.time())
    if kind is Kind.INTEGER:
        return int(value)
    return float(value) if isinstance(value, Decimal) else value


def csv_text(kind: Kind, value: Any) -> str:
    if isinstance(value, Decimal):
        return str(value)  # as stored: "1.50", not the float's "1.5"
    cell = cell_value(kind, value)
    if cell is None:
        return ""
    if kind is Kind.DATE:
        return str(cell.isoformat())
    if kind is Kind.DATETIME:
        return str(cell.strftime("%Y-%m-%d %H:%M"))
    text = str(cell)
    if kind is Kind.TEXT and text.startswith(FORMULA_STARTS):
        return "'" + text  # CSV injection: Excel would run "=…" as a formula
    return text


# --- xlsx ------------------------------------------------------------------------------------


class _Formats:
    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        cell = {"border": 1, "valign": "vcenter"}
        self.title = workbook.add_format(
            {"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}
        )
        self.info_left = workbook.add_format({"align": "left", "valign": "vcenter"})
        self.info_right = workbook.add_format({"align": "right", "valign": "vcenter"})
        self.header = workbook.add_format(
            {**cell, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#F2F2F2"}
        )
        self.index = workbook.add_format({**cell, "align": "center"})
        self.total_label = workbook.add_format({**cell, "bold": True, "align": "center"})
        text = workbook.add_format({**cell, "num_format": "@"})
        self.by_kind: dict[Kind, Format] = {
            Kind.TEXT: workbook.add_format(cell),
            Kind.ID: text,
            Kind.PHONE: text,
            Kind.DATE: workbook.add_format({**cell, "num_format": "yyyy-mm-dd"}),
            Kind.DATETIME: workbook.add_format({**cell, "num_format": "yyyy-mm-dd hh:mm"}),
            Kind.INTEGER: workbook.add_format({**cell, "num_format": "0"}),
            Kind.NUMBER: workbook.add_format({**cell, "num_format": "#,##0.00"}),
        }
        self.totals: dict[Kind, Format] = {
            kind: workbook.add_format({**cell, "bold": True, "num_format": number_format})
            for kind, number_format in (
                (Kind.INTEGER, "0"),
                (Kind.NUMBER, "#,##0.00"),
                (Kind.TEXT, "General"),
            )
        }
        # A column format, so cells typed later into ID/phone columns stay text.
        self.text_column = workbook.add_format({"num_format": "@"})


def _sheet_name(ledger: Ledger[Any]) -> str:
    name = re.sub(r"[\[\]:*?/\\']", "", ledger.file_stem).strip()
    return name[:31] or "Sheet1"


def _merge_or_write(
    sheet: Worksheet, row: int, first: int, last: int, text: str, cell_format: Format
) -> None:
    if last > first:
        sheet.merge_range(row, first, row, last, text, cell_format)
    else:
        sheet.write_string(row, first, text, cell_format)


def _cell_writer(sheet: Worksheet, kind: Kind) -> Callable[..., Any]:
    """The worksheet method that writes a non-empty value of ``kind``."""
    if kind in TEXT_KINDS:
        return sheet.write_string
    if kind in (Kind.DATE, Kind.DATETIME):
        return sheet.write_datetime
    return sheet.write_number


def write_xlsx(ledger: Ledger[Any], target: str | IO[bytes]) -> int:
    """Write the ledger as an xlsx workbook to a path or a binary file; the number of rows."""
    columns = list(ledger.columns)
    last_col = len(columns)  # column 0 is 序号
    workbook = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats = _Formats(workbook)
    sheet = workbook.add_worksheet(_sheet_name(ledger))

    sheet.set_column(0, 0, INDEX_WIDTH)
    for col, column in enumerate(columns, start=1):
        column_format = formats.text_column if column.kind in (Kind.ID, Kind.PHONE) else None
        sheet.set_column(col, col, column.width, column_format)

    # Rows must be written in order: constant_memory flushes a row once the next one starts.
    sheet.set_row(TITLE_ROW, 30)
    _merge_or_write(sheet, TITLE_ROW, 0, last_col, ledger.title, formats.title)
    split = max(1, (last_col + 1) // 2)
    _merge_or_write(sheet, INFO_ROW, 0, split - 1, ledger.unit_line, formats.info_left)
    _merge_or_write(sheet, INFO_ROW, split, last_col, ledger.date_line, formats.info_right)
    sheet.write_string(HEADER_ROW, 0, index_header(), formats.header)
    for col, column in enumerate(columns, start=1):
        sheet.write_string(HEADER_ROW, col, str(column.header), formats.header)

    # Decided once per column, not per cell: a ledger may hold 200,000 rows.
    plan = [
        (
            position,
            column.value,
            column.kind,
            _cell_writer(sheet, column.kind),
            formats.by_kind[column.kind],
            column.total,
        )
        for position, column in enumerate(columns)
    ]
    write_blank, write_number, index_format = sheet.write_blank, sheet.write_number, formats.index
    totals: list[float] = [0] * len(columns)
    count = 0
    for count, row in enumerate(ledger.rows, start=1):
        excel_row = HEADER_ROW + count
        write_number(excel_row, 0, count, index_format)
        for position, value_of, kind, write, cell_format, total in plan:
            value = cell_value(kind, value_of(row))
            if value is None:
                write_blank(excel_row, position + 1, None, cell_format)
                continue
            write(excel_row, position + 1, value, cell_format)
            if total:
                totals[position] += value

    last_row = HEADER_ROW + count
    if ledger.has_totals:
        totals_row = last_row + 1
        sheet.write_string(totals_row, 0, totals_label(), formats.total_label)
        for position, column in enumerate(columns):
            col = position + 1
            if not column.total:
                sheet.write_blank(totals_row, col, None, formats.totals[Kind.TEXT])
                continue
            column_total = totals[position]
            if column.kind is Kind.INTEGER:
                column_total = int(column_total)
            if count:
                letter = xl_col_to_name(col)
                # A live formula (the ledger is edited afterwards), with the value cached for
                # readers that do not calculate.
                formula = f"=SUM({letter}{FIRST_DATA_ROW + 1}:{letter}{last_row + 1})"
                sheet.write_formula(
                    totals_row, col, formula, formats.totals[column.kind], column_total
                )
            else:
                sheet.write_number(totals_row, col, column_total, formats.totals[column.kind])

    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.autofilter(HEADER_ROW, 0, max(HEADER_ROW, last_row), last_col)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many pages tall as needed
    sheet.repeat_rows(HEADER_ROW)
    sheet.center_horizontally()
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    # Translators: printed page footer; keep &P (page) and &N (pages): 第 &P 页，共 &N 页
    sheet.set_footer("&C" + _("Page &P of &N"))
    workbook.close()
    return count


# --- csv -------------------------------------------------------------------------------------


def csv_chunks(ledger: Ledger[Any], *, chunk_rows: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The ledger as csv bytes: the BOM and header row, then chunks of ``chunk_rows`` rows.

    The chunks are produced while the response streams, after the view (and the language
    middleware) returned: each one is written in the language active now.
    """
    return _csv_chunks(ledger, translation.get_language(), chunk_rows)


def _csv_chunks(ledger: Ledger[Any], language: str | None, chunk_rows: int) -> Iterator[bytes]:
    columns = list(ledger.columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    rows = iter(ledger.rows)
    count = 0
    with translation.override(language):
        writer.writerow([index_header(), *(str(column.header) for column in columns)])
    yield UTF8_BOM + buffer.getvalue().encode("utf-8")
    while True:
        buffer.seek(0)
        buffer.truncate()
        with translation.override(language):
            for row in itertools.islice(rows, chunk_rows):
                count += 1
                writer.writerow(
                    [count, *(csv_text(column.kind, column.value(row)) for column in columns)]
                )
        chunk = buffer.getvalue()
        if not chunk:
            return
        yield chunk.encode("utf-8")


# --- Responses -------------------------------------------------------------------------------


def content_disposition(file_name: str, fallback: str) -> str:
    """``attachment`` with the ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def _attach(response: HttpResponseBase, ledger: Ledger[Any], file_format: str) -> None:
    response["Content-Disposition"] = content_disposition(
        ledger.file_name(file_format), ledger.fallback_file_name(file_format)
    )
    response["Cache-Control"] = "no-store"  # a snapshot, often of personal data


def xlsx_response(ledger: Ledger[Any]) -> FileResponse:
    """Write the workbook to an anonymous temporary file and stream that file."""
    spool = tempfile.TemporaryFile(prefix="ledger-", suffix=".xlsx")  # noqa: SIM115 - FileResponse closes it
    try:
        write_xlsx(ledger, spool)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    response = FileResponse(spool, content_type=XLSX_CONTENT_TYPE)
    _attach(response, ledger, XLSX)
    return response


def csv_response(ledger: Ledger[Any]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(ledger), content_type=CSV_CONTENT_TYPE)
    _attach(response, ledger, CSV)
    return response


def ledger_response(ledger: Ledger[Any], file_format: str) -> HttpResponseBase:
    if file_format == XLSX:
        return xlsx_response(ledger)
    if file_format == CSV:
        return csv_response(ledger)
    raise ValueError(f"unknown ledger format {file_format!r}")


# --- Limits and the export log ---------------------------------------------------------------


def max_export_rows() -> int:
    return int(getattr(settings, "LEDGER_EXPORT_MAX_ROWS", MAX_EXPORT_ROWS))


def count_rows(rows: models.QuerySet[Any]) -> int:
    """How many rows the export will hold (one COUNT query); ``ValidationFailed`` (400) when
    that is more than an export may hold."""
    total = rows.count()
    limit = max_export_rows()
    if total > limit:
        message = _(
            "This export would hold %(total)s rows; at most %(limit)s rows can be exported at "
            "once. Narrow the filters."
        ) % {"total": total, "limit": limit}
        raise ValidationFailed(message, fields={"format": [message]})
    return total


def _filter_text(value: Any) -> str:
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # A whole ID or phone number searched for must not land in the log in clear.
    return "***" if LONG_NUMBER.search(text) else text


def describe_filters(filters: Mapping[str, Any]) -> str:
    """The filters of an export as one line for the log: ``q=王; status=retired; unit=5``."""
    return "; ".join(
        f"{key}={_filter_text(value)}"
        for key, value in sorted(filters.items())
        if value is not None and value != ""
    )


def record_export(
    *,
    actor: Any,
    object_type: str,
    ledger: Ledger[Any],
    file_format: str,
    rows: int,
    revealed: bool,
    filters: Mapping[str, Any],
) -> AuditEvent:
    """The one audit row of an export holding personal data: who (the actor), which ledger and
    format, how many rows, masked or revealed, with which filters."""
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.EXPORT,
        object_type=object_type,
        changes={
            "ledger": ledger.name,
            "format": file_format,
            "rows": rows,
            "revealed": revealed,
            "filters": describe_filters(filters),
        },
    )
