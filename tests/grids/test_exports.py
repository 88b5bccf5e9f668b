"""The grids ledgers (台账) out: grids, grid staff, households, residents and visits in the 台账
layout, masked unless revealed by a role that may reveal in bulk, one audit row per export of
personal data, never the restricted tags, a query count that does not grow with the rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.db.models import QuerySet
from django.http.response import HttpResponseBase

from governance.errors import NotAllowed
from governance.ledger.export import UTF8_BOM
from governance.models import AuditEvent
from grids import exports, selectors, services
from grids.models import GridStaff, Resident, Visit
from orgchart import policy
from orgchart.models import User
from tests.conftest import Personas, Tree
from tests.factories import PersonFactory
from tests.grids.conftest import GridWorld
from tests.helpers import resident_id
from tests.orgchart.test_people_services import audit_rows, last_audit_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
# The world's visit to 101, three days before NOW, as Excel holds it (local, naive).
VISITED = (NOW - dt.timedelta(days=3)).replace(tzinfo=None)
WANG_ID = resident_id("11010119450307002")
LI_ID = resident_id("11010119750505001")
WANG_MOBILE = "13912345678"
ZHAO_ID = resident_id("11010119900808002")
HEAD_ID = resident_id("11010119800101001")  # 网格员甲, the head of 光明一网格
HEAD_MOBILE = "13800000001"
# Never in a masked export: numbers in full, the birth date (it rebuilds the ID), and the
# restricted tag (特殊人群) in any form.
SECRETS = (WANG_ID, WANG_MOBILE, ZHAO_ID, HEAD_ID, HEAD_MOBILE, "1945-03-07", "19450307")


@pytest.fixture(autouse=True)
def frozen(time_machine: Any) -> None:
    """Before the world: its visit is then three days before NOW, to the second."""
    time_machine.move_to(NOW, tick=False)


pytestmark = pytest.mark.usefixtures("english")


Exporter = Callable[[exports.ExportRequest, Any], HttpResponseBase]


def ask(user: User, file_format: str = "xlsx", **fields: Any) -> exports.ExportRequest:
    return exports.ExportRequest(user=user, file_format=file_format, **fields)


def download(response: HttpResponseBase) -> bytes:
    assert response.status_code == 200
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def sheet_of(data: bytes, *, data_only: bool = False) -> Any:
    return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only).active


def table(sheet: Any) -> list[tuple[Any, ...]]:
    """The data rows, below title, unit/date line and header."""
    return list(sheet.iter_rows(min_row=4, values_only=True))


def headers(sheet: Any) -> list[Any]:
    return [cell.value for cell in sheet[3]]


def csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(UTF8_BOM)
    return list(csv.reader(io.StringIO(data[len(UTF8_BOM) :].decode("utf-8"))))


def every_text(data: bytes) -> str:
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    return data.decode("utf-8-sig")


def export_rows(since: int) -> list[tuple[Any, ...]]:
    return [row for row in audit_rows(since) if row[1] == AuditEvent.Action.EXPORT]


def residents_of(user: User) -> QuerySet[Resident]:
    return selectors.resident_list_visible(user=user)


def staff_of(user: User) -> QuerySet[GridStaff]:
    return policy.policy(user, GridStaff).order_by("grid__name", "id")


# --- Residents -------------------------------------------------------------------------------

RESIDENT_HEADER = [
    "No.",
    "Name",
    "Sex",
    "Age",
    "Document number",
    "Mobile",
    "Community",
    "Grid",
    "Address",
    "Relation to the head",
    "Household registration here",
    "Lives here",
    "Separated from registration (人户分离)",
    "Care tags",
    "Moved in on",
    "Last visit",
]


def test_the_resident_ledger_is_masked_in_the_ledger_layout(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    since = last_audit_id()

    response = exports.resident_export(
        ask(people.worker, within=tree.guangming, filters={"unit": tree.guangming}),
        residents_of(people.worker),
    )
    data = download(response)
    sheet = sheet_of(data)

    assert response["Content-Disposition"] == (
        f'attachment; filename="residents-ledger_{TODAY}.xlsx"; '
        f"filename*=UTF-8''{quote(f'光明社区_resident_ledger_{TODAY}.xlsx', safe='')}"
    )
    assert response["Cache-Control"] == "no-store"
    assert sheet["A1"].value == "东城街道光明社区 resident ledger"
    assert sheet["A2"].value == "Unit: 云州市云阳区东城街道光明社区"
    assert sheet["I2"].value == f"Exported by worker on {TODAY}"
    assert headers(sheet) == RESIDENT_HEADER
    assert sheet.freeze_panes == "A4"
    # By pinyin; 孙强 lives in 新华社区, outside the worker's area.
    assert table(sheet) == [
        (
            1,
            "李建国",
            "male",
            51,
            f"110101********{LI_ID[-4:]}",
            None,
            "光明社区",
            "光明一网格",
            "1号楼1单元102室",
            "head of household",
            "yes",
            "yes",
            None,
            None,
            None,
            None,
        ),
        (
            2,
            "王秀英",
            "female",
            81,
            f"110101********{WANG_ID[-4:]}",
            "139****5678",
            "光明社区",
            "光明一网格",
            "1号楼1单元101室",
            "head of household",
            "yes",
            "yes",
            None,
            "elderly living alone",
            None,
            VISITED,
        ),
        (
            3,
            "赵敏",
            "female",
            36,
            f"110101********{ZHAO_ID[-4:]}",
            None,
            "光明社区",
            "光明二网格",
            "2号楼1单元201室",
            "head of household",
            "no",
            "yes",
            "lives here, registered elsewhere",
            None,
            None,
            None,
        ),
    ]
    number = sheet["E5"]
    assert (number.data_type, number.number_format) == ("s", "@")
    assert sheet["F5"].data_type == "s"
    assert sheet["P5"].is_date
    text = every_text(data)
    for secret in (*SECRETS, "key_petitioner", str(Resident.RestrictedTag.KEY_PETITIONER.label)):
        assert secret not in text
    assert audit_rows(since) == [
        (
            "worker",
            AuditEvent.Action.EXPORT,
            "grids.Resident",
            "",
            {
                "ledger": "residents",
                "format": "xlsx",
                "rows": 3,
                "revealed": False,
                "filters": f"unit={tree.guangming.pk}",
            },
        )
    ]


def test_a_community_worker_exports_residents_in_full_and_it_is_logged(
    world: GridWorld, people: Personas
) -> None:
    since = last_audit_id()

    data = download(
        exports.resident_export(ask(people.worker, reveal=True), residents_of(people.worker))
    )
    sheet = sheet_of(data)

    assert headers(sheet)[3:7] == ["Age", "Birth date", "Document number", "Mobile"]
    wang = table(sheet)[1]
    assert wang[1:7] == (
        "王秀英",
        "female",
        81,
        dt.datetime.combine(dt.date(1945, 3, 7), dt.time()),
        WANG_ID,
        WANG_MOBILE,
    )
    assert (sheet["F5"].data_type, sheet["F5"].number_format) == ("s", "@")
    assert sheet["E5"].number_format == "yyyy-mm-dd"
    assert str(Resident.RestrictedTag.KEY_PETITIONER.label) not in every_text(data)
    assert [row[-1] for row in export_rows(since)] == [
        {"ledger": "residents", "format": "xlsx", "rows": 3, "revealed": True, "filters": ""}
    ]


@pytest.mark.parametrize("persona", ["grid", "official"])
def test_reveal_is_refused_to_roles_that_may_not_reveal_in_bulk_and_nothing_is_logged(
    world: GridWorld, people: Personas, persona: str
) -> None:
    user = getattr(people, persona)
    since = last_audit_id()

    ledgers: list[tuple[Exporter, QuerySet[Any]]] = [
        (exports.resident_export, residents_of(user)),
        (exports.grid_staff_export, staff_of(user)),
    ]
    for export, rows in ledgers:
        with pytest.raises(NotAllowed) as error:
            export(ask(user, "csv", reveal=True), rows)
        assert error.value.status_code == 403
        assert str(error.value) == "Your role may not export ID numbers and phones in full."

    assert audit_rows(since) == []


def test_a_grid_worker_exports_the_residents_of_their_grids_masked(
    world: GridWorld, people: Personas
) -> None:
    since = last_audit_id()

    rows = csv_rows(
        download(exports.resident_export(ask(people.grid, "csv"), residents_of(people.grid)))
    )

    assert rows[0] == RESIDENT_HEADER
    assert [row[1:2] + row[4:6] for row in rows[1:]] == [
        ["李建国", f"110101********{LI_ID[-4:]}", ""],
        ["王秀英", f"110101********{WANG_ID[-4:]}", "139****5678"],
    ]
    assert [row[-1]["revealed"] for row in export_rows(since)] == [False]


def test_officials_export_names_in_full_and_numbers_masked(
    world: GridWorld, people: Personas
) -> None:
    residents = table(
        sheet_of(
            download(exports.resident_export(ask(people.official), residents_of(people.official)))
        )
    )
    grids = table(
        sheet_of(
            download(
                exports.grid_export(
                    ask(people.official), selectors.grid_list_visible(user=people.official)
                )
            )
        )
    )

    assert [row[1] for row in residents] == ["李建国", "王秀英", "赵敏"]
    assert all("********" in row[4] for row in residents)  # ID numbers stay masked
    assert [row[14] for row in grids[:-1]] == ["网格员甲", None, None]


def test_care_tags_are_joined_and_a_plain_scoped_queryset_exports_too(
    world: GridWorld, people: Personas
) -> None:
    services.resident_update(
        actor=None, resident=world.li, care_tags=["disabled", "subsistence_allowance"]
    )

    rows = csv_rows(
        download(
            exports.resident_export(
                ask(people.worker, "csv"), policy.policy(people.worker, Resident).order_by("pk")
            )
        )
    )

    assert [(row[1], row[13], row[15]) for row in rows[1:]] == [
        ("王秀英", "elderly living alone", f"{VISITED:%Y-%m-%d %H:%M}"),
        ("李建国", "person with disability、subsistence allowance (低保)", ""),
        ("赵敏", "", ""),
    ]


# --- Grids, staff, households, visits --------------------------------------------------------


def test_the_grid_ledger_shows_size_against_target_staff_share_head_and_last_visit(
    world: GridWorld, people: Personas
) -> None:
    since = last_audit_id()

    data = download(
        exports.grid_export(ask(people.worker), selectors.grid_list_visible(user=people.worker))
    )
    sheet, values = sheet_of(data), sheet_of(data, data_only=True)

    assert headers(sheet) == [
        "No.",
        "Community",
        "Compound",
        "Name",
        "Grid code",
        "Kind",
        "Site or topic",
        "Urban or rural",
        "Households",
        "Target households",
        "Far off the target size",
        "Grid staff",
        "Party members among staff",
        "Party-member share (%)",
        "Grid head",
        "Last visit",
    ]
    assert table(values) == [
        (
            1,
            "光明社区",
            "光明小区",
            "光明一网格",
            "G01",
            "basic grid",
            None,
            "urban",
            2,
            30,
            "yes",
            1,
            1,
            100,
            "网格员甲",
            VISITED,
        ),
        (
            2,
            "光明社区",
            None,
            "光明二网格",
            "G02",
            "basic grid",
            None,
            "urban",
            1,
            30,
            "yes",
            1,
            0,
            0,
            None,
            None,
        ),
        (
            3,
            "光明社区",
            None,
            "光明商圈网格",
            None,
            "dedicated grid",
            "shopping mall / market",
            "urban",
            0,
            None,
            None,
            0,
            0,
            None,
            None,
            None,
        ),
        ("Total", *([None] * 7), 3, None, None, 2, 1, None, None, None),
    ]
    assert sheet["E4"].data_type == "s"  # grid codes are text
    assert sheet["I7"].value == "=SUM(I4:I6)"
    assert export_rows(since) == []  # no personal data: not logged


def test_the_grid_staff_ledger_is_logged_and_revealed_for_community_workers(
    world: GridWorld, people: Personas
) -> None:
    since = last_audit_id()

    masked = csv_rows(
        download(exports.grid_staff_export(ask(people.worker, "csv"), staff_of(people.worker)))
    )
    full = csv_rows(
        download(
            exports.grid_staff_export(
                ask(people.worker, "csv", reveal=True), staff_of(people.worker)
            )
        )
    )

    assert masked[0] == [
        "No.",
        "Community",
        "Grid",
        "Name",
        "Sex",
        "Age",
        "Document number",
        "Mobile",
        "Role",
        "Employment",
        "Background",
        "Party member",
        "Account",
        "Started on",
        "Ended on",
    ]
    assert masked[1:] == [
        [
            "1",
            "光明社区",
            "光明一网格",
            "网格员甲",
            "male",
            "46",
            f"110101********{HEAD_ID[-4:]}",
            "138****0001",
            "grid head",
            "full-time",
            "community staff",
            "yes",
            "grid",
            "2024-01-01",
            "",
        ],
        [
            "2",
            "光明社区",
            "光明二网格",
            "网格员乙",
            "male",
            "46",
            f"110101********{world.staff_b.person.masked_document_number[-4:]}",
            "",
            "grid worker",
            "full-time",
            "community staff",
            "",
            "",
            "2024-01-01",
            "",
        ],
    ]
    assert full[1][6:8] == [HEAD_ID, HEAD_MOBILE]
    assert [(row[2], row[4]["revealed"]) for row in export_rows(since)] == [
        ("grids.GridStaff", False),
        ("grids.GridStaff", True),
    ]


def test_the_household_ledger(world: GridWorld, tree: Tree, people: Personas) -> None:
    services.household_update(actor=None, household=world.home_101, floor_area="85.5")

    values = sheet_of(
        download(
            exports.household_export(
                ask(people.worker, within=tree.guangming_compound),
                selectors.household_list_visible(
                    user=people.worker, within=tree.guangming_compound
                ),
            )
        ),
        data_only=True,
    )

    assert values["A1"].value == "光明社区光明小区 household ledger"
    assert headers(values) == [
        "No.",
        "Community",
        "Grid",
        "Address",
        "Building",
        "Stairwell",
        "Room",
        "Floor area (m²)",
        "Tenure",
        "Residents",
        "Last visit",
    ]
    assert table(values) == [
        (
            1,
            "光明社区",
            "光明一网格",
            "1号楼1单元101室",
            "1号楼",
            "1",
            "101",
            85.5,
            "owner-occupied",
            1,
            VISITED,
        ),
        (
            2,
            "光明社区",
            "光明一网格",
            "1号楼1单元102室",
            "1号楼",
            "1",
            "102",
            None,
            "rented",
            1,
            None,
        ),
        (
            3,
            "光明社区",
            "光明二网格",
            "2号楼1单元201室",
            "2号楼",
            "1",
            "201",
            None,
            "owner-occupied",
            1,
            None,
        ),
        ("Total", *([None] * 8), 3, None),
    ]
    assert values["H4"].number_format == "#,##0.00"


def test_the_visit_ledger_is_logged(world: GridWorld, people: Personas) -> None:
    services.visit_record(
        actor=people.grid,
        grid=world.grid_a,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="消防通道堵塞",
        hazard_found=True,
        visited_at=NOW - dt.timedelta(hours=1),
    )
    since = last_audit_id()

    rows = csv_rows(
        download(
            exports.visit_export(
                ask(people.worker, "csv"), selectors.visit_list_visible(user=people.worker)
            )
        )
    )

    assert rows == [
        [
            "No.",
            "Visited at",
            "Community",
            "Grid",
            "Household",
            "Visited by",
            "Purpose",
            "Hazard found",
            "Notes",
            "Photos",
        ],
        [
            "1",
            "2026-11-23 09:00",
            "光明社区",
            "光明一网格",
            "",
            "grid",
            "hazard check",
            "yes",
            "消防通道堵塞",
            "0",
        ],
        [
            "2",
            "2026-11-20 10:00",
            "光明社区",
            "光明一网格",
            "1号楼1单元101室",
            "grid",
            "care visit",
            "",
            "身体健康",
            "0",
        ],
    ]
    assert export_rows(since) == [
        (
            "worker",
            AuditEvent.Action.EXPORT,
            "grids.Visit",
            "",
            {"ledger": "visits", "format": "csv", "rows": 2, "revealed": False, "filters": ""},
        )
    ]


def test_an_empty_export_and_reveal_on_a_ledger_without_numbers_log_nothing(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    since = last_audit_id()

    empty = exports.resident_export(
        ask(people.worker, "csv", reveal=True), residents_of(people.worker).filter(pk__in=[])
    )
    households = exports.household_export(
        ask(people.grid, "csv", reveal=True), selectors.household_list_visible(user=people.grid)
    )

    assert csv_rows(download(empty))[1:] == []
    assert [row[3] for row in csv_rows(download(households))[1:]] == [
        "1号楼1单元101室",
        "1号楼1单元102室",
    ]
    assert audit_rows(since) == []


# --- Query counts ----------------------------------------------------------------------------


def grow(world: GridWorld, tree: Tree, people: Personas, start: int, count: int) -> None:
    """``count`` more households in 光明二网格, each with a resident holding two care tags, a
    visit, and as many staff in new grids."""
    for index in range(start, start + count):
        home = services.household_create(
            actor=None, grid=world.grid_b, building=tree.building_2, entrance="2", room=f"{index}"
        )
        resident = PersonFactory.create(unit=tree.guangming, with_mobile=True)
        services.resident_add(
            actor=None,
            household=home,
            person=resident,
            care_tags=["disabled", "lives_alone_elderly"],
            restricted_tags=["released_prisoner"],
        )
        services.visit_record(actor=people.worker, household=home, purpose=Visit.Purpose.CARE_VISIT)
        grid = services.grid_create(actor=None, community=tree.guangming, name=f"新网格{index}")
        services.grid_staff_appoint(
            actor=None, grid=grid, person=resident, role=GridStaff.Role.HEAD
        )


LEDGERS: dict[str, tuple[Exporter, Callable[[User], QuerySet[Any]], bool]] = {
    "grids": (exports.grid_export, lambda user: selectors.grid_list_visible(user=user), False),
    "staff": (exports.grid_staff_export, staff_of, True),
    "households": (
        exports.household_export,
        lambda user: selectors.household_list_visible(user=user),
        False,
    ),
    "residents": (exports.resident_export, residents_of, True),
    "visits": (exports.visit_export, lambda user: selectors.visit_list_visible(user=user), False),
}
# COUNT, the anchor's path for the title, the rows, the export log (where personal data),
# the care tags of the residents (one query per chunk) and the person check of a reveal.
QUERIES = {"grids": 3, "staff": 5, "households": 3, "residents": 6, "visits": 4}


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
@pytest.mark.parametrize("ledger", sorted(LEDGERS))
def test_export_query_count_does_not_grow_with_rows(
    world: GridWorld,
    tree: Tree,
    people: Personas,
    django_assert_num_queries: Any,
    ledger: str,
    file_format: str,
) -> None:
    export, rows_of, reveal = LEDGERS[ledger]

    def measure() -> int:
        # As a request has it: the account loaded with its anchor.
        user = User.objects.select_related("anchor_unit").get(pk=people.worker.pk)
        rows = rows_of(user)
        with django_assert_num_queries(QUERIES[ledger]):
            data = download(export(ask(user, file_format, reveal=reveal), rows))
        return len(table(sheet_of(data))) if file_format == "xlsx" else len(csv_rows(data)) - 1

    grow(world, tree, people, 0, 2)
    few = measure()
    grow(world, tree, people, 2, 20)
    many = measure()

    assert many > few
