"""Template-based ledger import (台账导入, DESIGN §9): read an uploaded .xlsx or .xls, check
every row without writing (the dry-run preview), then write all rows in one transaction, or
none.

A ``LedgerImport`` describes one ledger: its ``Column``s (header as a gettext string, kind,
required, choices, help text, example), ``permission(user)`` (False: 403), ``prepare(row, user,
context)``, which checks one row against the database WITHOUT writing and returns a ``RowPlan``
(create, update or unchanged, or field errors keyed by column), and ``apply(plans, user)``,
which writes the planned rows through the app's services (wrapping each row in ``applying`` so
a service's refusal names the row). The apps register theirs in ``governance.ledger.registry``;
this module knows no domain.

Reading (``read_upload``):

* the type comes from the content, never from the file name: a zip is read as .xlsx by
  openpyxl (read-only, cached values, XML through defusedxml; a zip that unpacks to more than
  ``UNPACKED_RATIO`` times the upload limit is refused before parsing), an OLE2 file as legacy
  .xls by xlrd; anything else (a PDF, a web page saved as .xls, csv) gets a clear message;
* the header row is found by its labels in the first ``HEADER_SEARCH_ROWS`` rows of any sheet
  (the template has a title row above it; exports add a unit line and a 序号 column), in any
  language the site offers, with or without the "*" of required columns; other columns are
  ignored, so an error report can be corrected and uploaded again as it is;
* cells become strings: ID numbers and codes that Excel turned into numbers get their digits
  back when they are exact, and are refused when Excel kept only 15 significant digits; dates
  come from real dates or yyyy-mm-dd text, choices from their labels;
* rows are numbered as Excel shows them ("第5行"); blank rows are skipped; at most
  ``LEDGER_IMPORT_MAX_ROWS`` rows, and uploads of at most ``LEDGER_IMPORT_MAX_BYTES``.

All or nothing (``run_import``): under a per-ledger lock inside ``transaction.atomic()`` every
row is prepared again (the data may have changed since the preview); if any row has an error,
nothing is written; otherwise ``apply`` writes the rows, and a row that fails while writing (a
concurrent change) rolls everything back and is reported with its row number. Duplicates within
the file are errors on the later row ("与第3行重复"): ``ImportContext.claim``.

The template and the error report are built by ``governance.ledger.import_workbooks``; the
upload waits between the preview and the confirmation in ``governance.ledger.staging``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import (
    Callable,
    Generator,
    Hashable,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from dataclasses import dataclass, field
from typing import Any, Literal

import openpyxl
import xlrd
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from governance.errors import ApplicationError
from governance.locks import acquire_transaction_lock

Action = Literal["create", "update", "unchanged"]
ColumnKind = Literal["text", "id", "phone", "date", "integer", "choice"]
Label = str | Promise

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SEARCH_ROWS = 20
# An .xlsx is a zip of XML; openpyxl keeps the shared strings in memory. A genuine 5 MB
# workbook unpacks to a few tens of MB; a zip bomb to gigabytes.
UNPACKED_RATIO = 20
# Excel keeps 15 significant digits of a number: anything longer lost its tail.
EXACT_DIGITS = 15
# Kinds kept as text in the template (Excel would otherwise make numbers of them).
TEXT_KINDS = frozenset({"text", "id", "phone"})
TITLE_ROW, HEADER_ROW, FIRST_DATA_ROW = 0, 1, 2
EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA"}
)
# Rows an export adds below the data; they are not records.
TOTALS_LABELS = frozenset({"合计", "总计", "共计", "total", "totals"})

DUPLICATE_MESSAGE = gettext_lazy("Same as row %(row)s.")
LOST_DIGITS_MESSAGE = gettext_lazy(
    "Excel turned this number into a numeric value and kept only 15 digits: format the "
    "column as text and type the number again."
)


# --- Describing a ledger ---------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One allowed value of a choice column: what is stored, the label in the drop-down list,
    and other spellings accepted on import (all gettext strings are accepted in every
    language the site offers)."""

    value: Any
    label: Label
    aliases: tuple[Label, ...] = ()


@dataclass(frozen=True)
class Column:
    """One column of a ledger. ``field`` keys the row's values and errors; ``header`` is what
    the template's header row says. Kinds: ``text``; ``id`` (ID numbers, division codes:
    digits kept as text); ``phone``; ``date``; ``integer``; ``choice`` (from ``choices``).
    ``personal`` columns (ID numbers, phones) are shown masked in the preview."""

    field: str
    header: Label
    kind: ColumnKind = "text"
    required: bool = False
    choices: tuple[Choice, ...] = ()
    help_text: Label = ""
    example: str = ""
    aliases: tuple[Label, ...] = ()
    max_length: int | None = None
    width: int = 16
    personal: bool = False  # personal data (ID, phone): masked in the preview

    @property
    def label(self) -> str:
        return capfirst(str(self.header))

    def choice_labels(self) -> list[str]:
        """The labels of the drop-down list, in the active language, each once."""
        return list(dict.fromkeys(str(choice.label) for choice in self.choices))


@dataclass
class Row:
    """One data row as read: ``values`` (field -> normalised value; None for a blank cell or
    one that could not be read), ``raw`` (field -> the cell as in the file) and the errors of
    reading (field -> messages)."""

    number: int
    values: dict[str, Any]
    raw: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def failed(self, name: str) -> bool:
        """The cell had a value that could not be read (so ``get`` says None)."""
        return name in self.errors


@dataclass
class RowPlan:
    """What importing a row would do. ``data`` is the ledger's own (handed to ``apply``);
    ``changes`` names the columns an update changes (shown in the preview); ``errors`` maps a
    column's field ("" for the row as a whole) to messages."""

    action: Action = "create"
    data: Any = None
    changes: tuple[str, ...] = ()
    errors: dict[str, list[str]] = field(default_factory=dict)
    row: int = 0  # set by the engine

    def add_error(self, column: str, message: object) -> None:
        self.errors.setdefault(column, []).append(str(message))

    @property
    def ok(self) -> bool:
        return not self.errors


class ImportContext:
    """Shared by the rows of one run: the user, a ``state`` dict the ledger may keep things in
    (e.g. units planned by earlier rows) and the keys rows have claimed (duplicates)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.state: dict[str, Any] = {}
        self._claimed: dict[Hashable, int] = {}

    def claim(self, key: Hashable, row: int) -> int | None:
        """Claim ``key`` (an ID number, a division code) for ``row``; the earlier row that
        holds it already, or None."""
        earlier = self._claimed.setdefault(key, row)
        return None if earlier == row else earlier

    def memo(self, name: str, factory: Callable[[], Any]) -> Any:
        if name not in self.state:
            self.state[name] = factory()
        return self.state[name]


def duplicate_message(row: int) -> str:
    return str(DUPLICATE_MESSAGE) % {"row": row}


@dataclass(frozen=True)
class LedgerImport:
    """An importable ledger. ``name`` is the URL slug; ``preview_fields`` are the columns the
    preview table shows; ``notes`` are extra rules for the instructions sheet and the page;
    ``return_url(user)`` where the result page links back to."""

    name: str
    title: Label
    columns: tuple[Column, ...]
    permission: Callable[[Any], bool]
    prepare: Callable[[Row, Any, ImportContext], RowPlan]
    apply: Callable[[list[RowPlan], Any], None]
    preview_fields: tuple[str, ...] = ()
    notes: tuple[Label, ...] = ()
    return_url: Callable[[Any], str] | None = None

    def column(self, name: str) -> Column | None:
        return next((column for column in self.columns if column.field == name), None)

    @property
    def preview_columns(self) -> list[Column]:
        names = self.preview_fields or tuple(column.field for column in self.columns[:4])
        return [column for name in names if (column := self.column(name)) is not None]


# --- Limits ----------------------------------------------------------------------------------


def max_bytes() -> int:
    return int(getattr(settings, "LEDGER_IMPORT_MAX_BYTES", 5 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "LEDGER_IMPORT_MAX_ROWS", 5_000))


def size_label(size: int) -> str:
    """5 MB, 512 KB: for messages."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, size // 1024)} KB"


# --- Reading a file --------------------------------------------------------------------------


class ImportFileError(Exception):
    """The file cannot be imported at all (not Excel, broken, too big, no header row);
    ``str(error)`` is the message for the user."""


@dataclass(frozen=True)
class CellError:
    """An Excel error value in a cell (#N/A, #REF!…)."""

    code: str

    def __str__(self) -> str:
        return self.code


@dataclass
class Sheet:
    """The rows of an upload, read against a ledger's columns."""

    name: str
    header_row: int
    columns: dict[str, int]  # field -> 0-based column index in the file
    rows: list[Row]


def _unreadable() -> ImportFileError:
    return ImportFileError(
        _(
            "The file cannot be read as an Excel workbook. Open it in Excel or WPS, save it as "
            ".xlsx and upload it again."
        )
    )


def _not_excel() -> ImportFileError:
    return ImportFileError(
        _("Only Excel files (.xlsx or .xls) can be imported. Download the template and use it.")
    )


def detect_format(data: bytes) -> Literal["xlsx", "xls"]:
    """``xlsx`` or ``xls`` from the content; ``ImportFileError`` for anything else."""
    if not data:
        raise ImportFileError(_("The file is empty."))
    if data.startswith(ZIP_MAGIC):
        return "xlsx"
    if data.startswith(OLE_MAGIC):
        return "xls"
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<", b"<?xml", b"<html", b"<table")):
        raise ImportFileError(
            _(
                "This file is a web page saved with an Excel name, not a real Excel workbook. "
                "Open it in Excel or WPS, save it as .xlsx and upload it again."
            )
        )
    raise _not_excel()


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as error:
        raise _unreadable() from error
    names = {entry.filename for entry in entries}
    if "xl/workbook.bin" in names:
        raise ImportFileError(
            _("Excel binary workbooks (.xlsb) cannot be read: save the file as .xlsx.")
        )
    if "xl/workbook.xml" not in names:
        raise _not_excel()
    if sum(entry.file_size for entry in entries) > UNPACKED_RATIO * max_bytes():
        raise ImportFileError(
            _("The workbook holds too much data to be read. Split it into smaller files.")
        )


SheetRows = Generator[tuple[str, Iterator[tuple[int, Sequence[Any]]]], None, None]


def _xlsx_sheets(data: bytes) -> SheetRows:
    _check_zip(data)
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # any parser failure of a broken file is the same to the user
        raise _unreadable() from error
    try:
        for sheet in book.worksheets:
            # Some writers record a wrong used range; read what is there.
            sheet.reset_dimensions()
            rows = sheet.iter_rows(values_only=True)
            yield sheet.title, ((number, row) for number, row in enumerate(rows, start=1))
    finally:
        book.close()


def _xls_value(book: Any, cell: Any) -> Any:
    ctype = cell.ctype
    if ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return CellError("#VALUE!")
    if ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if ctype == xlrd.XL_CELL_ERROR:
        return CellError(xlrd.error_text_from_code.get(cell.value, "#VALUE!"))
    return cell.value


def _xls_sheets(data: bytes) -> SheetRows:
    try:
        book = xlrd.open_workbook(file_contents=data, on_demand=True)
    except Exception as error:  # xlrd raises many kinds for broken or encrypted files
        raise ImportFileError(
            _(
                "The .xls file cannot be read. If it is protected by a password, remove the "
                "password; or open it in Excel or WPS and save it as .xlsx."
            )
        ) from error
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            yield (
                sheet.name,
                (
                    (number + 1, [_xls_value(book, cell) for cell in sheet.row(number)])
                    for number in range(sheet.nrows)
                ),
            )
            book.unload_sheet(index)
    finally:
        book.release_resources()


_KEY_NOISE = re.compile(r"[\s*:\u200b\ufeff]+")


def _key(text: object) -> str:
    """How headers and choice labels are compared: NFKC (full-width forms), no spaces, stars
    or colons, case-folded."""
    return _KEY_NOISE.sub("", unicodedata.normalize("NFKC", str(text))).casefold()


def _languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def _spellings(labels: Iterable[Label]) -> set[str]:
    """Every way a label may be written: each gettext string in every language."""
    keys: set[str] = set()
    for label in labels:
        if isinstance(label, Promise):
            for language in _languages():
                with translation.override(language):
                    keys.add(_key(label))
        else:
            keys.add(_key(label))
    keys.discard("")
    return keys


def _header_keys(ledger: LedgerImport) -> dict[str, str]:
    keys: dict[str, str] = {}
    for column in ledger.columns:
        for key in _spellings((column.header, *column.aliases, column.field)):
            keys.setdefault(key, column.field)
    return keys


def _choice_keys(column: Column) -> dict[str, Any]:
    keys: dict[str, Any] = {}
    for choice in column.choices:
        labels: tuple[Label, ...] = (choice.label, *choice.aliases)
        if isinstance(choice.value, str):
            labels += (choice.value,)
        for key in _spellings(labels):
            keys.setdefault(key, choice.value)
    return keys


def _match_header(cells: Sequence[Any], keys: Mapping[str, str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and (name := keys.get(_key(cell))) and name not in found:
            found[name] = index
    return found


def _is_totals_row(cells: Sequence[Any]) -> bool:
    first = next((cell for cell in cells if cell not in (None, "")), None)
    return isinstance(first, str) and _key(first) in TOTALS_LABELS


def read_upload(ledger: LedgerImport, data: bytes) -> Sheet:
    """The ledger's rows in an uploaded file; ``ImportFileError`` when it cannot be imported.

    The first sheet with a header row that names every required column is read; columns the
    ledger does not know are ignored, columns it knows but the file lacks read as blank.
    """
    if len(data) > max_bytes():
        raise ImportFileError(
            _("The file is larger than %(size)s.") % {"size": size_label(max_bytes())}
        )
    sheets = _xlsx_sheets(data) if detect_format(data) == "xlsx" else _xls_sheets(data)
    keys = _header_keys(ledger)
    required = [column for column in ledger.columns if column.required]
    best: dict[str, int] = {}
    try:
        for name, rows in sheets:
            for number, cells in rows:
                found = _match_header(cells, keys)
                if found and all(column.field in found for column in required):
                    return Sheet(name, number, found, _read_rows(ledger, found, rows))
                if len(found) > len(best):
                    best = found
                if number >= HEADER_SEARCH_ROWS:
                    break
    except ImportFileError:
        raise
    except Exception as error:  # a file that breaks while being read is just as unreadable
        raise _unreadable() from error
    finally:
        with contextlib.suppress(Exception):
            sheets.close()
    if len(best) >= 2:
        missing = [column.label for column in required if column.field not in best]
        raise ImportFileError(
            _("The header row lacks required columns: %(columns)s. Download the template.")
            % {"columns": "、".join(missing)}
        )
    raise ImportFileError(
        _(
            "No header row found: the file must have the template's column headers (%(columns)s) "
            "in one of its first rows. Download the template and copy your data into it."
        )
        % {"columns": "、".join(column.label for column in required or ledger.columns[:3])}
    )


def _read_rows(
    ledger: LedgerImport, header: Mapping[str, int], rows: Iterator[tuple[int, Sequence[Any]]]
) -> list[Row]:
    limit = max_rows()
    choices = {
        column.field: _choice_keys(column) for column in ledger.columns if column.kind == "choice"
    }
    read: list[Row] = []
    for number, cells in rows:
        raw = {name: cells[index] if index < len(cells) else None for name, index in header.items()}
        if all(_blank(value) for value in raw.values()) or _is_totals_row(cells):
            continue
        if len(read) >= limit:
            raise ImportFileError(
                _("The file has more than %(rows)s rows: split it into several files.")
                % {"rows": limit}
            )
        row = Row(number=number, values={}, raw=raw)
        for column in ledger.columns:
            value, error = read_cell(column, raw.get(column.field), choices.get(column.field))
            row.values[column.field] = value
            if error:
                row.errors[column.field] = [error]
            elif value is None and column.required:
                row.errors[column.field] = [_("This field is required.")]
        read.append(row)
    return read


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


def cell_text(value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return _INVISIBLE.sub("", str(value)).strip()


def _digits_of_number(value: int | float) -> str | None:
    """The digit string of a number Excel stored; None when digits were lost."""
    if isinstance(value, int):
        return str(value)
    if abs(value) >= 10**EXACT_DIGITS:
        return None
    return str(int(value)) if value.is_integer() else repr(value)


_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:00(?::00)?)?"
)


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value))
    if match := _DATE_TEXT.fullmatch(text):
        parts = match.groups()
    elif re.fullmatch(r"\d{8}", text):  # 20210701
        parts = (text[:4], text[4:6], text[6:])
    else:
        return None
    try:
        return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def read_cell(
    column: Column, value: Any, choices: Mapping[str, Any] | None = None
) -> tuple[Any, str | None]:
    """A cell's value for ``column``: (normalised value or None, error message or None)."""
    if _blank(value):
        return None, None
    if isinstance(value, CellError) or (isinstance(value, str) and value in EXCEL_ERRORS):
        return None, _("The cell holds an Excel error (%(code)s).") % {"code": value}
    kind = column.kind
    if kind in ("id", "phone"):
        if isinstance(value, bool):
            return None, _("Not a valid number.")
        if isinstance(value, int | float):
            digits = _digits_of_number(value)
            if digits is None:
                return None, str(LOST_DIGITS_MESSAGE)
            if kind == "phone" and not re.fullmatch(r"1[3-9][0-9]{9}", digits):
                return None, _(
                    "Excel turned this phone number into a numeric value and dropped its "
                    "leading 0: format the column as text and type the number again."
                )
            return digits, None
        text = cell_text(value).lstrip("'")
        if "*" in text or "＊" in text:
            return None, _(
                "This number is masked (*): type it in full, or export with full numbers."
            )
        return text, None
    if kind == "date":
        if (day := _date(value)) is None:
            return None, _("Write the date as yyyy-mm-dd, e.g. 2021-07-01.")
        return day, None
    if kind == "integer":
        if isinstance(value, int | float) and not isinstance(value, bool):
            if float(value).is_integer():
                return int(value), None
        elif re.fullmatch(r"[+-]?\d+", text := unicodedata.normalize("NFKC", cell_text(value))):
            return int(text), None
        return None, _("Enter a whole number.")
    if kind == "choice":
        keys = choices if choices is not None else _choice_keys(column)
        if isinstance(value, bool):
            matches = [choice.value for choice in column.choices if choice.value is value]
            if matches:
                return matches[0], None
        key = _key(cell_text(value))
        if key in keys:
            return keys[key], None
        return None, _("Not a valid choice. Choose one of: %(choices)s.") % {
            "choices": "、".join(column.choice_labels())
        }
    text = cell_text(value)
    if column.max_length is not None and len(text) > column.max_length:
        return None, _("At most %(count)s characters.") % {"count": column.max_length}
    return text, None


# --- Dry run and import ----------------------------------------------------------------------


@dataclass
class RowResult:
    row: Row
    plan: RowPlan
    errors: dict[str, list[str]]

    @property
    def action(self) -> str:
        return "error" if self.errors else self.plan.action


@dataclass
class Outcome:
    """The result of a dry run or an import. ``applied``: the rows were written."""

    ledger: LedgerImport
    sheet: Sheet
    results: list[RowResult]
    applied: bool = False
    failed_row: int | None = None  # a row that passed the checks but failed while writing

    @property
    def ok(self) -> bool:
        return not any(result.errors for result in self.results)

    @property
    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(("create", "update", "unchanged", "error"), 0)
        for result in self.results:
            counts[result.action] += 1
        return counts

    @property
    def changes(self) -> int:
        counts = self.counts
        return counts["create"] + counts["update"]

    @property
    def error_results(self) -> list[RowResult]:
        return [result for result in self.results if result.errors]

    def messages(self, limit: int | None = None) -> list[str]:
        """ "第5行：证件号码：身份证号校验位错误。", one per error, in row order."""
        lines: list[str] = []
        for result in self.error_results:
            for name, messages in result.errors.items():
                for message in messages:
                    lines.append(error_line(self.ledger, result.row.number, name, message))
                    if limit is not None and len(lines) >= limit:
                        return lines
        return lines

    @property
    def message_count(self) -> int:
        return sum(len(m) for result in self.error_results for m in result.errors.values())


def error_line(ledger: LedgerImport, row: int, name: str, message: str) -> str:
    column = ledger.column(name)
    if column is None:
        return _("Row %(row)s: %(message)s") % {"row": row, "message": message}
    return _("Row %(row)s: %(column)s: %(message)s") % {
        "row": row,
        "column": column.label,
        "message": message,
    }


def _error_fields(error: ApplicationError, names: Mapping[str, str]) -> dict[str, list[str]]:
    if not error.fields:
        return {"": [str(error.message)]}
    fields: dict[str, list[str]] = {}
    for name, messages in error.fields.items():
        fields.setdefault(names.get(name, name), []).extend(str(m) for m in messages)
    return fields


def dry_run(ledger: LedgerImport, sheet: Sheet, user: Any) -> Outcome:
    """Prepare every row (no writes): what would be created, updated or left, and the errors."""
    context = ImportContext(user)
    results: list[RowResult] = []
    known = {column.field for column in ledger.columns}
    for row in sheet.rows:
        try:
            plan = ledger.prepare(row, user, context)
        except ApplicationError as error:  # a service check raised instead of answering
            plan = RowPlan(errors=_error_fields(error, {}))
        plan.row = row.number
        errors = {name: list(messages) for name, messages in row.errors.items()}
        for name, messages in plan.errors.items():
            name = name if name in known else ""
            if name not in row.errors:  # a cell that could not be read explains itself
                errors.setdefault(name, []).extend(messages)
        results.append(RowResult(row, plan, errors))
    return Outcome(ledger, sheet, results)


class RowApplyError(Exception):
    """A row failed while being written; everything is rolled back."""

    def __init__(self, row: int, errors: dict[str, list[str]]) -> None:
        super().__init__(f"row {row}: {errors}")
        self.row = row
        self.errors = errors


@contextlib.contextmanager
def applying(plan: RowPlan, *, fields: Mapping[str, str] | None = None) -> Iterator[None]:
    """Around the service calls of one row in ``apply``: a refusal (``ApplicationError``,
    with its field messages mapped to columns by ``fields``) or a unique-constraint clash
    becomes a ``RowApplyError`` naming the row."""
    try:
        yield
    except ApplicationError as error:
        raise RowApplyError(plan.row, _error_fields(error, fields or {})) from error
    except IntegrityError as error:
        raise RowApplyError(
            plan.row,
            {"": [_("The records changed while importing: check the file and import it again.")]},
        ) from error


class _RollBack(Exception):
    def __init__(self, outcome: Outcome) -> None:
        super().__init__("roll back")
        self.outcome = outcome


def run_import(ledger: LedgerImport, sheet: Sheet, user: Any) -> Outcome:
    """Check every row again and, if all are valid, write them in one transaction.

    Idempotent: a second run of the same file finds every row unchanged and writes nothing.
    Two imports of the same ledger run one after the other (a per-ledger lock), so the second
    sees what the first wrote.
    """
    try:
        with transaction.atomic():
            acquire_transaction_lock(f"governance.ledger.import.{ledger.name}")
            outcome = dry_run(ledger, sheet, user)
            if not outcome.ok:
                return outcome  # nothing was written: prepare only reads
            plans = [r.plan for r in outcome.results if r.plan.action != "unchanged"]
            if plans:
                try:
                    ledger.apply(plans, user)
                except RowApplyError as error:
                    for result in outcome.results:
                        if result.row.number == error.row:
                            result.errors = error.errors
                    outcome.failed_row = error.row
                    raise _RollBack(outcome) from error
            outcome.applied = True
            return outcome
    except _RollBack as rollback:
        return rollback.outcome
