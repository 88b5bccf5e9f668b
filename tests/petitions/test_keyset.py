"""The petition lists read a page at a time by cursor (``governance.keyset``): the page
``/petitions/`` and ``GET /api/petitions/``. Walking the pages gives the list's rows in its order
(overdue first, then newest first), each once, also while cases are logged, clocks run out and
the sweep escalates between two page loads; filters hold across pages; a cut or forged cursor is
a 400 with a field message in the API and the first page with a message on the page; the count
stops at 1,000; query counts do not depend on the page. The clock is frozen at ``NOW``
(Wednesday 2026-11-18 10:00, Shanghai)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import zlib
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from django.contrib import messages
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext, override

from governance import keyset
from orgchart import pages
from orgchart.models import User
from orgchart.policy import listed, policy
from orgchart.policy import petitions as petition_rules
from petitions import services
from petitions.models import Category, Channel, Dispatch, Petition, Status
from petitions.selectors import dispatch_list_visible, petition_list_visible, supervision_pages
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree, client_for
from tests.helpers import api_for_fresh_copy as api_for
from tests.helpers import in_english
from tests.petitions.conftest import NOW, bring_to, log_petition, log_petition_as

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content.decode()
    return response.json()


def _cases(people: Personas, tree: Tree) -> dict[str, Petition]:
    """Two overdue cases (logged a week ago, never accepted), three logged on Tuesday (their
    acceptance clock runs out at midnight tonight) and three logged this morning."""
    logged = {
        "week": NOW - dt.timedelta(days=7),
        "six days": NOW - dt.timedelta(days=6),
        "tuesday 1": NOW - 24 * HOUR,
        "tuesday 2": NOW - 25 * HOUR,
        "tuesday 3": NOW - 26 * HOUR,
        "today 1": NOW - HOUR,
        "today 2": NOW - 2 * HOUR,
        "today 3": NOW - 3 * HOUR,
    }
    return {name: log_petition(people, tree, now=at, title=name) for name, at in logged.items()}


# In the list's order: overdue first, then newest first.
ORDER = [
    "six days",
    "week",
    "today 1",
    "today 2",
    "today 3",
    "tuesday 1",
    "tuesday 2",
    "tuesday 3",
]


def _cursor_of(link: str) -> str:
    """The cursor of a ``next`` or ``previous`` link."""
    return parse_qs(urlparse(link).query)["cursor"][0]


def _walk_api(client: Any, first: str, *, moves: dict[int, Any] | None = None) -> list[list[str]]:
    """The titles of every page from ``first`` on, following ``next``; ``moves[n]`` runs
    before page n + 1 is loaded."""
    titles, url, number = [], first, 0
    while url:
        body = ok(client.get(url))
        titles.append([row["title"] for row in body["results"]])
        number += 1
        url = body["next"]
        if url and moves and number in moves:
            moves[number]()
    return titles


def test_api_pages_follow_the_list_order_forwards_and_back(people: Personas, tree: Tree) -> None:
    _cases(people, tree)
    client = api_for(people.worker)
    everything = [row.title for row in petition_list_visible(user=people.worker)]
    assert everything == ORDER

    pages_seen = _walk_api(client, "/api/petitions/?page_size=3")
    assert pages_seen == [ORDER[0:3], ORDER[3:6], ORDER[6:8]]

    first = ok(client.get("/api/petitions/?page_size=3"))
    assert first["previous"] is None
    assert (first["count"], first["count_exact"]) == (8, True)
    second = ok(client.get(first["next"]))
    third = ok(client.get(second["next"]))
    assert third["next"] is None
    # Back from the last page: the same pages, in the same order.
    back = ok(client.get(third["previous"]))
    assert [row["title"] for row in back["results"]] == ORDER[3:6]
    assert [row["title"] for row in ok(client.get(back["previous"]))["results"]] == ORDER[0:3]
    assert ok(client.get(back["previous"]))["previous"] is None


def test_no_row_is_lost_or_repeated_while_cases_are_logged_and_turn_overdue(
    people: Personas, tree: Tree, clock: Any
) -> None:
    cases = _cases(people, tree)
    client = api_for(people.worker)
    after_midnight = NOW.replace(hour=0, minute=30) + dt.timedelta(days=1)

    def midnight_passes() -> None:
        # Tuesday's three clocks run out: overdue now, before and after the sweep records it.
        clock.move_to(after_midnight, tick=False)
        log_petition(people, tree, now=after_midnight, title="new after midnight")
        assert ok(client.get("/api/petitions/?overdue=1&page_size=10"))["count"] == 5

    def sweep_runs() -> None:
        # Tuesday's three and the two of last week, never swept before.
        assert escalate_overdue(now=after_midnight).total == 5
        log_petition(people, tree, now=after_midnight, title="new after the sweep")

    pages_seen = _walk_api(
        client, "/api/petitions/?page_size=2", moves={2: midnight_passes, 3: sweep_runs}
    )
    walked = [title for page in pages_seen for title in page]
    # Every case that was there when the list was opened, once, where it stood then; the new
    # ones were logged before the pages already read (newest first) and are not shown.
    assert walked == ORDER
    cases["tuesday 1"].refresh_from_db()
    assert cases["tuesday 1"].overdue_since is not None

    # Opened again, the list puts the newly overdue cases first.
    again = ok(client.get("/api/petitions/?page_size=20"))
    assert [row["title"] for row in again["results"]] == [
        "tuesday 1",
        "tuesday 2",
        "tuesday 3",
        "six days",
        "week",
        "new after the sweep",
        "new after midnight",
        "today 1",
        "today 2",
        "today 3",
    ]


def test_filters_hold_across_pages(people: Personas, tree: Tree) -> None:
    _cases(people, tree)
    for index in range(3):
        log_petition(
            people,
            tree,
            now=NOW - (10 + index) * HOUR,
            title=f"dispute {index}",
            category=Category.DISPUTE,
            channel=Channel.ONLINE,
        )
    client = api_for(people.worker)
    pages_seen = _walk_api(client, "/api/petitions/?category=dispute&page_size=2")
    assert pages_seen == [["dispute 0", "dispute 1"], ["dispute 2"]]
    assert _walk_api(client, "/api/petitions/?overdue=1&page_size=1") == [["six days"], ["week"]]
    assert _walk_api(client, "/api/petitions/?overdue=0&q=today&page_size=2") == [
        ["today 1", "today 2"],
        ["today 3"],
    ]
    # A cursor of the whole list, given with a filter, goes on from the same place in the
    # filtered list.
    whole = ok(client.get("/api/petitions/?page_size=4"))
    assert [row["title"] for row in whole["results"]] == ORDER[:4]
    cursor = _cursor_of(whole["next"])
    rest = ok(client.get(f"/api/petitions/?category=dispute&page_size=10&cursor={cursor}"))
    assert [row["title"] for row in rest["results"]] == ["dispute 0", "dispute 1", "dispute 2"]
    rest = ok(client.get(f"/api/petitions/?overdue=1&cursor={cursor}"))
    assert rest["results"] == []


def _forged(token: str) -> str:
    """The same cursor with another row id in it, its time stamp and signature left as they
    were (``django.core.signing``: payload, time stamp, signature)."""
    payload, stamp, signature = token.split(":")
    compressed = payload.startswith(".")
    body = payload.removeprefix(".")
    data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    content = json.loads(zlib.decompress(data) if compressed else data)
    content["k"][-1] += 1
    raw = json.dumps(content, separators=(",", ":")).encode()
    return f"{base64.urlsafe_b64encode(raw).decode().rstrip('=')}:{stamp}:{signature}"


def test_a_cut_or_forged_cursor_is_a_400_in_the_api(people: Personas, tree: Tree) -> None:
    _cases(people, tree)
    client = api_for(people.worker)
    token = _cursor_of(ok(client.get("/api/petitions/?page_size=2"))["next"])
    other_list = keyset.encode_cursor(
        supervision_pages(user=people.worker),
        keyset.Cursor(1, (NOW.isoformat(), 1), False, NOW),
    )
    unsigned = signing.dumps({"r": 1, "k": [{"t": NOW.isoformat()}, 1], "b": 0, "t": "x"})
    with override("zh-hans"):
        message = gettext("This page link is not valid (it may have been cut or changed).")
    for bad in ("abc", token[:-3], _forged(token), other_list, unsigned, "%00"):
        response = client.get("/api/petitions/", {"cursor": bad})
        assert response.status_code == 400, bad
        assert response.json()["cursor"] == [message]
    assert client.get("/api/petitions/", {"cursor": token}).status_code == 200


def test_a_bad_cursor_on_the_page_shows_the_first_page_and_says_so(
    people: Personas, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cases(people, tree)
    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    client = client_for(people.worker)
    response = client.get("/petitions/?cursor=not-a-cursor&status=submitted")
    assert response.status_code == 200
    assert [row.petition.title for row in response.context["rows"]] == ORDER[:3]
    with override("zh-hans"):
        expected = gettext("That page link was not valid; here is the first page.")
    assert expected in response.content.decode()
    assert len(messages.get_messages(response.wsgi_request)) == 1
    # The filters stay: only the cursor was dropped.
    assert response.context["filters"] == "status=submitted"


def test_the_page_links_first_previous_and_next_pages(
    people: Personas, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cases(people, tree)
    monkeypatch.setattr(pages, "PAGE_SIZE", 3)
    client = client_for(people.worker)

    def titles(response: Any) -> list[str]:
        return [row.petition.title for row in response.context["rows"]]

    first = client.get("/petitions/?category=sanitation")
    html = first.content.decode()
    with override("zh-hans"):
        words = [gettext(text) for text in ("First page", "Previous page", "Next page")]
    assert words == ["第一页", "上一页", "下一页"]
    assert all(word in html for word in words)
    assert 'data-testid="next-page"' in html
    assert 'data-testid="previous-page"' not in html
    assert 'data-testid="first-page"' not in html
    page = first.context["page"]
    second = client.get(f"/petitions/?category=sanitation&cursor={page.next_cursor}")
    assert titles(second) == ORDER[3:6]
    second_html = second.content.decode()
    assert 'href="/petitions/?category=sanitation" data-testid="first-page"' in second_html
    assert 'data-testid="previous-page"' in second_html
    back = client.get(f"/petitions/?cursor={second.context['page'].previous_cursor}")
    assert titles(back) == ORDER[:3]
    # In English too.
    english = in_english(client_for(people.worker)).get("/petitions/?category=sanitation")
    assert all(word in english.content.decode() for word in ("First page", "Next page"))
    # The ledger links leave the cursor out: an export holds every page.
    export = re.search(r'href="([^"]*)" data-testid="export-xlsx"', second_html)
    assert export is not None
    assert export.group(1) == "/petitions/?category=sanitation&amp;format=xlsx"


def test_the_count_stops_at_the_cap(
    people: Personas, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cases(people, tree)
    monkeypatch.setattr(keyset, "COUNT_CAP", 5)
    body = ok(api_for(people.worker).get("/api/petitions/"))
    assert (body["count"], body["count_exact"], len(body["results"])) == (5, False, 8)
    html = client_for(people.worker).get("/petitions/").content.decode()
    with override("zh-hans"):
        assert gettext("%(total)s+ petitions") % {"total": 5} in html
    assert ok(api_for(people.worker).get("/api/petitions/?overdue=1"))["count_exact"] is True


def test_a_later_page_costs_no_more_queries_than_the_first(people: Personas, tree: Tree) -> None:
    _cases(people, tree)

    def measure(url: str) -> tuple[int, Any]:
        client = api_for(people.worker)
        with CaptureQueriesContext(connection) as captured:
            body = ok(client.get(url))
        return len(captured), body

    first, body = measure("/api/petitions/?page_size=3")
    # Within the rest: no overdue case to read first.
    later, body = measure(ok(api_for(people.worker).get(body["next"]))["next"])
    assert len(body["results"]) == 2
    # The first page reads the overdue cases and then the rest; a later page within the rest
    # reads the rest only (see the pins in test_api.py).
    assert later == first - 1


def test_the_list_rule_sees_what_the_visibility_rule_sees(
    people: Personas, tree: Tree, heping_worker: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    _cases(people, tree)
    log_petition_as(heping_worker, tree, title="和平社区", location=tree.heping, now=NOW - HOUR)
    users = [people.worker, people.official, people.grid, people.handler, people.superuser]
    for user in users:
        fresh = User.objects.get(pk=user.pk)
        seen = set(policy(fresh, Petition).values_list("pk", flat=True))
        assert set(listed(fresh, Petition).values_list("pk", flat=True)) == seen, user
    # A subtree of more communities than the rule names by id keeps the join to the tree.
    monkeypatch.setattr(petition_rules, "LISTED_BY_COMMUNITY_IDS", 1)
    official = User.objects.get(pk=people.official.pk)
    query = str(listed(official, Petition).query)
    assert "lft" in query
    assert set(listed(official, Petition)) == set(policy(official, Petition))
    worker = User.objects.get(pk=people.worker.pk)
    assert "lft" not in str(listed(worker, Petition).query)


def test_supervision_and_complex_lists_page_by_cursor(
    people: Personas, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = _cases(people, tree)
    for name in ("today 1", "today 2", "today 3"):
        services.petition_supervise(actor=people.official, petition=cases[name], note="关注")
        services.petition_tag_complex(
            actor=people.worker, petition=cases[name], tags=["cross_region"]
        )
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    official = client_for(people.official)
    first = official.get("/petitions/supervision/")
    assert [row.petition.title for row in first.context["rows"]] == ["six days", "week"]
    cursor = first.context["page"].next_cursor
    second = official.get(f"/petitions/supervision/?cursor={cursor}")
    assert [row.petition.title for row in second.context["rows"]] == ["today 1", "today 2"]
    worker = client_for(people.worker)
    first = worker.get("/petitions/complex/")
    assert [row.petition.title for row in first.context["rows"]] == ["today 1", "today 2"]
    last = worker.get(f"/petitions/complex/?cursor={first.context['page'].next_cursor}")
    assert [row.petition.title for row in last.context["rows"]] == ["today 3"]
    assert last.context["page"].next_cursor is None


def _whistles(people: Personas, tree: Tree) -> list[str]:
    """Seven whistles to 城管局, logged an hour apart: two returned, one reported, four
    waiting for 报到 (whose clocks run out in the order they were whistled)."""
    titles = []
    for index in range(7):
        whistled_at = NOW - (7 - index) * HOUR
        petition = bring_to(
            Status.DISPATCHED, people, tree, now=whistled_at, title=f"whistle {index}"
        )
        dispatch = Dispatch.objects.get(petition=petition)
        if index in (1, 4):
            services.dispatch_return(
                actor=people.handler, dispatch=dispatch, reason="不归我们管", now=whistled_at
            )
        elif index == 5:
            services.dispatch_report(actor=people.handler, dispatch=dispatch, now=whistled_at)
        titles.append(petition.title)
    return titles


def test_the_department_inbox_pages_by_cursor_in_both_orders(
    people: Personas, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    _whistles(people, tree)
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)
    client = client_for(people.handler)
    for sort in ("deadline", "whistled"):
        expected = [
            dispatch.petition.title
            for dispatch in dispatch_list_visible(
                user=User.objects.get(pk=people.handler.pk), sort=sort
            )
        ]
        walked, cursor = [], ""
        while True:
            response = client.get("/petitions/inbox/", {"sort": sort, "cursor": cursor})
            assert response.status_code == 200
            walked.append([row.dispatch.petition.title for row in response.context["rows"]])
            cursor = response.context["page"].next_cursor
            if cursor is None:
                break
        assert [title for page in walked for title in page] == expected, sort
        assert [len(page) for page in walked] == [2, 2, 2, 1]
    # By deadline: the open ones by their clock (the four to report, then the reported one,
    # whose 办结 clock runs longer), then the returned ones, newest whistle first.
    by_deadline = [
        dispatch.petition.title
        for dispatch in dispatch_list_visible(user=User.objects.get(pk=people.handler.pk))
    ]
    assert by_deadline == [
        "whistle 0",
        "whistle 2",
        "whistle 3",
        "whistle 6",
        "whistle 5",
        "whistle 4",
        "whistle 1",
    ]
    # A cursor of one order is refused by the other: a 400 in the API, the first page here.
    api = api_for(people.handler)
    body = ok(api.get("/api/dispatches/?page_size=3"))
    assert [row["petition_number"] for row in body["results"]] == [
        Petition.objects.get(title=title).number for title in by_deadline[:3]
    ]
    cursor = _cursor_of(body["next"])
    assert api.get(f"/api/dispatches/?sort=whistled&cursor={cursor}").status_code == 400
    page = client.get(f"/petitions/inbox/?sort=whistled&cursor={cursor}")
    assert page.context["page"].is_first
