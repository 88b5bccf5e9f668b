"""What a department handler works with: photos of the result with 办结 (service, page, API;
checked as visit photos are, streamed only to those who see the whistle), the department's own
clocks before the petition's on the petition's page, and the inbox's search and order (page
and API). The clock is frozen at ``NOW`` (Wednesday 2026-11-18 10:00, Shanghai)."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image
from rest_framework.test import APIClient

from governance.errors import ValidationFailed
from notifications.models import Notification
from orgchart.models import User
from petitions import services
from petitions.models import (
    Dispatch,
    DispatchPhoto,
    DispatchStatus,
    Petition,
    PetitionEvent,
    Status,
)
from petitions.sweep import escalate_overdue
from tests.conftest import Personas, Tree, client_for
from tests.helpers import english_client_for
from tests.petitions.conftest import NOW, bring_to

HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def clock(time_machine: Any) -> Any:
    time_machine.move_to(NOW, tick=False)
    return time_machine


def image_bytes(image_format: str = "PNG", size: tuple[int, int] = (8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, image_format)
    return buffer.getvalue()


def upload(name: str = "现场.png", content: bytes | None = None, kind: str = "image/png") -> Any:
    return SimpleUploadedFile(name, image_bytes() if content is None else content, kind)


def api(user: User) -> APIClient:
    """A session login answering in English (the labels are the msgids)."""
    client = APIClient()
    client.force_login(user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def reported(people: Personas, tree: Tree, **fields: Any) -> Dispatch:
    """A petition whistled to 城管局 (the ``handler`` persona's department), reported."""
    petition = bring_to(Status.DISPATCHED, people, tree, **fields)
    return services.dispatch_report(actor=people.handler, dispatch=petition.dispatches.get())


def state_of(dispatch: Dispatch) -> dict[str, Any]:
    """What a refused completion must leave as it was."""
    return {
        "petition": Petition.objects.filter(pk=dispatch.petition_id).values().get(),
        "dispatch": Dispatch.objects.filter(pk=dispatch.pk).values().get(),
        "events": list(PetitionEvent.objects.order_by("pk").values_list("pk", flat=True)),
        "photos": list(DispatchPhoto.objects.values_list("pk", flat=True)),
        "notifications": Notification.objects.count(),
    }


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


# --- Photos of the result: the service -------------------------------------------------------


def test_completion_keeps_the_photos_renamed_and_a_retry_adds_none(
    people: Personas, tree: Tree
) -> None:
    dispatch = reported(people, tree)
    png, jpeg = upload("清理后.png"), upload("x.html", image_bytes("JPEG"), "text/html")
    done = services.dispatch_complete(
        actor=people.handler, dispatch=dispatch, note="杂物已清理", photos=[png, jpeg]
    )
    assert done.status == DispatchStatus.COMPLETED
    names = [photo.image.name for photo in done.photos.order_by("pk")]
    assert [name.rsplit(".", 1)[1] for name in names] == ["png", "jpg"]  # by content
    assert all(name.startswith(f"dispatches/2026/11/{dispatch.pk}-") for name in names)
    assert not any("清理后" in name or "html" in name for name in names)
    event = PetitionEvent.objects.filter(dispatch=dispatch, action="complete").get()
    assert (event.note, event.data) == (
        "杂物已清理",
        {"department": tree.chengguan.pk, "role": "lead", "photos": 2},
    )
    # The same request again changes nothing and keeps the first photos.
    again = services.dispatch_complete(
        actor=people.handler, dispatch=dispatch, note="杂物已清理", photos=[upload(), upload()]
    )
    assert again.version == done.version
    assert DispatchPhoto.objects.filter(dispatch=dispatch).count() == 2


@pytest.mark.parametrize(
    ("photo", "message"),
    [
        (upload("x.png", b"%PDF-1.4 not an image"), "Upload photos as JPEG, PNG or WebP images."),
        (
            upload("x.gif", image_bytes("GIF"), "image/gif"),
            "Upload photos as JPEG, PNG or WebP images.",
        ),
        (upload("big.png", image_bytes(size=(400, 400))), "A photo may be at most 0 MB."),
    ],
    ids=["not-an-image", "wrong-type", "too-big"],
)
def test_a_bad_photo_refuses_the_completion_and_changes_nothing(
    people: Personas, tree: Tree, settings: Any, english: None, photo: Any, message: str
) -> None:
    settings.VISIT_PHOTO_MAX_BYTES = 1000  # the big one is a few kB: "at most 0 MB"
    dispatch = reported(people, tree)
    before = state_of(dispatch)
    with pytest.raises(ValidationFailed) as caught:
        services.dispatch_complete(
            actor=people.handler, dispatch=dispatch, note="已处理", photos=[upload(), photo]
        )
    assert caught.value.fields == {"photos": [message]}
    assert state_of(dispatch) == before


def test_more_photos_than_a_visit_takes_are_refused(
    people: Personas, tree: Tree, english: None
) -> None:
    dispatch = reported(people, tree)
    before = state_of(dispatch)
    too_many = [upload() for _index in range(settings.VISIT_PHOTOS_MAX + 1)]
    with pytest.raises(ValidationFailed) as caught:
        services.dispatch_complete(
            actor=people.handler, dispatch=dispatch, note="已处理", photos=too_many
        )
    assert caught.value.fields == {"photos": [f"At most {settings.VISIT_PHOTOS_MAX} photos."]}
    assert state_of(dispatch) == before


# --- Photos of the result: the pages ---------------------------------------------------------


def complete_on_page(client: Client, dispatch: Dispatch, note: str, photos: list[Any]) -> Any:
    """The 办结 form of the petition's page, as the browser sends it (multipart)."""
    return client.post(
        f"/petitions/dispatches/{dispatch.pk}/complete/",
        {"complete-version": dispatch.version, "complete-note": note, "complete-photos": photos},
    )


def test_the_handler_completes_with_photos_and_the_petition_page_shows_them(
    people: Personas, tree: Tree, police_handler: User
) -> None:
    dispatch = reported(people, tree)
    page = client_for(people.handler).get(f"/petitions/{dispatch.petition_id}/")
    html = page.content.decode()
    assert re.search(
        r'<form class="action-form" method="post" action="/petitions/dispatches/'
        rf'{dispatch.pk}/complete/" enctype="multipart/form-data"',
        html,
    )
    assert 'name="complete-photos"' in html
    content = image_bytes("JPEG")
    response = complete_on_page(
        client_for(people.handler), dispatch, "已清理", [upload("a.jpg", content, "image/jpeg")]
    )
    assert response.status_code == 302
    photo = DispatchPhoto.objects.get(dispatch=dispatch)
    url = f"/petitions/dispatches/{dispatch.pk}/photos/{photo.pk}/"
    for viewer in (people.handler, people.worker, people.official):
        html = client_for(viewer).get(f"/petitions/{dispatch.petition_id}/").content.decode()
        # With the whistle's result and with the completion on the timeline.
        assert html.count(f'<img src="{url}"') == 2, viewer
    served = client_for(people.worker).get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["Cache-Control"] == "private, max-age=3600"
    assert streamed(served) == content
    # Whoever does not see the whistle does not see its photo; nor under another whistle.
    for outsider in (police_handler, people.other_worker):
        assert client_for(outsider).get(url).status_code == 404
    assert client_for(people.volunteer).get(url).status_code == 403  # no petition pages at all
    other = reported(people, tree)
    wrong = f"/petitions/dispatches/{other.pk}/photos/{photo.pk}/"
    assert client_for(people.handler).get(wrong).status_code == 404
    missing = f"/petitions/dispatches/{dispatch.pk}/photos/{photo.pk + 1}/"
    assert client_for(people.handler).get(missing).status_code == 404
    assert Client().get(url).status_code == 302  # to the login page


def test_a_bad_photo_on_the_page_is_a_400_on_the_field_and_nothing_changes(
    people: Personas, tree: Tree
) -> None:
    dispatch = reported(people, tree)
    before = state_of(dispatch)
    client = english_client_for(people.handler)
    response = complete_on_page(
        client, dispatch, "已清理", [upload("x.png", b"not an image at all")]
    )
    assert response.status_code == 400
    card = next(card for card in response.context["cards"] if card.dispatch.pk == dispatch.pk)
    form = next(item for item in card.items if item.name == "complete").form
    assert form.errors == {"photos": ["Upload photos as JPEG, PNG or WebP images."]}
    assert state_of(dispatch) == before


def test_the_inbox_completes_with_photos_too(people: Personas, tree: Tree) -> None:
    dispatch = reported(people, tree)
    html = client_for(people.handler).get("/petitions/inbox/").content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert f'id="complete-photos-{dispatch.pk}" name="complete-photos"' in html
    response = client_for(people.handler).post(
        f"/petitions/dispatches/{dispatch.pk}/complete/",
        {
            "complete-version": dispatch.version,
            "complete-note": "已清理",
            "complete-photos": [upload(), upload()],
            "next": "/petitions/inbox/",
        },
    )
    assert (response.status_code, response["Location"]) == (302, "/petitions/inbox/")
    assert DispatchPhoto.objects.filter(dispatch=dispatch).count() == 2


def test_the_petition_page_costs_the_same_whatever_the_whistles_and_photos(
    people: Personas, tree: Tree, police_handler: User
) -> None:
    """The photos come with the whistles (one query), not one query per whistle or photo."""
    one = reported(people, tree)
    services.dispatch_complete(actor=people.handler, dispatch=one, note="好", photos=[upload()])
    two = bring_to(Status.ACCEPTED, people, tree)
    services.petition_dispatch(
        actor=people.worker, petition=two, lead=tree.chengguan, assists=[tree.police]
    )
    for handler, department, count in (
        (people.handler, tree.chengguan, 2),
        (police_handler, tree.police, 3),
    ):
        dispatch = services.dispatch_report(
            actor=handler, dispatch=two.dispatches.get(department=department)
        )
        services.dispatch_complete(
            actor=handler, dispatch=dispatch, note="好", photos=[upload() for _ in range(count)]
        )

    def measure(petition_id: int) -> tuple[int, int]:
        client = client_for(User.objects.get(pk=people.worker.pk))
        with CaptureQueriesContext(connection) as captured:
            response = client.get(f"/petitions/{petition_id}/")
        assert response.status_code == 200
        return len(captured), response.content.decode().count('data-testid="dispatch-photo"')

    assert measure(one.petition_id) == (measure(two.pk)[0], 2)
    assert measure(two.pk)[1] == 10  # five photos, with the whistles and on the timeline


# --- Photos of the result: the API -----------------------------------------------------------


def test_complete_through_the_api_with_photos(
    people: Personas, tree: Tree, police_handler: User
) -> None:
    dispatch = reported(people, tree)
    content = image_bytes()
    response = api(people.handler).post(
        f"/api/dispatches/{dispatch.pk}/complete/",
        {"note": "已清理", "version": dispatch.version, "photos": [upload("a.png", content)]},
        format="multipart",
    )
    assert response.status_code == 200, response.content.decode()
    body = response.json()
    photo = DispatchPhoto.objects.get(dispatch=dispatch)
    url = f"/api/dispatches/{dispatch.pk}/photos/{photo.pk}/"
    assert body["status"] == "completed"
    assert body["photos"] == [
        {"id": photo.pk, "url": url, "created_at": "2026-11-18T10:00:00+08:00"}
    ]
    petition = api(people.worker).get(f"/api/petitions/{dispatch.petition_id}/").json()
    assert [item["photos"] for item in petition["dispatches"]] == [body["photos"]]
    served = api(people.worker).get(url, HTTP_ACCEPT="image/png")
    assert (served.status_code, served["Content-Type"]) == (200, "image/png")
    assert streamed(served) == content
    for outsider in (police_handler, people.other_worker):
        refused = api(outsider).get(url, HTTP_ACCEPT="image/png")
        assert (refused.status_code, refused["Content-Type"]) == (404, "application/json")
    # The inbox rows stay light: the photos are in the detail.
    assert "photos" not in api(people.handler).get("/api/dispatches/").json()["results"][0]


def test_a_bad_photo_through_the_api_is_a_400_and_nothing_changes(
    people: Personas, tree: Tree
) -> None:
    dispatch = reported(people, tree)
    before = state_of(dispatch)
    client = api(people.handler)
    response = client.post(
        f"/api/dispatches/{dispatch.pk}/complete/",
        {"note": "已清理", "photos": [upload("x.png", b"%PDF-1.4")]},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["photos"] == ["Upload photos as JPEG, PNG or WebP images."]
    response = client.post(
        f"/api/dispatches/{dispatch.pk}/complete/",
        {"note": "已清理", "photos": "not a file"},
        format="multipart",
    )
    assert response.status_code == 400
    assert set(response.json()) == {"photos"}
    assert state_of(dispatch) == before
    # JSON without photos still completes.
    response = client.post(f"/api/dispatches/{dispatch.pk}/complete/", {"note": "已清理"})
    assert (response.status_code, response.json()["photos"]) == (200, [])


# --- The department's own clocks first -------------------------------------------------------


def clock_texts(html: str, testid: str) -> list[str]:
    """The labels of the clocks in the section ``testid``, in order."""
    section = html.split(f'data-testid="{testid}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<span class="clock-label">([^<]*)</span>', section)


def test_the_handler_sees_its_own_clocks_first_then_the_petitions(
    people: Personas, tree: Tree
) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = petition.dispatches.get()
    client = english_client_for(people.handler)
    response = client.get(f"/petitions/{petition.pk}/")
    html = response.content.decode()
    assert html.index('data-testid="department-clocks"') < html.index('data-testid="clocks"')
    assert "Your department's deadlines" in html
    assert "The petition's deadlines" in html
    assert "Kept by the handling unit, 光明社区" in html
    assert clock_texts(html, "department-clocks") == [
        "Report by (报到期限)",
        "Complete by (办结期限)",
    ]
    assert clock_texts(html, "clocks") == ["Accept (受理)", "Resolve (办结)"]
    mine = response.context["department_clocks"]
    assert mine.dispatch.pk == dispatch.pk
    report, complete = mine.clocks
    assert (report.running, report.badge.due_at, report.done_at) == (
        True,
        dispatch.report_due_at,
        None,
    )
    assert (complete.running, complete.idle) == (False, "starts when you report")
    # After 报到: the report is done, the completion clock runs.
    services.dispatch_report(actor=people.handler, dispatch=dispatch)
    dispatch.refresh_from_db()
    report, complete = client.get(f"/petitions/{petition.pk}/").context["department_clocks"].clocks
    assert (report.running, report.done_at, report.late) == (False, NOW, False)
    assert (complete.running, complete.badge.due_at) == (True, dispatch.complete_due_at)


def test_a_missed_report_shows_on_the_departments_clock(
    people: Personas, tree: Tree, clock: Any
) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    dispatch = petition.dispatches.get()
    assert dispatch.report_due_at is not None
    clock.move_to(dispatch.report_due_at + HOUR, tick=False)
    escalate_overdue()
    client = english_client_for(people.handler)
    response = client.get(f"/petitions/{petition.pk}/")
    report = response.context["department_clocks"].clocks[0]
    dispatch.refresh_from_db()
    assert (report.running, report.late, report.badge.due_at) == (
        True,
        True,
        dispatch.report_due_at,
    )
    assert 'data-testid="clock-late">missed once</span>' in response.content.decode()


def test_staff_keep_the_three_clocks_of_the_case(people: Personas, tree: Tree) -> None:
    petition = bring_to(Status.DISPATCHED, people, tree)
    response = english_client_for(people.worker).get(f"/petitions/{petition.pk}/")
    html = response.content.decode()
    assert response.context["department_clocks"] is None
    assert 'data-testid="department-clocks"' not in html
    assert clock_texts(html, "clocks") == [
        "Accept (受理)",
        "Department report (报到)",
        "Resolve (办结)",
    ]


# --- The inbox: search and order -------------------------------------------------------------


def inbox_titles(client: Client, query: str = "") -> list[str]:
    response = client.get(f"/petitions/inbox/{query}")
    assert response.status_code == 200
    return [row.dispatch.petition.title for row in response.context["rows"]]


def test_the_inbox_searches_number_title_and_address_and_orders_by_deadline(
    people: Personas, tree: Tree, clock: Any
) -> None:
    early = bring_to(
        Status.DISPATCHED, people, tree, now=NOW - 3 * HOUR, title="路灯不亮", address="2号楼北侧"
    )
    late = bring_to(Status.DISPATCHED, people, tree, now=NOW - HOUR, title="井盖缺失")
    newest = bring_to(Status.DISPATCHED, people, tree, title="噪音扰民")
    services.dispatch_report(actor=people.handler, dispatch=newest.dispatches.get())
    client = client_for(people.handler)
    # By deadline (the default): the report clocks running out soonest, then the completion.
    assert inbox_titles(client) == ["路灯不亮", "井盖缺失", "噪音扰民"]
    assert inbox_titles(client, "?sort=deadline") == ["路灯不亮", "井盖缺失", "噪音扰民"]
    assert inbox_titles(client, "?sort=whistled") == ["噪音扰民", "井盖缺失", "路灯不亮"]
    assert inbox_titles(client, f"?q={late.number}") == ["井盖缺失"]
    assert inbox_titles(client, f"?q={late.number[:-1]}") == []  # the whole number
    nothing = english_client_for(people.handler).get("/petitions/inbox/?q=无此事项")
    assert "No whistle matches these filters." in nothing.content.decode()
    assert inbox_titles(client, "?q=噪音") == ["噪音扰民"]
    assert inbox_titles(client, "?q=北侧") == ["路灯不亮"]
    assert inbox_titles(client, "?q=+井盖+&sort=whistled") == ["井盖缺失"]
    # A value that is no choice is shown on its field and ignored.
    bad = english_client_for(people.handler).get("/petitions/inbox/?sort=loudest")
    assert bad.status_code == 200
    assert [row.dispatch.petition.title for row in bad.context["rows"]] == [
        "路灯不亮",
        "井盖缺失",
        "噪音扰民",
    ]
    assert list(bad.context["filters_form"].errors) == ["sort"]
    # The pages keep the search and the order.
    html = client.get("/petitions/inbox/?q=井盖&sort=whistled").content.decode()
    assert 'name="q" value="井盖"' in html
    assert '<option value="whistled" selected>' in html
    # The overdue filter stays, and combines with the search: once both report clocks ran out.
    assert inbox_titles(client, "?overdue=on") == []
    report_due_at = late.dispatches.get().report_due_at
    assert report_due_at is not None
    assert early.dispatches.get().report_due_at < report_due_at  # type: ignore[operator]
    clock.move_to(report_due_at + HOUR, tick=False)
    client = client_for(people.handler)  # the idle session ended meanwhile
    assert inbox_titles(client, "?overdue=on") == ["路灯不亮", "井盖缺失"]
    assert inbox_titles(client, "?overdue=on&q=井盖&sort=whistled") == ["井盖缺失"]


def test_the_inbox_api_searches_orders_and_filters_overdue(people: Personas, tree: Tree) -> None:
    early = bring_to(Status.DISPATCHED, people, tree, now=NOW - 3 * HOUR, title="路灯不亮")
    bring_to(Status.DISPATCHED, people, tree, now=NOW - HOUR, title="井盖缺失")
    newest = bring_to(Status.DISPATCHED, people, tree, title="噪音扰民", address="3号楼")
    services.dispatch_report(actor=people.handler, dispatch=newest.dispatches.get())
    client = api(people.handler)

    def titles(query: str) -> list[str]:
        response = client.get(f"/api/dispatches/{query}")
        assert response.status_code == 200, response.content.decode()
        return [row["petition_title"] for row in response.json()["results"]]

    assert titles("") == ["路灯不亮", "井盖缺失", "噪音扰民"]
    assert titles("?sort=whistled") == ["噪音扰民", "井盖缺失", "路灯不亮"]
    assert titles(f"?q={early.number}") == ["路灯不亮"]
    assert titles("?q=3号楼") == ["噪音扰民"]
    assert titles("?overdue=1") == []
    bad = client.get("/api/dispatches/?sort=loudest")
    assert bad.status_code == 400
    assert bad.json() == {"sort": ['"loudest" is not a valid choice.']}
    # The export follows the same rows.
    exported = client.get("/api/dispatches/?format=csv&q=井盖")
    assert exported.status_code == 200
    text = streamed(exported).decode("utf-8-sig")
    assert "井盖缺失" in text
    assert "路灯不亮" not in text
