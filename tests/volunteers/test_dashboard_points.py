"""The home page's volunteer parts: the points card of a volunteer account (balance, this
quarter's points and hours, links), the volunteer service links for staff, nothing for other
roles, and the query count of the home page per role. Also the wish form's beneficiary
(受益人) picker: search, choice, a person outside the poster's community (400) and its query
counts."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext, override

from orgchart.models import Person
from tests.conftest import Personas, Tree, client_for
from tests.factories import PersonFactory
from tests.helpers import frozen_at, resident_id, residents_of_grid_of
from tests.volunteers.conftest import NOW, SHANGHAI, VolunteerWorld
from volunteers import services
from volunteers.models import Activity, PointRule, Volunteer, Wish

pytestmark = pytest.mark.django_db

HOME = "/"
WISH_NEW = reverse("volunteers:wish_new")


frozen = frozen_at(NOW)


def html_of(response) -> str:
    return response.content.decode()


def ids_with(html: str, prefix: str) -> list[str]:
    return re.findall(rf'data-testid="({prefix}[a-z-]*)"', html)


# --- The points card -----------------------------------------------------------------------------


def test_a_volunteer_sees_balance_quarter_points_and_hours(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    me = vworld.me
    # Last quarter: 30 points; this quarter (Q4): an activity of 2.5 h (5 + 20 points) and a
    # wish (20); a redemption of 50 points. Balance 30 + 45 - 50 = 25.
    services.points_award(
        volunteer=me,
        rule_code=PointRule.Code.SERVICE_HOUR,
        source=me.person,
        quantity=3,
        now=dt.datetime(2026, 9, 30, 23, 30, tzinfo=SHANGHAI),
    )
    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="义诊",
        kind=Activity.Kind.VOLUNTEER_DAY,
        starts_at=dt.datetime(2026, 11, 10, 9, tzinfo=SHANGHAI),
        ends_at=dt.datetime(2026, 11, 10, 11, 30, tzinfo=SHANGHAI),
        capacity=5,
    )
    signup = services.activity_sign_up(
        actor=people.volunteer, activity=activity, now=NOW - dt.timedelta(days=9)
    )
    services.activity_check_in(actor=people.worker, signup=signup, now=activity.starts_at)
    services.points_award(
        volunteer=me, rule_code=PointRule.Code.WISH_FULFILLED, source=tree.guangming, now=NOW
    )
    services.redemption_create(actor=people.volunteer, volunteer=me, reward=vworld.reward)

    response = client_for(people.volunteer).get(HOME)
    card = response.context["dashboard"].points
    assert (card.registered, card.balance, card.earned, str(card.hours)) == (True, 25, 45, "2.5")
    assert (card.quarter.year, card.quarter.quarter) == (2026, 4)
    html = html_of(response)
    assert 'data-testid="points-card-balance">25<' in html
    assert 'data-testid="points-card-earned">45<' in html
    assert 'data-testid="points-card-hours">2.5<' in html
    for name in ("points", "wishes", "activities", "ranking"):
        assert f'href="{reverse(f"volunteers:{name}")}"' in html
    # No staff link row for a volunteer.
    assert 'data-testid="volunteer-links"' not in html


def test_a_volunteer_without_points_sees_zeros(people: Personas, vworld: VolunteerWorld) -> None:
    card = client_for(people.volunteer).get(HOME).context["dashboard"].points
    assert (card.registered, card.balance, card.earned, str(card.hours)) == (True, 0, 0, "0.0")


def test_an_account_without_an_active_volunteer_record_is_told_to_ask(
    people: Personas, vworld: VolunteerWorld, django_assert_num_queries: Any
) -> None:
    Volunteer.objects.filter(pk=vworld.me.pk).update(is_active=False)
    client = client_for(people.volunteer)
    client.get(HOME)
    # The roots and the statement row looked for; no balance is summed for nobody; my work (3).
    with django_assert_num_queries(BASE["volunteer"] + 1 + 1 + 3):
        response = client.get(HOME)
    assert response.context["dashboard"].points.registered is False
    html = html_of(response)
    assert 'data-testid="points-card-unregistered"' in html
    assert 'data-testid="points-card-balance"' not in html


def test_staff_get_volunteer_service_links_and_no_card(
    people: Personas, vworld: VolunteerWorld
) -> None:
    for user in (people.worker, people.grid, people.official):
        response = client_for(user).get(HOME)
        assert response.context["dashboard"].points is None
        html = html_of(response)
        # Redemptions to hand over: for those who hand them over (the community), not for
        # grid workers or officials, who may only look at them.
        hands_over = user == people.worker
        assert ids_with(html, "home-volunteer-") == [
            "home-volunteer-wishes",
            "home-volunteer-work-orders",
            *(["home-volunteer-redemptions"] if hands_over else []),
            "home-volunteer-ranking",
        ]
        assert (f'href="{reverse("volunteers:redemptions")}?pending=1"' in html) is hands_over
        assert 'data-testid="points-card"' not in html


def test_roles_without_volunteer_pages_get_neither(
    people: Personas, vworld: VolunteerWorld
) -> None:
    html = html_of(client_for(people.handler).get(HOME))
    assert 'data-testid="volunteer-links"' not in html
    assert 'data-testid="points-card"' not in html


# Every page: the session, the user with its anchor, the idle-timeout session save (3 in a test
# transaction), and the navbar's unread count for roles that get notifications (1); a
# handler's scope reads its department (1).
BASE = {"volunteer": 5, "worker": 6, "grid": 6, "official": 6, "handler": 7, "superuser": 5}
# The dashboard: units by kind, roots, weak units, departments (a volunteer account: the roots
# only, then its points).
DASHBOARD = 4


@pytest.mark.parametrize(
    ("username", "own"),
    [
        # No org figures but the roots (-3); this quarter's statement row and the balance; my
        # work: claimed wishes, the team's orders, the next activity (3).
        ("volunteer", -3 + 2 + 3),
        # My work: the unit's cases (1), wishes and work orders (2), households (1); the board
        # of the community: its unit (1), the board (8) and the map's grids (1; no grid has a
        # boundary here, so no query for their cases).
        ("worker", 4 + 1 + 8 + 1),
        # No org figures but the roots (-3); my work: my grids' households (1), my reports (1).
        ("grid", -3 + 2),
        # My work: the street's cases (1); the board of the street (1 + 8) and its map (1).
        ("official", 1 + 1 + 8 + 1),
        # No org figures but the roots (-3); my work: the department's whistles (1) and its
        # month (1).
        ("handler", -3 + 2),
        # No anchor, no work list; the board of the root (1 + 7: nothing above it) and its map
        # of child units (1: their outlines with their cases, from the rollups).
        ("superuser", 1 + 7 + 1),
    ],
)
def test_the_home_page_query_count_per_role(
    people: Personas,
    vworld: VolunteerWorld,
    django_assert_num_queries: Any,
    username: str,
    own: int,
) -> None:
    client = client_for(getattr(people, username))
    client.get(HOME)
    with django_assert_num_queries(BASE[username] + DASHBOARD + own):
        assert client.get(HOME).status_code == 200


# --- The wish form's beneficiary ----------------------------------------------------------------


@pytest.fixture
def residents(tree: Tree) -> dict[str, Person]:
    """王奶奶 and 王大爷 live in 光明社区; 王阿姨 in 和平社区 (same street), 王叔叔 in 新华社区."""
    return {
        "王奶奶": PersonFactory.create(
            unit=tree.guangming, name="王奶奶", first17="11010119400101021"
        ),
        "王大爷": PersonFactory.create(
            unit=tree.building_1, name="王大爷", first17="11010119380202032"
        ),
        "王阿姨": PersonFactory.create(
            unit=tree.heping, name="王阿姨", first17="11010119600303043"
        ),
        "王叔叔": PersonFactory.create(
            unit=tree.xinhua, name="王叔叔", first17="11010119650404054"
        ),
    }


def search(client, query: str, **kept: str):
    return client.post(WISH_NEW, {"search": "1", "beneficiary_q": query, **kept})


def test_the_search_offers_the_communitys_residents_and_keeps_the_wish(
    tree: Tree, people: Personas, vworld: VolunteerWorld, residents: dict[str, Person]
) -> None:
    response = search(client_for(people.worker), "王", title="买米", description="每周")
    assert response.status_code == 200
    pick = response.context["pick"]
    # By pinyin: wang da ye, wang nai nai. Nobody of another community.
    assert [(person.name, name) for person, name in pick.candidates] == [
        ("王大爷", "王大爷"),
        ("王奶奶", "王奶奶"),
    ]
    html = html_of(response)
    assert 'value="买米"' in html
    assert "每周" in html
    assert 'data-testid="beneficiary-options"' in html
    assert "王阿姨" not in html
    assert "王叔叔" not in html
    assert Wish.objects.count() == 0
    # Pinyin initials find them too; a grid worker finds the residents of its grids only.
    residents_of_grid_of(people.grid, tree.guangming, residents["王奶奶"])
    initials = search(client_for(people.grid), "WNN").context["pick"]
    assert [person.name for person, _name in initials.candidates] == ["王奶奶"]
    grid_pick = search(client_for(people.grid), "王").context["pick"]
    assert [person.name for person, _name in grid_pick.candidates] == ["王奶奶"]


def test_a_whole_id_number_search_is_refused_for_a_grid_worker_and_never_echoed(
    people: Personas, vworld: VolunteerWorld, residents: dict[str, Person]
) -> None:
    number = resident_id("11010119400101021")
    response = search(client_for(people.grid), number, title="买米")
    assert response.status_code == 400
    assert response.context["pick"].error
    assert response.context["pick"].candidates == []
    assert number not in html_of(response)
    # A community worker may search by the whole number; the page shows its mask only.
    worker = search(client_for(people.worker), number)
    assert worker.status_code == 200
    assert [person.name for person, _name in worker.context["pick"].candidates] == ["王奶奶"]
    assert number not in html_of(worker)
    assert f"110101********{number[-4:]}" in html_of(worker)


def test_posting_a_wish_for_a_resident_of_the_community(
    tree: Tree, people: Personas, vworld: VolunteerWorld, residents: dict[str, Person]
) -> None:
    grandma = residents["王奶奶"]
    residents_of_grid_of(people.grid, tree.guangming, grandma)
    # 王大爷 of the same community lives in none of the grid worker's grids: not its to name.
    refused = client_for(people.grid).post(
        WISH_NEW, {"title": "帮王大爷买米", "beneficiary": str(residents["王大爷"].pk)}
    )
    assert refused.status_code == 400
    assert Wish.objects.count() == 0
    response = client_for(people.grid).post(
        WISH_NEW, {"title": "帮王奶奶买米", "beneficiary": str(grandma.pk), "beneficiary_q": "王"}
    )
    wish = Wish.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:wish", args=[wish.pk])
    assert (wish.title, wish.beneficiary, wish.posted_by) == ("帮王奶奶买米", grandma, people.grid)
    detail = client_for(people.volunteer).get(reverse("volunteers:wish", args=[wish.pk]))
    assert detail.context["beneficiary"] == "王**"


def test_posting_without_a_beneficiary_still_works(
    people: Personas, vworld: VolunteerWorld
) -> None:
    response = client_for(people.worker).post(WISH_NEW, {"title": "修路灯", "beneficiary": ""})
    assert response.status_code == 302
    assert Wish.objects.get().beneficiary is None


@pytest.mark.parametrize("whom", ["王阿姨", "王叔叔", "nobody"])
def test_a_beneficiary_outside_the_community_is_a_400_that_tells_nothing(
    people: Personas, vworld: VolunteerWorld, residents: dict[str, Person], whom: str
) -> None:
    pk = residents[whom].pk if whom in residents else Person.objects.order_by("-pk")[0].pk + 100
    response = client_for(people.worker).post(WISH_NEW, {"title": "买米", "beneficiary": str(pk)})
    assert response.status_code == 400
    with override(settings.LANGUAGE_CODE):
        expected = gettext("Choose the resident from the search results.")
    # The same message whoever it is: no hint of who exists elsewhere.
    assert response.context["form"].errors["beneficiary"] == [expected]
    assert response.context["pick"].chosen is None
    assert Wish.objects.count() == 0


def test_the_same_message_for_a_foreign_and_an_unknown_beneficiary(
    people: Personas, vworld: VolunteerWorld, residents: dict[str, Person]
) -> None:
    client = client_for(people.worker)
    foreign = client.post(WISH_NEW, {"title": "买米", "beneficiary": residents["王叔叔"].pk})
    unknown = client.post(WISH_NEW, {"title": "买米", "beneficiary": 10**12})
    assert (
        foreign.context["form"].errors["beneficiary"]
        == unknown.context["form"].errors["beneficiary"]
    )


@pytest.mark.parametrize("value", ["abc", "-1", "0", str(10**30), "²", "１２"])
def test_a_malformed_beneficiary_is_a_400_not_a_500(
    people: Personas, vworld: VolunteerWorld, value: str
) -> None:
    response = client_for(people.worker).post(WISH_NEW, {"title": "买米", "beneficiary": value})
    assert response.status_code == 400
    assert response.context["form"].errors["beneficiary"]
    assert Wish.objects.count() == 0
    # Nor on a search: the bad choice is dropped.
    again = client_for(people.worker).post(
        WISH_NEW, {"search": "1", "beneficiary_q": "王", "beneficiary": value}
    )
    assert again.status_code == 200
    assert again.context["pick"].chosen is None


def test_the_chosen_resident_stays_through_another_search_and_a_bad_title(
    people: Personas, vworld: VolunteerWorld, residents: dict[str, Person]
) -> None:
    client = client_for(people.worker)
    grandma = residents["王奶奶"]
    again = search(client, "志愿", beneficiary=str(grandma.pk))
    assert again.context["pick"].chosen == (grandma, "王奶奶")
    assert [person.name for person, _name in again.context["pick"].candidates] == [
        "志愿者甲",
        "志愿者乙",
    ]
    assert f'value="{grandma.pk}" checked' in html_of(again)
    no_title = client.post(WISH_NEW, {"title": "", "beneficiary": str(grandma.pk)})
    assert no_title.status_code == 400
    assert no_title.context["form"].errors["title"]
    assert no_title.context["pick"].chosen == (grandma, "王奶奶")


def test_the_wish_form_query_counts_are_pinned(
    tree: Tree,
    people: Personas,
    vworld: VolunteerWorld,
    residents: dict[str, Person],
    django_assert_num_queries: Any,
) -> None:
    client = client_for(people.worker)
    client.get(WISH_NEW)
    with django_assert_num_queries(BASE["worker"]):  # the community is the worker's anchor
        assert client.get(WISH_NEW).status_code == 200
    with django_assert_num_queries(BASE["worker"] + 1):  # the search
        assert len(search(client, "王").context["pick"].candidates) == 2
    for number in range(6):
        PersonFactory.create(unit=tree.guangming, name=f"王{number}")
    with django_assert_num_queries(BASE["worker"] + 1):  # as many for more matches
        assert len(search(client, "王").context["pick"].candidates) == 8
    chosen = str(residents["王奶奶"].pk)
    with django_assert_num_queries(BASE["worker"] + 2):  # the chosen one, the search
        search(client, "王", beneficiary=chosen)


def test_a_volunteers_home_has_no_org_figures(people: Personas, vworld: VolunteerWorld) -> None:
    html = html_of(client_for(people.volunteer).get(HOME))
    assert 'data-testid="weak-units"' not in html
    assert 'data-testid="unit-counts"' not in html
    # The area is named, not linked: volunteers have no org pages.
    assert f'href="{reverse("orgchart:unit", args=[vworld.me.community_id])}"' not in html
    assert "光明社区" in html
    staff = html_of(client_for(people.worker).get(HOME))
    assert 'data-testid="weak-units"' in staff
    assert f'href="{reverse("orgchart:unit", args=[vworld.me.community_id])}"' in staff
