"""Forms of the volunteer pages: the wish board's filter, posting a wish, one form per wish
action (each carries the ``version`` the page showed), redeeming a reward and choosing a
quarter. The services check everything again; these forms only give field messages."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orgchart.forms import BootstrapForm
from volunteers.models import WishStatus

NOTE_MAX = 2000


class FilterForm(BootstrapForm):
    def value(self, name: str) -> Any:
        """The field's cleaned value when valid, else its empty value."""
        if self.is_valid() or name in getattr(self, "cleaned_data", {}):
            return self.cleaned_data.get(name) or ""
        return ""


class WishFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *WishStatus.choices],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Title or description")


class WishPostForm(BootstrapForm):
    """A resident's wish, and optionally the resident it is for (受益人): ``beneficiary_q``
    searches the people of the community (the page re-renders with the matches),
    ``beneficiary`` is the id of the one chosen (radios on the page; the view checks that the
    poster may see that person)."""

    title = forms.CharField(label=_("Wish"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    beneficiary_q = forms.CharField(
        label=_("Find the resident (受益人)"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    beneficiary = forms.IntegerField(
        label=_("For (受益人)"),
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["beneficiary_q"].widget.attrs["placeholder"] = _(
            "Name, pinyin initials, ID first 6 / last 4"
        )


class VersionForm(BootstrapForm):
    version = forms.IntegerField(min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)


def _note(label: Any, *, required: bool) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReleaseForm(VersionForm):
    reason = _note(_("Reason"), required=False)


class FulfilForm(VersionForm):
    note = _note(_("What was done"), required=True)
    photo = forms.ImageField(label=_("Photo"), required=False)


class ConfirmForm(VersionForm):
    note = _note(_("Note"), required=False)


class WithdrawForm(VersionForm):
    reason = _note(_("Reason"), required=True)


# The form of each wish action, by the action's name (``WishAction``).
WISH_ACTION_FORMS: dict[str, type[VersionForm]] = {
    "claim": VersionForm,
    "release": ReleaseForm,
    "fulfil": FulfilForm,
    "confirm": ConfirmForm,
    "withdraw": WithdrawForm,
}


class RedeemForm(BootstrapForm):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=20, initial=1)


class HandOverForm(BootstrapForm):
    """No field: the hand-over is idempotent."""


QUARTER = re.compile(r"^(20[0-9]{2})-Q?([1-4])$")
MONTH = re.compile(r"^(20[0-9]{2})-(0?[1-9]|1[0-2])$")


def parse_month(value: str) -> tuple[int, int] | None:
    """``2026-11`` (or ``2026-1``) → (2026, 11); anything else → None."""
    match = MONTH.match((value or "").strip())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


def shift_month(first: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``first``'s."""
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_quarter(value: str) -> tuple[int, int] | None:
    """``2026-4`` or ``2026-Q4`` → (2026, 4); anything else → None."""
    match = QUARTER.match((value or "").strip().upper())
    if match is None:
        return None
    return int(match.group(1)), int(match.group(2))


# --- Work orders -------------------------------------------------------------------------------


class WorkOrderFilterForm(FilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=50)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs["placeholder"] = _("Number or project")
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"


class RequiredNoteForm(VersionForm):
    note = _note(_("Note"), required=True)


class RequiredReasonForm(VersionForm):
    reason = _note(_("Reason"), required=True)


class DispatchForm(VersionForm):
    """下单: to one of the community's teams or paired partner units, with a due date."""

    provider = forms.ChoiceField(label=_("Team or partner unit"))
    due_on = forms.DateField(
        label=_("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(
        self, *args: Any, providers: list[tuple[str, str]] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        provider = self.fields["provider"]
        assert isinstance(provider, forms.ChoiceField)  # noqa: S101 - declared just above
        provider.choices = [("", "—"), *(providers or [])]


WORK_ORDER_ACTION_FORMS: dict[str, type[VersionForm]] = {
    "dispatch": DispatchForm,
    "accept": VersionForm,
    "complete": RequiredNoteForm,
    "verify": ConfirmForm,
    "return": RequiredReasonForm,
    "cancel": RequiredReasonForm,
    "supervise": RequiredNoteForm,
}
