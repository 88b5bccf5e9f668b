"""The workbooks of a ledger import (台账导入): the template users fill in and the error report
of an upload. XlsxWriter, in memory (both are small: a template has no data, a report at most
``LEDGER_IMPORT_MAX_ROWS`` rows).

* ``template_workbook``: a title row, the header row (required columns marked *), text format
  on ID, phone and text columns (Excel would otherwise keep 15 digits of an ID), date format
  and a date check on dates, drop-down lists on choice columns (too long for Excel's inline
  list: on a hidden sheet), help shown when a cell is selected, frozen header, column widths,
  and a second sheet with the rules and, per column, required or not, format, allowed values
  and an example.
* ``error_report``: the uploaded rows in the same layout, each bad cell filled red, a column
  saying what is wrong and one with the row's number in the uploaded file. Corrected, it can
  be uploaded again as it is: the importer ignores the extra columns.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any
from urllib.parse import quote

import xlsxwriter
from django.utils.translation import gettext as _

from governance.ledger.imports import (
    FIRST_DATA_ROW,
    HEADER_ROW,
    TEXT_KINDS,
    TITLE_ROW,
    Column,
    LedgerImport,
    Outcome,
    max_bytes,
    max_rows,
    size_label,
)

TEMPLATE_ROWS = 1000  # rows of the template pre-formatted (the column format covers the rest)
RED_FILL = "#FFC7CE"  # Excel's "bad" cell style: light red fill, dark red text
RED_TEXT = "#9C0006"


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", text).strip()[:31] or "Sheet1"


def _kind_description(column: Column) -> str:
    return {
        "text": _("Text"),
        "id": _("Text: the number as written (keep the column's text format)"),
        "phone": _("Mobile or landline with area code, as text"),
        "date": _("Date, yyyy-mm-dd"),
        "integer": _("Whole number"),
        "choice": _("One of the list"),
    }[column.kind]


def _rules(ledger: LedgerImport) -> list[str]:
    return [
        _(
            "Fill in the first sheet from row 3 on. Keep the title row and the header row as "
            "they are."
        ),
        _("Columns marked * are required."),
        _(
            "ID numbers, phone numbers and codes are text: keep their columns formatted as "
            "text, or Excel keeps only 15 digits."
        ),
        _("Write dates as yyyy-mm-dd, e.g. 2021-07-01."),
        _("Choose values from the drop-down lists; the allowed values are listed below."),
        _("At most %(rows)s rows and %(size)s per file, as .xlsx or .xls.")
        % {"rows": max_rows(), "size": size_label(max_bytes())},
        _(
            "Nothing is imported unless every row is correct: the preview lists each error "
            "with its row, and the error report marks the cells in red."
        ),
        _("Empty cells leave what is recorded as it is."),
        _("Importing the same file again changes nothing."),
        *(str(note) for note in ledger.notes),
    ]


class _ListSheet:
    """A hidden sheet for drop-down lists too long to write inline (Excel allows 255 chars)."""

    def __init__(self, book: Any) -> None:
        self.book = book
        self.sheet: Any = None
        self.columns = 0

    def source(self, labels: list[str]) -> list[str] | str:
        if sum(len(label) + 1 for label in labels) <= 250:
            return labels
        if self.sheet is None:
            self.sheet = self.book.add_worksheet("lists")
            self.sheet.hide()
        col = self.columns
        self.columns += 1
        for index, label in enumerate(labels):
            self.sheet.write_string(index, col, label)
        letter = xlsxwriter.utility.xl_col_to_name(col)
        return f"=lists!${letter}$1:${letter}${len(labels)}"


def template_workbook(ledger: LedgerImport) -> bytes:
    """The import template: a title row, the header row (required columns marked *), text
    format on ID/phone/text columns, date format and check on dates, drop-down lists on choice
    columns, frozen header, column widths, and a second sheet with the rules per column."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    title_format = book.add_format(
        {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
    )
    header_format = book.add_format(
        {
            "bold": True,
            "bg_color": "#F2F2F2",
            "border": 1,
            "align": "center",
            "valign": "vcenter",
            "text_wrap": True,
        }
    )
    bold = book.add_format({"bold": True})
    star = book.add_format({"bold": True, "font_color": "#C00000"})
    text_format = book.add_format({"num_format": "@"})
    date_format = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet = book.add_worksheet(_sheet_title(str(ledger.title)))
    columns = ledger.columns
    title = _("%(ledger)s: import template") % {"ledger": ledger.title}
    _merge_or_write(sheet, TITLE_ROW, len(columns), title, title_format)
    sheet.set_row(TITLE_ROW, 30)
    sheet.set_row(HEADER_ROW, 30)
    last_row = FIRST_DATA_ROW + max_rows() - 1
    lists = _ListSheet(book)
    for col, column in enumerate(columns):
        cell_format = (
            text_format
            if column.kind in TEXT_KINDS
            else date_format
            if column.kind == "date"
            else None
        )
        sheet.set_column(col, col, column.width, cell_format)
        if column.required:
            sheet.write_rich_string(HEADER_ROW, col, star, "*", bold, column.label, header_format)
        else:
            sheet.write_string(HEADER_ROW, col, column.label, header_format)
        if cell_format is not None:
            for row in range(FIRST_DATA_ROW, FIRST_DATA_ROW + TEMPLATE_ROWS):
                sheet.write_blank(row, col, None, cell_format)
        help_text = str(column.help_text)[:255]
        if column.kind == "choice" and column.choices:
            sheet.data_validation(
                FIRST_DATA_ROW,
                col,
                last_row,
                col,
                {
                    "validate": "list",
                    "source": lists.source(column.choice_labels()),
                    "error_type": "warning",
                    "error_title": column.label[:32],
                    "error_message": _("Choose a value from the list.")[:255],
                    "input_title": column.label[:32],
                    "input_message": help_text,
                },
            )
        elif column.kind == "date":
            sheet.data_validation(
                FIRST_DATA_ROW,
                col,
                last_row,
                col,
                {
                    "validate": "date",
                    "criteria": "between",
                    "minimum": dt.date(1900, 1, 1),
                    "maximum": dt.date(2100, 12, 31),
                    "error_type": "warning",
                    "error_message": _("Write the date as yyyy-mm-dd, e.g. 2021-07-01.")[:255],
                    "input_title": column.label[:32],
                    "input_message": help_text,
                },
            )
        elif help_text:
            sheet.data_validation(
                FIRST_DATA_ROW,
                col,
                last_row,
                col,
                {
                    "validate": "any",
                    "input_title": column.label[:32],
                    "input_message": help_text,
                },
            )
    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.activate()
    _instructions_sheet(book, ledger)
    book.close()
    return buffer.getvalue()


def _merge_or_write(sheet: Any, row: int, width: int, text: str, cell_format: Any) -> None:
    if width > 1:
        sheet.merge_range(row, 0, row, width - 1, text, cell_format)
    else:
        sheet.write_string(row, 0, text, cell_format)


def _instructions_sheet(book: Any, ledger: LedgerImport) -> None:
    sheet = book.add_worksheet(_sheet_title(_("How to fill in")))
    title_format = book.add_format({"bold": True, "font_size": 14, "valign": "vcenter"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    head = book.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "valign": "vcenter", "text_wrap": True}
    )
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    required_cell = book.add_format(
        {"border": 1, "text_wrap": True, "valign": "top", "bold": True, "font_color": "#C00000"}
    )
    widths = (18, 8, 26, 34, 24, 50)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width)
    title = _("%(ledger)s: how to fill in") % {"ledger": ledger.title}
    sheet.write_string(0, 0, title, title_format)
    sheet.set_row(0, 28)
    row = 2
    for number, rule in enumerate(_rules(ledger), start=1):
        sheet.merge_range(row, 0, row, len(widths) - 1, f"{number}. {rule}", wrap)
        sheet.set_row(row, 30 if len(rule) > 60 else 18)
        row += 1
    row += 1
    headers = (
        _("Column"),
        _("Required"),
        _("Format"),
        _("Allowed values"),
        _("Example"),
        _("Notes"),
    )
    for col, text in enumerate(headers):
        sheet.write_string(row, col, text, head)
    for column in ledger.columns:
        row += 1
        values = (
            column.label,
            _("Yes") if column.required else _("No"),
            _kind_description(column),
            "、".join(column.choice_labels()) if column.choices else "",
            column.example,
            str(column.help_text),
        )
        for col, text in enumerate(values):
            marked = col == 1 and column.required
            sheet.write_string(row, col, text, required_cell if marked else cell)
    sheet.freeze_panes(1, 0)


def _write_raw(
    sheet: Any, row: int, col: int, value: Any, cell_format: Any, date_format: Any
) -> None:
    if value is None or (isinstance(value, str) and not value):
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, bool):
        sheet.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float):
        sheet.write_number(row, col, value, cell_format)
    elif isinstance(value, dt.datetime | dt.date):
        sheet.write_datetime(row, col, value, date_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)


def error_report(outcome: Outcome) -> bytes:
    """The uploaded rows in the template's layout, each bad cell filled red, with an "error"
    column saying what is wrong and the row's number in the uploaded file. Corrected, it can be
    uploaded again as it is (the extra columns are ignored)."""
    ledger = outcome.ledger
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    formats: dict[tuple[str, bool], Any] = {}

    def cell_format(kind: str, bad: bool) -> Any:
        key = (kind, bad)
        if key not in formats:
            spec: dict[str, Any] = {"border": 1, "border_color": "#D9D9D9"}
            if kind in TEXT_KINDS:
                spec["num_format"] = "@"
            elif kind == "date":
                spec["num_format"] = "yyyy-mm-dd"
            if bad:
                spec.update(bg_color=RED_FILL, font_color=RED_TEXT, pattern=1)
            formats[key] = book.add_format(spec)
        return formats[key]

    header_format = book.add_format(
        {"bold": True, "bg_color": "#F2F2F2", "border": 1, "align": "center", "text_wrap": True}
    )
    error_header = book.add_format(
        {"bold": True, "bg_color": RED_FILL, "font_color": RED_TEXT, "border": 1, "align": "center"}
    )
    title_format = book.add_format(
        {"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"}
    )
    message_format = book.add_format(
        {"text_wrap": True, "font_color": RED_TEXT, "valign": "top", "border": 1}
    )
    sheet = book.add_worksheet(_sheet_title(str(ledger.title)))
    columns = ledger.columns
    width = len(columns) + 2
    counts = outcome.counts
    title = _("%(ledger)s: import errors (%(errors)s of %(rows)s rows)") % {
        "ledger": ledger.title,
        "errors": counts["error"],
        "rows": len(outcome.results),
    }
    _merge_or_write(sheet, TITLE_ROW, width, title, title_format)
    sheet.set_row(TITLE_ROW, 30)
    for col, column in enumerate(columns):
        sheet.set_column(col, col, column.width)
        label = f"*{column.label}" if column.required else column.label
        sheet.write_string(HEADER_ROW, col, label, header_format)
    error_col, source_col = len(columns), len(columns) + 1
    sheet.set_column(error_col, error_col, 48)
    sheet.set_column(source_col, source_col, 10)
    sheet.write_string(HEADER_ROW, error_col, _("Error"), error_header)
    sheet.write_string(HEADER_ROW, source_col, _("Row in the uploaded file"), header_format)
    row = FIRST_DATA_ROW
    for result in outcome.results:
        for col, column in enumerate(columns):
            bad = column.field in result.errors
            _write_raw(
                sheet,
                row,
                col,
                result.row.raw.get(column.field),
                cell_format(column.kind, bad),
                cell_format("date", bad),
            )
        messages = [
            f"{named.label}：{message}" if (named := ledger.column(name)) else message
            for name, items in result.errors.items()
            for message in items
        ]
        if messages:
            sheet.write_string(row, error_col, "；".join(messages), message_format)
        sheet.write_number(row, source_col, result.row.number)
        row += 1
    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.autofilter(HEADER_ROW, 0, max(HEADER_ROW, row - 1), width - 1)
    book.close()
    return buffer.getvalue()


def attachment(file_name: str, fallback: str) -> str:
    """A Content-Disposition value with the Chinese name as RFC 5987 ``filename*`` and an
    ASCII name for old clients."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(file_name)}"
