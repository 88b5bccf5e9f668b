"""A grid worker's people are the residents of the grids it staffs (DESIGN §6), as its
households, residents and visits are: the people register (list, person page, export, API),
the party members among them and the volunteers' points ledger. The community's worker keeps
seeing the whole community.

The ``grid`` persona staffs 光明一网格 (王秀英 in 101, 李建国 in 102); 赵敏 lives in 光明二网格 of
the same community, 孙强 in 新华社区 (tests/grids/conftest.py).
"""

from __future__ import annotations

import csv
import io
from typing import Any

from governance.models import AuditEvent
from grids import services as grid_services
from orgchart import services as org
from orgchart.models import PartyMember, Person, Post
from tests.conftest import Personas, Tree, client_for
from tests.grids.conftest import GridWorld
from tests.helpers import api_for
from volunteers import services as volunteer_services
from volunteers.models import Volunteer


def csv_names(response: Any) -> list[str]:
    """The 姓名 column of a csv ledger (its rows start with their 序号)."""
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return [row[1] for row in csv.reader(io.StringIO(text)) if row and row[0].isdigit()]


def test_a_grid_worker_sees_the_residents_of_its_grids_and_no_one_else(
    tree: Tree, people: Personas, world: GridWorld
) -> None:
    wang, li, zhao = world.wang.person, world.li.person, world.zhao.person
    grid = client_for(people.grid)
    # The list: its grids' residents (and the grid staff's own person only if a resident).
    listed = grid.get("/org/people/")
    assert listed.status_code == 200
    assert {row.person.pk for row in listed.context["rows"]} == {wang.pk, li.pk}
    assert "赵敏" not in listed.content.decode()
    # The person page of a resident of another grid of the same community does not exist.
    assert grid.get(f"/org/people/{wang.pk}/").status_code == 200
    assert grid.get(f"/org/people/{zhao.pk}/").status_code == 404
    assert grid.post(f"/org/people/{zhao.pk}/reveal/mobile/").status_code == 404
    # The export holds the same rows, and is logged with their number.
    assert sorted(csv_names(grid.get("/org/people/", {"format": "csv"}))) == ["李建国", "王秀英"]
    export = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert (export.actor, export.changes["rows"]) == (people.grid, 2)
    # The API alike.
    api = api_for(people.grid)
    assert {row["id"] for row in api.get("/api/people/").json()["results"]} == {wang.pk, li.pk}
    assert api.get(f"/api/people/{zhao.pk}/").status_code == 404
    assert api.patch(f"/api/people/{wang.pk}/", {"address": "x"}).status_code == 403
    # The community's worker keeps the whole community's register.
    worker = client_for(people.worker).get("/org/people/")
    assert {wang.pk, li.pk, zhao.pk} <= {row.person.pk for row in worker.context["rows"]}
    assert client_for(people.worker).get(f"/org/people/{zhao.pk}/").status_code == 200


def test_a_newcomer_to_its_grid_joins_its_register(
    tree: Tree, people: Personas, world: GridWorld
) -> None:
    zhao = world.zhao.person
    grid = client_for(people.grid)
    assert grid.get(f"/org/people/{zhao.pk}/").status_code == 404
    grid_services.resident_add(actor=None, household=world.home_102, person=zhao)
    assert grid.get(f"/org/people/{zhao.pk}/").status_code == 200


def test_a_person_it_registers_outside_its_grids_is_not_shown_to_it(
    tree: Tree, people: Personas, world: GridWorld
) -> None:
    grid = client_for(people.grid)
    response = grid.post(
        "/org/people/new/",
        {"unit": tree.guangming.pk, "name": "钱新", "document_type": "resident_id"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/org/people/"
    assert Person.objects.filter(name="钱新").exists()
    assert "钱新" not in grid.get("/org/people/").content.decode()


def test_its_party_members_and_post_holders_are_among_its_people(
    tree: Tree, people: Personas, world: GridWorld
) -> None:
    wang, zhao = world.wang.person, world.zhao.person
    for person in (wang, zhao):
        org.party_member_create(
            actor=None, person=person, organisation=tree.guangming, status="retired"
        )
        org.post_assign(
            actor=None,
            unit=tree.guangming_compound if person == wang else tree.guangming,
            kind=Post.Kind.SECRETARY,
            holder=person,
            started_on=world.staff_a.started_on,
        )
    grid = client_for(people.grid)
    members = grid.get(f"/org/{tree.guangming.pk}/party-members/")
    names = [row.name for row in members.context["rows"]]
    # The grid's own head 网格员甲 is a member too, but lives in no household of its grids.
    assert names == ["王秀英"]
    assert PartyMember.objects.filter(person=zhao).exists()
    # Who holds which post stays public inside the area; only its people's names link.
    posts = grid.get(f"/org/{tree.guangming.pk}/posts/").content.decode()
    assert "王秀英" in posts
    assert "赵敏" in posts
    assert f'href="/org/people/{wang.pk}/"' in posts
    assert f'href="/org/people/{zhao.pk}/"' not in posts
    worker_posts = client_for(people.worker).get(f"/org/{tree.guangming.pk}/posts/")
    assert f'href="/org/people/{zhao.pk}/"' in worker_posts.content.decode()


def test_the_points_ledger_of_a_grid_worker_is_its_residents(
    tree: Tree, people: Personas, world: GridWorld
) -> None:
    """The points are personal data of a person: a grid worker sees those of the volunteers
    living in its grids; the monthly ranking stays the community's (volunteers see it too)."""
    volunteer_services.point_rules_ensure_defaults()
    mine, other = (
        volunteer_services.volunteer_register(
            actor=None, person=resident.person, community=tree.guangming
        )
        for resident in (world.wang, world.zhao)
    )
    for volunteer in (mine, other):
        volunteer_services.points_award(
            volunteer=volunteer, rule_code="wish_fulfilled", source=volunteer
        )
    api = api_for(people.grid)
    ledger = api.get("/api/points/").json()
    assert [row["volunteer"] for row in ledger["results"]] == [mine.pk]
    statement = api.get("/api/points/statement/").json()["results"]
    assert [row["volunteer"] for row in statement] == [mine.pk]
    # The community's worker sees both.
    worker = api_for(people.worker).get("/api/points/").json()["results"]
    assert {row["volunteer"] for row in worker} == {mine.pk, other.pk}
    assert Volunteer.objects.count() == 2
