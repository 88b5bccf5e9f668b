"""Importing the households and residents ledgers (grids.ledgers) through the ledger pages:
template, dry-run preview, confirm; all or nothing, per-row errors, people deduplicated by ID
hash, idempotent, scoped, .xlsx and legacy .xls, and an export that imports back unchanged."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlwt
from django.test import Client
from django.urls import reverse
from django.utils.translation import gettext, override

from governance import pii
from governance.ledger import imports
from governance.ledger.registry import import_ledger
from governance.models import AuditEvent
from grids import exports, selectors
from grids.models import Household, Resident, ResidentCareTag
from grids.services import restricted_tags_of
from orgchart.models import Person, PersonRegistration
from tests.conftest import Personas, Tree, client_for
from tests.grids.conftest import GridWorld
from tests.orgchart.test_imports import (
    ID_A,
    ID_B,
    ID_C,
    ID_D,
    ID_X,
    LEGACY,
    LEGACY_CONVERTED,
    _replace_number,
    bad_check_digit,
    choice_label,
    fill,
    preview,
    template,
    upload,
)

HOUSEHOLDS = "households"
RESIDENTS = "residents"
NO_CHANGES = {"create": 0, "update": 0, "unchanged": 0, "error": 0}


@pytest.fixture(autouse=True)
def import_dir(settings: Any, tmp_path: Path) -> Path:
    settings.LEDGER_IMPORT_DIR = tmp_path / "imports"
    return Path(settings.LEDGER_IMPORT_DIR)


def counts(**values: int) -> dict[str, int]:
    return {**NO_CHANGES, **values}


def error_line(row: int, column: str, message: str) -> str:
    return gettext("Row %(row)s: %(column)s: %(message)s") % {
        "row": row,
        "column": column,
        "message": message,
    }


def label(ledger: str, field: str) -> str:
    column = import_ledger(ledger).column(field)  # type: ignore[union-attr]
    assert column is not None
    return column.label


def household_row(community: str, grid: str, **extra: Any) -> dict[str, Any]:
    return {"community": community, "grid": grid, **extra}


def resident_row(address: str, name: str, number: Any, **extra: Any) -> dict[str, Any]:
    return {
        "community": "139902001001",
        "address": address,
        "name": name,
        "document_number": number,
        **extra,
    }


def number_of(person: Person) -> str:
    return pii.decrypt(person.document_number_encrypted)


def snapshot() -> tuple[int, int, int, int, int]:
    return (
        Household.objects.count(),
        Resident.objects.count(),
        Person.objects.count(),
        PersonRegistration.objects.count(),
        AuditEvent.objects.count(),
    )


def confirm(client: Client, url: str) -> Any:
    response = client.post(url + "confirm/")
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(url)


# --- Households ------------------------------------------------------------------------------


def test_households_import_then_the_same_file_again_changes_nothing(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    rented = choice_label(HOUSEHOLDS, "tenure", Household.Tenure.RENTED)
    data = fill(
        template(client, HOUSEHOLDS),
        HOUSEHOLDS,
        [
            household_row(
                "139902001001",
                "光明二网格",
                building="2号楼",
                entrance="2",
                room="301",
                floor_area="92.5㎡",
                tenure=rented,
            ),
            household_row("光明社区", "G01", building="光明小区/1号楼", entrance="1", room="103"),
            household_row("东城街道/光明社区", "G02", building="3号楼", room="101"),
            household_row("139902001001", "光明一网格", address="光明路8号", tenure="空置"),
            # Recorded already (world.home_102): its floor area is corrected.
            household_row(
                "139902001001",
                "光明一网格",
                building="1号楼",
                entrance="1",
                room="102",
                floor_area=60,
            ),
        ],
    )
    url, page = preview(client, HOUSEHOLDS, data)
    assert page.context["counts"] == counts(create=4, update=1)
    assert page.context["can_confirm"]
    assert Household.objects.count() == 4  # the preview writes nothing

    result = confirm(client, url)

    assert result.context["result"] == counts(create=4, update=1)
    assert result.context["return_url"] == reverse("grids:households")
    created = {
        h.address: (
            h.grid.name,
            h.building.name if h.building else h.building_label,
            h.entrance,
            h.room,
            h.floor_area,
            h.tenure,
        )
        for h in Household.objects.select_related("grid", "building").exclude(
            pk__in=[world.home_101.pk, world.home_102.pk, world.home_201.pk, world.xinhua_home.pk]
        )
    }
    assert created == {
        "2号楼2单元301室": ("光明二网格", "2号楼", "2", "301", Decimal("92.50"), "rented"),
        "1号楼1单元103室": ("光明一网格", "1号楼", "1", "103", None, "owned"),
        "3号楼101室": ("光明二网格", "3号楼", "", "101", None, "owned"),
        "光明路8号": ("光明一网格", "", "", "", None, "vacant"),
    }
    assert Household.objects.get(address="2号楼2单元301室").building == tree.building_2
    assert Household.objects.get(address="3号楼101室").building is None  # free text
    world.home_102.refresh_from_db()
    assert (world.home_102.floor_area, world.home_102.tenure) == (Decimal("60.00"), "rented")
    assert (
        AuditEvent.objects.filter(actor=people.worker, object_type="grids.Household").count() == 5
    )

    before = snapshot()
    url, again = preview(client, HOUSEHOLDS, data)
    assert again.context["counts"] == counts(unchanged=5)
    assert not again.context["can_confirm"]
    client.post(url + "confirm/")
    assert snapshot() == before


def test_a_household_in_another_grid_of_the_file_is_moved(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.worker)
    data = fill(
        template(client, HOUSEHOLDS),
        HOUSEHOLDS,
        [household_row("139902001001", "光明二网格", building="1号楼", entrance="1", room="101")],
    )
    url, page = preview(client, HOUSEHOLDS, data)
    assert page.context["counts"] == counts(update=1)
    assert page.context["rows"][0]["note"] == gettext("Changes: %(columns)s") % {
        "columns": label(HOUSEHOLDS, "grid")
    }

    confirm(client, url)

    world.home_101.refresh_from_db()
    assert world.home_101.grid == world.grid_b
    assert Household.objects.count() == 4


def test_household_rows_are_checked_one_by_one(world: GridWorld, people: Personas) -> None:
    client = client_for(people.worker)
    before = snapshot()
    rows = [
        household_row("139902001001", "光明一网格", address="光明路1号"),
        household_row("139902001001", "光明商圈网格", address="商场1层"),  # row 4: dedicated
        household_row("139902001001", "光明三网格", address="光明路2号"),  # row 5: no such grid
        household_row("139902001001", "光明一网格", address=" 光明路1号"),  # row 6: as row 3
        household_row("139902001001", "光明一网格", floor_area="大"),  # row 7
    ]
    url, page = preview(client, HOUSEHOLDS, fill(template(client, HOUSEHOLDS), HOUSEHOLDS, rows))

    grid, address = label(HOUSEHOLDS, "grid"), label(HOUSEHOLDS, "address")
    assert page.context["error_lines"] == [
        error_line(4, grid, gettext("A household belongs to a basic grid.")),
        error_line(
            5,
            grid,
            gettext("The community has no grid with this name or code: %(grid)s.")
            % {"grid": "光明三网格"},
        ),
        error_line(6, address, gettext("Same as row %(row)s.") % {"row": 3}),
        error_line(7, label(HOUSEHOLDS, "floor_area"), gettext("Enter a number.")),
        error_line(7, address, gettext("Give the address, or the building and room.")),
    ]
    assert client.post(url + "confirm/").status_code == 409
    assert snapshot() == before


# --- Residents -------------------------------------------------------------------------------


def test_residents_import_links_known_people_and_the_same_file_again_changes_nothing(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    head = choice_label(RESIDENTS, "relation", Resident.Relation.HEAD)
    child = choice_label(RESIDENTS, "relation", Resident.Relation.CHILD)
    sun_number = number_of(world.sun.person)  # 孙强, known only in 新华社区
    wang_number = number_of(world.wang.person)
    data = fill(
        template(client, RESIDENTS),
        RESIDENTS,
        [
            resident_row(
                "1号楼1单元102室",
                "张伟",
                ID_X,
                mobile="138 0000 1111",
                relation="配偶",
                care_tags="独居老人、低保",
                moved_in_on="2020-05-01",
            ),
            resident_row(
                "1号楼1单元102室",
                "张小明",
                ID_A,
                relation=child,
                registered_here="是",
                lives_here="否",
            ),
            # 王秀英 lives in 101 already: her care tags are corrected, nothing added.
            resident_row("1号楼1单元101室", "王秀英", wang_number, care_tags="独居老人,残疾人"),
            resident_row("2号楼1单元201室", "孙强", sun_number),
            # Not recorded yet: recorded in the grid the row names.
            resident_row("光明路9号", "刘洋", LEGACY, grid="光明一网格", relation=head),
            resident_row("光明路9号", "刘洋洋", ID_B, grid="G01"),
        ],
    )
    url, page = preview(client, RESIDENTS, data)
    assert page.context["counts"] == counts(create=5, update=1)
    assert ID_X not in page.content.decode()  # numbers masked in the preview
    assert Resident.objects.count() == 4

    result = confirm(client, url)

    assert result.context["result"] == counts(create=5, update=1)
    people_by_name = {p.name: p for p in Person.objects.all()}
    assert Person.objects.count() == 4 + 2 + 4  # staff, world residents, 4 new people
    assert number_of(people_by_name["张伟"]) == ID_X
    assert pii.decrypt(people_by_name["张伟"].mobile_encrypted) == "13800001111"
    assert number_of(people_by_name["刘洋"]) == LEGACY_CONVERTED
    residents = sorted(
        (
            r.person.name,
            r.household.address,
            r.relation,
            r.registered_here,
            r.lives_here,
            ",".join(sorted(tag.tag for tag in r.care_tags.all())),
            r.moved_in_on,
        )
        for r in Resident.objects.select_related("person", "household")
    )
    assert residents == [
        ("刘洋", "光明路9号", "head", True, True, "", None),
        ("刘洋洋", "光明路9号", "other", True, True, "", None),
        ("孙强", "2号楼1单元201室", "other", True, True, "", None),
        ("孙强", "新华路1号", "head", True, True, "", None),
        (
            "张伟",
            "1号楼1单元102室",
            "spouse",
            True,
            True,
            "lives_alone_elderly,subsistence_allowance",
            dt.date(2020, 5, 1),
        ),
        ("张小明", "1号楼1单元102室", "child", True, False, "", None),
        ("李建国", "1号楼1单元102室", "head", True, True, "", None),
        ("王秀英", "1号楼1单元101室", "head", True, True, "disabled,lives_alone_elderly", None),
        ("赵敏", "2号楼1单元201室", "head", False, True, "", None),
    ]
    # 孙强 is linked, not registered twice, and now known to 光明社区 too.
    assert set(
        PersonRegistration.objects.filter(person=world.sun.person).values_list("unit", flat=True)
    ) == {tree.xinhua.pk, tree.guangming.pk}
    new_home = Household.objects.get(address="光明路9号")
    assert (new_home.grid, new_home.community) == (world.grid_a, tree.guangming)
    # Restricted tags are no column: kept as they were.
    assert restricted_tags_of(Resident.objects.get(pk=world.wang.pk)) == ["key_petitioner"]

    before = snapshot()
    url, again = preview(client, RESIDENTS, data)
    assert again.context["counts"] == counts(unchanged=6)
    client.post(url + "confirm/")
    assert snapshot() == before


def test_a_bad_check_digit_in_row_5_writes_nothing_and_names_that_row(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.worker)
    before = snapshot()
    rows = [
        resident_row("1号楼1单元102室", "甲", ID_A),
        resident_row("新居1号", "乙", ID_B, grid="光明一网格"),  # a new household, too
        resident_row("1号楼1单元102室", "丙", bad_check_digit(ID_C)),  # Excel row 5
        resident_row("2号楼1单元201室", "丁", ID_D),
    ]
    data = fill(template(client, RESIDENTS), RESIDENTS, rows)
    url, page = preview(client, RESIDENTS, data)

    assert page.context["counts"] == counts(create=3, error=1)
    expected = error_line(
        5, gettext("Document number"), gettext("The check digit of the ID number is wrong.")
    )
    assert page.context["error_lines"] == [expected]
    assert not page.context["can_confirm"]
    ledger = import_ledger(RESIDENTS)
    assert ledger is not None
    with override("en"):
        outcome = imports.dry_run(ledger, imports.read_upload(ledger, data), people.worker)
        assert outcome.messages() == [
            "Row 5: Document number: The check digit of the ID number is wrong."
        ]
    assert client.post(url + "confirm/").status_code == 409  # even forced, nothing is written
    assert snapshot() == before


def test_resident_rows_are_checked_one_by_one(world: GridWorld, people: Personas) -> None:
    client = client_for(people.worker)
    head = choice_label(RESIDENTS, "relation", Resident.Relation.HEAD)
    no = choice_label(RESIDENTS, "lives_here", False)
    before = snapshot()
    rows = [
        resident_row("1号楼1单元102室", "甲", ID_A, relation=head),  # 李建国 is the head
        resident_row("光明路9号", "乙", ID_B),  # not recorded, no grid
        resident_row("1号楼1单元101室", "丙", ID_C, grid="光明二网格"),  # 101 is in grid one
        resident_row("1号楼1单元101室", "丁", ID_D, care_tags="独居老人、富豪"),
        resident_row("1号楼1单元101室", "戊", ID_X, registered_here=no, lives_here=no),
        resident_row("1号楼1单元101室", "己", ID_X),  # row 8: the same person as row 7
    ]
    _url, page = preview(client, RESIDENTS, fill(template(client, RESIDENTS), RESIDENTS, rows))

    tags = "、".join(str(tag) for _value, tag in ResidentCareTag.Tag.choices)
    assert page.context["error_lines"] == [
        error_line(
            3,
            label(RESIDENTS, "relation"),
            gettext("This household already has a head of household."),
        ),
        error_line(
            4,
            label(RESIDENTS, "address"),
            gettext(
                "No household with this address in the community: import the households "
                "first, or give the grid to record it here."
            ),
        ),
        error_line(
            5,
            label(RESIDENTS, "grid"),
            gettext("This household is in the grid %(grid)s.") % {"grid": "光明一网格"},
        ),
        error_line(
            6,
            label(RESIDENTS, "care_tags"),
            gettext("Unknown care tags: %(tags)s. Use: %(known)s.")
            % {"tags": "富豪", "known": tags},
        ),
        error_line(
            7,
            label(RESIDENTS, "lives_here"),
            gettext(
                "A resident is registered here, lives here, or both (人户分离 is one of them)."
            ),
        ),
        error_line(8, gettext("Document number"), gettext("Same as row %(row)s.") % {"row": 7}),
    ]
    assert page.context["counts"] == counts(error=6)
    assert snapshot() == before


def test_id_numbers_survive_as_text_and_numbers_only_when_exact(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.worker)
    sheet = template(client, RESIDENTS).worksheets[0]
    assert sheet["F2"].value == "*" + gettext("Document number")
    assert sheet["F3"].number_format == "@"  # the template keeps ID cells text
    rows = [
        resident_row("1号楼1单元102室", "甲", ID_X),  # text with a trailing X
        resident_row("1号楼1单元102室", "乙", 1),  # row 4: the exact 18-digit number below
        resident_row("1号楼1单元102室", "丙", int(LEGACY)),  # 15 digits: Excel keeps them
        resident_row("1号楼1单元102室", "丁", float(ID_C)),  # row 6: 15 significant digits
    ]
    data = _replace_number(fill(template(client, RESIDENTS), RESIDENTS, rows), "F4", ID_A)
    _url, page = preview(client, RESIDENTS, data)
    assert page.context["error_lines"] == [
        error_line(6, gettext("Document number"), str(imports.LOST_DIGITS_MESSAGE))
    ]

    rows.pop()
    data = _replace_number(fill(template(client, RESIDENTS), RESIDENTS, rows), "F4", ID_A)
    url, page = preview(client, RESIDENTS, data)
    assert page.context["counts"] == counts(create=3)
    confirm(client, url)
    numbers = {
        r.person.name: number_of(r.person)
        for r in Resident.objects.filter(household=world.home_102).select_related("person")
    }
    assert numbers == {
        "李建国": number_of(world.li.person),
        "甲": ID_X,
        "乙": ID_A,
        "丙": LEGACY_CONVERTED,
    }


def test_a_legacy_xls_file_imports(world: GridWorld, people: Personas) -> None:
    ledger = import_ledger(RESIDENTS)
    assert ledger is not None
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("居民")
    sheet.write(0, 0, "光明社区居民台账")  # a title row above the header
    for col, column in enumerate(ledger.columns):
        sheet.write(1, col, ("*" if column.required else "") + column.label)
    fields = [column.field for column in ledger.columns]
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    for offset, values in enumerate(
        [
            resident_row("1号楼1单元102室", "甲", ID_X, mobile="13812345678", care_tags="低保"),
            resident_row("1号楼1单元102室", "乙", int(LEGACY)),
        ]
    ):
        for field, value in values.items():
            sheet.write(2 + offset, fields.index(field), value)
        sheet.write(2 + offset, fields.index("moved_in_on"), dt.date(2019, 7, 1), date_style)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    assert data.startswith(imports.OLE_MAGIC)

    client = client_for(people.worker)
    url, page = preview(client, RESIDENTS, data)
    assert page.context["counts"] == counts(create=2)
    confirm(client, url)

    added = {
        r.person.name: r
        for r in Resident.objects.filter(person__name__in=["甲", "乙"]).select_related("person")
    }
    assert number_of(added["甲"].person) == ID_X
    assert number_of(added["乙"].person) == LEGACY_CONVERTED
    assert [tag.tag for tag in added["甲"].care_tags.all()] == ["subsistence_allowance"]
    assert added["乙"].moved_in_on == dt.date(2019, 7, 1)


# --- Scope and roles -------------------------------------------------------------------------


def test_a_community_worker_cannot_import_into_another_community(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.other_worker)  # 新华社区
    before = snapshot()
    residents = [
        {**resident_row("新华路1号", "甲", ID_A), "community": "139902002001"},
        resident_row("1号楼1单元101室", "乙", ID_B),  # 光明社区: exists, elsewhere
        {**resident_row("1号楼1单元101室", "丙", ID_C), "community": "东城街道/光明社区"},
    ]
    households = [
        household_row("139902001001", "光明一网格", address="光明路8号"),
        household_row("139902002001", "光明一网格", address="光明路8号"),  # not their grid
    ]
    url, page = preview(client, RESIDENTS, fill(template(client, RESIDENTS), RESIDENTS, residents))
    household_url, household_page = preview(
        client, HOUSEHOLDS, fill(template(client, HOUSEHOLDS), HOUSEHOLDS, households)
    )

    not_here = gettext("Not in your area.")
    assert page.context["error_lines"] == [
        error_line(row, label(RESIDENTS, "community"), not_here) for row in (4, 5)
    ]
    assert household_page.context["error_lines"] == [
        error_line(3, label(HOUSEHOLDS, "community"), not_here),
        error_line(
            4,
            label(HOUSEHOLDS, "grid"),
            gettext("The community has no grid with this name or code: %(grid)s.")
            % {"grid": "光明一网格"},
        ),
    ]
    assert client.post(url + "confirm/").status_code == 409
    assert client.post(household_url + "confirm/").status_code == 409
    assert snapshot() == before


def test_who_may_import_households_and_residents(world: GridWorld, people: Personas) -> None:
    expected = {
        people.superuser: 200,
        people.street_admin: 200,
        people.worker: 200,
        people.other_worker: 200,
        people.grid: 403,
        people.official: 403,
        people.volunteer: 403,
        people.handler: 403,
    }
    for user, status in expected.items():
        client = client_for(user)
        for ledger in (HOUSEHOLDS, RESIDENTS):
            assert client.get(f"/ledgers/{ledger}/import/").status_code == status, user
            assert client.get(f"/ledgers/{ledger}/template/").status_code == status, user


def test_a_grid_worker_may_not_upload_and_nothing_is_written(
    world: GridWorld, people: Personas
) -> None:
    data = fill(
        template(client_for(people.worker), RESIDENTS),
        RESIDENTS,
        [resident_row("1号楼1单元102室", "甲", ID_A)],
    )
    before = snapshot()

    response = upload(client_for(people.grid), RESIDENTS, data)

    assert response.status_code == 403
    assert snapshot() == before


# --- Out and in again ------------------------------------------------------------------------


def test_exported_ledgers_import_back_unchanged(
    world: GridWorld, tree: Tree, people: Personas
) -> None:
    client = client_for(people.worker)
    request = exports.ExportRequest(user=people.worker, file_format="xlsx", reveal=True)
    households = b"".join(
        exports.household_export(
            request, selectors.household_list_visible(user=people.worker)
        ).streaming_content  # type: ignore[attr-defined]
    )
    residents = b"".join(
        exports.resident_export(
            request, selectors.resident_list_visible(user=people.worker)
        ).streaming_content  # type: ignore[attr-defined]
    )
    assert openpyxl.load_workbook(io.BytesIO(residents)).active.max_row == 6  # 3 rows

    _url, household_page = preview(client, HOUSEHOLDS, households)
    _url, resident_page = preview(client, RESIDENTS, residents)

    assert household_page.context["counts"] == counts(unchanged=3)
    assert resident_page.context["counts"] == counts(unchanged=3)


def test_a_masked_export_cannot_be_imported_as_numbers(world: GridWorld, people: Personas) -> None:
    request = exports.ExportRequest(user=people.worker, file_format="xlsx")
    masked = b"".join(
        exports.resident_export(
            request, selectors.resident_list_visible(user=people.worker)
        ).streaming_content  # type: ignore[attr-defined]
    )
    _url, page = preview(client_for(people.worker), RESIDENTS, masked)

    masked_number = gettext(
        "This number is masked (*): type it in full, or export with full numbers."
    )
    assert page.context["counts"] == counts(error=3)
    assert page.context["error_lines"] == [
        error_line(4, gettext("Document number"), masked_number),
        error_line(5, gettext("Document number"), masked_number),
        error_line(5, gettext("Mobile"), masked_number),
        error_line(6, gettext("Document number"), masked_number),
    ]


def test_care_tags_are_read_in_any_spelling_and_none_removes_them(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.worker)
    wang_number = number_of(world.wang.person)
    li_number = number_of(world.li.person)
    disabled = str(ResidentCareTag.Tag.DISABLED.label)
    rows = [
        resident_row("1号楼1单元101室", "王秀英", wang_number, care_tags="无"),
        resident_row("1号楼1单元102室", "李建国", li_number, care_tags=f"低保户 重病；{disabled}"),
    ]
    url, page = preview(client, RESIDENTS, fill(template(client, RESIDENTS), RESIDENTS, rows))
    assert page.context["counts"] == counts(update=2)

    confirm(client, url)

    assert list(world.wang.care_tags.values_list("tag", flat=True)) == []
    assert list(world.li.care_tags.order_by("tag").values_list("tag", flat=True)) == [
        "disabled",
        "serious_illness",
        "subsistence_allowance",
    ]
