"""``manage.py seed_city`` at the demo scale: a valid tree, grids within their target sizes,
sealed personal data, dashboard figures equal to a direct count, nothing left due."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from governance import pii
from governance.dashboard.scale import CITY_CODE
from grids.models import GRID_SIZE_TOLERANCE, TARGET_HOUSEHOLDS, Grid, Household, Resident
from orgchart.models import OrgUnit, Person
from orgchart.services import orgtree_check
from petitions.figures import unit_figures
from petitions.models import OPEN_STATUSES, Escalation, Petition, Status
from petitions.sweep import escalate_overdue

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


@pytest.fixture
def seeded() -> str:
    out = io.StringIO()
    call_command("seed_city", "--scale", "demo", stdout=out)
    return out.getvalue()


def city() -> OrgUnit:
    return OrgUnit.objects.get(division_code=f"{CITY_CODE}000000")


def test_the_tree_is_valid_and_the_counts_are_printed(seeded: str) -> None:
    assert orgtree_check() == []
    root = city()
    assert root.get_descendants().filter(kind=OrgUnit.Kind.COMMUNITY).count() == 4
    assert root.get_descendant_count() == OrgUnit.objects.filter(tree_id=root.tree_id).count() - 1
    out = io.StringIO()
    call_command("check_org_tree", stdout=out)
    assert "Org tree OK." in out.getvalue()
    assert "rollup drifts after the recount: 0" in seeded
    assert "rows/s" in seeded
    # A second run is refused: the generated city is there once.
    with pytest.raises(CommandError, match="already holds"):
        call_command("seed_city", "--scale", "demo", stdout=io.StringIO())


def test_grids_hold_their_target_size_and_personal_data_is_sealed(seeded: str) -> None:
    grids = Grid.objects.filter(community__tree_id=city().tree_id, kind=Grid.Kind.BASIC)
    sizes = dict(grids.annotate(n=Count("households")).values_list("pk", "n"))
    assert len(sizes) == 4 * 4
    for grid in grids:
        target = TARGET_HOUSEHOLDS[grid.area_type]
        assert (
            target * (1 - GRID_SIZE_TOLERANCE)
            <= sizes[grid.pk]
            <= target * (1 + GRID_SIZE_TOLERANCE)
        )
        assert not grid.size_warning(sizes[grid.pk])
    assert {grid.area_type for grid in grids} == {"urban", "rural"}
    # Each household is in a basic grid of its own community, in a building of that grid's
    # compound, at an address unique within the community.
    households = Household.objects.select_related("grid", "building")
    assert households.count() == sum(sizes.values())
    for household in households:
        assert household.grid.kind == Grid.Kind.BASIC
        assert household.community_id == household.grid.community_id
        assert household.building is not None
        assert household.building.parent_id == household.grid.compound_id
    assert Resident.objects.filter(relation=Resident.Relation.HEAD).count() <= households.count()
    # Personal data is sealed as the services seal it.
    people = Person.objects.exclude(mobile_hash="").order_by("pk")[:20]
    assert len(people) == 20
    for person in people:
        number = pii.decrypt(person.document_number_encrypted)
        assert person.document_number_hash == pii.blind_index(
            number, purpose="document:resident_id"
        )
        assert (person.document_number_head, person.document_number_tail) == (
            number[:6],
            number[-4:],
        )
        assert person.birth_date == dt.date(
            int(number[6:10]), int(number[10:12]), int(number[12:14])
        )
        mobile = pii.decrypt(person.mobile_encrypted)
        assert person.mobile_hash == pii.blind_index(mobile, purpose="phone")
        assert person.masked_mobile == f"{mobile[:3]}****{mobile[-4:]}"
        assert number not in person.document_number_encrypted


def test_dashboard_figures_equal_a_direct_count_and_nothing_is_due(seeded: str) -> None:
    root = city()
    today = timezone.localdate()
    figures = unit_figures(
        root, date_from=today - dt.timedelta(days=800), date_to=today + dt.timedelta(days=1)
    )
    petitions = Petition.objects.filter(community__tree_id=root.tree_id)
    assert figures.total.received == petitions.count() == 600
    assert figures.total.open == petitions.filter(status__in=OPEN_STATUSES).count()
    assert figures.total.closed == petitions.filter(status=Status.CLOSED).count()
    assert figures.total.rejected == petitions.filter(status=Status.REJECTED).count()
    assert (
        figures.total.overdue
        == petitions.filter(status__in=OPEN_STATUSES, overdue_since__isnull=False).count()
    )
    assert figures.total.escalated_1 == petitions.filter(escalation_level=1).count()
    # Every status is there, and so are open, overdue and escalated cases.
    assert set(petitions.values_list("status", flat=True)) == set(Status.values)
    assert figures.total.open
    assert figures.total.overdue
    assert Escalation.objects.count() == petitions.filter(escalation_level=1).count()
    # Every open clock runs out in the future or was escalated: a sweep finds nothing due.
    assert escalate_overdue().total == 0
