"""Petition pages in headless Chromium: a community worker logs a petition, accepts it and
whistles 城管局; the department's handler reports and completes it from the inbox; the worker
replies and records a satisfied evaluation, and the petition is closed (已办结). A grid worker
reports a hazard found on a visit from a phone, and makes the whole round from the home page
(a care household due a visit, the visit, the report, the report on the home page)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override
from playwright.sync_api import Page, expect

from grids import services as grid_services
from grids.models import Resident, Visit
from petitions.models import (
    Action,
    Category,
    Channel,
    Dispatch,
    DispatchStatus,
    Petition,
    PetitionEvent,
    Satisfaction,
    Status,
)
from petitions.sweep import escalate_overdue
from tests.browser.conftest import DASHBOARD_URL, PHONE, NewPage, log_in
from tests.conftest import Personas, Tree
from tests.factories import PersonFactory
from tests.grids.conftest import GridWorld, world
from tests.petitions.conftest import default_policies, log_petition

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["default_policies", "world"]  # fixtures, shared with the other tests


def zh(text: object) -> str:
    with override("zh-hans"):
        return gettext(str(text))


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def expect_status(page: Page, status: str) -> None:
    """Waits for the page after an action to show the petition's new status."""
    expect(page.locator(".petition-badges [data-status]")).to_have_attribute("data-status", status)


@pytest.mark.slow
def test_worker_logs_and_whistles_handler_reports_and_completes_worker_closes(
    new_page: NewPage,
    tree: Tree,
    people: Personas,
    world: GridWorld,
    default_policies: None,
) -> None:
    worker = new_page()
    log_in(worker, "worker")
    worker.locator("[data-testid=nav-petitions]").click()
    expect(worker).to_have_url(re.compile(r"/petitions/$"))
    expect(worker.locator("[data-testid=petitions-empty]")).to_be_visible()
    worker.locator("[data-testid=log-petition]").click()
    expect(worker).to_have_url(re.compile(r"/petitions/new/$"))

    # 登记: channel and category as chips, the petitioner found by name (htmx, POST).
    form = worker.locator("[data-testid=intake-form]")
    form.locator("label[for=id_channel_0]").click()  # walk-in
    form.locator("label[for=id_category_2]").click()  # sanitation
    worker.locator("#id_title").fill("楼道堆放杂物")
    worker.locator("#id_description").fill("1号楼1单元楼道堆放杂物，影响通行。")
    worker.locator("#id_location").select_option(str(tree.building_1.pk))
    worker.locator("#id_grid").select_option(str(world.grid_a.pk))
    with worker.expect_response(re.compile(r"/petitions/new/petitioners/$")) as searched:
        worker.locator("[data-testid=petitioner-q]").fill("王秀英")
    assert searched.value.request.method == "POST"
    choice = worker.locator(f"[data-person='{world.wang.person.pk}'] input[type=radio]")
    expect(choice).to_be_checked()
    worker.locator("[data-testid=save-petition]").click()

    expect(worker).to_have_url(re.compile(r"/petitions/\d+/$"))
    petition = Petition.objects.get()
    assert (petition.status, petition.petitioner_id, petition.grid_id, petition.location_id) == (
        Status.SUBMITTED,
        world.wang.person.pk,
        world.grid_a.pk,
        tree.building_1.pk,
    )
    assert (petition.channel, petition.category) == (Channel.WALK_IN, Category.SANITATION)
    expect(worker.locator("[data-testid=petition-number]")).to_have_text(petition.number)
    expect(worker.locator("[data-testid=petitioner]")).to_have_text("王秀英")
    expect(worker.locator("[data-clock=accept] [data-light]")).to_have_count(1)

    # 受理, then 吹哨 to 城管局 as the lead.
    worker.locator("[data-testid=open-accept]").click()
    worker.locator("[data-testid=submit-accept]").click()
    expect_status(worker, Status.ACCEPTED)
    expect(worker.locator(".alert-success")).to_have_count(1)
    expect(worker.locator("[data-testid=print-notice]")).to_be_visible()
    worker.locator("[data-testid=open-dispatch]").click()
    worker.locator("#id_dispatch-lead").select_option(str(tree.chengguan.pk))
    worker.locator("#id_dispatch-instructions").fill("请城管局清理楼道杂物")
    worker.locator("[data-testid=submit-dispatch]").click()
    expect_status(worker, Status.DISPATCHED)
    card = worker.locator("[data-testid=dispatches] [data-dispatch]")
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-status", DispatchStatus.PENDING)
    expect(card).to_contain_text("城管局")

    # The handler: the whistle in the department's inbox, reported and completed there.
    handler = new_page()
    log_in(handler, "handler")
    expect(handler.locator("[data-testid=unread-count]")).to_contain_text("1")
    handler.locator("[data-testid=nav-inbox]").click()
    expect(handler).to_have_url(re.compile(r"/petitions/inbox/$"))
    row = handler.locator("[data-testid=inbox] [data-dispatch]")
    expect(row).to_have_count(1)
    expect(row).to_have_attribute("data-status", DispatchStatus.PENDING)
    expect(row).to_contain_text("楼道堆放杂物")
    row.locator("[data-testid=quick-report] button").click()
    expect(row).to_have_attribute("data-status", DispatchStatus.REPORTED)
    expect(handler.locator(".alert-success")).to_have_count(1)
    row.locator("[data-testid=quick-complete]").click()
    row.locator("textarea[name=complete-note]").fill("杂物已清理完毕")
    row.locator("form[action$='/complete/'] button[type=submit]").click()
    expect(row).to_have_attribute("data-status", DispatchStatus.COMPLETED)
    # The handler sees the petitioner masked.
    row.locator(".inbox-title").click()
    expect(handler.locator("[data-testid=petitioner]")).to_have_text(world.wang.person.masked_name)

    # The worker replies and records a satisfied evaluation: 已办结.
    worker.reload()
    expect_status(worker, Status.IN_PROGRESS)
    worker.locator("[data-testid=open-reply]").click()
    worker.locator("#id_reply-reply").fill("城管局已清理楼道杂物，请您查看。")
    worker.locator("[data-testid=submit-reply]").click()
    expect_status(worker, Status.REPLIED)
    worker.locator("[data-testid=open-evaluate]").click()
    worker.locator("label[for=id_evaluate-satisfaction_0]").click()  # satisfied
    worker.locator("[data-testid=submit-evaluate]").click()
    expect_status(worker, Status.CLOSED)
    expect(worker.locator(".petition-badges [data-status]")).to_have_text(zh(Status.CLOSED.label))
    expect(worker.locator("[data-testid=reply]")).to_contain_text("城管局已清理楼道杂物")

    petition.refresh_from_db()
    assert (petition.status, petition.satisfaction) == (Status.CLOSED, Satisfaction.SATISFIED)
    dispatch = Dispatch.objects.get()
    assert (dispatch.department_id, dispatch.status, dispatch.completion_note) == (
        tree.chengguan.pk,
        DispatchStatus.COMPLETED,
        "杂物已清理完毕",
    )
    assert list(
        PetitionEvent.objects.filter(petition=petition)
        .order_by("at", "id")
        .values_list("action", "actor__username")
    ) == [
        (Action.CREATE, "worker"),
        (Action.ACCEPT, "worker"),
        (Action.DISPATCH, "worker"),
        (Action.REPORT, "handler"),
        (Action.ALL_REPORTED, None),
        (Action.COMPLETE, "handler"),
        (Action.REPLY, "worker"),
        (Action.EVALUATE, "worker"),
    ]

    # The timeline shows every step; the acceptance notice prints.
    expect(worker.locator("[data-testid=timeline] [data-event]")).to_have_count(8)
    with worker.expect_popup() as popup:
        worker.locator("[data-testid=print-notice]").click()
    notice = popup.value
    expect(notice.locator("[data-testid=notice-number]")).to_have_text(petition.number)
    # Handed to the petitioner: addressed by name.
    expect(notice.locator("[data-testid=notice-petitioner]")).to_have_text(world.wang.person.name)
    expect(notice.locator("[data-testid=notice-salutation]")).to_have_text(
        f"{world.wang.person.name}："
    )


def test_grid_worker_reports_a_hazard_from_a_visit_on_a_phone(
    new_page: NewPage,
    tree: Tree,
    people: Personas,
    world: GridWorld,
    default_policies: None,
) -> None:
    visit = grid_services.visit_record(
        actor=people.grid,
        household=world.home_102,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="楼道电动车充电，飞线",
        hazard_found=True,
    )
    page = new_page(viewport=PHONE)
    log_in(page, "grid")
    page.goto(f"/grids/visits/{visit.pk}/")
    page.locator("[data-testid=report-petition]").click()
    expect(page).to_have_url(re.compile(rf"/petitions/new/\?visit={visit.pk}$"))
    expect(page.locator("[data-testid=from-visit]")).to_be_visible()
    expect(page.locator("#id_channel_2")).to_be_checked()  # grid report
    expect(page.locator("#id_category_1")).to_be_checked()  # safety hazard
    expect(page.locator("#id_description")).to_have_value("楼道电动车充电，飞线")
    expect(page.locator("#id_grid")).to_have_value(str(world.grid_a.pk))
    expect(page.locator("#id_location")).to_have_value(str(tree.building_1.pk))
    no_horizontal_scroll(page)
    submit = page.locator("[data-testid=save-petition]")
    box = submit.bounding_box()
    assert box is not None
    assert box["height"] >= 44
    page.locator("#id_is_anonymous").check()
    page.locator("#id_contact_phone").fill("13800001111")
    submit.click()

    expect(page).to_have_url(re.compile(r"/petitions/\d+/$"))
    petition = Petition.objects.get()
    assert (
        petition.source_visit_id,
        petition.channel,
        petition.category,
        petition.is_anonymous,
    ) == (
        visit.pk,
        Channel.GRID_REPORT,
        Category.SAFETY_HAZARD,
        True,
    )
    expect(page.locator("[data-testid=contact-phone]")).to_have_text("138****1111")
    no_horizontal_scroll(page)
    # The grid worker logged it but is not unit staff: no action forms.
    expect(page.locator("[data-testid=actions]")).to_have_count(0)
    page.goto(f"/grids/visits/{visit.pk}/")
    expect(page.locator("[data-testid=visit-petition]")).to_contain_text(petition.number)
    expect(page.locator("[data-testid=report-petition]")).to_have_count(0)


def test_grid_worker_visits_a_care_household_finds_a_hazard_and_reports_it_on_a_phone(
    new_page: NewPage,
    tree: Tree,
    people: Personas,
    world: GridWorld,
    default_policies: None,
) -> None:
    """The grid worker's round at 390 px: home → care households due a visit → the household →
    a visit that found a hazard → the visit's page → 上报为诉求 → the petition, and back home to
    the report under "my reports"."""
    # 102 gets a resident with a care tag and has never been visited: due a visit.
    grid_services.resident_add(
        actor=None,
        household=world.home_102,
        person=PersonFactory.create(unit=tree.guangming, name="李奶奶", document_number=""),
        relation=Resident.Relation.PARENT,
        care_tags=["disabled"],
    )
    page = new_page(viewport=PHONE)
    log_in(page, "grid")
    due = page.locator("[data-testid=work-care_due]")
    expect(due.locator(".work-count")).to_have_text("1")
    expect(page.locator("[data-testid=my-reports]")).to_have_count(0)
    no_horizontal_scroll(page)
    due.click()
    expect(page).to_have_url(re.compile(r"/grids/households/\?.*care=on"))
    rows = page.locator("[data-testid=households-table] tbody tr")
    expect(rows).to_have_count(1)
    no_horizontal_scroll(page)
    rows.first.get_by_role("link", name="1号楼1单元102室").click()
    expect(page.locator("[data-testid=household-address]")).to_have_text("1号楼1单元102室")
    no_horizontal_scroll(page)

    # 走访登记: a hazard check that found a hazard.
    page.locator("[data-testid=record-visit]").click()
    expect(page).to_have_url(re.compile(rf"/grids/visits/new/\?household={world.home_102.pk}$"))
    page.locator("label[for=id_purpose_3]").click()  # hazard check
    expect(page.locator("#id_purpose_3")).to_be_checked()
    page.locator("#id_notes").fill("楼道堆放纸箱，堵塞消防通道")
    page.locator("label[for=id_hazard_found]").click()
    expect(page.locator("#id_hazard_found")).to_be_checked()
    no_horizontal_scroll(page)
    page.locator("[data-testid=save-visit]").click()

    # The visit's page, with the offer to report the hazard right away.
    visit = Visit.objects.get(household=world.home_102)
    assert (visit.visitor_id, visit.purpose, visit.hazard_found) == (
        people.grid.pk,
        Visit.Purpose.HAZARD_CHECK,
        True,
    )
    expect(page).to_have_url(re.compile(rf"/grids/visits/{visit.pk}/$"))
    expect(page.locator(".alert-warning")).to_have_count(1)
    expect(page.locator("[data-testid=visit-notes]")).to_have_text("楼道堆放纸箱，堵塞消防通道")
    report = page.locator("[data-testid=report-petition]")
    expect(report).to_have_text(zh("Report as a petition"))
    no_horizontal_scroll(page)
    report.click()

    # The intake form, filled in from the visit: the title names the hazard and the place.
    expect(page).to_have_url(re.compile(rf"/petitions/new/\?visit={visit.pk}$"))
    expect(page.locator("[data-testid=from-visit]")).to_be_visible()
    title = page.locator("#id_title")
    expect(title).to_have_value(zh("Hazard: %(place)s") % {"place": "1号楼1单元102室"})
    assert "隐患" in title.input_value()
    expect(page.locator("#id_channel_2")).to_be_checked()  # grid report
    expect(page.locator("#id_category_1")).to_be_checked()  # safety hazard
    expect(page.locator("#id_description")).to_have_value("楼道堆放纸箱，堵塞消防通道")
    expect(page.locator("#id_grid")).to_have_value(str(world.grid_a.pk))
    expect(page.locator("#id_location")).to_have_value(str(tree.building_1.pk))
    no_horizontal_scroll(page)
    page.locator("#id_is_anonymous").check()
    page.locator("#id_contact_phone").fill("13800002222")
    page.locator("[data-testid=save-petition]").click()

    # The new petition.
    expect(page).to_have_url(re.compile(r"/petitions/\d+/$"))
    petition = Petition.objects.get()
    assert (
        petition.source_visit_id,
        petition.created_by_id,
        petition.channel,
        petition.category,
        petition.status,
        petition.title,
    ) == (
        visit.pk,
        people.grid.pk,
        Channel.GRID_REPORT,
        Category.SAFETY_HAZARD,
        Status.SUBMITTED,
        "隐患：1号楼1单元102室",
    )
    expect(page.locator("[data-testid=petition-number]")).to_have_text(petition.number)
    expect(page.locator(".petition-badges [data-status]")).to_have_attribute(
        "data-status", Status.SUBMITTED
    )
    no_horizontal_scroll(page)

    # Home: the report under "my reports", linked to its page; the household no longer due.
    page.locator(".navbar-brand").click()
    expect(page).to_have_url(DASHBOARD_URL)
    reports = page.locator("[data-testid=my-reports] li")
    expect(reports).to_have_count(1)
    expect(reports.first).to_contain_text("隐患：1号楼1单元102室")
    expect(reports.first.locator("[data-status]")).to_have_attribute(
        "data-status", Status.SUBMITTED
    )
    expect(due.locator(".work-count")).to_have_text("0")
    no_horizontal_scroll(page)
    reports.first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"/petitions/{petition.pk}/$"))


def test_the_lights_of_an_escalated_case_stay_inside_its_row_on_a_phone(
    new_page: NewPage, tree: Tree, people: Personas, default_policies: None
) -> None:
    """An overdue case that was escalated shows two lights (超期 against its first deadline, and
    the street's own clock): at 390 px both stay inside the row."""
    now = timezone.now()
    petition = log_petition(people, tree, now=now - dt.timedelta(days=10), title="路灯不亮")
    assert escalate_overdue(now=now).escalated["accept"] == 1
    page = new_page(viewport=PHONE)
    log_in(page, "official")
    page.goto("/petitions/?overdue=yes")
    row = page.locator(f"[data-petition='{petition.pk}']")
    lights = row.locator(".light-badge")
    expect(lights).to_have_count(2)
    expect(row.locator("[data-testid=current-clock]")).to_be_visible()
    row_box = row.bounding_box()
    assert row_box is not None
    for index in range(2):
        box = lights.nth(index).bounding_box()
        assert box is not None
        assert box["x"] >= row_box["x"]
        assert box["x"] + box["width"] <= row_box["x"] + row_box["width"], index
    no_horizontal_scroll(page)
