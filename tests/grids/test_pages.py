"""Grid pages: my grids and the grid list, the grid page, household search and page, the
reveal of numbers and restricted tags, the visit form with photos, the ledgers with their care
lists and exports, and the forms. Scope (404), role (403), masking, query counts."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib import messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from django.utils.translation import gettext, override
from PIL import Image

from governance.models import AuditEvent
from grids import services
from grids.models import Grid, GridStaff, Household, Resident, ResidentCareTag, Visit, VisitPhoto
from orgchart import services as org
from orgchart.models import Person, Post
from tests.conftest import Personas, Tree, client_for
from tests.factories import PersonFactory
from tests.grids.conftest import GridWorld
from tests.helpers import resident_id


def html_of(response: Any) -> str:
    return response.content.decode()


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def zh(text: Any) -> str:
    """A label as the (zh-hans) page shows it."""
    with override("zh-hans"):
        return str(gettext(str(text)) if isinstance(text, str) else text)


def message_texts(response: Any) -> list[str]:
    return [str(message) for message in messages.get_messages(response.wsgi_request)]


def jpeg(name: str = "photo.jpg", size: tuple[int, int] = (640, 480)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 60, 40)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def local_input(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


WANG_ID = resident_id("11010119450307002")


# --- My grids and the grid list ---------------------------------------------------------------


def test_grid_worker_sees_cards_of_the_grids_they_staff(world: GridWorld, people: Personas) -> None:
    response = client_for(people.grid).get("/grids/")
    assert response.status_code == 200
    assert response.context["mine"] is True
    assert [row.grid.pk for row in response.context["rows"]] == [world.grid_a.pk]
    card = response.context["rows"][0].grid
    assert (card.household_count, card.resident_count) == (2, 2)
    assert card.last_visit_at == world.visit_101.visited_at
    html = html_of(response)
    assert 'data-testid="my-grids"' in html
    assert 'data-testid="household-count">2</dd>' in html
    assert 'data-testid="resident-count">2</dd>' in html
    assert f'href="/grids/households/?grid={world.grid_a.pk}"' in html
    assert f'href="/grids/visits/new/?grid={world.grid_a.pk}"' in html
    assert "光明二网格" not in html
    assert "新华一网格" not in html
    assert 'data-testid="household-search"' in html
    assert 'data-testid="nav-grids"' in html


def test_community_worker_lists_the_grids_with_size_and_party_share(
    world: GridWorld, people: Personas
) -> None:
    response = client_for(people.worker).get("/grids/")
    assert response.status_code == 200
    assert response.context["mine"] is False
    rows = response.context["rows"]
    assert [row.grid.name for row in rows] == ["光明一网格", "光明二网格", "光明商圈网格"]
    a, b, mall = rows
    assert (a.grid.household_count, a.target, a.size_warning) == (2, 30, True)
    assert (a.grid.staff_count, a.grid.party_staff_count, a.share, a.share_low) == (
        1,
        1,
        1.0,
        False,
    )
    assert (b.grid.staff_count, b.share, b.share_low) == (1, 0.0, True)
    assert (mall.target, mall.size_warning, mall.grid.staff_count) == (None, False, 0)
    share = response.context["share"]
    assert (share.staff, share.party_members) == (2, 1)
    html = html_of(response)
    assert html.count('data-testid="size-warning"') == 2
    assert html.count('data-testid="share-low"') == 1
    assert html.count('data-testid="no-staff"') == 1
    assert 'data-testid="party-share"' in html
    assert "50%" in html
    assert 'data-testid="export-xlsx"' in html
    # Filters: kind and name.
    dedicated = client_for(people.worker).get("/grids/?kind=dedicated")
    assert [row.grid.name for row in dedicated.context["rows"]] == ["光明商圈网格"]
    by_name = client_for(people.worker).get("/grids/?q=二")
    assert [row.grid.name for row in by_name.context["rows"]] == ["光明二网格"]


def test_official_sees_the_grids_of_the_street(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    response = client_for(people.official).get(f"/grids/?unit={tree.guangming.pk}")
    assert [row.grid.name for row in response.context["rows"]] == [
        "光明一网格",
        "光明二网格",
        "光明商圈网格",
    ]
    outside = client_for(people.official).get(f"/grids/?unit={tree.xinhua.pk}")
    assert outside.status_code == 404


def test_handlers_and_volunteers_see_no_grids(world: GridWorld, people: Personas) -> None:
    # Neither role uses the grid pages: 403 by URL, for lists, exports and rows alike.
    for user in (people.handler, people.volunteer):
        client = client_for(user)
        for url in (
            "/grids/",
            "/grids/households/",
            "/grids/residents/",
            "/grids/visits/",
            "/grids/households/?format=xlsx",
            f"/grids/{world.grid_a.pk}/",
            f"/grids/households/{world.home_101.pk}/",
        ):
            response = client.get(url)
            assert response.status_code == 403, (user.username, url)
            html = html_of(response)
            assert "王秀英" not in html
            assert "光明一网格" not in html
        assert 'data-testid="nav-grids"' not in html


# --- The grid page ----------------------------------------------------------------------------


def test_grid_page_shows_chiefs_staff_households_and_visits(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    chief = PersonFactory.create(unit=tree.guangming, name="总网格长甲", document_number="")
    org.post_assign(
        actor=None,
        unit=tree.guangming,
        kind=Post.Kind.CHIEF_GRID_HEAD,
        holder=chief,
        started_on=dt.date(2024, 1, 1),
    )
    response = client_for(people.worker).get(f"/grids/{world.grid_a.pk}/")
    assert response.status_code == 200
    chiefs = [
        (c.title, c.unit.name if c.unit else None, c.name) for c in response.context["chiefs"]
    ]
    assert chiefs == [
        (zh(Post.Kind.CHIEF_GRID_HEAD.label), "光明社区", "总网格长甲"),
        (zh(Post.Kind.AREA_GRID_HEAD.label), "光明小区", ""),
        (zh(GridStaff.Role.HEAD.label), None, "网格员甲"),
    ]
    assert [row.name for row in response.context["staff"]] == ["网格员甲"]
    assert [row.household.address for row in response.context["households"]] == [
        "1号楼1单元101室",
        "1号楼1单元102室",
    ]
    assert [row.head for row in response.context["households"]] == ["王秀英", "李建国"]
    assert [visit.pk for visit in response.context["visits"]] == [world.visit_101.pk]
    html = html_of(response)
    for testid in ("record-round", "add-household", "appoint-staff", "watermark"):
        assert f'data-testid="{testid}"' in html
    assert f'data-testid="end-term-{world.staff_a.pk}"' in html


def test_grid_page_for_officials_names_people_and_offers_no_actions(
    world: GridWorld, people: Personas
) -> None:
    response = client_for(people.official).get(f"/grids/{world.grid_a.pk}/")
    assert response.status_code == 200
    html = html_of(response)
    # Officials see the names of their area in full (DESIGN §6); numbers stay masked.
    assert "王秀英" in html
    assert "网格员甲" in html
    assert "13800000001" not in html
    for testid in ("record-round", "add-household", "appoint-staff", "end-term-"):
        assert f'data-testid="{testid}' not in html


def test_grid_worker_opens_only_the_grids_they_staff(world: GridWorld, people: Personas) -> None:
    client = client_for(people.grid)
    assert client.get(f"/grids/{world.grid_a.pk}/").status_code == 200
    for grid in (world.grid_b, world.mall, world.xinhua_grid):
        assert client.get(f"/grids/{grid.pk}/").status_code == 404
    assert client.get("/grids/999999/").status_code == 404
    html = html_of(client.get(f"/grids/{world.grid_a.pk}/"))
    assert 'data-testid="record-round"' in html
    assert 'data-testid="add-household"' in html
    assert 'data-testid="appoint-staff"' not in html  # staff are the community's to appoint


# --- Household search -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("王秀英", ["1号楼1单元101室"]),
        ("wxy", ["1号楼1单元101室"]),
        ("102", ["1号楼1单元102室"]),
        ("1号楼", ["1号楼1单元101室", "1号楼1单元102室"]),
        (WANG_ID[-4:], ["1号楼1单元101室"]),
        ("110101", ["1号楼1单元101室", "1号楼1单元102室"]),
        ("赵敏", []),  # in 光明二网格, not the grid worker's
    ],
)
def test_grid_worker_searches_households(
    world: GridWorld, people: Personas, query: str, expected: list[str]
) -> None:
    client = client_for(people.grid)
    posted = client.post("/grids/households/", {"q": query})
    assert posted.status_code == 302
    response = client.get(posted["Location"])
    assert [row.household.address for row in response.context["rows"]] == expected


def test_whole_id_search_is_refused_to_grid_workers_and_kept_out_of_urls(
    world: GridWorld, people: Personas
) -> None:
    response = client_for(people.grid).post("/grids/households/", {"q": WANG_ID})
    assert response.status_code == 200
    assert list(response.context["rows"]) == []
    html = html_of(response)
    assert 'data-testid="search-error"' in html
    assert WANG_ID not in html
    # A community worker may search by a whole number: answered directly, never in a URL.
    found = client_for(people.worker).post("/grids/households/", {"q": WANG_ID})
    assert found.status_code == 200
    assert [row.household.address for row in found.context["rows"]] == ["1号楼1单元101室"]
    assert WANG_ID not in html_of(found)
    assert 'data-testid="masked-query"' in html_of(found)


def test_household_list_filters_and_sorts(world: GridWorld, people: Personas, tree: Tree) -> None:
    client = client_for(people.worker)
    every = client.get("/grids/households/")
    assert [row.household.address for row in every.context["rows"]] == [
        "1号楼1单元101室",
        "1号楼1单元102室",
        "2号楼1单元201室",
    ]
    rented = client.get("/grids/households/?tenure=rented")
    assert [row.household.address for row in rented.context["rows"]] == ["1号楼1单元102室"]
    by_grid = client.get(f"/grids/households/?grid={world.grid_b.pk}")
    assert [row.household.address for row in by_grid.context["rows"]] == ["2号楼1单元201室"]
    by_head = client.get("/grids/households/?sort=head")  # li, wang, zhao
    assert [row.head for row in by_head.context["rows"]] == ["李建国", "王秀英", "赵敏"]
    unvisited_first = client.get("/grids/households/?sort=visited")
    assert [row.household.address for row in unvisited_first.context["rows"]] == [
        "1号楼1单元102室",
        "2号楼1单元201室",
        "1号楼1单元101室",
    ]
    assert client.get(f"/grids/households/?grid={world.xinhua_grid.pk}").status_code == 404
    assert client.get(f"/grids/households/?unit={tree.xinhua.pk}").status_code == 404
    assert (
        client_for(people.grid).get(f"/grids/households/?grid={world.grid_b.pk}").status_code == 404
    )


# --- The household page -----------------------------------------------------------------------


def test_household_page_for_the_grid_worker(world: GridWorld, people: Personas) -> None:
    response = client_for(people.grid).get(f"/grids/households/{world.home_101.pk}/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = html_of(response)
    wang = world.wang.person
    assert 'data-testid="household-address">1号楼1单元101室</h1>' in html
    assert "王秀英" in html
    assert f'data-testid="value-document_number-{wang.pk}">{wang.masked_document_number}<' in html
    assert f'data-testid="value-mobile-{wang.pk}">139****5678<' in html
    assert WANG_ID not in html
    assert "13912345678" not in html
    assert zh(ResidentCareTag.Tag.LIVES_ALONE_ELDERLY.label) in html
    assert zh(Resident.RestrictedTag.KEY_PETITIONER.label) not in html  # sealed until shown
    for testid in (
        f"reveal-document_number-{wang.pk}",
        f"reveal-mobile-{wang.pk}",
        f"reveal-restricted-{world.wang.pk}",
        "record-visit",
        "add-resident",
        "edit-household",
        "watermark",
    ):
        assert f'data-testid="{testid}"' in html, testid
    assert [visit.pk for visit in response.context["visits"]] == [world.visit_101.pk]
    assert "身体健康" in html


def test_household_page_shows_the_separation_and_moved_out_residents(
    world: GridWorld, people: Personas
) -> None:
    services.resident_move_out(actor=None, resident=world.zhao, moved_out_on=timezone.localdate())
    response = client_for(people.worker).get(f"/grids/households/{world.home_201.pk}/")
    assert [row.resident.pk for row in response.context["current"]] == []
    assert [row.resident.pk for row in response.context["moved_out"]] == [world.zhao.pk]
    html = html_of(response)
    assert 'data-testid="moved-out"' in html
    assert f'data-testid="reveal-document_number-{world.zhao.person_id}"' not in html
    li = services.resident_add(
        actor=None,
        household=world.home_201,
        person=world.li.person,
        relation=Resident.Relation.TENANT,
        registered_here=False,
    )
    html = html_of(client_for(people.worker).get(f"/grids/households/{world.home_201.pk}/"))
    assert f'data-testid="separation-{li.pk}"' in html
    assert zh("lives here, registered elsewhere") in html


def test_household_pages_of_other_grids_are_404_for_a_grid_worker(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.grid)
    for household in (world.home_201, world.xinhua_home):
        pk = household.pk
        for url in (
            f"/grids/households/{pk}/",
            f"/grids/households/{pk}/edit/",
            f"/grids/households/{pk}/residents/new/",
            f"/grids/visits/new/?household={pk}",
        ):
            assert client.get(url).status_code == 404, url
        assert (
            client.post(f"/grids/households/{pk}/move/", {"grid": world.grid_a.pk}).status_code
            == 404
        )
    for resident in (world.zhao, world.sun):
        assert client.get(f"/grids/residents/{resident.pk}/edit/").status_code == 404
        assert client.post(f"/grids/residents/{resident.pk}/restricted/").status_code == 404
        assert client.post(f"/grids/residents/{resident.pk}/move-out/").status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()
    assert (
        client_for(people.other_worker).get(f"/grids/households/{world.home_101.pk}/").status_code
        == 404
    )


def test_official_sees_the_household_named_and_may_not_act(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.official)
    response = client.get(f"/grids/households/{world.home_101.pk}/")
    assert response.status_code == 200
    html = html_of(response)
    assert "王秀英" in html
    assert "13912345678" not in html  # the phone stays masked
    assert "19450307" not in html  # so does the ID number
    for testid in ("reveal-", "record-visit", "add-resident", "edit-household"):
        assert f'data-testid="{testid}' not in html
    before = Visit.objects.count()
    assert client.get(f"/grids/visits/new/?household={world.home_101.pk}").status_code == 403
    posted = client.post(
        "/grids/visits/new/",
        {
            "household": world.home_101.pk,
            "purpose": "care_visit",
            "visited_at": local_input(timezone.now()),
        },
    )
    assert posted.status_code == 403
    assert Visit.objects.count() == before
    assert client.get(f"/grids/households/{world.home_101.pk}/edit/").status_code == 403
    assert client.get(f"/grids/households/{world.home_101.pk}/residents/new/").status_code == 403
    assert client.post(f"/grids/residents/{world.wang.pk}/restricted/").status_code == 403
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


# --- Reveals ----------------------------------------------------------------------------------


def test_grid_worker_reveals_a_residents_id_number_with_an_audit_row(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.grid)
    wang = world.wang.person
    response = client.post(f"/org/people/{wang.pk}/reveal/document_number/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'data-testid="revealed-document_number">{WANG_ID}</span>' in html_of(response)
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)
    assert (event.actor_id, event.object_type, event.object_id, event.changes) == (
        people.grid.pk,
        "orgchart.Person",
        str(wang.pk),
        {"field": "document_number"},
    )
    # 赵敏 lives in 光明二网格: not the grid worker's to reveal.
    assert client.post(f"/org/people/{world.zhao.person_id}/reveal/mobile/").status_code in (
        403,
        404,
    )
    assert AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).count() == 1


def test_restricted_tags_are_shown_only_by_an_audited_post(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.grid)
    url = f"/grids/residents/{world.wang.pk}/restricted/"
    assert client.get(url).status_code == 405
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = html_of(response)
    assert "<html" not in html
    assert f'data-testid="restricted-{world.wang.pk}"' in html
    assert zh(Resident.RestrictedTag.KEY_PETITIONER.label) in html
    event = AuditEvent.objects.get(action=AuditEvent.Action.REVEAL)
    assert (event.actor_id, event.object_type, event.object_id, event.changes) == (
        people.grid.pk,
        "grids.Resident",
        str(world.wang.pk),
        {"field": "restricted_tags"},
    )
    none = client.post(f"/grids/residents/{world.li.pk}/restricted/")
    assert zh("None") in html_of(none) or "None" in html_of(none)


def test_reveal_of_restricted_tags_needs_the_csrf_token(world: GridWorld, people: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.worker)
    response = client.post(f"/grids/residents/{world.wang.pk}/restricted/")
    assert response.status_code == 403
    assert zh(Resident.RestrictedTag.KEY_PETITIONER.label) not in html_of(response)
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.REVEAL).exists()


# --- The visit form ---------------------------------------------------------------------------


def test_visit_form_is_built_for_the_phone(world: GridWorld, people: Personas) -> None:
    response = client_for(people.grid).get(f"/grids/visits/new/?household={world.home_101.pk}")
    assert response.status_code == 200
    html = html_of(response)
    assert 'enctype="multipart/form-data"' in html
    assert re.search(r'<input type="file" name="photos"[^>]*accept="image/\*"', html)
    assert 'capture="environment"' in html
    assert " multiple" in html
    assert html.count('name="purpose"') == len(Visit.Purpose.values)
    assert 'type="datetime-local"' in html
    shown = re.search(r'name="visited_at" value="([^"]+)"', html)
    assert shown is not None
    now = timezone.localtime()
    default = dt.datetime.strptime(shown.group(1), "%Y-%m-%dT%H:%M").replace(tzinfo=now.tzinfo)
    assert dt.timedelta(0) <= now - default < dt.timedelta(minutes=2)  # now, to the minute
    assert f'<input type="hidden" name="household" value="{world.home_101.pk}">' in html


def test_grid_worker_records_a_visit_with_photos(world: GridWorld, people: Personas) -> None:
    client = client_for(people.grid)
    visited_at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(hours=2)
    response = client.post(
        "/grids/visits/new/",
        {
            "household": world.home_102.pk,
            "purpose": Visit.Purpose.HAZARD_CHECK,
            "notes": "楼道堆放杂物",
            "hazard_found": "on",
            "visited_at": local_input(visited_at),
            "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.exclude(pk=world.visit_101.pk).get()
    # A hazard was found: the visit's page, which offers to report it as a petition.
    assert response["Location"] == f"/grids/visits/{visit.pk}/"
    visit_page = html_of(client.get(response["Location"]))
    assert f"/petitions/new/?visit={visit.pk}" in visit_page
    assert (
        visit.grid_id,
        visit.household_id,
        visit.visitor_id,
        visit.purpose,
        visit.notes,
        visit.hazard_found,
        visit.visited_at,
    ) == (
        world.grid_a.pk,
        world.home_102.pk,
        people.grid.pk,
        Visit.Purpose.HAZARD_CHECK,
        "楼道堆放杂物",
        True,
        visited_at,
    )
    assert visit.photos.count() == 2
    assert message_texts(response) == [
        zh("The visit has been recorded with a hazard: report it as a petition here.")
    ]
    page = client.get(f"/grids/households/{world.home_102.pk}/")
    html = html_of(page)
    assert [v.pk for v in page.context["visits"]] == [visit.pk]
    photo_ids = list(visit.photos.values_list("pk", flat=True))
    for photo_id in photo_ids:
        assert f'src="/grids/visits/photos/{photo_id}/?thumb=1"' in html
    assert "/media/" not in html
    full = client.get(f"/grids/visits/photos/{photo_ids[0]}/")
    assert full.status_code == 200
    assert full["Content-Type"] == "image/jpeg"
    assert full["Cache-Control"] == "private, max-age=3600"
    stored = VisitPhoto.objects.get(pk=photo_ids[0])
    with stored.image.open("rb") as handle:
        assert streamed(full) == handle.read()
    thumb = client.get(f"/grids/visits/photos/{photo_ids[0]}/?thumb=1")
    assert thumb.status_code == 200
    assert thumb["Content-Type"] == "image/jpeg"
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert max(image.size) == 480


def test_grid_round_without_a_household(world: GridWorld, people: Personas) -> None:
    client = client_for(people.grid)
    page = client.get(f"/grids/visits/new/?grid={world.grid_a.pk}")
    assert page.status_code == 200
    assert "grid" not in page.context["form"].fields  # given in the URL
    response = client.post(
        "/grids/visits/new/",
        {
            "grid": world.grid_a.pk,
            "purpose": "information_collection",
            "visited_at": local_input(timezone.now()),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/grids/{world.grid_a.pk}/"
    visit = Visit.objects.latest("id")
    assert (visit.grid_id, visit.household_id, visit.visitor_id) == (
        world.grid_a.pk,
        None,
        people.grid.pk,
    )
    assert client.get(f"/grids/visits/new/?grid={world.grid_b.pk}").status_code == 404
    # Without a grid in the URL the form offers the worker's grids.
    choose = client.get("/grids/visits/new/")
    assert [grid.pk for grid in choose.context["form"].fields["grid"].queryset] == [world.grid_a.pk]
    refused = client.post(
        "/grids/visits/new/",
        {
            "grid_choice": "",
            "purpose": "information_collection",
            "visited_at": local_input(timezone.now()),
        },
    )
    assert refused.status_code == 400
    assert "grid" in refused.context["form"].errors


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"purpose": ""}, "purpose", "This field is required."),
        ({"purpose": "gossip"}, "purpose", None),
        ({"hazard_found": "on", "notes": ""}, "notes", "Describe the hazard you found."),
        ({"visited_at": "tomorrow"}, "visited_at", None),
    ],
)
def test_visit_form_rerenders_with_field_errors(
    world: GridWorld, people: Personas, changes: dict[str, str], field: str, message: str | None
) -> None:
    data = {
        "household": world.home_101.pk,
        "purpose": "care_visit",
        "notes": "",
        "visited_at": local_input(timezone.now()),
        **changes,
    }
    response = client_for(people.grid).post("/grids/visits/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert field in errors
    if message:
        assert errors[field] == [zh(message)]
    assert Visit.objects.count() == 1
    assert 'data-testid="form-errors"' in html_of(response)


def test_a_visit_in_the_future_or_a_bad_photo_is_refused(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.grid)
    future = client.post(
        "/grids/visits/new/",
        {
            "household": world.home_101.pk,
            "purpose": "care_visit",
            "visited_at": local_input(timezone.now() + dt.timedelta(days=1)),
        },
    )
    assert future.status_code == 400
    assert future.context["form"].errors["visited_at"] == [zh("A visit cannot be in the future.")]
    not_a_photo = client.post(
        "/grids/visits/new/",
        {
            "household": world.home_101.pk,
            "purpose": "care_visit",
            "visited_at": local_input(timezone.now()),
            "photos": [SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")],
        },
    )
    assert not_a_photo.status_code == 400
    assert "photos" in not_a_photo.context["form"].errors
    assert Visit.objects.count() == 1
    assert VisitPhoto.objects.count() == 0


def test_a_photo_is_served_as_what_it_is_not_as_its_name_says(
    world: GridWorld, people: Personas
) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (0, 0, 0)).save(buffer, "PNG")
    named_html = SimpleUploadedFile("page.html", buffer.getvalue(), content_type="text/html")
    visit = services.visit_record(
        actor=people.grid, household=world.home_101, purpose="care_visit", photos=[named_html]
    )
    stored = visit.photos.get().image.name
    assert stored.endswith(".png")
    assert "page" not in stored  # the client's file name is never used
    response = client_for(people.grid).get(f"/grids/visits/photos/{visit.photos.get().pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert streamed(response) == buffer.getvalue()


def test_visit_photos_are_404_outside_the_viewers_scope(world: GridWorld, people: Personas) -> None:
    elsewhere = services.visit_record(
        actor=people.worker, household=world.home_201, purpose="care_visit", photos=[jpeg()]
    )
    photo = elsewhere.photos.get()
    url = f"/grids/visits/photos/{photo.pk}/"
    assert client_for(people.grid).get(url).status_code == 404  # 光明二网格
    assert client_for(people.grid).get(url + "?thumb=1").status_code == 404
    assert client_for(people.grid).get(f"/grids/visits/{elsewhere.pk}/").status_code == 404
    assert client_for(people.other_worker).get(url).status_code == 404
    assert client_for(people.volunteer).get(url).status_code == 403  # no grid pages at all
    assert Client().get(url).status_code == 302  # to the login page
    assert client_for(people.worker).get(url).status_code == 200
    assert client_for(people.official).get(url).status_code == 200
    assert client_for(people.grid).get("/grids/visits/photos/999999/").status_code == 404


# --- Ledgers: residents and the care lists, visits ----------------------------------------------


def test_care_list_of_elderly_living_alone_visited_or_not(
    world: GridWorld, people: Personas
) -> None:
    client = client_for(people.worker)
    tag = "lives_alone_elderly"
    every = client.get(f"/grids/residents/?care_tag={tag}")
    assert [row.name for row in every.context["rows"]] == ["王秀英"]
    assert every.context["care_label"] == zh(ResidentCareTag.Tag.LIVES_ALONE_ELDERLY.label)
    visited = client.get(f"/grids/residents/?care_tag={tag}&visited=yes&days=30")
    assert [row.name for row in visited.context["rows"]] == ["王秀英"]
    not_visited = client.get(f"/grids/residents/?care_tag={tag}&visited=no&days=30")
    assert list(not_visited.context["rows"]) == []
    assert 'data-testid="residents-empty"' in html_of(not_visited)
    within_two_days = client.get(f"/grids/residents/?care_tag={tag}&visited=no&days=7")
    assert [row.name for row in within_two_days.context["rows"]] == []
    html = html_of(every)
    assert f'href="/grids/residents/?care_tag={tag}&amp;visited=no&amp;days=30"' in html


def test_resident_ledger_filters_and_sorts(world: GridWorld, people: Personas) -> None:
    client = client_for(people.worker)

    def names(url: str) -> list[str]:
        return [row.name for row in client.get(url).context["rows"]]

    assert names("/grids/residents/") == ["李建国", "王秀英", "赵敏"]  # pinyin
    assert names("/grids/residents/?separation=incoming") == ["赵敏"]
    assert names("/grids/residents/?separation=none") == ["李建国", "王秀英"]
    assert names("/grids/residents/?min_age=70") == ["王秀英"]
    assert names("/grids/residents/?sort=age") == ["王秀英", "李建国", "赵敏"]
    assert names(f"/grids/residents/?grid={world.grid_b.pk}") == ["赵敏"]
    assert names("/grids/residents/?q=lj") == ["李建国"]
    invalid = client.get("/grids/residents/?min_age=-3")
    assert invalid.status_code == 200
    assert "min_age" in invalid.context["filters_form"].errors
    assert names("/grids/residents/?visited=no&days=30") == ["李建国", "赵敏"]
    assert client_for(people.grid).get("/grids/residents/").context["rows"][0].name == "李建国"
    assert [
        row.name for row in client_for(people.grid).get("/grids/residents/").context["rows"]
    ] == [
        "李建国",
        "王秀英",
    ]


def test_visit_list_filters(world: GridWorld, people: Personas) -> None:
    hazard = services.visit_record(
        actor=people.worker,
        household=world.home_201,
        purpose=Visit.Purpose.HAZARD_CHECK,
        notes="电线老化",
        hazard_found=True,
    )
    client = client_for(people.worker)

    def ids(url: str) -> list[int]:
        return [visit.pk for visit in client.get(url).context["visits"]]

    assert ids("/grids/visits/") == [hazard.pk, world.visit_101.pk]
    assert ids("/grids/visits/?hazard=yes") == [hazard.pk]
    assert ids("/grids/visits/?purpose=care_visit") == [world.visit_101.pk]
    assert ids(f"/grids/visits/?grid={world.grid_a.pk}") == [world.visit_101.pk]
    old = services.visit_record(
        actor=people.worker,
        household=world.home_201,
        purpose=Visit.Purpose.POLICY_OUTREACH,
        visited_at=timezone.now() - dt.timedelta(days=20),
    )
    assert ids("/grids/visits/?days=7") == [hazard.pk, world.visit_101.pk]
    assert ids("/grids/visits/?days=30") == [hazard.pk, world.visit_101.pk, old.pk]
    # An unknown period is an error on that filter; the others still apply.
    unknown = client.get("/grids/visits/?days=2&hazard=yes")
    assert "days" in unknown.context["filters_form"].errors
    assert [visit.pk for visit in unknown.context["visits"]] == [hazard.pk]
    # The grid worker sees the visits of their grids only.
    grid_visits = client_for(people.grid).get("/grids/visits/").context["visits"]
    assert [visit.pk for visit in grid_visits] == [world.visit_101.pk]


# --- Exports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/grids/", "/grids/households/", "/grids/residents/", "/grids/visits/"]
)
def test_every_list_exports_its_ledger(world: GridWorld, people: Personas, url: str) -> None:
    response = client_for(people.worker).get(url + "?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    csv = client_for(people.worker).get(url + "?format=csv")
    assert csv.status_code == 200
    assert streamed(csv).startswith(b"\xef\xbb\xbf")
    assert client_for(people.worker).get(url + "?format=pdf").status_code == 404


def test_grid_worker_exports_only_their_grids(world: GridWorld, people: Personas) -> None:
    client = client_for(people.grid)
    csv = client.get("/grids/households/?format=csv")
    assert csv.status_code == 200
    content = streamed(csv).decode("utf-8-sig")
    assert "1号楼1单元101室" in content
    assert "1号楼1单元102室" in content
    assert "2号楼1单元201室" not in content
    assert "新华路1号" not in content
    residents = streamed(client.get("/grids/residents/?format=csv")).decode("utf-8-sig")
    assert "王秀英" in residents
    assert "赵敏" not in residents
    assert WANG_ID not in residents
    # Another grid's ledger does not exist for them; a full export is not theirs to make.
    assert client.get(f"/grids/households/?grid={world.grid_b.pk}&format=xlsx").status_code == 404
    assert client.get(f"/grids/residents/?grid={world.grid_b.pk}&format=csv").status_code == 404
    assert client.get(f"/grids/visits/?grid={world.grid_b.pk}&format=csv").status_code == 404
    assert client.get("/grids/residents/?format=xlsx&reveal=1").status_code == 403


def test_export_of_residents_is_logged(world: GridWorld, people: Personas) -> None:
    client_for(people.worker).get("/grids/residents/?care_tag=lives_alone_elderly&format=xlsx")
    event = AuditEvent.objects.get(action=AuditEvent.Action.EXPORT)
    assert event.actor_id == people.worker.pk
    assert event.changes["rows"] == 1


# --- Forms: households ------------------------------------------------------------------------


def test_worker_adds_a_household(world: GridWorld, people: Personas, tree: Tree) -> None:
    client = client_for(people.worker)
    page = client.get(f"/grids/{world.grid_a.pk}/households/new/")
    assert page.status_code == 200
    assert [unit.name for unit in page.context["form"].fields["building"].queryset] == [
        "1号楼",
        "2号楼",
    ]
    response = client.post(
        f"/grids/{world.grid_a.pk}/households/new/",
        {"building": tree.building_1.pk, "entrance": "1", "room": "103", "tenure": "rented"},
    )
    household = Household.objects.get(address="1号楼1单元103室")
    assert response.status_code == 302
    assert response["Location"] == f"/grids/households/{household.pk}/"
    assert (household.grid_id, household.community_id, household.tenure) == (
        world.grid_a.pk,
        tree.guangming.pk,
        "rented",
    )
    assert message_texts(response) == [zh("The household has been recorded.")]
    again = client.post(
        f"/grids/{world.grid_a.pk}/households/new/",
        {"building": tree.building_1.pk, "entrance": "1", "room": "103", "tenure": "owned"},
    )
    assert again.status_code == 400
    assert again.context["form"].errors["address"] == [
        zh("A household with this address is already recorded in the community.")
    ]
    assert Household.objects.filter(address="1号楼1单元103室").count() == 1
    dedicated = client.post(
        f"/grids/{world.mall.pk}/households/new/", {"address": "商场1层", "tenure": "owned"}
    )
    assert dedicated.status_code == 400
    assert dedicated.context["form"].non_field_errors() == [
        zh("A household belongs to a basic grid.")
    ]
    assert not Household.objects.filter(address="商场1层").exists()


def test_household_forms_refuse_roles_and_outsiders(world: GridWorld, people: Personas) -> None:
    before = Household.objects.count()
    data = {"address": "新地址1号", "tenure": "owned"}
    assert (
        client_for(people.official)
        .post(f"/grids/{world.grid_a.pk}/households/new/", data)
        .status_code
        == 403
    )
    assert (
        client_for(people.grid).post(f"/grids/{world.grid_b.pk}/households/new/", data).status_code
        == 404
    )
    assert (
        client_for(people.other_worker)
        .post(f"/grids/{world.grid_a.pk}/households/new/", data)
        .status_code
        == 404
    )
    assert Household.objects.count() == before
    # A grid worker keeps the households of their grid.
    added = client_for(people.grid).post(f"/grids/{world.grid_a.pk}/households/new/", data)
    assert added.status_code == 302
    assert Household.objects.filter(address="新地址1号", grid=world.grid_a).exists()


def test_household_edit_remakes_the_address_from_a_new_room(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    client = client_for(people.worker)
    url = f"/grids/households/{world.home_102.pk}/edit/"
    data = {
        "building": tree.building_1.pk,
        "entrance": "1",
        "room": "104",
        "address": "1号楼1单元102室",
        "tenure": "rented",
        "floor_area": "78.5",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    world.home_102.refresh_from_db()
    assert (world.home_102.room, world.home_102.address, str(world.home_102.floor_area)) == (
        "104",
        "1号楼1单元104室",
        "78.50",
    )
    bad = client.post(url, {**data, "floor_area": "0"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["floor_area"] == [
        zh("A floor area lies between 1 and 99,999 m².")
    ]


def test_household_moves_to_another_grid(world: GridWorld, people: Personas) -> None:
    response = client_for(people.worker).post(
        f"/grids/households/{world.home_102.pk}/move/", {"grid": world.grid_b.pk}
    )
    assert response.status_code == 302
    world.home_102.refresh_from_db()
    assert world.home_102.grid_id == world.grid_b.pk
    assert (
        client_for(people.grid)
        .post(f"/grids/households/{world.home_101.pk}/move/", {"grid": world.grid_b.pk})
        .status_code
        == 403
    )
    assert (
        client_for(people.worker).get(f"/grids/households/{world.home_101.pk}/move/").status_code
        == 405
    )


# --- Forms: residents -------------------------------------------------------------------------


def test_add_a_registered_person_as_a_resident(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    newcomer = PersonFactory.create(unit=tree.guangming, name="陈静", first17="11010119920303002")
    client = client_for(people.worker)
    url = f"/grids/households/{world.home_102.pk}/residents/new/"
    search = client.post(url, {"q": "陈静"})
    assert search.status_code == 302
    found = client.get(search["Location"])
    assert [candidate.pk for candidate, _name in found.context["pick"].candidates] == [newcomer.pk]
    assert f'href="{url}?person={newcomer.pk}"' in html_of(found)
    form = client.get(f"{url}?person={newcomer.pk}")
    assert form.status_code == 200
    assert 'data-testid="chosen-person"' in html_of(form)
    response = client.post(
        url,
        {
            "person": newcomer.pk,
            "relation": "spouse",
            "registered_here": "on",
            "lives_here": "on",
            "care_tags": ["disabled"],
        },
    )
    assert response.status_code == 302
    resident = Resident.objects.get(person=newcomer)
    assert (
        resident.household_id,
        resident.relation,
        resident.registered_here,
        resident.lives_here,
    ) == (
        world.home_102.pk,
        "spouse",
        True,
        True,
    )
    assert list(resident.care_tags.values_list("tag", flat=True)) == ["disabled"]
    # A second head of household is a field error, and nothing is written.
    other = PersonFactory.create(unit=tree.guangming, name="周涛", document_number="")
    twice = client.post(url, {"person": other.pk, "relation": "head", "lives_here": "on"})
    assert twice.status_code == 400
    assert twice.context["form"].errors["relation"] == [
        zh("This household already has a head of household.")
    ]
    assert not Resident.objects.filter(person=other).exists()


def test_register_a_new_person_as_a_resident(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    client = client_for(people.grid)
    url = f"/grids/households/{world.home_101.pk}/residents/new/"
    number = resident_id("11010120150601003")
    response = client.post(
        url,
        {
            "new": "1",
            "person-name": "王小明",
            "person-document_type": "resident_id",
            "person-document_number": number,
            "person-mobile": "",
            "person-landline": "",
            "person-address": "1号楼1单元101室",
            "relation": "grandchild",
            "registered_here": "on",
            "lives_here": "on",
            "care_tags": ["left_behind_child"],
        },
    )
    assert response.status_code == 302
    created = Person.objects.get(name="王小明")
    assert created.registrations.get().unit_id == tree.guangming.pk
    resident = Resident.objects.get(person=created)
    assert (resident.household_id, resident.relation) == (world.home_101.pk, "grandchild")
    # A bad ID number: the person form shows it and nothing is registered.
    bad = client.post(
        url,
        {
            "new": "1",
            "person-name": "错号",
            "person-document_type": "resident_id",
            "person-document_number": "110101201506010031",
            "relation": "other",
            "lives_here": "on",
        },
    )
    assert bad.status_code == 400
    assert "document_number" in bad.context["person_form"].errors
    assert not Person.objects.filter(name="错号").exists()
    # Neither registered here nor living here.
    neither = client.post(url, {"new": "1", "person-name": "某人", "relation": "other"})
    assert neither.status_code == 400
    assert "lives_here" in neither.context["form"].errors
    assert not Person.objects.filter(name="某人").exists()


def test_resident_edit_and_move_out(world: GridWorld, people: Personas) -> None:
    client = client_for(people.worker)
    url = f"/grids/residents/{world.li.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200
    assert zh(Resident.RestrictedTag.KEY_PETITIONER.label) in html_of(page)  # a choice, unticked
    response = client.post(
        url,
        {"relation": "head", "registered_here": "on", "care_tags": ["serious_illness"]},
    )
    assert response.status_code == 302
    world.li.refresh_from_db()
    assert (world.li.registered_here, world.li.lives_here) == (True, False)
    assert list(world.li.care_tags.values_list("tag", flat=True)) == ["serious_illness"]
    assert services.restricted_tags_of(world.li) == []
    replaced = client.post(
        url,
        {
            "relation": "head",
            "registered_here": "on",
            "replace_restricted": "on",
            "restricted_tags": ["community_correction"],
        },
    )
    assert replaced.status_code == 302
    world.li.refresh_from_db()
    assert services.restricted_tags_of(world.li) == ["community_correction"]
    moved = client.post(
        f"/grids/residents/{world.li.pk}/move-out/",
        {"moved_out_on": timezone.localdate().isoformat()},
    )
    assert moved.status_code == 302
    world.li.refresh_from_db()
    assert world.li.moved_out_on == timezone.localdate()
    assert client.get(f"/grids/residents/{world.li.pk}/move-out/").status_code == 405


# --- Forms: staff -----------------------------------------------------------------------------


def test_worker_appoints_and_ends_grid_staff(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    volunteer = PersonFactory.create(unit=tree.guangming, name="志愿者丙", document_number="")
    client = client_for(people.worker)
    url = f"/grids/{world.grid_b.pk}/staff/new/"
    found = client.get(f"{url}?q=志愿者丙")
    assert [candidate.pk for candidate, _name in found.context["pick"].candidates] == [volunteer.pk]
    response = client.post(
        url,
        {
            "person": volunteer.pk,
            "role": "worker",
            "employment": "part_time",
            "background": "volunteer",
            "account": "",
            "started_on": "2025-03-01",
        },
    )
    assert response.status_code == 302
    staff = GridStaff.objects.get(person=volunteer)
    assert (staff.grid_id, staff.role, staff.employment, staff.background, staff.started_on) == (
        world.grid_b.pk,
        "worker",
        "part_time",
        "volunteer",
        dt.date(2025, 3, 1),
    )
    twice = client.post(
        url,
        {
            "person": volunteer.pk,
            "role": "worker",
            "employment": "part_time",
            "background": "volunteer",
            "started_on": "2025-03-01",
        },
    )
    assert twice.status_code == 400
    assert twice.context["form"].non_field_errors() == [zh("This person already works this grid.")]
    ended = client.post(f"/grids/staff/{staff.pk}/end/", {"ended_on": "2025-06-30"})
    assert ended.status_code == 302
    staff.refresh_from_db()
    assert staff.ended_on == dt.date(2025, 6, 30)
    # Grid workers and officials do not appoint.
    assert client_for(people.grid).get(f"/grids/{world.grid_a.pk}/staff/new/").status_code == 403
    assert (
        client_for(people.official).post(f"/grids/staff/{world.staff_a.pk}/end/").status_code == 403
    )
    world.staff_a.refresh_from_db()
    assert world.staff_a.ended_on is None


def test_only_roles_that_see_accounts_link_one_to_a_term(
    world: GridWorld, people: Personas, tree: Tree
) -> None:
    chosen = f"/grids/{world.grid_b.pk}/staff/new/?person={world.staff_a.person_id}"
    # Accounts are visible to admins only (orgchart policy): a community worker appoints
    # without linking one.
    assert 'name="account"' not in html_of(client_for(people.worker).get(chosen))
    admin = client_for(people.street_admin)
    page = admin.get(chosen)
    assert [account.username for account in page.context["form"].fields["account"].queryset] == [
        "grid"
    ]
    response = admin.post(
        f"/grids/{world.grid_b.pk}/staff/new/",
        {
            "person": world.staff_a.person_id,
            "role": "worker",
            "employment": "full_time",
            "background": "community_staff",
            "account": people.grid.pk,
            "started_on": "2025-01-01",
        },
    )
    assert response.status_code == 302
    staff = GridStaff.objects.get(grid=world.grid_b, person_id=world.staff_a.person_id)
    assert staff.account_id == people.grid.pk
    # From now on the grid worker sees 光明二网格 too.
    mine = client_for(people.grid).get("/grids/")
    assert [row.grid.name for row in mine.context["rows"]] == ["光明一网格", "光明二网格"]


def test_forms_need_the_csrf_token(world: GridWorld, people: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(people.grid)
    response = client.post(
        "/grids/visits/new/",
        {
            "household": world.home_101.pk,
            "purpose": "care_visit",
            "visited_at": local_input(timezone.now()),
        },
    )
    assert response.status_code == 403
    assert Visit.objects.count() == 1


# --- Query counts -----------------------------------------------------------------------------

# Every page: the session and the user with its anchor (2), and the idle-timeout session save
# (3 here: the test's transaction wraps the UPDATE in a savepoint).
BASE_QUERIES = 5
# The navbar's unread-notification count (every role here is sent messages; grid workers about
# the cases they reported).
UNREAD_COUNT = 1


def add_households(
    world: GridWorld, tree: Tree, people: Personas, count: int, start: int = 0
) -> None:
    for index in range(start, start + count):
        household = services.household_create(
            actor=None,
            grid=world.grid_a,
            building=tree.building_2,
            entrance="3",
            room=f"{index + 1:03d}",
        )
        someone = PersonFactory.create(unit=tree.guangming)
        resident = services.resident_add(
            actor=None,
            household=household,
            person=someone,
            relation=Resident.Relation.HEAD,
            care_tags=["lives_alone_elderly", "disabled"],
        )
        assert resident.pk
        services.visit_record(
            actor=people.grid,
            household=household,
            purpose="care_visit",
            photos=[jpeg(size=(32, 32))] if index % 2 else [],
        )


@pytest.mark.parametrize("user_name", ["worker", "grid", "official"])
def test_list_query_counts_do_not_grow_with_rows(
    world: GridWorld,
    tree: Tree,
    people: Personas,
    django_assert_num_queries: Any,
    user_name: str,
) -> None:
    client = client_for(getattr(people, user_name))
    mine = user_name == "grid"
    pages = {
        # mine: count, page; others: count, page, party share, unit filter choices
        "/grids/": 2 if mine else 4,
        # count, page, grid filter choices (+ unit filter choices), "may visit" (a row)
        "/grids/households/": 3 + (0 if mine else 1) + 1,
        f"/grids/households/?grid={world.grid_a.pk}&sort=head": 4 + (0 if mine else 1) + 1,
        # count, page, care tags of the page, grid filter choices (+ unit filter choices)
        "/grids/residents/?care_tag=lives_alone_elderly&visited=yes": 4 + (0 if mine else 1),
        # count, page, grid filter choices (+ unit filter choices)
        "/grids/visits/?days=30": 3 + (0 if mine else 1),
        # grid, staff, posts, count, page of households, visits, the grid's visibility (once
        # for its three actions)
        f"/grids/{world.grid_a.pk}/": 7,
    }
    counts: dict[str, int] = {}
    add_households(world, tree, people, 1)
    for url, own in pages.items():
        with django_assert_num_queries(BASE_QUERIES + own + UNREAD_COUNT):
            response = client.get(url)
        assert response.status_code == 200
        counts[url] = len(response.context.get("rows") or response.context.get("visits") or [])
    add_households(world, tree, people, 12, start=1)
    for url, own in pages.items():
        with django_assert_num_queries(BASE_QUERIES + own + UNREAD_COUNT):
            response = client.get(url)
        assert response.status_code == 200
    assert response.context["page"].paginator.count == 15  # 2 + 13 households in 光明一网格


def test_household_page_query_count(
    world: GridWorld, tree: Tree, people: Personas, django_assert_num_queries: Any
) -> None:
    client = client_for(people.grid)
    # household, residents, their care tags, visits, their photos, the household's visibility
    # (once for its three actions), "may reveal" (the person's visibility, a current resident
    # of my grids), "may show restricted tags" (the resident's visibility)
    expected = BASE_QUERIES + UNREAD_COUNT + 9
    with django_assert_num_queries(expected):
        client.get(f"/grids/households/{world.home_101.pk}/")
    for _ in range(5):
        services.resident_add(
            actor=None,
            household=world.home_101,
            person=PersonFactory.create(unit=tree.guangming, document_number=""),
            relation=Resident.Relation.CHILD,
            care_tags=["disabled"],
        )
        services.visit_record(
            actor=people.grid,
            household=world.home_101,
            purpose="care_visit",
            photos=[jpeg(size=(16, 16))],
        )
    with django_assert_num_queries(expected):
        response = client.get(f"/grids/households/{world.home_101.pk}/")
    assert len(response.context["current"]) == 6
    assert len(response.context["visits"]) == 6


def test_dashboard_links_grid_workers_to_their_grids(world: GridWorld, people: Personas) -> None:
    html = html_of(client_for(people.grid).get("/"))
    assert 'data-testid="my-grids-link"' in html
    assert 'data-testid="my-grids-link"' not in html_of(client_for(people.worker).get("/"))


def test_grid_kinds_in_the_filter(world: GridWorld, people: Personas) -> None:
    response = client_for(people.worker).get("/grids/")
    kinds = [value for value, _label in response.context["filters_form"].fields["kind"].choices]
    assert kinds == ["", *Grid.Kind.values]


def test_a_persons_page_lists_their_grid_posts(world: GridWorld, people: Personas) -> None:
    head = world.staff_a.person
    html = html_of(client_for(people.worker).get(f"/org/people/{head.pk}/"))
    posts = re.findall(r'data-testid="grid-post">(.*?)</li>', html, re.S)
    assert len(posts) == 1
    assert "网格长" in posts[0]
    assert f'href="/grids/{world.grid_a.pk}/"' in posts[0]
    assert "暂无现任职务" not in html
