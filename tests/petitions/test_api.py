"""The petitions API: the whole journey, 409 for illegal transitions and stale versions, 404
outside scope, 403 inside it, 400 with field names, masking, pinned query counts, ledgers and
notifications. The clock is frozen at ``NOW`` (Wednesday 2026-11-18 10:00, Shanghai)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import pgettext
from rest_framework.test import APIClient

from governance.ledger.export import UTF8_BOM
from governance.models import AuditEvent
from grids import services as grid_services
from notifications.models import Notification
from orgchart.models import User
from petitions import services
from petitions.models import (
    Action,
    Category,
    Channel,
    DeadlinePolicy,
    Dispatch,
    DispatchStatus,
    Petition,
    PetitionEvent,
    Status,
    Track,
    Urgency,
)
from tests.conftest import Personas, Tree
from tests.grids.conftest import GridWorld
from tests.helpers import api_for_fresh_copy as api_for
from tests.petitions.conftest import NOW, at, log_petition, log_petition_as, register_wang

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content.decode()
    return response.json()


def state_of(petition: Petition) -> dict[str, Any]:
    """What a refused request must leave as it was: the petition row, its events, its
    dispatches and the notifications."""
    return {
        "petition": Petition.objects.filter(pk=petition.pk).values().get(),
        "events": list(
            PetitionEvent.objects.filter(petition=petition).order_by("pk").values_list("pk")
        ),
        "dispatches": list(Dispatch.objects.filter(petition=petition).order_by("pk").values()),
        "notifications": Notification.objects.count(),
    }


def whistled(petition: Petition, people: Personas, tree: Tree) -> Petition:
    """Accepted and whistled to 城管局 (the ``handler`` persona's department) as the lead."""
    services.petition_accept(actor=people.worker, petition=petition)
    return services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan)


# --- The journey -----------------------------------------------------------------------------


def test_the_whole_journey_through_the_api(tree: Tree, people: Personas, clock: Any) -> None:
    worker, handler = api_for(people.worker), api_for(people.handler)

    # The community worker logs it (multipart, with a photo) ...
    created = ok(
        worker.post(
            "/api/petitions/",
            {
                "location": tree.building_1.pk,
                "channel": "walk_in",
                "category": "sanitation",
                "title": "楼道堆放杂物",
                "description": "1号楼1单元楼道堆放杂物，影响通行。",
                "contact_phone": "138 1234 5678",
                "complexity": ["cross_department"],
                "attachments": [SimpleUploadedFile("楼道.jpg", b"\xff\xd8photo", "image/jpeg")],
            },
            format="multipart",
        ),
        201,
    )
    petition_id = created["id"]
    assert created["number"] == "2026-000001"
    assert created["status"] == "submitted"
    assert created["community"] == created["handling_unit"] == tree.guangming.pk
    assert created["location"] == tree.building_1.pk
    assert created["contact_phone"] == "138****5678"
    assert created["complexity"] == ["cross_department"]
    assert created["light"] == "green"
    assert created["actions"] == ["accept", "reject", "tag_complex"]
    assert created["deadlines"][0] == {
        "stage": "accept",
        "stage_label": created["deadlines"][0]["stage_label"],
        "due_at": "2026-11-19T23:59:59+08:00",
        "running": True,
        "light": "green",
    }
    [attachment] = created["attachments"]
    assert attachment["name"] == "楼道.jpg"
    download = worker.get(attachment["url"])
    assert download.status_code == 200
    assert _download(download) == b"\xff\xd8photo"

    # ... accepts it and whistles 城管局 ...
    accepted = ok(
        worker.post(
            f"/api/petitions/{petition_id}/accept/",
            {"version": created["version"]},
            format="json",
        )
    )
    assert accepted["status"] == "accepted"
    assert accepted["actions"] == ["start", "dispatch", "request_extension", "tag_complex"]
    clock.shift(HOUR)
    whistle = ok(
        worker.post(
            f"/api/petitions/{petition_id}/dispatch/",
            {
                "lead": tree.chengguan.pk,
                "instructions": "请尽快清理",
                "version": accepted["version"],
            },
            format="json",
        )
    )
    assert whistle["status"] == "dispatched"
    [sent] = whistle["dispatches"]
    assert (sent["department"], sent["role"], sent["status"]) == (
        tree.chengguan.pk,
        "lead",
        "pending",
    )
    assert sent["report_due_at"] == "2026-11-19T11:00:00+08:00"

    # ... the handler finds it in the department's inbox, reports and completes ...
    inbox = ok(handler.get("/api/dispatches/"))
    assert [row["id"] for row in inbox["results"]] == [sent["id"]]
    assert inbox["results"][0]["petition_number"] == "2026-000001"
    dispatch = ok(handler.get(f"/api/dispatches/{sent['id']}/"))
    assert dispatch["actions"] == ["report", "return"]
    clock.shift(HOUR)
    reported = ok(handler.post(f"/api/dispatches/{sent['id']}/report/", {}, format="json"))
    assert (reported["status"], reported["petition_status"]) == ("reported", "in_progress")
    assert reported["actions"] == ["return", "complete"]
    clock.shift(HOUR)
    completed = ok(
        handler.post(
            f"/api/dispatches/{sent['id']}/complete/",
            {"note": "已清理完毕", "version": reported["version"]},
            format="json",
        )
    )
    assert completed["status"] == "completed"
    assert completed["actions"] == []

    # ... the worker replies, records a satisfied evaluation, and rates the department.
    clock.shift(HOUR)
    replied = ok(
        worker.post(f"/api/petitions/{petition_id}/reply/", {"reply": "杂物已清理"}, format="json")
    )
    assert replied["status"] == "replied"
    assert replied["actions"] == ["evaluate", "close", "tag_complex"]
    closed = ok(
        worker.post(
            f"/api/petitions/{petition_id}/evaluate/",
            {"satisfaction": "satisfied", "version": replied["version"]},
            format="json",
        )
    )
    assert closed["status"] == "closed"
    assert closed["satisfaction"] == "satisfied"
    assert closed["actions"] == ["reopen"]
    assert ok(worker.get(f"/api/dispatches/{sent['id']}/"))["actions"] == ["rate"]
    rated = ok(worker.post(f"/api/dispatches/{sent['id']}/rate/", {"rating": 5}, format="json"))
    assert rated["rating"] == 5
    assert rated["actions"] == []

    timeline = ok(worker.get(f"/api/petitions/{petition_id}/events/"))
    w, h = people.worker.pk, people.handler.pk
    assert [
        (row["action"], row["from_status"], row["to_status"], row["actor"], row["dispatch"])
        for row in timeline
    ] == [
        ("create", "", "submitted", w, None),
        ("accept", "submitted", "accepted", w, None),
        ("dispatch", "accepted", "dispatched", w, None),
        ("report", "pending", "reported", h, sent["id"]),
        ("all_reported", "dispatched", "in_progress", None, None),
        ("complete", "reported", "completed", h, sent["id"]),
        ("reply", "in_progress", "replied", w, None),
        ("evaluate", "replied", "closed", w, None),
        ("rate", "completed", "completed", w, sent["id"]),
    ]
    assert timeline[2]["note"] == "请尽快清理"
    assert timeline[3]["department_name"] == "城管局"
    assert [row["at"][11:16] for row in timeline] == [
        "10:00",
        "10:00",
        "11:00",
        "12:00",
        "12:00",
        "13:00",
        "14:00",
        "14:00",
        "14:00",
    ]
    petition = Petition.objects.get(pk=petition_id)
    assert (petition.status, petition.satisfaction, petition.reply) == (
        Status.CLOSED,
        "satisfied",
        "杂物已清理",
    )
    assert Dispatch.objects.get(pk=sent["id"]).rating == 5


def test_supervision_extension_tags_close_and_reopen(
    petition: Petition, people: Personas, tree: Tree
) -> None:
    worker, official = api_for(people.worker), api_for(people.official)
    services.petition_accept(actor=people.worker, petition=petition)
    url = f"/api/petitions/{petition.pk}"

    supervised = ok(official.post(f"{url}/supervise/", {"note": "请加快办理"}, format="json"))
    assert supervised["is_supervised"] is True
    asked = ok(
        worker.post(
            f"{url}/request-extension/", {"amount": 2, "reason": "需协调物业"}, format="json"
        )
    )
    assert asked["extension"] == {
        "state": "requested",
        "amount": 2,
        "unit": "working_days",
        "reason": "需协调物业",
    }
    assert "request_extension" not in asked["actions"]
    assert ok(official.get(f"{url}/"))["actions"] == [
        "supervise",
        "decide_extension",
        "tag_complex",
    ]
    decided = ok(official.post(f"{url}/decide-extension/", {"approve": True}, format="json"))
    assert decided["extension"]["state"] == "approved"
    assert decided["deadlines"][1]["due_at"] == "2026-12-01T23:59:59+08:00"

    tagged = ok(worker.post(f"{url}/tag-complex/", {"tags": ["cross_region"]}, format="json"))
    assert tagged["complexity"] == ["cross_region"]
    # The same tags again with the version first sent: the same answer, not a 409.
    again = worker.post(
        f"{url}/tag-complex/",
        {"tags": ["cross_region"], "version": supervised["version"]},
        format="json",
    )
    assert ok(again)["version"] == tagged["version"]

    services.petition_start(actor=people.worker, petition=petition)
    services.petition_reply(actor=people.worker, petition=petition, reply="已协调物业处理")
    closed = ok(worker.post(f"{url}/close/", {"reason": "多次联系未接通"}, format="json"))
    assert (closed["status"], closed["satisfaction"]) == ("closed", "")
    reopened = ok(worker.post(f"{url}/reopen/", {"reason": "群众来电反映未解决"}, format="json"))
    assert (reopened["status"], reopened["reopen_count"]) == ("accepted", 1)
    actions = [row["action"] for row in ok(worker.get(f"{url}/events/")) if row["dispatch"] is None]
    assert actions == [
        Action.CREATE,
        Action.ACCEPT,
        Action.SUPERVISE,
        Action.REQUEST_EXTENSION,
        Action.DECIDE_EXTENSION,
        Action.TAG_COMPLEX,
        Action.START,
        Action.REPLY,
        Action.CLOSE,
        Action.REOPEN,
    ]


# --- 409: illegal transitions and stale versions ---------------------------------------------


def test_an_illegal_transition_is_409_and_changes_nothing(
    petition: Petition, people: Personas, tree: Tree
) -> None:
    worker = api_for(people.worker)
    before = state_of(petition)
    for path, body in (
        ("reply", {"reply": "已处理"}),
        ("start", {}),
        ("evaluate", {"satisfaction": "satisfied"}),
        ("reopen", {"reason": "复查"}),
        ("dispatch", {"lead": tree.chengguan.pk}),
    ):
        response = worker.post(f"/api/petitions/{petition.pk}/{path}/", body, format="json")
        assert response.status_code == 409, (path, response.content.decode())
        assert response.json()["detail"]
    assert state_of(petition) == before

    whistled(petition, people, tree)
    dispatch = Dispatch.objects.get(petition=petition)
    handler = api_for(people.handler)
    before = state_of(petition)
    response = handler.post(
        f"/api/dispatches/{dispatch.pk}/complete/", {"note": "好"}, format="json"
    )
    assert response.status_code == 409
    # Departments are rated once the petition is closed.
    response = worker.post(f"/api/dispatches/{dispatch.pk}/rate/", {"rating": 4}, format="json")
    assert response.status_code == 409
    assert state_of(petition) == before


def test_a_stale_version_is_409_and_changes_nothing(
    petition: Petition, people: Personas, tree: Tree
) -> None:
    worker = api_for(people.worker)
    seen = ok(worker.get(f"/api/petitions/{petition.pk}/"))["version"]
    services.petition_accept(actor=people.worker, petition=petition)
    before = state_of(petition)
    for path, body in (
        ("start", {"version": seen}),
        ("dispatch", {"lead": tree.chengguan.pk, "version": seen}),
        ("tag-complex", {"tags": ["cross_region"], "version": seen}),
    ):
        response = worker.post(f"/api/petitions/{petition.pk}/{path}/", body, format="json")
        assert response.status_code == 409, (path, response.content.decode())
    assert state_of(petition) == before

    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan)
    dispatch = Dispatch.objects.get(petition=petition)
    handler = api_for(people.handler)
    stale = dispatch.version
    services.dispatch_report(actor=people.handler, dispatch=dispatch)
    before = state_of(petition)
    response = handler.post(
        f"/api/dispatches/{dispatch.pk}/return/",
        {"reason": "非本部门职责", "version": stale},
        format="json",
    )
    assert response.status_code == 409
    assert state_of(petition) == before
    # The current version goes through.
    current = Dispatch.objects.get(pk=dispatch.pk).version
    response = handler.post(
        f"/api/dispatches/{dispatch.pk}/return/",
        {"reason": "非本部门职责", "version": current},
        format="json",
    )
    assert ok(response)["status"] == "returned"


# --- 404 outside scope, 403 inside it --------------------------------------------------------


def test_outside_the_scope_a_petition_or_dispatch_does_not_exist(
    petition: Petition, people: Personas, tree: Tree, police_handler: User
) -> None:
    whistled(petition, people, tree)
    dispatch = Dispatch.objects.get(petition=petition)
    before = state_of(petition)
    outsider = api_for(people.other_worker)  # 新华社区, another street
    requests: list[tuple[str, str, dict[str, Any] | None]] = [
        ("get", f"/api/petitions/{petition.pk}/", None),
        ("get", f"/api/petitions/{petition.pk}/events/", None),
        ("post", f"/api/petitions/{petition.pk}/start/", {}),
        ("post", f"/api/petitions/{petition.pk}/reject/", {}),
        ("get", f"/api/dispatches/{dispatch.pk}/", None),
        ("post", f"/api/dispatches/{dispatch.pk}/rate/", {"rating": 5}),
    ]
    for method, path, body in requests:
        response = getattr(outsider, method)(path, body, format="json")
        assert response.status_code == 404, (path, response.content.decode())
    assert ok(outsider.get("/api/petitions/"))["count"] == 0
    assert ok(outsider.get("/api/dispatches/"))["count"] == 0

    # A handler of another department: the whistle to 城管局 is not theirs.
    police = api_for(police_handler)
    requests = [
        ("get", f"/api/dispatches/{dispatch.pk}/", None),
        ("post", f"/api/dispatches/{dispatch.pk}/report/", {}),
        ("post", f"/api/dispatches/{dispatch.pk}/return/", {"reason": "不是我们的"}),
        ("get", f"/api/petitions/{petition.pk}/", None),
    ]
    for method, path, body in requests:
        response = getattr(police, method)(path, body, format="json")
        assert response.status_code == 404, (path, response.content.decode())
    assert ok(police.get("/api/dispatches/"))["count"] == 0
    assert api_for(people.worker).get("/api/petitions/999999/").status_code == 404
    assert api_for(people.worker).get("/api/petitions/abc/").status_code == 404
    assert state_of(petition) == before


def test_in_scope_a_role_that_may_not_act_gets_403(
    petition: Petition, people: Personas, tree: Tree
) -> None:
    # The grid worker logs a petition (and sees it), but may not accept it.
    grid = api_for(people.grid)
    logged = ok(
        grid.post(
            "/api/petitions/",
            {
                "location": tree.building_2.pk,
                "channel": "grid_report",
                "category": "safety_hazard",
                "title": "电动车楼道充电",
                "description": "2号楼楼道有电动车充电。",
            },
            format="json",
        ),
        201,
    )
    assert logged["actions"] == []
    own = Petition.objects.get(pk=logged["id"])
    before = state_of(own)
    assert grid.post(f"/api/petitions/{own.pk}/accept/", {}, format="json").status_code == 403
    assert state_of(own) == before

    # The street's official sees the community's petition but does not handle it (yet).
    official = api_for(people.official)
    before = state_of(petition)
    response = official.post(f"/api/petitions/{petition.pk}/accept/", {}, format="json")
    assert response.status_code == 403
    assert ok(official.get(f"/api/petitions/{petition.pk}/"))["actions"] == [
        "supervise",
        "tag_complex",
    ]
    assert state_of(petition) == before

    # The handler sees the whistled petition, but replying is the community's.
    whistled(petition, people, tree)
    services.dispatch_report(actor=people.handler, dispatch=Dispatch.objects.get(petition=petition))
    handler = api_for(people.handler)
    before = state_of(petition)
    response = handler.post(
        f"/api/petitions/{petition.pk}/reply/", {"reply": "已处理"}, format="json"
    )
    assert response.status_code == 403
    assert ok(handler.get(f"/api/petitions/{petition.pk}/"))["actions"] == []
    assert state_of(petition) == before

    # Intake is for community and grid workers.
    response = handler.post(
        "/api/petitions/",
        {
            "location": tree.guangming.pk,
            "channel": "phone",
            "category": "other",
            "title": "x",
            "description": "y",
        },
        format="json",
    )
    assert response.status_code == 403


# --- 400 with field names --------------------------------------------------------------------


def test_bad_input_is_400_with_the_field_names_and_changes_nothing(
    petition: Petition, people: Personas, tree: Tree
) -> None:
    worker = api_for(people.worker)
    count = Petition.objects.count()
    before = state_of(petition)

    def fields(response: Any) -> set[str]:
        assert response.status_code == 400, response.content.decode()
        return set(response.json())

    url = f"/api/petitions/{petition.pk}"
    assert fields(worker.post(f"{url}/reject/", {}, format="json")) == {"reason"}
    assert fields(worker.post(f"{url}/reject/", {"reason": "  "}, format="json")) == {"reason"}
    assert fields(worker.post(f"{url}/accept/", {"version": "abc"}, format="json")) == {"version"}
    assert fields(worker.post(f"{url}/accept/", ["not", "an", "object"], format="json")) == {
        "detail"
    }
    assert fields(worker.post(f"{url}/dispatch/", {"lead": 999999}, format="json")) == {"lead"}
    assert fields(
        worker.post(f"{url}/dispatch/", {"lead": "abc", "assists": ["x", 1.5]}, format="json")
    ) == {"lead", "assists"}
    assert fields(worker.post(f"{url}/dispatch/", {"lead": 10**30}, format="json")) == {"lead"}
    assert fields(worker.post(f"{url}/tag-complex/", {"tags": ["unheard_of"]}, format="json")) == {
        "tags"
    }
    assert fields(worker.post(f"{url}/decide-extension/", {"note": "x"}, format="json")) == {
        "approve"
    }
    assert state_of(petition) == before

    intake = {
        "location": tree.building_1.pk,
        "channel": "walk_in",
        "category": "sanitation",
        "title": "楼道堆放杂物",
        "description": "影响通行。",
    }
    assert fields(worker.post("/api/petitions/", {}, format="json")) == {
        "location",
        "channel",
        "category",
        "title",
        "description",
    }
    bad_phone = worker.post("/api/petitions/", {**intake, "contact_phone": "12345"}, format="json")
    assert fields(bad_phone) >= {"contact_phone"}
    assert fields(
        worker.post("/api/petitions/", {**intake, "petitioner": "abc"}, format="json")
    ) == {"petitioner"}
    assert fields(
        worker.post("/api/petitions/", {**intake, "location": tree.xinhua.pk}, format="json")
    ) == {"location"}
    assert fields(
        worker.post("/api/petitions/", {**intake, "attachments": "not a file"}, format="json")
    ) == {"attachments"}
    assert Petition.objects.count() == count

    for query in (
        {"unit": "abc"},
        {"overdue": "maybe"},
        {"status": "lost"},
        {"unit": tree.xinhua.pk},
    ):
        assert fields(worker.get("/api/petitions/", query)) == set(query)

    # Dispatch actions and the rating.
    whistled(petition, people, tree)
    dispatch = Dispatch.objects.get(petition=petition)
    handler = api_for(people.handler)
    before = state_of(petition)
    assert fields(handler.post(f"/api/dispatches/{dispatch.pk}/return/", {}, format="json")) == {
        "reason"
    }
    assert fields(handler.post(f"/api/dispatches/{dispatch.pk}/complete/", {}, format="json")) == {
        "note"
    }
    for rating in (7, 0, "five", None):
        response = worker.post(
            f"/api/dispatches/{dispatch.pk}/rate/", {"rating": rating}, format="json"
        )
        assert fields(response) == {"rating"}
    assert state_of(petition) == before


# --- Personal data ---------------------------------------------------------------------------


def test_the_handler_sees_the_petitioner_masked(people: Personas, tree: Tree) -> None:
    wang = register_wang(tree)
    petition = log_petition(people, tree, petitioner=wang, contact_phone="13812345678")
    whistled(petition, people, tree)

    def petitioner(user: User) -> tuple[str, str, str]:
        response = api_for(user).get(f"/api/petitions/{petition.pk}/")
        body = ok(response)
        return body["petitioner_name"], body["contact_phone"], response.content.decode()

    # Staff of the area see the name in full, the handler masked; the phone stays masked.
    for user in (people.worker, people.official):
        name, phone, body = petitioner(user)
        assert (name, phone) == ("王秀英", "138****5678")
        assert "13812345678" not in body
        assert "13912345678" not in body
    name, phone, body = petitioner(people.handler)
    assert (name, phone) == ("王**", "138****5678")
    assert "王秀英" not in body
    assert "13812345678" not in body
    assert "13912345678" not in body
    listed = ok(api_for(people.handler).get("/api/petitions/"))["results"]
    assert [(row["petitioner_name"], row["contact_phone"]) for row in listed] == [
        ("王**", "138****5678")
    ]


def test_anonymous_petitions_name_nobody(people: Personas, tree: Tree) -> None:
    worker = api_for(people.worker)
    created = ok(
        worker.post(
            "/api/petitions/",
            {
                "location": tree.guangming.pk,
                "channel": "phone",
                "category": "dispute",
                "title": "噪音扰民",
                "description": "夜间施工噪音。",
                "is_anonymous": True,
            },
            format="json",
        ),
        201,
    )
    assert created["is_anonymous"] is True
    assert created["petitioner"] is None
    assert created["contact_phone"] == ""
    wang = register_wang(tree)
    response = worker.post(
        "/api/petitions/",
        {
            "location": tree.guangming.pk,
            "channel": "phone",
            "category": "dispute",
            "title": "噪音扰民",
            "description": "夜间施工噪音。",
            "is_anonymous": True,
            "petitioner": wang.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert set(response.json()) >= {"petitioner"}


def test_a_grid_worker_logs_a_hazard_from_a_visit(people: Personas, world: GridWorld) -> None:
    grid = api_for(people.grid)
    body = {
        "location": world.home_101.community_id,
        "channel": "grid_report",
        "category": "safety_hazard",
        "title": "楼道杂物堵塞消防通道",
        "description": "走访发现1单元楼道堆放杂物。",
        "source_visit": world.visit_101.pk,
    }
    created = ok(grid.post("/api/petitions/", body, format="json"), 201)
    assert (created["source_visit"], created["grid"], created["grid_name"]) == (
        world.visit_101.pk,
        world.grid_a.pk,
        "光明一网格",
    )
    count = Petition.objects.count()
    again = grid.post("/api/petitions/", body, format="json")
    assert again.status_code == 400
    assert set(again.json()) >= {"source_visit"}
    # Another community's worker cannot name the visit: for them it does not exist.
    outsider = api_for(people.other_worker)
    response = outsider.post(
        "/api/petitions/", {**body, "location": world.xinhua_grid.community_id}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"source_visit"}
    assert Petition.objects.count() == count


# --- Lists and filters -----------------------------------------------------------------------


def test_list_filters(people: Personas, tree: Tree, clock: Any) -> None:
    old = log_petition(people, tree, title="路灯不亮", category="public_service")
    urgent = log_petition(
        people, tree, title="燃气泄漏", category="safety_hazard", urgency="urgent"
    )
    services.petition_accept(actor=people.worker, petition=urgent)
    services.petition_tag_complex(actor=people.worker, petition=urgent, tags=["cross_department"])
    clock.shift(dt.timedelta(days=2))  # the accept deadline of ``old`` has passed
    worker, official = api_for(people.worker), api_for(people.official)

    def numbers(client: APIClient, **query: Any) -> list[str]:
        return [row["number"] for row in ok(client.get("/api/petitions/", query))["results"]]

    assert numbers(worker) == [old.number, urgent.number]  # overdue first
    assert numbers(worker, overdue=1) == [old.number]
    assert numbers(worker, overdue=0) == [urgent.number]
    assert numbers(worker, status="accepted") == [urgent.number]
    assert numbers(worker, q="燃气") == [urgent.number]
    assert numbers(worker, q=old.number) == [old.number]
    assert numbers(worker, category="public_service") == [old.number]
    assert numbers(worker, channel="phone") == []
    assert numbers(worker, complex=1) == [urgent.number]
    assert numbers(worker, repeat=1) == []
    assert numbers(worker, supervised=0) == [old.number, urgent.number]
    assert numbers(worker, handled_here=1) == [old.number, urgent.number]
    assert numbers(official, handled_here=1) == []
    assert numbers(official, unit=tree.heping.pk) == []
    assert numbers(official, unit=tree.guangming.pk) == [old.number, urgent.number]
    row = ok(worker.get("/api/petitions/", {"overdue": 1}))["results"][0]
    assert (row["is_overdue"], row["light"]) == (True, "red")


# --- Pinned query counts ---------------------------------------------------------------------


GROWTH_CASES = [(category, urgency) for category in Category.values for urgency in Urgency.values]


def _grow(people: Personas, tree: Tree, world: GridWorld, count: int) -> None:
    """``count`` more petitions, logged by the grid worker with a petitioner (a new resident
    of its grid each time) and whistled to 城管局 (so each list of each persona gains rows),
    and as many more deadline policies."""
    start = Petition.objects.count()
    for index in range(start, start + count):
        petitioner = register_wang(tree)
        grid_services.resident_add(actor=None, household=world.home_101, person=petitioner)
        petition = log_petition_as(
            people.grid,
            tree,
            channel="grid_report",
            title=f"诉求{index}",
            description="楼道堆放杂物",
            petitioner=petitioner,
        )
        whistled(petition, people, tree)
        category, urgency = GROWTH_CASES[index]
        DeadlinePolicy.objects.create(
            name=f"时限{index}",
            track="formal",
            category=category,
            urgency=urgency,
            accept_within=15,
            resolve_within=60,
            report_within=24,
            complete_within=7,
        )


@pytest.mark.parametrize(
    ("url", "persona", "expected"),
    [
        # Petitions, read by cursor (governance.keyset): the caller's anchor (or department),
        # the ids of the area's communities (not for a handler, who sees whistled cases), the
        # overdue cases, then the rest (the overdue ones do not fill the page), the page's rows
        # with their joins, the count capped at 1,000; the unit of ``?unit=``; ``?overdue=0``
        # reads no overdue cases.
        ("/api/petitions/", "worker", 6),
        ("/api/petitions/?overdue=0&unit={guangming}", "official", 6),
        ("/api/petitions/", "handler", 5),
        ("/api/petitions/?q=诉求", "grid", 6),
        # Whistles, by cursor: the caller's anchor (or department), by deadline the open
        # whistles by due time, the open ones without one, the finished ones (the page is not
        # full before), the page's rows, the count capped at 1,000.
        ("/api/dispatches/", "handler", 6),
        ("/api/dispatches/?open=1", "worker", 6),
        # The others by page number: the caller's anchor (or department), COUNT, the rows with
        # their joins; the unread count of the inbox.
        ("/api/notifications/", "handler", 4),
        ("/api/deadline-policies/", "worker", 3),
    ],
)
def test_list_query_counts_do_not_grow_with_rows(
    people: Personas, tree: Tree, world: GridWorld, url: str, persona: str, expected: int
) -> None:
    target = url.format(guangming=tree.guangming.pk)

    def measure() -> tuple[int, int]:
        client = api_for(getattr(people, persona))
        with CaptureQueriesContext(connection) as captured:
            body = ok(client.get(target))
        return len(captured), len(body["results"])

    _grow(people, tree, world, 1)
    few = measure()
    _grow(people, tree, world, 6)
    many = measure()
    assert few[1] < many[1]
    assert few[0] == many[0] == expected, (few, many)


# --- Ledgers ---------------------------------------------------------------------------------


def _sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return list(sheet.iter_rows(min_row=3, values_only=True))


def _download(response: Any) -> bytes:
    assert response.status_code == 200, response.content.decode()
    return b"".join(response.streaming_content)


def test_the_petition_ledger_holds_the_callers_scope_and_is_logged(
    people: Personas, tree: Tree
) -> None:
    wang = register_wang(tree)
    mine = log_petition(people, tree, petitioner=wang, contact_phone="13812345678")
    services.petition_create(
        actor=people.other_worker,
        location=tree.xinhua,
        channel="walk_in",
        category="other",
        title="新华社区的事",
        description="不在光明社区",
    )
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    data = _download(api_for(people.worker).get("/api/petitions/", {"format": "xlsx"}))
    with translation.override("zh-hans"):
        expected = [
            (
                1,
                mine.number,
                NOW.replace(tzinfo=None),  # Excel has no time zones: local time
                str(Channel.WALK_IN.label),
                str(Category.SANITATION.label),
                str(Urgency.NORMAL.label),
                str(Track.ORDINARY.label),
                "楼道堆放杂物",
                "光明社区",
                "光明社区",
                str(Status.SUBMITTED.label),
                0,
                at("2026-11-19", "23:59:59").replace(tzinfo=None),
                None,
                pgettext("light", "green"),
                None,
                None,
                "王秀英",
                "138****5678",
            )
        ]
    assert _sheet_rows(data)[1:] == expected
    exports = list(
        AuditEvent.objects.filter(pk__gt=last_audit, action=AuditEvent.Action.EXPORT).values_list(
            "actor__username", "object_type", "changes"
        )
    )
    assert exports == [
        (
            "worker",
            "petitions.Petition",
            {
                "ledger": "petitions",
                "format": "xlsx",
                "rows": 1,
                "revealed": False,
                "filters": "complex=false; handled_here=false",
            },
        )
    ]

    # The handler's csv of the same petition once whistled: the name masked, logged too.
    whistled(mine, people, tree)
    data = _download(api_for(people.handler).get("/api/petitions/", {"format": "csv"}))
    assert data.startswith(UTF8_BOM)
    _header, *rows = csv.reader(io.StringIO(data[len(UTF8_BOM) :].decode("utf-8")))
    assert [row[1] for row in rows] == [mine.number]
    assert rows[0][-2:] == ["王**", "138****5678"]
    assert "王秀英" not in data.decode("utf-8-sig")
    assert AuditEvent.objects.filter(
        pk__gt=last_audit, action=AuditEvent.Action.EXPORT, actor=people.handler
    ).exists()

    # Whistles, policies and notifications hold no personal data: a ledger, no audit row.
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    data = _download(api_for(people.handler).get("/api/dispatches/", {"format": "xlsx"}))
    assert [row[1] for row in _sheet_rows(data)[1:]] == [mine.number]
    _download(api_for(people.worker).get("/api/deadline-policies/", {"format": "csv"}))
    _download(api_for(people.handler).get("/api/notifications/", {"format": "xlsx"}))
    assert not AuditEvent.objects.filter(pk__gt=last_audit).exists()


def test_export_query_count_does_not_grow_with_rows(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    def measure() -> int:
        client = api_for(people.worker)
        with CaptureQueriesContext(connection) as captured:
            _download(client.get("/api/petitions/", {"format": "xlsx"}))
        return len(captured)

    _grow(people, tree, world, 1)
    few = measure()
    _grow(people, tree, world, 6)
    assert measure() == few


# --- Notifications ---------------------------------------------------------------------------


def test_notifications_inbox_unread_count_and_mark_read(
    petition: Petition, people: Personas, tree: Tree
) -> None:
    whistled(petition, people, tree)
    other = log_petition(people, tree, title="第二件")
    whistled(other, people, tree)
    handler = api_for(people.handler)
    inbox = ok(handler.get("/api/notifications/"))
    assert inbox["count"] == 2
    assert inbox["unread_count"] == 2
    assert [row["petition_number"] for row in inbox["results"]] == [other.number, petition.number]
    assert {row["kind"] for row in inbox["results"]} == {"petition.dispatch"}
    assert [row["petition"] for row in inbox["results"]] == [other.pk, petition.pk]
    assert ok(handler.get("/api/notifications/unread-count/")) == {"unread_count": 2}

    first = inbox["results"][0]["id"]
    workers = Notification.objects.filter(recipient=people.worker).values_list("pk", flat=True)
    someone_elses = list(workers)
    marked = ok(
        handler.post(
            "/api/notifications/mark-read/", {"ids": [first, *someone_elses]}, format="json"
        )
    )
    assert marked == {"marked": 1, "unread_count": 1}
    assert Notification.objects.filter(pk__in=someone_elses, read_at__isnull=False).count() == 0
    unread = ok(handler.get("/api/notifications/", {"unread": 1}))
    assert [row["petition_number"] for row in unread["results"]] == [petition.number]
    assert ok(handler.post("/api/notifications/mark-read/", {"all": True}, format="json")) == {
        "marked": 1,
        "unread_count": 0,
    }
    assert ok(handler.post("/api/notifications/mark-read/", {"all": True}, format="json")) == {
        "marked": 0,
        "unread_count": 0,
    }
    for body in ({}, {"all": True, "ids": [first]}, {"ids": ["x"]}):
        response = handler.post("/api/notifications/mark-read/", body, format="json")
        assert response.status_code == 400
        assert set(response.json()) == {"ids"}
    assert ok(api_for(people.other_worker).get("/api/notifications/"))["count"] == 0


# --- Deadline policies -----------------------------------------------------------------------

POLICY = {
    "name": "环境卫生（紧急）",
    "track": "ordinary",
    "category": "sanitation",
    "urgency": "urgent",
    "accept_within": 2,
    "accept_unit": "hours",
    "resolve_within": 1,
    "resolve_unit": "working_days",
    "report_within": 1,
    "report_unit": "hours",
    "complete_within": 1,
    "complete_unit": "calendar_days",
    "max_extension": 0,
    "extension_unit": "calendar_days",
}


def test_deadline_policies_are_read_by_staff_and_written_by_admins(
    people: Personas, tree: Tree
) -> None:
    worker, admin = api_for(people.worker), api_for(people.street_admin)
    listed = ok(worker.get("/api/deadline-policies/"))
    assert listed["count"] == DeadlinePolicy.objects.count() == 3
    default = DeadlinePolicy.objects.get(track="ordinary", category="", urgency="")
    assert ok(worker.get(f"/api/deadline-policies/{default.pk}/"))["accept_within"] == 1
    assert worker.get("/api/deadline-policies/999999/").status_code == 404

    count = DeadlinePolicy.objects.count()
    assert worker.post("/api/deadline-policies/", POLICY, format="json").status_code == 403
    assert (
        worker.patch(f"/api/deadline-policies/{default.pk}/", {"yellow_at": 50}, format="json")
    ).status_code == 403
    assert DeadlinePolicy.objects.count() == count

    created = ok(admin.post("/api/deadline-policies/", POLICY, format="json"), 201)
    assert (created["category"], created["yellow_at"], created["is_active"]) == (
        "sanitation",
        80,
        True,
    )
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.CREATE,
        object_type="petitions.DeadlinePolicy",
        object_id=str(created["id"]),
        actor=people.street_admin,
    ).exists()
    # The most specific active policy now applies to urgent sanitation cases.
    urgent = log_petition(people, tree, urgency="urgent")
    assert urgent.policy_id == created["id"]

    def errors(response: Any) -> set[str]:
        assert response.status_code == 400, response.content.decode()
        return set(response.json())

    assert errors(admin.post("/api/deadline-policies/", POLICY, format="json")) >= {
        "non_field_errors"
    }
    formal = {**POLICY, "track": "formal", "category": "", "urgency": "dispute"}
    assert errors(
        admin.post(
            "/api/deadline-policies/",
            {**formal, "urgency": "", "accept_within": 20, "accept_unit": "calendar_days"},
            format="json",
        )
    ) >= {"accept_within"}
    assert errors(
        admin.post(
            "/api/deadline-policies/",
            {**formal, "urgency": "urgent", "resolve_unit": "working_days"},
            format="json",
        )
    ) == {"detail", "resolve_unit"}
    assert errors(
        admin.post("/api/deadline-policies/", {**POLICY, "yellow_at": 100}, format="json")
    ) == {"yellow_at"}
    assert errors(
        admin.patch(f"/api/deadline-policies/{default.pk}/", {"is_active": False}, format="json")
    ) == {"detail", "is_active"}
    assert DeadlinePolicy.objects.count() == count + 1

    changed = ok(
        admin.patch(f"/api/deadline-policies/{created['id']}/", {"yellow_at": 60}, format="json")
    )
    assert changed["yellow_at"] == 60
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.UPDATE,
        object_type="petitions.DeadlinePolicy",
        object_id=str(created["id"]),
        changes={"yellow_at": 60},
    ).exists()


def test_the_schema_lists_the_petition_endpoints(people: Personas, tree: Tree) -> None:
    paths = ok(api_for(people.worker).get("/api/schema/", {"format": "json"}))["paths"]
    for path in (
        "/api/deadline-policies/",
        "/api/petitions/",
        "/api/petitions/{id}/dispatch/",
        "/api/petitions/{id}/request-extension/",
        "/api/petitions/{id}/events/",
        "/api/dispatches/{id}/return/",
        "/api/notifications/mark-read/",
        "/api/notifications/unread-count/",
    ):
        assert path in paths, path
    parameters = {row["name"]: row for row in paths["/api/dispatches/"]["get"]["parameters"]}
    assert sorted(parameters["status"]["schema"]["enum"]) == sorted(DispatchStatus.values)
