"""每月通报排队: the composite score, ranks and their change, a closed month frozen for good,
the scheme an admin sets, the printable 通报 and its workbook, and scope."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
import time_machine
from django.urls import reverse

from governance.dashboard.models import RankingScheme, RankingSnapshot
from governance.dashboard.ranking import composite_score, ranking_month, rankings
from governance.dashboard.services import ranking_scheme_save
from governance.errors import NotAllowed
from petitions import services
from petitions.models import Satisfaction
from tests.conftest import Personas, Tree, client_for
from tests.helpers import api_for
from tests.petitions.conftest import at, log_petition_as

DECEMBER = at("2026-12-05", "10:00")
NOVEMBER = dt.date(2026, 11, 1)


def settle(worker, tree: Tree, location, day: str, *, satisfied: bool) -> None:
    """A case logged at ``location`` on ``day``: closed satisfied, or still waiting."""
    petition = log_petition_as(worker, tree, location=location, now=at(day, "09:00"))
    if not satisfied:
        return
    moment = at(day, "10:00")
    services.petition_accept(actor=worker, petition=petition, now=moment)
    services.petition_start(actor=worker, petition=petition, now=moment)
    services.petition_reply(actor=worker, petition=petition, reply="已办结", now=moment)
    services.petition_evaluate(
        actor=worker, petition=petition, satisfaction=Satisfaction.SATISFIED, now=moment
    )


@pytest.fixture
def months(people: Personas, tree: Tree, heping_worker) -> None:
    """October: 光明社区 closes its case, 和平社区 leaves its own waiting; November the other
    way round."""
    settle(people.worker, tree, tree.building_1, "2026-10-14", satisfied=True)
    settle(heping_worker, tree, tree.heping, "2026-10-14", satisfied=False)
    settle(people.worker, tree, tree.building_1, "2026-11-11", satisfied=False)
    settle(heping_worker, tree, tree.heping, "2026-11-11", satisfied=True)


def test_the_composite_score_weighs_the_rates_a_unit_has() -> None:
    weights = {"a": Decimal(30), "b": Decimal(70)}
    assert composite_score({"a": 1.0, "b": 0.5}, weights) == 65.0
    # Without b (nothing evaluated): scored on a alone.
    assert composite_score({"a": 0.8, "b": None}, weights) == 80.0
    assert composite_score({"a": None, "b": None}, weights) is None


def test_the_default_month_is_the_last_that_ended() -> None:
    today = dt.date(2026, 12, 5)
    assert ranking_month("", today) == NOVEMBER
    assert ranking_month("2026-10", today) == dt.date(2026, 10, 1)
    assert ranking_month("2027-03", today) == dt.date(2026, 12, 1)  # not a month to come
    assert ranking_month("2026-13", today) == NOVEMBER
    assert ranking_month("'; drop", today) == NOVEMBER


def test_ranks_and_their_change_against_the_month_before(months, people, tree) -> None:
    ranked = rankings(user=people.official, unit=tree.east, month=NOVEMBER, now=DECEMBER)
    rows = [(row["name"], row["rank"], row["change"]) for row in ranked["units"].rows]
    assert rows == [("和平社区", 1, 1), ("光明社区", 2, -1)]
    heping = ranked["units"].rows[0]
    assert (heping["received"], heping["resolution_rate"], heping["score"]) == (1, 1.0, 100.0)
    assert ranked["units"].frozen


def test_a_closed_month_is_frozen_and_never_changes(months, people, tree) -> None:
    before = rankings(user=people.official, unit=tree.east, month=NOVEMBER, now=DECEMBER)
    assert RankingSnapshot.objects.filter(unit=tree.east, month=NOVEMBER).count() == 2
    # In December the November case of 光明社区 is closed and the weights change: the
    # published November ranking stays as it was.
    waiting = log_petition_as(people.worker, tree, now=DECEMBER)
    services.petition_accept(actor=people.worker, petition=waiting, now=DECEMBER)
    scheme = RankingScheme(name="只看满意率", response_rate=Decimal(0), resolution_rate=Decimal(0))
    ranking_scheme_save(actor=people.superuser, scheme=scheme)
    after = rankings(
        user=people.official, unit=tree.east, month=NOVEMBER, now=DECEMBER + dt.timedelta(days=1)
    )
    assert after["units"].rows == before["units"].rows
    assert after["units"].weights == before["units"].weights
    assert after["units"].frozen_at == before["units"].frozen_at
    # The running month is ranked live, with the new weights.
    running = rankings(user=people.official, unit=tree.east, month=DECEMBER.date(), now=DECEMBER)
    assert not running["units"].frozen
    assert running["units"].weights["response_rate"] == Decimal(0)


def test_only_admins_set_the_scheme_and_one_is_active(people) -> None:
    first = ranking_scheme_save(actor=people.superuser, scheme=RankingScheme(name="甲"))
    second = ranking_scheme_save(actor=people.superuser, scheme=RankingScheme(name="乙"))
    first.refresh_from_db()
    assert (first.is_active, second.is_active) == (False, True)
    with pytest.raises(NotAllowed):
        ranking_scheme_save(actor=people.official, scheme=RankingScheme(name="丙"))
    assert RankingScheme.objects.count() == 2


def test_the_page_print_and_workbook(months, people, tree) -> None:
    with time_machine.travel(DECEMBER, tick=False):
        client = client_for(people.official)
        url = reverse("dashboard_ranking", args=[tree.east.pk])
        page = client.get(url).content.decode()
        printed = client.get(reverse("dashboard_ranking_print", args=[tree.east.pk]))
        workbook = client.get(url, {"month": "2026-11", "format": "xlsx"})
    assert page.index("和平社区") < page.index("光明社区")
    assert 'data-testid="export-ranking"' in page
    assert printed.status_code == 200
    assert "和平社区" in printed.content.decode()
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.getvalue())).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert "东城街道" in values[0][0]
    assert "2026年11月" in values[0][0]
    body = [row for row in values if row[2] in ("和平社区", "光明社区")]
    assert [(row[1], row[2]) for row in body] == [(1, "和平社区"), (2, "光明社区")]
    assert sum(row[5] for row in body) == 2  # two cases received in November
    totals = values[values.index(body[-1]) + 1]
    assert str(totals[5]).startswith("=SUM(F")  # the totals row sums the column


def test_scope_of_the_ranking(months, people, tree) -> None:
    client = client_for(people.official)
    assert client.get(reverse("dashboard_ranking", args=[tree.west.pk])).status_code == 404
    assert (
        client.get(reverse("dashboard_ranking", args=[tree.west.pk]), {"format": "xlsx"})
    ).status_code == 404
    api = api_for(people.official)
    assert api.get("/api/dashboard/ranking/", {"unit": tree.west.pk}).status_code == 404
    assert api.get("/api/dashboard/ranking/", {"month": "x"}).status_code == 400
    assert api_for(people.handler).get("/api/dashboard/ranking/").status_code == 403
    with time_machine.travel(DECEMBER, tick=False):
        body = api_for(people.official).get("/api/dashboard/ranking/").json()
    assert body["month"] == "2026-11"
    assert [row["name"] for row in body["units"]["rows"]] == ["和平社区", "光明社区"]
