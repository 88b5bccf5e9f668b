"""The petitions admin: scoped and read-only petitions (and what hangs on them), deadline
policies through the services, the working-day calendar with its warning, audited actions."""

from __future__ import annotations

import datetime as dt
import re
from smtplib import SMTPException, SMTPRecipientsRefused
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.utils import translation

from governance.models import AuditEvent
from notifications import outbox
from notifications.models import Notification, OutboxEmail
from notifications.outbox import MAX_ATTEMPTS, outbox_send, outbox_send_now
from notifications.services import notify
from orgchart.models import Person, User
from petitions import services
from petitions.calendar import calendar_missing_years
from petitions.models import (
    CalendarDay,
    CalendarYear,
    DeadlinePolicy,
    Dispatch,
    Escalation,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.selectors import notification_list
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree, client_for, make_user
from tests.helpers import english_client_for as english
from tests.helpers import resident_id
from tests.petitions.conftest import (
    NOW,
    at,
    bring_to,
    log_petition,
    log_petition_as,
    register_wang,
    snapshot,
)

ADMIN = "/admin/petitions/"
# The notifications and the outbox (the notifications app's admin).
INBOX = "/admin/notifications/"
PETITIONS = f"{ADMIN}petition/"
POLICIES = f"{ADMIN}deadlinepolicy/"
YEARS = f"{ADMIN}calendaryear/"
DAYS = f"{ADMIN}calendarday/"
MISSING_2027 = (
    "The working-day calendar has no public holidays for 2027: its deadlines count Monday to "
    "Friday only. Fill the year in under “Calendar years”."
)


def gateway_down(*args: object, **kwargs: object) -> int:
    raise SMTPException("gateway down")


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
    return register_wang(tree, document_number=resident_id("13020319450301002"))


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
        f"{INBOX}notification/{notification.pk}/change/",
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
    assert listed(west.get(f"{INBOX}notification/")) == []
    assert notification in listed(street.get(f"{INBOX}notification/"))


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
        # Escalated, they stay overdue on the record (a fresh clock does not make them on time).
        assert numbers(client.get(f"{PETITIONS}?overdue=yes")) == [
            "2026-000003",
            "2026-000002",
            "2026-000001",
        ]


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


# --- Escalations, notifications and the e-mail outbox ----------------------------------------


@pytest.fixture
def told(tree: Tree, people: Personas, heping_worker: User) -> dict[str, Petition]:
    """Messages in both streets, each with an e-mail: 2026-000001 (光明社区, whistled to 城管局,
    its report missed), 2026-000002 (和平社区) and 2026-000003 (新华社区, 西城街道) not
    accepted in time, escalated on Friday; a work-order note (about nothing) to 光明's worker and
    to 新华's."""
    west_official = make_user(
        "west_official", User.Role.OFFICIAL, unit=tree.west, email="west@example.cn"
    )
    for user in (people.worker, people.official, people.handler, people.other_worker):
        user.email = f"{user.username}@example.cn"
        user.save(update_fields=["email"])
    with translation.override("en"):
        guangming = bring_to(Status.DISPATCHED, people, tree)
        heping = log_petition_as(
            heping_worker, tree, location=tree.heping, title="和平社区路灯不亮"
        )
        xinhua = log_petition_as(
            people.other_worker, tree, location=tree.xinhua, title="新华社区垃圾清运不及时"
        )
        escalate_overdue(now=at("2026-11-20"))
    notify(
        recipients=[people.worker, people.other_worker],
        kind="work_order.overdue",
        title=WORK_ORDER,
        now=at("2026-11-20", "11:00"),
    )
    assert west_official.notifications.count() == 1
    return {"guangming": guangming, "heping": heping, "xinhua": xinhua}


def escalation_rows(response: Any) -> list[tuple[str, int, str]]:
    return [(row.petition.number, row.level, row.to_unit.name) for row in listed(response)]


def notification_rows(response: Any) -> list[tuple[str, str]]:
    return [(row.recipient.username, row.title) for row in listed(response)]


def outbox_rows(response: Any) -> list[tuple[str, str]]:
    return [(row.to_address, row.subject) for row in listed(response)]


GUANGMING = "Petition 2026-000001: 楼道堆放杂物"
HEPING = "Petition 2026-000002: 和平社区路灯不亮"
XINHUA = "Petition 2026-000003: 新华社区垃圾清运不及时"
WORK_ORDER = "Work order overdue: GD2026-000001 修水管"
EAST_MESSAGES = [  # newest first
    ("worker", WORK_ORDER),
    ("handler", f"Escalated (level 1): {GUANGMING}"),
    ("official", f"Escalated (level 1): {GUANGMING}"),
    ("official", f"Escalated (level 1): {HEPING}"),
    ("handler", f"Whistle: {GUANGMING}"),
]
WEST_MESSAGES = [
    ("other_worker", WORK_ORDER),
    ("west_official", f"Escalated (level 1): {XINHUA}"),
]


def test_escalations_notifications_and_the_outbox_are_listed_as_the_policy_says(
    tree: Tree, people: Personas, west_admin: User, told: dict[str, Petition]
) -> None:
    """The admin of a street sees the escalations of its petitions, the messages about them
    (also those to 城管局's handler, whose account belongs to the district) and the messages
    about no petition to its own accounts; the e-mails of those messages. Nothing of the other
    street."""
    superuser, street, west = (
        english(people.superuser),
        english(people.street_admin),
        english(west_admin),
    )
    assert escalation_rows(street.get(f"{ADMIN}escalation/")) == [
        ("2026-000001", 1, "东城街道"),
        ("2026-000002", 1, "东城街道"),
    ]
    assert escalation_rows(west.get(f"{ADMIN}escalation/")) == [("2026-000003", 1, "西城街道")]
    assert sorted(escalation_rows(superuser.get(f"{ADMIN}escalation/"))) == [
        ("2026-000001", 1, "东城街道"),
        ("2026-000002", 1, "东城街道"),
        ("2026-000003", 1, "西城街道"),
    ]

    assert notification_rows(street.get(f"{INBOX}notification/")) == EAST_MESSAGES
    assert notification_rows(west.get(f"{INBOX}notification/")) == WEST_MESSAGES
    assert sorted(notification_rows(superuser.get(f"{INBOX}notification/"))) == sorted(
        EAST_MESSAGES + WEST_MESSAGES
    )

    # Their e-mails, in the same order.
    assert outbox_rows(street.get(f"{INBOX}outboxemail/")) == [
        (f"{username}@example.cn", title) for username, title in EAST_MESSAGES
    ]
    assert outbox_rows(west.get(f"{INBOX}outboxemail/")) == [
        ("other_worker@example.cn", WORK_ORDER),
        ("west@example.cn", f"Escalated (level 1): {XINHUA}"),
    ]
    assert sorted(outbox_rows(superuser.get(f"{INBOX}outboxemail/"))) == sorted(
        [(f"{username}@example.cn", title) for username, title in EAST_MESSAGES]
        + [("other_worker@example.cn", WORK_ORDER), ("west@example.cn", WEST_MESSAGES[1][1])]
    )

    # Each one's change page: the admin of the street sees it, the other street's gets 404.
    for petition, inside, outside in (
        (told["guangming"], street, west),
        (told["xinhua"], west, street),
    ):
        escalation = Escalation.objects.get(petition=petition)
        notification = Notification.objects.filter(petition=petition).order_by("pk").first()
        assert notification is not None
        email = notification.emails.get()
        for page in (
            f"{ADMIN}escalation/{escalation.pk}/change/",
            f"{INBOX}notification/{notification.pk}/change/",
            f"{INBOX}outboxemail/{email.pk}/change/",
        ):
            assert inside.get(page).status_code == 200, page
            assert outside.get(page).status_code == 404, page
            assert superuser.get(page).status_code == 200, page
    note = Notification.objects.get(subject_type=None, recipient=people.other_worker)
    assert street.get(f"{INBOX}notification/{note.pk}/change/").status_code == 404
    assert west.get(f"{INBOX}notification/{note.pk}/change/").status_code == 200
    # The inbox is not the admin's list: the street's admin was told nothing.
    assert list(notification_list(user=people.street_admin)) == []


def test_send_now_sends_only_the_chosen_rows_the_admin_sees_and_is_audited(
    tree: Tree, people: Personas, west_admin: User, told: dict[str, Petition]
) -> None:
    mine = OutboxEmail.objects.get(to_address="worker@example.cn")
    theirs = OutboxEmail.objects.get(to_address="other_worker@example.cn")
    client = english(people.street_admin)
    # The admin of 东城街道 ticks the work-order note to 光明's worker; a forged form adds the
    # one to 新华's worker, which is outside the admin's street.
    response = client.post(
        f"{INBOX}outboxemail/",
        {"action": "send_now", "_selected_action": [mine.pk, theirs.pk]},
        follow=True,
    )
    assert [str(m) for m in response.context["messages"]] == ["1 e-mail sent."]
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["worker@example.cn"], WORK_ORDER)
    ]
    assert list(
        OutboxEmail.objects.filter(sent_at__isnull=False).values_list("pk", "attempts")
    ) == [(mine.pk, 1)]
    assert OutboxEmail.objects.filter(sent_at__isnull=True).count() == 6  # the rest wait
    assert audit_rows("notifications.OutboxEmail") == [
        ("street_admin", "update", "", {"emails": str(mine.pk), "sent": 1, "failed": 0})
    ]
    # Sent already: ticking it again sends nothing.
    client.post(f"{INBOX}outboxemail/", {"action": "send_now", "_selected_action": [mine.pk]})
    assert len(mail.outbox) == 1


def test_send_now_reports_failures_and_schedules_them(
    tree: Tree, people: Personas, told: dict[str, Petition], monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse_the_handler(subject: str, body: str, sender: str, to: list[str], **kwargs: Any):
        if to == ["handler@example.cn"]:
            raise SMTPRecipientsRefused({"handler@example.cn": (550, b"mailbox unavailable")})
        return 1

    monkeypatch.setattr(outbox, "send_mail", refuse_the_handler)
    chosen = list(
        OutboxEmail.objects.filter(
            to_address__in=["worker@example.cn", "handler@example.cn"]
        ).order_by("pk")
    )
    assert len(chosen) == 3  # the handler's whistle and escalation, the worker's note
    when = at("2026-11-20", "12:00")
    with time_machine.travel(when, tick=False):
        response = english(people.street_admin).post(
            f"{INBOX}outboxemail/",
            {"action": "send_now", "_selected_action": [email.pk for email in chosen]},
            follow=True,
        )
    assert [(m.level_tag, str(m)) for m in response.context["messages"]] == [
        ("info", "1 e-mail sent."),
        ("error", "2 e-mails could not be sent: see their last errors."),
    ]
    assert list(
        OutboxEmail.objects.filter(pk__in=[email.pk for email in chosen])
        .order_by("pk")
        .values_list("to_address", "sent_at", "attempts", "next_attempt_at", "last_error")
    ) == [
        (
            "handler@example.cn",
            None,
            1,
            when + dt.timedelta(minutes=1),
            "{'handler@example.cn': (550, b'mailbox unavailable')}",
        ),
        (
            "handler@example.cn",
            None,
            1,
            when + dt.timedelta(minutes=1),
            "{'handler@example.cn': (550, b'mailbox unavailable')}",
        ),
        ("worker@example.cn", when, 1, None, ""),
    ]
    assert not OutboxEmail.objects.filter(claimed_until__isnull=False).exists()


def test_the_outbox_shows_where_each_email_stands(
    tree: Tree, people: Personas, told: dict[str, Petition], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sent, waiting (not tried yet), retrying (failed, tried again later) and given up (after
    the last attempt: kept for a person), with a filter on each."""
    emails = {email.to_address: email for email in OutboxEmail.objects.order_by("pk")}
    when = at("2026-11-20", "12:00")
    outbox_send_now(actor=people.superuser, email_ids=[emails["worker@example.cn"].pk], now=when)
    monkeypatch.setattr(outbox, "send_mail", gateway_down)
    outbox_send_now(actor=people.superuser, email_ids=[emails["west@example.cn"].pk], now=when)
    given_up = emails["other_worker@example.cn"]
    for _attempt in range(MAX_ATTEMPTS):
        outbox_send_now(actor=people.superuser, email_ids=[given_up.pk], now=when)
    client = english(people.superuser)

    def page(query: str = "") -> list[tuple[str, str, int, str, str]]:
        response = client.get(f"{INBOX}outboxemail/{query}")
        assert response.status_code == 200
        cells = re.findall(
            r'<td class="field-(to_address|state|attempts|next_attempt|error)[^"]*">(.*?)</td>',
            response.content.decode(),
        )
        rows = [dict(cells[index : index + 5]) for index in range(0, len(cells), 5)]
        return [
            (
                row["to_address"],
                row["state"],
                int(row["attempts"]),
                row["next_attempt"],
                row["error"],
            )
            for row in rows
        ]

    everything = page()
    assert [(row[0], row[1], row[2]) for row in everything] == [
        ("other_worker@example.cn", "given up", MAX_ATTEMPTS),
        ("worker@example.cn", "sent", 1),
        ("handler@example.cn", "waiting", 0),
        ("official@example.cn", "waiting", 0),
        ("west@example.cn", "retrying", 1),
        ("official@example.cn", "waiting", 0),
        ("handler@example.cn", "waiting", 0),
    ]
    retrying = page("?state=retrying")
    assert retrying == [
        ("west@example.cn", "retrying", 1, "Nov. 20, 2026, 12:01 p.m.", "gateway down")
    ]
    assert [row[0] for row in page("?state=given_up")] == ["other_worker@example.cn"]
    assert page("?state=given_up")[0][3:] == ("-", "gateway down")
    assert page("?state=sent") == [("worker@example.cn", "sent", 1, "-", "-")]
    assert [row[0] for row in page("?state=waiting")] == [
        "handler@example.cn",
        "official@example.cn",
        "official@example.cn",
        "handler@example.cn",
    ]
    # Given up is kept: the periodic sender leaves it, a person may send it again.
    monkeypatch.undo()
    later = when + dt.timedelta(days=30)
    assert outbox_send(now=later) == 5
    given_up.refresh_from_db()
    assert (given_up.sent_at, given_up.attempts) == (None, MAX_ATTEMPTS)
    result = outbox_send_now(actor=people.superuser, email_ids=[given_up.pk], now=later)
    assert (result.sent, result.failed, result.skipped) == (1, 0, 0)
    given_up.refresh_from_db()
    assert (given_up.sent_at, given_up.attempts) == (later, MAX_ATTEMPTS + 1)
    assert [row[1] for row in page()] == ["sent"] * 7
