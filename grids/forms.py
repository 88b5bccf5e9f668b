"""Forms of the grid pages. They check the shape of the input only; the services validate the
rest and report field errors (``ValidationFailed.fields``), which the views put back on these
forms with ``orgchart.forms.add_service_errors``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grids.models import Grid, GridStaff, Household, Resident, ResidentCareTag, Visit
from grids.selectors import Separation
from orgchart.forms import BootstrapForm
from orgchart.models import OrgUnit, User

SEARCH_ATTRS = {"type": "search", "autocomplete": "off"}
DATE_INPUT = {"type": "date"}
# Days a "visited recently" filter may look back (the care lists ask for 30 by default).
VISITED_DAYS = [(7, _("7 days")), (30, _("30 days")), (90, _("90 days"))]
YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


class GridForm(BootstrapForm):
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


def choice_of(value: str, choices: list[tuple[str, Any]]) -> str:
    return value if value in {key for key, _label in choices} else ""


# --- Filters of the list pages ---------------------------------------------------------------


class GridFilterForm(GridForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={**SEARCH_ATTRS, "placeholder": _("Grid name or code")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Grid.Kind.choices]
    )


class HouseholdFilterForm(GridForm):
    SORTS = [
        ("address", _("By grid and address")),
        ("head", _("By head of household (pinyin)")),
        ("visited", _("Longest without a visit first")),
    ]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={
                **SEARCH_ATTRS,
                "placeholder": _("Name, initials, room, address, ID first 6 / last 4"),
            }
        ),
    )
    tenure = forms.ChoiceField(
        label=_("Tenure"),
        required=False,
        choices=[("", _("All tenures")), *Household.Tenure.choices],
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)
    unvisited = forms.TypedChoiceField(
        label=_("Not visited in"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any time")), ("30", _("30 days")), ("90", _("90 days"))],
    )
    care = forms.BooleanField(label=_("Care-tag households only"), required=False)


class ResidentFilterForm(GridForm):
    SORTS = [
        ("pinyin", _("By name (pinyin)")),
        ("address", _("By address")),
        ("age", _("Oldest first")),
        ("visited", _("Longest without a visit first")),
    ]
    SEPARATIONS = [
        ("", _("Any")),
        (Separation.ANY, _("Registered or living elsewhere")),
        (Separation.AWAY, _("Registered here, lives elsewhere")),
        (Separation.INCOMING, _("Lives here, registered elsewhere")),
        (Separation.NONE, _("Registered and living here")),
    ]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={**SEARCH_ATTRS, "placeholder": _("Name, initials, ID first 6 / last 4")}
        ),
    )
    care_tag = forms.ChoiceField(
        label=_("Care tag"),
        required=False,
        choices=[("", _("All residents")), *ResidentCareTag.Tag.choices],
    )
    separation = forms.ChoiceField(
        label=_("Registration and residence (人户分离)"), required=False, choices=SEPARATIONS
    )
    min_age = forms.IntegerField(
        label=_("Aged at least"),
        required=False,
        min_value=0,
        max_value=120,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "placeholder": "60"}),
    )
    visited = forms.ChoiceField(label=_("Visited recently"), required=False, choices=YES_NO)
    days = forms.TypedChoiceField(
        label=_("Within"), required=False, choices=VISITED_DAYS, coerce=int, empty_value=None
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=SORTS)


class VisitFilterForm(GridForm):
    purpose = forms.ChoiceField(
        label=_("Purpose"),
        required=False,
        choices=[("", _("All purposes")), *Visit.Purpose.choices],
    )
    hazard = forms.ChoiceField(
        label=_("Hazard found"),
        required=False,
        choices=YES_NO,
    )
    days = forms.TypedChoiceField(
        label=_("Period"),
        required=False,
        choices=[("", _("Any time")), *VISITED_DAYS],
        coerce=int,
        empty_value=None,
    )


# --- Households ------------------------------------------------------------------------------


class BuildingChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        parent = getattr(obj, "parent", None)
        return f"{parent.name} {obj.name}" if parent is not None else obj.name


class HouseholdForm(GridForm):
    building = BuildingChoiceField(
        label=_("Building"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("— not a building of the org tree —"),
    )
    building_label = forms.CharField(
        label=_("Building as written on the door"),
        max_length=50,
        required=False,
        help_text=_("Only when the building is not in the list (e.g. a bungalow row)."),
    )
    entrance = forms.CharField(label=_("Stairwell"), max_length=10, required=False)
    room = forms.CharField(
        label=_("Room"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=200,
        required=False,
        help_text=_("Leave blank to make it from building, stairwell and room."),
    )
    floor_area = forms.DecimalField(
        label=_("Floor area (m²)"),
        required=False,
        max_digits=7,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    tenure = forms.ChoiceField(label=_("Tenure"), choices=Household.Tenure.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, buildings: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        building = self.fields["building"]
        assert isinstance(building, BuildingChoiceField)  # noqa: S101 - declared above
        building.queryset = buildings

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            field: data[field]
            for field in (
                "building",
                "building_label",
                "entrance",
                "room",
                "address",
                "floor_area",
                "tenure",
                "notes",
            )
        }


class GridChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Grid) -> str:
        return obj.name


class HouseholdMoveForm(GridForm):
    grid = GridChoiceField(label=_("Move to grid"), queryset=Grid.objects.none())

    def __init__(self, *args: Any, grids: QuerySet[Grid], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["grid"]
        assert isinstance(field, GridChoiceField)  # noqa: S101 - declared above
        field.queryset = grids


# --- Residents -------------------------------------------------------------------------------


class ResidentFields(GridForm):
    relation = forms.ChoiceField(
        label=_("Relation to the head"),
        choices=Resident.Relation.choices,
        initial=Resident.Relation.OTHER,
    )
    registered_here = forms.BooleanField(
        label=_("Household registration here (户籍在此)"), required=False, initial=True
    )
    lives_here = forms.BooleanField(label=_("Lives here (实际居住)"), required=False, initial=True)
    care_tags = forms.MultipleChoiceField(
        label=_("Care tags"),
        required=False,
        choices=ResidentCareTag.Tag.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    moved_in_on = forms.DateField(
        label=_("Moved in on"), required=False, widget=forms.DateInput(attrs=DATE_INPUT)
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("registered_here") and not data.get("lives_here"):
            self.add_error(
                "lives_here",
                _("A resident is registered here, lives here, or both (人户分离 is one of them)."),
            )
        return data


def restricted_tags_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Restricted tags"),
        required=False,
        choices=Resident.RestrictedTag.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Sealed like ID numbers; shown only through an audited “show”."),
    )


class PersonSearchForm(GridForm):
    """Step one of adding a resident or appointing staff: find the person."""

    q = forms.CharField(
        label=_("Find a registered person"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={**SEARCH_ATTRS, "placeholder": _("Name, initials, ID first 6 / last 4")}
        ),
    )


class ResidentAddForm(ResidentFields):
    """The residence of a person already found (or registered on the same page)."""

    def __init__(self, *args: Any, may_restrict: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if may_restrict:
            self.fields["restricted_tags"] = restricted_tags_field()
            self.fields["restricted_tags"].widget.attrs["class"] = "btn-check"

    def resident_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            "relation": data["relation"],
            "registered_here": data["registered_here"],
            "lives_here": data["lives_here"],
            "care_tags": data["care_tags"],
            "moved_in_on": data["moved_in_on"],
        }
        if "restricted_tags" in self.fields:
            fields["restricted_tags"] = data["restricted_tags"]
        return fields


class ResidentEditForm(ResidentFields):
    """Restricted tags are never shown here (that would reveal them unaudited): they change
    only when "replace" is ticked, as a full new set."""

    def __init__(self, *args: Any, may_restrict: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if may_restrict:
            self.fields["replace_restricted"] = forms.BooleanField(
                label=_("Replace the restricted tags with those ticked below"), required=False
            )
            self.fields["replace_restricted"].widget.attrs["class"] = "form-check-input"
            self.fields["restricted_tags"] = restricted_tags_field()
            self.fields["restricted_tags"].widget.attrs["class"] = "btn-check"

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        changes = {
            "relation": data["relation"],
            "registered_here": data["registered_here"],
            "lives_here": data["lives_here"],
            "care_tags": data["care_tags"],
            "moved_in_on": data["moved_in_on"],
        }
        if data.get("replace_restricted"):
            changes["restricted_tags"] = data.get("restricted_tags") or []
        return changes


class MoveOutForm(GridForm):
    moved_out_on = forms.DateField(
        label=_("Moved out on"), widget=forms.DateInput(attrs=DATE_INPUT)
    )


# --- Grid staff ------------------------------------------------------------------------------


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        name = obj.get_full_name()
        return f"{name}（{obj.username}）" if name and name != obj.username else obj.username


class StaffAppointForm(GridForm):
    role = forms.ChoiceField(label=_("Role"), choices=GridStaff.Role.choices)
    employment = forms.ChoiceField(label=_("Employment"), choices=GridStaff.Employment.choices)
    background = forms.ChoiceField(label=_("Background"), choices=GridStaff.Background.choices)
    account = AccountChoiceField(
        label=_("Grid worker account"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("— no account —"),
        help_text=_("The account sees this grid while the term runs."),
    )
    started_on = forms.DateField(label=_("Started on"), widget=forms.DateInput(attrs=DATE_INPUT))

    def __init__(self, *args: Any, accounts: QuerySet[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        account = self.fields["account"]
        assert isinstance(account, AccountChoiceField)  # noqa: S101 - declared above
        account.queryset = accounts


class StaffEndForm(GridForm):
    ended_on = forms.DateField(label=_("Ended on"), widget=forms.DateInput(attrs=DATE_INPUT))


# --- Visits ----------------------------------------------------------------------------------


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos from one input (the services check type, size and count)."""

    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(PhotosField, self).clean(file, initial) for file in files]


VISITED_AT_FORMAT = "%Y-%m-%dT%H:%M"


class VisitForm(GridForm):
    grid = GridChoiceField(
        label=_("Grid"),
        queryset=Grid.objects.none(),
        help_text=_("A round of the grid (to visit a household, start from its page)."),
    )
    purpose = forms.ChoiceField(
        label=_("Purpose"), choices=Visit.Purpose.choices, widget=forms.RadioSelect
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(
            attrs={"rows": 4, "placeholder": _("What you saw, what was asked, what you agreed")}
        ),
    )
    hazard_found = forms.BooleanField(label=_("Hazard found"), required=False)
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )
    visited_at = forms.DateTimeField(
        label=_("Visited at"),
        input_formats=[VISITED_AT_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=VISITED_AT_FORMAT),
    )

    def __init__(self, *args: Any, grids: QuerySet[Grid] | None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("visited_at", timezone.localtime().replace(second=0))
        super().__init__(*args, **kwargs)
        self.fields["purpose"].widget.attrs["class"] = "btn-check"
        self.fields["photos"].widget.attrs["class"] = "form-control"
        self.fields["hazard_found"].widget.attrs.update(
            {"class": "form-check-input", "role": "switch"}
        )
        if grids is None:
            del self.fields["grid"]
        else:
            field = self.fields["grid"]
            assert isinstance(field, GridChoiceField)  # noqa: S101 - declared above
            field.queryset = grids
