"""The registers' pages: 双报到 (list, filters, export, registering a party member), partner
units with their pairings (包联: add, end) and registrations, the volunteer register with the
party members' share per community, and the teams. Scope (404), role (403), bad input (400)
and pinned query counts (one row costs what many rows cost)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from governance.models import AuditEvent
from orgchart import services as org
from orgchart.models import PartyMember, Person, User
from tests.conftest import Personas, Tree, client_for, make_user
from tests.factories import PartyMemberFactory, PersonFactory, VolunteerFactory
from tests.helpers import frozen_at, resident_id
from tests.volunteers.conftest import NOW, Cast, VolunteerWorld, party_member
from volunteers import services
from volunteers.models import DualRegistration, Pairing, PartnerUnit, ServicePostKind, Skill, Team

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]

TODAY = NOW.date()
DAY_1 = dt.date(2026, 11, 1)
DAY_10 = dt.date(2026, 11, 10)
# Every page: the session, the user with its anchor, the idle-timeout session save (a
# savepoint around the UPDATE here) and the navbar's unread-notification count.
BASE_QUERIES = 6

LISTS = {
    "registrations": reverse("volunteers:registrations"),
    "partner_units": reverse("volunteers:partner_units"),
    "volunteers": reverse("volunteers:volunteers"),
    "teams": reverse("volunteers:teams"),
}


frozen = frozen_at(NOW)


@dataclass
class Members:
    ming: PartyMember  # 党员甲: 光明社区, through 云阳供电公司, building head of 1号楼
    ping: PartyMember  # 党员乙: 和平社区, no partner unit, mediation
    moved: PartyMember  # 党员丙: was at 光明社区 (patrol), now at 和平社区 (ended + current)


@pytest.fixture
def members(tree: Tree, people: Personas, cast: Cast) -> Members:
    ming = party_member(tree.guangming, "党员甲", "11010119750101011", organisation=tree.branch)
    ping = party_member(tree.heping, "党员乙", "11010119760202012")
    moved = party_member(tree.guangming, "党员丙", "11010119770303013")
    services.dual_register(
        actor=None,
        party_member=ming,
        community=tree.guangming,
        partner=cast.partner,
        post="building_head",
        post_unit=tree.building_1,
        registered_on=DAY_1,
    )
    services.dual_register(
        actor=None, party_member=ping, community=tree.heping, post="mediation", registered_on=DAY_1
    )
    services.dual_register(
        actor=None,
        party_member=moved,
        community=tree.guangming,
        partner=cast.partner,
        post="patrol",
        registered_on=DAY_1,
    )
    services.dual_register(
        actor=None, party_member=moved, community=tree.heping, post="patrol", registered_on=DAY_10
    )
    return Members(ming, ping, moved)


def names(response) -> list[str]:
    return [row.name for row in response.context["rows"]]


def zh(text: Any) -> str:
    """A label or message as the pages show it (the deployment's language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


def sheet_rows(response) -> list[tuple[Any, ...]]:
    """The ledger's rows (序号 1, 2, …) without the 序号 column."""
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.getvalue()))
    rows = book.active.iter_rows(values_only=True)
    return [row[1:] for row in rows if isinstance(row[0], int)]


def midnight(day: dt.date) -> dt.datetime:
    """A date as openpyxl reads a date cell back."""
    return dt.datetime.combine(day, dt.time())


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    text = response.getvalue().decode("utf-8-sig")
    return [row[1:] for row in csv.reader(io.StringIO(text)) if row and row[0].isdigit()]


# --- 双报到 list --------------------------------------------------------------------------------


def test_the_list_shows_the_area_current_registrations_with_their_details(
    tree: Tree, people: Personas, members: Members
) -> None:
    response = client_for(people.official).get(LISTS["registrations"])
    assert response.status_code == 200
    rows = response.context["rows"]
    # The street's official sees both communities, names in full; by community (tree order),
    # newest first: 光明社区's 党员甲, then 和平社区's 党员丙 (day 10) and 党员乙 (day 1).
    assert [(row.name, row.registration.community.name) for row in rows] == [
        ("党员甲", "光明社区"),
        ("党员丙", "和平社区"),
        ("党员乙", "和平社区"),
    ]
    assert [row.registration.party_member for row in rows] == [
        members.ming,
        members.moved,
        members.ping,
    ]
    html = response.content.decode()
    assert "下沉党员支部" in html  # the party organisation
    assert "云阳供电公司" in html
    assert zh(ServicePostKind.BUILDING_HEAD.label) in html
    assert "1号楼" in html
    assert "党员甲" in html  # officials see the names of their area
    assert 'data-testid="register-member"' not in html  # officials do not register

    worker = client_for(people.worker).get(LISTS["registrations"])
    assert names(worker) == ["党员甲"]  # 光明社区 only, in full for the community's worker
    assert 'data-testid="register-member"' in worker.content.decode()


def test_the_filters_community_partner_post_and_ended(
    tree: Tree, people: Personas, members: Members, cast: Cast
) -> None:
    client = client_for(people.official)
    url = LISTS["registrations"]

    def members_of(**params: Any) -> list[PartyMember]:
        response = client.get(url, params)
        assert response.status_code == 200
        return [row.registration.party_member for row in response.context["rows"]]

    assert members_of(community=tree.heping.pk) == [members.moved, members.ping]
    assert members_of(partner=cast.partner.pk) == [members.ming]
    assert members_of(post="patrol") == [members.moved]
    assert members_of(state="ended") == [members.moved]
    assert members_of(state="ended", community=tree.heping.pk) == []
    assert members_of(state="all", partner=cast.partner.pk) == [members.ming, members.moved]
    # An unknown post or state is no filter; a unit outside the area is a 404.
    assert len(members_of(post="astronaut", state="whenever")) == 3
    assert client.get(url, {"community": tree.xinhua.pk}).status_code == 404
    assert client.get(url, {"community": "abc"}).status_code == 404
    assert client.get(url, {"format": "pdf"}).status_code == 404


def test_the_list_exports_xlsx_and_csv_with_its_filters(
    tree: Tree, people: Personas, members: Members
) -> None:
    client = client_for(people.official)
    url = LISTS["registrations"]
    rows = sheet_rows(client.get(url, {"community": tree.heping.pk, "format": "xlsx"}))
    # Name, party organisation, employer, community, partner unit, post, post at, registered,
    # ended.
    assert rows == [
        (
            "党员丙",
            "光明社区",
            "云阳供电公司",
            "和平社区",
            None,
            zh(ServicePostKind.PATROL.label),
            None,
            midnight(DAY_10),
            None,
        ),
        (
            "党员乙",
            "和平社区",
            "云阳供电公司",
            "和平社区",
            None,
            zh(ServicePostKind.MEDIATION.label),
            None,
            midnight(DAY_1),
            None,
        ),
    ]
    ended = csv_rows(client.get(url, {"state": "ended", "format": "csv"}))
    assert ended == [
        [
            "党员丙",
            "光明社区",
            "云阳供电公司",
            "光明社区",
            "云阳供电公司",
            zh(ServicePostKind.PATROL.label),
            "",
            "2026-11-01",
            "2026-11-10",
        ]
    ]
    export = AuditEvent.objects.filter(action=AuditEvent.Action.EXPORT).latest("id")
    assert export.object_type == "volunteers.DualRegistration"
    assert export.changes["rows"] == 1


def test_the_members_own_party_organisation_and_employer_have_their_own_columns(
    tree: Tree, people: Personas
) -> None:
    """A doctor living in 光明社区: her party organisation is the hospital's, not the
    community's; the employer has its own column; the community only the community's."""
    doctor = party_member(tree.guangming, "党员戊", "11010119800505015")
    org.party_member_update(
        actor=None,
        member=doctor,
        employer="云州市中心医院",
        employer_party_org="中共云州市中心医院委员会",
    )
    # A member organised in the tree without an employer's organisation: the unit's party
    # organisation by its party name.
    org.orgunit_update(actor=None, unit=tree.heping, party_org_name="中共和平社区委员会")
    staff = party_member(tree.heping, "党员己", "11010119810606016")
    org.party_member_update(actor=None, member=staff, employer="")
    for member, community in ((doctor, tree.guangming), (staff, tree.heping)):
        services.dual_register(
            actor=None, party_member=member, community=community, registered_on=DAY_1
        )
    client = client_for(people.official)
    response = client.get(LISTS["registrations"])
    html = response.content.decode()
    assert 'data-testid="member-org">中共云州市中心医院委员会</td>' in html
    assert 'data-testid="member-employer">云州市中心医院</td>' in html
    assert 'data-testid="member-org">中共和平社区委员会</td>' in html
    assert 'data-testid="member-employer">—</td>' in html  # no employer
    assert '<th scope="col">工作单位</th>' in html
    rows = sheet_rows(client.get(LISTS["registrations"], {"format": "xlsx"}))
    assert [row[:4] for row in rows] == [
        ("党员戊", "中共云州市中心医院委员会", "云州市中心医院", "光明社区"),
        ("党员己", "中共和平社区委员会", None, "和平社区"),
    ]
    api = APIClient()
    api.force_authenticate(people.official)
    listed = api.get("/api/dual-registrations/").json()["results"]
    assert [(r["name"], r["party_organisation"], r["employer"]) for r in listed] == [
        ("党员戊", "中共云州市中心医院委员会", "云州市中心医院"),
        ("党员己", "中共和平社区委员会", ""),
    ]


# --- Registering a party member (双报到) --------------------------------------------------------


def test_the_worker_finds_a_member_and_registers_them(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    member = party_member(tree.guangming, "党员丁", "11010119780404014", organisation=tree.branch)
    party_member(tree.guangming, "党员戊", "11010119790505015", status=PartyMember.Status.RETIRED)
    client = client_for(people.worker)
    url = reverse("volunteers:registration_new")
    search = client.post(url, {"q": "党员"})
    assert search.status_code == 302
    assert search["Location"] == f"{url}?q=%E5%85%9A%E5%91%98"
    found = client.get(search["Location"])
    # In-service party members only: 党员戊 is retired.
    assert [candidate.member for candidate in found.context["pick"].candidates] == [member]

    form = client.get(url, {"person": member.person_id})
    assert form.status_code == 200
    assert form.context["form"]["community"].value() == tree.guangming.pk
    response = client.post(
        f"{url}?person={member.person_id}",
        {
            "person": member.person_id,
            "community": tree.guangming.pk,
            "post": "patrol",
            "post_unit": tree.guangming_compound.pk,
            "partner": cast.partner.pk,
            "registered_on": "2026-11-15",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{LISTS['registrations']}?community={tree.guangming.pk}"
    assert list(
        DualRegistration.objects.values_list(
            "party_member", "community", "partner", "post", "post_unit", "registered_on", "ended_on"
        )
    ) == [
        (
            member.pk,
            tree.guangming.pk,
            cast.partner.pk,
            "patrol",
            tree.guangming_compound.pk,
            dt.date(2026, 11, 15),
            None,
        )
    ]
    member.refresh_from_db()
    assert (member.home_community, member.dual_registered_on) == (
        tree.guangming,
        dt.date(2026, 11, 15),
    )
    listing = client.get(response["Location"])
    assert names(listing) == ["党员丁"]


def test_registering_again_starts_from_the_current_registration_and_keeps_its_partner(
    tree: Tree, people: Personas, members: Members
) -> None:
    # 党员甲's employer is kept by 西城街道 and not paired with 光明社区: the worker does not
    # see it among the partner units, but changing the post must not drop it.
    west_unit = services.partner_unit_create(
        actor=None, unit=tree.west, name="西城供水公司", kind=PartnerUnit.Kind.STATE_ENTERPRISE
    )
    services.dual_register(
        actor=None,
        party_member=members.ming,
        community=tree.guangming,
        partner=west_unit,
        post="building_head",
        post_unit=tree.building_1,
    )
    worker = client_for(people.worker)
    url = f"{reverse('volunteers:registration_new')}?person={members.ming.person_id}"
    form = worker.get(url).context["form"]
    assert [form[name].value() for name in ("community", "post", "post_unit", "partner")] == [
        tree.guangming.pk,
        "building_head",
        tree.building_1.pk,
        west_unit.pk,
    ]
    response = worker.post(
        url,
        {
            "person": members.ming.person_id,
            "community": tree.guangming.pk,
            "post": "mediation",
            "partner": west_unit.pk,
        },
    )
    assert response.status_code == 302
    current = DualRegistration.objects.get(party_member=members.ming, ended_on__isnull=True)
    assert (current.post, current.partner, current.post_unit) == ("mediation", west_unit, None)
    # Another street's partner unit that is not the member's stays out of reach.
    other = services.partner_unit_create(
        actor=None, unit=tree.west, name="西城公交公司", kind=PartnerUnit.Kind.STATE_ENTERPRISE
    )
    refused = worker.post(
        url,
        {
            "person": members.ming.person_id,
            "community": tree.guangming.pk,
            "post": "mediation",
            "partner": other.pk,
        },
    )
    assert refused.status_code == 400
    assert refused.context["form"].errors["partner"]


def test_bad_input_is_a_400_with_field_messages_and_registers_no_one(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    member = party_member(tree.guangming, "党员丁", "11010119780404014")
    url = f"{reverse('volunteers:registration_new')}?person={member.person_id}"
    worker = client_for(people.worker)
    base = {"person": member.person_id, "community": tree.guangming.pk}
    missing = worker.post(url, {**base, "post": ""})
    assert missing.status_code == 400
    assert missing.context["form"].errors["post"]
    assert "is-invalid" in missing.content.decode()
    future = worker.post(url, {**base, "post": "patrol", "registered_on": "2026-12-01"})
    assert future.status_code == 400
    assert future.context["form"].errors["registered_on"] == ["The date cannot be in the future."]
    # A community outside the worker's area is not a choice.
    elsewhere = worker.post(url, {**base, "community": tree.heping.pk, "post": "patrol"})
    assert elsewhere.status_code == 400
    assert elsewhere.context["form"].errors["community"]
    # The street admin names 1号楼 of 光明社区 for 和平社区.
    org.person_register(
        actor=None,
        unit=tree.heping,
        name="党员丁",
        document_number=resident_id("11010119780404014"),
    )
    admin = client_for(people.street_admin)
    wrong_place = admin.post(
        url,
        {
            **base,
            "community": tree.heping.pk,
            "post": "building_head",
            "post_unit": tree.building_1.pk,
        },
    )
    assert wrong_place.status_code == 400
    # Only the chosen community's compounds and buildings are offered: 1号楼 is not a choice.
    assert [str(error) for error in wrong_place.context["form"].errors["post_unit"]] == [
        "Choose a compound or building of the community."
    ]
    assert tree.building_1 not in wrong_place.context["form"].fields["post_unit"].queryset
    assert DualRegistration.objects.count() == 0


def test_a_retired_member_or_someone_else_is_not_registered(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    retired = party_member(
        tree.guangming, "党员戊", "11010119790505015", status=PartyMember.Status.RETIRED
    )
    url = reverse("volunteers:registration_new")
    worker = client_for(people.worker)
    response = worker.get(url, {"person": retired.person_id})
    assert response.status_code == 400
    assert response.context["not_eligible"] == "党员戊"
    resident = PersonFactory.create(unit=tree.guangming, name="居民甲", first17="11010119800606016")
    assert worker.get(url, {"person": resident.pk}).status_code == 400
    posted = worker.post(
        f"{url}?person={retired.person_id}",
        {"person": retired.person_id, "community": tree.guangming.pk, "post": "patrol"},
    )
    assert posted.status_code == 400
    assert DualRegistration.objects.count() == 0


def test_roles_that_may_not_register_get_403_and_outsiders_404(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    member = party_member(tree.guangming, "党员丁", "11010119780404014")
    url = reverse("volunteers:registration_new")
    data = {"person": member.person_id, "community": tree.guangming.pk, "post": "patrol"}
    for persona in (people.grid, people.official):
        client = client_for(persona)
        assert client.get(url).status_code == 403
        assert client.post(f"{url}?person={member.person_id}", data).status_code == 403
    # Another community's worker does not know the person: 404.
    other = client_for(people.other_worker)
    assert other.get(url, {"person": member.person_id}).status_code == 404
    assert other.post(f"{url}?person={member.person_id}", data).status_code == 404
    assert client_for(people.worker).get(url, {"person": "x"}).status_code == 404
    assert DualRegistration.objects.count() == 0


# --- Who sees these pages --------------------------------------------------------------------


def test_volunteer_accounts_and_handlers_get_403_everywhere(
    tree: Tree, people: Personas, members: Members, cast: Cast
) -> None:
    pairing = Pairing.objects.get(partner=cast.partner)
    urls = [
        *LISTS.values(),
        reverse("volunteers:registration_new"),
        reverse("volunteers:partner_unit", args=[cast.partner.pk]),
    ]
    for persona in (people.volunteer, cast.partner_contact, people.handler):
        client = client_for(persona)
        for url in urls:
            assert client.get(url).status_code == 403, (persona.username, url)
            assert client.get(url, {"format": "xlsx"}).status_code == 403, (persona, url)
        assert (
            client.post(
                reverse("volunteers:pairing_end", args=[cast.partner.pk, pairing.pk])
            ).status_code
            == 403
        )
    pairing.refresh_from_db()
    assert pairing.ended_on is None


def test_the_sub_menu_and_the_tabs_link_the_registers(people: Personas, cast: Cast) -> None:
    html = client_for(people.grid).get(LISTS["teams"]).content.decode()
    assert 'data-testid="subnav-registrations"' in html
    for tab, url in LISTS.items():
        assert f'href="{url}"' in html, tab
    assert 'aria-current="page" href="/volunteers/teams/" data-testid="tab-teams"' in html
    assert 'aria-current="page" href="/volunteers/volunteers/"' not in html


# --- Partner units and pairings ----------------------------------------------------------------


def test_partner_units_with_their_current_pairings(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    org.person_register(actor=None, unit=tree.guangming, name="联络员甲", document_number="")
    contact = Person.objects.get(name="联络员甲")
    PartnerUnit.objects.filter(pk=cast.partner.pk).update(contact=contact)
    services.pairing_create(
        actor=None,
        partner=cast.partner,
        community=tree.heping,
        commitments="每月一次义诊",
        started_on=DAY_1,
    )
    local = services.partner_unit_create(
        actor=None, unit=tree.guangming, name="光明物业", kind=PartnerUnit.Kind.PRIVATE_ENTERPRISE
    )
    official = client_for(people.official).get(LISTS["partner_units"])
    assert official.status_code == 200
    rows = official.context["rows"]
    assert [(row.partner, row.contact) for row in rows] == [(cast.partner, "联络员甲"), (local, "")]
    assert [pairing.community for pairing in rows[0].partner.current_pairings] == [
        tree.guangming,
        tree.heping,
    ]
    html = official.content.decode()
    assert "每月一次义诊" in html
    assert "联络员甲" in html
    # The worker of 光明社区 sees the pairing with 光明社区 only, and the name in full.
    worker = client_for(people.worker).get(LISTS["partner_units"])
    assert [(row.partner, row.contact) for row in worker.context["rows"]] == [
        (cast.partner, "联络员甲"),
        (local, ""),
    ]
    assert [p.community for p in worker.context["rows"][0].partner.current_pairings] == [
        tree.guangming
    ]
    assert "每月一次义诊" not in worker.content.decode()
    # Filters: kind, community (kept there or paired with it).
    kind = client_for(people.official).get(LISTS["partner_units"], {"kind": "state_enterprise"})
    assert [row.partner for row in kind.context["rows"]] == [cast.partner]
    heping = client_for(people.official).get(LISTS["partner_units"], {"community": tree.heping.pk})
    assert [row.partner for row in heping.context["rows"]] == [cast.partner]
    rows = sheet_rows(client_for(people.official).get(LISTS["partner_units"], {"format": "xlsx"}))
    # Name, kind, kept by, contact, contact is a party member, paired communities, active.
    assert [(row[0], row[2], row[3], row[5]) for row in rows] == [
        ("云阳供电公司", "云阳区", "联络员甲", "光明社区、和平社区"),
        ("光明物业", "光明社区", None, None),
    ]


def test_the_partner_page_lists_pairings_and_registrations_and_exports_each(
    tree: Tree, people: Personas, members: Members, cast: Cast
) -> None:
    ended = services.pairing_create(
        actor=None, partner=cast.partner, community=tree.heping, started_on=DAY_1
    )
    services.pairing_end(actor=None, pairing=ended, ended_on=DAY_10)
    url = reverse("volunteers:partner_unit", args=[cast.partner.pk])
    official = client_for(people.official)
    response = official.get(url)
    assert response.status_code == 200
    assert [(p.community, p.ended_on) for p in response.context["pairings"]] == [
        (tree.guangming, None),
        (tree.heping, DAY_10),
    ]
    assert [row.registration.party_member for row in response.context["rows"]] == [members.ming]
    assert response.context["pairing_form"] is None  # officials do not pair
    assert 'data-testid="pairing-form"' not in response.content.decode()
    everyone = official.get(url, {"state": "all"})
    assert [row.registration.party_member for row in everyone.context["rows"]] == [
        members.ming,
        members.moved,
    ]
    # Partner unit, community, commitments, started, ended.
    assert sheet_rows(official.get(url, {"list": "pairings", "format": "xlsx"})) == [
        ("云阳供电公司", "光明社区", None, midnight(dt.date(2026, 1, 1)), None),
        ("云阳供电公司", "和平社区", None, midnight(DAY_1), midnight(DAY_10)),
    ]
    registrations = sheet_rows(official.get(url, {"list": "registrations", "format": "xlsx"}))
    # Name, party organisation, employer, community, partner unit, post…
    assert [(row[3], row[5]) for row in registrations] == [
        ("光明社区", zh(ServicePostKind.BUILDING_HEAD.label))
    ]
    every = sheet_rows(
        official.get(url, {"list": "registrations", "state": "all", "format": "xlsx"})
    )
    assert [(row[3], row[5], row[8]) for row in every] == [
        ("光明社区", zh(ServicePostKind.BUILDING_HEAD.label), None),
        ("光明社区", zh(ServicePostKind.PATROL.label), midnight(DAY_10)),
    ]
    # Another street does not see the unit at all.
    west = client_for(cast.west_official)
    assert west.get(url).status_code == 404
    assert west.get(url, {"list": "pairings", "format": "xlsx"}).status_code == 404


def test_the_worker_pairs_a_partner_unit_and_ends_the_pairing(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    local = services.partner_unit_create(
        actor=None, unit=tree.guangming, name="光明物业", kind=PartnerUnit.Kind.PRIVATE_ENTERPRISE
    )
    worker = client_for(people.worker)
    page = worker.get(reverse("volunteers:partner_unit", args=[local.pk]))
    assert list(page.context["pairing_form"].fields["community"].queryset) == [tree.guangming]
    response = worker.post(
        reverse("volunteers:pairing_new", args=[local.pk]),
        {"community": tree.guangming.pk, "commitments": "  免费维修楼道灯  ", "started_on": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("volunteers:partner_unit", args=[local.pk])
    pairing = Pairing.objects.get(partner=local)
    assert (pairing.community, pairing.commitments, pairing.started_on, pairing.ended_on) == (
        tree.guangming,
        "免费维修楼道灯",
        TODAY,
        None,
    )
    end = reverse("volunteers:pairing_end", args=[local.pk, pairing.pk])
    # A date in the future: the partner page again (400), that pairing's end form open with
    # the date sent and the field's message; nothing ends.
    future = worker.post(end, {"ended_on": "2026-12-01"})
    assert future.status_code == 400
    assert future.context["ending_pk"] == pairing.pk
    assert future.context["ending_form"].errors == {
        "ended_on": ["The date cannot be in the future."]
    }
    html = future.content.decode()
    assert '<details class="pairing-end mt-1" open>' in html
    assert 'value="2026-12-01" aria-invalid="true"' in html
    with translation.override(settings.LANGUAGE_CODE):
        message = gettext("The date cannot be in the future.")
    assert f'data-testid="end-error-{pairing.pk}">{message}</div>' in html
    assert worker.post(end, {"ended_on": "yesterday"}).status_code == 400
    pairing.refresh_from_db()
    assert pairing.ended_on is None
    assert worker.post(end, {"ended_on": ""}).status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_on == TODAY
    # Ending it again changes nothing (idempotent).
    assert worker.post(end, {"ended_on": "2026-11-17"}).status_code == 302
    pairing.refresh_from_db()
    assert pairing.ended_on == TODAY


def test_pairing_bad_input_is_400_and_roles_that_may_not_pair_get_403(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    url = reverse("volunteers:pairing_new", args=[cast.partner.pk])
    worker = client_for(people.worker)
    # Already paired with 光明社区: the service's message on the form.
    twice = worker.post(url, {"community": tree.guangming.pk})
    assert twice.status_code == 400
    with translation.override(settings.LANGUAGE_CODE):
        expected = gettext("This partner unit is already paired with the community.")
    assert twice.context["pairing_form"].non_field_errors() == [expected]
    missing = worker.post(url, {"community": ""})
    assert missing.status_code == 400
    assert missing.context["pairing_form"].errors["community"]
    outside = worker.post(url, {"community": tree.heping.pk})
    assert outside.status_code == 400
    assert outside.context["pairing_form"].errors["community"]
    assert worker.get(url).status_code == 405
    pairing = Pairing.objects.get(partner=cast.partner)
    end = reverse("volunteers:pairing_end", args=[cast.partner.pk, pairing.pk])
    for persona in (people.official, people.grid):
        client = client_for(persona)
        assert client.post(url, {"community": tree.heping.pk}).status_code == 403
        assert client.post(end).status_code == 403
    # 新华社区's worker does not see the unit: 404.
    other = client_for(people.other_worker)
    assert other.post(url, {"community": tree.xinhua.pk}).status_code == 404
    assert other.post(end).status_code == 404
    assert list(Pairing.objects.values_list("community", "ended_on")) == [(tree.guangming.pk, None)]


def test_ending_the_last_pairing_of_a_unit_kept_elsewhere_returns_to_the_list(
    tree: Tree, people: Personas, cast: Cast
) -> None:
    pairing = Pairing.objects.get(partner=cast.partner)
    response = client_for(people.worker).post(
        reverse("volunteers:pairing_end", args=[cast.partner.pk, pairing.pk])
    )
    assert response.status_code == 302
    # 云阳供电公司 is kept by the district: without a pairing 光明社区 no longer sees it.
    assert response["Location"] == LISTS["partner_units"]
    pairing.refresh_from_db()
    assert pairing.ended_on == TODAY


# --- The volunteer register and the party members' share --------------------------------------


def test_the_register_with_the_party_share_per_community(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    # 2 volunteers in 光明社区, of whom 志愿者甲 is a party member: 50 %.
    org.party_member_create(
        actor=None,
        person=vworld.me.person,
        organisation=tree.branch,
        status=PartyMember.Status.IN_SERVICE,
    )
    heping = VolunteerFactory.create(
        community=tree.heping,
        person__name="志愿者庚",
        person__first17="11010119930606006",
        skills=["tutoring"],
        registered_on=TODAY,
    )
    client = client_for(people.official)
    response = client.get(LISTS["volunteers"])
    assert response.status_code == 200
    shares = response.context["shares"]
    assert [(s.community_name, s.volunteers, s.party_members, s.share) for s in shares] == [
        ("光明社区", 2, 1, 50),
        ("和平社区", 1, 0, 0),
    ]
    total = response.context["share_total"]
    assert (total.volunteers, total.party_members, total.share) == (3, 1, 33)
    html = response.content.decode()
    assert 'data-testid="share-value">50 %<' in html
    assert [row.name for row in response.context["rows"]] == ["志愿者甲", "志愿者乙", "志愿者庚"]
    rows = {row.volunteer: row for row in response.context["rows"]}
    assert rows[vworld.me].skills == [zh(Skill.ELDERLY_CARE.label), zh(Skill.REPAIRS.label)]
    assert [team.name for team in rows[vworld.me].teams] == ["光明先锋队"]
    assert rows[heping].teams == []
    # Filters: skill, party member, community; the share follows the community only.
    skill = client.get(LISTS["volunteers"], {"skill": "repairs"})
    assert [row.volunteer for row in skill.context["rows"]] == [vworld.me]
    party = client.get(LISTS["volunteers"], {"party": "yes"})
    assert [row.volunteer for row in party.context["rows"]] == [vworld.me]
    not_party = client.get(LISTS["volunteers"], {"party": "no"})
    assert {row.volunteer for row in not_party.context["rows"]} == {vworld.other, heping}
    community = client.get(LISTS["volunteers"], {"community": tree.heping.pk})
    assert [row.volunteer for row in community.context["rows"]] == [heping]
    assert [s.community_name for s in community.context["shares"]] == ["和平社区"]
    # An inactive volunteer stays on the register but leaves the share.
    vworld.other.is_active = False
    vworld.other.save(update_fields=["is_active"])
    again = client.get(LISTS["volunteers"], {"community": tree.guangming.pk})
    assert len(again.context["rows"]) == 2
    assert [(s.volunteers, s.party_members, s.share) for s in again.context["shares"]] == [
        (1, 1, 100)
    ]


def test_the_register_exports_with_its_filters(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    worker = client_for(people.worker)
    rows = sheet_rows(worker.get(LISTS["volunteers"], {"skill": "repairs", "format": "xlsx"}))
    skills = "、".join(zh(label) for label in (Skill.ELDERLY_CARE.label, Skill.REPAIRS.label))
    # Name, community, party member, skills, availability, registered on, active.
    assert [(row[0], row[1], row[3], row[5]) for row in rows] == [
        ("志愿者甲", "光明社区", skills, midnight(TODAY))
    ]
    everyone = csv_rows(worker.get(LISTS["volunteers"], {"format": "csv"}))
    assert [row[0] for row in everyone] == ["志愿者甲", "志愿者乙"]
    # 新华社区's worker sees none of them and may not name 光明社区.
    other = client_for(people.other_worker)
    assert other.get(LISTS["volunteers"]).context["rows"] == []
    assert other.get(LISTS["volunteers"], {"community": tree.guangming.pk}).status_code == 404


def test_the_teams_with_lead_members_and_party_identity(
    tree: Tree, people: Personas, vworld: VolunteerWorld, cast: Cast
) -> None:
    org.party_member_create(
        actor=None,
        person=vworld.me.person,
        organisation=tree.branch,
        status=PartyMember.Status.IN_SERVICE,
    )
    response = client_for(people.official).get(LISTS["teams"])
    assert response.status_code == 200
    rows = {row.team.name: row for row in response.context["rows"]}
    assert set(rows) == {"光明先锋队", "光明帮帮团"}
    vanguard = rows["光明先锋队"]
    assert (vanguard.lead, vanguard.team.member_count, vanguard.team.lead_is_party_member) == (
        "志愿者甲",
        2,
        True,
    )
    helping = rows["光明帮帮团"]
    assert (helping.lead, helping.team.member_count, helping.team.lead_is_party_member) == (
        "志愿者丙",
        1,
        False,
    )
    kind = client_for(people.worker).get(LISTS["teams"], {"kind": Team.Kind.VANGUARD})
    assert [(row.team.name, row.lead) for row in kind.context["rows"]] == [
        ("光明先锋队", "志愿者甲")
    ]
    # Name, kind, unit, lead, lead is a party member, members, active.
    teams = sheet_rows(client_for(people.worker).get(LISTS["teams"], {"format": "xlsx"}))
    assert sorted((row[0], row[3], row[5]) for row in teams) == [
        ("光明先锋队", "志愿者甲", 2),
        ("光明帮帮团", "志愿者丙", 1),
    ]
    assert client_for(people.other_worker).get(LISTS["teams"]).context["rows"] == []


# --- Query counts ----------------------------------------------------------------------------


def add_many(tree: Tree, people: Personas, cast: Cast, count: int) -> None:
    """``count`` more of everything the lists show, in 光明社区."""
    g = tree.guangming
    for number in range(count):
        member = PartyMemberFactory.create(
            organisation=tree.branch, person__unit=g, employer="云阳供电公司"
        )
        services.dual_register(
            actor=None, party_member=member, community=g, partner=cast.partner, post="patrol"
        )
        volunteer = services.volunteer_register(
            actor=None, person=member.person, community=g, skills=["patrol"]
        )
        team = services.team_create(
            actor=None, unit=g, name=f"队{number}", kind=Team.Kind.OTHER, lead=volunteer
        )
        helper_lead = cast.helper_team.lead
        assert helper_lead is not None
        team.members.add(helper_lead)
        partner = services.partner_unit_create(
            actor=None, unit=g, name=f"单位{number}", kind=PartnerUnit.Kind.GOVERNMENT
        )
        services.pairing_create(actor=None, partner=partner, community=g, commitments="共建")


# Each list past the base: the community choices, its count and page, and per list: the
# 双报到 list: partner unit choices, the "may register" answer is the role (no query);
# partner units: the current pairings (one prefetch); volunteers: the teams (one prefetch)
# and the share per community; teams: nothing more.
PAGE_QUERIES = {
    "registrations": 4,
    "partner_units": 4,
    "volunteers": 5,
    "teams": 3,
}


@pytest.mark.parametrize("name", list(PAGE_QUERIES))
@pytest.mark.parametrize("persona", ["worker", "official"])
def test_each_list_costs_the_same_for_one_row_and_many(
    tree: Tree,
    people: Personas,
    members: Members,
    cast: Cast,
    django_assert_num_queries: Any,
    name: str,
    persona: str,
) -> None:
    client = client_for(getattr(people, persona))
    expected = BASE_QUERIES + PAGE_QUERIES[name]
    with django_assert_num_queries(expected):
        first = client.get(LISTS[name])
    assert first.status_code == 200
    before = len(first.context["rows"])
    assert before >= 1
    add_many(tree, people, cast, 6)
    with django_assert_num_queries(expected):
        second = client.get(LISTS[name])
    assert len(second.context["rows"]) >= before + 6


def test_the_partner_page_costs_the_same_for_one_row_and_many(
    tree: Tree,
    people: Personas,
    members: Members,
    cast: Cast,
    django_assert_num_queries: Any,
) -> None:
    client = client_for(people.worker)
    url = reverse("volunteers:partner_unit", args=[cast.partner.pk])
    # The unit and its pairings (prefetch), its pairings here, the registrations' count and
    # page, the communities of the pairing form.
    expected = BASE_QUERIES + 6
    with django_assert_num_queries(expected):
        first = client.get(url)
    assert len(first.context["rows"]) == 1
    add_many(tree, people, cast, 6)
    with django_assert_num_queries(expected):
        second = client.get(url)
    assert len(second.context["rows"]) == 7


def test_a_street_admin_sees_every_community_of_the_street(
    tree: Tree, people: Personas, members: Members
) -> None:
    response = client_for(people.street_admin).get(LISTS["registrations"])
    assert [pk for pk, _name in response.context["communities"]] == [
        tree.guangming.pk,
        tree.heping.pk,
    ]
    assert len(response.context["rows"]) == 3
    # A district official's account made on the spot sees the same rows.
    district = make_user("district_2", User.Role.OFFICIAL, unit=tree.district)
    assert len(client_for(district).get(LISTS["registrations"]).context["rows"]) == 3


def test_the_worker_ends_a_registration_from_the_list(
    tree: Tree, people: Personas, members: Members
) -> None:
    worker = client_for(people.worker)
    worker.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    listed = worker.get(LISTS["registrations"], {"post": "building_head"})
    assert 'data-testid="end-registration"' in listed.content.decode()
    registration = DualRegistration.objects.get(party_member=members.ming, ended_on__isnull=True)
    url = reverse("volunteers:registration_end", args=[registration.pk])
    response = worker.post(url, {"next": "post=building_head"})
    assert response.status_code == 302
    assert response["Location"] == f"{LISTS['registrations']}?post=building_head"
    assert DualRegistration.objects.get(pk=registration.pk).ended_on == TODAY
    followed = worker.get(response["Location"])
    assert [str(message) for message in followed.context["messages"]] == [
        f"党员甲's registration ended on {TODAY}."
    ]
    assert names(followed) == []  # current ones only
    # Again: nothing changes, and the worker is told.
    worker.post(url)
    assert DualRegistration.objects.get(pk=registration.pk).ended_on == TODAY
    assert (
        AuditEvent.objects.filter(
            object_type="volunteers.DualRegistration",
            object_id=str(registration.pk),
            action="update",
        ).count()
        == 1
    )


def test_ending_a_registration_is_for_the_community_staff(
    tree: Tree, people: Personas, members: Members
) -> None:
    registration = DualRegistration.objects.get(party_member=members.ming, ended_on__isnull=True)
    url = reverse("volunteers:registration_end", args=[registration.pk])
    official = client_for(people.official)
    assert (
        'data-testid="end-registration"'
        not in official.get(LISTS["registrations"]).content.decode()
    )
    assert official.post(url).status_code == 403
    assert client_for(people.grid).post(url).status_code == 403
    assert client_for(people.other_worker).post(url).status_code == 404
    assert client_for(people.volunteer).post(url).status_code == 403  # no registers at all
    assert client_for(people.worker).get(url).status_code == 405
    assert DualRegistration.objects.get(pk=registration.pk).ended_on is None


def test_a_street_teams_lead_from_another_community_is_masked(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    lead = VolunteerFactory.create(
        community=tree.heping,
        person__name="和平李四",
        person__first17="11010119800808081",
    )
    services.team_create(
        actor=None, unit=tree.east, name="东城先锋队", kind=Team.Kind.VANGUARD, lead=lead
    )
    worker = client_for(people.worker)
    page = worker.get(LISTS["teams"])
    by_team = {row.team.name: row.lead for row in page.context["rows"]}
    assert by_team["东城先锋队"] == "和***"
    assert by_team["光明先锋队"] == "志愿者甲"  # a lead of the worker's own community
    assert "和平李四" not in page.content.decode()
    api = APIClient()
    api.force_authenticate(people.worker)
    names = {row["name"]: row["lead_name"] for row in api.get("/api/teams/").json()["results"]}
    assert names["东城先锋队"] == "和***"
    exported = sheet_rows(worker.get(LISTS["teams"], {"format": "xlsx"}))
    assert not any("和平李四" in str(cell) for row in exported for cell in row)
    # The street's own worker sees the lead in full.
    heping = make_user("heping_worker2", User.Role.COMMUNITY_WORKER, unit=tree.heping)
    rows = client_for(heping).get(LISTS["teams"]).context["rows"]
    assert {row.team.name: row.lead for row in rows}["东城先锋队"] == "和平李四"


def test_the_picker_does_not_say_where_outside_the_area_a_member_is_registered(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    member = party_member(tree.guangming, "党员丁", "11010119780404014")
    services.dual_register(
        actor=None, party_member=member, community=tree.xinhua, post="patrol", registered_on=DAY_1
    )
    worker = client_for(people.worker)
    worker.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    found = worker.get(reverse("volunteers:registration_new"), {"q": "党员丁"})
    assert [candidate.person for candidate in found.context["pick"].candidates] == [member.person]
    assert found.context["pick"].candidates[0].home is None
    html = found.content.decode()
    assert "registered at another community" in html
    assert "新华社区" not in html
    chosen = worker.get(reverse("volunteers:registration_new"), {"person": member.person.pk})
    assert chosen.context["home"] is None
    assert "Now registered at another community." in chosen.content.decode()
    assert "新华社区" not in chosen.content.decode()
