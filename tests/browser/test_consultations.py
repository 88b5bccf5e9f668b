"""一征三议两公开 in a browser, on a phone: ``worker`` solicits a topic, records the proposal and
the deliberation, records a resident's vote at the meeting, decides, publishes the decision and
its result, then publishes the community's notice board, which an anonymous visitor reads.
Screenshots at 390 px go to /tmp/shots/consultations/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from consultations.models import Topic, TopicStatus
from tests.browser.conftest import PHONE, NewPage, log_in
from tests.conftest import Personas, Tree
from tests.factories import PersonFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots/consultations")  # noqa: S108 - screenshots to look at, not secrets


def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_horizontal_scroll(page: Page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0


def step(page: Page, action: str, fields: dict[str, str]) -> None:
    """Open the action's panel, fill its fields, submit, and wait for the page again."""
    page.get_by_test_id(f"open-{action}").click()
    form = page.get_by_test_id(f"form-{action}")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.get_by_test_id(f"submit-{action}").click()
    expect(page.get_by_test_id("topic-title")).to_be_visible()


@pytest.mark.slow
def test_one_topic_from_solicitation_to_published_result_on_a_phone(
    new_page: NewPage, tree: Tree, people: Personas
) -> None:
    PersonFactory.create(unit=tree.guangming, name="居民代表甲")
    worker = new_page(viewport=PHONE, locale="en-US")
    log_in(worker, "worker")
    worker.goto("/consultations/")
    worker.get_by_test_id("new-topic").click()
    worker.locator("#id_title").fill("小区东门加装充电棚")
    worker.locator("#id_description").fill("电动车入户充电有火灾隐患。")
    worker.locator("#id_format").select_option("courtyard")
    worker.get_by_test_id("submit-topic").click()
    expect(worker.get_by_test_id("topic-title")).to_have_text("小区东门加装充电棚")
    no_horizontal_scroll(worker)
    step(worker, "propose", {"proposal": "党支部提议建设充电棚。"})
    step(worker, "deliberate", {"deliberation": "议事会商议通过方案。", "electorate": "1"})
    expect(worker.get_by_test_id("quorum")).to_contain_text("1")
    worker.get_by_test_id("voter-search").locator("[name=voter_q]").fill("居民代表甲")
    worker.get_by_test_id("search-voter").click()
    worker.get_by_test_id("voter-candidates").get_by_test_id("vote-for").click()
    expect(worker.get_by_test_id("tally")).to_contain_text("1")
    shot(worker, "meeting-phone")
    step(worker, "decide", {"decision": "居民代表会议表决通过。"})
    expect(worker.get_by_test_id("vote-result")).to_be_visible()
    step(worker, "publish", {"notice_days": "7"})
    expect(worker.get_by_test_id("notice-until")).to_be_visible()
    step(worker, "publish_result", {"result": "充电棚已建成投用。"})
    expect(worker.locator("[data-stage=publish_result].stage-done")).to_be_visible()
    shot(worker, "concluded-phone")
    no_horizontal_scroll(worker)
    topic = Topic.objects.get()
    assert (topic.status, topic.votes_for) == (TopicStatus.CONCLUDED, 1)

    # The community publishes its notice board; a visitor reads the result without logging in.
    worker.goto("/consultations/")
    worker.get_by_test_id("notice-board").click()
    worker.get_by_test_id("toggle-board").click()
    expect(worker.get_by_test_id("board-public")).to_be_visible()
    visitor = new_page(viewport=PHONE, locale="en-US")
    visitor.goto(f"/notices/{tree.guangming.pk}/")
    expect(visitor.get_by_test_id("notice-result")).to_contain_text("充电棚已建成投用。")
    no_horizontal_scroll(visitor)
    shot(visitor, "notice-board-phone")
