"""Forms of the 双报到 pages: the filters of the registers (双报到, partner units, volunteers,
teams), finding a party member, registering them (设岗定责), and pairing a partner unit with a
community (包联) or ending a pairing. They check the shape of the input; the services check
the rest and report field errors, which the views put back with ``add_service_errors``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgchart.forms import BootstrapForm
from orgchart.models import OrgUnit
from volunteers.forms import NOTE_MAX, FilterForm
from volunteers.models import PartnerUnit, ServicePostKind, Skill, Team

DATE_INPUT = {"type": "date"}
SEARCH_ATTRS = {"type": "search", "autocomplete": "off"}

# ``?state=`` of the 双报到 lists: current registrations by default.
STATE_CURRENT, STATE_ENDED, STATE_ALL = "", "ended", "all"
STATE_CHOICES = [
    (STATE_CURRENT, pgettext_lazy("registrations", "Current")),
    (STATE_ENDED, pgettext_lazy("registrations", "Ended")),
    (STATE_ALL, pgettext_lazy("registrations", "All")),
]
PARTY_CHOICES = [("", _("Any")), ("yes", _("Party members")), ("no", _("Not party members"))]


def current_of(state: str) -> bool | None:
    """The selectors' ``current`` for a ``?state=`` value."""
    return {STATE_ENDED: False, STATE_ALL: None}.get(state, True)


# --- Filters of the lists ----------------------------------------------------------------------


class RegistrationFilterForm(FilterForm):
    """The 双报到 list's post and state (community and partner unit are looked up in scope)."""

    post = forms.ChoiceField(
        label=_("Claimed post"),
        required=False,
        choices=[("", _("All posts")), *ServicePostKind.choices],
    )
    state = forms.ChoiceField(label=_("Registrations"), required=False, choices=STATE_CHOICES)


class PartnerFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *PartnerUnit.Kind.choices]
    )


class VolunteerFilterForm(FilterForm):
    skill = forms.ChoiceField(
        label=_("Skill"), required=False, choices=[("", _("All skills")), *Skill.choices]
    )
    party = forms.ChoiceField(label=_("Party member"), required=False, choices=PARTY_CHOICES)

    def party_member(self) -> bool | None:
        return {"yes": True, "no": False}.get(str(self.value("party")))


class TeamFilterForm(FilterForm):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Team.Kind.choices]
    )


# --- Registering a party member (双报到) --------------------------------------------------------


class MemberSearchForm(BootstrapForm):
    """Step one of a registration: find the party member among the people of the area."""

    q = forms.CharField(
        label=_("Find an in-service party member"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={**SEARCH_ATTRS, "placeholder": _("Name, initials, ID first 6 / last 4")}
        ),
    )


class CommunityChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: OrgUnit) -> str:
        return obj.name


class PlaceChoiceField(forms.ModelChoiceField):
    """A compound or building, named with the unit above it (“光明小区 · 1号楼”)."""

    def label_from_instance(self, obj: OrgUnit) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent else obj.name


class PartnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PartnerUnit) -> str:
        return obj.name


def _not_in_future(value: dt.date | None) -> dt.date | None:
    if value is not None and value > timezone.localdate():
        raise forms.ValidationError(_("The date cannot be in the future."))
    return value


class DualRegisterForm(BootstrapForm):
    """双报到 of the party member found in step one: where they live, the post they claim and,
    through their employer, its partner unit."""

    community = CommunityChoiceField(
        label=_("Community where they live"), queryset=OrgUnit.objects.none()
    )
    post = forms.ChoiceField(
        label=_("Claimed post (设岗定责)"), choices=[("", "—"), *ServicePostKind.choices]
    )
    post_unit = PlaceChoiceField(
        label=_("Post at"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("— the whole community —"),
        help_text=_("A compound or building of the community, for posts tied to a place."),
        error_messages={"invalid_choice": _("Choose a compound or building of the community.")},
    )
    partner = PartnerChoiceField(
        label=_("Employer (partner unit)"),
        queryset=PartnerUnit.objects.none(),
        required=False,
        empty_label=_("— not a partner unit —"),
        help_text=_("When the member's employer is a partner unit (共建单位) of your area."),
    )
    registered_on = forms.DateField(
        label=_("Registered on"),
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT),
        help_text=_("Today when left empty."),
    )

    def __init__(
        self,
        *args: Any,
        communities: QuerySet[OrgUnit],
        places: QuerySet[OrgUnit],
        partners: QuerySet[PartnerUnit],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (
            ("community", communities),
            ("post_unit", places),
            ("partner", partners),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
            field.queryset = queryset

    def clean_registered_on(self) -> dt.date | None:
        return _not_in_future(self.cleaned_data.get("registered_on"))


# --- Pairings (包联) ----------------------------------------------------------------------------


class PairingForm(BootstrapForm):
    """包联: pair the partner unit with a community of the user's area."""

    community = CommunityChoiceField(label=_("Community"), queryset=OrgUnit.objects.none())
    commitments = forms.CharField(
        label=_("Commitments"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the unit undertakes for the community (共建项目, funds, services)."),
    )
    started_on = forms.DateField(
        label=_("Started on"),
        required=False,
        widget=forms.DateInput(attrs=DATE_INPUT),
        help_text=_("Today when left empty."),
    )

    def __init__(self, *args: Any, communities: QuerySet[OrgUnit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["community"]
        assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared above
        field.queryset = communities
        field.empty_label = "—"


class PairingEndForm(BootstrapForm):
    ended_on = forms.DateField(
        label=_("Ended on"), required=False, widget=forms.DateInput(attrs=DATE_INPUT)
    )

    def clean_ended_on(self) -> dt.date | None:
        return _not_in_future(self.cleaned_data.get("ended_on"))
