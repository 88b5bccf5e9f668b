"""积分排行, the monthly points ranking page: order and ties, month bounds in Asia/Shanghai, the
viewer's area, masked names, the viewer's own place below the first places, the per-community
summary for staff, the export and pinned query counts."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from governance.models import AuditEvent
from orgchart.models import OrgUnit
from tests.conftest import Personas, Tree, client_for
from tests.factories import VolunteerFactory
from tests.helpers import frozen_at
from tests.volunteers.conftest import NOW, SHANGHAI, VolunteerWorld
from volunteers import services
from volunteers.models import Activity, PointRule, Volunteer
from volunteers.views import ranking

pytestmark = pytest.mark.django_db

URL = reverse("volunteers:ranking")


frozen = frozen_at(NOW)


def enlist(unit: OrgUnit, name: str) -> Volunteer:
    """A volunteer ``name`` of ``unit`` registered today (``NOW``)."""
    return VolunteerFactory.create(community=unit, person__name=name, registered_on=NOW.date())


def earn(volunteer: Volunteer, points: int, at: dt.datetime, source: Any) -> None:
    """``points`` (a multiple of 10) as service hours for ``source``, at ``at``."""
    entry = services.points_award(
        volunteer=volunteer,
        rule_code=PointRule.Code.SERVICE_HOUR,
        source=source,
        quantity=points // 10,
        now=at,
    )
    assert entry is not None


def at(day: int, hour: int = 10, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


def ranked(response) -> list[tuple[int, str, int]]:
    return [(row.rank, row.name, row.earned) for row in response.context["rows"]]


@pytest.fixture
def board(tree: Tree, vworld: VolunteerWorld) -> dict[str, Volunteer]:
    """光明社区: 阿明 30 and 白冰 30 (a tie), 志愿者甲 (the ``volunteer`` account) 20 and
    志愿者乙 10; 和平社区: 陈红 40; 新华社区 (another street): 丁一 90."""
    g = tree.guangming
    volunteers = {
        "阿明": enlist(g, "阿明"),
        "白冰": enlist(g, "白冰"),
        "陈红": enlist(tree.heping, "陈红"),
        "丁一": enlist(tree.xinhua, "丁一"),
        "志愿者甲": vworld.me,
        "志愿者乙": vworld.other,
    }
    points = {"阿明": 30, "白冰": 30, "志愿者甲": 20, "志愿者乙": 10, "陈红": 40, "丁一": 90}
    for name, value in points.items():
        earn(volunteers[name], value, at(5), volunteers[name].person)
    return volunteers


# --- Order, ties, month ------------------------------------------------------------------------


def test_ranked_by_points_ties_share_a_rank_then_go_by_pinyin(
    people: Personas, board: dict[str, Volunteer]
) -> None:
    response = client_for(people.worker).get(URL)
    assert response.status_code == 200
    # 阿明 (a) before 白冰 (b): same rank; the next rank skips one.
    assert ranked(response) == [
        (1, "阿明", 30),
        (1, "白冰", 30),
        (3, "志愿者甲", 20),
        (4, "志愿者乙", 10),
    ]
    assert response.context["ranked"] == 4
    assert response.context["month"] == dt.date(2026, 11, 1)


def test_redemptions_do_not_lower_the_points_earned(
    tree: Tree, people: Personas, board: dict[str, Volunteer], vworld: VolunteerWorld
) -> None:
    towel = services.reward_create(actor=None, unit=tree.guangming, name="毛巾", points=15, stock=5)
    services.redemption_create(actor=people.volunteer, volunteer=vworld.me, reward=towel)
    response = client_for(people.worker).get(URL)
    assert (3, "志愿者甲", 20) in ranked(response)


def test_month_bounds_are_shanghai_midnights(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    earn(vworld.me, 10, at(31, 23, 30, month=10), tree.guangming)  # 15:30 UTC, still October
    earn(vworld.me, 20, at(1, 0, 0), tree.building_1)  # the first moment of November
    earn(vworld.other, 40, at(31, 23, 59, month=10), tree.building_2)
    worker = client_for(people.worker)
    october = worker.get(URL, {"month": "2026-10"})
    assert ranked(october) == [(1, "志愿者乙", 40), (2, "志愿者甲", 10)]
    assert october.context["month"] == dt.date(2026, 10, 1)
    november = worker.get(URL, {"month": "2026-11"})
    assert ranked(november) == [(1, "志愿者甲", 20)]


def test_the_last_evening_of_a_month_counts_for_that_month(
    people: Personas, vworld: VolunteerWorld, tree: Tree
) -> None:
    with time_machine.travel(at(30, 23, 45), tick=False):
        earn(vworld.me, 30, at(30, 23, 30), tree.guangming)
        response = client_for(people.volunteer).get(URL)
    assert ranked(response) == [(1, "志愿者甲", 30)]
    with time_machine.travel(at(1, 9, month=12), tick=False):
        december = client_for(people.volunteer).get(URL)
        november = client_for(people.volunteer).get(URL, {"month": "2026-11"})
    assert ranked(december) == []
    assert ranked(november) == [(1, "志愿者甲", 30)]


def test_a_bad_or_future_month_falls_back_to_this_month(
    people: Personas, board: dict[str, Volunteer]
) -> None:
    worker = client_for(people.worker)
    for value in ("", "2026-13", "26-11", "abc", "2026-11-01", "2027-01", "9999-12"):
        response = worker.get(URL, {"month": value})
        assert response.status_code == 200
        assert response.context["month"] == dt.date(2026, 11, 1)
    assert worker.get(URL, {"month": "2026-9"}).context["month"] == dt.date(2026, 9, 1)
    assert worker.get(URL, {"month": "2026-09"}).context["next_month"] == dt.date(2026, 10, 1)
    assert worker.get(URL).context["next_month"] is None


def test_service_hours_of_the_month_are_shown(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="义诊",
        kind=Activity.Kind.VOLUNTEER_DAY,
        starts_at=at(10, 9),
        ends_at=at(10, 11, 30),
        capacity=10,
    )
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity, now=at(9))
    services.activity_check_in(actor=people.worker, signup=signup, now=at(10, 9))
    response = client_for(people.volunteer).get(URL)
    (row,) = response.context["rows"]
    # 5 for attending and 10 per whole hour of 2.5.
    assert (row.rank, row.earned, str(row.hours)) == (1, 25, "2.5")


# --- Area and names ----------------------------------------------------------------------------


def test_each_viewer_ranks_its_own_area(
    people: Personas, board: dict[str, Volunteer], vworld: VolunteerWorld
) -> None:
    names = {
        "volunteer": ["阿明", "白冰", "志愿者甲", "志愿者乙"],
        "worker": ["阿明", "白冰", "志愿者甲", "志愿者乙"],
        "grid": ["阿明", "白冰", "志愿者甲", "志愿者乙"],
        "official": ["陈红", "阿明", "白冰", "志愿者甲", "志愿者乙"],
        "other_worker": ["丁一"],
        "superuser": ["丁一", "陈红", "阿明", "白冰", "志愿者甲", "志愿者乙"],
    }
    for username, expected in names.items():
        response = client_for(getattr(people, username)).get(URL)
        assert [row.volunteer.person.name for row in response.context["rows"]] == expected, username
    assert client_for(people.handler).get(URL).status_code == 403


def test_an_inactive_volunteer_account_ranks_nobody(
    people: Personas, board: dict[str, Volunteer], vworld: VolunteerWorld
) -> None:
    Volunteer.objects.filter(pk=vworld.me.pk).update(is_active=False)
    response = client_for(people.volunteer).get(URL)
    assert response.status_code == 200
    assert response.context["rows"] == []
    assert 'data-testid="ranking-empty"' in response.content.decode()


def test_names_are_masked_as_the_viewer_may_see_them(
    people: Personas, board: dict[str, Volunteer]
) -> None:
    volunteer = client_for(people.volunteer).get(URL)
    # A volunteer sees its own name in full and everyone else's masked.
    assert [(row.name, row.mine) for row in volunteer.context["rows"]] == [
        ("阿*", False),
        ("白*", False),
        ("志愿者甲", True),
        ("志***", False),
    ]
    html = volunteer.content.decode()
    assert "阿明" not in html
    assert "志愿者乙" not in html
    assert 'data-testid="my-row"' in html
    assert volunteer.context["mine"].rank == 3
    # Staff of the area (community workers, officials) see names in full.
    worker = client_for(people.worker).get(URL)
    assert [row.name for row in worker.context["rows"]][:2] == ["阿明", "白冰"]
    official = client_for(people.official).get(URL)
    assert [row.name for row in official.context["rows"]][:2] == ["陈红", "阿明"]
    assert not any(row.mine for row in official.context["rows"])


def test_the_viewers_own_place_is_added_below_the_first_places(
    people: Personas, board: dict[str, Volunteer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranking, "TOP", 2)
    response = client_for(people.volunteer).get(URL)
    rows = response.context["rows"]
    assert [(row.rank, row.name, row.mine, row.after_gap) for row in rows] == [
        (1, "阿*", False, False),
        (1, "白*", False, False),
        (3, "志愿者甲", True, True),
    ]
    assert response.context["ranked"] == 4
    html = response.content.decode()
    assert "⋯" in html
    # Staff get the first places only.
    assert len(client_for(people.worker).get(URL).context["rows"]) == 2


def test_a_volunteer_without_points_this_month_is_told_so(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    earn(vworld.other, 10, at(3), tree.guangming)
    response = client_for(people.volunteer).get(URL)
    assert response.context["mine"] is None
    assert 'data-testid="my-rank"' in response.content.decode()
    assert 'data-testid="my-rank-value"' not in response.content.decode()


def test_staff_get_the_month_per_community(people: Personas, board: dict[str, Volunteer]) -> None:
    official = client_for(people.official).get(URL)
    summary = [
        (item["community_name"], item["volunteers"], item["points"])
        for item in official.context["summary"]
    ]
    assert summary == [("光明社区", 4, 90), ("和平社区", 1, 40)]
    assert official.context["many_communities"] is True
    html = official.content.decode()
    assert 'data-testid="ranking-communities"' in html
    assert 'data-testid="ranking-points-total">130<' in html
    # A volunteer's page has no summary and no community column.
    volunteer = client_for(people.volunteer).get(URL)
    assert volunteer.context["summary"] == []
    assert 'data-testid="ranking-communities"' not in volunteer.content.decode()


def test_the_sub_menu_links_the_ranking_for_every_volunteer_page_user(
    people: Personas, vworld: VolunteerWorld
) -> None:
    for user in (people.volunteer, people.worker, people.official):
        html = client_for(user).get(reverse("volunteers:wishes")).content.decode()
        assert f'href="{URL}" data-testid="subnav-ranking"' in html
    page = client_for(people.volunteer).get(URL).content.decode()
    assert 'aria-current="page" href="/volunteers/points/ranking/"' in page


# --- Export ------------------------------------------------------------------------------------


def test_the_ranking_exports_xlsx_with_ranks_and_totals(
    people: Personas, board: dict[str, Volunteer], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranking, "TOP", 2)  # the export holds everyone regardless
    response = client_for(people.worker).get(URL, {"format": "xlsx", "month": "2026-11"})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    cells = list(book.active.iter_rows(values_only=True))
    # 序号, rank, name, community, party member, points, hours; then the totals row.
    assert [row[:6] for row in cells[3:7]] == [
        (1, 1, "阿明", "光明社区", None, 30),
        (2, 1, "白冰", "光明社区", None, 30),
        (3, 3, "志愿者甲", "光明社区", None, 20),
        (4, 4, "志愿者乙", "光明社区", None, 10),
    ]
    assert cells[7][5] == "=SUM(F4:F7)"
    assert "2026-11" in str(cells[0][0])
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert (event.actor, event.changes["ledger"], event.changes["rows"]) == (
        people.worker,
        "points-ranking",
        4,
    )
    assert event.changes["filters"] == "month=2026-11"


def test_a_volunteer_sees_the_board_but_does_not_export_it(
    people: Personas, board: dict[str, Volunteer]
) -> None:
    volunteer = client_for(people.volunteer)
    assert 'data-testid="export-xlsx"' not in volunteer.get(URL).content.decode()
    assert volunteer.get(URL, {"format": "csv"}).status_code == 403
    assert volunteer.get(URL, {"format": "xlsx"}).status_code == 403


def test_a_deactivated_volunteer_leaves_the_ranking(
    people: Personas, board: dict[str, Volunteer]
) -> None:
    before = client_for(people.worker).get(URL).context["rows"]
    gone = before[0].volunteer
    Volunteer.objects.filter(pk=gone.pk).update(is_active=False)
    after = client_for(people.worker).get(URL).context["rows"]
    assert [row.volunteer.pk for row in after] == [row.volunteer.pk for row in before[1:]]


# --- Query counts ------------------------------------------------------------------------------

# Every page: the session, the user with its anchor, the idle-timeout session save (3 in a test
# transaction), the navbar's unread count for roles that get notifications.
BASE = {"volunteer": 5, "worker": 6, "official": 6}


@pytest.mark.parametrize(("username", "own"), [("volunteer", 1), ("worker", 2), ("official", 2)])
def test_the_ranking_query_count_is_pinned_and_flat(
    tree: Tree,
    people: Personas,
    vworld: VolunteerWorld,
    django_assert_num_queries: Any,
    username: str,
    own: int,
) -> None:
    # Own queries: the ranked rows (first places and my own, with the total); for staff the
    # per-community summary.
    client = client_for(getattr(people, username))
    earn(vworld.me, 10, at(2), tree.guangming)
    with django_assert_num_queries(BASE[username] + own):
        assert client.get(URL).status_code == 200
    for number in range(8):
        volunteer = enlist(tree.guangming, f"新人{number}")
        earn(volunteer, 10 * (number + 1), at(3), volunteer.person)
    earn(vworld.other, 50, at(4), tree.guangming)
    with django_assert_num_queries(BASE[username] + own):
        response = client.get(URL)
    assert len(response.context["rows"]) == 10
