"""The petitions admin: scoped and read-only petitions (and what hangs on them), deadline
policies through the services, the working-day calendar with its warning, audited actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.utils import translation

from governance.models import AuditEvent
from orgchart import services as org
from orgchart.models import Person, User
from petitions import services
from petitions.calendar import calendar_missing_years
from petitions.models import (
    CalendarDay,
    CalendarYear,
    DeadlinePolicy,
    Dispatch,
    Escalation,
    Notification,
    OutboxEmail,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree, client_for, make_user
from tests.grids.conftest import resident_id
from tests.petitions.conftest import NOW, at, bring_to, log_petition, log_petition_as, snapshot

ADMIN = "/admin/petitions/"
PETITIONS = f"{ADMIN}petition/"
POLICIES = f"{ADMIN}deadlinepolicy/"
YEARS = f"{ADMIN}calendaryear/"
DAYS = f"{ADMIN}calendarday/"
MISSING_2027 = (
    "The working-day calendar has no public holidays for 2027: its deadlines count Monday to "
    "Friday only. Fill the year in under “Calendar years”."
)


def english(user: User) -> Client:
    client = client_for(user)
    client.cookies["django_language"] = "en"
    return client


def listed(response: Any) -> list[Any]:
    assert response.status_code == 200
    return list(response.context["cl"].result_list)


def numbers(response: Any) -> list[str]:
    return [petition.number for petition in listed(response)]


def warnings(response: Any) -> list[str]:
    assert response.status_code == 200
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"]


def audit_rows(object_type: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    return [
        (event.actor.username if event.actor else "", event.action, event.object_id, event.changes)
        for event in AuditEvent.objects.filter(object_type=object_type).order_by("pk")
    ]


@pytest.fixture
def west_admin(tree: Tree) -> User:
    return make_user("west_admin", User.Role.ADMIN, unit=tree.west, is_staff=True)


@pytest.fixture
def wang(tree: Tree) -> Person:
    return org.person_register(
        actor=None,
        unit=tree.guangming,
        name="王秀英",
        document_number=resident_id("13020319450301002"),
        mobile="13912345678",
    ).person


@pytest.fixture
def three(tree: Tree, people: Personas, heping_worker: User) -> list[Petition]:
    """2026-000001 in 光明社区 (whistled to 城管局), 2026-000002 in 和平社区 (东城街道),
    2026-000003 in 新华社区 (西城街道)."""
    guangming = bring_to(Status.DISPATCHED, people, tree)
    heping = log_petition_as(heping_worker, tree, location=tree.heping, title="和平社区路灯不亮")
    xinhua = log_petition_as(
        people.other_worker, tree, location=tree.xinhua, title="新华社区垃圾清运不及时"
    )
    return [guangming, heping, xinhua]


# --- Who sees what ---------------------------------------------------------------------------


def test_roles_other_than_admin_have_no_petitions_admin(
    tree: Tree, people: Personas, three: list[Petition]
) -> None:
    for user in (people.worker, people.official, people.handler):
        response = client_for(user).get(PETITIONS)
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    staff_worker = make_user(
        "staff_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_staff=True
    )
    assert client_for(staff_worker).get(PETITIONS).status_code == 403
    assert client_for(staff_worker).get(POLICIES).status_code == 403
    assert client_for(staff_worker).get(YEARS).status_code == 403


def test_changelists_show_exactly_the_admins_subtree(
    tree: Tree, people: Personas, west_admin: User, three: list[Petition]
) -> None:
    superuser, street, west = (
        english(people.superuser),
        english(people.street_admin),
        english(west_admin),
    )
    assert numbers(superuser.get(PETITIONS)) == ["2026-000003", "2026-000002", "2026-000001"]
    assert numbers(street.get(PETITIONS)) == ["2026-000002", "2026-000001"]
    assert numbers(west.get(PETITIONS)) == ["2026-000003"]
    dispatch = Dispatch.objects.get()
    for client in (superuser, street):
        assert listed(client.get(f"{ADMIN}dispatch/")) == [dispatch]
    assert listed(west.get(f"{ADMIN}dispatch/")) == []
    events = PetitionEvent.objects.order_by("-at", "-id")
    assert listed(superuser.get(f"{ADMIN}petitionevent/")) == list(events)
    assert listed(street.get(f"{ADMIN}petitionevent/")) == list(events.exclude(petition=three[2]))
    assert listed(west.get(f"{ADMIN}petitionevent/")) == list(events.filter(petition=three[2]))
    # The list offers no bulk action at all (no delete, no status change).
    assert street.get(PETITIONS).context["action_form"] is None


def test_change_page_masks_the_petitioner_and_shows_the_timeline_read_only(
    tree: Tree, people: Personas, wang: Person
) -> None:
    petition = log_petition(people, tree, petitioner=wang, contact_phone="138 1234 5678")
    petition = services.petition_accept(actor=people.worker, petition=petition, now=NOW)
    services.petition_dispatch(
        actor=people.worker, petition=petition, lead=tree.chengguan, now=at("2026-11-18", "11:00")
    )
    for user in (people.superuser, people.street_admin):
        response = english(user).get(f"{PETITIONS}{petition.pk}/change/")
        assert response.status_code == 200
        html = response.content.decode()
        assert "2026-000001" in html
        assert "王**" in html
        assert "138****5678" in html
        for secret in ("王秀英", "13812345678", "13912345678"):
            assert secret not in html
        # Read-only: no field to type a status into, no save button.
        assert 'name="status"' not in html
        assert 'name="_save"' not in html
        dispatches, events = response.context["inline_admin_formsets"]
        assert [(f.original.department.name, f.original.status) for f in dispatches] == [
            ("城管局", "pending")
        ]
        assert [(f.original.action, f.original.to_status) for f in events] == [
            ("create", "submitted"),
            ("accept", "accepted"),
            ("dispatch", "dispatched"),
        ]


def test_an_outsider_gets_404_for_petitions_and_what_hangs_on_them(
    tree: Tree, people: Personas, west_admin: User, three: list[Petition]
) -> None:
    guangming = three[0]
    services.petition_supervise(
        actor=people.official, petition=guangming, note="请加快办理", now=NOW
    )
    # Friday: 光明's whistle was not reported within 24 hours, the others not accepted in time.
    escalate_overdue(now=at("2026-11-20"))
    escalation = Escalation.objects.get(petition=guangming)
    notification = Notification.objects.filter(petition=guangming, recipient=people.worker).first()
    assert notification is not None
    pages = [
        f"{PETITIONS}{guangming.pk}/change/",
        f"{PETITIONS}{guangming.pk}/history/",
        f"{ADMIN}dispatch/{guangming.dispatches.get().pk}/change/",
        f"{ADMIN}escalation/{escalation.pk}/change/",
        f"{ADMIN}petitionevent/{guangming.events.first().pk}/change/",  # type: ignore[union-attr]
        f"{ADMIN}notification/{notification.pk}/change/",
    ]
    street, west = english(people.street_admin), english(west_admin)
    for page in pages:
        assert street.get(page).status_code == 200, page
        assert west.get(page).status_code == 404, page
    escalations = Escalation.objects.order_by("-at", "-id")
    assert listed(west.get(f"{ADMIN}escalation/")) == list(escalations.filter(petition=three[2]))
    assert listed(street.get(f"{ADMIN}escalation/")) == list(escalations.exclude(petition=three[2]))
    assert escalation in listed(street.get(f"{ADMIN}escalation/"))
    # Messages to the accounts of 西城街道 about its petitions only (its worker was told
    # nothing: it logged the petition itself and no escalation reached an account there).
    assert listed(west.get(f"{ADMIN}notification/")) == []
    assert notification in listed(street.get(f"{ADMIN}notification/"))


def test_statuses_cannot_be_changed_added_or_deleted_in_the_admin(
    tree: Tree, people: Personas, three: list[Petition]
) -> None:
    petition = three[0]
    before = snapshot(petition)
    client = english(people.superuser)
    url = f"{PETITIONS}{petition.pk}/change/"
    assert client.post(url, {"status": Status.CLOSED, "title": "改"}).status_code == 403
    assert client.get(f"{PETITIONS}add/").status_code == 403
    assert client.post(f"{PETITIONS}{petition.pk}/delete/", {"post": "yes"}).status_code == 403
    dispatch = Dispatch.objects.get()
    assert (
        client.post(f"{ADMIN}dispatch/{dispatch.pk}/change/", {"status": "completed"}).status_code
        == 403
    )
    assert snapshot(petition) == before
    assert Dispatch.objects.get().status == "pending"


def test_filters_and_search(tree: Tree, people: Personas, three: list[Petition]) -> None:
    accepted = bring_to(Status.ACCEPTED, people, tree, category="property")  # 2026-000004
    client = english(people.superuser)
    assert numbers(client.get(f"{PETITIONS}?status=accepted")) == [accepted.number]
    assert numbers(client.get(f"{PETITIONS}?category=property")) == [accepted.number]
    assert numbers(client.get(f"{PETITIONS}?channel=phone")) == []
    assert numbers(client.get(f"{PETITIONS}?q=2026-000002")) == ["2026-000002"]
    # Friday: the two petitions logged on Wednesday and not accepted missed the accept clock.
    with time_machine.travel(at("2026-11-20"), tick=False):
        assert numbers(client.get(f"{PETITIONS}?overdue=yes")) == ["2026-000003", "2026-000002"]
        assert numbers(client.get(f"{PETITIONS}?overdue=no")) == [
            "2026-000004",
            "2026-000001",
        ]
        escalate_overdue(now=at("2026-11-20"))
        assert numbers(client.get(f"{PETITIONS}?escalation_level=1")) == [
            "2026-000003",
            "2026-000002",
            "2026-000001",  # its whistle was not reported in time
        ]
        assert numbers(client.get(f"{PETITIONS}?overdue=yes")) == []


# --- Deadline policies -----------------------------------------------------------------------


def policy_form(policy: DeadlinePolicy, **changes: Any) -> dict[str, Any]:
    fields = [
        "name",
        "track",
        "category",
        "urgency",
        "accept_within",
        "accept_unit",
        "resolve_within",
        "resolve_unit",
        "report_within",
        "report_unit",
        "complete_within",
        "complete_unit",
        "max_extension",
        "extension_unit",
        "yellow_at",
        "close_after_reply_days",
    ]
    data = {field: getattr(policy, field) for field in fields}
    data.update(changes)
    if changes.get("is_active", policy.is_active):
        data["is_active"] = "on"
    else:
        data.pop("is_active", None)
    return data


def test_a_policy_edit_that_breaks_the_petition_regulations_is_refused(
    tree: Tree, people: Personas
) -> None:
    formal = DeadlinePolicy.objects.get(track="formal", category="", urgency="", is_active=True)
    before = DeadlinePolicy.objects.filter(pk=formal.pk).values().get()
    client = english(people.street_admin)
    url = f"{POLICIES}{formal.pk}/change/"
    refused = client.post(url, policy_form(formal, accept_within=20))
    assert refused.status_code == 200
    assert refused.context["adminform"].form.errors == {
        "accept_within": ["At most 15 days for a formal petition (信访工作条例)."]
    }
    working_days = client.post(url, policy_form(formal, resolve_unit="working_days"))
    assert working_days.context["adminform"].form.errors == {
        "resolve_unit": ["The 信访工作条例 counts calendar days: use calendar days or hours."]
    }
    yellow = client.post(url, policy_form(formal, yellow_at=100))
    assert yellow.context["adminform"].form.errors == {
        "yellow_at": ["Enter a share from 1 to 99 %."]
    }
    clash = client.post(f"{POLICIES}add/", policy_form(formal, name="第二个信访默认"))
    assert clash.context["adminform"].form.errors == {
        "__all__": ["An active policy already covers this track, category and urgency."]
    }
    assert DeadlinePolicy.objects.filter(pk=formal.pk).values().get() == before
    assert DeadlinePolicy.objects.filter(track="formal").count() == 1
    assert audit_rows("petitions.DeadlinePolicy") == []

    saved = client.post(url, policy_form(formal, resolve_within=45))
    assert saved.status_code == 302
    assert DeadlinePolicy.objects.get(pk=formal.pk).resolve_within == 45
    assert audit_rows("petitions.DeadlinePolicy") == [
        ("street_admin", "update", str(formal.pk), {"resolve_within": 45})
    ]
    # A policy is never deleted here (petitions refer to it): it is switched off.
    assert client.post(f"{POLICIES}{formal.pk}/delete/", {"post": "yes"}).status_code == 403


# --- The working-day calendar ------------------------------------------------------------------


def test_the_calendar_warning_shows_until_the_years_are_filled_in(people: Personas) -> None:
    client = english(people.street_admin)
    CalendarYear.objects.filter(year=2026).delete()  # as if 2026 had not been seeded
    with time_machine.travel(NOW, tick=False):
        assert warnings(client.get("/admin/")) == [
            "The working-day calendar has no public holidays for 2026、2027: their deadlines "
            "count Monday to Friday only. Fill the years in under “Calendar years”."
        ]
        # 2026 from the chinesecalendar package.
        assert client.post(f"{YEARS}add/", {"year": "2026", "source": ""}).status_code == 302
        assert warnings(client.get("/admin/")) == [MISSING_2027]
        assert warnings(client.get(YEARS)) == [MISSING_2027]
        assert warnings(client.get(DAYS)) == [MISSING_2027]
        # The package does not know 2027 yet: the form says so and nothing is written.
        refused = client.post(f"{YEARS}add/", {"year": "2027", "source": ""})
        assert refused.status_code == 200
        assert refused.context["adminform"].form.errors == {
            "source": [
                "The chinesecalendar package does not know 2027 yet: enter its holidays and "
                "make-up days as calendar days, then add the year naming their source."
            ]
        }
        assert calendar_missing_years([2027]) == [2027]
        # By hand: the days first, then the year with where they come from.
        day = {"date": "2027-01-01", "name": "元旦"}
        assert client.post(f"{DAYS}add/", day).status_code == 302
        by_hand = {"year": "2027", "source": "国务院办公厅关于2027年部分节假日安排的通知"}
        assert client.post(f"{YEARS}add/", by_hand).status_code == 302
        assert warnings(client.get("/admin/")) == []
        assert warnings(client.get(YEARS)) == []
    holidays = CalendarDay.objects.filter(date__year=2026, is_working_day=False).count()
    make_up = CalendarDay.objects.filter(date__year=2026, is_working_day=True).count()
    assert (holidays, make_up) == (19, 6)
    assert audit_rows("petitions.CalendarYear") == [
        (
            "street_admin",
            "create",
            "2026",
            {
                "year": 2026,
                "source": "chinesecalendar 1.11.0",
                "holidays": 19,
                "make_up_days": 6,
            },
        ),
        ("street_admin", "create", "2027", {"year": 2027, **{"source": by_hand["source"]}}),
    ]
    assert audit_rows("petitions.CalendarDay") == [
        (
            "street_admin",
            "create",
            str(CalendarDay.objects.get(date=dt.date(2027, 1, 1)).pk),
            {"date": "2027-01-01", "is_working_day": False, "name": "元旦"},
        )
    ]


def test_fill_in_from_chinesecalendar_restores_a_year_and_is_audited(people: Personas) -> None:
    client = english(people.superuser)
    CalendarDay.objects.filter(date=dt.date(2026, 10, 1)).delete()
    response = client.post(
        YEARS, {"action": "fill_from_chinesecalendar", "_selected_action": ["2026"]}
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
    assert (day.is_working_day, day.name) == (False, "National Day")
    assert audit_rows("petitions.CalendarYear") == [
        (
            "root",
            "update",
            "2026",
            {"filled_in_from": "chinesecalendar 1.11.0", "holidays": 19, "make_up_days": 6},
        )
    ]
    years = {year.year: year for year in listed(client.get(YEARS))}
    assert (years[2026].holidays, years[2026].make_up_days) == (19, 6)
    # Years are added and filled in, never edited or deleted here.
    assert client.post(f"{YEARS}2026/change/", {"source": "x"}).status_code == 403
    assert client.post(f"{YEARS}2026/delete/", {"post": "yes"}).status_code == 403


def test_a_calendar_day_is_edited_with_an_audit_row(people: Personas) -> None:
    client = english(people.street_admin)
    make_up = CalendarDay.objects.get(date=dt.date(2026, 10, 10))  # Saturday, 调休
    url = f"{DAYS}{make_up.pk}/change/"
    # The date is read-only: a posted date is ignored.
    posted = {"date": "2026-10-11", "name": "国庆节调休（取消）"}
    assert client.post(url, posted).status_code == 302
    make_up.refresh_from_db()
    assert (make_up.date, make_up.is_working_day, make_up.name) == (
        dt.date(2026, 10, 10),
        False,
        "国庆节调休（取消）",
    )
    assert audit_rows("petitions.CalendarDay") == [
        (
            "street_admin",
            "update",
            str(make_up.pk),
            {"is_working_day": False, "name": "国庆节调休（取消）"},
        )
    ]
    assert client.post(f"{DAYS}{make_up.pk}/delete/", {"post": "yes"}).status_code == 302
    assert not CalendarDay.objects.filter(pk=make_up.pk).exists()
    assert audit_rows("petitions.CalendarDay")[-1] == (
        "street_admin",
        "delete",
        str(make_up.pk),
        {"date": "2026-10-10", "is_working_day": False, "name": "国庆节调休（取消）"},
    )
    model_admin = client.get(DAYS).context["cl"].model_admin
    with translation.override("en"):
        kinds = {
            day.date: model_admin.kind(day)
            for day in CalendarDay.objects.filter(
                date__in=[dt.date(2026, 10, 1), dt.date(2026, 9, 20)]
            )
        }
    assert kinds == {dt.date(2026, 10, 1): "holiday", dt.date(2026, 9, 20): "make-up working day"}


# --- The e-mail outbox -----------------------------------------------------------------------


def test_send_now_sends_the_outbox_and_is_audited(
    tree: Tree, people: Personas, west_admin: User, three: list[Petition]
) -> None:
    people.worker.email = "worker@example.org"
    people.worker.save(update_fields=["email"])
    dispatch = Dispatch.objects.get()
    services.dispatch_report(actor=people.handler, dispatch=dispatch, now=NOW)
    email = OutboxEmail.objects.get()
    assert email.to_address == "worker@example.org"
    assert listed(english(west_admin).get(f"{ADMIN}outboxemail/")) == []
    client = english(people.street_admin)
    assert listed(client.get(f"{ADMIN}outboxemail/")) == [email]
    response = client.post(
        f"{ADMIN}outboxemail/", {"action": "send_now", "_selected_action": [email.pk]}
    )
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["worker@example.org"]]
    email.refresh_from_db()
    assert email.sent_at is not None
    assert email.attempts == 1
    assert audit_rows("petitions.OutboxEmail") == [("street_admin", "update", "", {"sent": 1})]
