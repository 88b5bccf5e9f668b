"""The volunteers API: the wish journey ending in points, the 五单法, activities, points and
redemptions; 409 for illegal transitions and stale versions, 404 outside scope, 403 inside it,
400 with field names; the volunteer role sees nothing else; masking; pinned query counts;
ledgers. The clock is frozen at ``NOW`` (Wednesday 2026-11-18 10:00, Shanghai)."""

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
from django.utils.translation import gettext, pgettext
from PIL import Image
from rest_framework.test import APIClient

from governance.ledger.export import UTF8_BOM
from governance.models import AuditEvent
from orgchart import services as org
from orgchart.exports import header as header_of
from petitions import services as petition_services
from tests.conftest import Personas, Tree
from tests.factories import VolunteerFactory
from tests.grids.conftest import (
    GridWorld,
    world,  # noqa: F401 - the grids fixture
)
from tests.helpers import api_for_fresh_copy as api_for
from tests.volunteers.conftest import NOW, VolunteerWorld, order_work, post_wish
from volunteers import services
from volunteers.models import (
    Activity,
    PartnerUnit,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    Signup,
    Team,
    Volunteer,
    Wish,
    WishEvent,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStatus,
)

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content.decode()
    return response.json()


def refused(response: Any, code: int) -> Any:
    assert response.status_code == code, (response.status_code, response.content.decode())
    return response.json()


def fields(response: Any) -> set[str]:
    """The field names of a 400 answer (without the summary ``detail``)."""
    assert response.status_code == 400, (response.status_code, response.content.decode())
    return set(response.json()) - {"detail"}


def zh(message: Any, context: str = "") -> str:
    """A message as the API answers it (zh-hans unless the user picks English)."""
    with translation.override("zh-hans"):
        return pgettext(context, str(message)) if context else gettext(str(message))


def png(name: str = "done.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def wish_state(wish: Wish) -> dict[str, Any]:
    return {
        "wish": Wish.objects.filter(pk=wish.pk).values().get(),
        "events": list(WishEvent.objects.filter(wish=wish).values_list("pk", flat=True)),
        "points": list(PointEntry.objects.values_list("pk", flat=True)),
    }


def order_state(order: WorkOrder) -> dict[str, Any]:
    return {
        "order": WorkOrder.objects.filter(pk=order.pk).values().get(),
        "events": list(
            WorkOrderEvent.objects.filter(work_order=order).values_list("pk", flat=True)
        ),
        "points": list(PointEntry.objects.values_list("pk", flat=True)),
    }


def dispatched(people: Personas, tree: Tree, team: Team, **fields: Any) -> WorkOrder:
    order = order_work(people, tree, **fields)
    return services.work_order_dispatch(actor=people.worker, work_order=order, team=team)


# --- The journeys ------------------------------------------------------------------------------


def test_a_wish_from_posting_to_points_through_the_api(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    worker, volunteer = api_for(people.worker), api_for(people.volunteer)

    # The community worker posts the wish ...
    created = ok(
        worker.post(
            "/api/wishes/",
            {"community": tree.guangming.pk, "title": "修水龙头", "description": "厨房漏水"},
            format="json",
        ),
        201,
    )
    wish_id = created["id"]
    assert (created["status"], created["version"], created["community_name"]) == (
        "posted",
        1,
        "光明社区",
    )
    assert created["actions"] == ["withdraw"]
    assert [(e["action"], e["to_status"]) for e in created["events"]] == [("post", "posted")]

    # ... the volunteer finds it on the community's board and claims it ...
    board = ok(volunteer.get("/api/wishes/", {"status": "posted"}))
    assert [row["id"] for row in board["results"]] == [wish_id]
    assert ok(volunteer.get(f"/api/wishes/{wish_id}/"))["actions"] == ["claim"]
    claimed = ok(volunteer.post(f"/api/wishes/{wish_id}/claim/", {"version": 1}, format="json"))
    assert (claimed["status"], claimed["claimed_by"], claimed["claimed_by_name"]) == (
        "claimed",
        vworld.me.pk,
        "志愿者甲",
    )
    assert claimed["actions"] == ["release", "fulfil"]

    # ... fulfils it with a photo (multipart) ...
    fulfilled = ok(
        volunteer.post(
            f"/api/wishes/{wish_id}/fulfil/",
            {"note": "已更换水龙头", "version": 2, "photo": png()},
            format="multipart",
        )
    )
    assert (fulfilled["status"], fulfilled["fulfil_note"], fulfilled["has_photo"]) == (
        "fulfilled",
        "已更换水龙头",
        True,
    )
    assert fulfilled["photo_url"] == f"/api/wishes/{wish_id}/photo/"
    photo = volunteer.get(fulfilled["photo_url"], HTTP_ACCEPT="image/*")
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"

    # ... the worker confirms it (and sees the claimer's full name) ...
    confirmed = ok(worker.post(f"/api/wishes/{wish_id}/confirm/", {"version": 3}, format="json"))
    assert (
        confirmed["status"],
        confirmed["version"],
        confirmed["claimed_by_name"],
        confirmed["actions"],
    ) == ("confirmed", 4, "志愿者甲", [])
    assert [
        (e["action"], e["from_status"], e["to_status"], e["actor_name"])
        for e in confirmed["events"]
    ] == [
        ("post", "", "posted", "worker"),
        ("claim", "posted", "claimed", "volunteer"),
        ("fulfil", "claimed", "fulfilled", "volunteer"),
        ("confirm", "fulfilled", "confirmed", "worker"),
    ]

    # ... and the points appear in the volunteer's ledger with the right balance.
    ledger = ok(volunteer.get("/api/points/"))
    assert ledger["balance"] == 20
    assert [
        (row["volunteer"], row["volunteer_name"], row["rule_code"], row["points"], row["note"])
        for row in ledger["results"]
    ] == [(vworld.me.pk, "志愿者甲", "wish_fulfilled", 20, "修水龙头")]
    statement = ok(volunteer.get("/api/points/statement/"))
    assert (statement["year"], statement["quarter"], statement["starts_on"]) == (
        2026,
        4,
        "2026-10-01",
    )
    assert [
        (r["volunteer"], r["opening"], r["earned"], r["redeemed"], r["closing"])
        for r in statement["results"]
    ] == [(vworld.me.pk, 0, 20, 0, 20)]
    assert statement["totals"] == {
        "opening": 0,
        "earned": 20,
        "redeemed": 0,
        "closing": 20,
        "hours": "0.0",
    }

    # Confirming again (a retried request) changes nothing and awards nothing twice.
    again = ok(worker.post(f"/api/wishes/{wish_id}/confirm/"))
    assert (again["version"], len(again["events"])) == (4, 4)
    assert ok(volunteer.get("/api/points/"))["balance"] == 20

    # The official of the street sees the volunteer's name in full (DESIGN §6).
    seen = ok(api_for(people.official).get(f"/api/wishes/{wish_id}/"))
    assert seen["claimed_by_name"] == "志愿者甲"


def test_the_five_step_work_order_through_the_api(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    worker, volunteer = api_for(people.worker), api_for(people.volunteer)
    official = api_for(people.official)
    org.party_member_create(
        actor=None, person=vworld.me.person, organisation=tree.branch, status="in_service"
    )

    # 点单 ...
    created = ok(
        worker.post(
            "/api/work-orders/",
            {
                "community": tree.guangming.pk,
                "title": "楼道粉刷",
                "content": "粉刷1号楼楼道",
                "funds": "1200.50",
                "funds_source": "社区为民服务经费",
                "due_at": (NOW + 7 * DAY).isoformat(),
            },
            format="json",
        ),
        201,
    )
    order_id = created["id"]
    assert (created["number"], created["status"], created["source"]) == (
        "GD2026-000001",
        "ordered",
        "resident",
    )
    assert created["actions"] == ["dispatch", "cancel"]
    assert (created["light"], created["is_overdue"]) == ("green", False)
    # Not offered to the volunteer's team yet: it does not exist for them.
    refused(volunteer.get(f"/api/work-orders/{order_id}/"), 404)

    # 下单 to the volunteer's team ...
    dispatched_order = ok(
        worker.post(
            f"/api/work-orders/{order_id}/dispatch/",
            {"team": vworld.team.pk, "version": 1},
            format="json",
        )
    )
    assert (dispatched_order["status"], dispatched_order["team_name"]) == (
        "dispatched",
        "光明先锋队",
    )

    # ... the lead sees it with the 四公开 block and accepts it (接单) ...
    seen = ok(volunteer.get(f"/api/work-orders/{order_id}/"))
    assert seen["publicity"] == {
        "content": "粉刷1号楼楼道",
        "provider": "光明先锋队",
        "provider_kind": zh(Team.Kind.VANGUARD.label),
        "provider_contact": "志愿者甲",
        "provider_is_party_member": True,
        "provider_party_identity": zh("party member"),
        "funds": "1200.50",
        "funds_source": "社区为民服务经费",
    }
    assert seen["actions"] == ["accept"]
    ok(volunteer.post(f"/api/work-orders/{order_id}/accept/", {"version": 2}, format="json"))

    # ... the official supervises (督单), the team completes, the street returns it once ...
    ok(official.post(f"/api/work-orders/{order_id}/supervise/", {"note": "请本周完成"}))
    ok(volunteer.post(f"/api/work-orders/{order_id}/complete/", {"note": "已粉刷"}))
    returned = ok(official.post(f"/api/work-orders/{order_id}/return/", {"reason": "有漏刷"}))
    assert returned["status"] == "accepted"
    ok(volunteer.post(f"/api/work-orders/{order_id}/complete/", {"note": "已补刷"}))

    # ... and verifies it (验单): the lead earns the points.
    # (The supervision note moved the version too, as every step does.)
    verified = ok(official.post(f"/api/work-orders/{order_id}/verify/", {"version": 7}))
    assert (verified["status"], verified["version"], verified["light"]) == (
        "verified",
        8,
        None,
    )
    events = ok(worker.get(f"/api/work-orders/{order_id}/events/"))
    assert [(e["action"], e["from_status"], e["to_status"], e["note"]) for e in events] == [
        ("order", "", "ordered", ""),
        ("dispatch", "ordered", "dispatched", "光明先锋队"),
        ("accept", "dispatched", "accepted", ""),
        ("supervise", "accepted", "accepted", "请本周完成"),
        ("complete", "accepted", "completed", "已粉刷"),
        ("return", "completed", "accepted", "有漏刷"),
        ("complete", "accepted", "completed", "已补刷"),
        ("verify", "completed", "verified", ""),
    ]
    assert ok(volunteer.get("/api/points/"))["balance"] == 30

    # The board by stage: the verified order, not the others.
    board = ok(worker.get("/api/work-orders/", {"status": "verified"}))
    assert [row["number"] for row in board["results"]] == ["GD2026-000001"]
    assert ok(worker.get("/api/work-orders/", {"status": "ordered"}))["count"] == 0


def test_a_petition_becomes_a_work_order(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    petition = petition_services.petition_create(
        actor=people.worker,
        location=tree.building_1,
        channel="walk_in",
        category="public_service",
        title="楼道灯不亮",
        description="1号楼楼道灯坏了",
    )
    worker = api_for(people.worker)
    body = {
        "community": tree.guangming.pk,
        "title": "修楼道灯",
        "content": "更换1号楼楼道灯",
        "petition": petition.pk,
    }
    created = ok(worker.post("/api/work-orders/", body, format="json"), 201)
    assert (created["source"], created["petition"], created["petition_number"]) == (
        "petition",
        petition.pk,
        petition.number,
    )
    # Once only.
    assert fields(worker.post("/api/work-orders/", body, format="json")) == {"petition"}
    # The volunteer of the team it goes to sees the order, not the petition behind it.
    services.work_order_dispatch(
        actor=people.worker, work_order=WorkOrder.objects.get(pk=created["id"]), team=vworld.team
    )
    seen = ok(api_for(people.volunteer).get(f"/api/work-orders/{created['id']}/"))
    assert (seen["petition"], seen["petition_number"]) == (None, None)


def test_overdue_filter_and_lights(
    vworld: VolunteerWorld, people: Personas, tree: Tree, clock: Any
) -> None:
    late = order_work(people, tree, title="修路灯", due_at=NOW + DAY)
    order_work(people, tree, title="清理楼道", due_at=NOW + 10 * DAY)
    order_work(people, tree, title="无期限")
    worker = api_for(people.worker)

    def rows(**query: Any) -> list[tuple[str, bool, str | None]]:
        body = ok(worker.get("/api/work-orders/", query))
        return [(row["title"], row["is_overdue"], row["light"]) for row in body["results"]]

    assert rows(overdue=1) == []
    assert rows(q=late.number) == [("修路灯", False, "green")]
    # 80 % of the day has passed: yellow; two days later: red, and overdue.
    clock.move_to(NOW + dt.timedelta(hours=20), tick=False)
    assert rows(q=late.number) == [("修路灯", False, "yellow")]
    clock.move_to(NOW + 2 * DAY, tick=False)
    assert rows(overdue=1) == [("修路灯", True, "red")]
    assert rows(overdue=0) == [("无期限", False, None), ("清理楼道", False, "green")]


def test_activities_sign_up_cancel_check_in_and_hours(
    vworld: VolunteerWorld, people: Personas, tree: Tree, clock: Any
) -> None:
    worker, volunteer = api_for(people.worker), api_for(people.volunteer)
    starts = NOW + dt.timedelta(minutes=30)
    created = ok(
        worker.post(
            "/api/activities/",
            {
                "unit": tree.guangming.pk,
                "title": "周六志愿服务日",
                "kind": "volunteer_day",
                "theme": "敬老",
                "starts_at": starts.isoformat(),
                "ends_at": (starts + dt.timedelta(hours=3)).isoformat(),
                "capacity": 2,
            },
            format="json",
        ),
        201,
    )
    activity_id = created["id"]
    assert (created["taken"], created["places_left"], created["is_open"]) == (0, 2, True)

    signup = ok(volunteer.post(f"/api/activities/{activity_id}/sign-up/"))
    assert ok(volunteer.post(f"/api/activities/{activity_id}/sign-up/"))["id"] == signup["id"]
    row = ok(volunteer.get("/api/activities/"))["results"][0]
    assert (row["taken"], row["my_signup"]) == (1, signup["id"])
    cancelled = ok(volunteer.post(f"/api/activities/{activity_id}/cancel-sign-up/"))
    assert cancelled["cancelled_at"] is not None
    # Cancelling again answers the same cancelled sign-up.
    assert (
        ok(volunteer.post(f"/api/activities/{activity_id}/cancel-sign-up/"))["id"] == (signup["id"])
    )
    again = ok(volunteer.post(f"/api/activities/{activity_id}/sign-up/"))
    assert again["id"] != signup["id"]

    # Only the organisers see the sign-ups.
    refused(volunteer.get(f"/api/activities/{activity_id}/signups/"), 403)
    listed = ok(worker.get(f"/api/activities/{activity_id}/signups/", {"current": 1}))
    assert [(r["id"], r["volunteer_name"]) for r in listed["results"]] == [
        (again["id"], "志愿者甲")
    ]

    checked = ok(
        worker.post(
            f"/api/activities/{activity_id}/check-in/",
            {"signup": again["id"], "hours": "2.5"},
            format="json",
        )
    )
    assert (checked["hours"], checked["checked_in_at"] is not None) == ("2.5", True)
    ledger = ok(volunteer.get("/api/points/"))
    assert sorted((r["rule_code"], r["points"]) for r in ledger["results"]) == [
        ("activity_attended", 5),
        ("service_hour", 20),
    ]
    assert ledger["balance"] == 25
    detail = ok(worker.get(f"/api/activities/{activity_id}/"))
    assert (detail["taken"], detail["checked_in"], detail["total_hours"]) == (1, 1, "2.5")
    statement = ok(worker.get("/api/points/statement/", {"volunteer": vworld.me.pk}))
    assert [(r["earned"], r["hours"]) for r in statement["results"]] == [(25, "2.5")]

    # The calendar's date filters (local days, both included).
    day = NOW.date().isoformat()
    assert ok(volunteer.get("/api/activities/", {"from": day, "to": day}))["count"] == 1
    tomorrow = (NOW + DAY).date().isoformat()
    assert ok(volunteer.get("/api/activities/", {"from": tomorrow}))["count"] == 0


def test_an_organiser_cancels_a_sign_up_by_its_id(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="主题党日",
        kind="theme_day",
        starts_at=NOW + DAY,
        ends_at=NOW + DAY + dt.timedelta(hours=2),
        capacity=1,
    )
    worker, volunteer = api_for(people.worker), api_for(people.volunteer)
    url = f"/api/activities/{activity.pk}/cancel-sign-up/"
    # Not signed up: nothing to cancel (409); an organiser must name the sign-up (400).
    refused(volunteer.post(url), 409)
    assert fields(worker.post(url)) == {"signup"}
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
    assert ok(worker.get(f"/api/activities/{activity.pk}/"))["is_open"] is False  # full
    cancelled = ok(worker.post(url, {"signup": signup.pk}, format="json"))
    assert (cancelled["id"], cancelled["cancelled_at"]) == (signup.pk, NOW.isoformat())
    assert ok(worker.get(f"/api/activities/{activity.pk}/"))["places_left"] == 1


def test_redeeming_points_never_overdraws(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    services.points_award(
        volunteer=vworld.me, rule_code="work_order_verified", source=vworld.team, now=NOW
    )
    services.points_award(
        volunteer=vworld.me, rule_code="wish_fulfilled", source=vworld.team, now=NOW
    )
    volunteer, worker = api_for(people.volunteer), api_for(people.worker)
    catalogue = ok(volunteer.get("/api/rewards/"))
    assert [(r["name"], r["points"], r["stock"]) for r in catalogue["results"]] == [
        ("洗衣液", 50, 3)
    ]
    redeemed = ok(
        volunteer.post("/api/redemptions/", {"reward": vworld.reward.pk}, format="json"), 201
    )
    assert (redeemed["volunteer"], redeemed["quantity"], redeemed["points"]) == (
        vworld.me.pk,
        1,
        50,
    )
    assert ok(volunteer.get("/api/points/"))["balance"] == 0

    before = (
        list(Redemption.objects.values_list("pk", flat=True)),
        list(PointEntry.objects.values_list("pk", flat=True)),
    )
    refused(volunteer.post("/api/redemptions/", {"reward": vworld.reward.pk}, format="json"), 409)
    assert (
        list(Redemption.objects.values_list("pk", flat=True)),
        list(PointEntry.objects.values_list("pk", flat=True)),
    ) == before
    vworld.reward.refresh_from_db()
    assert vworld.reward.stock == 2

    handed = ok(worker.post(f"/api/redemptions/{redeemed['id']}/hand-over/"))
    assert handed["handed_over_at"] is not None
    assert [r["id"] for r in ok(volunteer.get("/api/redemptions/"))["results"]] == [redeemed["id"]]

    # Staff keep the catalogue.
    created = ok(
        worker.post(
            "/api/rewards/",
            {"unit": tree.guangming.pk, "name": "毛巾", "points": 10, "stock": 5},
            format="json",
        ),
        201,
    )
    restocked = ok(worker.post(f"/api/rewards/{created['id']}/restock/", {"add": 5}))
    assert restocked["stock"] == 10


def test_registers_volunteers_teams_partners_and_dual_registrations(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    person = vworld.me.person
    member = org.party_member_create(
        actor=None, person=person, organisation=tree.branch, status="in_service"
    )
    partner = services.partner_unit_create(
        actor=None, unit=tree.east, name="区供电公司", kind="state_enterprise", contact=person
    )
    services.pairing_create(
        actor=None, partner=partner, community=tree.guangming, started_on=NOW.date()
    )
    services.dual_register(
        actor=None,
        party_member=member,
        community=tree.guangming,
        partner=partner,
        post="patrol",
        registered_on=NOW.date(),
    )
    worker = api_for(people.worker)

    volunteers = ok(worker.get("/api/volunteers/", {"party_member": 1}))
    assert [(v["name"], v["is_party_member"]) for v in volunteers["results"]] == [
        ("志愿者甲", True)
    ]
    assert ok(worker.get("/api/volunteers/", {"skill": "repairs"}))["count"] == 1
    assert ok(worker.get("/api/volunteers/", {"q": "志愿者乙"}))["count"] == 1
    team = ok(worker.get(f"/api/teams/{vworld.team.pk}/"))
    assert (team["lead_name"], team["lead_is_party_member"], team["member_count"]) == (
        "志愿者甲",
        True,
        2,
    )
    assert sorted(m["name"] for m in team["members"]) == ["志愿者乙", "志愿者甲"]
    partners = ok(worker.get("/api/partner-units/"))["results"]
    assert [(p["name"], p["contact_name"], p["contact_is_party_member"]) for p in partners] == [
        ("区供电公司", "志愿者甲", True)
    ]
    assert [pairing["community_name"] for pairing in partners[0]["pairings"]] == ["光明社区"]
    by_community = ok(worker.get("/api/dual-registrations/", {"unit": tree.guangming.pk}))
    by_partner = ok(worker.get("/api/dual-registrations/", {"partner": partner.pk}))
    assert by_community["results"] == by_partner["results"]
    assert [
        (r["name"], r["community_name"], r["partner_name"], r["post"], r["organisation_name"])
        for r in by_partner["results"]
    ] == [("志愿者甲", "光明社区", "区供电公司", "patrol", "下沉党员支部")]
    assert ok(worker.get("/api/dual-registrations/", {"current": 0}))["count"] == 0

    # The street's official sees the same registers, names in full.
    official = api_for(people.official)
    assert [v["name"] for v in ok(official.get("/api/volunteers/"))["results"]] == [
        "志愿者甲",
        "志愿者乙",
    ]
    # A branch statement covers the party members organised in that branch.
    statement = ok(official.get("/api/points/statement/", {"branch": tree.branch.pk}))
    assert [row["volunteer"] for row in statement["results"]] == [vworld.me.pk]
    assert statement["branch_name"] == "下沉党员支部"


# --- 409, 404, 403, 400 ------------------------------------------------------------------------


def test_an_illegal_transition_is_409_and_changes_nothing(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    wish = post_wish(people, tree)
    before = wish_state(wish)
    body = refused(api_for(people.worker).post(f"/api/wishes/{wish.pk}/confirm/"), 409)
    assert body["detail"]
    assert wish_state(wish) == before

    order = order_work(people, tree)
    before = order_state(order)
    refused(api_for(people.official).post(f"/api/work-orders/{order.pk}/verify/"), 409)
    assert order_state(order) == before

    cancelled = services.work_order_cancel(actor=people.worker, work_order=order, reason="重复")
    before = order_state(cancelled)
    refused(
        api_for(people.worker).post(
            f"/api/work-orders/{order.pk}/dispatch/", {"team": vworld.team.pk}, format="json"
        ),
        409,
    )
    refused(
        api_for(people.official).post(f"/api/work-orders/{order.pk}/supervise/", {"note": "x"}), 409
    )
    assert order_state(cancelled) == before


def test_a_stale_version_is_409_and_changes_nothing(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    wish = services.wish_claim(actor=people.volunteer, wish=post_wish(people, tree))
    before = wish_state(wish)
    refused(
        api_for(people.volunteer).post(
            f"/api/wishes/{wish.pk}/fulfil/", {"note": "已完成", "version": 1}, format="json"
        ),
        409,
    )
    assert wish_state(wish) == before

    order = order_work(people, tree)
    before = order_state(order)
    refused(
        api_for(people.worker).post(
            f"/api/work-orders/{order.pk}/dispatch/",
            {"team": vworld.team.pk, "version": 2},
            format="json",
        ),
        409,
    )
    assert order_state(order) == before


def test_outside_the_scope_a_row_does_not_exist(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    wish = post_wish(people, tree)
    order = order_work(people, tree)
    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="志愿服务日",
        kind="volunteer_day",
        starts_at=NOW + DAY,
        ends_at=NOW + DAY + dt.timedelta(hours=2),
        capacity=5,
    )
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
    services.points_award(volunteer=vworld.me, rule_code="wish_fulfilled", source=wish)
    redemption_reward = services.reward_create(
        actor=None, unit=tree.guangming, name="牙膏", points=5, stock=1
    )
    redemption = services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=redemption_reward
    )
    outsider = api_for(people.other_worker)
    before = (wish_state(wish), order_state(order))
    for url in (
        f"/api/wishes/{wish.pk}/",
        f"/api/work-orders/{order.pk}/",
        f"/api/work-orders/{order.pk}/events/",
        f"/api/activities/{activity.pk}/",
        f"/api/activities/{activity.pk}/signups/",
        f"/api/volunteers/{vworld.me.pk}/",
        f"/api/teams/{vworld.team.pk}/",
        f"/api/rewards/{vworld.reward.pk}/",
        f"/api/redemptions/{redemption.pk}/",
    ):
        refused(outsider.get(url), 404)
    for url, body in (
        (f"/api/wishes/{wish.pk}/withdraw/", {"reason": "x"}),
        (f"/api/work-orders/{order.pk}/cancel/", {"reason": "x"}),
        (f"/api/activities/{activity.pk}/check-in/", {"signup": signup.pk}),
        (f"/api/redemptions/{redemption.pk}/hand-over/", {}),
        (f"/api/rewards/{vworld.reward.pk}/restock/", {"add": 1}),
    ):
        refused(outsider.post(url, body, format="json"), 404)
    assert (wish_state(wish), order_state(order)) == before
    assert Signup.objects.get(pk=signup.pk).checked_in_at is None
    assert Redemption.objects.get(pk=redemption.pk).handed_over_at is None
    # Malformed and huge ids are missing rows too, never a 500.
    worker = api_for(people.worker)
    for url in ("/api/wishes/abc/", "/api/work-orders/99999999999999999999999/"):
        refused(worker.get(url), 404)
    refused(worker.post("/api/wishes/1e3/claim/"), 404)
    # The volunteer sees only the work orders offered to their team.
    refused(api_for(people.volunteer).get(f"/api/work-orders/{order.pk}/"), 404)
    # Lists hold nothing of another community.
    for url in ("/api/wishes/", "/api/work-orders/", "/api/volunteers/", "/api/points/"):
        assert ok(outsider.get(url))["count"] == 0, url


def test_in_scope_a_role_that_may_not_act_gets_403(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    wish = post_wish(people, tree)
    before = wish_state(wish)
    refused(api_for(people.worker).post(f"/api/wishes/{wish.pk}/claim/"), 403)
    refused(
        api_for(people.volunteer).post(f"/api/wishes/{wish.pk}/withdraw/", {"reason": "x"}), 403
    )
    refused(
        api_for(people.volunteer).post(
            "/api/wishes/", {"community": tree.guangming.pk, "title": "x"}, format="json"
        ),
        403,
    )
    assert wish_state(wish) == before
    assert Wish.objects.count() == 1

    order = order_work(people, tree)
    before = order_state(order)
    refused(
        api_for(people.official).post(
            f"/api/work-orders/{order.pk}/dispatch/", {"team": vworld.team.pk}, format="json"
        ),
        403,
    )
    refused(api_for(people.grid).post(f"/api/work-orders/{order.pk}/cancel/", {"reason": "x"}), 403)
    assert order_state(order) == before
    order = services.work_order_dispatch(actor=people.worker, work_order=order, team=vworld.team)
    before = order_state(order)
    # 志愿者乙 has no account; the volunteer persona is the lead: a worker may not accept.
    refused(api_for(people.worker).post(f"/api/work-orders/{order.pk}/accept/"), 403)
    refused(
        api_for(people.volunteer).post(f"/api/work-orders/{order.pk}/supervise/", {"note": "x"}),
        403,
    )
    assert order_state(order) == before

    # Redeeming is for volunteers; handing over and the catalogue for staff.
    refused(api_for(people.worker).post("/api/redemptions/", {"reward": vworld.reward.pk}), 403)
    services.points_award(volunteer=vworld.me, rule_code="work_order_verified", source=order)
    services.points_award(volunteer=vworld.me, rule_code="wish_fulfilled", source=order)
    redemption = services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward
    )
    refused(api_for(people.volunteer).post(f"/api/redemptions/{redemption.pk}/hand-over/"), 403)
    assert Redemption.objects.get(pk=redemption.pk).handed_over_at is None
    refused(
        api_for(people.volunteer).post(
            "/api/rewards/",
            {"unit": tree.guangming.pk, "name": "毛巾", "points": 1, "stock": 1},
            format="json",
        ),
        403,
    )
    refused(
        api_for(people.volunteer).post(f"/api/rewards/{vworld.reward.pk}/restock/", {"add": 1}), 403
    )
    assert Reward.objects.count() == 1
    assert Reward.objects.get().stock == 2

    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="志愿服务日",
        kind="volunteer_day",
        starts_at=NOW + dt.timedelta(minutes=30),
        ends_at=NOW + dt.timedelta(hours=2),
        capacity=5,
    )
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
    refused(
        api_for(people.volunteer).post(
            f"/api/activities/{activity.pk}/check-in/", {"signup": signup.pk}, format="json"
        ),
        403,
    )
    refused(api_for(people.worker).post(f"/api/activities/{activity.pk}/sign-up/"), 403)
    assert Signup.objects.filter(checked_in_at__isnull=False).count() == 0
    assert Signup.objects.count() == 1


def test_bad_input_is_400_with_the_field_names(
    vworld: VolunteerWorld, people: Personas, tree: Tree
) -> None:
    worker, volunteer = api_for(people.worker), api_for(people.volunteer)
    wish = services.wish_claim(actor=people.volunteer, wish=post_wish(people, tree))
    before = wish_state(wish)
    g = tree.guangming.pk
    cases: list[tuple[APIClient, str, dict[str, Any], set[str]]] = [
        (worker, "/api/wishes/", {}, {"community", "title"}),
        (worker, "/api/wishes/", {"community": "abc", "title": "x"}, {"community"}),
        (worker, "/api/wishes/", {"community": 99999999999999999999, "title": "x"}, {"community"}),
        (worker, "/api/wishes/", {"community": tree.xinhua.pk, "title": "x"}, {"community"}),
        (worker, "/api/wishes/", {"community": tree.east.pk, "title": "x"}, {"community"}),
        (volunteer, f"/api/wishes/{wish.pk}/fulfil/", {"note": ""}, {"note"}),
        (
            volunteer,
            f"/api/wishes/{wish.pk}/fulfil/",
            {"note": "x", "photo": SimpleUploadedFile("a.png", b"not a picture", "image/png")},
            {"photo"},
        ),
        (volunteer, f"/api/wishes/{wish.pk}/fulfil/", {"note": "x", "version": "x"}, {"version"}),
        (worker, f"/api/wishes/{wish.pk}/withdraw/", {}, {"reason"}),
        (
            worker,
            "/api/work-orders/",
            {"community": g, "title": "t", "content": "c", "funds": "-1"},
            {"funds"},
        ),
        (
            worker,
            "/api/work-orders/",
            {"community": g, "title": "t", "content": "c", "funds": "abc"},
            {"funds"},
        ),
        (
            worker,
            "/api/work-orders/",
            {"community": g, "title": "t", "content": "c", "due_at": "yesterday"},
            {"due_at"},
        ),
        (
            worker,
            "/api/work-orders/",
            {"community": g, "title": "t", "content": "c", "due_at": (NOW - DAY).isoformat()},
            {"due_at"},
        ),
        (
            worker,
            "/api/work-orders/",
            {"community": g, "title": "t", "content": "c", "petition": "x"},
            {"petition"},
        ),
        (
            worker,
            "/api/activities/",
            {
                "unit": g,
                "title": "t",
                "kind": "volunteer_day",
                "starts_at": NOW.isoformat(),
                "ends_at": (NOW - DAY).isoformat(),
                "capacity": 3,
            },
            {"ends_at"},
        ),
        (
            worker,
            "/api/activities/",
            {"unit": g, "title": "t", "kind": "party", "starts_at": "x", "capacity": 0},
            {"kind", "starts_at", "ends_at", "capacity"},
        ),
        (
            worker,
            "/api/activities/",
            {
                "unit": g,
                "title": "t",
                "kind": "volunteer_day",
                "starts_at": "0001-01-01T00:00:00",
                "ends_at": "9999-12-31T23:59:59+08:00",
                "capacity": 3,
            },
            {"starts_at", "ends_at"},
        ),
        (
            volunteer,
            "/api/redemptions/",
            {"reward": vworld.reward.pk, "quantity": "many"},
            {"quantity"},
        ),
        (volunteer, "/api/redemptions/", {"reward": vworld.reward.pk, "quantity": 0}, {"quantity"}),
        (
            volunteer,
            "/api/redemptions/",
            {"reward": vworld.reward.pk, "quantity": 21},
            {"quantity"},
        ),
        (volunteer, "/api/redemptions/", {"reward": "x"}, {"reward"}),
        (
            worker,
            "/api/rewards/",
            {"unit": g, "name": "x", "points": 0, "stock": -1},
            {"points", "stock"},
        ),
        (worker, f"/api/rewards/{vworld.reward.pk}/restock/", {"add": "lots"}, {"add"}),
    ]
    for client, url, body, expected in cases:
        has_file = any(isinstance(value, SimpleUploadedFile) for value in body.values())
        response = client.post(url, body, format="multipart" if has_file else "json")
        assert fields(response) == expected, (url, body)
    assert wish_state(wish) == before
    assert (WorkOrder.objects.count(), Activity.objects.count(), Redemption.objects.count()) == (
        0,
        0,
        0,
    )

    order = order_work(people, tree)
    for body, expected in (
        ({}, {"team"}),
        ({"team": "x"}, {"team"}),
        ({"team": vworld.team.pk, "due_at": (NOW - DAY).isoformat()}, {"due_at"}),
    ):
        response = worker.post(f"/api/work-orders/{order.pk}/dispatch/", body, format="json")
        assert fields(response) == expected, body

    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="志愿服务日",
        kind="volunteer_day",
        starts_at=NOW + dt.timedelta(minutes=30),
        ends_at=NOW + dt.timedelta(hours=2),
        capacity=5,
    )
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
    for body, expected in (
        ({"signup": "x"}, {"signup"}),
        ({"signup": signup.pk, "hours": "abc"}, {"hours"}),
        ({"signup": signup.pk, "hours": "30"}, {"hours"}),
        ({"signup": signup.pk, "hours": "0"}, {"hours"}),
    ):
        response = worker.post(f"/api/activities/{activity.pk}/check-in/", body, format="json")
        assert fields(response) == expected, body
    assert Signup.objects.get(pk=signup.pk).checked_in_at is None

    queries: list[tuple[str, dict[str, Any], set[str]]] = [
        ("/api/wishes/", {"unit": "abc"}, {"unit"}),
        ("/api/wishes/", {"status": "lost"}, {"status"}),
        ("/api/work-orders/", {"overdue": "maybe", "team": "x"}, {"overdue", "team"}),
        ("/api/activities/", {"from": "2026-13-01"}, {"from"}),
        ("/api/activities/", {"from": "2026-11-20", "to": "2026-11-19"}, {"to"}),
        ("/api/activities/", {"from": "0001-01-01", "to": "9999-12-31"}, {"from", "to"}),
        ("/api/points/", {"volunteer": 99999999999999999999}, {"volunteer"}),
        ("/api/points/statement/", {"quarter": 5, "year": "abc"}, {"quarter", "year"}),
        ("/api/points/statement/", {"branch": tree.xinhua.pk}, {"branch"}),
        ("/api/volunteers/", {"q": "110101198501010010"}, {"q"}),
        ("/api/dual-registrations/", {"partner": "x", "current": "x"}, {"partner", "current"}),
        ("/api/redemptions/", {"handed_over": "x"}, {"handed_over"}),
    ]
    for url, query, expected in queries:
        assert fields(api_for(people.official).get(url, query)) == expected, (url, query)


def test_the_volunteer_role_sees_nothing_else(
    vworld: VolunteerWorld,
    people: Personas,
    tree: Tree,
    world: GridWorld,  # noqa: F811 - the grids fixture, imported above
) -> None:
    petition = petition_services.petition_create(
        actor=people.worker,
        location=tree.building_1,
        channel="walk_in",
        category="sanitation",
        title="楼道堆放杂物",
        description="影响通行",
    )
    volunteer = api_for(people.volunteer)
    for url in (
        "/api/people/",
        "/api/party-members/",
        "/api/posts/",
        "/api/petitions/",
        "/api/dispatches/",
        "/api/grids/",
        "/api/households/",
        "/api/residents/",
        "/api/visits/",
        "/api/dual-registrations/",
    ):
        assert ok(volunteer.get(url))["count"] == 0, url
    for url in (
        f"/api/people/{vworld.other.person.pk}/",
        f"/api/petitions/{petition.pk}/",
        f"/api/grids/{world.grid_a.pk}/",
        f"/api/households/{world.home_101.pk}/",
        f"/api/residents/{world.wang.pk}/",
        f"/api/volunteers/{vworld.other.pk}/",
    ):
        refused(volunteer.get(url), 404)
    # Of the volunteers, their own record; of the points, their own ledger.
    assert [v["id"] for v in ok(volunteer.get("/api/volunteers/"))["results"]] == [vworld.me.pk]
    services.points_award(volunteer=vworld.other, rule_code="wish_fulfilled", source=petition)
    assert ok(volunteer.get("/api/points/"))["count"] == 0
    assert fields(volunteer.get("/api/points/", {"volunteer": vworld.other.pk})) == {"volunteer"}
    statement = ok(volunteer.get("/api/points/statement/", {"branch": tree.guangming.pk}))
    assert [row["volunteer"] for row in statement["results"]] == [vworld.me.pk]
    # A wish's beneficiary is masked on the board.
    services.wish_post(
        actor=people.worker,
        community=tree.guangming,
        title="代买药品",
        beneficiary=world.wang.person,
    )
    board = ok(volunteer.get("/api/wishes/"))["results"]
    assert [(w["title"], w["beneficiary_name"]) for w in board] == [("代买药品", "王**")]
    assert ok(api_for(people.worker).get("/api/wishes/"))["results"][0]["beneficiary_name"] == (
        "王秀英"
    )


# --- Pinned query counts -----------------------------------------------------------------------


def _grow(vworld: VolunteerWorld, people: Personas, tree: Tree, count: int) -> None:
    """``count`` more rows in every list: volunteers (in the team, leading a team of their
    own, party members of the branch with a 双报到 through the first partner unit, signed up
    for the first activity), partner units paired with 光明社区, wishes claimed by the
    volunteer persona, work orders offered to the team, activities with the persona checked
    in, points, rewards and redemptions."""
    start = Volunteer.objects.count()
    g = tree.guangming
    for index in range(start, start + count):
        added = VolunteerFactory.create(community=g, registered_on=NOW.date())
        services.team_update_members(actor=None, team=vworld.team, add=[added])
        services.team_create(
            actor=None, unit=g, name=f"帮帮团{index}", kind="helping_group", lead=added
        )
        member = org.party_member_create(
            actor=None, person=added.person, organisation=tree.branch, status="in_service"
        )
        partner = services.partner_unit_create(
            actor=None,
            unit=tree.east,
            name=f"共建单位{index}",
            kind="government",
            contact=added.person,
        )
        services.pairing_create(actor=None, partner=partner, community=g, started_on=NOW.date())
        first_partner = PartnerUnit.objects.order_by("pk").first()
        services.dual_register(
            actor=None, party_member=member, community=g, partner=first_partner, post="patrol"
        )
        wish = services.wish_claim(
            actor=people.volunteer, wish=post_wish(people, tree, title=f"心愿{index}")
        )
        dispatched(people, tree, vworld.team, title=f"项目{index}", due_at=NOW + DAY)
        activity = services.activity_create(
            actor=people.worker,
            unit=g,
            title=f"活动{index}",
            kind="volunteer_day",
            starts_at=NOW + dt.timedelta(minutes=30),
            ends_at=NOW + dt.timedelta(hours=2),
            capacity=50,
        )
        signup = services.activity_sign_up(actor=people.volunteer, activity=activity)
        services.activity_check_in(actor=people.worker, signup=signup, hours=1)
        # 志愿者N has no account to sign up with: the row as the service would write it.
        Signup.objects.create(
            activity=Activity.objects.earliest("pk"), volunteer=added, signed_up_at=NOW
        )
        services.points_award(volunteer=added, rule_code="wish_fulfilled", source=wish)
        reward = services.reward_create(actor=None, unit=g, name=f"奖品{index}", points=1, stock=9)
        services.redemption_create(actor=people.volunteer, volunteer=vworld.me, reward=reward)


LIST_COUNTS = [
    # The caller's anchor (lazy), COUNT, the rows with their joins and annotations; ``?unit=``
    # and ``?volunteer=`` add their row; points add the balance, the statement its totals,
    # partner units the pairings' prefetch, a team's signups list the activity.
    ("/api/wishes/", "volunteer", 3),
    ("/api/wishes/?unit={guangming}&status=claimed", "official", 4),
    ("/api/work-orders/", "volunteer", 3),
    ("/api/work-orders/?overdue=0&team={team}", "worker", 4),
    ("/api/activities/", "volunteer", 3),
    ("/api/activities/?from=2026-11-18&to=2026-11-18", "worker", 3),
    ("/api/activities/{activity}/signups/", "worker", 4),
    ("/api/points/", "volunteer", 4),
    ("/api/points/", "worker", 3),
    ("/api/points/statement/", "worker", 4),
    ("/api/points/statement/?branch={branch}", "official", 5),
    ("/api/rewards/", "volunteer", 3),
    ("/api/redemptions/", "volunteer", 3),
    ("/api/redemptions/?unit={guangming}", "worker", 4),
    ("/api/volunteers/", "worker", 3),
    ("/api/teams/", "volunteer", 3),
    ("/api/partner-units/", "worker", 4),
    ("/api/dual-registrations/?partner={partner}", "official", 4),
    ("/api/dual-registrations/", "worker", 3),
]


@pytest.mark.parametrize(("url", "persona", "expected"), LIST_COUNTS)
def test_list_query_counts_do_not_grow_with_rows(
    vworld: VolunteerWorld, people: Personas, tree: Tree, url: str, persona: str, expected: int
) -> None:
    _grow(vworld, people, tree, 1)
    target = url.format(
        guangming=tree.guangming.pk,
        team=vworld.team.pk,
        branch=tree.branch.pk,
        activity=Activity.objects.earliest("pk").pk,
        partner=PartnerUnit.objects.earliest("pk").pk,
    )

    def measure() -> tuple[int, int]:
        client = api_for(getattr(people, persona))
        with CaptureQueriesContext(connection) as captured:
            body = ok(client.get(target))
        return len(captured), len(body["results"])

    few = measure()
    _grow(vworld, people, tree, 5)
    many = measure()
    assert few[1] < many[1], (few, many)
    assert few[0] == many[0] == expected, (few, many)


# --- Ledgers -----------------------------------------------------------------------------------


def _download(response: Any) -> bytes:
    assert response.status_code == 200, response.content.decode()
    return b"".join(response.streaming_content)


def _sheet_rows(data: bytes) -> list[tuple[Any, ...]]:
    """The header and the data rows (totals as the values cached beside their formulas)."""
    sheet = openpyxl.load_workbook(io.BytesIO(data), data_only=True).active
    return list(sheet.iter_rows(min_row=3, values_only=True))


EXPORTS = [
    ("/api/wishes/", "volunteers.Wish"),
    ("/api/work-orders/", "volunteers.WorkOrder"),
    ("/api/activities/", ""),
    ("/api/activities/{activity}/signups/", "volunteers.Signup"),
    ("/api/points/", "volunteers.PointEntry"),
    ("/api/points/statement/", "volunteers.PointEntry"),
    ("/api/rewards/", ""),
    ("/api/redemptions/", "volunteers.Redemption"),
    ("/api/volunteers/", "volunteers.Volunteer"),
    ("/api/teams/", "volunteers.Team"),
    ("/api/partner-units/", "volunteers.PartnerUnit"),
    ("/api/dual-registrations/", "volunteers.DualRegistration"),
]


@pytest.mark.parametrize(("url", "logged_as"), EXPORTS)
def test_every_list_exports_the_callers_scope(
    vworld: VolunteerWorld, people: Personas, tree: Tree, url: str, logged_as: str
) -> None:
    _grow(vworld, people, tree, 2)
    # Rows of 新华社区, outside the worker's area.
    outside = VolunteerFactory.create(
        community=tree.xinhua,
        person__name="新华志愿者",
        person__first17="11010119700101003",
        registered_on=NOW.date(),
    )
    services.wish_post(actor=people.other_worker, community=tree.xinhua, title="新华的心愿")
    services.points_award(volunteer=outside, rule_code="wish_fulfilled", source=vworld.team)
    target = url.format(activity=Activity.objects.earliest("pk").pk)
    worker = api_for(people.worker)
    listed = ok(worker.get(target))
    last_audit = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def measure() -> tuple[int, list[tuple[Any, ...]]]:
        with CaptureQueriesContext(connection) as captured:
            data = _download(api_for(people.worker).get(target, {"format": "xlsx"}))
        return len(captured), _sheet_rows(data)

    queries, rows = measure()
    header, *body = rows
    assert header[0] == zh("No.", "ledger")
    data_rows = [row for row in body if isinstance(row[0], int)]
    assert len(data_rows) == listed["count"] > 0
    assert "新华的心愿" not in str(rows)
    assert "新华志愿者" not in str(rows)
    exports = list(
        AuditEvent.objects.filter(pk__gt=last_audit, action=AuditEvent.Action.EXPORT).values_list(
            "actor__username", "object_type", "changes__rows"
        )
    )
    assert exports == ([("worker", logged_as, listed["count"])] if logged_as else [])

    csv_data = _download(worker.get(target, {"format": "csv"}))
    assert csv_data.startswith(UTF8_BOM)
    assert len(list(csv.reader(io.StringIO(csv_data[len(UTF8_BOM) :].decode())))) == (
        listed["count"] + 1
    )

    _grow(vworld, people, tree, 3)
    assert measure()[0] == queries


def test_ledger_contents_and_masking(vworld: VolunteerWorld, people: Personas, tree: Tree) -> None:
    order = dispatched(
        people, tree, vworld.team, funds="100.00", funds_source="党建经费", due_at=NOW + DAY
    )
    dispatched(people, tree, vworld.team, title="第二项", funds="20.50")
    services.work_order_accept(actor=people.volunteer, work_order=order)
    rows = _sheet_rows(
        _download(api_for(people.official).get("/api/work-orders/", {"format": "xlsx"}))
    )
    header, first, second, totals = rows
    with translation.override("zh-hans"):
        assert header[:3] == (
            pgettext("ledger", "No."),
            header_of(WorkOrder, "number"),
            header_of(WorkOrder, "status"),
        )
    # By stage: the dispatched order before the accepted one; the lead's name in full for the
    # official; the funds summed.
    assert [(row[1], row[2], row[9]) for row in (first, second)] == [
        ("GD2026-000002", zh(WorkOrderStatus.DISPATCHED.label), "志愿者甲"),
        (order.number, zh(WorkOrderStatus.ACCEPTED.label), "志愿者甲"),
    ]
    assert totals[0] == zh("Total", "ledger")
    with translation.override("zh-hans"):
        funds_column = header.index(header_of(WorkOrder, "funds"))
    assert totals[funds_column] == pytest.approx(120.5)

    # The volunteer's own points ledger names them in full.
    services.points_award(volunteer=vworld.me, rule_code="wish_fulfilled", source=order)
    rows = _sheet_rows(_download(api_for(people.volunteer).get("/api/points/", {"format": "xlsx"})))
    assert [row[2:5] for row in rows[1:-1]] == [
        ("志愿者甲", "光明社区", zh(PointRule.Code.WISH_FULFILLED.label))
    ]
    statement = _download(
        api_for(people.worker).get(
            "/api/points/statement/", {"format": "csv", "year": "2026", "quarter": "4"}
        )
    )
    lines = list(csv.reader(io.StringIO(statement[len(UTF8_BOM) :].decode())))
    # By community and pinyin; opening, earned, redeemed, closing, hours.
    assert [line[1:] for line in lines[1:]] == [
        ["志愿者甲", "光明社区", "", "0", "20", "0", "20", "0.0"],
        ["志愿者乙", "光明社区", "", "0", "0", "0", "0", "0.0"],
    ]


def test_the_schema_lists_the_volunteer_endpoints(people: Personas) -> None:
    schema = api_for(people.worker).get("/api/schema/", HTTP_ACCEPT="application/json")
    paths = schema.json()["paths"]
    for path in (
        "/api/wishes/{id}/fulfil/",
        "/api/work-orders/{id}/dispatch/",
        "/api/work-orders/{id}/return/",
        "/api/activities/{id}/check-in/",
        "/api/points/statement/",
        "/api/redemptions/{id}/hand-over/",
        "/api/dual-registrations/",
    ):
        assert path in paths, path
