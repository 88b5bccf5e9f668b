"""Activities in a browser: ``worker`` announces an activity for next Saturday, the
``volunteer`` account signs up on a phone, on the day ``worker`` checks them in with their
hours, and the points appear on the volunteer's points page. Screenshots at 390 px and
1280 px go to /tmp/shots/activities/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE, NewPage, log_in
from tests.conftest import Personas, Tree
from tests.volunteers.conftest import VolunteerWorld, vworld
from volunteers.forms.activities import next_saturday
from volunteers.models import Activity, PointEntry, PointRule, Signup

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["vworld"]  # the fixture, shared with the other volunteer tests

SHOTS = Path("/tmp/shots/activities")  # noqa: S108 - screenshots to look at, not secrets


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


@pytest.mark.slow
def test_announce_sign_up_on_a_phone_check_in_and_the_points_appear(
    new_page: NewPage, tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    saturday = next_saturday(timezone.localdate())
    month = f"{saturday:%Y-%m}"

    worker = new_page()
    log_in(worker, "worker")
    worker.get_by_test_id("nav-volunteers").click()
    worker.get_by_test_id("subnav-activities").click()
    expect(worker.get_by_test_id("month-grid")).to_be_visible()
    worker.get_by_test_id("new-activity").click()
    expect(worker.locator("#id_day")).to_have_value(saturday.isoformat())
    expect(worker.get_by_test_id("fixed-unit")).to_have_text("光明社区")
    worker.locator("#id_title").fill("党员志愿服务日：清理楼道")
    worker.locator("#id_theme").fill("美化家园")
    worker.locator("#id_place").fill("光明小区1号楼")
    worker.locator("#id_capacity").fill("12")
    shot(worker, "activity-new-1280")
    worker.get_by_test_id("submit-activity").click()
    expect(worker.get_by_test_id("activity-title")).to_have_text("党员志愿服务日：清理楼道")
    activity = Activity.objects.get()
    assert (activity.unit, activity.capacity) == (tree.guangming, 12)
    assert timezone.localtime(activity.starts_at).date() == saturday
    worker.goto(f"/volunteers/activities/?month={month}")
    expect(
        worker.locator(f"[data-testid=month-grid] [data-activity='{activity.pk}']")
    ).to_contain_text("0/12")
    shot(worker, "calendar-1280")

    volunteer = new_page(viewport=PHONE)
    log_in(volunteer, "volunteer")
    volunteer.goto(f"/volunteers/activities/?month={month}")
    expect(volunteer.get_by_test_id("month-grid")).to_be_hidden()  # a list of days instead
    item = volunteer.locator(f"[data-testid=day-list] [data-activity='{activity.pk}']")
    expect(item).to_contain_text("党员志愿服务日：清理楼道")
    no_horizontal_scroll(volunteer)
    shot(volunteer, "calendar-390")
    item.locator("a").click()
    volunteer.get_by_test_id("sign-up").click()
    expect(volunteer.get_by_test_id("signed-up")).to_be_visible()
    expect(volunteer.get_by_test_id("places")).to_have_text("1/12")
    no_horizontal_scroll(volunteer)
    shot(volunteer, "activity-signed-up-390")
    volunteer.goto(f"/volunteers/activities/?month={month}")
    expect(
        volunteer.locator(
            f"[data-testid=day-list] [data-activity='{activity.pk}'] [data-testid=signed-up]"
        )
    ).to_be_visible()
    assert Signup.objects.filter(activity=activity, cancelled_at__isnull=True).count() == 1

    # On the day, half an hour after the start: the sessions have long timed out.
    start = timezone.localtime(activity.starts_at)
    with time_machine.travel(start + dt.timedelta(minutes=30), tick=True):
        log_in(worker, "worker")
        worker.goto(f"/volunteers/activities/{activity.pk}/")
        participant = worker.locator("[data-testid=participants] .participant").first
        expect(participant.get_by_test_id("participant-name")).to_have_text("志愿者甲")
        expect(participant.locator("input[name=hours]")).to_have_value("2.0")
        participant.locator("input[name=hours]").fill("2.5")
        participant.get_by_test_id("check-in").click()
        expect(
            worker.locator("[data-testid=participants] .participant").first.get_by_test_id(
                "checked-in"
            )
        ).to_contain_text("2.5")
        shot(worker, "activity-checked-in-1280")
        phone_worker = new_page(viewport=PHONE)
        log_in(phone_worker, "worker")
        phone_worker.goto(f"/volunteers/activities/{activity.pk}/")
        expect(phone_worker.get_by_test_id("participants")).to_be_visible()
        no_horizontal_scroll(phone_worker)
        shot(phone_worker, "activity-participants-390")

        assert list(
            PointEntry.objects.order_by("id").values_list("volunteer_id", "rule__code", "points")
        ) == [
            (vworld.me.pk, PointRule.Code.ACTIVITY_ATTENDED, 5),
            (vworld.me.pk, PointRule.Code.SERVICE_HOUR, 20),
        ]
        log_in(volunteer, "volunteer")
        volunteer.goto("/volunteers/points/")
        expect(volunteer.get_by_test_id("points-balance")).to_have_text("25")
        expect(volunteer.get_by_test_id("points-ledger")).to_contain_text(
            "党员志愿服务日：清理楼道"
        )
        no_horizontal_scroll(volunteer)
        shot(volunteer, "points-390")
        volunteer.goto(f"/volunteers/activities/{activity.pk}/")
        expect(volunteer.get_by_test_id("my-check-in")).to_contain_text("2.5")
        shot(volunteer, "activity-checked-in-390")
