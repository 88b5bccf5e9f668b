"""微治理 pages: the projects of the area, starting one at a compound, a project's page (the
seven steps as a checklist with their evidence, the next step's form, the funds and their
sources, complete or cancel), and the compound's 五有 status (a panel of the unit page, kept
there by the community's workers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consultations import services
from consultations.models import (
    FIVE_HAVES,
    PROJECT_STEPS,
    FiveHaves,
    FundSource,
    Project,
    ProjectStatus,
    ProjectStep,
    ProjectStepKind,
)
from consultations.workflows import PROJECT_WORKFLOW
from governance.errors import InvalidTransition, NotAllowed, OutOfScope, ValidationFailed
from governance.workflow import available_actions
from orgchart import policy
from orgchart.forms import BootstrapForm, add_service_errors
from orgchart.models import OrgUnit
from orgchart.pages import paginate
from orgchart.policy import AnyUser
from volunteers.forms import VersionForm
from volunteers.views.shared import ActionItem, run_action

TEXT_MAX = 4000


class ProjectForm(BootstrapForm):
    compound = forms.TypedChoiceField(label=gettext_lazy("Compound"), coerce=int)
    title = forms.CharField(label=gettext_lazy("Project"), max_length=120)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, compounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["compound"].choices = compounds  # type: ignore[attr-defined]


class StepForm(VersionForm):
    kind = forms.ChoiceField(choices=ProjectStepKind.choices, widget=forms.HiddenInput)
    evidence = forms.CharField(
        label=gettext_lazy("What was done (evidence)"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class FundForm(BootstrapForm):
    source = forms.ChoiceField(label=gettext_lazy("Source"), choices=FundSource.choices)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (yuan)"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
    )
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=200)


class CompleteForm(VersionForm):
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CancelForm(VersionForm):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )


class FiveHavesForm(BootstrapForm):
    party_org = forms.BooleanField(label=gettext_lazy("party organisation"), required=False)
    self_management_group = forms.BooleanField(
        label=gettext_lazy("self-management group"), required=False
    )
    platform = forms.BooleanField(label=gettext_lazy("consultation platform"), required=False)
    convention = forms.BooleanField(label=gettext_lazy("residents' convention"), required=False)
    actions = forms.BooleanField(label=gettext_lazy("self-governance actions"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-check-input"


PROJECT_ACTION_FORMS: dict[str, type[VersionForm]] = {
    "complete": CompleteForm,
    "cancel": CancelForm,
}
ACTION_LABELS = {
    "complete": (gettext_lazy("Complete the project"), "success"),
    "cancel": (gettext_lazy("Stop the project"), "outline-danger"),
}


def _projects(user: AnyUser) -> Any:
    return (
        policy.policy(user, Project)
        .select_related("compound", "community")
        .annotate(steps_done=Count("steps"))
        .order_by("-started_at", "-id")
    )


def _project_get(user: AnyUser, pk: Any) -> Project:
    project = _projects(user).filter(pk=pk).first()
    if project is None:
        raise OutOfScope()
    return project


def project_get(*, user: AnyUser, pk: Any) -> Project:
    """For ``run_action``'s reload."""
    return _project_get(user, pk)


def _compounds(user: AnyUser) -> list[tuple[int, str]]:
    anchor = policy.anchor_for(user, "orgunit.schedule_meeting")
    if anchor is None:
        return []
    return [
        (unit.pk, unit.name)
        for unit in OrgUnit.objects.filter(parent=anchor, kind=OrgUnit.Kind.COMPOUND).order_by(
            "lft"
        )
    ]


@login_required
def project_list(request: HttpRequest) -> HttpResponseBase:
    """微治理: the projects of the user's area, newest first, with their steps done."""
    user = request.user
    status = request.GET.get("status", "")
    projects = _projects(user)
    if status in ProjectStatus.values:
        projects = projects.filter(status=status)
    page = paginate(request, projects)
    context = {
        "page": page,
        "projects": page.object_list,
        "status": status,
        "status_choices": ProjectStatus.choices,
        "steps_total": len(PROJECT_STEPS),
        "filters": f"status={status}" if status in ProjectStatus.values else "",
        "starts": bool(_compounds(user)),
    }
    return render(request, "consultations/project_list.html", context)


@login_required
def project_new(request: HttpRequest) -> HttpResponseBase:
    """Start a micro-governance project at a compound of the worker's community."""
    user = request.user
    compounds = _compounds(user)
    if not compounds:
        raise NotAllowed(_("Only the community's workers start micro-governance projects."))
    status = 200
    if request.method == "POST":
        form = ProjectForm(request.POST, compounds=compounds)
        if form.is_valid():
            compound = OrgUnit.objects.get(pk=form.cleaned_data["compound"])
            try:
                project = services.project_start(
                    actor=user,
                    compound=compound,
                    title=form.cleaned_data["title"],
                    description=form.cleaned_data["description"],
                )
            except ValidationFailed as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("The project is started."))
                return redirect("consultations:project", pk=project.pk)
        status = 400
    else:
        initial = {}
        unit = request.GET.get("compound", "")
        if unit.isascii() and unit.isdigit():
            initial["compound"] = int(unit)
        form = ProjectForm(initial=initial, compounds=compounds)
    return render(request, "consultations/project_form.html", {"form": form}, status=status)


@dataclass(frozen=True)
class StepRow:
    kind: str
    label: str
    step: ProjectStep | None
    due: bool


def _project_page(
    request: HttpRequest,
    project: Project,
    *,
    bound: tuple[str, VersionForm] | None = None,
    status: int = 200,
    step_form: StepForm | None = None,
    fund_form: FundForm | None = None,
) -> HttpResponse:
    user = request.user
    done = {step.kind: step for step in project.steps.select_related("done_by")}
    due = next((kind for kind in PROJECT_STEPS if kind not in done), None)
    keeps = project.status == ProjectStatus.IN_PROGRESS and policy.role_may(
        user, "project.step", project
    )
    rows = [
        StepRow(kind, str(ProjectStepKind(kind).label), done.get(kind), keeps and kind == due)
        for kind in PROJECT_STEPS
    ]
    items = []
    for name in available_actions(
        PROJECT_WORKFLOW, project, user, now=timezone.now(), facts=set(done)
    ):
        label, tone = ACTION_LABELS[name]
        if bound is not None and bound[0] == name:
            form, opened = bound[1], True
        else:
            form, opened = PROJECT_ACTION_FORMS[name](initial={"version": project.version}), False
        url = reverse("consultations:project_act", args=[project.pk, name])
        items.append(ActionItem(name, str(label), url, form, tone, opened))
    funds = list(project.funds.order_by("recorded_at", "id"))
    context = {
        "project": project,
        "rows": rows,
        "done_count": len(done),
        "steps_total": len(PROJECT_STEPS),
        "step_form": step_form or StepForm(initial={"version": project.version, "kind": due}),
        "funds": funds,
        "funds_total": sum((fund.amount for fund in funds), Decimal(0)),
        "fund_form": fund_form or FundForm(),
        "keeps": keeps,
        "items": items,
        "events": list(project.events.select_related("actor").order_by("at", "id")),
    }
    return render(request, "consultations/project_detail.html", context, status=status)


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponseBase:
    return _project_page(request, _project_get(request.user, pk))


@login_required
@require_POST
def project_record_step(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The next of the seven steps, with its evidence and the ``version`` the page showed."""
    user = request.user
    project = _project_get(user, pk)
    if not policy.can(user, "project.step", project):
        raise NotAllowed()
    form = StepForm(request.POST)
    if not form.is_valid():
        return _project_page(request, project, step_form=form, status=400)
    try:
        services.project_step(
            actor=user,
            project=project,
            kind=form.cleaned_data["kind"],
            evidence=form.cleaned_data["evidence"],
            expected_version=form.cleaned_data["version"],
        )
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _project_page(request, project, step_form=form, status=400)
    except InvalidTransition as error:
        messages.error(request, str(error.message))
        return _project_page(request, _project_get(user, pk), status=error.status_code)
    messages.success(request, _("The step is recorded."))
    return redirect("consultations:project", pk=project.pk)


@login_required
@require_POST
def project_add_fund(request: HttpRequest, pk: int) -> HttpResponseBase:
    user = request.user
    project = _project_get(user, pk)
    if not policy.can(user, "project.fund", project):
        raise NotAllowed()
    form = FundForm(request.POST)
    if not form.is_valid():
        return _project_page(request, project, fund_form=form, status=400)
    try:
        services.project_fund_add(actor=user, project=project, **form.cleaned_data)
    except ValidationFailed as error:
        add_service_errors(form, error)
        return _project_page(request, project, fund_form=form, status=400)
    except InvalidTransition as error:
        messages.error(request, str(error.message))
        return _project_page(request, project, status=error.status_code)
    messages.success(request, _("The funds are recorded."))
    return redirect("consultations:project", pk=project.pk)


@login_required
@require_POST
def project_act(request: HttpRequest, pk: int, action: str) -> HttpResponseBase:
    user = request.user
    if action not in PROJECT_ACTION_FORMS:
        raise Http404
    project = _project_get(user, pk)
    return run_action(
        request,
        project,
        action=action,
        rule=f"project.{action}",
        form=lambda: PROJECT_ACTION_FORMS[action](request.POST),
        run=partial(_run_project_action, user, project, action),
        page=_project_page,
        reload=project_get,
        done=reverse("consultations:project", args=[project.pk]),
    )


def _run_project_action(
    user: Any, project: Project, action: str, version: int, data: dict[str, Any]
) -> None:
    if action == "complete":
        services.project_complete(
            actor=user, project=project, note=data["note"], expected_version=version
        )
    else:
        services.project_cancel(
            actor=user, project=project, reason=data["reason"], expected_version=version
        )


@login_required
@require_POST
def five_haves_edit(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Set a compound's 五有 marks (the community's workers; from the unit page)."""
    user = request.user
    compound = OrgUnit.objects.filter(pk=pk, kind=OrgUnit.Kind.COMPOUND).first()
    if compound is None or not policy.is_visible(user, compound):
        raise Http404
    if not policy.can(user, "orgunit.keep_five_haves", compound):
        raise NotAllowed()
    form = FiveHavesForm(request.POST)
    form.is_valid()  # booleans: every input is valid
    services.five_haves_set(actor=user, compound=compound, marks=dict(form.cleaned_data))
    messages.success(request, _("The 五有 status is saved."))
    return redirect("orgchart:unit", pk=compound.pk)


# --- The unit page's panel -------------------------------------------------------------------


def unit_panel(user: AnyUser, unit: OrgUnit) -> tuple[str, dict[str, Any]] | None:
    """微治理 on a unit's page: a compound's 五有 marks (editable by the community's workers)
    and its projects; a community's count of 五有院落 among its compounds. Nothing for other
    units, or for roles that do not see consultations."""
    if not policy.uses_section(user, "consultations"):
        return None
    if unit.kind == OrgUnit.Kind.COMPOUND:
        status = FiveHaves.objects.filter(compound=unit).first()
        marks = [
            (
                name,
                str(getattr(FiveHaves._meta.get_field(name), "verbose_name", name)),
                bool(status and getattr(status, name)),
            )
            for name in FIVE_HAVES
        ]
        keeps = policy.role_may(user, "orgunit.keep_five_haves", unit)
        return (
            "consultations/_unit_panel.html",
            {
                "unit": unit,
                "marks": marks,
                "complete": bool(status and status.complete),
                "keeps": keeps,
                "form": FiveHavesForm(initial={name: value for name, _label, value in marks})
                if keeps
                else None,
                "projects": list(_projects(user).filter(compound=unit)[:10]),
                "steps_total": len(PROJECT_STEPS),
                "starts": keeps,
            },
        )
    if unit.kind == OrgUnit.Kind.COMMUNITY:
        counts = OrgUnit.objects.filter(parent=unit, kind=OrgUnit.Kind.COMPOUND).aggregate(
            compounds=Count("pk"),
            five=Count(
                "pk",
                filter=Q(
                    five_haves__party_org=True,
                    five_haves__self_management_group=True,
                    five_haves__platform=True,
                    five_haves__convention=True,
                    five_haves__actions=True,
                ),
            ),
        )
        return ("consultations/_community_panel.html", {"unit": unit, **counts})
    return None
