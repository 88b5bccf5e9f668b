"""Forms of the consultation pages: the list's filter, 一征 (a new topic), one form per
stage (each carries the ``version`` the page showed) and the vote. The services check
everything again; these forms only give field messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from consultations.models import (
    NOTICE_DAYS_DEFAULT,
    NOTICE_DAYS_MAX,
    InviteeKind,
    TopicFormat,
    TopicStatus,
    VoteChoice,
)
from orgchart.forms import BootstrapForm
from volunteers.forms import VersionForm

TEXT_MAX = 4000


def _text(label: Any, *, required: bool = True, rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class TopicFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Title or place")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *TopicStatus.choices]
    )
    kind = forms.ChoiceField(
        label=_("Consultation format"),
        required=False,
        choices=[("", _("All formats")), *TopicFormat.choices],
    )

    def value(self, name: str) -> Any:
        if self.is_valid() or name in getattr(self, "cleaned_data", {}):
            return self.cleaned_data.get(name) or ""
        return ""


class TopicForm(BootstrapForm):
    """一征: what the residents raised, where, and how it is to be consulted. ``unit`` offers
    the community and its compounds; ``petition`` is the people's suggestion it comes from."""

    title = forms.CharField(label=_("Topic"), max_length=120)
    description = _text(_("What the residents raised"), required=False)
    format = forms.ChoiceField(label=_("Consultation format"), choices=TopicFormat.choices)
    unit = forms.TypedChoiceField(label=_("Concerns"), coerce=int)
    petition = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, units: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = units  # type: ignore[attr-defined]


class ProposeForm(VersionForm):
    proposal = _text(_("Proposal of the party organisation (提议)"))


class DeliberateForm(VersionForm):
    deliberation = _text(_("Conclusion of the council (商议)"))
    electorate = forms.IntegerField(
        label=_("Members called to the meeting"), min_value=1, max_value=100_000
    )
    quorum = forms.IntegerField(
        label=_("Quorum (votes needed)"),
        required=False,
        min_value=1,
        max_value=100_000,
        help_text=_("Empty: more than half of those called."),
    )


class DecideForm(VersionForm):
    decision = _text(_("Decision (决议)"))
    meeting = forms.TypedChoiceField(
        label=_("Decided at the meeting"), required=False, coerce=int, empty_value=None
    )

    def __init__(self, *args: Any, meetings: Sequence[tuple[int, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["meeting"].choices = [("", "—"), *meetings]  # type: ignore[attr-defined]


class PublishForm(VersionForm):
    notice_days = forms.IntegerField(
        label=_("Days on public notice"),
        min_value=1,
        max_value=NOTICE_DAYS_MAX,
        initial=NOTICE_DAYS_DEFAULT,
    )
    note = _text(_("Note"), required=False, rows=2)


class ResultForm(VersionForm):
    result = _text(_("How it was carried out (结果)"))


class WithdrawForm(VersionForm):
    reason = _text(_("Reason"), rows=2)


TOPIC_ACTION_FORMS: dict[str, type[VersionForm]] = {
    "propose": ProposeForm,
    "deliberate": DeliberateForm,
    "decide": DecideForm,
    "publish": PublishForm,
    "publish_result": ResultForm,
    "withdraw": WithdrawForm,
}


class VoterSearchForm(BootstrapForm):
    voter_q = forms.CharField(
        label=_("Find the voter"),
        max_length=50,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )


class VoteForm(BootstrapForm):
    voter = forms.IntegerField(min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput)
    choice = forms.ChoiceField(choices=VoteChoice.choices)


class OrderWorkForm(BootstrapForm):
    """五单法 from a decision: what to order (the decision by default) and its funds."""

    title = forms.CharField(label=_("Work order"), max_length=120)
    content = _text(_("What is to be done"))
    funds = forms.DecimalField(
        label=_("Funds (yuan)"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    funds_source = forms.CharField(label=_("Source of the funds"), required=False, max_length=100)


class MeetingForm(BootstrapForm):
    title = forms.CharField(label=_("Title of the meeting"), max_length=120)
    format = forms.ChoiceField(label=_("Consultation format"), choices=TopicFormat.choices)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    place = forms.CharField(label=_("Place"), required=False, max_length=200)
    agenda = _text(_("Agenda"), required=False)
    topics = forms.TypedMultipleChoiceField(
        label=_("Topics on the agenda"),
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, topics: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topics"].choices = topics  # type: ignore[attr-defined]
        self.fields["topics"].widget.attrs["class"] = "form-check-input"


class InviteForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Invited as"), choices=InviteeKind.choices)
    name = forms.CharField(label=_("Organisation or name"), required=False, max_length=120)
    person = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )


class HoldForm(VersionForm):
    minutes = _text(_("Minutes"), rows=5)


class CancelForm(VersionForm):
    reason = _text(_("Reason"), rows=2)


MEETING_ACTION_FORMS: dict[str, type[VersionForm]] = {"hold": HoldForm, "cancel": CancelForm}
