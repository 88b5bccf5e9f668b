"""The volunteer pages: the wish board and its actions, my points with the quarterly statement
and redemption, the redemptions to hand over; scope (404), role (403), stale versions (409),
bad input (400) and pinned query counts."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, override

from tests.conftest import Personas, Tree, client_for
from tests.helpers import frozen_at
from tests.volunteers.conftest import NOW, SHANGHAI, VolunteerWorld, order_work, post_wish
from volunteers import services
from volunteers.models import (
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    Wish,
    WishEvent,
    WishStatus,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStatus,
)

pytestmark = pytest.mark.django_db


frozen = frozen_at(NOW)


def give(world: VolunteerWorld, points: int) -> None:
    """Credit ``points`` (a multiple of 10) as service hours on a throwaway source."""
    services.points_award(
        volunteer=world.me,
        rule_code=PointRule.Code.SERVICE_HOUR,
        source=world.me.person,
        quantity=points // 10,
        now=NOW,
    )


def act(client, wish: Wish, action: str, **data):
    return client.post(reverse("volunteers:wish_act", args=[wish.pk, action]), data)


# --- The wish board ----------------------------------------------------------------------------


def test_the_worker_posts_a_wish_and_the_volunteer_sees_it_on_the_board(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    worker = client_for(people.worker)
    response = worker.post(
        reverse("volunteers:wish_new"), {"title": "帮王奶奶买米", "description": "每周一次"}
    )
    wish = Wish.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:wish", args=[wish.pk])
    assert (wish.community, wish.title, wish.description, wish.status, wish.posted_by) == (
        tree.guangming,
        "帮王奶奶买米",
        "每周一次",
        WishStatus.POSTED,
        people.worker,
    )
    board = client_for(people.volunteer).get(reverse("volunteers:wishes"))
    assert board.status_code == 200
    assert "帮王奶奶买米" in board.content.decode()
    assert [row.wish for row in board.context["rows"]] == [wish]


def test_posting_without_a_title_is_a_400_with_the_field_message(
    people: Personas, vworld: VolunteerWorld
) -> None:
    response = client_for(people.worker).post(reverse("volunteers:wish_new"), {"title": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["title"]
    assert Wish.objects.count() == 0


def test_a_volunteer_may_not_post_a_wish(people: Personas, vworld: VolunteerWorld) -> None:
    response = client_for(people.volunteer).post(reverse("volunteers:wish_new"), {"title": "x"})
    assert response.status_code == 403
    assert Wish.objects.count() == 0


def test_claim_fulfil_confirm_through_the_pages_awards_the_points(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    wish = post_wish(people, tree)
    volunteer = client_for(people.volunteer)
    page = volunteer.get(reverse("volunteers:wish", args=[wish.pk]))
    assert [item.name for item in page.context["items"]] == ["claim"]

    assert act(volunteer, wish, "claim", version=wish.version).status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.claimed_by) == (WishStatus.CLAIMED, vworld.me)
    page = volunteer.get(reverse("volunteers:wish", args=[wish.pk]))
    assert [item.name for item in page.context["items"]] == ["release", "fulfil"]

    assert act(volunteer, wish, "fulfil", version=wish.version, note="买好了").status_code == 302
    wish.refresh_from_db()
    assert (wish.status, wish.fulfil_note) == (WishStatus.FULFILLED, "买好了")

    worker = client_for(people.worker)
    page = worker.get(reverse("volunteers:wish", args=[wish.pk]))
    assert [item.name for item in page.context["items"]] == ["confirm"]
    assert act(worker, wish, "confirm", version=wish.version).status_code == 302
    wish.refresh_from_db()
    assert wish.status == WishStatus.CONFIRMED
    assert list(WishEvent.objects.filter(wish=wish).values_list("action", "actor__username")) == [
        ("post", "worker"),
        ("claim", "volunteer"),
        ("fulfil", "volunteer"),
        ("confirm", "worker"),
    ]
    entry = PointEntry.objects.get()
    assert (entry.volunteer, entry.points, entry.source_id) == (vworld.me, 20, wish.pk)

    points = volunteer.get(reverse("volunteers:points"))
    assert points.status_code == 200
    assert points.context["balance"] == 20
    statement = points.context["statement"]
    assert (statement.opening, statement.earned, statement.redeemed, statement.closing) == (
        0,
        20,
        0,
        20,
    )
    assert 'data-testid="points-balance">20<' in points.content.decode()


def test_fulfil_without_a_note_is_a_400_and_changes_nothing(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    wish = post_wish(people, tree)
    wish = services.wish_claim(actor=people.volunteer, wish=wish)
    response = act(client_for(people.volunteer), wish, "fulfil", version=wish.version, note="")
    assert response.status_code == 400
    assert response.context["items"][1].form.errors["note"]
    wish.refresh_from_db()
    assert wish.status == WishStatus.CLAIMED
    assert WishEvent.objects.filter(wish=wish).count() == 2


def test_a_stale_version_is_a_409_and_changes_nothing(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    wish = post_wish(people, tree)
    old = wish.version
    services.wish_withdraw(actor=people.worker, wish=wish, reason="已解决", expected_version=old)
    response = act(client_for(people.volunteer), wish, "claim", version=old)
    assert response.status_code == 409
    wish.refresh_from_db()
    assert (wish.status, wish.claimed_by) == (WishStatus.WITHDRAWN, None)
    assert response.context["items"] == []


def test_the_worker_may_not_claim_403_and_bad_input_is_no_500(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    wish = post_wish(people, tree)
    worker = client_for(people.worker)
    assert act(worker, wish, "claim", version=wish.version).status_code == 403
    volunteer = client_for(people.volunteer)
    assert act(volunteer, wish, "claim", version="abc").status_code == 400
    assert act(volunteer, wish, "claim").status_code == 400
    assert act(volunteer, wish, "claim", version=10**30).status_code == 400
    assert act(volunteer, wish, "explode", version=1).status_code == 404
    assert volunteer.get(reverse("volunteers:wish_act", args=[wish.pk, "claim"])).status_code == 405
    assert volunteer.get(reverse("volunteers:wishes"), {"status": "nope"}).status_code == 200
    assert volunteer.get(reverse("volunteers:wishes"), {"format": "pdf"}).status_code == 404
    wish.refresh_from_db()
    assert (wish.status, wish.version) == (WishStatus.POSTED, 1)


def test_another_community_sees_no_wish_404(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    wish = post_wish(people, tree)
    other = client_for(people.other_worker)
    assert other.get(reverse("volunteers:wish", args=[wish.pk])).status_code == 404
    assert act(other, wish, "withdraw", version=1, reason="x").status_code == 404
    assert other.get(reverse("volunteers:wishes")).context["rows"] == []
    wish.refresh_from_db()
    assert wish.status == WishStatus.POSTED


def test_roles_without_volunteer_pages_get_403(people: Personas, vworld: VolunteerWorld) -> None:
    handler = client_for(people.handler)
    for name in ("volunteers:wishes", "volunteers:points", "volunteers:redemptions"):
        assert handler.get(reverse(name)).status_code == 403
    # Staff have no points page; a volunteer has no redemptions desk.
    assert client_for(people.worker).get(reverse("volunteers:points")).status_code == 403
    assert client_for(people.volunteer).get(reverse("volunteers:redemptions")).status_code == 403


def test_the_volunteer_nav_shows_only_its_pages(people: Personas, vworld: VolunteerWorld) -> None:
    html = client_for(people.volunteer).get(reverse("volunteers:wishes")).content.decode()
    assert 'data-testid="nav-volunteers"' in html
    assert 'data-testid="nav-points"' in html
    for hidden in ("nav-petitions", "nav-grids", "nav-people", "subnav-redemptions"):
        assert f'data-testid="{hidden}"' not in html
    assert reverse("orgchart:tree") not in html
    staff = client_for(people.worker).get(reverse("volunteers:wishes")).content.decode()
    assert 'data-testid="nav-points"' not in staff
    assert 'data-testid="subnav-redemptions"' in staff


def test_the_wish_board_exports_xlsx(tree: Tree, people: Personas, vworld: VolunteerWorld) -> None:
    post_wish(people, tree, title="修水龙头")
    post_wish(people, tree, title="买米")
    response = client_for(people.worker).get(reverse("volunteers:wishes"), {"format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    text = [cell for row in book.active.iter_rows(values_only=True) for cell in row]
    assert "修水龙头" in text
    assert "买米" in text


def test_the_status_filter(tree: Tree, people: Personas, vworld: VolunteerWorld) -> None:
    first = post_wish(people, tree, title="一")
    post_wish(people, tree, title="二")
    services.wish_claim(actor=people.volunteer, wish=first)
    response = client_for(people.worker).get(reverse("volunteers:wishes"), {"status": "claimed"})
    assert [row.wish.title for row in response.context["rows"]] == ["一"]


def count_queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_wish_board_costs_the_same_for_one_and_many(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    client = client_for(people.volunteer)
    url = reverse("volunteers:wishes")
    post_wish(people, tree, title="一")
    one = count_queries(client, url)
    for number in range(6):
        wish = post_wish(people, tree, title=f"愿望{number}")
        services.wish_claim(actor=people.volunteer, wish=wish)
    assert count_queries(client, url) == one


def test_points_and_redemptions_cost_the_same_for_one_and_many(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    give(vworld, 500)
    services.redemption_create(actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward)
    volunteer = client_for(people.volunteer)
    worker = client_for(people.worker)
    points_one = count_queries(volunteer, reverse("volunteers:points"))
    desk_one = count_queries(worker, reverse("volunteers:redemptions"))
    more = services.reward_create(actor=None, unit=tree.guangming, name="毛巾", points=5, stock=9)
    for _number in range(3):
        services.redemption_create(actor=people.volunteer, volunteer=vworld.me, reward=more)
    assert count_queries(volunteer, reverse("volunteers:points")) == points_one
    assert count_queries(worker, reverse("volunteers:redemptions")) == desk_one


# --- Points, redemption and hand-over -----------------------------------------------------------


def test_the_volunteer_redeems_and_the_worker_hands_over(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    give(vworld, 120)
    volunteer = client_for(people.volunteer)
    url = reverse("volunteers:redeem", args=[vworld.reward.pk])
    assert volunteer.post(url, {"quantity": "2"}).status_code == 302
    redemption = Redemption.objects.get()
    assert (redemption.quantity, redemption.points, redemption.handed_over_at) == (2, 100, None)
    assert Reward.objects.get(pk=vworld.reward.pk).stock == 1
    page = volunteer.get(reverse("volunteers:points"))
    assert page.context["balance"] == 20
    assert list(page.context["redemptions"]) == [redemption]

    # Not enough points left: a message, nothing taken.
    response = volunteer.post(url, {"quantity": "1"}, follow=True)
    with override(settings.LANGUAGE_CODE):
        expected = gettext("Not enough points for this reward.")
    assert [str(m) for m in response.context["messages"]] == [expected]
    assert volunteer.post(url, {"quantity": "0"}).status_code == 302
    assert volunteer.post(url, {"quantity": "x"}).status_code == 302
    assert Redemption.objects.count() == 1
    assert Reward.objects.get(pk=vworld.reward.pk).stock == 1

    desk = client_for(people.worker)
    listing = desk.get(reverse("volunteers:redemptions"), {"pending": "1"})
    assert [row.redemption for row in listing.context["rows"]] == [redemption]
    hand = reverse("volunteers:hand_over", args=[redemption.pk])
    assert volunteer.post(hand).status_code == 403  # no redemptions desk
    assert client_for(people.other_worker).post(hand).status_code == 404
    assert desk.post(hand).status_code == 302
    redemption.refresh_from_db()
    assert redemption.handed_over_at == NOW


def test_the_redemption_desk_exports_xlsx(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    give(vworld, 60)
    services.redemption_create(actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward)
    response = client_for(people.worker).get(reverse("volunteers:redemptions"), {"format": "xlsx"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    assert "洗衣液" in [cell for row in book.active.iter_rows(values_only=True) for cell in row]


def test_a_bad_quarter_falls_back_to_the_current_one(
    people: Personas, vworld: VolunteerWorld
) -> None:
    volunteer = client_for(people.volunteer)
    for value in ("", "2026-9", "abc", "99999-1"):
        response = volunteer.get(reverse("volunteers:points"), {"quarter": value})
        assert response.status_code == 200
        assert (response.context["quarter"].year, response.context["quarter"].quarter) == (2026, 4)
    earlier = volunteer.get(reverse("volunteers:points"), {"quarter": "2026-2"})
    assert (earlier.context["quarter"].year, earlier.context["quarter"].quarter) == (2026, 2)


# --- Work orders (五单法) -----------------------------------------------------------------------


# What the 四公开 block shows of an order's funds.
FUNDS = {"funds": "1200.50", "funds_source": "社区为民服务经费"}


def step(client, order: WorkOrder, action: str, **data):
    return client.post(reverse("volunteers:work_order_act", args=[order.pk, action]), data)


def test_five_steps_through_the_pages_with_the_publicity_block(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    order = order_work(people, tree, **FUNDS)
    worker, volunteer = client_for(people.worker), client_for(people.volunteer)
    page = worker.get(reverse("volunteers:work_order", args=[order.pk]))
    assert [item.name for item in page.context["items"]] == ["dispatch", "cancel"]
    # Not offered to the volunteer's team yet: out of their scope.
    assert volunteer.get(reverse("volunteers:work_order", args=[order.pk])).status_code == 404

    response = step(
        worker,
        order,
        "dispatch",
        version=order.version,
        provider=f"team:{vworld.team.pk}",
        due_on="2026-11-25",
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.status, order.team) == (WorkOrderStatus.DISPATCHED, vworld.team)
    assert order.due_at == dt.datetime(2026, 11, 25, 23, 59, 59, tzinfo=SHANGHAI)

    page = volunteer.get(reverse("volunteers:work_order", args=[order.pk]))
    assert [item.name for item in page.context["items"]] == ["accept"]
    html = page.content.decode()
    assert "光明先锋队" in html
    assert "1200.50" in html
    assert "社区为民服务经费" in html
    assert step(volunteer, order, "accept", version=order.version).status_code == 302
    order.refresh_from_db()
    assert step(volunteer, order, "complete", version=order.version, note="").status_code == 400
    assert step(volunteer, order, "complete", version=order.version, note="完成").status_code == 302
    order.refresh_from_db()
    assert step(worker, order, "verify", version=order.version).status_code == 403
    official = client_for(people.official)
    assert step(official, order, "verify", version=order.version).status_code == 302
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.VERIFIED
    assert list(
        WorkOrderEvent.objects.filter(work_order=order).values_list("action", "actor__username")
    ) == [
        ("order", "worker"),
        ("dispatch", "worker"),
        ("accept", "volunteer"),
        ("complete", "volunteer"),
        ("verify", "official"),
    ]
    assert services.points_balance(vworld.me) == 30


def test_work_order_bad_input_and_stale_version(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    order = order_work(people, tree, **FUNDS)
    worker = client_for(people.worker)
    assert step(worker, order, "dispatch", version=1, provider="team:999").status_code == 400
    assert step(worker, order, "dispatch", version=1, provider="").status_code == 400
    bad_date = step(
        worker, order, "dispatch", version=1, provider=f"team:{vworld.team.pk}", due_on="x"
    )
    assert bad_date.status_code == 400
    assert step(worker, order, "explode", version=1).status_code == 404
    assert step(worker, order, "cancel", version=1, reason="重复").status_code == 302
    stale = step(worker, order, "dispatch", version=1, provider=f"team:{vworld.team.pk}")
    assert stale.status_code == 409
    order.refresh_from_db()
    assert (order.status, order.team) == (WorkOrderStatus.CANCELLED, None)
    other = client_for(people.other_worker)
    assert other.get(reverse("volunteers:work_order", args=[order.pk])).status_code == 404


def test_the_board_groups_by_stage_exports_and_costs_the_same(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    worker = client_for(people.worker)
    url = reverse("volunteers:work_orders")
    order_work(people, tree, title="一", **FUNDS)
    one = count_queries(worker, url)
    for number in range(4):
        order = order_work(people, tree, title=f"单{number}", **FUNDS)
        services.work_order_dispatch(
            actor=people.worker,
            work_order=order,
            team=vworld.team,
            due_at=NOW + dt.timedelta(days=2),
        )
    assert count_queries(worker, url) == one
    board = worker.get(url)
    counts = {column.status: len(column.rows) for column in board.context["columns"]}
    assert counts == {
        "ordered": 1,
        "dispatched": 4,
        "accepted": 0,
        "completed": 0,
        "verified": 0,
    }
    # The volunteer sees the orders offered to their team only.
    mine = client_for(people.volunteer).get(url)
    assert sum(len(column.rows) for column in mine.context["columns"]) == 4
    export = worker.get(url, {"format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(export.getvalue()))
    cells = [cell for row in book.active.iter_rows(values_only=True) for cell in row]
    assert "单0" in cells
