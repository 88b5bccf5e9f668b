"""The volunteers admin: scoped to the admin's subtree (outside it rows are missing), writes
through the services with their audit rows, statuses never editable."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine

from governance.models import AuditEvent
from orgchart.models import User
from tests.conftest import Personas, Tree, client_for, make_user
from tests.factories import PersonFactory, VolunteerFactory
from tests.helpers import english_client_for as english
from tests.volunteers.conftest import NOW, VolunteerWorld
from volunteers import services
from volunteers.models import (
    Activity,
    Pairing,
    PartnerUnit,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    Signup,
    Team,
    Volunteer,
    Wish,
    WorkOrder,
)

ADMIN = "/admin/volunteers/"
MODELS = (
    "partnerunit",
    "pairing",
    "volunteer",
    "team",
    "pointrule",
    "reward",
    "wish",
    "workorder",
    "activity",
    "signup",
    "pointentry",
    "redemption",
)


def audit_rows() -> list[tuple[str, str, str]]:
    return list(AuditEvent.objects.order_by("pk").values_list("action", "object_type", "object_id"))


@dataclass
class AdminWorld:
    partner: PartnerUnit
    pairing: Pairing
    wish: Wish
    order: WorkOrder
    activity: Activity
    signup: Signup
    redemption: Redemption
    # The same, in 新华社区 (西城街道): outside the street admin's subtree.
    west_partner: PartnerUnit
    west_pairing: Pairing
    west_volunteer: Volunteer
    west_team: Team
    west_reward: Reward
    west_wish: Wish
    west_order: WorkOrder


@pytest.fixture
def aworld(vworld: VolunteerWorld, tree: Tree, people: Personas) -> AdminWorld:
    before = NOW - dt.timedelta(days=3)
    partner = services.partner_unit_create(
        actor=None, unit=tree.east, name="东城供电所", kind="state_enterprise"
    )
    pairing = services.pairing_create(
        actor=None, partner=partner, community=tree.guangming, started_on=dt.date(2026, 1, 1)
    )
    wish = services.wish_post(
        actor=people.worker, community=tree.guangming, title="换灯泡", now=before
    )
    wish = services.wish_claim(actor=people.volunteer, wish=wish, now=before)
    order = services.work_order_create(
        actor=people.worker, community=tree.guangming, title="修路灯", content="两盏", now=before
    )
    activity = services.activity_create(
        actor=people.worker,
        unit=tree.guangming,
        title="志愿服务日",
        kind="volunteer_day",
        starts_at=NOW + dt.timedelta(days=3),
        ends_at=NOW + dt.timedelta(days=3, hours=2),
        capacity=10,
    )
    signup = services.activity_sign_up(actor=people.volunteer, activity=activity, now=NOW)
    services.points_award(volunteer=vworld.me, rule_code="wish_fulfilled", source=wish, now=before)
    services.points_award(
        volunteer=vworld.me, rule_code="service_hour", source=signup, quantity=5, now=before
    )
    redemption = services.redemption_create(
        actor=people.volunteer, volunteer=vworld.me, reward=vworld.reward, now=NOW
    )
    west_partner = services.partner_unit_create(
        actor=None, unit=tree.west, name="西城水务所", kind="state_enterprise"
    )
    west_pairing = services.pairing_create(
        actor=None, partner=west_partner, community=tree.xinhua, started_on=dt.date(2026, 1, 1)
    )
    west_volunteer = VolunteerFactory.create(
        community=tree.xinhua,
        person__name="新华志愿者",
        person__first17="11010119870303003",
        registered_on=NOW.date(),
    )
    west_team = services.team_create(
        actor=None, unit=tree.xinhua, name="新华帮帮团", kind="helping_group", lead=west_volunteer
    )
    west_reward = services.reward_create(
        actor=None, unit=tree.xinhua, name="毛巾", points=30, stock=5
    )
    west_wish = services.wish_post(
        actor=people.other_worker, community=tree.xinhua, title="买药", now=before
    )
    west_order = services.work_order_create(
        actor=people.other_worker,
        community=tree.xinhua,
        title="清理楼道",
        content="三楼",
        now=before,
    )
    return AdminWorld(
        partner,
        pairing,
        wish,
        order,
        activity,
        signup,
        redemption,
        west_partner,
        west_pairing,
        west_volunteer,
        west_team,
        west_reward,
        west_wish,
        west_order,
    )


# --- Changelists and scope -------------------------------------------------------------------


def test_superuser_sees_every_changelist_with_the_rows_of_the_whole_city(
    aworld: AdminWorld, people: Personas
) -> None:
    client = english(people.superuser)
    sizes = {}
    for model in MODELS:
        response = client.get(f"{ADMIN}{model}/")
        assert response.status_code == 200, model
        sizes[model] = response.context["cl"].result_count
    assert sizes == {
        "partnerunit": 2,
        "pairing": 2,
        "volunteer": 3,
        "team": 2,
        "pointrule": 4,
        "reward": 2,
        "wish": 2,
        "workorder": 2,
        "activity": 1,
        "signup": 1,
        "pointentry": 3,
        "redemption": 1,
    }
    # Names in full, as the people admin shows them to admins; the balance is the ledger's sum
    # (20 + 50 earned, 50 redeemed).
    response = client.get(f"{ADMIN}volunteer/")
    rows = {v.person.name: v.points_balance for v in response.context["cl"].result_list}
    assert rows == {"志愿者甲": 20, "志愿者乙": 0, "新华志愿者": 0}
    html = response.content.decode()
    assert '<td class="field-balance">20</td>' in html
    assert "志愿者甲" in html


def test_street_admin_sees_only_the_rows_of_the_street(
    aworld: AdminWorld, people: Personas, vworld: VolunteerWorld
) -> None:
    client = english(people.street_admin)
    lists = {
        model: list(client.get(f"{ADMIN}{model}/").context["cl"].result_list) for model in MODELS
    }
    assert lists["partnerunit"] == [aworld.partner]
    assert lists["pairing"] == [aworld.pairing]
    assert lists["volunteer"] == [vworld.me, vworld.other]
    assert lists["team"] == [vworld.team]
    assert lists["reward"] == [vworld.reward]
    assert lists["wish"] == [aworld.wish]
    assert lists["workorder"] == [aworld.order]
    assert lists["activity"] == [aworld.activity]
    assert lists["signup"] == [aworld.signup]
    assert lists["redemption"] == [aworld.redemption]
    assert len(lists["pointentry"]) == 3
    assert len(lists["pointrule"]) == 4  # the city's rules, viewed


@pytest.mark.parametrize(
    ("model", "attribute"),
    [
        ("partnerunit", "west_partner"),
        ("pairing", "west_pairing"),
        ("volunteer", "west_volunteer"),
        ("team", "west_team"),
        ("reward", "west_reward"),
        ("wish", "west_wish"),
        ("workorder", "west_order"),
    ],
)
def test_a_row_outside_the_subtree_is_missing(
    aworld: AdminWorld, people: Personas, model: str, attribute: str
) -> None:
    client = english(people.street_admin)
    pk = getattr(aworld, attribute).pk
    for page in ("change", "history", "delete"):
        assert client.get(f"{ADMIN}{model}/{pk}/{page}/").status_code == 404, page
    assert client.post(f"{ADMIN}{model}/{pk}/change/", {}).status_code == 404


def test_actions_skip_rows_outside_the_subtree(aworld: AdminWorld, people: Personas) -> None:
    client = english(people.street_admin)
    before = audit_rows()
    response = client.post(
        f"{ADMIN}pairing/",
        {"action": "end_pairings", "_selected_action": [aworld.west_pairing.pk]},
    )
    assert response.status_code == 302
    response = client.post(
        f"{ADMIN}reward/",
        {"action": "restock_ten", "_selected_action": [aworld.west_reward.pk]},
    )
    assert response.status_code == 302
    assert Pairing.objects.get(pk=aworld.west_pairing.pk).ended_on is None
    assert Reward.objects.get(pk=aworld.west_reward.pk).stock == 5
    assert audit_rows() == before


def test_other_roles_have_no_volunteers_admin(
    aworld: AdminWorld, people: Personas, tree: Tree
) -> None:
    for user in (people.worker, people.volunteer, people.official):
        response = client_for(user).get(f"{ADMIN}wish/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    staff_worker = make_user(
        "staff_worker", User.Role.COMMUNITY_WORKER, unit=tree.guangming, is_staff=True
    )
    client = client_for(staff_worker)
    for model in MODELS:
        assert client.get(f"{ADMIN}{model}/").status_code == 403, model


# --- Read-only workflows ---------------------------------------------------------------------


def test_statuses_are_read_only_and_workflow_rows_cannot_be_changed(
    aworld: AdminWorld, people: Personas
) -> None:
    client = english(people.superuser)
    for model, obj in (("wish", aworld.wish), ("workorder", aworld.order)):
        response = client.get(f"{ADMIN}{model}/{obj.pk}/change/")
        assert response.status_code == 200
        assert response.context["adminform"].form.fields == {}
        assert 'name="status"' not in response.content.decode()
        before = audit_rows()
        response = client.post(f"{ADMIN}{model}/{obj.pk}/change/", {"status": "confirmed"})
        assert response.status_code == 403
        assert client.get(f"{ADMIN}{model}/add/").status_code == 403
        assert client.post(f"{ADMIN}{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403
        assert audit_rows() == before
    assert Wish.objects.get(pk=aworld.wish.pk).status == "claimed"
    assert WorkOrder.objects.get(pk=aworld.order.pk).status == "ordered"
    for model in ("wish", "workorder", "pairing", "reward", "volunteer"):
        actions = client.get(f"{ADMIN}{model}/").context["action_form"]
        choices = [] if actions is None else [c[0] for c in actions.fields["action"].choices]
        assert "delete_selected" not in choices, model
    for model in ("activity", "signup", "pointentry", "redemption"):
        assert client.get(f"{ADMIN}{model}/add/").status_code == 403, model


# --- Writes through the services -------------------------------------------------------------


def test_partner_unit_and_pairing_are_created_and_ended_through_the_services(
    aworld: AdminWorld, people: Personas, tree: Tree
) -> None:
    client = english(people.street_admin)
    form = client.get(f"{ADMIN}partnerunit/add/").context["adminform"].form
    assert tree.xinhua not in form.fields["unit"].queryset
    assert list(form.fields["contact_account"].queryset) == [people.volunteer]
    before = AuditEvent.objects.count()
    response = client.post(
        f"{ADMIN}partnerunit/add/",
        {"unit": tree.east.pk, "name": "东城中学", "kind": "public_institution", "contact": ""},
    )
    assert response.status_code == 302
    partner = PartnerUnit.objects.get(name="东城中学")
    assert (partner.unit, partner.kind, partner.contact_account) == (
        tree.east,
        "public_institution",
        None,
    )
    # A duplicate name: the form says so (the model's constraint), nothing written.
    response = client.post(
        f"{ADMIN}partnerunit/add/",
        {"unit": tree.east.pk, "name": "东城中学", "kind": "public_institution", "contact": ""},
    )
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["__all__"]
    assert PartnerUnit.objects.filter(name="东城中学").count() == 1
    response = client.post(
        f"{ADMIN}pairing/add/",
        {
            "partner": partner.pk,
            "community": tree.heping.pk,
            "commitments": "每月一次志愿服务",
            "started_on": "2026-11-01",
        },
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(partner=partner)
    assert (pairing.community, pairing.started_on, pairing.ended_on) == (
        tree.heping,
        dt.date(2026, 11, 1),
        None,
    )
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            f"{ADMIN}pairing/",
            {"action": "end_pairings", "_selected_action": [pairing.pk, aworld.pairing.pk]},
        )
    assert response.status_code == 302
    assert set(Pairing.objects.values_list("pk", "ended_on")) == {
        (pairing.pk, NOW.date()),
        (aworld.pairing.pk, NOW.date()),
        (aworld.west_pairing.pk, None),
    }
    rows = list(
        AuditEvent.objects.filter(pk__gt=0)
        .order_by("pk")
        .values_list("action", "object_type", "object_id", "actor__username", "changes")[before:]
    )
    assert rows[0][:4] == ("create", "volunteers.PartnerUnit", str(partner.pk), "street_admin")
    assert rows[0][4] == {"unit": tree.east.pk, "name": "东城中学"}
    assert rows[1][:4] == ("create", "volunteers.Pairing", str(pairing.pk), "street_admin")
    assert [row[:4] for row in rows[2:]] == [
        ("update", "volunteers.Pairing", str(aworld.pairing.pk), "street_admin"),
        ("update", "volunteers.Pairing", str(pairing.pk), "street_admin"),
    ]
    assert rows[3][4] == {"ended_on": "2026-11-18"}


def test_volunteer_team_and_reward_are_created_through_the_services(
    aworld: AdminWorld, people: Personas, tree: Tree, vworld: VolunteerWorld
) -> None:
    client = english(people.street_admin)
    person = PersonFactory.create(unit=tree.heping, name="和平志愿者", first17="11010119880404004")
    before = AuditEvent.objects.count()
    response = client.post(
        f"{ADMIN}volunteer/add/",
        {
            "person": person.pk,
            "community": tree.heping.pk,
            "skill_choices": ["tutoring", "legal"],
            "availability": "evenings",
            "account": "",
            "registered_on": "2026-11-10",
        },
    )
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(person=person)
    assert (volunteer.community, volunteer.skills, volunteer.availability) == (
        tree.heping,
        "legal,tutoring",
        "evenings",
    )
    response = client.post(
        f"{ADMIN}team/add/",
        {
            "unit": tree.heping.pk,
            "name": "和平帮帮团",
            "kind": "helping_group",
            "lead": volunteer.pk,
        },
    )
    assert response.status_code == 302
    team = Team.objects.get(name="和平帮帮团")
    assert (team.lead, list(team.members.all())) == (volunteer, [volunteer])
    response = client.post(
        f"{ADMIN}reward/add/",
        {"unit": tree.heping.pk, "name": "保温杯", "description": "", "points": 100, "stock": 4},
    )
    assert response.status_code == 302
    reward = Reward.objects.get(name="保温杯")
    response = client.post(
        f"{ADMIN}reward/", {"action": "restock_ten", "_selected_action": [reward.pk]}
    )
    assert response.status_code == 302
    assert Reward.objects.get(pk=reward.pk).stock == 14
    rows = list(
        AuditEvent.objects.order_by("pk").values_list("action", "object_type", "object_id")
    )[before:]
    assert ("create", "volunteers.Volunteer", str(volunteer.pk)) in rows
    assert rows[-3:] == [
        ("create", "volunteers.Team", str(team.pk)),
        ("create", "volunteers.Reward", str(reward.pk)),
        ("update", "volunteers.Reward", str(reward.pk)),
    ]
    assert AuditEvent.objects.order_by("pk").last().changes == {"restock": 10}  # type: ignore[union-attr]
    # Saved rows are viewed, not edited: the service is the only way to change them.
    response = client.get(f"{ADMIN}volunteer/{volunteer.pk}/change/")
    assert response.status_code == 200
    assert response.context["adminform"].form.fields == {}
    assert client.post(f"{ADMIN}team/{team.pk}/change/", {"name": "改名"}).status_code == 403
    assert Team.objects.get(pk=team.pk).name == "和平帮帮团"


def test_points_rules_are_changed_by_a_superuser_only_and_audited(
    aworld: AdminWorld, people: Personas
) -> None:
    rule = PointRule.objects.get(code="service_hour")
    street = english(people.street_admin)
    assert street.get(f"{ADMIN}pointrule/{rule.pk}/change/").status_code == 200
    response = street.post(f"{ADMIN}pointrule/{rule.pk}/change/", {"points": 99, "is_active": "on"})
    assert response.status_code == 403
    assert PointRule.objects.get(pk=rule.pk).points == 10
    client = english(people.superuser)
    response = client.post(f"{ADMIN}pointrule/{rule.pk}/change/", {"points": 12, "is_active": "on"})
    assert response.status_code == 302
    assert PointRule.objects.get(pk=rule.pk).points == 12
    event = AuditEvent.objects.order_by("pk").last()
    assert event is not None
    assert (event.action, event.object_type, event.object_id, event.actor, event.changes) == (
        "update",
        "volunteers.PointRule",
        str(rule.pk),
        people.superuser,
        {"points": 12},
    )
    assert client.get(f"{ADMIN}pointrule/add/").status_code == 403
    assert PointEntry.objects.count() == 3


def test_every_add_and_change_page_renders(
    aworld: AdminWorld, people: Personas, vworld: VolunteerWorld
) -> None:
    client = english(people.superuser)
    for model in ("partnerunit", "pairing", "volunteer", "team", "reward"):
        assert client.get(f"{ADMIN}{model}/add/").status_code == 200, model
    rows = {
        "partnerunit": aworld.partner,
        "pairing": aworld.pairing,
        "volunteer": vworld.me,
        "team": vworld.team,
        "reward": vworld.reward,
        "pointrule": PointRule.objects.get(code="service_hour"),
        "wish": aworld.wish,
        "workorder": aworld.order,
        "activity": aworld.activity,
        "signup": aworld.signup,
        "pointentry": PointEntry.objects.order_by("pk").first(),
        "redemption": aworld.redemption,
    }
    for model, obj in rows.items():
        assert obj is not None
        response = client.get(f"{ADMIN}{model}/{obj.pk}/change/")
        assert response.status_code == 200, model
    html = client.get(f"{ADMIN}team/{vworld.team.pk}/change/").content.decode()
    assert "志愿者甲" in html
    assert "志愿者乙" in html
