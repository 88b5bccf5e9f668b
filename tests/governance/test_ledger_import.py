"""The ledger import engine (governance.ledger.imports) with a toy ledger: reading .xlsx and
.xls safely, cell values, header detection, limits, all or nothing, staged uploads."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext, gettext_lazy, override

from governance.audit import audit_record
from governance.errors import ValidationFailed
from governance.ledger import import_workbooks, imports, staging
from governance.ledger.imports import (
    Choice,
    Column,
    ImportContext,
    ImportFileError,
    LedgerImport,
    Row,
    RowPlan,
)
from governance.ledger.registry import import_ledger, register_import
from governance.models import AuditEvent

COLOURS = (
    Choice("red", gettext_lazy("red"), aliases=("红",)),
    Choice("blue", gettext_lazy("blue")),
)
COLUMNS = (
    Column("code", gettext_lazy("Code"), kind="id", required=True),
    Column("name", gettext_lazy("Name"), required=True, max_length=10),
    Column("phone", gettext_lazy("Phone"), kind="phone"),
    Column("day", gettext_lazy("Day"), kind="date"),
    Column("count", gettext_lazy("Count"), kind="integer"),
    Column("colour", gettext_lazy("Colour"), kind="choice", choices=COLOURS),
)


def _known() -> set[str]:
    return set(AuditEvent.objects.filter(object_type="toy").values_list("object_id", flat=True))


def prepare_toy(row: Row, user: Any, context: ImportContext) -> RowPlan:
    plan = RowPlan(data=row.values)
    code = row.get("code")
    if code and (earlier := context.claim(code, row.number)):
        plan.add_error("code", imports.duplicate_message(earlier))
    if row.get("name") == "bad":
        plan.add_error("name", "bad name")
    plan.action = "unchanged" if code in _known() else "create"
    return plan


def apply_toys(plans: list[RowPlan], user: Any) -> None:
    for plan in plans:
        with imports.applying(plan, fields={"title": "name"}):
            audit_record(
                actor=None,
                action=AuditEvent.Action.CREATE,
                object_type="toy",
                object_id=plan.data["code"],
            )
            if plan.data["name"] == "fails":  # passes the checks, refused while writing
                raise ValidationFailed(fields={"title": ["taken meanwhile"]})


TOYS = LedgerImport(
    name="toys",
    title="玩具",
    columns=COLUMNS,
    permission=lambda user: True,
    prepare=prepare_toy,
    apply=apply_toys,
)


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Path) -> Path:
    settings.LEDGER_IMPORT_DIR = tmp_path / "imports"
    return Path(settings.LEDGER_IMPORT_DIR)


def xlsx(rows: list[list[Any]], *, title: str | None = "玩具台账") -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.append(["单位：光明社区", None, "2026-01-01"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["序号", "*Code", "Name", "Phone", "Day", "Count", "Colour", "Remarks"]


# --- Cells ----------------------------------------------------------------------------------------


def column(field: str) -> Column:
    return next(c for c in COLUMNS if c.field == field)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("code", "11010519491231002X", "11010519491231002X"),
        ("code", " '110105194912310021 ", "110105194912310021"),  # Excel's text apostrophe
        ("code", 110105194912310021, "110105194912310021"),  # an exact integer
        ("code", 139902700203341.0, "139902700203341"),  # 15 digits: exact as a float
        ("code", 139902001001, "139902001001"),
        ("phone", 13812345678, "13812345678"),
        ("phone", "0315-2812345", "0315-2812345"),
        ("day", dt.datetime(2021, 7, 1), dt.date(2021, 7, 1)),  # noqa: DTZ001 - as Excel has it
        ("day", "2021-07-01", dt.date(2021, 7, 1)),
        ("day", "2021/7/1", dt.date(2021, 7, 1)),
        ("day", "2021年7月1日", dt.date(2021, 7, 1)),
        ("day", "２０２１－０７－０１", dt.date(2021, 7, 1)),  # full-width from an IME
        ("day", 20210701, dt.date(2021, 7, 1)),
        ("day", "2021-07-01 00:00:00", dt.date(2021, 7, 1)),
        ("count", 3.0, 3),
        ("count", "12", 12),
        ("colour", "red", "red"),
        ("colour", "红", "red"),
        ("colour", " BLUE ", "blue"),
        ("name", 12.0, "12"),
        ("name", "  张三\u200b ", "张三"),
        ("name", None, None),
        ("name", "   ", None),
    ],
)
def test_cells_are_read_as_the_column_needs(field: str, value: Any, expected: Any) -> None:
    assert imports.read_cell(column(field), value) == (expected, None)


def test_a_number_excel_cut_to_15_digits_is_refused() -> None:
    assert imports.read_cell(column("code"), 1.10105194912310e17) == (
        None,
        str(imports.LOST_DIGITS_MESSAGE),
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("phone", 3152812345, "dropped its leading 0"),
        ("code", "110105********0021", "masked"),
        ("code", imports.CellError("#N/A"), "#N/A"),
        ("name", "#REF!", "#REF!"),
        ("day", "2021-02-30", "yyyy-mm-dd"),
        ("day", 44000.0, "yyyy-mm-dd"),
        ("count", "3.5", "whole number"),
        ("colour", "green", "red、blue"),
        ("name", "一二三四五六七八九十十一", "At most 10"),
    ],
)
def test_unreadable_cells_say_why(field: str, value: Any, message: str) -> None:
    with override("en"):
        parsed, error = imports.read_cell(column(field), value)
    assert parsed is None
    assert error is not None
    assert message in error


# --- Files ----------------------------------------------------------------------------------------


def test_the_header_is_found_below_title_rows_and_unknown_columns_are_ignored() -> None:
    data = xlsx(
        [
            HEADER,
            [1, "A-1", "甲", "13812345678", dt.date(2021, 7, 1), 2, "红", "x"],
            [None, None, None, None, None, None, None, "only a remark"],  # blank for the ledger
            [],
            [3, "A-3", "丙", None, "2021-07-03", None, "blue"],
            ["合计", None, None, None, None, 2],  # an export's totals row
        ]
    )
    sheet = imports.read_upload(TOYS, data)
    assert sheet.header_row == 3
    assert [row.number for row in sheet.rows] == [4, 7]
    assert sheet.rows[0].values == {
        "code": "A-1",
        "name": "甲",
        "phone": "13812345678",
        "day": dt.date(2021, 7, 1),
        "count": 2,
        "colour": "red",
    }
    assert sheet.rows[1].values["day"] == dt.date(2021, 7, 3)


def test_headers_in_any_language_of_the_site_are_recognised() -> None:
    with override("en"):
        labels = [c.label for c in COLUMNS]
    assert imports.read_upload(TOYS, xlsx([labels, ["A", "甲"]], title=None)).rows[0].values[
        "name"
    ] == ("甲")


def test_a_required_column_missing_is_named() -> None:
    with override("en"), pytest.raises(ImportFileError) as error:
        imports.read_upload(TOYS, xlsx([["Name", "Phone", "Day"], ["甲", None, None]]))
    assert "lacks required columns: Code" in str(error.value)


def test_a_sheet_without_the_header_row_is_refused() -> None:
    with override("en"), pytest.raises(ImportFileError) as error:
        imports.read_upload(TOYS, xlsx([["x", "y"], [1, 2]]))
    assert "No header row found" in str(error.value)


def test_a_required_cell_left_empty_is_an_error_of_that_row() -> None:
    sheet = imports.read_upload(TOYS, xlsx([HEADER, [1, "A-1", None]]))
    assert sheet.rows[0].errors == {"name": [gettext("This field is required.")]}


def test_too_many_rows_are_refused(settings: Any) -> None:
    settings.LEDGER_IMPORT_MAX_ROWS = 3
    rows = [[n, f"A-{n}", "甲"] for n in range(4)]
    imports.read_upload(TOYS, xlsx([HEADER, *rows[:3]]))
    with override("en"), pytest.raises(ImportFileError) as error:
        imports.read_upload(TOYS, xlsx([HEADER, *rows]))
    assert "more than 3 rows" in str(error.value)


def test_an_upload_over_the_size_limit_is_refused(settings: Any) -> None:
    settings.LEDGER_IMPORT_MAX_BYTES = 1000
    with override("en"), pytest.raises(ImportFileError) as error:
        imports.read_upload(TOYS, xlsx([HEADER]))
    assert "larger than 1000 KB" not in str(error.value)
    assert "larger than 1 KB" in str(error.value)


def test_a_zip_that_unpacks_to_far_more_than_the_limit_is_not_parsed(settings: Any) -> None:
    settings.LEDGER_IMPORT_MAX_BYTES = 100_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * 5_000_000 + b"</sst>")
    assert len(buffer.getvalue()) < 100_000
    with override("en"), pytest.raises(ImportFileError) as error:
        imports.read_upload(TOYS, buffer.getvalue())
    assert "too much data" in str(error.value)


@pytest.mark.parametrize(
    ("content", "kind"),
    [(b"PK\x03\x04rest", "xlsx"), (imports.OLE_MAGIC + b"rest", "xls")],
)
def test_the_format_comes_from_the_content(content: bytes, kind: str) -> None:
    assert imports.detect_format(content) == kind


def test_an_xls_file_is_read_with_its_dates_and_numbers() -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("玩具")
    for col, text in enumerate(["*Code", "Name", "Phone", "Day", "Count", "Colour"]):
        sheet.write(0, col, text)
    sheet.write(1, 0, 139902700203341)  # stored as a float by .xls
    sheet.write(1, 1, "甲")
    sheet.write(1, 2, 13812345678)
    sheet.write(1, 3, dt.date(2021, 7, 1), xlwt.easyxf(num_format_str="YYYY-MM-DD"))
    sheet.write(1, 4, 7)
    sheet.write(1, 5, "red")
    buffer = io.BytesIO()
    book.save(buffer)
    rows = imports.read_upload(TOYS, buffer.getvalue()).rows
    assert rows[0].values == {
        "code": "139902700203341",
        "name": "甲",
        "phone": "13812345678",
        "day": dt.date(2021, 7, 1),
        "count": 7,
        "colour": "red",
    }
    assert rows[0].number == 2


# --- Dry run and import: all or nothing -----------------------------------------------------------


def test_nothing_is_written_when_a_row_fails_while_writing(db: None) -> None:
    sheet = imports.read_upload(TOYS, xlsx([HEADER, [1, "A-1", "甲"], [2, "A-2", "fails"]]))
    outcome = imports.run_import(TOYS, sheet, None)
    assert not outcome.applied
    assert outcome.failed_row == 5
    assert outcome.results[1].errors == {"name": ["taken meanwhile"]}
    assert _known() == set()  # row 4's write was rolled back too


def test_an_invalid_row_blocks_the_whole_file_and_a_valid_file_is_written_once(db: None) -> None:
    bad = imports.read_upload(TOYS, xlsx([HEADER, [1, "A-1", "甲"], [2, "A-2", "bad"]]))
    outcome = imports.run_import(TOYS, bad, None)
    assert not outcome.applied
    assert outcome.counts == {"create": 1, "update": 0, "unchanged": 0, "error": 1}
    assert _known() == set()

    good = imports.read_upload(TOYS, xlsx([HEADER, [1, "A-1", "甲"], [2, "A-2", "乙"]]))
    assert imports.run_import(TOYS, good, None).applied
    assert _known() == {"A-1", "A-2"}
    again = imports.run_import(TOYS, good, None)
    assert again.applied
    assert again.counts == {"create": 0, "update": 0, "unchanged": 2, "error": 0}
    assert AuditEvent.objects.count() == 2


def test_a_duplicate_in_the_file_is_an_error_on_the_later_row(db: None) -> None:
    sheet = imports.read_upload(
        TOYS, xlsx([HEADER, [1, "A-1", "甲"], [2, "A-2", "乙"], [3, "A-1", "丙"]])
    )
    with override("en"):  # messages are worded in the language of the request
        outcome = imports.dry_run(TOYS, sheet, None)
        assert outcome.messages() == ["Row 6: Code: Same as row 4."]


# --- Workbooks ------------------------------------------------------------------------------------


def test_the_template_is_read_back_by_the_importer() -> None:
    data = import_workbooks.template_workbook(TOYS)
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet["A1"].value == gettext("%(ledger)s: import template") % {"ledger": "玩具"}
    assert sheet["A3"].number_format == "@"
    assert sheet["D3"].number_format == "yyyy-mm-dd"
    kinds = {v.type for v in sheet.data_validations.dataValidation}
    assert {"list", "date"} <= kinds
    sheet["A3"], sheet["B3"] = "A-1", "甲"
    buffer = io.BytesIO()
    book.save(buffer)
    assert [row.values["code"] for row in imports.read_upload(TOYS, buffer.getvalue()).rows] == [
        "A-1"
    ]


def test_a_long_choice_list_goes_to_a_hidden_sheet() -> None:
    many = tuple(Choice(f"v{n}", f"选项{n:03d}") for n in range(120))
    ledger = LedgerImport(
        name="long",
        title="长",
        columns=(Column("pick", "选项", kind="choice", choices=many, required=True),),
        permission=lambda user: True,
        prepare=prepare_toy,
        apply=apply_toys,
    )
    book = openpyxl.load_workbook(io.BytesIO(import_workbooks.template_workbook(ledger)))
    validation = book.worksheets[0].data_validations.dataValidation[0]
    assert validation.formula1 == "lists!$A$1:$A$120"
    assert book["lists"].sheet_state == "hidden"


def test_the_error_report_fills_the_bad_cells_red(db: None) -> None:
    sheet = imports.read_upload(
        TOYS, xlsx([HEADER, [1, "A-1", "甲"], [2, "A-2", "bad", None, "someday"]])
    )
    report = import_workbooks.error_report(imports.dry_run(TOYS, sheet, None))
    rows = openpyxl.load_workbook(io.BytesIO(report)).worksheets[0]
    header = [cell.value for cell in rows[2]]
    assert header[-2:] == [gettext("Error"), gettext("Row in the uploaded file")]
    name, day = header.index("*" + column("name").label), header.index(column("day").label)
    assert rows[4][name].fill.fgColor.rgb == "FFFFC7CE"
    assert rows[4][day].fill.fgColor.rgb == "FFFFC7CE"
    assert rows[4][day].value == "someday"
    assert rows[3][name].fill.fgColor.rgb == "00000000"
    assert "bad name" in rows[4][len(header) - 2].value
    assert rows[4][len(header) - 1].value == 5


# --- Staged uploads and the registry --------------------------------------------------------------


def test_a_staged_upload_is_its_owners_for_its_ledger_until_it_expires(import_dir: Path) -> None:
    staged = staging.stage_upload(data=b"data", ledger="toys", owner_id=7, file_name="a.xlsx")
    assert (import_dir / staged.token / "upload").stat().st_mode & 0o777 == 0o600
    found = staging.staged_upload(token=staged.token, ledger="toys", owner_id=7)
    assert found.read() == b"data"
    for token, ledger, owner in (
        (staged.token, "toys", 8),
        (staged.token, "other", 7),
        ("../../etc/passwd", "toys", 7),
        ("0" * 32, "toys", 7),
    ):
        with pytest.raises(staging.StagedUploadMissing):
            staging.staged_upload(token=token, ledger=ledger, owner_id=owner)
    later = staged.expires_at + 1
    with pytest.raises(staging.StagedUploadExpired):
        staging.staged_upload(token=staged.token, ledger="toys", owner_id=7, now=later)
    assert staging.sweep_staged_uploads(now=later) == 0
    assert staging.sweep_staged_uploads(now=later + 86_400) == 1
    assert not (import_dir / staged.token).exists()


def test_a_done_upload_keeps_its_result_and_drops_the_file(import_dir: Path) -> None:
    staged = staging.stage_upload(data=b"data", ledger="toys", owner_id=7, file_name="a.xlsx")
    staging.staged_upload_done(staged, {"create": 2})
    found = staging.staged_upload(
        token=staged.token, ledger="toys", owner_id=7, now=staged.expires_at + 10
    )
    assert found.result == {"create": 2}
    assert not (import_dir / staged.token / "upload").exists()


def test_two_ledgers_cannot_share_a_name() -> None:
    ledger = import_ledger("party-members")
    assert ledger is not None
    register_import(ledger)  # the same one again: fine
    with pytest.raises(ImproperlyConfigured):
        register_import(LedgerImport(**{**ledger.__dict__, "title": "another"}))
