"""People pages: the list, the person page and its audited reveal, register / edit, party
members and posts of a unit. Scope (404), role (403), masking, query counts, search."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import pytest
from django.contrib import messages
from django.test import Client
from django.utils.translation import gettext, override

from governance.models import AuditEvent
from orgchart import policy, services
from orgchart.models import PartyMember, Person, PersonRegistration, Post
from tests.conftest import Personas, Tree, client_for
from tests.factories import PersonFactory
from tests.helpers import resident_id

ZHANG_ID = resident_id("11010519491231002")  # 张三丰, born 1949-12-31
ZHANG_MOBILE = "13812345678"
ZHANG_LANDLINE = "010-65123456"
LI_ID = resident_id("13020319800101123")  # 李四, known only in 新华社区
LI_MOBILE = "13987654321"
WANG_ID = resident_id("13020319750615004")  # 王五, party member, secretary of 光明小区
WANG_MOBILE = "15011112222"


@dataclass
class Residents:
    zhang: Person
    li: Person
    wang: Person

    secrets = (ZHANG_ID, ZHANG_MOBILE, "01065123456", LI_ID, LI_MOBILE, WANG_ID, WANG_MOBILE)


def register_zhang(tree: Tree, **fields: Any) -> Person:
    """张三丰 of 光明社区, with his ID number, mobile and landline."""
    values: dict[str, Any] = {
        "name": "张三丰",
        "document_number": ZHANG_ID,
        "mobile": ZHANG_MOBILE,
        "landline": ZHANG_LANDLINE,
    }
    values.update(fields)
    return PersonFactory.create(unit=tree.guangming, **values)


def register_li(tree: Tree) -> Person:
    """李四, known only in 新华社区, with his ID number and mobile."""
    return PersonFactory.create(
        unit=tree.xinhua, name="李四", document_number=LI_ID, mobile=LI_MOBILE
    )


@pytest.fixture
def residents(tree: Tree, people: Personas) -> Residents:
    zhang = register_zhang(tree, address="光明路1号")
    li = register_li(tree)
    wang = PersonFactory.create(
        unit=tree.guangming_compound, name="王五", document_number=WANG_ID, mobile=WANG_MOBILE
    )
    services.party_member_create(
        actor=None,
        person=wang,
        organisation=tree.guangming_compound,
        status=PartyMember.Status.RETIRED,
        joined_on=dt.date(1998, 7, 1),
    )
    services.post_assign(
        actor=None,
        unit=tree.guangming_compound,
        kind=Post.Kind.SECRETARY,
        holder=wang,
        started_on=dt.date(2024, 1, 1),
    )
    return Residents(zhang, li, wang)


def html_of(response: Any) -> str:
    return response.content.decode()


def assert_no_secrets(html: str, where: str) -> None:
    compact = re.sub(r"[\s-]", "", html)
    for secret in Residents.secrets:
        assert secret not in html, f"{secret} in {where}"
        assert secret not in compact, f"{secret} in {where} (with separators)"


# --- Scope and roles ---------------------------------------------------------------------------


def test_outsider_gets_404_on_person_reveal_and_unit_pages(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.worker)  # 光明社区; 李四 is registered only in 新华社区
    li = residents.li.pk
    assert client.get(f"/org/people/{li}/").status_code == 404
    assert client.get(f"/org/people/{li}/edit/").status_code == 404
    assert client.post(f"/org/people/{li}/reveal/document_number/").status_code == 404
    assert client.post(f"/org/people/{li}/reveal/mobile/").status_code == 404
    assert client.get(f"/org/{tree.xinhua.pk}/party-members/").status_code == 404
    assert client.get(f"/org/{tree.xinhua.pk}/posts/").status_code == 404
    assert client.get(f"/org/people/?unit={tree.xinhua.pk}").status_code == 404
    assert client.get(f"/org/people/new/?unit={tree.xinhua.pk}").status_code == 404
    assert client.get("/org/people/999999/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()
    # Not in the list either, not even by its whole ID number.
    listed = client.post("/org/people/", {"q": LI_ID})
    assert list(listed.context["rows"]) == []
    # The worker of 新华社区 sees 李四.
    assert client_for(people.other_worker).get(f"/org/people/{li}/").status_code == 200


def test_official_sees_full_names_but_may_not_reveal_403(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.official)
    page = client.get(f"/org/people/{residents.zhang.pk}/")
    assert page.status_code == 200
    html = html_of(page)
    assert "张三丰" in html  # officials see the names of their area in full
    assert residents.zhang.masked_document_number in html
    assert 'data-testid="reveal-' not in html  # no button
    assert 'data-testid="edit-person"' not in html
    response = client.post(f"/org/people/{residents.zhang.pk}/reveal/document_number/")
    assert response.status_code == 403
    assert_no_secrets(html_of(response), "403 page")
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()
    assert client.get(f"/org/people/{residents.zhang.pk}/edit/").status_code == 403
    assert client.get("/org/people/new/").status_code == 403


def test_allowed_reveal_returns_the_value_and_writes_an_audit_row(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.worker)
    before = AuditEvent.objects.count()
    response = client.post(
        f"/org/people/{residents.zhang.pk}/reveal/document_number/", HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = html_of(response)
    assert f'data-testid="revealed-document_number">{ZHANG_ID}</span>' in html
    assert "<html" not in html  # a fragment
    assert AuditEvent.objects.count() == before + 1
    event = AuditEvent.objects.latest("id")
    assert (event.actor_id, event.action, event.object_type, event.object_id, event.changes) == (
        people.worker.pk,
        AuditEvent.Action.REVEAL,
        "orgchart.Person",
        str(residents.zhang.pk),
        {"field": "document_number"},
    )
    assert ZHANG_ID not in str(event.changes) + event.object_repr
    landline = client.post(f"/org/people/{residents.zhang.pk}/reveal/landline/")
    assert (
        'data-testid="revealed-landline"><a href="tel:010-65123456">010-65123456</a></span>'
        in html_of(landline)
    )
    assert AuditEvent.objects.latest("id").changes == {"field": "landline"}


def test_get_on_reveal_does_not_reveal(tree: Tree, people: Personas, residents: Residents) -> None:
    client = client_for(people.worker)
    for field in ("document_number", "mobile", "landline"):
        response = client.get(f"/org/people/{residents.zhang.pk}/reveal/{field}/")
        assert response.status_code == 405
        assert_no_secrets(html_of(response), f"GET reveal {field}")
    assert Client().get(f"/org/people/{residents.zhang.pk}/reveal/mobile/").status_code == 405
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_reveal_of_an_unknown_field_is_404(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.worker)
    assert client.post(f"/org/people/{residents.zhang.pk}/reveal/name/").status_code == 404
    assert client.post(f"/org/people/{residents.zhang.pk}/reveal/address/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_reveal_needs_the_csrf_token(tree: Tree, people: Personas, residents: Residents) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.worker)
    response = client.post(f"/org/people/{residents.zhang.pk}/reveal/mobile/")
    assert response.status_code == 403
    assert ZHANG_MOBILE not in html_of(response)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


def test_handlers_and_volunteers_have_no_people_or_org_pages(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    # Neither role uses the people ledger nor the org pages (DESIGN §6): 403 by URL, whatever
    # the URL names, and no navbar entry.
    urls = [
        "/org/people/",
        "/org/people/?format=xlsx",
        f"/org/people/{residents.zhang.pk}/",
        "/org/people/999999/",
        "/org/",
        f"/org/{tree.guangming.pk}/",
        f"/org/{tree.guangming.pk}/party-members/",
        f"/org/{tree.guangming.pk}/posts/",
    ]
    for user in (people.handler, people.volunteer):
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 403, (user.username, url)
            html = html_of(response)
            assert "张三丰" not in html
            assert "王*" not in html
        assert 'data-testid="nav-people"' not in html_of(client.get("/"))
        assert 'data-testid="nav-org"' not in html_of(client.get("/"))
    # Staff get the navbar link.
    assert 'data-testid="nav-people"' in html_of(client_for(people.grid).get("/"))


# --- No unmasked number on any page ----------------------------------------------------------


def test_no_page_shows_a_whole_id_or_phone_number(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    zhang, wang = residents.zhang.pk, residents.wang.pk
    pages = [
        "/org/people/",
        "/org/people/?q=zsf",
        f"/org/people/?q={ZHANG_ID[-4:]}",
        f"/org/people/?unit={tree.guangming_compound.pk}",
        f"/org/people/{zhang}/",
        f"/org/people/{wang}/",
        f"/org/{tree.guangming.pk}/",
        f"/org/{tree.guangming.pk}/party-members/",
        f"/org/{tree.guangming.pk}/party-members/?status=retired",
        f"/org/{tree.guangming.pk}/posts/",
        f"/org/{tree.guangming_compound.pk}/posts/",
    ]
    staff_pages = [
        *pages,
        "/org/people/new/",
        f"/org/people/new/?unit={tree.guangming_compound.pk}",
        f"/org/people/{zhang}/edit/",
    ]
    for user, urls in (
        (people.worker, staff_pages),
        # A grid worker's people are its grids' residents: the others' pages are 404.
        (
            people.grid,
            [url for url in pages if url not in (f"/org/people/{zhang}/", f"/org/people/{wang}/")],
        ),
        (people.official, pages),
        (people.street_admin, staff_pages),
        (people.superuser, staff_pages),
    ):
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user.username, url)
            assert_no_secrets(html_of(response), f"{url} as {user.username}")
        # Searching by a whole number answers without echoing it (nor putting it in the URL).
        for number in (ZHANG_ID, ZHANG_MOBILE):
            for url in ("/org/people/", f"/org/{tree.guangming.pk}/party-members/"):
                response = client.post(url, {"q": number})
                # Only roles that may reveal numbers may search by a whole one (a search
                # confirms a guess about a masked number); the others get a clear 400.
                expected = 200 if policy.may_reveal_in_bulk(user) else 400
                assert response.status_code == expected, (user.username, url)
                assert_no_secrets(html_of(response), f"POST {url} as {user.username}")


def test_person_page_shows_masked_data_units_in_my_area_membership_and_posts(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    # 王五 is also known in 新华社区: the worker of 光明社区 must not learn that.
    services.person_register(actor=None, unit=tree.xinhua, name="王五", document_number=WANG_ID)
    response = client_for(people.worker).get(f"/org/people/{residents.wang.pk}/")
    html = html_of(response)
    assert response["Cache-Control"] == "no-store"
    assert response.context["name"] == "王五"
    assert [unit.name for unit in response.context["units"]] == ["光明小区"]
    assert "新华社区" not in html
    assert response.context["membership"].status == PartyMember.Status.RETIRED
    assert [(p.unit.name, p.kind) for p in response.context["posts"]] == [
        ("光明小区", Post.Kind.SECRETARY)
    ]
    assert residents.wang.masked_document_number in html
    assert "150****2222" in html
    assert 'data-testid="reveal-document_number"' in html
    assert 'data-testid="reveal-landline"' not in html  # no landline to reveal
    assert 'data-testid="edit-person"' in html


def test_pages_with_personal_data_carry_the_watermark(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.worker)
    for url in (
        "/org/people/",
        f"/org/people/{residents.zhang.pk}/",
        f"/org/{tree.guangming.pk}/party-members/",
        f"/org/{tree.guangming.pk}/posts/",
        "/org/people/new/",
    ):
        html = html_of(client.get(url))
        marks = re.findall(r'<div class="watermark"[^>]*style="([^"]*)"', html)
        assert len(marks) == 1, url
        svg = unquote(marks[0])
        assert ">worker<" in svg, url
        assert re.search(r">\d{4}-\d{2}-\d{2} \d{2}:\d{2}<", svg), url
    assert 'class="watermark"' not in html_of(client.get("/org/"))
    assert 'class="watermark"' not in html_of(client.get(f"/org/{tree.guangming.pk}/"))


# --- Search --------------------------------------------------------------------------------


def listed_names(response: Any) -> list[str]:
    return [row.name for row in response.context["rows"]]


def test_search_by_initials_id_fragments_and_whole_numbers(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.worker)
    assert listed_names(client.get("/org/people/")) == ["王五", "张三丰"]  # by pinyin
    assert listed_names(client.get("/org/people/?q=zsf")) == ["张三丰"]
    assert listed_names(client.get("/org/people/?q=ZS")) == ["张三丰"]
    assert listed_names(client.get("/org/people/?q=三丰")) == ["张三丰"]
    assert listed_names(client.get(f"/org/people/?q={ZHANG_ID[-4:]}")) == ["张三丰"]
    assert listed_names(client.get(f"/org/people/?q={WANG_ID[:6]}")) == ["王五"]
    # A whole ID (also typed in full-width digits with spaces) or mobile is POSTed.
    whole = client.post("/org/people/", {"q": ZHANG_ID})
    assert whole.status_code == 200
    assert listed_names(whole) == ["张三丰"]
    assert whole.context["masked_query"] == residents.zhang.masked_document_number
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in ZHANG_ID)
    assert listed_names(client.post("/org/people/", {"q": full_width[:9] + " " + full_width[9:]}))
    assert listed_names(client.post("/org/people/", {"q": "138 1234 5678"})) == ["张三丰"]
    assert listed_names(client.post("/org/people/", {"q": LI_ID})) == []
    # Other searches are redirected to a GET URL that can be paged and bookmarked.
    redirected = client.post("/org/people/", {"q": "zsf", "unit": str(tree.guangming.pk)})
    assert redirected.status_code == 302
    assert redirected["Location"] == f"/org/people/?q=zsf&unit={tree.guangming.pk}"
    # The unit filter is a subtree.
    compound = client.get(f"/org/people/?unit={tree.guangming_compound.pk}")
    assert listed_names(compound) == ["王五"]


def test_party_members_filter_by_status_and_search(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    services.party_member_create(
        actor=None,
        person=residents.zhang,
        organisation=tree.guangming,
        status=PartyMember.Status.IN_SERVICE,
    )
    client = client_for(people.worker)
    url = f"/org/{tree.guangming.pk}/party-members/"
    assert listed_names(client.get(url)) == ["王五", "张三丰"]
    assert listed_names(client.get(url + "?status=retired")) == ["王五"]
    assert listed_names(client.get(url + "?status=in_service")) == ["张三丰"]
    assert listed_names(client.get(url + "?q=ww")) == ["王五"]
    assert listed_names(client.post(url, {"q": ZHANG_ID, "status": ""})) == ["张三丰"]
    assert listed_names(client.get(f"/org/{tree.guangming_compound.pk}/party-members/")) == ["王五"]
    official = client_for(people.official).get(url)
    assert listed_names(official) == ["王五", "张三丰"]


def test_posts_page_shows_holders_and_vacancies(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    response = client_for(people.worker).get(f"/org/{tree.guangming.pk}/posts/")
    html = html_of(response)
    groups = [
        (g.unit.name, [(r.post.kind, r.name) for r in g.posts]) for g in response.context["groups"]
    ]
    assert groups == [("光明小区", [(Post.Kind.SECRETARY, "王五")])]
    vacancies = {(v.unit.name, v.kind) for v in response.context["vacancies"]}
    assert vacancies == {
        ("光明社区", Post.Kind.SECRETARY),
        ("光明社区", Post.Kind.CHIEF_GRID_HEAD),
        ("光明小区", Post.Kind.AREA_GRID_HEAD),
        ("1号楼", Post.Kind.BUILDING_HEAD),
        ("2号楼", Post.Kind.BUILDING_HEAD),
        ("下沉党员支部", Post.Kind.SECRETARY),
    }
    assert html.count('<span class="badge text-bg-danger">') == 6
    assert f'href="/org/people/{residents.wang.pk}/"' in html


def test_unit_page_links_to_people_party_members_and_posts(tree: Tree, people: Personas) -> None:
    html = html_of(client_for(people.worker).get(f"/org/{tree.guangming.pk}/"))
    assert f'href="/org/{tree.guangming.pk}/party-members/"' in html
    assert f'href="/org/{tree.guangming.pk}/posts/"' in html
    assert f'href="/org/people/?unit={tree.guangming.pk}"' in html
    assert f'href="/org/people/new/?unit={tree.guangming.pk}"' in html
    official = html_of(client_for(people.official).get(f"/org/{tree.guangming.pk}/"))
    assert "/org/people/new/" not in official  # officials do not register people


# --- Register and edit -----------------------------------------------------------------------


def test_register_a_new_person(tree: Tree, people: Personas) -> None:
    client = client_for(people.worker)
    form = client.get("/org/people/new/")
    units = [unit.name for unit in form.context["form"].fields["unit"].queryset]
    assert units == ["光明社区", "光明小区", "1号楼", "2号楼", "下沉党员支部"]
    number = resident_id("11010119900307123")
    response = client.post(
        "/org/people/new/",
        {
            "unit": tree.building_1.pk,
            "name": "赵六",
            "document_type": "resident_id",
            "document_number": number,
            "mobile": "+86 139-0000-1111",
            "landline": "",
            "address": "1号楼101",
        },
    )
    person = Person.objects.get(name="赵六")
    assert response.status_code == 302
    assert response["Location"] == f"/org/people/{person.pk}/"
    assert (person.sex, person.birth_date, person.masked_mobile) == (
        "male",
        dt.date(1990, 3, 7),
        "139****1111",
    )
    assert list(
        PersonRegistration.objects.filter(person=person).values_list("unit", flat=True)
    ) == [tree.building_1.pk]
    page = client.get(response["Location"])
    with override("zh-hans"):
        registered = gettext("The person has been registered.")
    assert [(m.level, m.message) for m in page.context["messages"]] == [
        (messages.SUCCESS, registered)
    ]


def test_register_someone_known_elsewhere_links_without_saying_where(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.worker)
    response = client.post(
        "/org/people/new/",
        {
            "unit": tree.guangming.pk,
            "name": "李四",
            "document_type": "resident_id",
            "document_number": LI_ID,
        },
        follow=True,
    )
    html = html_of(response)
    assert response.redirect_chain == [(f"/org/people/{residents.li.pk}/", 302)]
    with override("zh-hans"):
        linked = gettext("This person was already registered; they are now linked to your unit.")
    assert [(m.level, m.message) for m in response.context["messages"]] == [(messages.INFO, linked)]
    assert "新华社区" not in html
    assert [unit.name for unit in response.context["units"]] == ["光明社区"]
    assert Person.objects.filter(name="李四").count() == 1
    assert_no_secrets(html, "linked person page")


def test_register_shows_the_services_field_errors(tree: Tree, people: Personas) -> None:
    client = client_for(people.worker)
    wrong_check = ZHANG_ID[:17] + ("1" if ZHANG_ID[17] != "1" else "2")
    response = client.post(
        "/org/people/new/",
        {
            "unit": tree.guangming.pk,
            "name": "钱七",
            "document_type": "resident_id",
            "document_number": wrong_check,
            "mobile": "12345",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"document_number", "mobile"}
    assert 'class="form-control is-invalid"' in html_of(response)
    assert not Person.objects.filter(name="钱七").exists()
    # A unit outside the area is not a choice.
    outside = client.post(
        "/org/people/new/", {"unit": tree.xinhua.pk, "name": "钱七", "document_type": ""}
    )
    assert "unit" in outside.context["form"].errors
    assert not PersonRegistration.objects.filter(unit=tree.xinhua, person__name="钱七").exists()


def test_edit_keeps_blank_numbers_and_changes_the_rest(
    tree: Tree, people: Personas, residents: Residents
) -> None:
    client = client_for(people.worker)
    zhang = residents.zhang
    url = f"/org/people/{zhang.pk}/edit/"
    form_html = html_of(client.get(url))
    assert f'placeholder="{zhang.masked_document_number}"' in form_html
    response = client.post(
        url,
        {
            "name": "张三峰",
            "document_type": "resident_id",
            "document_number": "",
            "mobile": "13700001111",
            "landline": "",
            "address": "光明路2号",
        },
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert (zhang.name, zhang.address, zhang.masked_mobile) == (
        "张三峰",
        "光明路2号",
        "137****1111",
    )
    assert zhang.masked_document_number == residents.zhang.masked_document_number
    assert zhang.masked_landline == "010-****3456"
    # Another person's ID number is refused on the field.
    clash = client.post(
        url,
        {
            "name": "张三峰",
            "document_type": "resident_id",
            "document_number": WANG_ID,
            "mobile": "",
            "landline": "",
            "address": "",
        },
    )
    assert "document_number" in clash.context["form"].errors
    # Officials may see but not edit; for a grid worker, who sees the residents of its grids
    # only, 张三 does not exist.
    assert client_for(people.grid).get(url).status_code == 404
    assert client_for(people.official).post(url, {"name": "x"}).status_code == 403
    zhang.refresh_from_db()
    assert zhang.name == "张三峰"


# --- Query counts ----------------------------------------------------------------------------


def add_people(tree: Tree, count: int, start: int = 0) -> None:
    for index in range(start, start + count):
        number = resident_id(f"110101198001{index % 28 + 1:02d}{index:03d}")
        person = services.person_register(
            actor=None,
            unit=tree.building_1 if index % 2 else tree.guangming,
            name=f"测试{index}",
            document_number=number,
            mobile=f"139{index:08d}",
        ).person
        services.party_member_create(
            actor=None,
            person=person,
            organisation=tree.guangming_compound,
            status=PartyMember.Status.IN_SERVICE,
            home_community=tree.guangming,
        )
        if index % 3 == 0:
            services.post_assign(
                actor=None,
                unit=tree.building_1,
                kind=Post.Kind.UNIT_HEAD,
                holder=person,
                started_on=dt.date(2024, 1, 1),
            )


# Every page: the session and the user with its anchor (2), and the idle-timeout session save
# (3 here: the test's transaction wraps the UPDATE in a savepoint).
BASE_QUERIES = 6  # session, user, anchor, … and the navbar's unread-notification count


@pytest.mark.parametrize("user_name", ["worker", "official"])
def test_list_query_counts_do_not_grow_with_rows(
    tree: Tree, people: Personas, django_assert_num_queries: Any, user_name: str
) -> None:
    client = client_for(getattr(people, user_name))
    pages = {
        "/org/people/": 3,  # unit filter choices, count, the page of people
        f"/org/people/?unit={tree.guangming.pk}&q=cs": 4,  # + the unit
        f"/org/{tree.guangming.pk}/party-members/": 3,  # unit, count, page
        # unit, count, page, vacancies (units, held posts), the names of the units' parents
        f"/org/{tree.guangming.pk}/posts/": 6,
    }
    add_people(tree, 3)
    for url, own in pages.items():
        with django_assert_num_queries(BASE_QUERIES + own):
            response = client.get(url)
        assert response.status_code == 200
    add_people(tree, 27, start=3)
    for url, own in pages.items():
        with django_assert_num_queries(BASE_QUERIES + own):
            response = client.get(url)
        assert response.status_code == 200
    assert response.context["page"].paginator.count == 10  # 30 people, every third a unit head


def test_person_page_query_count(
    tree: Tree, people: Personas, residents: Residents, django_assert_num_queries: Any
) -> None:
    client = client_for(people.worker)
    # person, membership, a visibility check each for "may reveal" and "may change", units,
    # posts, grid posts
    with django_assert_num_queries(BASE_QUERIES + 7):
        client.get(f"/org/people/{residents.wang.pk}/")


def test_list_pages_paginate_by_50(tree: Tree, people: Personas) -> None:
    add_people(tree, 55)
    client = client_for(people.worker)
    first = client.get("/org/people/")
    assert len(first.context["rows"]) == 50
    assert 'href="?page=2"' in html_of(first)
    second = client.get("/org/people/?page=2")
    assert len(second.context["rows"]) == 5
    assert client.get("/org/people/?page=99").context["page"].number == 2
    members = client.get(f"/org/{tree.guangming.pk}/party-members/?page=2")
    assert len(members.context["rows"]) == 5
