"""The wish board in a browser: ``worker`` posts a wish, the ``volunteer`` account claims and
fulfils it on a phone, ``worker`` confirms it, and the points appear on the volunteer's page.
Screenshots at 390 px and 1280 px go to /tmp/shots/volunteers/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, NewPage, log_in
from tests.conftest import Personas, Tree
from tests.volunteers.conftest import VolunteerWorld, vworld
from volunteers import services
from volunteers.models import PointEntry, Wish, WishStatus, WorkOrderStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["vworld"]  # the fixture, shared with the other volunteer tests

SHOTS = Path("/tmp/shots/volunteers")  # noqa: S108 - screenshots to look at, not secrets


def zh(text: object) -> str:
    with override("zh-hans"):
        return gettext(str(text))


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.slow
def test_worker_posts_volunteer_claims_and_fulfils_worker_confirms_points_appear(
    new_page: NewPage, tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    worker = new_page()
    log_in(worker, "worker")
    worker.get_by_test_id("nav-volunteers").click()
    worker.get_by_test_id("post-wish").click()
    worker.locator("#id_title").fill("帮王奶奶修水龙头")
    worker.locator("#id_description").fill("厨房水龙头漏水，周末上门")
    worker.get_by_test_id("submit-wish").click()
    expect(worker.get_by_test_id("wish-title")).to_have_text("帮王奶奶修水龙头")
    wish = Wish.objects.get()

    volunteer = new_page(viewport=PHONE)
    log_in(volunteer, "volunteer")
    expect(volunteer.get_by_test_id("nav-petitions")).to_have_count(0)
    volunteer.goto("/volunteers/wishes/")
    expect(volunteer.locator(f"[data-wish='{wish.pk}']")).to_contain_text("帮王奶奶修水龙头")
    no_horizontal_scroll(volunteer)
    shot(volunteer, "board-390")
    volunteer.locator(f"[data-wish='{wish.pk}'] a").click()
    volunteer.get_by_test_id("open-claim").click()
    volunteer.get_by_test_id("submit-claim").click()
    expect(volunteer.get_by_test_id("claimer")).to_contain_text("志愿者甲")
    volunteer.get_by_test_id("open-fulfil").click()
    volunteer.locator("[data-testid=form-fulfil] textarea[name=note]").fill("已更换阀芯")
    shot(volunteer, "wish-fulfil-390")
    volunteer.get_by_test_id("submit-fulfil").click()
    expect(volunteer.get_by_test_id("fulfil-note")).to_have_text("已更换阀芯")
    no_horizontal_scroll(volunteer)

    worker.reload()
    worker.get_by_test_id("open-confirm").click()
    worker.get_by_test_id("submit-confirm").click()
    expect(worker.get_by_test_id("wish-status")).to_have_text(zh(WishStatus.CONFIRMED.label))
    shot(worker, "wish-confirmed-1280")
    worker.goto("/volunteers/wishes/")
    shot(worker, "board-1280")

    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED
    assert list(PointEntry.objects.values_list("volunteer_id", "points")) == [(vworld.me.pk, 20)]

    volunteer.get_by_test_id("subnav-points").click()
    expect(volunteer.get_by_test_id("points-balance")).to_have_text("20")
    expect(volunteer.get_by_test_id("statement-earned")).to_have_text("20")
    expect(volunteer.get_by_test_id("points-ledger")).to_contain_text("帮王奶奶修水龙头")
    no_horizontal_scroll(volunteer)
    shot(volunteer, "points-390")
    desk = new_page()
    log_in(desk, "volunteer")
    desk.goto("/volunteers/points/")
    shot(desk, "points-1280")


def test_the_work_order_board_on_a_phone_and_a_desk(
    new_page: NewPage, tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    for number, title in enumerate(("楼道粉刷", "修路灯", "清理楼道杂物")):
        order = services.work_order_create(
            actor=people.worker,
            community=tree.guangming,
            title=title,
            content="社区点单",
            funds="800.00",
            funds_source="社区为民服务经费",
        )
        if number:
            services.work_order_dispatch(
                actor=people.worker,
                work_order=order,
                team=vworld.team,
                due_at=timezone.now() + dt.timedelta(days=number),
            )
    desk = new_page()
    log_in(desk, "worker")
    desk.goto("/volunteers/work-orders/")
    expect(desk.locator("[data-stage=dispatched] .order-card")).to_have_count(2)
    shot(desk, "work-orders-1280")
    phone = new_page(viewport=PHONE)
    log_in(phone, "volunteer")
    phone.goto("/volunteers/work-orders/")
    expect(phone.locator(".order-card")).to_have_count(2)
    no_horizontal_scroll(phone)
    shot(phone, "work-orders-390")
    phone.locator(".order-card a").first.click()
    phone.get_by_test_id("open-accept").click()
    phone.get_by_test_id("submit-accept").click()
    expect(phone.get_by_test_id("order-status")).to_have_text(zh(WorkOrderStatus.ACCEPTED.label))
    expect(phone.get_by_test_id("provider")).to_have_text("光明先锋队")
    no_horizontal_scroll(phone)
    shot(phone, "work-order-390")
