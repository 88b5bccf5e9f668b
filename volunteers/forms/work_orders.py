"""点单: the form that orders a work order (a resident's or the community's need, or a petition
turned into a work order). The service checks everything again; this form only gives field
messages. The dispatch form and the forms of the other steps are in ``volunteers.forms``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from orgchart.forms import BootstrapForm
from volunteers.models import WorkOrder

# As the service takes them: the project content, and the 四公开 funds in yuan.
CONTENT_MAX = 4000
FUNDS_MAX = Decimal("99999999")


class OrderWorkForm(BootstrapForm):
    """点单. ``from_petition``: the order comes from a petition (its source is fixed, the form
    shows no source choice)."""

    title = forms.CharField(label=_("Project"), max_length=120)
    content = forms.CharField(
        label=_("What is needed"), max_length=CONTENT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    source = forms.ChoiceField(
        label=_("Ordered from"),
        choices=[
            (WorkOrder.Source.RESIDENT, _("A resident's need")),
            (WorkOrder.Source.COMMUNITY, _("The community's need")),
        ],
        initial=WorkOrder.Source.RESIDENT,
        widget=forms.RadioSelect,
    )
    petition = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    # The search box of the resident picker (not stored) and the chosen person's id.
    requester_q = forms.CharField(
        label=_("Find the resident"), required=False, max_length=50, widget=forms.SearchInput
    )
    requested_by = forms.IntegerField(
        label=_("Requested by"), required=False, min_value=1, max_value=2**63 - 1
    )
    funds = forms.DecimalField(
        label=_("Funds (yuan)"),
        required=False,
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=FUNDS_MAX,
        help_text=_("Made public with the project (四公开); 0 when it costs nothing."),
    )
    funds_source = forms.CharField(
        label=_("Source of funds"),
        required=False,
        max_length=100,
        help_text=_("e.g. the community's service funds (为民服务经费)."),
    )
    due_on = forms.DateField(
        label=_("Due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The end of that day; leave it empty to set it when dispatching."),
    )

    def __init__(self, *args: Any, from_petition: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if from_petition:
            del self.fields["source"]
        else:
            self.fields["source"].widget.attrs["class"] = "btn-check"
        self.fields["funds"].widget.attrs.update(inputmode="decimal", placeholder="0.00")
        self.fields["requester_q"].widget.attrs.update(
            autocomplete="off", placeholder=_("Name, pinyin initials, ID first 6 / last 4")
        )
