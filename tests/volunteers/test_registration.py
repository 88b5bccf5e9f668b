"""双报到 and the volunteer register: partner units and pairings (包联), dual registration of
in-service party members with a claimed post (设岗定责), volunteers and teams."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from governance.errors import NotAllowed, OutOfScope, ValidationFailed
from orgchart import services as org
from orgchart.models import PartyMember, PersonRegistration, User
from tests.conftest import Tree, make_user
from tests.factories import PersonFactory, VolunteerFactory
from tests.helpers import resident_id
from tests.volunteers.conftest import NOW, party_member
from volunteers import services
from volunteers.models import DualRegistration, Pairing, PartnerUnit, Team, Volunteer

DAY_1 = dt.date(2026, 11, 1)
DAY_10 = dt.date(2026, 11, 10)
MEMBER_ID = "11010119800808008"  # 党员甲, without the check character
OTHER_ID = "11010119860202002"  # 志愿者乙 of ``vworld``


pytestmark = pytest.mark.usefixtures("english")


def member_jia(tree: Tree, status: str = PartyMember.Status.IN_SERVICE) -> PartyMember:
    """党员甲: an in-service party member organised in 下沉党员支部 (光明社区), living in
    光明社区."""
    return party_member(
        tree.guangming, "党员甲", MEMBER_ID, organisation=tree.branch, status=status
    )


def registrations() -> list[tuple[Any, ...]]:
    return list(
        DualRegistration.objects.order_by("id").values_list(
            "party_member_id",
            "community_id",
            "partner_id",
            "post",
            "post_unit_id",
            "registered_on",
            "ended_on",
        )
    )


# --- 双报到 --------------------------------------------------------------------------------


def test_an_in_service_member_registers_and_claims_a_post(vworld, people, tree, cast) -> None:
    member = member_jia(tree)
    registration = services.dual_register(
        actor=people.worker,
        party_member=member,
        community=tree.guangming,
        partner=cast.partner,
        post="building_head",
        post_unit=tree.building_1,
        registered_on=DAY_1,
    )
    assert registrations() == [
        (
            member.pk,
            tree.guangming.pk,
            cast.partner.pk,
            "building_head",
            tree.building_1.pk,
            DAY_1,
            None,
        )
    ]
    assert registration.pk == DualRegistration.objects.get().pk
    member.refresh_from_db()
    assert (member.home_community, member.dual_registered_on) == (tree.guangming, DAY_1)


def test_moving_to_another_community_ends_the_previous_registration(
    vworld, people, tree, cast
) -> None:
    member = member_jia(tree)
    services.dual_register(
        actor=people.worker,
        party_member=member,
        community=tree.guangming,
        post="patrol",
        registered_on=DAY_1,
    )
    # 和平社区 registers the newcomer first (linking the existing person), then 双报到.
    org.person_register(
        actor=cast.heping_worker,
        unit=tree.heping,
        name="党员甲",
        document_number=resident_id(MEMBER_ID),
    )
    services.dual_register(
        actor=cast.heping_worker,
        party_member=member,
        community=tree.heping,
        post="mediation",
        registered_on=DAY_10,
    )
    assert registrations() == [
        (member.pk, tree.guangming.pk, None, "patrol", None, DAY_1, DAY_10),
        (member.pk, tree.heping.pk, None, "mediation", None, DAY_10, None),
    ]
    member.refresh_from_db()
    assert (member.home_community, member.dual_registered_on) == (tree.heping, DAY_10)
    assert PersonRegistration.objects.filter(person=member.person, unit=tree.heping).exists()


def test_registering_again_in_the_same_community_updates_the_post(vworld, people, tree) -> None:
    member = member_jia(tree)
    first = services.dual_register(
        actor=people.worker,
        party_member=member,
        community=tree.guangming,
        post="patrol",
        registered_on=DAY_1,
    )
    again = services.dual_register(
        actor=people.worker,
        party_member=member,
        community=tree.guangming,
        post="building_head",
        post_unit=tree.building_2,
        registered_on=DAY_10,
    )
    assert again.pk == first.pk
    assert registrations() == [
        (member.pk, tree.guangming.pk, None, "building_head", tree.building_2.pk, DAY_1, None)
    ]
    member.refresh_from_db()
    assert member.dual_registered_on == DAY_1


@pytest.mark.parametrize("status", [PartyMember.Status.RETIRED, PartyMember.Status.FLOATING])
def test_only_in_service_members_register(vworld, people, tree, status) -> None:
    member = member_jia(tree, status)
    with pytest.raises(ValidationFailed) as caught:
        services.dual_register(
            actor=people.worker, party_member=member, community=tree.guangming, registered_on=DAY_1
        )
    assert caught.value.fields == {"party_member": ["双报到 is for in-service party members."]}
    assert registrations() == []
    member.refresh_from_db()
    assert (member.home_community, member.dual_registered_on) == (None, None)


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"post": "dancing"}, {"post": ["Not a valid choice."]}),
        (
            {"post": "patrol", "post_unit": "heping"},
            {"post_unit": ["Choose a compound or building of the community."]},
        ),
        (
            {"post": "patrol", "post_unit": "branch"},
            {"post_unit": ["Choose a compound or building of the community."]},
        ),
        (
            {"post": "patrol", "post_unit": "guangming"},
            {"post_unit": ["Choose a compound or building of the community."]},
        ),
        ({"community": "east"}, {"community": ["Register at a community."]}),
    ],
)
def test_claimed_post_and_unit_are_checked(vworld, people, tree, changes, errors) -> None:
    member = member_jia(tree)
    arguments: dict[str, Any] = {"community": tree.guangming}
    for field, value in changes.items():
        arguments[field] = getattr(tree, value) if field.endswith(("unit", "community")) else value
    with pytest.raises(ValidationFailed) as caught:
        services.dual_register(actor=None, party_member=member, registered_on=DAY_1, **arguments)
    assert caught.value.fields == errors
    assert registrations() == []


def test_a_post_at_a_compound_of_the_community(vworld, people, tree) -> None:
    member = member_jia(tree)
    services.dual_register(
        actor=people.worker,
        party_member=member,
        community=tree.guangming,
        post="environment",
        post_unit=tree.guangming_compound,
        registered_on=DAY_1,
    )
    assert registrations()[0][3:5] == ("environment", tree.guangming_compound.pk)


@pytest.mark.parametrize(
    ("actor", "error"),
    [
        ("grid", NotAllowed),
        ("volunteer", NotAllowed),
        ("official", NotAllowed),
        ("other_worker", OutOfScope),
        ("handler", NotAllowed),
    ],
)
def test_who_may_register_members(vworld, people, tree, actor, error) -> None:
    member = member_jia(tree)
    with pytest.raises(error):
        services.dual_register(
            actor=getattr(people, actor),
            party_member=member,
            community=tree.guangming,
            registered_on=DAY_1,
        )
    assert registrations() == []


def test_a_member_the_worker_cannot_see_is_404(vworld, people, tree) -> None:
    """新华社区's worker cannot register (and so move) a member known only in 光明社区."""
    member = member_jia(tree)
    services.dual_register(
        actor=None, party_member=member, community=tree.guangming, registered_on=DAY_1
    )
    before = registrations()
    with pytest.raises(OutOfScope):
        services.dual_register(
            actor=people.other_worker,
            party_member=member,
            community=tree.xinhua,
            registered_on=DAY_10,
        )
    assert registrations() == before
    member.refresh_from_db()
    assert member.home_community == tree.guangming


# --- Pairings (包联) -----------------------------------------------------------------------


def test_one_current_pairing_per_partner_and_community(vworld, people, tree, cast) -> None:
    # ``cast`` paired 云阳供电公司 with 光明社区 on 2026-01-01.
    current = Pairing.objects.get(partner=cast.partner, community=tree.guangming)
    with pytest.raises(ValidationFailed) as caught:
        services.pairing_create(
            actor=people.worker, partner=cast.partner, community=tree.guangming, started_on=DAY_1
        )
    assert caught.value.fields == {
        "partner": ["This partner unit is already paired with the community."]
    }
    assert Pairing.objects.count() == 1
    ended = services.pairing_end(actor=people.worker, pairing=current, ended_on=DAY_1)
    assert ended.ended_on == DAY_1
    assert services.pairing_end(actor=people.worker, pairing=current, ended_on=DAY_10).ended_on == (
        DAY_1
    )
    again = services.pairing_create(
        actor=people.worker,
        partner=cast.partner,
        community=tree.guangming,
        commitments=" 每月一次义诊 ",
        started_on=DAY_10,
    )
    assert list(
        Pairing.objects.order_by("id").values_list(
            "partner_id", "community_id", "commitments", "started_on", "ended_on"
        )
    ) == [
        (cast.partner.pk, tree.guangming.pk, "", dt.date(2026, 1, 1), DAY_1),
        (cast.partner.pk, tree.guangming.pk, "每月一次义诊", DAY_10, None),
    ]
    assert again.ended_on is None


def test_a_pairing_never_ends_before_it_starts(vworld, people, tree, cast) -> None:
    pairing = Pairing.objects.get(partner=cast.partner)
    ended = services.pairing_end(actor=None, pairing=pairing, ended_on=dt.date(2025, 6, 1))
    assert ended.ended_on == dt.date(2026, 1, 1)


def test_pairings_are_with_communities_of_the_actor(vworld, people, tree, cast) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.pairing_create(actor=None, partner=cast.partner, community=tree.east)
    assert caught.value.fields == {"community": ["A partner unit pairs with a community."]}
    with pytest.raises(OutOfScope):
        services.pairing_create(actor=people.worker, partner=cast.partner, community=tree.heping)
    pairing = Pairing.objects.get(partner=cast.partner)
    with pytest.raises(NotAllowed):
        services.pairing_end(actor=people.grid, pairing=pairing, ended_on=DAY_1)
    with pytest.raises(OutOfScope):
        services.pairing_end(actor=people.other_worker, pairing=pairing, ended_on=DAY_1)
    assert Pairing.objects.filter(ended_on__isnull=True).count() == 1


def test_partner_unit_checks(vworld, people, tree, cast) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.partner_unit_create(
            actor=None,
            unit=tree.district,
            name="云阳供电公司",
            kind=PartnerUnit.Kind.STATE_ENTERPRISE,
        )
    assert caught.value.fields == {
        "name": ["A partner unit with this name is already recorded here."]
    }
    with pytest.raises(ValidationFailed) as caught:
        services.partner_unit_create(
            actor=None,
            unit=tree.district,
            name="云阳水务",
            kind=PartnerUnit.Kind.STATE_ENTERPRISE,
            contact_account=people.worker,
        )
    assert caught.value.fields == {
        "contact_account": ["The contact's account must be a volunteer account."]
    }
    with pytest.raises(ValidationFailed) as caught:
        services.partner_unit_create(actor=None, unit=tree.district, name="云阳水务", kind="shop")
    assert caught.value.fields == {"kind": ["Not a valid choice."]}
    assert PartnerUnit.objects.count() == 1


# --- Volunteers ----------------------------------------------------------------------------


def volunteers() -> list[tuple[Any, ...]]:
    return list(
        Volunteer.objects.order_by("id").values_list(
            "person_id", "community_id", "account_id", "skills", "availability", "is_active"
        )
    )


def test_register_a_volunteer(vworld, people, tree) -> None:
    person = PersonFactory.create(unit=tree.guangming, name="志愿者庚", first17="11010119700707007")
    account = make_user("geng", User.Role.VOLUNTEER, unit=tree.guangming)
    volunteer = services.volunteer_register(
        actor=people.worker,
        person=person,
        community=tree.guangming,
        skills="tutoring，repairs,tutoring",
        availability="evenings",
        account=account,
        registered_on=DAY_1,
    )
    assert (volunteer.skills, volunteer.skill_list) == ("repairs,tutoring", ["repairs", "tutoring"])
    assert volunteers()[-1] == (
        person.pk,
        tree.guangming.pk,
        account.pk,
        "repairs,tutoring",
        "evenings",
        True,
    )
    assert volunteer.registered_on == DAY_1


def test_registering_again_updates_the_record(vworld, people, tree) -> None:
    account = make_user("yi", User.Role.VOLUNTEER, unit=tree.guangming)
    Volunteer.objects.filter(pk=vworld.other.pk).update(is_active=False)
    again = services.volunteer_register(
        actor=people.worker,
        person=vworld.other.person,
        community=tree.guangming,
        skills=["medical"],
        availability="any_time",
        account=account,
        registered_on=DAY_10,
    )
    assert again.pk == vworld.other.pk
    assert Volunteer.objects.count() == 2
    row = Volunteer.objects.filter(pk=again.pk).values_list(
        "account_id", "skills", "availability", "is_active", "registered_on"
    )
    assert list(row) == [(account.pk, "medical", "any_time", True, NOW.date())]
    # Registering again without an account keeps the linked one.
    services.volunteer_register(
        actor=people.worker, person=vworld.other.person, community=tree.guangming
    )
    assert Volunteer.objects.get(pk=again.pk).account == account


@pytest.mark.parametrize(
    ("arguments", "errors"),
    [
        ({"availability": "never"}, {"availability": ["Not a valid choice."]}),
        ({"skills": ["flying", "repairs"]}, {"skills": ["Unknown skills: flying."]}),
        ({"community": "east"}, {"community": ["Register at a community."]}),
        ({"account": "worker"}, {"account": ["Choose a volunteer account of this community."]}),
        (
            {"account": "xinhua_volunteer"},
            {"account": ["Choose a volunteer account of this community."]},
        ),
        ({"account": "volunteer"}, {"account": ["This account is linked to another volunteer."]}),
    ],
)
def test_volunteer_register_checks(vworld, people, tree, cast, arguments, errors) -> None:
    person = PersonFactory.create(unit=tree.guangming, name="志愿者庚", first17="11010119700707007")
    values: dict[str, Any] = {"community": tree.guangming}
    for field, value in arguments.items():
        if field == "community":
            values[field] = getattr(tree, value)
        elif field == "account":
            values[field] = getattr(people, value, None) or getattr(cast, value)
        else:
            values[field] = value
    before = volunteers()
    with pytest.raises(ValidationFailed) as caught:
        services.volunteer_register(actor=None, person=person, **values)
    assert caught.value.fields == errors
    assert volunteers() == before


def test_linking_an_account_of_another_volunteer_on_update_is_400(vworld, people, tree) -> None:
    before = volunteers()
    with pytest.raises(ValidationFailed) as caught:
        services.volunteer_register(
            actor=people.worker,
            person=vworld.other.person,
            community=tree.guangming,
            account=people.volunteer,  # 志愿者甲's account
        )
    assert caught.value.fields == {"account": ["This account is linked to another volunteer."]}
    assert volunteers() == before


def test_a_volunteer_of_another_community_is_not_moved(vworld, people, tree) -> None:
    org.person_register(
        actor=None,
        unit=tree.heping,
        name="志愿者乙",
        document_number=resident_id(OTHER_ID),
    )
    before = volunteers()
    with pytest.raises(ValidationFailed) as caught:
        services.volunteer_register(actor=None, person=vworld.other.person, community=tree.heping)
    assert caught.value.fields == {"person": ["This person is a volunteer of another community."]}
    assert volunteers() == before


@pytest.mark.parametrize(
    ("actor", "error"),
    [("grid", NotAllowed), ("volunteer", NotAllowed), ("other_worker", OutOfScope)],
)
def test_who_may_register_volunteers(vworld, people, tree, actor, error) -> None:
    person = PersonFactory.create(unit=tree.guangming, name="志愿者庚", first17="11010119700707007")
    with pytest.raises(error):
        services.volunteer_register(
            actor=getattr(people, actor), person=person, community=tree.guangming
        )
    assert Volunteer.objects.filter(person=person).count() == 0


def test_a_person_the_worker_cannot_see_is_404(vworld, people, tree) -> None:
    stranger = PersonFactory.create(unit=tree.xinhua, name="孙强", first17="11010119500101011")
    with pytest.raises(OutOfScope):
        services.volunteer_register(actor=people.worker, person=stranger, community=tree.guangming)
    assert Volunteer.objects.filter(person=stranger).count() == 0


# --- Teams ---------------------------------------------------------------------------------


def members(team: Team) -> set[int]:
    return set(Team.objects.get(pk=team.pk).members.values_list("pk", flat=True))


def test_the_lead_is_always_a_member(vworld, people, tree) -> None:
    # ``vworld`` created 光明先锋队 with lead 志愿者甲 and members [志愿者乙].
    assert members(vworld.team) == {vworld.me.pk, vworld.other.pk}
    solo = services.team_create(
        actor=people.worker,
        unit=tree.guangming,
        name="光明帮帮团",
        kind="helping_group",
        lead=vworld.other,
    )
    assert (solo.lead, members(solo)) == (vworld.other, {vworld.other.pk})


def test_a_team_of_a_compound_or_street_takes_the_communitys_volunteers(vworld, tree) -> None:
    for unit in (tree.guangming_compound, tree.east):
        team = services.team_create(
            actor=None, unit=unit, name="楼栋服务队", kind="vanguard", members=[vworld.me]
        )
        assert members(team) == {vworld.me.pk}


def test_team_create_checks(vworld, people, tree) -> None:
    outsider = VolunteerFactory.create(
        community=tree.xinhua,
        person__name="志愿者戊",
        person__first17="11010119910404004",
    )
    cases: list[tuple[dict[str, Any], dict[str, list[str]]]] = [
        (
            {"name": "光明先锋队", "kind": "vanguard"},
            {"name": ["A team with this name exists here."]},
        ),
        ({"name": "新队", "kind": "choir"}, {"kind": ["Not a valid choice."]}),
        (
            {"name": "新队", "kind": "vanguard", "members": [outsider]},
            {"members": ["Members must be volunteers of the team's area."]},
        ),
        (
            {"name": "新队", "kind": "vanguard", "lead": outsider},
            {"members": ["Members must be volunteers of the team's area."]},
        ),
        (
            {"unit": tree.heping, "name": "新队", "kind": "vanguard", "members": [vworld.me]},
            {"members": ["Members must be volunteers of the team's area."]},
        ),
    ]
    for arguments, errors in cases:
        values: dict[str, Any] = {"unit": tree.guangming, **arguments}
        with pytest.raises(ValidationFailed) as caught:
            services.team_create(actor=None, **values)
        assert caught.value.fields == errors
    assert Team.objects.count() == 1


def test_team_update_keeps_the_lead_a_member(vworld, people, tree) -> None:
    team = vworld.team
    third = VolunteerFactory.create(
        community=tree.guangming,
        person__name="志愿者丙",
        person__first17="11010119900303003",
    )
    with pytest.raises(ValidationFailed) as caught:
        services.team_update_members(actor=people.worker, team=team, remove=[vworld.me])
    assert caught.value.fields == {"remove": ["Choose a new lead before the lead leaves."]}
    with pytest.raises(ValidationFailed) as caught:
        services.team_update_members(
            actor=people.worker, team=team, lead=vworld.other, remove=[vworld.other]
        )
    assert caught.value.fields == {"lead": ["The lead cannot leave the team."]}
    assert (Team.objects.get(pk=team.pk).lead, members(team)) == (
        vworld.me,
        {vworld.me.pk, vworld.other.pk},
    )
    # A new lead who was not a member becomes one; the old lead may then leave.
    team = services.team_update_members(
        actor=people.worker, team=team, lead=third, remove=[vworld.me]
    )
    assert (team.lead, members(team)) == (third, {third.pk, vworld.other.pk})
    team = services.team_update_members(actor=people.worker, team=team, add=[vworld.me])
    assert (team.lead, members(team)) == (third, {third.pk, vworld.other.pk, vworld.me.pk})


def test_team_update_takes_only_volunteers_of_the_area(vworld, people, tree) -> None:
    outsider = VolunteerFactory.create(
        community=tree.xinhua,
        person__name="志愿者戊",
        person__first17="11010119910404004",
    )
    with pytest.raises(ValidationFailed) as caught:
        services.team_update_members(actor=people.worker, team=vworld.team, add=[outsider])
    assert caught.value.fields == {"add": ["Members must be volunteers of the team's area."]}
    with pytest.raises(ValidationFailed) as caught:
        services.team_update_members(actor=people.worker, team=vworld.team, lead=outsider)
    assert caught.value.fields == {"lead": ["Members must be volunteers of the team's area."]}
    assert (Team.objects.get(pk=vworld.team.pk).lead, members(vworld.team)) == (
        vworld.me,
        {vworld.me.pk, vworld.other.pk},
    )


@pytest.mark.parametrize(
    ("actor", "error"),
    [("grid", NotAllowed), ("volunteer", NotAllowed), ("other_worker", OutOfScope)],
)
def test_who_may_change_teams(vworld, people, tree, actor, error) -> None:
    with pytest.raises(error):
        services.team_update_members(
            actor=getattr(people, actor), team=vworld.team, remove=[vworld.other]
        )
    with pytest.raises(error):
        services.team_create(
            actor=getattr(people, actor), unit=tree.guangming, name="新队", kind="vanguard"
        )
    assert members(vworld.team) == {vworld.me.pk, vworld.other.pk}
    assert Team.objects.count() == 1
