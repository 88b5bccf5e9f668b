"""Forms of the petition pages. They check the shape of the input only; the services check the
domain rules (the status tables, roles, deadlines) and report field errors
(``ValidationFailed.fields``), which the views put back on these forms with
``orgchart.forms.add_service_errors``.

Every action form carries the ``version`` of the petition (or, for a department's actions, of
the dispatch) the page showed: a newer one on the server means someone acted in between, and
the action is refused instead of overwriting their change.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from grids.models import Grid
from orgchart.forms import BootstrapForm, UnitChoiceField
from orgchart.models import Department, OrgUnit
from petitions.models import (
    Category,
    Channel,
    Complexity,
    DispatchStatus,
    Satisfaction,
    Status,
    Track,
    Urgency,
)
from petitions.selectors import DispatchSort
from petitions.services.core import MAX_ATTACHMENTS

YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]
NOTE_MAX = 4000


class PetitionForm(BootstrapForm):
    """Bootstrap classes that fit each widget: check boxes and radios are not text inputs."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs["class"] = "form-check-input"
            elif isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "btn-check"
            elif isinstance(widget, forms.Select):
                widget.attrs["class"] = "form-select"


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


# The spellings of yes and no the API accepts (``?overdue=1``, ``=true``) mean the same on the
# pages, whose select offers yes / no.
YES_NO_SPELLINGS = {
    "1": "yes",
    "true": "yes",
    "on": "yes",
    "yes": "yes",
    "0": "no",
    "false": "no",
    "off": "no",
    "no": "no",
}


class YesNoField(forms.ChoiceField):
    """Any / yes / no, also given as 1 / 0 or true / false (one format for pages and API)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, choices=YES_NO, **kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value).strip().lower()
        return YES_NO_SPELLINGS.get(text, text)


# --- Filters of the list pages ---------------------------------------------------------------


class PetitionFilterForm(PetitionForm):
    """诉求列表 filters. A value that is not one of the choices is reported on its field and
    ignored (the list still shows), never an error page."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Whole number, or words of the title or address"),
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Status.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *Category.choices],
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All channels")), *Channel.choices]
    )
    overdue = YesNoField(label=_("Overdue"))
    supervised = YesNoField(label=_("Supervised (督办)"))
    repeat = YesNoField(label=_("Repeat (重复)"))
    complex = forms.BooleanField(label=_("Complex cases only (疑难复杂)"), required=False)
    here = forms.BooleanField(label=_("Only cases my unit must act on"), required=False)
    logged_from = forms.DateField(
        label=_("Logged from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    logged_to = forms.DateField(
        label=_("Logged until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def logged_between(self) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The days chosen (both included) as [start, end) in local time."""
        first, last = self.value("logged_from"), self.value("logged_to")
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(first, dt.time(), tzinfo=zone) if first else None
        end = (
            dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
            if last
            else None
        )
        return start, end

    def value(self, name: str) -> Any:
        """The cleaned value of a field ("" when it was left out or not valid)."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data.get(name) or ""


class DispatchFilterForm(PetitionForm):
    """部门待办 filters and order. A value that is not one of the choices is reported on its
    field and ignored (the inbox still shows)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "placeholder": _("Whole number, or words of the title or address"),
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open first, then done")), *DispatchStatus.choices],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    sort = forms.ChoiceField(
        label=pgettext_lazy("sort", "Order"),
        required=False,
        choices=[
            (DispatchSort.DEADLINE, _("Deadline, soonest first")),
            (DispatchSort.WHISTLED, _("Newest whistle first")),
        ],
    )


class MonthForm(PetitionForm):
    """The month of the monthly review (解剖麻雀): ``2026-11``; blank for every month."""

    month = forms.CharField(
        label=_("Month"),
        required=False,
        max_length=7,
        widget=forms.TextInput(attrs={"type": "month", "autocomplete": "off"}),
    )

    def clean_month(self) -> dt.date | None:
        value = (self.cleaned_data.get("month") or "").strip()
        if not value:
            return None
        try:
            first = dt.date.fromisoformat(f"{value}-01")
        except ValueError as error:
            raise forms.ValidationError(_("Give a month as 2026-11.")) from error
        if not 2000 <= first.year <= 2100:
            raise forms.ValidationError(_("Give a month as 2026-11."))
        return first


# --- Intake ----------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Several files from one input (the service checks their number and size)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(AttachmentsField, self).clean(file, initial) for file in files]


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return obj.name


class IntakeForm(PetitionForm):
    """登记: what was asked, where, by whom. The petitioner is a registered person chosen from
    the search (``petitioner``: their id), or nobody (anonymous, or just a contact phone)."""

    channel = forms.ChoiceField(
        label=_("Channel"), choices=Channel.choices, widget=forms.RadioSelect
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=Category.choices, widget=forms.RadioSelect
    )
    # Left out: normal, ordinary (the form shows them chosen).
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        choices=Urgency.choices,
        initial=Urgency.NORMAL,
        required=False,
        widget=forms.RadioSelect,
    )
    track = forms.ChoiceField(
        label=_("Track"),
        choices=Track.choices,
        initial=Track.ORDINARY,
        required=False,
        widget=forms.RadioSelect,
        help_text=_(
            "A formal petition (信访) follows the 信访工作条例: 15 days to accept, 60 to finish."
        ),
    )
    title = forms.CharField(
        label=pgettext_lazy("petition", "Title"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=10_000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    location = UnitChoiceField(
        label=_("Location"),
        queryset=OrgUnit.objects.none(),
        empty_label="—",
        help_text=_("The community, or the compound or building it concerns."),
    )
    grid = GridChoiceField(
        label=_("Grid"), queryset=Grid.objects.none(), required=False, empty_label=_("None")
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    petitioner = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    is_anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
        help_text=_("Stored sealed and shown masked."),
    )
    complexity = forms.MultipleChoiceField(
        label=_("Complex case (疑难复杂)"),
        choices=Complexity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    attachments = AttachmentsField(label=_("Attachments"), required=False)
    source_visit = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        locations: QuerySet[OrgUnit],
        top_level: int,
        grids: QuerySet[Grid],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        location = self.fields["location"]
        assert isinstance(location, UnitChoiceField)  # noqa: S101 - declared above
        location.queryset = locations
        location.top_level = top_level
        grid = self.fields["grid"]
        assert isinstance(grid, GridChoiceField)  # noqa: S101 - declared above
        grid.queryset = grids
        attachments = self.fields["attachments"]
        attachments.widget.attrs["class"] = "form-control"
        attachments.help_text = _("Up to %(count)d files of at most 10 MB each.") % {
            "count": MAX_ATTACHMENTS
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("is_anonymous") and data.get("petitioner"):
            self.add_error("is_anonymous", _("An anonymous petition names no petitioner."))
        return data


# --- Actions on a petition -------------------------------------------------------------------


class VersionForm(PetitionForm):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


def note_field(label: Any, *, required: bool, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class NoteForm(VersionForm):
    note = note_field(_("Note"), required=False)


class RequiredNoteForm(VersionForm):
    note = note_field(_("Note"), required=True)


class CompleteForm(VersionForm):
    note = note_field(_("What was done"), required=True, rows=3)
    photos = AttachmentsField(
        label=_("Photos of the result"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        photos = self.fields["photos"]
        photos.widget.attrs["class"] = "form-control"
        photos.help_text = _(
            "Optional: up to %(count)d photos (JPEG, PNG or WebP) of at most %(size)d MB each."
        ) % {
            "count": settings.VISIT_PHOTOS_MAX,
            "size": settings.VISIT_PHOTO_MAX_BYTES // (1024 * 1024),
        }


class ReasonForm(VersionForm):
    reason = note_field(_("Reason"), required=True)


class DepartmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.name


class DepartmentsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Department) -> str:
        return obj.name


class DispatchForm(VersionForm):
    """吹哨: the lead department (主办) and any assisting ones (协办). The lead may be left out
    when a lead is already working on the case (only assists are added)."""

    lead = DepartmentChoiceField(
        label=_("Lead department (主办)"),
        queryset=Department.objects.none(),
        required=False,
        empty_label="—",
    )
    assists = DepartmentsField(
        label=_("Assisting departments (协办)"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    instructions = note_field(_("Instructions"), required=False, rows=3)

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lead = self.fields["lead"]
        assists = self.fields["assists"]
        assert isinstance(lead, DepartmentChoiceField)  # noqa: S101 - declared above
        assert isinstance(assists, DepartmentsField)  # noqa: S101 - declared above
        lead.queryset = departments
        assists.queryset = departments


class ReplyForm(VersionForm):
    reply = note_field(_("Reply to the petitioner"), required=True, rows=3)


class EvaluateForm(VersionForm):
    satisfaction = forms.ChoiceField(
        label=_("The petitioner is"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    note = note_field(_("Note"), required=False)


class ExtensionRequestForm(VersionForm):
    amount = forms.IntegerField(label=_("Extension"), min_value=1, max_value=10_000)
    reason = note_field(_("Reason"), required=True)


class ExtensionDecisionForm(VersionForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("yes", _("Approve")), ("no", _("Refuse"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = note_field(_("Note (required to refuse)"), required=False)


class TagComplexForm(VersionForm):
    tags = forms.MultipleChoiceField(
        label=_("Complex case (疑难复杂)"),
        choices=Complexity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: no longer a complex case."),
    )


class RateForm(VersionForm):
    rating = forms.TypedChoiceField(
        label=pgettext_lazy("department", "Rating (1–5)"),
        choices=[(str(stars), str(stars)) for stars in range(5, 0, -1)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    note = note_field(_("Note"), required=False)


# The form of each action, by the action's name (``petitions.models.Action``).
PETITION_ACTION_FORMS: dict[str, type[VersionForm]] = {
    "accept": NoteForm,
    "reject": ReasonForm,
    "start": NoteForm,
    "dispatch": DispatchForm,
    "reply": ReplyForm,
    "evaluate": EvaluateForm,
    "close": ReasonForm,
    "reopen": ReasonForm,
    "supervise": RequiredNoteForm,
    "request_extension": ExtensionRequestForm,
    "decide_extension": ExtensionDecisionForm,
    "tag_complex": TagComplexForm,
}
DISPATCH_ACTION_FORMS: dict[str, type[VersionForm]] = {
    "report": NoteForm,
    "return": ReasonForm,
    "complete": CompleteForm,
    "rate": RateForm,
}


class MarkReadForm(forms.Form):
    """Mark one notification read (``id``), or all of them (``all``)."""

    id = forms.IntegerField(required=False, min_value=1)
    all = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("all")) == bool(data.get("id")):
            raise forms.ValidationError(_("Mark one notification, or all of them."))
        return data
