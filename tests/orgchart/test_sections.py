"""The sections of the app per role (``orgchart.policy.SECTIONS``): the navbar shows exactly the
sections a role uses, and every URL of a section it does not use answers 403, in the language
of the UI. Inside a section, a row outside the user's area stays a 404."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from orgchart import policy
from orgchart.models import User
from orgchart.sections import section_of
from tests.conftest import Personas, Tree, client_for
from tests.helpers import english_client_for
from tests.volunteers.conftest import VolunteerWorld, vworld

__all__ = ["vworld"]  # the fixture: the volunteer account's own volunteer record

pytestmark = pytest.mark.django_db

# The persona of each role (the administrator: an admin of a street, not a superuser).
PERSONA_OF_ROLE: dict[str, str] = {
    User.Role.ADMIN: "street_admin",
    User.Role.OFFICIAL: "official",
    User.Role.COMMUNITY_WORKER: "worker",
    User.Role.GRID_WORKER: "grid",
    User.Role.DEPARTMENT_HANDLER: "handler",
    User.Role.VOLUNTEER: "volunteer",
}

# The navbar's entries of each role, in order; then whether it shows the notifications.
STAFF_NAV = ["home", "org", "people", "grids", "petitions", "volunteers", "consultations"]
NAV_OF_ROLE: dict[str, list[str]] = {
    User.Role.ADMIN: [*STAFF_NAV, "admin"],
    User.Role.OFFICIAL: STAFF_NAV,
    User.Role.COMMUNITY_WORKER: STAFF_NAV,
    User.Role.GRID_WORKER: STAFF_NAV,
    User.Role.DEPARTMENT_HANDLER: ["home", "petitions", "inbox"],
    User.Role.VOLUNTEER: ["home", "volunteers", "points"],
}
NOTIFIED: set[str] = {
    User.Role.OFFICIAL,
    User.Role.COMMUNITY_WORKER,
    User.Role.GRID_WORKER,
    User.Role.DEPARTMENT_HANDLER,
}
# Sections that are not navbar entries, by role: the dashboard of a unit (from the home page)
# and the staff's volunteer desk (from the volunteer pages).
OTHER_SECTIONS_OF_ROLE: dict[str, set[str]] = {
    User.Role.ADMIN: {"dashboard", "volunteer_staff"},
    User.Role.OFFICIAL: {"dashboard", "volunteer_staff", "notifications"},
    User.Role.COMMUNITY_WORKER: {"dashboard", "volunteer_staff", "notifications"},
    User.Role.GRID_WORKER: {"volunteer_staff", "notifications"},
    User.Role.DEPARTMENT_HANDLER: {"notifications"},
    User.Role.VOLUNTEER: set(),
}


def section_urls(tree: Tree) -> dict[str, list[str]]:
    """Pages of each section, each of which answers 200 to a role that uses the section."""
    unit = tree.guangming.pk
    return {
        "home": ["/"],
        "org": ["/org/", f"/org/{unit}/", f"/org/{unit}/posts/", f"/org/{unit}/party-members/"],
        "people": ["/org/people/"],
        "grids": ["/grids/", "/grids/households/", "/grids/residents/", "/grids/visits/"],
        "petitions": ["/petitions/"],
        "inbox": ["/petitions/inbox/"],
        "notifications": ["/petitions/notifications/"],
        "dashboard": [f"/dashboard/{unit}/", f"/dashboard/{unit}/ranking/"],
        "volunteers": [
            "/volunteers/wishes/",
            "/volunteers/work-orders/",
            "/volunteers/activities/",
        ],
        "volunteer_staff": ["/volunteers/redemptions/", "/volunteers/dual-registrations/"],
        "points": ["/volunteers/points/"],
        "consultations": ["/consultations/"],
        "admin": ["/admin/"],
    }


def nav_entries(html: str) -> list[str]:
    navbar = re.search(r'data-testid="nav-sections">(.*?)</ul>', html, re.DOTALL)
    assert navbar is not None
    return re.findall(r'data-testid="nav-([a-z-]+)"', navbar.group(1))


@pytest.mark.parametrize("role", list(PERSONA_OF_ROLE))
def test_the_navbar_shows_exactly_the_sections_of_the_role(
    tree: Tree, people: Personas, vworld: VolunteerWorld, role: str
) -> None:
    user = getattr(people, PERSONA_OF_ROLE[role])
    html = client_for(user).get("/").content.decode()
    assert nav_entries(html) == NAV_OF_ROLE[role]
    assert ('data-testid="nav-notifications"' in html) is (role in NOTIFIED)
    # The same answer, from the policy that gates the URLs.
    assert list(policy.nav_sections(user)) == NAV_OF_ROLE[role]


def test_a_superuser_gets_every_section_its_role_does_not_make_personal(
    tree: Tree, people: Personas
) -> None:
    # A superuser with the administrator role sees every department's inbox, but has no
    # points and is sent no messages of its own.
    html = client_for(people.superuser).get("/").content.decode()
    assert nav_entries(html) == [*STAFF_NAV[:5], "inbox", "volunteers", "consultations", "admin"]
    assert 'data-testid="nav-notifications"' not in html


@pytest.mark.parametrize("role", list(PERSONA_OF_ROLE))
def test_each_section_answers_by_url_exactly_the_roles_that_use_it(
    tree: Tree, people: Personas, vworld: VolunteerWorld, role: str
) -> None:
    user = getattr(people, PERSONA_OF_ROLE[role])
    client = client_for(user)
    used = set(NAV_OF_ROLE[role]) | OTHER_SECTIONS_OF_ROLE[role]
    assert {name for name in policy.SECTIONS if policy.uses_section(user, name)} == used
    for section, urls in section_urls(tree).items():
        for url in urls:
            response = client.get(url, follow=section == "admin")
            expected = 200 if section in used else 403
            assert response.status_code == expected, (role, url)


def test_a_section_not_used_is_a_403_page_in_the_language_of_the_ui(
    tree: Tree, people: Personas
) -> None:
    response = client_for(people.volunteer).get("/grids/")
    html = response.content.decode()
    assert response.status_code == 403
    assert '<html lang="zh-hans">' in html
    assert "这些页面不属于您角色的工作范围。" in html
    assert 'data-testid="error-home"' in html
    english = english_client_for(people.volunteer).get("/grids/").content.decode()
    assert "These pages are not part of your role&#x27;s work." in english


def test_a_section_not_used_is_a_403_whatever_the_url_names(
    tree: Tree, people: Personas, vworld: VolunteerWorld
) -> None:
    """The answer says nothing about what exists: a row of the area, a row elsewhere and no
    row at all get the same 403; POSTs too."""
    handler = client_for(people.handler)
    for url in (f"/org/{tree.guangming.pk}/", f"/org/{tree.xinhua.pk}/", "/org/999999/"):
        assert handler.get(url).status_code == 403
    for url in (f"/volunteers/wishes/{999999}/claim/", "/volunteers/redemptions/1/hand-over/"):
        assert handler.post(url).status_code == 403
    volunteer = client_for(people.volunteer)
    assert volunteer.post("/petitions/1/accept/").status_code == 403
    assert volunteer.get("/petitions/999999/").status_code == 403


def test_inside_a_section_a_row_outside_the_area_is_still_a_404(
    tree: Tree, people: Personas
) -> None:
    worker = client_for(people.worker)
    assert worker.get(f"/org/{tree.xinhua.pk}/").status_code == 404
    assert worker.get(f"/dashboard/{tree.xinhua.pk}/").status_code == 404
    assert client_for(people.handler).get("/petitions/999999/").status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(tree: Tree) -> None:
    for url in ("/org/", "/grids/", "/petitions/inbox/", "/volunteers/points/", "/dashboard/1/"):
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/"), url


def _patterns(resolver: URLResolver, namespace: str = "") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern):
            found.append((f"{namespace}:{entry.name}", entry.callback))
    return found


# The page apps, and the root's pages outside them that belong to a section.
PAGE_NAMESPACES = {"orgchart", "grids", "petitions", "volunteers", "consultations"}
ROOT_PAGES = {
    ":home",
    ":dashboard_unit",
    ":dashboard_ranking",
    ":dashboard_screen",
    ":dashboard_ranking_print",
}


def test_every_page_url_belongs_to_a_section() -> None:
    pages = [
        (name, callback)
        for name, callback in _patterns(get_resolver())
        if name.split(":")[0] in PAGE_NAMESPACES or name in ROOT_PAGES
    ]
    assert len(pages) > 60
    assert [name for name, callback in pages if section_of(callback) is None] == []
    assert {section_of(callback) for _name, callback in pages} == set(policy.SECTIONS) - {"admin"}
