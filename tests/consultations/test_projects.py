"""Micro-governance (微治理): a compound's project by the seven steps in order with evidence,
funds and sources, completion only after the seven (409 before); the compound's 五有 marks
(kept by the community, earned by the steps), on the unit page and counted on the dashboard."""

from __future__ import annotations

import pytest
from django.utils import timezone

from consultations import services
from consultations.models import (
    PROJECT_STEPS,
    FiveHaves,
    Project,
    ProjectEvent,
    ProjectStatus,
)
from governance.errors import InvalidTransition, NotAllowed, OutOfScope, ValidationFailed
from tests.conftest import Personas, Tree
from tests.helpers import api_for, english_client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def start(people: Personas, tree: Tree) -> Project:
    return services.project_start(
        actor=people.worker, compound=tree.guangming_compound, title="楼道微改造"
    )


def test_seven_steps_in_order_then_complete(tree: Tree, people: Personas) -> None:
    project = start(people, tree)
    assert (project.status, project.community) == (ProjectStatus.IN_PROGRESS, tree.guangming)
    with pytest.raises(InvalidTransition, match="in order"):
        services.project_step(actor=people.worker, project=project, kind="group", evidence="x")
    with pytest.raises(InvalidTransition, match="seven steps"):
        services.project_complete(actor=people.worker, project=project)
    services.project_fund_add(
        actor=people.worker, project=project, source="public_income", amount="1200.50"
    )
    with pytest.raises(ValidationFailed):
        services.project_fund_add(actor=people.worker, project=project, source="x", amount="1")
    with pytest.raises(ValidationFailed):
        services.project_fund_add(
            actor=people.worker, project=project, source="residents", amount="-5"
        )
    for kind in PROJECT_STEPS:
        services.project_step(
            actor=people.worker, project=project, kind=kind, evidence=f"{kind} 的记录"
        )
    with pytest.raises(InvalidTransition, match="done already"):
        services.project_step(actor=people.worker, project=project, kind="survey", evidence="x")
    # The steps that earn a mark set it.
    marks = FiveHaves.objects.get(compound=tree.guangming_compound)
    assert (marks.self_management_group, marks.convention, marks.actions) == (True, True, True)
    assert (marks.party_org, marks.platform, marks.complete) == (False, False, False)
    done = services.project_complete(actor=people.worker, project=project, note="验收完成")
    assert done.status == ProjectStatus.COMPLETED
    assert done.completed_at is not None
    assert list(ProjectEvent.objects.filter(project=project).values_list("action", flat=True)) == [
        "start",
        *["step"] * 7,
        "complete",
    ]
    with pytest.raises(InvalidTransition):
        services.project_fund_add(
            actor=people.worker, project=project, source="residents", amount="5"
        )


def test_roles_and_scope(tree: Tree, people: Personas) -> None:
    project = start(people, tree)
    for reader in (people.official, people.grid):
        with pytest.raises(NotAllowed):
            services.project_step(actor=reader, project=project, kind="survey", evidence="x")
    with pytest.raises(OutOfScope):
        services.project_step(
            actor=people.other_worker, project=project, kind="survey", evidence="x"
        )
    with pytest.raises(NotAllowed):
        services.project_start(actor=people.worker, compound=tree.guangming, title="x")
    with pytest.raises(NotAllowed):
        services.five_haves_set(
            actor=people.official, compound=tree.guangming_compound, marks={"platform": True}
        )
    cancelled = services.project_cancel(actor=people.worker, project=project, reason="居民意见不一")
    assert cancelled.status == ProjectStatus.CANCELLED


def test_the_unit_page_and_the_dashboard(tree: Tree, people: Personas) -> None:
    start(people, tree)
    worker = english_client_for(people.worker)
    url = f"/org/{tree.guangming_compound.pk}/"
    html = worker.get(url).content.decode()
    assert 'data-testid="form-five-haves"' in html
    assert "楼道微改造" in html
    all_marks = dict.fromkeys(
        ("party_org", "self_management_group", "platform", "convention", "actions"), "on"
    )
    response = worker.post(
        f"/consultations/compounds/{tree.guangming_compound.pk}/five-haves/", all_marks
    )
    assert response.status_code == 302
    assert FiveHaves.objects.get(compound=tree.guangming_compound).complete
    official = english_client_for(people.official)
    html = official.get(url).content.decode()
    assert 'data-testid="five-haves-complete"' in html
    assert 'data-testid="form-five-haves"' not in html
    assert (
        official.post(
            f"/consultations/compounds/{tree.guangming_compound.pk}/five-haves/", all_marks
        ).status_code
        == 403
    )
    community = official.get(f"/org/{tree.guangming.pk}/").content.decode()
    assert 'data-testid="community-five-haves"' in community
    today = timezone.localdate().isoformat()
    body = api_for(people.official).get(
        "/api/dashboard/", {"unit": tree.east.pk, "from": today, "to": today}
    )
    figures = body.json()["consultations"]
    assert figures["five_haves_compounds"] == 1
    assert figures["compounds"] >= 1
    assert figures["projects_in_progress"] == 1


def test_the_project_pages(tree: Tree, people: Personas) -> None:
    worker = english_client_for(people.worker)
    form = worker.get(f"/consultations/projects/new/?compound={tree.guangming_compound.pk}")
    assert form.status_code == 200
    response = worker.post(
        "/consultations/projects/new/",
        {"compound": tree.guangming_compound.pk, "title": "停车自治"},
    )
    assert response.status_code == 302
    project = Project.objects.get(title="停车自治")
    page = f"/consultations/projects/{project.pk}/"
    assert 'data-testid="form-step"' in worker.get(page).content.decode()
    assert (
        worker.post(
            page + "steps/", {"kind": "survey", "evidence": "走访 40 户", "version": 1}
        ).status_code
        == 302
    )
    # The same page again: the step is done (409, the page as it is now).
    assert (
        worker.post(page + "steps/", {"kind": "survey", "evidence": "x", "version": 2}).status_code
        == 409
    )
    assert worker.post(page + "steps/", {"kind": "mobilise", "evidence": ""}).status_code == 400
    assert (
        worker.post(page + "funds/", {"source": "government", "amount": "3000"}).status_code == 302
    )
    html = worker.get(page).content.decode()
    assert "走访 40 户" in html
    assert "3000" in html
    assert worker.post(page + "complete/", {"version": 3}).status_code == 409
    assert english_client_for(people.other_worker).get(page).status_code == 404
    assert english_client_for(people.official).get("/consultations/projects/").status_code == 200
    assert (
        english_client_for(people.official).get("/consultations/projects/new/").status_code == 403
    )


def test_the_projects_api(tree: Tree, people: Personas) -> None:
    api = api_for(people.worker)
    created = api.post(
        "/api/projects/",
        {"compound": tree.guangming_compound.pk, "title": "共享菜园"},
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/projects/{created.json()['id']}/"
    assert (
        api.post(url + "steps/", {"kind": "discuss", "evidence": "x"}, format="json").status_code
        == 409
    )
    body = api.post(url + "steps/", {"kind": "survey", "evidence": "走访"}, format="json").json()
    assert [step["done_at"] is not None for step in body["steps"]][:2] == [True, False]
    assert (
        api.post(url + "funds/", {"source": "residents", "amount": "0"}, format="json").status_code
        == 400
    )
    funded = api.post(url + "funds/", {"source": "residents", "amount": "800"}, format="json")
    assert funded.status_code == 201
    assert funded.json()["funds"][0]["amount"] == "800.00"
    assert api.post(url + "complete/", {}, format="json").status_code == 409
    assert (
        api_for(people.official).post(url + "cancel/", {"reason": "x"}, format="json").status_code
        == 403
    )
    assert api_for(people.other_worker).get(url).status_code == 404
    assert api.get("/api/projects/", {"status": "in_progress"}).json()["count"] == 1
    export = api.get("/api/projects/", {"format": "xlsx"})
    assert export.status_code == 200
