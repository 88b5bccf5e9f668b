"""Importing the org tree and party members ledgers (orgchart.ledgers) through the pages:
template, upload, dry-run preview, confirm, error report; all or nothing, idempotent, scoped."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
import xlwt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.text import capfirst
from django.utils.translation import gettext, override

from governance import pii
from governance.ledger import imports
from governance.ledger.registry import import_ledger
from governance.models import AuditEvent
from orgchart import services
from orgchart.models import OrgUnit, PartyMember, Person, PersonRegistration
from tests.conftest import Personas, Tree, client_for
from tests.helpers import resident_id

MEMBERS = "party-members"
ORG_TREE = "org-tree"
ROOT = Path(__file__).resolve().parents[2]


ID_X = resident_id("11010519491231002")  # ends in X
ID_A = resident_id("13990219850512123")
ID_B = resident_id("13990219900101004")
ID_C = resident_id("13990219621120005")
ID_D = resident_id("13990219770707006")
LEGACY = "139902700203341"  # 15 digits: 1970-02-03
LEGACY_CONVERTED = resident_id("13990219700203341")


def bad_check_digit(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Path) -> Path:
    settings.LEDGER_IMPORT_DIR = tmp_path / "imports"
    return Path(settings.LEDGER_IMPORT_DIR)


# --- Helpers: the template filled like a user would -----------------------------------------------


def template(client: Client, ledger: str) -> openpyxl.Workbook:
    response = client.get(f"/ledgers/{ledger}/template/")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.content))


def choice_label(ledger: str, field: str, value: Any) -> str:
    """The drop-down label of a value, in the active language (as the template offers it)."""
    column = import_ledger(ledger).column(field)  # type: ignore[union-attr]
    assert column is not None
    return next(str(choice.label) for choice in column.choices if choice.value == value)


def fill(workbook: openpyxl.Workbook, ledger: str, rows: list[dict[str, Any]]) -> bytes:
    """Write ``rows`` (field -> value) from row 3 on, in the template's columns."""
    fields = [column.field for column in import_ledger(ledger).columns]  # type: ignore[union-attr]
    sheet = workbook.worksheets[0]
    for offset, values in enumerate(rows):
        for field, value in values.items():
            sheet.cell(row=3 + offset, column=fields.index(field) + 1, value=value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload(client: Client, ledger: str, data: bytes, name: str = "台账.xlsx") -> Any:
    return client.post(f"/ledgers/{ledger}/import/", {"file": SimpleUploadedFile(name, data)})


def staged_url(response: Any) -> str:
    assert response.status_code == 302, response.content.decode()[:2000]
    assert re.fullmatch(r"/ledgers/[a-z-]+/import/[0-9a-f]{32}/", response.url)
    return str(response.url)


def preview(client: Client, ledger: str, data: bytes) -> tuple[str, Any]:
    url = staged_url(upload(client, ledger, data))
    page = client.get(url)
    assert page.status_code == 200
    return url, page


def member_row(name: str, number: Any, organisation: str = "139902001001", **extra: Any) -> dict:
    status = choice_label(MEMBERS, "status", PartyMember.Status.IN_SERVICE)
    return {
        "name": name,
        "document_number": number,
        "organisation": organisation,
        "status": status,
        **extra,
    }


def stored_number(person: Person) -> str:
    return pii.decrypt(person.document_number_encrypted)


# --- The template ---------------------------------------------------------------------------------


def test_template_has_dropdowns_text_id_columns_and_instructions(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    response = client.get(f"/ledgers/{MEMBERS}/template/")
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    stem = gettext("%(ledger)s import template") % {"ledger": gettext("Party members")}
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="party-members-import-template.xlsx"')
    assert f"filename*=UTF-8''{quote(stem.replace(' ', '_'))}.xlsx" in disposition

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    ledger = import_ledger(MEMBERS)
    assert ledger is not None
    letters = {
        column.field: openpyxl.utils.get_column_letter(i + 1)
        for i, column in enumerate(ledger.columns)
    }
    header = [cell.value for cell in sheet[2]]
    assert header[0] == "*" + ledger.columns[0].label  # required columns are marked
    assert sheet.freeze_panes == "A3"
    # ID and phone columns are text for the first 1000 rows (and by the column format beyond).
    for field in ("document_number", "mobile"):
        assert sheet[f"{letters[field]}3"].number_format == "@"
        assert sheet[f"{letters[field]}1002"].number_format == "@"
    assert sheet[f"{letters['joined_on']}3"].number_format == "yyyy-mm-dd"
    # A drop-down list on every choice column, with the labels.
    lists = {
        str(validation.sqref).split(":")[0]: validation.formula1
        for validation in sheet.data_validations.dataValidation
        if validation.type == "list"
    }
    for column in ledger.columns:
        if column.kind == "choice":
            formula = lists[f"{letters[column.field]}3"]
            assert all(label in formula for label in column.choice_labels())
    status_labels = ledger.column("status").choice_labels()  # type: ignore[union-attr]
    assert status_labels == [str(label) for _value, label in PartyMember.Status.choices]
    # The rules per column on the second sheet.
    instructions = workbook.worksheets[1]
    assert instructions.title == gettext("How to fill in")
    listed = {row[0] for row in instructions.iter_rows(values_only=True)}
    assert {column.label for column in ledger.columns} <= listed


def test_org_tree_template_lists_the_kinds(tree: Tree, people: Personas) -> None:
    sheet = template(client_for(people.street_admin), ORG_TREE).worksheets[0]
    kinds = next(v for v in sheet.data_validations.dataValidation if str(v.sqref).startswith("B3"))
    assert kinds.type == "list"
    for label in (gettext("community"), gettext("compound"), gettext("building")):
        assert label in kinds.formula1


# --- Party members --------------------------------------------------------------------------------


def test_party_members_import_then_the_same_file_again_changes_nothing(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    retired = choice_label(MEMBERS, "status", PartyMember.Status.RETIRED)
    probationary = choice_label(MEMBERS, "membership", PartyMember.Membership.PROBATIONARY)
    data = fill(
        template(client, MEMBERS),
        MEMBERS,
        [
            member_row(
                "张三丰",
                ID_X,
                mobile="138 1234 5678",
                joined_on="1975-07-01",
                employer="光明街道办",
            ),
            member_row("李四", ID_A, "光明社区/光明小区", status=retired, membership=probationary),
            member_row(
                "王五",
                LEGACY,
                "下沉党员支部",
                home_community="139902001001",
                dual_registered_on="2023-03-05",
            ),
        ],
    )
    url, page = preview(client, MEMBERS, data)
    assert page.context["counts"] == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    assert page.context["can_confirm"]
    assert ID_X not in page.content.decode()  # numbers masked in the preview
    assert PartyMember.objects.count() == 0  # the preview writes nothing

    done = client.post(url + "confirm/")
    assert done.status_code == 302
    assert done["Location"] == url
    result = client.get(url)
    assert result.context["result"] == {"create": 3, "update": 0, "unchanged": 0, "error": 0}

    members = {m.person.name: m for m in PartyMember.objects.select_related("person")}
    assert set(members) == {"张三丰", "李四", "王五"}
    zhang, li, wang = members["张三丰"], members["李四"], members["王五"]
    assert stored_number(zhang.person) == ID_X
    assert pii.decrypt(zhang.person.mobile_encrypted) == "13812345678"
    assert zhang.organisation == tree.guangming
    assert zhang.status == "in_service"
    assert str(zhang.joined_on) == "1975-07-01"
    assert zhang.employer == "光明街道办"
    assert li.organisation == tree.guangming_compound
    assert (li.status, li.membership) == ("retired", "probationary")
    assert stored_number(wang.person) == LEGACY_CONVERTED  # the legacy ID converted
    assert wang.organisation == tree.branch
    assert wang.home_community == tree.guangming
    assert str(wang.dual_registered_on) == "2023-03-05"

    audit_rows = AuditEvent.objects.count()
    url, again = preview(client, MEMBERS, data)
    assert again.context["counts"] == {"create": 0, "update": 0, "unchanged": 3, "error": 0}
    assert not again.context["can_confirm"]
    assert 'data-testid="nothing-to-import"' in again.content.decode()
    client.post(url + "confirm/")
    assert AuditEvent.objects.count() == audit_rows  # nothing written, not even a log row
    assert PartyMember.objects.count() == 3
    assert Person.objects.count() == 3


def test_a_bad_check_digit_in_row_5_writes_nothing_and_names_that_row(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    rows = [
        member_row("甲", ID_A),
        member_row("乙", ID_B),
        member_row("丙", bad_check_digit(ID_C)),  # Excel row 5
        member_row("丁", ID_D),
        member_row("戊", ID_X),
    ]
    data = fill(template(client, MEMBERS), MEMBERS, rows)
    url, page = preview(client, MEMBERS, data)
    assert page.context["counts"] == {"create": 4, "update": 0, "unchanged": 0, "error": 1}
    expected = gettext("Row %(row)s: %(column)s: %(message)s") % {
        "row": 5,
        "column": gettext("Document number"),
        "message": gettext("The check digit of the ID number is wrong."),
    }
    assert page.context["error_lines"] == [expected]
    assert expected in page.content.decode()
    assert not page.context["can_confirm"]
    with override("en"):
        ledger = import_ledger(MEMBERS)
        assert ledger is not None
        outcome = imports.dry_run(ledger, imports.read_upload(ledger, data), people.worker)
        assert outcome.messages() == [
            "Row 5: Document number: The check digit of the ID number is wrong."
        ]

    confirm = client.post(url + "confirm/")  # even forced, nothing is written
    assert confirm.status_code == 409
    assert PartyMember.objects.count() == 0
    assert Person.objects.count() == 0


def _replace_number(data: bytes, cell: str, number: str) -> bytes:
    """Write ``number`` into ``cell`` as a plain numeric value (``<v>…</v>`` without exponent),
    as some generators do; openpyxl itself writes big numbers as floats."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                content, count = re.subn(
                    rf'(<c r="{cell}"[^>]*><v>)[^<]*(</v>)'.encode(),
                    rb"\g<1>" + number.encode() + rb"\g<2>",
                    content,
                )
                assert count == 1
            out.writestr(entry, content)
    return target.getvalue()


def test_id_numbers_survive_as_text_and_numbers_only_when_exact(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    rows = [
        member_row("甲", ID_X),  # text with a trailing X
        member_row("乙", 1),  # row 4: replaced by the exact 18-digit number below
        member_row("丙", int(LEGACY)),  # a legacy number Excel keeps exactly (15 digits)
        member_row("丁", float(ID_C)),  # row 6: Excel kept 15 significant digits
    ]
    data = _replace_number(fill(template(client, MEMBERS), MEMBERS, rows), "C4", ID_A)
    url, page = preview(client, MEMBERS, data)
    assert page.context["counts"]["error"] == 1
    assert page.context["error_lines"] == [
        gettext("Row %(row)s: %(column)s: %(message)s")
        % {
            "row": 6,
            "column": gettext("Document number"),
            "message": str(imports.LOST_DIGITS_MESSAGE),
        }
    ]

    rows.pop()
    data = _replace_number(fill(template(client, MEMBERS), MEMBERS, rows), "C4", ID_A)
    url, page = preview(client, MEMBERS, data)
    assert page.context["counts"] == {"create": 3, "update": 0, "unchanged": 0, "error": 0}
    client.post(url + "confirm/")
    numbers = {p.name: stored_number(p) for p in Person.objects.all()}
    assert numbers == {"甲": ID_X, "乙": ID_A, "丙": LEGACY_CONVERTED}


def test_a_legacy_xls_file_imports(tree: Tree, people: Personas) -> None:
    ledger = import_ledger(MEMBERS)
    assert ledger is not None
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("党员")
    sheet.write(0, 0, "党员信息")  # a title row above the header
    for col, column in enumerate(ledger.columns):
        sheet.write(1, col, ("*" if column.required else "") + column.label)
    fields = [column.field for column in ledger.columns]
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for offset, values in enumerate(
        [member_row("甲", ID_X, mobile="13812345678"), member_row("乙", int(LEGACY))]
    ):
        for field, value in values.items():
            sheet.write(2 + offset, fields.index(field), value)
        sheet.write(2 + offset, fields.index("joined_on"), dt.date(1990, 7, 1), date_style)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert data.startswith(imports.OLE_MAGIC)

    client = client_for(people.worker)
    url, page = preview(client, MEMBERS, data)
    assert page.context["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    client.post(url + "confirm/")
    members = {m.person.name: m for m in PartyMember.objects.select_related("person")}
    assert stored_number(members["甲"].person) == ID_X
    assert stored_number(members["乙"].person) == LEGACY_CONVERTED
    assert str(members["甲"].joined_on) == "1990-07-01"


def test_the_same_id_twice_is_an_error_on_the_later_row(tree: Tree, people: Personas) -> None:
    client = client_for(people.worker)
    rows = [member_row("甲", LEGACY), member_row("乙", ID_A), member_row("丙", LEGACY_CONVERTED)]
    _url, page = preview(client, MEMBERS, fill(template(client, MEMBERS), MEMBERS, rows))
    assert page.context["error_lines"] == [
        gettext("Row %(row)s: %(column)s: %(message)s")
        % {
            "row": 5,
            "column": gettext("Document number"),
            "message": gettext("Same as row %(row)s.") % {"row": 3},
        }
    ]


def test_a_unit_outside_the_area_is_a_row_error_that_tells_nothing(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)  # 光明社区
    rows = [
        member_row("甲", ID_A),
        member_row("乙", ID_B, "139902002001"),  # 新华社区: exists, elsewhere
        member_row("丙", ID_C, "139999999999"),  # no such unit
        member_row("丁", ID_D, "西城街道/新华社区"),
    ]
    url, page = preview(client, MEMBERS, fill(template(client, MEMBERS), MEMBERS, rows))
    not_here = gettext("Not in your area.")
    column = gettext("Party organisation")
    assert page.context["error_lines"] == [
        gettext("Row %(row)s: %(column)s: %(message)s")
        % {"row": row, "column": column, "message": not_here}
        for row in (4, 5, 6)
    ]
    assert client.post(url + "confirm/").status_code == 409
    assert PartyMember.objects.count() == 0
    assert Person.objects.count() == 0


def test_a_person_known_elsewhere_is_linked_not_registered_twice(
    tree: Tree, people: Personas
) -> None:
    known = services.person_register(
        actor=None, unit=tree.xinhua, name="李四", document_number=ID_A
    ).person
    client = client_for(people.worker)
    url, page = preview(
        client, MEMBERS, fill(template(client, MEMBERS), MEMBERS, [member_row("李四", ID_A)])
    )
    assert page.context["counts"]["create"] == 1
    client.post(url + "confirm/")
    assert Person.objects.count() == 1
    assert PartyMember.objects.get().person == known
    assert set(PersonRegistration.objects.values_list("unit", flat=True)) == {
        tree.xinhua.pk,
        tree.guangming.pk,
    }


def test_an_import_never_rewrites_a_person_known_only_outside_the_area(
    tree: Tree, people: Personas
) -> None:
    known = services.person_register(
        actor=None, unit=tree.guangming, name="张三", document_number=ID_A, mobile="13812345678"
    ).person
    client = client_for(people.other_worker)  # 新华社区: cannot see 张三
    row = member_row("李四", ID_A, organisation="139902002001", mobile="13900000000")
    url, _page = preview(client, MEMBERS, fill(template(client, MEMBERS), MEMBERS, [row]))
    client.post(url + "confirm/")
    known.refresh_from_db()
    assert (known.name, known.masked_mobile) == ("张三", "138****5678")
    assert PartyMember.objects.get().person == known  # linked as it is


def test_an_existing_member_is_updated(tree: Tree, people: Personas) -> None:
    person = services.person_register(
        actor=None, unit=tree.guangming, name="王五", document_number=ID_B
    ).person
    member = services.party_member_create(
        actor=None, person=person, organisation=tree.guangming, status="in_service"
    )
    client = client_for(people.worker)
    retired = choice_label(MEMBERS, "status", PartyMember.Status.RETIRED)
    url, page = preview(
        client,
        MEMBERS,
        fill(
            template(client, MEMBERS),
            MEMBERS,
            [member_row("王五", ID_B, status=retired, mobile="13900001111")],
        ),
    )
    assert page.context["counts"] == {"create": 0, "update": 1, "unchanged": 0, "error": 0}
    note = page.context["rows"][0]["note"]
    assert gettext("Mobile") in note
    assert gettext("Status") in note
    client.post(url + "confirm/")
    member.refresh_from_db()
    person.refresh_from_db()
    assert member.status == "retired"
    assert pii.decrypt(person.mobile_encrypted) == "13900001111"


# --- Uploads that cannot be imported --------------------------------------------------------------


def test_a_too_large_upload_is_refused_before_it_is_kept(
    settings: Any, tree: Tree, people: Personas, import_dir: Path
) -> None:
    settings.LEDGER_IMPORT_MAX_BYTES = 4096
    response = upload(client_for(people.worker), MEMBERS, b"PK\x03\x04" + b"x" * 20_000)
    assert response.status_code == 413
    assert gettext("The file is larger than %(size)s.") % {"size": "4 KB"} in (
        response.content.decode()
    )
    assert not import_dir.exists() or not any(import_dir.iterdir())


NOT_EXCEL = "Only Excel files (.xlsx or .xls) can be imported. Download the template and use it."
UNREADABLE = (
    "The file cannot be read as an Excel workbook. Open it in Excel or WPS, save it as .xlsx "
    "and upload it again."
)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", NOT_EXCEL),
        (bytes(range(256)) * 8, NOT_EXCEL),
        (b"", "The submitted file is empty."),  # Django's own message
        (
            b"<html><table><tr><td>1</td></tr></table></html>",
            "This file is a web page saved with an Excel name, not a real Excel workbook. "
            "Open it in Excel or WPS, save it as .xlsx and upload it again.",
        ),
        (b"PK\x03\x04 broken zip", UNREADABLE),
        (
            imports.OLE_MAGIC + b"\0" * 600,
            "The .xls file cannot be read. If it is protected by a password, remove the "
            "password; or open it in Excel or WPS and save it as .xlsx.",
        ),
    ],
)
def test_a_file_that_is_not_excel_gets_a_clear_error(
    tree: Tree, people: Personas, content: bytes, message: str
) -> None:
    response = upload(client_for(people.worker), MEMBERS, content, name="党员.xlsx")
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [gettext(message)]
    assert 'data-testid="upload-error"' in response.content.decode()


def test_a_truncated_workbook_and_a_word_file_get_clear_errors(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    real = fill(template(client, MEMBERS), MEMBERS, [member_row("甲", ID_A)])
    for content in (real[: len(real) // 2], _zip({"word/document.xml": b"<w:document/>"})):
        response = upload(client, MEMBERS, content)
        assert response.status_code == 400
        assert response.context["form"].errors["file"]


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_file_without_the_header_row_says_which_columns_it_needs(
    tree: Tree, people: Personas
) -> None:
    book = openpyxl.Workbook()
    book.active.append(["a", "b"])
    book.active.append([1, 2])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client_for(people.worker), MEMBERS, buffer.getvalue())
    assert response.status_code == 400
    assert gettext("Document number") in response.context["form"].errors["file"][0]


# --- Tokens, roles, the error report --------------------------------------------------------------


def test_only_the_uploader_can_see_confirm_or_download_their_upload(
    tree: Tree, people: Personas
) -> None:
    owner = client_for(people.worker)
    rows = [member_row("甲", bad_check_digit(ID_A)), member_row("乙", ID_B)]
    url = staged_url(upload(owner, MEMBERS, fill(template(owner, MEMBERS), MEMBERS, rows)))
    for user in (people.other_worker, people.street_admin, people.superuser):
        other = client_for(user)
        assert other.get(url).status_code == 404
        assert other.get(url + "errors.xlsx").status_code == 404
        assert other.post(url + "confirm/").status_code == 404
    assert owner.get(url).status_code == 200
    assert owner.get(url + "errors.xlsx").status_code == 200
    assert owner.get(f"/ledgers/{MEMBERS}/import/{'0' * 32}/").status_code == 404
    assert owner.get(f"/ledgers/{MEMBERS}/import/not-a-token/").status_code == 404


def test_who_may_import_what(tree: Tree, people: Personas) -> None:
    expected = {
        people.superuser: (200, 200),
        people.street_admin: (200, 200),
        people.worker: (200, 403),
        people.other_worker: (200, 403),
        people.grid: (403, 403),
        people.official: (403, 403),
        people.volunteer: (403, 403),
        people.handler: (403, 403),
    }
    for user, (members, org_tree) in expected.items():
        client = client_for(user)
        assert client.get(f"/ledgers/{MEMBERS}/import/").status_code == members, user
        assert client.get(f"/ledgers/{MEMBERS}/template/").status_code == members, user
        assert client.get(f"/ledgers/{ORG_TREE}/import/").status_code == org_tree, user
    assert client_for(people.worker).get("/ledgers/no-such-ledger/import/").status_code == 404
    anonymous = Client().get(f"/ledgers/{MEMBERS}/import/")
    assert anonymous.status_code == 302
    assert "/accounts/login/" in anonymous["Location"]


def test_the_error_report_marks_the_bad_cells_red_and_says_why(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    rows = [member_row("甲", ID_A), member_row("乙", bad_check_digit(ID_B), mobile="12345")]
    url, _page = preview(client, MEMBERS, fill(template(client, MEMBERS), MEMBERS, rows))
    response = client.get(url + "errors.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == imports.XLSX_CONTENT_TYPE
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"

    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    header = [cell.value for cell in sheet[2]]
    number_col = header.index("*" + gettext("Document number")) + 1
    mobile_col = header.index(gettext("Mobile")) + 1
    error_col = header.index(gettext("Error")) + 1
    good, bad = sheet[3], sheet[4]
    assert bad[number_col - 1].value == bad_check_digit(ID_B)  # as uploaded, as text
    assert bad[number_col - 1].fill.fgColor.rgb.endswith("FFC7CE")
    assert bad[mobile_col - 1].fill.fgColor.rgb.endswith("FFC7CE")
    assert bad[0].fill.fgColor.rgb in (None, "00000000")  # the name is fine
    assert good[number_col - 1].fill.fgColor.rgb in (None, "00000000")
    assert gettext("The check digit of the ID number is wrong.") in bad[error_col - 1].value
    assert good[error_col - 1].value is None

    # Corrected in place, the report is uploaded again as it is.
    sheet.cell(row=4, column=number_col, value=ID_B)
    sheet.cell(row=4, column=mobile_col, value="13812345678")
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    _url, again = preview(client, MEMBERS, buffer.getvalue())
    assert again.context["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}


# --- The org tree ---------------------------------------------------------------------------------


def unit_row(name: str, kind: str, parent: str = "", **extra: Any) -> dict[str, Any]:
    row = {"name": name, "kind": choice_label(ORG_TREE, "kind", kind), **extra}
    if parent:
        row["parent"] = parent
    return row


def test_org_tree_creates_a_compound_and_its_buildings_in_file_order(
    tree: Tree, people: Personas
) -> None:
    client = client_for(people.street_admin)  # admin of 东城街道
    rows = [
        unit_row("幸福小区", "compound", "139902001001", party_org_name="幸福小区党支部"),
        unit_row("1号楼", "building", "139902001001/幸福小区"),
        unit_row("2号楼", "building", "光明社区/幸福小区"),
        unit_row("阳光社区", "community", "139902001000", division_code="139902001003"),
        unit_row("青年党员支部", "branch", "阳光社区", branch_type="sinking"),
    ]
    data = fill(template(client, ORG_TREE), ORG_TREE, rows)
    url, page = preview(client, ORG_TREE, data)
    assert page.context["counts"] == {"create": 5, "update": 0, "unchanged": 0, "error": 0}
    assert client.post(url + "confirm/").status_code == 302

    compound = OrgUnit.objects.get(name="幸福小区")
    assert compound.parent_id == tree.guangming.pk
    assert compound.kind == "compound"
    assert compound.party_org_name == "幸福小区党支部"
    assert [u.name for u in compound.get_children()] == ["1号楼", "2号楼"]
    sunshine = OrgUnit.objects.get(division_code="139902001003")
    assert sunshine.parent_id == tree.east.pk
    assert sunshine.kind == "community"
    assert OrgUnit.objects.get(name="青年党员支部").parent_id == sunshine.pk
    assert services.orgtree_check() == []
    created = AuditEvent.objects.filter(object_type="orgchart.OrgUnit", actor=people.street_admin)
    assert created.count() == 5

    _url, again = preview(client, ORG_TREE, data)
    assert again.context["counts"] == {"create": 0, "update": 0, "unchanged": 5, "error": 0}


def test_org_tree_enforces_the_parent_kind_rules_per_row(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    before = OrgUnit.objects.count()
    rows = [
        unit_row("幸福小区", "compound", "139902001001"),
        unit_row("3号楼", "building", "139902001001"),  # row 4: a building under a community
        unit_row("新华小区", "compound", "139902002001"),  # row 5: 新华社区 is in 西城街道
    ]
    url, page = preview(client, ORG_TREE, fill(template(client, ORG_TREE), ORG_TREE, rows))
    errors = {r["number"]: r["note"] for r in page.context["rows"] if r["action"] == "error"}
    assert set(errors) == {4, 5}
    assert capfirst(gettext("parent unit")) in page.context["error_lines"][0]
    assert str(OrgUnit.Kind.COMPOUND.label) in errors[4]  # the allowed parent is named
    assert gettext("Not in your area.") in errors[5]
    assert client.post(url + "confirm/").status_code == 409
    assert OrgUnit.objects.count() == before


def test_org_tree_updates_a_unit_found_by_its_division_code(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    rows = [
        unit_row(
            "光明新社区", "community", "139902001000", division_code="139902001001", rating="B"
        ),
    ]
    url, page = preview(client, ORG_TREE, fill(template(client, ORG_TREE), ORG_TREE, rows))
    assert page.context["counts"] == {"create": 0, "update": 1, "unchanged": 0, "error": 0}
    client.post(url + "confirm/")
    tree.refresh()
    assert (tree.guangming.name, tree.guangming.rating) == ("光明新社区", "B")


def test_org_tree_import_is_for_admins_in_their_area_only(tree: Tree, people: Personas) -> None:
    client = client_for(people.street_admin)
    rows = [unit_row("新街道", "street", "139902000000")]  # under 云阳区, above the admin
    _url, page = preview(client, ORG_TREE, fill(template(client, ORG_TREE), ORG_TREE, rows))
    assert page.context["error_lines"] == [
        gettext("Row %(row)s: %(column)s: %(message)s")
        % {
            "row": 3,
            "column": capfirst(gettext("parent unit")),
            "message": gettext("Not in your area."),
        }
    ]


def test_the_org_tree_page_offers_the_import_buttons_to_admins(
    tree: Tree, people: Personas
) -> None:
    assert (
        'data-testid="import-buttons-org-tree"'
        in client_for(people.street_admin).get("/org/").content.decode()
    )
    assert (
        'data-testid="import-buttons-org-tree"'
        not in client_for(people.worker).get("/org/").content.decode()
    )


# --- Round trip with the export engine ------------------------------------------------------------


def test_party_members_export_then_import_gives_the_same_rows(tree: Tree, people: Personas) -> None:
    """The export (with full numbers) is a valid import: unchanged as it is, and it restores
    what was changed since."""
    for name, number, organisation, extra in (
        (
            "张三丰",
            ID_X,
            tree.guangming,
            {"employer": "光明街道办", "home_community": tree.guangming},
        ),
        ("李四", ID_A, tree.guangming_compound, {"status": "retired"}),
        ("王五", ID_B, tree.branch, {"membership": "probationary"}),
    ):
        person = services.person_register(
            actor=None,
            unit=organisation,
            name=name,
            document_number=number,
            mobile="13812345678",
        ).person
        values: dict[str, Any] = {"status": "in_service", **extra}
        services.party_member_create(
            actor=None,
            person=person,
            organisation=organisation,
            joined_on=dt.date(1990, 7, 1),
            **values,
        )
    client = client_for(people.worker)
    export = client.get("/api/party-members/", {"format": "xlsx", "reveal": "1"})
    assert export.status_code == 200
    data = b"".join(export.streaming_content)  # type: ignore[attr-defined]

    _url, page = preview(client, MEMBERS, data)
    assert page.context["counts"] == {"create": 0, "update": 0, "unchanged": 3, "error": 0}

    member = PartyMember.objects.get(person__name="李四")
    services.party_member_update(actor=None, member=member, status="floating", employer="别处")
    _url, page = preview(client, MEMBERS, data)
    assert page.context["counts"] == {"create": 0, "update": 1, "unchanged": 2, "error": 0}
    client.post(_url + "confirm/")
    member.refresh_from_db()
    assert member.status == "retired"  # as exported again


def test_a_superuser_creates_a_root_once_and_an_admin_none(tree: Tree, people: Personas) -> None:
    rows = [unit_row("青州市", "city"), unit_row("青州区", "district", "青州市")]
    client = client_for(people.superuser)
    data = fill(template(client, ORG_TREE), ORG_TREE, rows)
    url, page = preview(client, ORG_TREE, data)
    assert page.context["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 0}
    client.post(url + "confirm/")
    root = OrgUnit.objects.get(name="青州市")
    assert root.parent_id is None
    assert [u.name for u in root.get_children()] == ["青州区"]
    _url, again = preview(client, ORG_TREE, data)
    assert again.context["counts"] == {"create": 0, "update": 0, "unchanged": 2, "error": 0}

    admin = client_for(people.street_admin)
    _url, page = preview(admin, ORG_TREE, fill(template(admin, ORG_TREE), ORG_TREE, rows[:1]))
    assert page.context["counts"]["error"] == 1


def test_upload_and_confirm_need_the_csrf_token(tree: Tree, people: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.worker)
    data = fill(template(client, MEMBERS), MEMBERS, [member_row("甲", ID_A)])
    assert upload(client, MEMBERS, data).status_code == 403
    url = staged_url(upload(client_for(people.worker), MEMBERS, data))  # the same account
    assert client.post(url + "confirm/").status_code == 403
    assert PartyMember.objects.count() == 0


def test_an_expired_upload_asks_its_owner_to_upload_again(
    tree: Tree, people: Personas, import_dir: Path
) -> None:
    client = client_for(people.worker)
    url = staged_url(
        upload(client, MEMBERS, fill(template(client, MEMBERS), MEMBERS, [member_row("甲", ID_A)]))
    )
    meta = import_dir / url.rstrip("/").rsplit("/", 1)[-1] / "meta.json"
    meta.write_text(json.dumps(json.loads(meta.read_text()) | {"expires_at": 0}))
    for response in (client.get(url), client.post(url + "confirm/")):
        assert response.status_code == 302
        assert response["Location"] == f"/ledgers/{MEMBERS}/import/"
    page = client.get(f"/ledgers/{MEMBERS}/import/")
    assert gettext("This upload has expired. Upload the file again.") in page.content.decode()
    assert PartyMember.objects.count() == 0
