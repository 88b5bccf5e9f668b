"""Ledger exports of orgchart's lists through the API and the pages: the 台账 file of exactly
what the list shows (scope and filters), masked unless revealed by a role that may, one audit
row per export of personal data, 404 for unknown formats, the row cap, constant query counts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import pgettext

from governance.ledger.export import UTF8_BOM
from governance.models import AuditEvent
from orgchart import services
from orgchart.models import Person, PersonRegistration
from tests.conftest import Personas, Tree, client_for
from tests.helpers import in_english
from tests.orgchart.test_people_api import logged_in, make_rows
from tests.orgchart.test_people_services import (
    ID_NUMBER,
    LANDLINE,
    MOBILE,
    audit_rows,
    last_audit_id,
    register,
    resident_id,
)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LI_ID = resident_id(area="110101", birth="19850615", sequence="456")
LI_MOBILE = "13900001111"
# Never in a masked export: the numbers in full, and the birth date (it rebuilds the ID).
SECRETS = (ID_NUMBER, MOBILE, LANDLINE, "2812345", "19491231", "1949-12-31")


@dataclass
class Ledgered:
    wang: Person  # 光明社区: ID with a trailing X, mobile, landline; retired party member;
    # building head of 1号楼
    li: Person  # 新华社区 only (another street), party member there


@pytest.fixture
def ledgered(tree: Tree, people: Personas) -> Ledgered:
    wang = register(tree, people)
    services.party_member_create(
        actor=None,
        person=wang,
        organisation=tree.guangming,
        status="retired",
        joined_on=dt.date(1975, 7, 1),
    )
    services.post_assign(
        actor=None,
        unit=tree.building_1,
        kind="building_head",
        holder=wang,
        started_on=dt.date(2024, 1, 1),
    )
    li = services.person_register(
        actor=None, unit=tree.xinhua, name="李四", document_number=LI_ID, mobile=LI_MOBILE
    ).person
    services.party_member_create(
        actor=None, person=li, organisation=tree.xinhua, status="in_service"
    )
    return Ledgered(wang, li)


def download(response: Any) -> bytes:
    assert response.status_code == 200, response.content.decode()
    return b"".join(response.streaming_content)


def sheet_of(data: bytes, *, data_only: bool = False) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only).active


def table(sheet: Any) -> list[tuple[Any, ...]]:
    """The data rows, below title, unit/date line and header."""
    return list(sheet.iter_rows(min_row=4, values_only=True))


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(UTF8_BOM)
    return list(csv.reader(io.StringIO(data[len(UTF8_BOM) :].decode("utf-8"))))


def every_text(data: bytes) -> str:
    """Everything inside an xlsx (all its XML parts), or the csv text."""
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return data.decode("utf-8-sig")


def today() -> dt.date:
    return timezone.localdate()


def export_rows(since: int) -> list[tuple[Any, ...]]:
    return [row for row in audit_rows(since) if row[1] == AuditEvent.Action.EXPORT]


# --- The people ledger -----------------------------------------------------------------------


def test_people_xlsx_is_the_ledger_of_the_workers_area(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    response = in_english(logged_in(people.worker)).get("/api/people/?format=xlsx")
    data = download(response)
    sheet = sheet_of(data)
    day = today().isoformat()

    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == (
        f'attachment; filename="people-ledger_{day}.xlsx"; '
        f"filename*=UTF-8''{quote(f'光明社区_people_ledger_{day}.xlsx', safe='')}"
    )
    assert response["Cache-Control"] == "no-store"
    assert sheet["A1"].value == "东城街道光明社区 people ledger"
    assert sorted(str(cells) for cells in sheet.merged_cells.ranges) == [
        "A1:L1",
        "A2:F2",
        "G2:L2",
    ]
    assert sheet["A2"].value == "Unit: 云州市云阳区东城街道光明社区"
    assert sheet["G2"].value == f"Exported by worker on {day}"
    assert [cell.value for cell in sheet[3]] == [
        "No.",
        "Name",
        "Sex",
        "Age",
        "Document type",
        "Document number",
        "Mobile",
        "Landline",
        "Address",
        "Registered at",
        "Party member",
        "Created at",
    ]
    assert sheet.freeze_panes == "A4"
    # Only 王秀英: 李四 is registered in 新华社区, outside the worker's area.
    assert table(sheet) == [
        (
            1,
            "王秀英",
            "female",
            ledgered.wang.age_on(today()),
            "resident ID card",
            "110105********002X",
            "138****5678",
            "0315-***2345",
            "光明小区1号楼101",
            "光明社区、1号楼",  # registered there as its building head
            "yes",
            dt.datetime.combine(today(), dt.time()),
        )
    ]
    assert sheet["F4"].data_type == "s"
    assert sheet["L4"].is_date
    assert sheet["L4"].number_format == "yyyy-mm-dd"


def test_headers_are_chinese_by_default(tree: Tree, people: Personas, ledgered: Ledgered) -> None:
    sheet = sheet_of(download(logged_in(people.worker).get("/api/people/?format=xlsx")))

    with translation.override("zh-hans"):
        number = pgettext("ledger", "No.")
    assert [cell.value for cell in sheet[3]] == [
        number,
        "姓名",
        "性别",
        "年龄",
        "证件类型",
        "证件号码",
        "手机号码",
        "固定电话",
        "住址",
        "登记单位",
        "党员",
        "创建时间",
    ]
    assert table(sheet)[0][2:5] == ("女", ledgered.wang.age_on(today()), "居民身份证")


def test_csv_holds_the_same_rows_as_the_xlsx(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    client = in_english(logged_in(people.worker))
    services.person_register(
        actor=None, unit=tree.building_2, name="赵敏", mobile="13700001234", address="2号楼"
    )
    xlsx = sheet_of(download(client.get("/api/people/?format=xlsx&reveal=1")))
    response = client.get("/api/people/?format=csv&reveal=1")
    rows = csv_rows(download(response))

    def text(value: Any) -> str:
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        return "" if value is None else str(value)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="people-ledger_')
    assert rows[0] == [cell.value for cell in xlsx[3]]
    assert rows[1:] == [[text(value) for value in row] for row in table(xlsx)]
    assert [row[:2] for row in rows[1:]] == [["1", "王秀英"], ["2", "赵敏"]]
    assert rows[1][5:8] == [ID_NUMBER, MOBILE, LANDLINE]


# --- Masking, reveal and the export log ------------------------------------------------------


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("url", "object_type", "ledger"),
    [
        ("/api/people/", "orgchart.Person", "people"),
        ("/api/party-members/", "orgchart.PartyMember", "party-members"),
        ("/api/posts/", "orgchart.Post", "posts"),
    ],
)
def test_exports_are_masked_by_default_and_logged(
    tree: Tree,
    people: Personas,
    ledgered: Ledgered,
    file_format: str,
    url: str,
    object_type: str,
    ledger: str,
) -> None:
    since = last_audit_id()

    data = download(logged_in(people.worker).get(f"{url}?format={file_format}"))

    text = every_text(data)
    assert "王秀英" in text
    assert "138****5678" in text
    for secret in SECRETS:
        assert secret not in text
    assert audit_rows(since) == [
        (
            "worker",
            AuditEvent.Action.EXPORT,
            object_type,
            "",
            {
                "ledger": ledger,
                "format": file_format,
                "rows": 1,
                "revealed": False,
                "filters": "current=true" if ledger == "posts" else "",
            },
        )
    ]


def test_reveal_as_a_community_worker_exports_numbers_in_full_and_logs_it(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    since = last_audit_id()

    response = logged_in(people.worker).get(
        f"/api/people/?format=xlsx&reveal=1&unit={tree.guangming.pk}"
    )
    sheet = sheet_of(download(response))

    number, mobile, landline = sheet["F4"], sheet["G4"], sheet["H4"]
    assert number.value == ID_NUMBER
    assert (number.data_type, len(number.value), number.value[-1]) == ("s", 18, "X")
    assert number.number_format == "@"
    assert (mobile.value, mobile.data_type) == (MOBILE, "s")
    assert (landline.value, landline.data_type) == (LANDLINE, "s")
    assert audit_rows(since) == [
        (
            "worker",
            AuditEvent.Action.EXPORT,
            "orgchart.Person",
            "",
            {
                "ledger": "people",
                "format": "xlsx",
                "rows": 1,
                "revealed": True,
                "filters": f"unit={tree.guangming.pk}",
            },
        )
    ]


@pytest.mark.parametrize("url", ["/api/party-members/", "/api/posts/"])
def test_reveal_of_members_and_post_holders(
    tree: Tree, people: Personas, ledgered: Ledgered, url: str
) -> None:
    since = last_audit_id()

    sheet = sheet_of(download(logged_in(people.worker).get(f"{url}?format=xlsx&reveal=1")))

    assert sheet["F4"].value == MOBILE
    assert [row[-1]["revealed"] for row in export_rows(since)] == [True]


@pytest.mark.parametrize("persona", ["official", "grid", "volunteer", "handler"])
def test_reveal_is_refused_to_roles_that_may_not_and_nothing_is_logged(
    tree: Tree, people: Personas, ledgered: Ledgered, persona: str
) -> None:
    since = last_audit_id()
    client = logged_in(getattr(people, persona))

    response = client.get("/api/people/?format=xlsx&reveal=1")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    with translation.override("zh-hans"):  # the API speaks the default language
        expected = translation.gettext("Your role may not export ID numbers and phones in full.")
    assert response.json() == {"detail": expected}
    assert client.get("/api/party-members/?format=csv&reveal=1").status_code == 403
    assert audit_rows(since) == []


def test_reveal_is_refused_when_a_row_is_a_person_outside_the_area(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    # A party member and post holder of 光明社区 who is registered only at 和平社区 (rows
    # from before memberships and posts registered their people): the worker sees the
    # membership and the post, not the person.
    zhao = services.person_register(
        actor=None, unit=tree.heping, name="赵六", document_number=resident_id(sequence="789")
    ).person
    services.party_member_create(
        actor=None, person=zhao, organisation=tree.guangming, status="in_service"
    )
    services.post_assign(
        actor=None, unit=tree.guangming, kind="supervisor", holder=zhao, started_on=today()
    )
    PersonRegistration.objects.filter(person=zhao).exclude(unit=tree.heping).delete()
    client = logged_in(people.worker)
    since = last_audit_id()

    assert client.get("/api/party-members/?format=xlsx&reveal=1").status_code == 403
    assert client.get("/api/posts/?format=csv&reveal=1").status_code == 403
    assert audit_rows(since) == []
    masked = sheet_of(download(client.get("/api/party-members/?format=xlsx")))
    assert [(row[1], row[4]) for row in table(masked)] == [
        ("王秀英", "110105********002X"),
        ("赵六", "130203********789" + resident_id(sequence="789")[-1]),
    ]


def test_reveal_on_a_ledger_without_personal_numbers_changes_nothing(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    since = last_audit_id()

    data = download(logged_in(people.street_admin).get("/api/users/?format=csv&reveal=1"))

    assert [row[1] for row in csv_rows(data)[1:]] == [
        "grid",
        "official",
        "street_admin",
        "volunteer",
        "worker",
    ]
    assert export_rows(since) == [
        (
            "street_admin",
            AuditEvent.Action.EXPORT,
            "orgchart.User",
            "",
            {"ledger": "accounts", "format": "csv", "rows": 5, "revealed": False, "filters": ""},
        )
    ]


def test_names_follow_the_role(tree: Tree, people: Personas, ledgered: Ledgered) -> None:
    official = sheet_of(download(logged_in(people.official).get("/api/people/?format=xlsx")))
    admin = sheet_of(download(logged_in(people.street_admin).get("/api/people/?format=xlsx")))

    assert [row[1] for row in table(official)] == ["王秀英"]
    assert [row[1] for row in table(admin)] == ["王秀英"]


# --- Scope and filters -----------------------------------------------------------------------


def test_an_export_never_holds_rows_outside_the_users_area(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    worker, other = logged_in(people.worker), logged_in(people.other_worker)

    for url in ("/api/people/", "/api/party-members/"):
        mine = every_text(download(worker.get(f"{url}?format=csv")))
        theirs = every_text(download(other.get(f"{url}?format=csv")))
        assert "王秀英" in mine
        assert "李四" not in mine
        assert "李四" in theirs
        assert "王秀英" not in theirs
    units = csv_rows(download(worker.get("/api/orgunits/?format=csv")))
    assert [row[1] for row in units[1:]] == [
        "光明社区",
        "光明小区",
        "1号楼",
        "2号楼",
        "下沉党员支部",
    ]


def test_a_unit_of_another_area_is_a_400_and_nothing_is_logged(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    since = last_audit_id()

    response = logged_in(people.worker).get(f"/api/people/?format=xlsx&unit={tree.xinhua.pk}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == ["unit"]
    assert audit_rows(since) == []


def test_filters_apply_as_for_the_json_list(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    client = logged_in(people.worker)
    services.person_register(actor=None, unit=tree.guangming, name="李建国")
    since = last_audit_id()

    found = csv_rows(download(client.get("/api/people/?format=csv&q=李")))
    retired = csv_rows(download(client.get("/api/party-members/?format=csv&status=in_service")))
    by_id = csv_rows(download(client.get(f"/api/people/?format=csv&q={ID_NUMBER}")))

    assert [row[1] for row in found[1:]] == ["李建国"]
    assert retired[1:] == []
    assert [row[1] for row in by_id[1:]] == ["王秀英"]
    # A whole number searched for stays out of the log; an empty export is not logged.
    assert [row[-1]["filters"] for row in export_rows(since)] == [
        "q=李",
        "q=***",
    ]


@pytest.mark.parametrize("query", ["format=pdf", "format=xls", "format=XLSX", "format=html"])
def test_an_unknown_format_is_a_404_as_before(
    tree: Tree, people: Personas, ledgered: Ledgered, query: str
) -> None:
    since = last_audit_id()

    response = logged_in(people.worker).get(f"/api/people/?{query}")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert audit_rows(since) == []


def test_only_lists_export(tree: Tree, people: Personas, ledgered: Ledgered) -> None:
    client = logged_in(people.worker)

    assert client.get(f"/api/people/{ledgered.wang.pk}/?format=xlsx").status_code == 404
    assert client.get(f"/api/orgunits/{tree.guangming.pk}/children/?format=csv").status_code == 404
    assert client.get("/api/users/me/?format=xlsx").status_code == 404
    assert client.get("/api/people/?format=json").json()["count"] == 1
    assert client.get("/api/people/").json()["count"] == 1


def test_the_row_cap_is_a_400_with_a_message(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    services.person_register(actor=None, unit=tree.guangming, name="李建国")
    since = last_audit_id()

    with override_settings(LEDGER_EXPORT_MAX_ROWS=1):
        response = in_english(logged_in(people.worker)).get("/api/people/?format=xlsx")

    assert response.status_code == 400
    message = (
        "This export would hold 2 rows; at most 1 rows can be exported at once. Narrow the filters."
    )
    assert response.json() == {"detail": message, "format": [message]}
    assert audit_rows(since) == []


# --- Every list --------------------------------------------------------------------------------

ENDPOINTS = {
    "/api/orgunits/": ("orgunits", ""),
    "/api/departments/": ("departments", ""),
    "/api/people/": ("people", "orgchart.Person"),
    "/api/party-members/": ("party-members", "orgchart.PartyMember"),
    "/api/posts/": ("posts", "orgchart.Post"),
    "/api/users/": ("accounts", "orgchart.User"),
}


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize("url", sorted(ENDPOINTS))
def test_every_list_endpoint_exports(
    tree: Tree, people: Personas, ledgered: Ledgered, url: str, file_format: str
) -> None:
    name, object_type = ENDPOINTS[url]
    since = last_audit_id()

    response = logged_in(people.street_admin).get(f"{url}?format={file_format}")
    data = download(response)

    assert response["Content-Disposition"].startswith(
        f'attachment; filename="{name}-ledger_{today().isoformat()}.{file_format}"; '
    )
    rows = table(sheet_of(data)) if file_format == "xlsx" else csv_rows(data)[1:]
    assert rows
    logged = [(row[2], row[4]["ledger"]) for row in export_rows(since)]
    assert logged == ([(object_type, name)] if object_type else [])


def test_the_unit_ledger_totals_people_and_party_members(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    services.person_register(actor=None, unit=tree.building_1, name="李建国")
    data = download(in_english(logged_in(people.worker)).get("/api/orgunits/?format=xlsx"))
    values, formulas = sheet_of(data, data_only=True), sheet_of(data)

    assert [cell.value for cell in values[3]][-2:] == ["People registered", "Party members"]
    *rows, totals = table(values)
    assert [(row[0], row[1], row[4], row[-2], row[-1]) for row in rows] == [
        (1, "光明社区", "139902001001", 1, 1),
        (2, "光明小区", None, 0, 0),
        (3, "1号楼", None, 2, 0),  # 王秀英 as its building head, and 李建国
        (4, "2号楼", None, 0, 0),
        (5, "下沉党员支部", None, 0, 0),
    ]
    assert totals == ("Total", *([None] * 8), 3, 1)
    assert values["E4"].data_type == "s"  # division codes are text
    assert formulas["J9"].value == "=SUM(J4:J8)"


def test_roles_without_people_get_the_unit_ledger_without_counts(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    sheet = sheet_of(
        download(in_english(logged_in(people.volunteer)).get("/api/orgunits/?format=xlsx"))
    )

    assert [cell.value for cell in sheet[3]][-1] == "Weak and lax"
    assert table(sheet)[-1][1] == "下沉党员支部"  # no totals row


# --- Query counts ----------------------------------------------------------------------------


def grow(tree: Tree, people: Personas, start: int, count: int) -> None:
    make_rows(tree, people, start, count)
    for index in range(start, start + count):
        services.orgunit_create(
            actor=None, parent=tree.guangming_compound, name=f"{index + 3}号楼", kind="building"
        )
        services.department_create(actor=None, name=f"服务站{index}", jurisdiction=tree.guangming)


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize(
    ("url", "persona"),
    [
        ("/api/people/?reveal=1", "worker"),
        ("/api/party-members/", "worker"),
        ("/api/posts/?reveal=1", "worker"),
        ("/api/orgunits/", "worker"),
        ("/api/departments/", "worker"),
        ("/api/users/", "street_admin"),
        ("/org/people/", "worker"),
        ("/org/{guangming}/party-members/?reveal=1", "worker"),
        ("/org/{guangming}/posts/", "worker"),
    ],
)
def test_export_query_count_does_not_grow_with_rows(
    tree: Tree, people: Personas, url: str, persona: str, file_format: str
) -> None:
    client = logged_in(getattr(people, persona))
    separator = "&" if "?" in url else "?"
    target = url.format(guangming=tree.guangming.pk) + f"{separator}format={file_format}"

    def measure() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            data = download(client.get(target))
        rows = len(table(sheet_of(data))) if file_format == "xlsx" else len(csv_rows(data)) - 1
        return len(captured), rows

    grow(tree, people, 0, 3)
    few = measure()
    grow(tree, people, 3, 27)
    many = measure()

    assert few[1] < many[1]
    assert few[0] == many[0]


# --- Pages -----------------------------------------------------------------------------------


def test_people_page_exports_what_it_lists(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    services.person_register(actor=None, unit=tree.guangming, name="李建国")
    client = client_for(people.worker)
    since = last_audit_id()

    response = client.get("/org/people/", {"q": "王", "page": "1", "format": "xlsx"})
    sheet = sheet_of(download(response))

    assert [row[1] for row in table(sheet)] == ["王秀英"]
    assert sheet["F4"].value == "110105********002X"
    assert response["Content-Disposition"].startswith('attachment; filename="people-ledger_')
    assert [row[-1] for row in export_rows(since)] == [
        {"ledger": "people", "format": "xlsx", "rows": 1, "revealed": False, "filters": "q=王"}
    ]


def test_unit_pages_export_their_members_and_posts(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    client = in_english(client_for(people.worker))
    unit = tree.guangming.pk
    since = last_audit_id()

    members = csv_rows(
        download(client.get(f"/org/{unit}/party-members/?status=retired&format=csv&reveal=1"))
    )
    posts = sheet_of(download(client.get(f"/org/{unit}/posts/?format=xlsx")))

    assert members[0][:6] == ["No.", "Name", "Sex", "Age", "Document number", "Mobile"]
    assert [row[:2] + row[4:6] for row in members[1:]] == [["1", "王秀英", ID_NUMBER, MOBILE]]
    assert posts["A1"].value == "东城街道光明社区 post ledger"
    assert [row[1:5] for row in table(posts)] == [("1号楼", "光明小区", "building head", "王秀英")]
    assert [(row[2], row[4]) for row in export_rows(since)] == [
        (
            "orgchart.PartyMember",
            {
                "ledger": "party-members",
                "format": "csv",
                "rows": 1,
                "revealed": True,
                "filters": f"status=retired; unit={unit}",
            },
        ),
        (
            "orgchart.Post",
            {
                "ledger": "posts",
                "format": "xlsx",
                "rows": 1,
                "revealed": False,
                "filters": f"unit={unit}",
            },
        ),
    ]


def test_pages_refuse_unknown_formats_roles_and_reveal(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    unit = tree.guangming.pk
    since = last_audit_id()

    assert client_for(people.worker).get("/org/people/?format=pdf").status_code == 404
    assert client_for(people.worker).get(f"/org/{unit}/posts/?format=docx").status_code == 404
    assert client_for(people.volunteer).get("/org/people/?format=xlsx").status_code == 403
    volunteer_members = client_for(people.volunteer).get(f"/org/{unit}/party-members/?format=csv")
    assert volunteer_members.status_code == 403
    assert client_for(people.official).get("/org/people/?format=xlsx&reveal=1").status_code == 403
    assert (
        client_for(people.worker).get(f"/org/{tree.xinhua.pk}/posts/?format=xlsx").status_code
        == 404
    )
    assert audit_rows(since) == []


def test_list_pages_show_export_buttons_for_their_filters(
    tree: Tree, people: Personas, ledgered: Ledgered
) -> None:
    worker, official = client_for(people.worker), client_for(people.official)

    page = worker.get("/org/people/", {"q": "王", "page": "1"}).content.decode()
    members = official.get(f"/org/{tree.guangming.pk}/party-members/").content.decode()
    posts = worker.get(f"/org/{tree.guangming.pk}/posts/").content.decode()
    searched = worker.post("/org/people/", {"q": ID_NUMBER}).content.decode()

    assert 'href="/org/people/?q=%E7%8E%8B&amp;format=xlsx"' in page
    assert 'href="/org/people/?q=%E7%8E%8B&amp;format=csv"' in page
    assert 'href="/org/people/?q=%E7%8E%8B&amp;format=xlsx&amp;reveal=1"' in page
    assert f'href="/org/{tree.guangming.pk}/party-members/?format=xlsx"' in members
    assert "reveal=1" not in members  # officials may not export in full
    assert f'href="/org/{tree.guangming.pk}/posts/?format=csv"' in posts
    # A whole-number search is POSTed to keep it out of URLs: no export of it by link.
    assert 'data-testid="people-table"' in searched
    assert 'data-testid="export-buttons"' not in searched
