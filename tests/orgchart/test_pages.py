"""Pages: dashboard, tree browser, unit page; scope, query counts, language."""

from __future__ import annotations

from typing import Any

from django.test import Client

from orgchart import services
from tests.conftest import PASSWORD, Personas, Tree, client_for


def test_login_page_is_chinese_whatever_the_browser_asks(tree: Tree, people: Personas) -> None:
    response = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "登录" in html
    assert response["Content-Language"] == "zh-hans"


def test_english_can_be_chosen(tree: Tree, people: Personas) -> None:
    client = Client()
    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert switched.status_code == 302
    html = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_login_through_the_form_then_logout(tree: Tree, people: Personas) -> None:
    client = Client()
    bad = client.post("/accounts/login/", {"username": "worker", "password": "nope"})
    assert bad.status_code == 200
    assert "alert-danger" in bad.content.decode()
    ok = client.post("/accounts/login/", {"username": "worker", "password": PASSWORD})
    assert ok.status_code == 302
    assert ok["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_pages_need_login(tree: Tree) -> None:
    for path in ("/", "/org/", f"/org/{tree.guangming.pk}/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_dashboard_counts_my_scope(tree: Tree, people: Personas) -> None:
    response = client_for(people.worker).get("/")
    dashboard = response.context["dashboard"]
    counts = {item.kind: item.total for item in dashboard.unit_counts}
    # From the top of the area down: a community worker gets no city/district/street row.
    assert counts == {"community": 1, "compound": 1, "building": 2, "branch": 1}
    assert [root.name for root in dashboard.roots] == ["光明社区"]
    assert dashboard.department_count == 2
    official = client_for(people.official).get("/").context["dashboard"]
    assert {item.kind: item.total for item in official.unit_counts}["community"] == 2


def test_unit_page_shows_children_party_org_and_rating(tree: Tree, people: Personas) -> None:
    response = client_for(people.worker).get(f"/org/{tree.guangming.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert [child.name for child in response.context["children"]] == ["光明小区", "下沉党员支部"]
    assert [(a.name, linked) for a, linked in response.context["ancestors"]] == [
        ("云州市", False),
        ("云阳区", False),
        ("东城街道", False),
    ]
    official = client_for(people.official).get(f"/org/{tree.building_1.pk}/")
    assert [linked for _a, linked in official.context["ancestors"]] == [
        False,
        False,
        True,
        True,
        True,
    ]
    assert f'href="/org/{tree.east.pk}/"' in official.content.decode()
    assert "rating-A" in html
    assert "139902001001" in html
    assert 'data-testid="unit-phone"' not in html  # no office phone yet


def test_the_unit_page_gives_its_office_phone(tree: Tree, people: Personas) -> None:
    services.orgunit_update(actor=None, unit=tree.guangming, phone="(0315) 287 1101")
    html = client_for(people.worker).get(f"/org/{tree.guangming.pk}/").content.decode()
    assert 'href="tel:(0315)2871101" data-testid="unit-phone"' in html
    assert "(0315) 287 1101</a>" in html


def test_outsider_gets_404_on_pages(tree: Tree, people: Personas) -> None:
    client = client_for(people.worker)
    assert client.get(f"/org/{tree.xinhua.pk}/").status_code == 404
    assert client.get(f"/org/{tree.xinhua.pk}/children/").status_code == 404
    assert client.get(f"/org/{tree.east.pk}/").status_code == 404  # above the anchor
    assert client.get("/org/999999/").status_code == 404


def test_tree_browser_starts_at_my_scope_and_expands(tree: Tree, people: Personas) -> None:
    client = client_for(people.official)
    response = client.get("/org/")
    assert [root.name for root in response.context["roots"]] == ["东城街道"]
    fragment = client.get(f"/org/{tree.east.pk}/children/", HTTP_HX_REQUEST="true")
    assert [n.name for n in fragment.context["nodes"]] == ["光明社区", "和平社区"]
    assert "<html" not in fragment.content.decode()


def test_page_query_counts_are_pinned(
    tree: Tree, people: Personas, django_assert_num_queries: Any
) -> None:
    client = client_for(people.official)
    # Every page: the session and the user with its anchor (2), and the idle-timeout session
    # save (3 here: the test's transaction wraps the UPDATE in a savepoint), and the navbar's
    # unread-notification count (1; not on htmx fragments). Then its own:
    # Home: counts by kind, roots, weak units, departments (4); my work: the street's cases (1);
    # the dashboard of the area: its unit (1), the board (8: tests/petitions/test_dashboard) and
    # the map of its grids (1: none has a boundary, so their cases are not asked for).
    with django_assert_num_queries(6 + 4 + 1 + 1 + 8 + 1):
        client.get("/")
    with django_assert_num_queries(6 + 1):  # roots
        client.get("/org/")
    with django_assert_num_queries(5 + 2):  # the unit, its children
        client.get(f"/org/{tree.east.pk}/children/")
    # Unit, children, ancestors, departments, counts; for a community also the panel of the
    # consultations app (its compounds that are 五有院落: 1).
    with django_assert_num_queries(6 + 5 + 1):
        client.get(f"/org/{tree.guangming.pk}/")
    # A compound: its 五有 status and its projects (2).
    with django_assert_num_queries(6 + 5 + 2):
        client.get(f"/org/{tree.guangming_compound.pk}/")
    with django_assert_num_queries(6 + 5):  # no more for a unit with more children
        client.get(f"/org/{tree.east.pk}/")


def test_the_favicon(tree: Tree, people: Personas) -> None:
    response = Client().get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
    assert "favicon" in response["Location"]
    page = client_for(people.worker).get("/org/").content.decode()
    assert 'rel="icon"' in page


def test_the_api_docs_are_in_the_admins_menu_and_ask_anonymous_visitors_to_log_in(
    tree: Tree, people: Personas
) -> None:
    anonymous = Client().get("/api/docs/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    assert Client().get("/api/schema/").status_code in (401, 403)
    admin_page = client_for(people.street_admin).get("/org/").content.decode()
    worker_page = client_for(people.worker).get("/org/").content.decode()
    assert 'data-testid="menu-api-docs"' in admin_page
    assert 'data-testid="menu-api-docs"' not in worker_page
    assert 'href="/api/docs/"' not in worker_page
