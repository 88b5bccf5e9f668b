"""Forms of the activity pages: the calendar's month and unit, announcing an activity and
checking a participant in. The services check everything again; these forms only give field
messages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from orgchart.forms import BootstrapForm, UnitChoiceField
from orgchart.models import OrgUnit
from volunteers.forms import FilterForm
from volunteers.models import Activity

DATE_FORMAT = "%Y-%m-%d"
TIME_FORMAT = "%H:%M"
# The weekly party-member volunteer day (党员志愿服务日).
SATURDAY = 5


def parse_day(value: str) -> dt.date | None:
    """``2026-11-21`` → that date; anything else → None."""
    try:
        return dt.date.fromisoformat((value or "").strip())
    except ValueError:
        return None


def next_saturday(today: dt.date) -> dt.date:
    """The coming Saturday (a week ahead when today is one: this one's is being held)."""
    return today + dt.timedelta(days=(SATURDAY - today.weekday() - 1) % 7 + 1)


class ActivityFilterForm(FilterForm):
    """The calendar's unit (for staff above a community): activities organised inside it."""

    unit = UnitChoiceField(
        label=_("Organised within"),
        queryset=OrgUnit.objects.none(),
        required=False,
        empty_label=_("Everything I see"),
    )

    def __init__(
        self, *args: Any, units: QuerySet[OrgUnit] | None = None, top_level: int = 0, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        unit = self.fields["unit"]
        assert isinstance(unit, UnitChoiceField)  # noqa: S101 - declared above
        if units is not None:
            unit.queryset = units
        unit.top_level = top_level


class ActivityForm(BootstrapForm):
    """Announce an activity: one day, a start and an end time. ``units``: the units the user
    may organise for (None: the one unit is fixed and the field is left out)."""

    title = forms.CharField(
        label=pgettext_lazy("activity", "Title"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), choices=Activity.Kind.choices, initial=Activity.Kind.VOLUNTEER_DAY
    )
    theme = forms.CharField(
        label=_("Theme"),
        max_length=120,
        required=False,
        help_text=_("The month's theme, e.g. waste sorting or caring for the elderly."),
    )
    unit = UnitChoiceField(
        label=_("Organised by"),
        queryset=OrgUnit.objects.none(),
        empty_label=None,
        help_text=_("A street's activity is open to the volunteers of all its communities."),
    )
    day = forms.DateField(
        label=pgettext_lazy("activity", "Day"),
        input_formats=[DATE_FORMAT],
        # ISO, whatever the language: a date input reads and gives yyyy-mm-dd only.
        widget=forms.DateInput(attrs={"type": "date"}, format=DATE_FORMAT),
    )
    starts_at = forms.TimeField(
        label=pgettext_lazy("activity", "From"),
        input_formats=[TIME_FORMAT, "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format=TIME_FORMAT),
    )
    ends_at = forms.TimeField(
        label=pgettext_lazy("activity", "To"),
        input_formats=[TIME_FORMAT, "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format=TIME_FORMAT),
    )
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    capacity = forms.IntegerField(
        label=_("Places"),
        min_value=1,
        max_value=10_000,
        initial=20,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    weeks = forms.IntegerField(
        label=_("Weeks"),
        min_value=1,
        max_value=13,
        initial=1,
        required=False,
        help_text=_("Repeat weekly: the same activity on this many weeks in a row (1: once)."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    def __init__(
        self,
        *args: Any,
        units: QuerySet[OrgUnit] | None,
        top_level: int = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if units is None:
            del self.fields["unit"]
        else:
            unit = self.fields["unit"]
            assert isinstance(unit, UnitChoiceField)  # noqa: S101 - declared above
            unit.queryset = units
            unit.top_level = top_level

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = self.moment("starts_at"), self.moment("ends_at")
        if starts is not None and ends is not None and ends <= starts:
            self.add_error("ends_at", _("An activity ends after it starts."))
        elif starts is not None and starts <= timezone.now():
            self.add_error("starts_at", _("The activity must start later than now."))
        data["weeks"] = data.get("weeks") or 1
        # The two moments the service takes (present whenever the form is valid).
        data["starts"], data["ends"] = starts, ends
        return data

    def moment(self, name: str) -> dt.datetime | None:
        """The day and the time ``name`` as an aware datetime (None while either is invalid)."""
        data = getattr(self, "cleaned_data", {})
        day, time = data.get("day"), data.get(name)
        if day is None or time is None:
            return None
        return timezone.make_aware(dt.datetime.combine(day, time))


class CheckInForm(BootstrapForm):
    """Check one participant in with their service hours (a second check-in corrects them)."""

    signup = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.1"),
        max_value=Decimal("24"),
        max_digits=3,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
    )


class CallOffForm(BootstrapForm):
    """Call an activity off, with the reason shown on its page."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
