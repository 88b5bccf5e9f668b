"""点单 through the pages: the order form (a resident's or the community's need, or a petition
turned into a work order), its resident picker, the petition page's link to it, the petition
number linked from the work order, and street teams taking a community's orders (下单)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from governance.errors import OutOfScope, ValidationFailed
from orgchart import policy
from orgchart.models import Person, User
from tests.conftest import Personas, Tree, make_user
from tests.conftest import client_for as signed_in
from tests.factories import PersonFactory
from tests.helpers import frozen_at, resident_id
from tests.petitions.conftest import log_petition, log_petition_as
from tests.volunteers.conftest import NOW, SHANGHAI, VolunteerWorld, order_work
from volunteers import services
from volunteers.models import Team, WorkOrder, WorkOrderEvent, WorkOrderStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

NEW = "/volunteers/work-orders/new/"


frozen = frozen_at(NOW)


def client_for(user: User) -> Client:
    """A signed-in client that reads the pages in English (their msgids)."""
    client = signed_in(user)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def wang(tree: Tree) -> Person:
    """A resident of 光明社区."""
    return PersonFactory.create(unit=tree.guangming, name="王大爷", first17="11010119500101011")


def order_data(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "楼道扶手维修",
        "content": "3号楼楼道扶手松动，老人上下楼不安全。",
        "source": "resident",
        "requested_by": "",
        "funds": "350.00",
        "funds_source": "社区为民服务经费",
        "due_on": "2026-11-30",
    }
    data.update(changes)
    return data


def shown_messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- The form ----------------------------------------------------------------------------------


def test_a_worker_orders_work_and_lands_on_its_page(
    tree: Tree, people: Personas, vworld: VolunteerWorld, wang: Person
) -> None:
    client = client_for(people.worker)
    page = client.get(NEW)
    assert page.status_code == 200
    assert page.context["community"] == tree.guangming
    response = client.post(NEW, order_data(requested_by=wang.pk))
    order = WorkOrder.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:work_order", args=[order.pk])
    assert shown_messages(response) == [f"Work order {order.number} is ordered (点单)."]
    assert (
        order.number,
        order.community,
        order.title,
        order.content,
        order.source,
        order.requested_by,
        order.petition,
        order.funds,
        order.funds_source,
        order.due_at,
        order.status,
        order.ordered_by,
        order.ordered_at,
    ) == (
        "GD2026-000001",
        tree.guangming,
        "楼道扶手维修",
        "3号楼楼道扶手松动，老人上下楼不安全。",
        WorkOrder.Source.RESIDENT,
        wang,
        None,
        Decimal("350.00"),
        "社区为民服务经费",
        dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=SHANGHAI),
        WorkOrderStatus.ORDERED,
        people.worker,
        NOW,
    )
    assert list(
        WorkOrderEvent.objects.filter(work_order=order).values_list(
            "action", "actor__username", "to_status"
        )
    ) == [("order", "worker", "ordered")]
    detail = client.get(response["Location"])
    html = detail.content.decode()
    assert "王大爷" in html
    assert "350.00" in html


def test_a_grid_worker_orders_the_communitys_own_need(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    response = client_for(people.grid).post(
        NEW, order_data(source="community", funds="", funds_source="", due_on="")
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert (order.source, order.requested_by, order.funds, order.due_at, order.ordered_by) == (
        WorkOrder.Source.COMMUNITY,
        None,
        Decimal("0.00"),
        None,
        people.grid,
    )


def test_bad_input_is_a_400_with_field_messages_and_orders_nothing(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    client = client_for(people.worker)
    empty = client.post(NEW, order_data(title=" ", content="", funds="-1", source="petition"))
    assert empty.status_code == 400
    errors = empty.context["form"].errors
    assert errors["title"] == ["This field is required."]
    assert errors["content"] == ["This field is required."]
    assert errors["funds"] == ["Ensure this value is greater than or equal to 0."]
    assert errors["source"] == [
        "Select a valid choice. petition is not one of the available choices."
    ]
    assert 'data-testid="form-errors"' in empty.content.decode()
    # The service's own check, on the form's field: the deadline is a day, not a moment.
    past = client.post(NEW, order_data(due_on="2026-11-17"))
    assert past.status_code == 400
    assert past.context["form"].errors == {"due_on": ["The deadline must be in the future."]}
    assert "The deadline must be in the future." in past.content.decode()
    # A person of another community is no requester here.
    stranger = PersonFactory.create(unit=tree.xinhua, name="赵四", first17="11010119600101022")
    outside = client.post(NEW, order_data(requested_by=stranger.pk))
    assert outside.status_code == 400
    assert outside.context["form"].errors == {
        "requested_by": ["Choose the resident from the search results."]
    }
    assert client.post(NEW, order_data(requested_by="x")).status_code == 400
    assert WorkOrder.objects.count() == 0


@pytest.mark.parametrize("persona", ["volunteer", "official", "street_admin", "superuser"])
def test_a_role_that_may_not_order_gets_403(
    people: Personas, vworld: VolunteerWorld, persona: str
) -> None:
    client = client_for(getattr(people, persona))
    assert client.get(NEW).status_code == 403
    assert client.post(NEW, order_data()).status_code == 403
    assert WorkOrder.objects.count() == 0


def test_roles_without_volunteer_pages_get_403_and_strangers_log_in(
    people: Personas, vworld: VolunteerWorld
) -> None:
    assert client_for(people.handler).get(NEW).status_code == 403
    response = Client().get(NEW)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={NEW}"


def test_find_offers_the_communitys_residents_and_keeps_what_was_typed(
    tree: Tree, people: Personas, vworld: VolunteerWorld, wang: Person
) -> None:
    other = PersonFactory.create(unit=tree.guangming, name="王奶奶", first17="11010119520202033")
    PersonFactory.create(unit=tree.xinhua, name="王叔", first17="11010119700303044")
    client = client_for(people.worker)
    response = client.post(NEW, order_data(title="换灯泡", requester_q="王", find="1"))
    assert response.status_code == 200
    picker = response.context["picker"]
    assert [(person, name) for person, name in picker.candidates] == [
        (wang, "王大爷"),
        (other, "王奶奶"),
    ]
    html = response.content.decode()
    assert 'value="换灯泡"' in html
    assert "王叔" not in html
    assert 'data-testid="form-errors"' not in html
    # The chosen resident stays chosen through another search.
    again = client.post(NEW, order_data(requested_by=wang.pk, requester_q="奶奶", find="1"))
    assert again.context["picker"].chosen == (wang, "王大爷")
    assert [person for person, _name in again.context["picker"].candidates] == [other]
    nobody = client.post(NEW, order_data(requester_q="钱", find="1"))
    assert 'data-testid="no-requester"' in nobody.content.decode()
    assert WorkOrder.objects.count() == 0


def test_a_whole_phone_number_search_is_refused_for_a_grid_worker(
    people: Personas, vworld: VolunteerWorld
) -> None:
    response = client_for(people.grid).post(NEW, order_data(requester_q="13812345678", find="1"))
    assert response.status_code == 200
    assert "needs the right to reveal personal data" in response.context["picker"].error


def test_the_form_page_has_a_pinned_query_count(
    tree: Tree, people: Personas, vworld: VolunteerWorld, django_assert_num_queries
) -> None:
    worker = User.objects.get(pk=people.worker.pk)
    client = client_for(worker)
    # Every page: the session, the user with their anchor, the unread notifications and the
    # session's save (an UPDATE in a savepoint: 3 here). No more for the empty form.
    with django_assert_num_queries(6):
        assert client.get(NEW).status_code == 200
    # A search: the candidates (one query however many match).
    PersonFactory.create(unit=tree.guangming, name="王大爷", first17="11010119500101011")
    with django_assert_num_queries(7):
        one = client.post(NEW, order_data(requester_q="王", find="1"))
    for index in range(4):
        PersonFactory.create(unit=tree.guangming, name=f"王{index}")
    with django_assert_num_queries(7):
        many = client.post(NEW, order_data(requester_q="王", find="1"))
    assert len(one.context["picker"].candidates) == 1
    assert len(many.context["picker"].candidates) == 5


# --- From a petition ---------------------------------------------------------------------------


def test_a_petition_prefills_the_form_and_becomes_the_work_order(
    tree: Tree, people: Personas, vworld: VolunteerWorld, wang: Person
) -> None:
    petition = log_petition(people, tree, petitioner=wang)
    client = client_for(people.worker)
    page = client.get(NEW, {"petition": petition.pk})
    assert page.status_code == 200
    form = page.context["form"]
    assert "source" not in form.fields
    assert (form["title"].value(), form["content"].value(), form["petition"].value()) == (
        "楼道堆放杂物",
        "1号楼1单元楼道堆放杂物，影响通行。",
        petition.pk,
    )
    assert page.context["picker"].chosen == (wang, "王大爷")
    html = page.content.decode()
    assert 'data-testid="from-petition"' in html
    assert petition.number in html
    response = client.post(
        NEW,
        order_data(
            petition=petition.pk,
            title=form["title"].value(),
            content=form["content"].value(),
            requested_by=wang.pk,
            source="",
        ),
    )
    assert response.status_code == 302
    order = WorkOrder.objects.get()
    assert (order.petition, order.source, order.requested_by) == (
        petition,
        WorkOrder.Source.PETITION,
        wang,
    )


def test_a_petition_outside_the_scope_is_404(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    xinhua = log_petition_as(
        people.other_worker, tree, location=tree.xinhua, title="新华的", description="新华"
    )
    client = client_for(people.worker)
    assert client.get(NEW, {"petition": xinhua.pk}).status_code == 404
    assert client.post(NEW, order_data(petition=xinhua.pk)).status_code == 404
    assert client.get(NEW, {"petition": "abc"}).status_code == 404
    assert WorkOrder.objects.count() == 0


def test_a_petition_already_ordered_opens_its_order_and_is_refused_again(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    petition = log_petition(people, tree)
    first = services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="楼道清理",
        content="清理杂物",
        petition=petition,
        now=NOW,
    )
    client = client_for(people.worker)
    page = client.get(NEW, {"petition": petition.pk})
    assert page.status_code == 302
    assert page["Location"] == reverse("volunteers:work_order", args=[first.pk])
    assert shown_messages(page) == ["This petition is already a work order."]
    again = client.post(NEW, order_data(petition=petition.pk))
    assert again.status_code == 400
    assert again.context["form"].errors == {"petition": ["This petition is already a work order."]}
    assert 'data-testid="petition-error"' in again.content.decode()
    assert WorkOrder.objects.count() == 1


def test_a_petition_of_another_community_is_refused_with_the_services_message(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    # A superuser working as 光明社区's community worker sees every petition, 和平社区's too.
    root_worker = make_user(
        "root_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_superuser=True
    )
    heping = log_petition_as(None, tree, location=tree.heping, created_by=people.worker)
    client = client_for(root_worker)
    assert client.get(NEW, {"petition": heping.pk}).status_code == 200
    response = client.post(NEW, order_data(petition=heping.pk))
    assert response.status_code == 400
    assert response.context["form"].errors == {
        "petition": ["The petition belongs to another community."]
    }
    assert WorkOrder.objects.count() == 0


# --- Links between the pages -------------------------------------------------------------------


def test_the_board_offers_ordering_to_those_who_may(
    people: Personas, vworld: VolunteerWorld
) -> None:
    board = reverse("volunteers:work_orders")
    for persona, offered in (
        ("worker", True),
        ("grid", True),
        ("official", False),
        ("volunteer", False),
    ):
        html = client_for(getattr(people, persona)).get(board).content.decode()
        assert ('data-testid="order-work"' in html) is offered, persona


def test_the_petition_page_turns_it_into_a_work_order_then_links_the_order(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    petition = log_petition(people, tree)
    url = reverse("petitions:detail", args=[petition.pk])
    worker = client_for(people.worker)
    html = worker.get(url).content.decode()
    assert f'href="{NEW}?petition={petition.pk}"' in html
    assert "Turn into a work order" in html
    official = client_for(people.official).get(url).content.decode()
    assert 'data-testid="turn-into-work-order"' not in official
    order = services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="楼道清理",
        content="清理杂物",
        petition=petition,
        now=NOW,
    )
    order_url = reverse("volunteers:work_order", args=[order.pk])
    for client in (worker, client_for(people.official)):
        html = client.get(url).content.decode()
        assert 'data-testid="turn-into-work-order"' not in html
        assert f'href="{order_url}"' in html
        assert f"Work order {order.number}" in html
    # A handler sees the petition once it is whistled to them, never the work order.
    handler_html = client_for(people.handler).get(url)
    assert 'data-testid="petition-work-order"' not in handler_html.content.decode()


def test_the_work_order_page_links_its_petition_for_those_who_see_it(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    petition = log_petition(people, tree)
    order = services.work_order_create(
        actor=people.worker,
        community=tree.guangming,
        title="楼道清理",
        content="清理杂物",
        petition=petition,
        now=NOW,
    )
    services.work_order_dispatch(actor=people.worker, work_order=order, team=vworld.team, now=NOW)
    url = reverse("volunteers:work_order", args=[order.pk])
    petition_url = reverse("petitions:detail", args=[petition.pk])
    assert f'href="{petition_url}"' in client_for(people.worker).get(url).content.decode()
    # The team's lead sees the order, and the petition's number, but no petition page.
    lead = client_for(people.volunteer).get(url)
    assert lead.status_code == 200
    assert petition.number in lead.content.decode()
    assert f'href="{petition_url}"' not in lead.content.decode()


# --- Street teams take a community's orders (下单) ----------------------------------------------


@pytest.fixture
def street_teams(tree: Tree, vworld: VolunteerWorld) -> dict[str, Team]:
    return {
        "east": services.team_create(
            actor=None, unit=tree.east, name="东城先锋队", kind=Team.Kind.VANGUARD
        ),
        "west": services.team_create(
            actor=None, unit=tree.west, name="西城先锋队", kind=Team.Kind.VANGUARD
        ),
        "heping": services.team_create(
            actor=None, unit=tree.heping, name="和平帮帮团", kind=Team.Kind.HELPING_GROUP
        ),
        "district": services.team_create(
            actor=None, unit=tree.district, name="云阳区志愿队", kind=Team.Kind.OTHER
        ),
    }


def test_the_dispatch_offers_the_communitys_and_its_streets_teams(
    tree: Tree, people: Personas, vworld: VolunteerWorld, street_teams: dict[str, Team]
) -> None:
    order = order_work(people, tree)
    page = client_for(people.worker).get(reverse("volunteers:work_order", args=[order.pk]))
    dispatch = next(item for item in page.context["items"] if item.name == "dispatch")
    teams = [label for value, label in dispatch.form.fields["provider"].choices if "team:" in value]
    assert teams == ["东城先锋队 · 东城街道", "光明先锋队"]


def test_a_worker_dispatches_to_the_streets_team(
    tree: Tree, people: Personas, vworld: VolunteerWorld, street_teams: dict[str, Team]
) -> None:
    order = order_work(people, tree)
    client = client_for(people.worker)
    act = reverse("volunteers:work_order_act", args=[order.pk, "dispatch"])
    west = client.post(act, {"version": 1, "provider": f"team:{street_teams['west'].pk}"})
    assert west.status_code == 400
    assert west.context["items"][0].form.errors["provider"]
    assert (
        client.post(act, {"version": 1, "provider": f"team:{street_teams['east'].pk}"}).status_code
        == 302
    )
    order.refresh_from_db()
    assert (order.status, order.team) == (WorkOrderStatus.DISPATCHED, street_teams["east"])


def test_the_service_refuses_a_team_that_does_not_serve_the_community(
    tree: Tree, people: Personas, vworld: VolunteerWorld, street_teams: dict[str, Team]
) -> None:
    order = order_work(people, tree)
    for name in ("west", "heping", "district"):
        with pytest.raises(ValidationFailed) as caught:
            services.work_order_dispatch(
                actor=None, work_order=order, team=street_teams[name], now=NOW
            )
        assert caught.value.fields == {
            "team": ["This team does not serve the work order's community."]
        }, name
    # A worker does not even see another street's team.
    with pytest.raises(OutOfScope):
        services.work_order_dispatch(
            actor=people.worker, work_order=order, team=street_teams["west"], now=NOW
        )
    order.refresh_from_db()
    assert (order.status, order.team, order.version) == (WorkOrderStatus.ORDERED, None, 1)
    done = services.work_order_dispatch(
        actor=people.worker, work_order=order, team=street_teams["east"], now=NOW
    )
    assert (done.status, done.team) == (WorkOrderStatus.DISPATCHED, street_teams["east"])


def test_workers_see_their_streets_team_but_do_not_change_it(
    tree: Tree, people: Personas, vworld: VolunteerWorld, street_teams: dict[str, Team]
) -> None:
    seen = set(policy.policy(people.worker, Team).values_list("name", flat=True))
    assert seen == {"光明先锋队", "东城先锋队"}
    assert policy.can(people.worker, "team.change", vworld.team)
    assert not policy.can(people.worker, "team.change", street_teams["east"])
    assert set(policy.policy(people.other_worker, Team).values_list("name", flat=True)) == {
        "西城先锋队"
    }
    assert policy.can(people.street_admin, "team.change", street_teams["east"])


@pytest.mark.parametrize("value", ["²", "１２", "abc", str(10**30)])
def test_a_malformed_requester_is_a_400_not_a_500(
    people: Personas, vworld: VolunteerWorld, value: str
) -> None:
    client = client_for(people.worker)
    response = client.post(NEW, order_data(requested_by=value))
    assert response.status_code == 400
    assert response.context["form"].errors["requested_by"]
    found = client.post(NEW, order_data(requested_by=value, requester_q="王", find="1"))
    assert found.status_code == 200
    assert found.context["picker"].chosen is None
    assert WorkOrder.objects.count() == 0


def test_a_whole_id_number_searched_for_is_never_written_back(
    people: Personas, vworld: VolunteerWorld, wang: Person
) -> None:
    number = resident_id("11010119500101011")
    response = client_for(people.worker).post(NEW, order_data(requester_q=number, find="1"))
    assert response.status_code == 200
    assert [person for person, _name in response.context["picker"].candidates] == [wang]
    assert number not in response.content.decode()
