"""Petition pages: intake (from a visit too), the list with filters and lights, a petition's
page with exactly the actions the viewer may take, the action forms (403 for a role that may
not act, 400 with the form's errors, 409 with the current state for an illegal transition or a
stale version, nothing changed on each), the acceptance notice, attachments, the department
inbox, supervision and complex-case lists, notifications and the navbar count; scope (404),
bad input (never a 500), ledgers and pinned query counts. The clock is frozen at ``NOW``
(Wednesday 2026-11-18 10:00, Shanghai)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext, override

from governance.models import AuditEvent
from grids import services as grid_services
from grids.models import Visit
from notifications.models import Notification
from orgchart import services as org_services
from orgchart.models import User
from petitions import services
from petitions.models import (
    Action,
    Category,
    Channel,
    Complexity,
    Dispatch,
    DispatchStatus,
    Petition,
    PetitionAttachment,
    PetitionEvent,
    Satisfaction,
    Status,
    Track,
    Urgency,
)
from petitions.sweep import escalate_overdue
from petitions.views.detail import TIMELINE_RECENT
from tests.conftest import Personas, Tree, client_for, make_user
from tests.grids.conftest import GridWorld
from tests.petitions.conftest import NOW, at, bring_to, events_of, log_petition, log_petition_as

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def html_of(response: Any) -> str:
    return response.content.decode()


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def zh(text: Any) -> str:
    """A label as the (zh-hans) page shows it."""
    with override("zh-hans"):
        return gettext(str(text))


def message_texts(response: Any) -> list[str]:
    return [str(message) for message in messages.get_messages(response.wsgi_request)]


def local(moment: dt.datetime | None, pattern: str = "%m-%d %H:%M") -> str:
    assert moment is not None
    return timezone.localtime(moment).strftime(pattern)


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


def shown_actions(response: Any) -> list[str]:
    """The petition actions the page offers (the forms in the "what you can do" card)."""
    return [item.name for item in response.context["items"]]


def dispatch_actions_shown(response: Any) -> dict[str, list[str]]:
    return {
        card.dispatch.department.name: [item.name for item in card.items]
        for card in response.context["cards"]
    }


def post_action(
    client: Client, petition: Petition, action: str, data: dict[str, Any], version: int | None
) -> Any:
    """POST one action form as the page sends it (fields prefixed with the action's name)."""
    name = action.replace("-", "_")
    body = {f"{name}-{key}": value for key, value in data.items()}
    if version is not None:
        body[f"{name}-version"] = version
    return client.post(f"/petitions/{petition.pk}/{action}/", body)


# --- Intake ----------------------------------------------------------------------------------


def test_intake_form_offers_the_places_and_grids_of_the_workers_community(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    response = client_for(people.worker).get("/petitions/new/")
    assert response.status_code == 200
    form = response.context["form"]
    assert [unit.name for unit in form.fields["location"].queryset] == [
        "光明社区",
        "光明小区",
        "1号楼",
        "2号楼",
    ]
    assert form.initial["location"] == tree.guangming.pk
    assert [grid.name for grid in form.fields["grid"].queryset] == [
        "光明一网格",
        "光明二网格",
        "光明商圈网格",
    ]
    html = html_of(response)
    assert 'data-testid="intake-form"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'hx-post="/petitions/new/petitioners/"' in html
    assert 'data-testid="options-channel"' in html
    assert 'data-testid="watermark"' in html
    # A grid worker: the grids they staff only.
    grid_form = client_for(people.grid).get("/petitions/new/").context["form"]
    assert [grid.name for grid in grid_form.fields["grid"].queryset] == ["光明一网格"]


def test_worker_logs_a_petition_with_a_petitioner_and_an_attachment(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    wang = world.wang.person
    response = client_for(people.worker).post(
        "/petitions/new/",
        {
            "channel": Channel.PHONE,
            "category": Category.PROPERTY,
            "urgency": Urgency.URGENT,
            "track": Track.ORDINARY,
            "title": " 电梯故障 ",
            "description": "2号楼电梯停运",
            "location": tree.building_2.pk,
            "grid": world.grid_b.pk,
            "address": "2号楼1单元",
            "petitioner": wang.pk,
            "contact_phone": "13811112222",
            "complexity": [Complexity.CROSS_DEPARTMENT],
            "attachments": [SimpleUploadedFile("照片.txt", b"scan", content_type="text/plain")],
        },
    )
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.pk}/"
    assert message_texts(response) == [
        zh("Petition %(number)s has been logged.") % {"number": petition.number}
    ]
    assert (
        petition.number,
        petition.status,
        petition.channel,
        petition.category,
        petition.urgency,
        petition.title,
        petition.community_id,
        petition.location_id,
        petition.grid_id,
        petition.address,
        petition.petitioner_id,
        petition.is_anonymous,
        petition.masked_contact_phone,
        petition.complexity,
        petition.created_by_id,
        petition.created_at,
    ) == (
        "2026-000001",
        Status.SUBMITTED,
        Channel.PHONE,
        Category.PROPERTY,
        Urgency.URGENT,
        "电梯故障",
        tree.guangming.pk,
        tree.building_2.pk,
        world.grid_b.pk,
        "2号楼1单元",
        wang.pk,
        False,
        "138****2222",
        Complexity.CROSS_DEPARTMENT,
        people.worker.pk,
        NOW,
    )
    assert list(petition.attachments.values_list("name", "uploaded_by")) == [
        ("照片.txt", people.worker.pk)
    ]
    assert [(row["action"], row["actor"], row["to"]) for row in events_of(petition)] == [
        (Action.CREATE, people.worker.pk, Status.SUBMITTED)
    ]


def test_intake_errors_show_on_the_form_and_log_nothing(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    client = client_for(people.worker)
    response = client.post(
        "/petitions/new/",
        {
            "channel": "fax",
            "category": Category.DISPUTE,
            "title": "",
            "description": "吵架",
            "location": tree.guangming.pk,
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert sorted(errors) == ["channel", "title"]
    # The service's own checks come back on their fields too: a bad phone, a grid of
    # another community, a person the worker may not see, anonymous with a petitioner.
    response = client.post(
        "/petitions/new/",
        {
            "channel": Channel.WALK_IN,
            "category": Category.DISPUTE,
            "title": "邻里纠纷",
            "description": "吵架",
            "location": tree.guangming.pk,
            "contact_phone": "12345",
            "petitioner": world.sun.person.pk,
        },
    )
    assert response.status_code == 400
    assert sorted(response.context["form"].errors) == ["petitioner"]
    response = client.post(
        "/petitions/new/",
        {
            "channel": Channel.WALK_IN,
            "category": Category.DISPUTE,
            "title": "邻里纠纷",
            "description": "吵架",
            "location": tree.guangming.pk,
            "contact_phone": "12345",
        },
    )
    assert response.status_code == 400
    assert sorted(response.context["form"].errors) == ["contact_phone"]
    assert 'data-testid="form-errors"' in html_of(response)
    # A place outside the community is not a choice; an unknown grid neither.
    response = client.post(
        "/petitions/new/",
        {
            "channel": Channel.WALK_IN,
            "category": Category.DISPUTE,
            "title": "邻里纠纷",
            "description": "吵架",
            "location": tree.heping.pk,
            "grid": world.xinhua_grid.pk,
            "is_anonymous": "on",
            "petitioner": world.wang.person.pk,
        },
    )
    assert response.status_code == 400
    assert sorted(response.context["form"].errors) == ["grid", "is_anonymous", "location"]
    assert Petition.objects.count() == 0
    assert PetitionEvent.objects.count() == 0


@pytest.mark.parametrize("persona", ["official", "handler", "volunteer", "street_admin"])
def test_roles_that_do_not_log_petitions_get_403(
    people: Personas, tree: Tree, persona: str
) -> None:
    client = client_for(getattr(people, persona))
    assert client.get("/petitions/new/").status_code == 403
    response = client.post(
        "/petitions/new/",
        {
            "channel": Channel.WALK_IN,
            "category": Category.DISPUTE,
            "title": "邻里纠纷",
            "description": "吵架",
            "location": tree.guangming.pk,
        },
    )
    assert response.status_code == 403
    assert client.post("/petitions/new/petitioners/", {"petitioner_q": "王"}).status_code == 403
    assert Petition.objects.count() == 0


def test_a_hazard_found_on_a_visit_becomes_a_petition_once(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    visit = grid_services.visit_record(
        actor=people.grid,
        household=world.home_102,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="楼道电动车充电",
        hazard_found=True,
    )
    client = client_for(people.grid)
    # The visit's page offers it to the grid worker.
    visit_page = html_of(client.get(f"/grids/visits/{visit.pk}/"))
    assert f'href="/petitions/new/?visit={visit.pk}" data-testid="report-petition"' in visit_page
    response = client.get(f"/petitions/new/?visit={visit.pk}")
    assert response.status_code == 200
    assert response.context["form"].initial == {
        "channel": Channel.GRID_REPORT,
        "category": Category.SAFETY_HAZARD,
        "title": zh("Hazard: %(place)s") % {"place": "1号楼1单元102室"},
        "description": "楼道电动车充电",
        "location": tree.building_1.pk,
        "grid": world.grid_a.pk,
        "address": "1号楼1单元102室",
        "source_visit": visit.pk,
    }
    assert 'data-testid="from-visit"' in html_of(response)
    response = client.post(
        "/petitions/new/",
        {
            "channel": Channel.GRID_REPORT,
            "category": Category.SAFETY_HAZARD,
            "urgency": Urgency.NORMAL,
            "track": Track.ORDINARY,
            "title": "楼道隐患",
            "description": "楼道电动车充电",
            "location": tree.building_1.pk,
            "grid": world.grid_a.pk,
            "source_visit": visit.pk,
            "is_anonymous": "on",
        },
    )
    petition = Petition.objects.get()
    assert response.status_code == 302
    assert (petition.source_visit_id, petition.grid_id, petition.created_by_id) == (
        visit.pk,
        world.grid_a.pk,
        people.grid.pk,
    )
    assert events_of(petition)[0]["data"] == {
        "channel": Channel.GRID_REPORT,
        "repeat_of": None,
        "source_visit": visit.pk,
    }
    # Again: to the petition it became, nothing new.
    again = client.get(f"/petitions/new/?visit={visit.pk}")
    assert again.status_code == 302
    assert again["Location"] == f"/petitions/{petition.pk}/"
    assert Petition.objects.count() == 1
    visit_page = html_of(client.get(f"/grids/visits/{visit.pk}/"))
    assert 'data-testid="report-petition"' not in visit_page
    assert f'href="/petitions/{petition.pk}/" data-testid="visit-petition"' in visit_page


def test_a_visit_outside_the_scope_or_a_malformed_one_is_404(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    xinhua_visit = grid_services.visit_record(
        actor=people.other_worker,
        household=world.xinhua_home,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="隐患",
        hazard_found=True,
    )
    client = client_for(people.grid)
    assert client.get(f"/petitions/new/?visit={xinhua_visit.pk}").status_code == 404
    assert client.get("/petitions/new/?visit=abc").status_code == 404
    assert client.get("/petitions/new/?visit=99999").status_code == 404
    response = client.post(
        "/petitions/new/",
        {
            "channel": Channel.GRID_REPORT,
            "category": Category.SAFETY_HAZARD,
            "title": "隐患",
            "description": "隐患",
            "location": tree.guangming.pk,
            "source_visit": xinhua_visit.pk,
        },
    )
    assert response.status_code == 404
    assert Petition.objects.count() == 0


def test_petitioner_search_answers_people_of_the_area_masked_as_the_role_requires(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    worker = client_for(people.worker)
    response = worker.post("/petitions/new/petitioners/", {"petitioner_q": "王秀英"})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert [(person.pk, name) for person, name in response.context["candidates"]] == [
        (world.wang.person.pk, "王秀英")
    ]
    html = html_of(response)
    assert f'name="petitioner" value="{world.wang.person.pk}"' in html
    assert "139****5678" in html
    assert "13912345678" not in html
    # 孙强 is registered in 新华社区 only: not in the worker's area.
    assert (
        worker.post("/petitions/new/petitioners/", {"petitioner_q": "孙强"}).context["candidates"]
        == []
    )
    assert 'data-testid="no-petitioner"' in html_of(
        worker.post("/petitions/new/petitioners/", {"petitioner_q": "孙强"})
    )
    # A whole phone number: a worker may reveal, so it searches; a grid worker may not.
    assert [
        person.pk
        for person, _name in worker.post(
            "/petitions/new/petitioners/", {"petitioner_q": "13912345678"}
        ).context["candidates"]
    ] == [world.wang.person.pk]
    refused = client_for(people.grid).post(
        "/petitions/new/petitioners/", {"petitioner_q": "13912345678"}
    )
    assert refused.status_code == 200
    assert refused.context["candidates"] == []
    assert 'data-testid="petitioner-error"' in html_of(refused)
    # Never by GET (the number would land in a URL).
    assert worker.get("/petitions/new/petitioners/?petitioner_q=王").status_code == 405


# --- The list --------------------------------------------------------------------------------


def _three(people: Personas, tree: Tree) -> tuple[Petition, Petition, Petition]:
    """An overdue petition (logged a week ago, never accepted), one due soon and one
    accepted yesterday."""
    late = log_petition(people, tree, now=NOW - dt.timedelta(days=7), title="占道经营")
    fresh = log_petition(people, tree, now=NOW - HOUR, title="楼道堆物")
    accepted = services.petition_accept(
        actor=people.worker,
        petition=log_petition(people, tree, now=NOW - dt.timedelta(days=1), title="路灯不亮"),
        now=NOW - dt.timedelta(days=1),
    )
    return late, fresh, accepted


def test_list_shows_overdue_first_with_lights_and_due_times(people: Personas, tree: Tree) -> None:
    late, fresh, accepted = _three(people, tree)
    response = client_for(people.worker).get("/petitions/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.petition.title, row.badge.light, row.badge.due_at) for row in rows] == [
        ("占道经营", "red", late.accept_due_at),
        ("楼道堆物", "green", fresh.accept_due_at),
        ("路灯不亮", "green", accepted.resolve_due_at),
    ]
    html = html_of(response)
    assert html.count('data-light="red"') == 1
    assert html.count('data-light="green"') == 2
    assert f">{local(late.accept_due_at)}</time>" in html
    assert response.context["page"].count == 3
    assert re.search(r'data-testid="petitions-total">\D*3\D*</span>', html)
    assert 'data-testid="export-xlsx"' in html
    assert 'data-testid="log-petition"' in html
    assert f'href="/petitions/{late.pk}/"' in html
    assert html.count('class="is-overdue"') == 1
    assert zh(Status.SUBMITTED.label) in html
    # Officials and admins of the street see the same rows; no "log a petition" button.
    official = html_of(client_for(people.official).get("/petitions/"))
    assert official.count("data-petition=") == 3
    assert 'data-testid="log-petition"' not in official


def test_list_filters_and_bad_filter_values(
    people: Personas, tree: Tree, heping_worker: User
) -> None:
    late, fresh, _accepted = _three(people, tree)
    services.petition_supervise(actor=people.official, petition=fresh, note="抓紧")
    services.petition_tag_complex(actor=people.worker, petition=late, tags=["cross_region"])
    services.petition_create(
        actor=heping_worker,
        location=tree.heping,
        channel=Channel.ONLINE,
        category=Category.DISPUTE,
        title="和平社区的事",
        description="纠纷",
    )
    client = client_for(people.official)

    def titles(query: str) -> list[str]:
        response = client.get(f"/petitions/?{query}")
        assert response.status_code == 200, query
        return [row.petition.title for row in response.context["rows"]]

    assert titles("") == ["占道经营", "和平社区的事", "楼道堆物", "路灯不亮"]
    assert titles("status=accepted") == ["路灯不亮"]
    assert titles("category=dispute") == ["和平社区的事"]
    assert titles("channel=online") == ["和平社区的事"]
    assert titles("overdue=yes") == ["占道经营"]
    assert titles("overdue=no") == ["和平社区的事", "楼道堆物", "路灯不亮"]
    assert titles("supervised=yes") == ["楼道堆物"]
    assert titles("repeat=yes") == []
    assert titles("complex=on") == ["占道经营"]
    assert titles(f"unit={tree.heping.pk}") == ["和平社区的事"]
    assert titles(f"unit={tree.building_1.pk}") == ["占道经营", "楼道堆物", "路灯不亮"]
    assert titles("q=路灯") == ["路灯不亮"]
    assert titles(f"q={late.number}") == ["占道经营"]
    # "Only cases my unit must act on": the official's street handles none of them.
    assert titles("here=on") == []
    assert [
        row.petition.title
        for row in client_for(people.worker).get("/petitions/?here=on").context["rows"]
    ] == ["占道经营", "楼道堆物", "路灯不亮"]
    # Bad values: reported on their field, ignored; never a 500.
    response = client.get("/petitions/?status=lost&overdue=maybe&category=x&page=abc")
    assert response.status_code == 200
    assert sorted(response.context["filters_form"].errors) == ["category", "overdue", "status"]
    assert len(response.context["rows"]) == 4
    assert client.get(f"/petitions/?unit={tree.xinhua.pk}").status_code == 404
    assert client.get("/petitions/?unit=abc").status_code == 404
    assert client.get("/petitions/?format=pdf").status_code == 404


def test_list_scope_per_role(people: Personas, tree: Tree, world: GridWorld) -> None:
    mine = log_petition(people, tree, title="社区登记的")
    by_grid = log_petition_as(people.grid, tree, title="网格员登记的")
    whistled = bring_to(Status.DISPATCHED, people, tree, title="吹哨的")

    def titles(user: User) -> list[str]:
        response = client_for(user).get("/petitions/")
        assert response.status_code == 200
        return sorted(row.petition.title for row in response.context["rows"])

    assert titles(people.worker) == ["吹哨的", "社区登记的", "网格员登记的"]
    assert titles(people.grid) == ["网格员登记的"]
    assert titles(people.handler) == ["吹哨的"]
    assert titles(people.other_worker) == []
    assert titles(people.superuser) == ["吹哨的", "社区登记的", "网格员登记的"]
    assert client_for(people.volunteer).get("/petitions/").status_code == 403
    anonymous = Client().get("/petitions/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert {mine.status, by_grid.status, whistled.status} == {Status.SUBMITTED, Status.DISPATCHED}


def test_every_list_exports_its_ledger(people: Personas, tree: Tree) -> None:
    late, fresh, accepted = _three(people, tree)
    client = client_for(people.worker)
    response = client.get("/petitions/?format=xlsx&overdue=yes")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    csv_response = client.get("/petitions/?format=csv")
    assert csv_response.status_code == 200
    body = streamed(csv_response).decode("utf-8-sig")
    assert [line.split(",")[1] for line in body.splitlines()[1:4]] == [
        late.number,
        fresh.number,
        accepted.number,
    ]
    exports = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).order_by("pk")
    assert [(event.actor_id, event.object_type) for event in exports] == [
        (people.worker.pk, "petitions.Petition"),
        (people.worker.pk, "petitions.Petition"),
    ]
    bring_to(Status.DISPATCHED, people, tree)
    handler = client_for(people.handler)
    assert handler.get("/petitions/inbox/?format=csv").status_code == 200
    official = client_for(people.official)
    assert official.get("/petitions/supervision/?format=xlsx").status_code == 200
    assert official.get("/petitions/complex/?format=csv").status_code == 200


# --- A petition's page -----------------------------------------------------------------------


def test_detail_shows_fields_clocks_timeline_and_masks_the_petitioner(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    wang = world.wang.person
    petition = log_petition(
        people,
        tree,
        petitioner=wang,
        contact_phone="13812345678",
        grid=world.grid_a,
        address="1号楼1单元",
        attachments=[SimpleUploadedFile("现场.txt", b"photo", content_type="text/plain")],
    )
    response = client_for(people.worker).get(f"/petitions/{petition.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = html_of(response)
    assert 'data-testid="petition-number">2026-000001</span>' in html
    assert f'data-testid="petitioner"><a href="/org/people/{wang.pk}/">王秀英</a>' in html
    assert response.context["petitioner"] == "王秀英"
    assert response.context["person_link"] is True
    assert 'data-testid="contact-phone">138****5678</dd>' in html
    assert "13812345678" not in html
    assert [
        (clock.stage, clock.running, clock.badge.light if clock.badge else None, clock.done_at)
        for clock in response.context["clocks"]
    ] == [
        ("accept", True, "green", None),
        ("report", False, None, None),
        ("resolve", False, None, None),
    ]
    assert [
        (entry.event.action, entry.actor, entry.event.unit.name)
        for entry in response.context["timeline"]
    ] == [(Action.CREATE, "worker", "光明社区")]
    attachment = petition.attachments.get()
    assert f'href="/petitions/{petition.pk}/attachments/{attachment.pk}/"' in html
    assert 'data-testid="watermark"' in html
    # The handler (once whistled) sees the name masked and no link to the person.
    services.petition_accept(actor=people.worker, petition=petition)
    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan)
    handler = client_for(people.handler).get(f"/petitions/{petition.pk}/")
    assert handler.context["petitioner"] == "王**"
    assert handler.context["person_link"] is False
    assert 'data-testid="petitioner">王**</dd>' in html_of(handler)
    assert "王秀英" not in html_of(handler)
    assert 'data-testid="contact-phone">138****5678</dd>' in html_of(handler)


@pytest.mark.parametrize(
    ("status", "persona", "expected"),
    [
        (Status.SUBMITTED, "worker", ["accept", "reject", "tag_complex"]),
        (Status.SUBMITTED, "official", ["supervise", "tag_complex"]),
        (Status.SUBMITTED, "grid", []),
        (Status.ACCEPTED, "worker", ["start", "dispatch", "request_extension", "tag_complex"]),
        (Status.DISPATCHED, "handler", []),
        (Status.IN_PROGRESS, "worker", ["dispatch", "reply", "request_extension", "tag_complex"]),
        (Status.REPLIED, "worker", ["evaluate", "close", "tag_complex"]),
        (Status.CLOSED, "worker", ["reopen"]),
        (Status.CLOSED, "official", []),
        (Status.REJECTED, "worker", []),
    ],
)
def test_the_page_offers_exactly_the_actions_of_the_role_now(
    people: Personas, tree: Tree, world: GridWorld, status: str, persona: str, expected: list[str]
) -> None:
    petition = bring_to(status, people, tree, logged_by=people.grid if persona == "grid" else None)
    response = client_for(getattr(people, persona)).get(f"/petitions/{petition.pk}/")
    assert response.status_code == 200
    assert shown_actions(response) == expected
    html = html_of(response)
    assert re.findall(
        r'data-testid="form-([a-z_]+)"', html.split('data-testid="dispatches"')[0]
    ) == (expected)
    for name in expected:
        assert f'name="{name}-version" value="{petition.version}"' in html, (
            f"{name} posts the version"
        )
    assert ('data-testid="actions"' in html) is bool(expected)


def test_dispatch_actions_per_role(people: Personas, tree: Tree, police_handler: User) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    services.petition_dispatch(
        actor=people.worker, petition=petition, lead=None, assists=[tree.police]
    )
    handler = client_for(people.handler).get(f"/petitions/{petition.pk}/")
    # A handler sees their own department's whistle only, with report and return.
    assert dispatch_actions_shown(handler) == {"城管局": ["report", "return"]}
    assert dispatch_actions_shown(client_for(police_handler).get(f"/petitions/{petition.pk}/")) == {
        "东城派出所": ["report", "return"]
    }
    assert dispatch_actions_shown(client_for(people.worker).get(f"/petitions/{petition.pk}/")) == {
        "城管局": [],
        "东城派出所": [],
    }


def test_detail_is_404_outside_the_scope_and_for_bad_ids(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    petition = log_petition(people, tree)
    for user in (people.other_worker, people.handler, people.grid):
        client = client_for(user)
        assert client.get(f"/petitions/{petition.pk}/").status_code == 404, user.username
        assert client.get(f"/petitions/{petition.pk}/notice/").status_code == 404
        assert post_action(client, petition, "accept", {}, petition.version).status_code == 404
    # Volunteers have no petition pages at all: 403, whichever petition the URL names.
    volunteer = client_for(people.volunteer)
    assert volunteer.get(f"/petitions/{petition.pk}/").status_code == 403
    assert post_action(volunteer, petition, "accept", {}, petition.version).status_code == 403
    petition.refresh_from_db()
    assert petition.status == Status.SUBMITTED
    client = client_for(people.worker)
    assert client.get("/petitions/99999/").status_code == 404
    assert client.get("/petitions/abc/").status_code == 404
    assert client.get(f"/petitions/{petition.pk}/attachments/999/").status_code == 404
    assert client.post(f"/petitions/{petition.pk}/fly/", {}).status_code == 404
    assert client.post("/petitions/dispatches/999/report/", {}).status_code == 404
    assert client.get(f"/petitions/{petition.pk}/accept/").status_code == 405
    assert Petition.objects.get().status == Status.SUBMITTED


# --- Actions ---------------------------------------------------------------------------------


def test_accept_and_whistle_through_the_page(people: Personas, tree: Tree) -> None:
    petition = log_petition(people, tree)
    client = client_for(people.worker)
    response = post_action(client, petition, "accept", {"note": "受理"}, petition.version)
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.pk}/"
    assert message_texts(response) == [zh("Accepted. The acceptance notice can be printed now.")]
    petition.refresh_from_db()
    response = post_action(
        client,
        petition,
        "dispatch",
        {"lead": tree.chengguan.pk, "assists": [tree.police.pk], "instructions": "清理"},
        petition.version,
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.DISPATCHED
    assert list(
        Dispatch.objects.filter(petition=petition)
        .order_by("pk")
        .values_list("department__name", "role")
    ) == [("城管局", "lead"), ("东城派出所", "assist")]
    assert [(row["action"], row["note"]) for row in events_of(petition)] == [
        (Action.CREATE, ""),
        (Action.ACCEPT, "受理"),
        (Action.DISPATCH, "清理"),
    ]
    timeline = client.get(f"/petitions/{petition.pk}/").context["timeline"]
    assert [entry.detail for entry in timeline] == ["", "", "城管局、东城派出所"]


def test_a_stale_form_is_refused_with_the_current_state_and_changes_nothing(
    people: Personas, tree: Tree
) -> None:
    petition = log_petition(people, tree)
    stale = petition.version
    services.petition_tag_complex(actor=people.worker, petition=petition, tags=["cross_region"])
    petition.refresh_from_db()
    before = state_of(petition)
    response = post_action(
        client_for(people.worker), petition, "reject", {"reason": "不属实"}, stale
    )
    assert response.status_code == 409
    assert message_texts(response) == [
        zh(
            "Someone else changed this petition in the meantime, so nothing was changed. "
            "This is its current state: check it and try again."
        )
    ]
    # The page shows the current state, with forms carrying the current version.
    assert f'name="reject-version" value="{petition.version}"' in html_of(response)
    assert state_of(petition) == before


def test_an_illegal_transition_is_409_and_changes_nothing(people: Personas, tree: Tree) -> None:
    petition = log_petition(people, tree)
    before = state_of(petition)
    response = post_action(
        client_for(people.worker), petition, "reply", {"reply": "已处理"}, petition.version
    )
    assert response.status_code == 409
    assert len(message_texts(response)) == 1
    assert state_of(petition) == before
    # Reopening after 30 days: refused with the service's words.
    closed = bring_to(Status.CLOSED, people, tree, now=NOW - dt.timedelta(days=40))
    before = state_of(closed)
    response = post_action(
        client_for(people.worker), closed, "reopen", {"reason": "复查"}, closed.version
    )
    assert response.status_code == 409
    assert message_texts(response) == [
        zh("A petition can be reopened within %(days)d days of closing.") % {"days": 30}
    ]
    assert state_of(closed) == before


def test_a_role_that_may_not_act_gets_403_and_nothing_changes(people: Personas, tree: Tree) -> None:
    petition = log_petition(people, tree)
    grid_logged = log_petition_as(people.grid, tree)
    before = state_of(petition)
    grid_before = state_of(grid_logged)
    official = client_for(people.official)
    assert post_action(official, petition, "accept", {}, petition.version).status_code == 403
    # 403 before the form is read: a role that may not act learns nothing from its errors.
    assert post_action(official, petition, "reject", {}, None).status_code == 403
    grid = client_for(people.grid)
    assert post_action(grid, grid_logged, "accept", {}, grid_logged.version).status_code == 403
    assert state_of(petition) == before
    assert state_of(grid_logged) == grid_before
    # A handler may not rate; a worker may not report.
    whistled = bring_to(Status.DISPATCHED, people, tree)
    dispatch = whistled.dispatches.get()
    dispatch_before = state_of(whistled)
    worker = client_for(people.worker)
    response = worker.post(
        f"/petitions/dispatches/{dispatch.pk}/report/", {"report-version": dispatch.version}
    )
    assert response.status_code == 403
    assert state_of(whistled) == dispatch_before


def test_bad_input_rerenders_the_open_form_with_its_errors(people: Personas, tree: Tree) -> None:
    petition = log_petition(people, tree)
    before = state_of(petition)
    client = client_for(people.worker)
    response = post_action(client, petition, "reject", {"reason": "  "}, petition.version)
    assert response.status_code == 400
    item = next(item for item in response.context["items"] if item.name == "reject")
    assert item.open is True
    assert list(item.form.errors) == ["reason"]
    assert '<details class="action-panel action-reject" open' in html_of(response)
    # No version at all: a form error, not a 500.
    response = post_action(client, petition, "reject", {"reason": "不属实"}, None)
    assert response.status_code == 400
    item = next(item for item in response.context["items"] if item.name == "reject")
    assert list(item.form.errors) == ["version"]
    response = post_action(client, petition, "reject", {"reason": "不属实"}, "abc")  # type: ignore[arg-type]
    assert response.status_code == 400
    assert state_of(petition) == before
    # An extension longer than the policy allows: the service's message on the field.
    accepted = bring_to(Status.ACCEPTED, people, tree)
    response = post_action(
        client,
        accepted,
        "request-extension",
        {"amount": 99, "reason": "需要时间"},
        accepted.version,
    )
    assert response.status_code == 400
    item = next(item for item in response.context["items"] if item.name == "request_extension")
    assert list(item.form.errors) == ["amount"]


def test_handler_reports_and_completes_from_the_inbox_and_the_worker_closes(
    people: Personas, tree: Tree
) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = petition.dispatches.get()
    handler = client_for(people.handler)
    response = handler.post(
        f"/petitions/dispatches/{dispatch.pk}/report/",
        {"report-version": dispatch.version, "next": "/petitions/inbox/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/petitions/inbox/"
    dispatch.refresh_from_db()
    assert dispatch.status == DispatchStatus.REPORTED
    # Completing needs a note: 400 on the petition's page, the form open.
    response = handler.post(
        f"/petitions/dispatches/{dispatch.pk}/complete/",
        {"complete-version": dispatch.version, "complete-note": ""},
    )
    assert response.status_code == 400
    card = response.context["cards"][0]
    assert [(item.name, item.open) for item in card.items] == [
        ("return", False),
        ("complete", True),
    ]
    assert list(card.items[1].form.errors) == ["note"]
    # An outside address in "next" is not followed.
    response = handler.post(
        f"/petitions/dispatches/{dispatch.pk}/complete/",
        {
            "complete-version": dispatch.version,
            "complete-note": "已清理",
            "next": "https://example.com/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/petitions/{petition.pk}/"
    worker = client_for(people.worker)
    petition.refresh_from_db()
    assert (
        post_action(worker, petition, "reply", {"reply": "已清理"}, petition.version).status_code
        == 302
    )
    petition.refresh_from_db()
    response = post_action(
        worker, petition, "evaluate", {"satisfaction": Satisfaction.SATISFIED}, petition.version
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.status == Status.CLOSED
    # Now the worker rates the department (once).
    page = worker.get(f"/petitions/{petition.pk}/")
    assert dispatch_actions_shown(page) == {"城管局": ["rate"]}
    dispatch.refresh_from_db()
    response = worker.post(
        f"/petitions/dispatches/{dispatch.pk}/rate/",
        {"rate-version": dispatch.version, "rate-rating": "4", "rate-note": "及时"},
    )
    assert response.status_code == 302
    dispatch.refresh_from_db()
    assert (dispatch.status, dispatch.rating) == (DispatchStatus.COMPLETED, 4)
    page = worker.get(f"/petitions/{petition.pk}/")
    assert dispatch_actions_shown(page) == {"城管局": []}
    assert 'data-testid="rating"' in html_of(page)
    assert [row["action"] for row in events_of(petition)] == [
        Action.CREATE,
        Action.ACCEPT,
        Action.DISPATCH,
        Action.REPORT,
        Action.ALL_REPORTED,
        Action.COMPLETE,
        Action.REPLY,
        Action.EVALUATE,
        Action.RATE,
    ]


def test_official_supervises_and_decides_an_extension(people: Personas, tree: Tree) -> None:
    petition = bring_to(Status.ACCEPTED, people, tree)
    worker = client_for(people.worker)
    response = post_action(
        worker, petition, "request-extension", {"amount": 3, "reason": "需协调"}, petition.version
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    official = client_for(people.official)
    page = official.get(f"/petitions/{petition.pk}/")
    assert shown_actions(page) == ["supervise", "decide_extension", "tag_complex"]
    assert 'data-testid="extension"' in html_of(page)
    due = petition.resolve_due_at
    response = post_action(
        official, petition, "decide-extension", {"approve": "yes", "note": ""}, petition.version
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.extension_state == "approved"
    assert petition.resolve_due_at is not None
    assert due is not None
    assert petition.resolve_due_at > due
    # 督办 by an official above the handling unit: flagged, the unit told.
    district = make_user("district_official", User.Role.OFFICIAL, unit=tree.district)
    response = post_action(
        client_for(district), petition, "supervise", {"note": "请加快"}, petition.version
    )
    assert response.status_code == 302
    petition.refresh_from_db()
    assert petition.is_supervised is True
    assert list(
        Notification.objects.filter(kind="petition.supervise").values_list(
            "recipient__username", flat=True
        )
    ) == ["worker"]


# --- The acceptance notice, attachments ------------------------------------------------------


def test_the_acceptance_notice_prints_once_accepted(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    petition = log_petition(people, tree, petitioner=world.wang.person)
    client = client_for(people.worker)
    response = client.get(f"/petitions/{petition.pk}/notice/")
    assert response.status_code == 409
    assert 'data-testid="print-notice"' not in html_of(client.get(f"/petitions/{petition.pk}/"))
    petition = services.petition_accept(actor=people.worker, petition=petition, now=NOW + HOUR)
    response = client.get(f"/petitions/{petition.pk}/notice/")
    assert response.status_code == 200
    html = html_of(response)
    assert 'data-testid="notice-number">2026-000001</span>' in html
    assert (
        f'data-testid="notice-accepted">{local(petition.accepted_at, "%Y-%m-%d %H:%M")}</td>'
        in html
    )
    # Handed to the petitioner: addressed by name, as the staff who print it see it.
    assert 'data-testid="notice-salutation">王秀英：</p>' in html
    assert 'data-testid="notice-petitioner">王秀英</td>' in html
    assert 'data-testid="notice-unit">光明社区</td>' in html
    assert local(petition.resolve_due_at, "%Y-%m-%d %H:%M") in html
    assert 'data-testid="notice-contact">光明社区 · worker</td>' in html
    assert "@page" not in html  # the print layout lives in petitions.css
    assert '<link rel="stylesheet" href="/static/css/petitions.css">' in html
    assert 'data-testid="print-notice"' in html_of(client.get(f"/petitions/{petition.pk}/"))
    # Rejected: there is no notice.
    rejected = bring_to(Status.REJECTED, people, tree)
    assert client.get(f"/petitions/{rejected.pk}/notice/").status_code == 409
    # The department works on the whistle; it prints no notice.
    services.petition_dispatch(actor=people.worker, petition=petition, lead=tree.chengguan)
    assert client_for(people.handler).get(f"/petitions/{petition.pk}/notice/").status_code == 403


def test_the_notice_gives_the_handling_units_phone_or_the_nearest_one_above(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    petition = log_petition(people, tree, petitioner=world.wang.person)
    petition = services.petition_accept(actor=people.worker, petition=petition, now=NOW + HOUR)
    client = client_for(people.worker)
    url = f"/petitions/{petition.pk}/notice/"
    # No unit from the community up has an office phone: no line at all.
    html = html_of(client.get(url))
    assert 'data-testid="notice-phone"' not in html
    assert zh("Contact phone") not in html
    # The community has none: the street's, named.
    org_services.orgunit_update(actor=None, unit=tree.east, phone="0315-2871001")
    html = html_of(client.get(url))
    assert 'data-testid="notice-phone">0315-2871001（东城街道）</td>' in html
    # The handling unit's own phone comes first, without a name.
    org_services.orgunit_update(actor=None, unit=tree.guangming, phone="0315-2871101")
    html = html_of(client.get(url))
    assert 'data-testid="notice-phone">0315-2871101</td>' in html
    assert "0315-2871001" not in html
    # Escalated to the street: the street handles it now, and gives its own phone.
    Petition.objects.filter(pk=petition.pk).update(handling_unit=tree.east)
    html = html_of(client.get(url))
    assert 'data-testid="notice-unit">东城街道</td>' in html
    assert 'data-testid="notice-phone">0315-2871001</td>' in html


def test_an_anonymous_petitioner_is_addressed_as_the_petitioner(
    people: Personas, tree: Tree
) -> None:
    petition = log_petition(people, tree, is_anonymous=True, contact_phone="13912345678")
    petition = services.petition_accept(actor=people.worker, petition=petition, now=NOW + HOUR)
    html = html_of(client_for(people.worker).get(f"/petitions/{petition.pk}/notice/"))
    assert f'data-testid="notice-salutation">{zh("Petitioner")}：</p>' in html
    assert f'data-testid="notice-petitioner">{zh("anonymous")}</td>' in html
    assert "13912345678" not in html


def test_attachments_are_served_to_those_who_see_the_petition(people: Personas, tree: Tree) -> None:
    petition = log_petition(
        people,
        tree,
        attachments=[SimpleUploadedFile("现场.txt", b"scan-bytes", content_type="text/plain")],
    )
    attachment = PetitionAttachment.objects.get()
    url = f"/petitions/{petition.pk}/attachments/{attachment.pk}/"
    response = client_for(people.worker).get(url)
    assert response.status_code == 200
    assert streamed(response) == b"scan-bytes"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert client_for(people.other_worker).get(url).status_code == 404
    other = log_petition(people, tree)
    assert (
        client_for(people.worker)
        .get(f"/petitions/{other.pk}/attachments/{attachment.pk}/")
        .status_code
        == 404
    )


# --- Inbox, supervision, complex cases ------------------------------------------------------


def test_department_inbox_lists_its_whistles_pending_first_with_quick_actions(
    people: Personas, tree: Tree, police_handler: User
) -> None:
    first = bring_to(Status.DISPATCHED, people, tree, now=NOW - dt.timedelta(hours=3), title="甲")
    second = bring_to(Status.DISPATCHED, people, tree, now=NOW - HOUR, title="乙")
    services.dispatch_report(actor=people.handler, dispatch=first.dispatches.get())
    police = bring_to(Status.ACCEPTED, people, tree, title="丙")
    services.petition_dispatch(actor=people.worker, petition=police, lead=tree.police)
    response = client_for(people.handler).get("/petitions/inbox/")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [(row.dispatch.petition.title, row.dispatch.status, row.actions) for row in rows] == [
        ("乙", DispatchStatus.PENDING, ["report", "return"]),
        ("甲", DispatchStatus.REPORTED, ["complete", "return"]),
    ]
    second_dispatch = second.dispatches.get()
    assert [row.badge.due_at for row in rows] == [
        second_dispatch.report_due_at,
        first.dispatches.get().complete_due_at,
    ]
    html = html_of(response)
    assert html.count('data-testid="quick-report"') == 1
    assert html.count('data-testid="quick-complete"') == 1
    assert f'name="report-version" value="{second_dispatch.version}"' in html
    assert "丙" not in html
    assert 'data-testid="inbox-department">城管局</span>' in html
    assert [
        row.dispatch.petition.title
        for row in client_for(police_handler).get("/petitions/inbox/").context["rows"]
    ] == ["丙"]
    assert [
        row.dispatch.petition.title
        for row in client_for(people.handler)
        .get("/petitions/inbox/?status=reported")
        .context["rows"]
    ] == ["甲"]
    bad = client_for(people.handler).get("/petitions/inbox/?status=lost")
    assert bad.status_code == 200
    assert len(bad.context["rows"]) == 2
    for persona in ("worker", "official", "grid", "volunteer"):
        assert client_for(getattr(people, persona)).get("/petitions/inbox/").status_code == 403


def test_supervision_lists_what_officials_should_look_after(people: Personas, tree: Tree) -> None:
    escalated = log_petition(people, tree, now=NOW - dt.timedelta(days=7), title="升级")
    escalate_overdue(now=NOW - dt.timedelta(days=3))
    late = log_petition(people, tree, now=NOW - dt.timedelta(days=2), title="逾期")
    calm = log_petition(people, tree, title="正常")
    supervised = log_petition(people, tree, title="已督办")
    services.petition_supervise(actor=people.official, petition=supervised, note="关注")
    response = client_for(people.official).get("/petitions/supervision/")
    assert response.status_code == 200
    # Overdue first, then newest.
    assert [(row.petition.pk, row.reasons) for row in response.context["rows"]] == [
        (late.pk, ["overdue"]),
        (escalated.pk, ["overdue", "escalated"]),
        (supervised.pk, ["supervised"]),
    ]
    assert calm.pk not in [row.petition.pk for row in response.context["rows"]]
    assert 'data-testid="export-xlsx"' in html_of(response)
    for persona in ("worker", "grid", "handler", "volunteer"):
        assert (
            client_for(getattr(people, persona)).get("/petitions/supervision/").status_code == 403
        )
    assert (
        client_for(people.official)
        .get(f"/petitions/supervision/?unit={tree.xinhua.pk}")
        .status_code
        == 404
    )


def test_complex_cases_by_month(people: Personas, tree: Tree) -> None:
    november = log_petition(people, tree, title="十一月", complexity=["cross_region"])
    october = log_petition(
        people, tree, now=at("2026-10-20"), title="十月", complexity=["all_apart"]
    )
    log_petition(people, tree, title="普通")
    client = client_for(people.worker)

    def titles(query: str) -> list[str]:
        response = client.get(f"/petitions/complex/{query}")
        assert response.status_code == 200, query
        return [row.petition.title for row in response.context["rows"]]

    assert titles("") == ["十一月"]  # this month unless told
    assert titles("?month=2026-10") == ["十月"]
    assert titles("?month=") == ["十月", "十一月"]  # overdue first
    bad = client.get("/petitions/complex/?month=2026-13")
    assert bad.status_code == 200
    assert list(bad.context["month_form"].errors) == ["month"]
    assert [row.petition.title for row in bad.context["rows"]] == ["十月", "十一月"]
    assert client.get("/petitions/complex/?month=abcdefg").status_code == 200
    for persona in ("grid", "handler", "volunteer"):
        assert client_for(getattr(people, persona)).get("/petitions/complex/").status_code == 403
    assert [november.complexity, october.complexity] == ["cross_region", "all_apart"]


# --- Notifications ---------------------------------------------------------------------------


def test_notifications_inbox_marks_read_one_or_all_and_the_navbar_counts_them(
    people: Personas, tree: Tree
) -> None:
    first = bring_to(Status.DISPATCHED, people, tree, now=NOW - HOUR, title="甲")
    second = bring_to(Status.DISPATCHED, people, tree, title="乙")
    client = client_for(people.handler)
    home = html_of(client.get("/"))
    assert re.search(
        r'data-testid="unread-count"><span class="visually-hidden">[^<]*</span>2</span>', home
    )
    response = client.get("/petitions/notifications/")
    items = response.context["items"]
    assert [(item.kind, item.subject, item.link, item.read_at) for item in items] == [
        ("petition.dispatch", second, f"/petitions/{second.pk}/", None),
        ("petition.dispatch", first, f"/petitions/{first.pk}/", None),
    ]
    assert [item.title for item in items] == [
        zh("Whistle: %(petition)s")
        % {
            "petition": zh("Petition %(number)s: %(title)s")
            % {"number": p.number, "title": p.title}
        }
        for p in (second, first)
    ]
    html = html_of(response)
    assert f'href="/petitions/{first.pk}/"' in html
    response = client.post("/petitions/notifications/read/", {"id": items[1].pk})
    assert response.status_code == 302
    assert Notification.objects.get(pk=items[1].pk).read_at == NOW
    assert Notification.objects.get(pk=items[0].pk).read_at is None
    # Someone else's notification is not touched.
    worker_note = Notification.objects.create(
        recipient=people.worker, kind="petition.create", title="x", created_at=NOW
    )
    client.post("/petitions/notifications/read/", {"id": worker_note.pk})
    assert Notification.objects.get(pk=worker_note.pk).read_at is None
    response = client.post("/petitions/notifications/read/", {"all": "1"})
    assert response.status_code == 302
    assert Notification.objects.filter(recipient=people.handler, read_at__isnull=True).count() == 0
    assert 'data-testid="unread-count"' not in html_of(client.get("/"))
    # Bad input: a message, nothing marked; GET changes nothing.
    bad = client.post("/petitions/notifications/read/", {"id": "abc"})
    assert bad.status_code == 302
    assert client.get("/petitions/notifications/read/").status_code == 405
    unread = client.get("/petitions/notifications/?unread=1")
    assert unread.context["items"] == []
    # Grid workers are told about the cases they reported: they have the inbox too. Volunteers
    # are sent no notifications: no inbox, no count query.
    assert 'data-testid="nav-notifications"' in html_of(client_for(people.grid).get("/"))
    assert 'data-testid="nav-notifications"' not in html_of(client_for(people.volunteer).get("/"))


# --- Navbar ----------------------------------------------------------------------------------


def test_navbar_links_per_role(people: Personas, tree: Tree) -> None:
    def links(user: User) -> list[str]:
        html = html_of(client_for(user).get("/"))
        return re.findall(r'data-testid="(nav-(?:petitions|inbox|notifications))"', html)

    assert links(people.worker) == ["nav-petitions", "nav-notifications"]
    assert links(people.grid) == ["nav-petitions", "nav-notifications"]
    assert links(people.official) == ["nav-petitions", "nav-notifications"]
    assert links(people.handler) == ["nav-petitions", "nav-inbox", "nav-notifications"]
    assert links(people.volunteer) == []


# --- Query counts ----------------------------------------------------------------------------


def _grow(people: Personas, tree: Tree, count: int) -> None:
    for index in range(count):
        petition = bring_to(
            Status.DISPATCHED,
            people,
            tree,
            now=NOW - dt.timedelta(days=index % 3),
            title=f"诉求{index}",
            complexity=["cross_region"],
        )
        services.petition_supervise(actor=people.official, petition=petition, note="关注")


# Every page: the session, the user with its anchor, and the session's save (UPDATE in a
# savepoint: 3 here, the test's transaction wraps it).
BASE_QUERIES = 5


@pytest.mark.parametrize(
    ("url", "persona", "own"),
    [
        # Read by cursor (governance.keyset): the ids of the area's communities (the list
        # rule), the overdue cases, then the rest (both: the overdue ones do not fill the
        # page), the page's rows with their joins, the count capped at 1,000; the unit filter
        # choices, the unread count.
        ("/petitions/", "worker", 7),
        # ?overdue=no: the overdue cases are not read at all.
        ("/petitions/?overdue=no&complex=on", "worker", 6),
        ("/petitions/", "official", 7),
        # a handler: the department (scope; whistled cases, no communities), the overdue
        # cases, the rest, the rows, the count, the unread count; no unit filter
        ("/petitions/", "handler", 6),
        # a grid worker: the same, with the unread count (about the cases they reported)
        ("/petitions/", "grid", 7),
        # The inbox, by cursor: the department (scope); by deadline the open whistles by due
        # time, the open ones without one, the finished ones (the page is not full before);
        # the page's rows, the count capped at 1,000, the unread count.
        ("/petitions/inbox/", "handler", 7),
        # Newest whistle first: one read instead of three.
        ("/petitions/inbox/?q=诉求&sort=whistled", "handler", 5),
        ("/petitions/supervision/", "official", 7),
        ("/petitions/complex/", "worker", 7),
        # the department (scope), count, page, unread count
        ("/petitions/notifications/", "handler", 4),
    ],
)
def test_list_pages_have_a_pinned_query_count(
    people: Personas, tree: Tree, world: GridWorld, url: str, persona: str, own: int
) -> None:
    user = getattr(people, persona)

    def measure() -> tuple[int, int]:
        client = client_for(User.objects.get(pk=user.pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        rows = response.context.get("rows")
        return len(captured), len(rows if rows is not None else response.context["items"])

    if persona == "grid":
        log_petition_as(people.grid, tree, grid=world.grid_a)
    _grow(people, tree, 1)
    few = measure()
    if persona == "grid":
        for _index in range(4):
            log_petition_as(people.grid, tree, grid=world.grid_a)
    _grow(people, tree, 5)
    many = measure()
    assert few[1] < many[1]
    assert few[0] == many[0] == BASE_QUERIES + own, (few, many)


def test_detail_page_query_count(people: Personas, tree: Tree, world: GridWorld) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree, petitioner=world.wang.person)

    def measure() -> int:
        client = client_for(User.objects.get(pk=people.worker.pk))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/petitions/{petition.pk}/").status_code == 200
        return len(captured)

    # The petition, its whistles and the photos of their results, the petition's visibility
    # (once for all its actions: dispatch, request an extension, supervise, tag; no "start"
    # while the lead department works on it) and the whistle's (report, return), the timeline,
    # the attachments, the petitioner's visibility, the departments of the whistle form (its
    # two fields), the work order it may have become (转为服务项目), the unread count.
    expected = BASE_QUERIES + 12
    assert measure() == expected
    for index in range(5):
        services.petition_supervise(actor=people.official, petition=petition, note=f"督办{index}")
    assert measure() == expected


def test_a_long_timeline_shows_the_latest_steps_and_links_to_the_whole_record(
    people: Personas, tree: Tree, world: GridWorld
) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree, petitioner=world.wang.person)
    for index in range(25):
        services.petition_supervise(actor=people.official, petition=petition, note=f"督办{index}")
    events = list(PetitionEvent.objects.filter(petition=petition).order_by("at", "id"))
    assert len(events) > TIMELINE_RECENT
    client = client_for(people.worker)

    response = client.get(f"/petitions/{petition.pk}/")
    shown = [entry.event for entry in response.context["timeline"]]
    assert shown == events[-TIMELINE_RECENT:]  # the latest, oldest first
    assert response.context["timeline_earlier_left_out"] is True
    page = response.content.decode()
    assert 'data-testid="timeline-earlier"' in page
    assert "?timeline=all#timeline-heading" in page

    everything = client.get(f"/petitions/{petition.pk}/?timeline=all")
    assert [entry.event for entry in everything.context["timeline"]] == events
    assert everything.context["timeline_earlier_left_out"] is False
    assert 'data-testid="timeline-earlier"' not in everything.content.decode()


def test_a_short_timeline_is_shown_whole(people: Personas, tree: Tree, world: GridWorld) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree, petitioner=world.wang.person)
    events = list(PetitionEvent.objects.filter(petition=petition).order_by("at", "id"))
    response = client_for(people.worker).get(f"/petitions/{petition.pk}/")
    assert [entry.event for entry in response.context["timeline"]] == events
    assert response.context["timeline_earlier_left_out"] is False
