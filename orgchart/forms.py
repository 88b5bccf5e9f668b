"""Forms of the people pages. They check the shape of the input only; the services validate
and normalise ID numbers and phones and report field errors (``ValidationFailed.fields``),
which the views put back on these forms with ``add_service_errors``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from governance.errors import ValidationFailed
from orgchart.models import OrgUnit, PartyMember, Person


def add_service_errors(form: forms.Form, error: ValidationFailed) -> None:
    """Show a service's field messages on the form's fields (others at the top)."""
    for field, messages in error.fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not error.fields:
        form.add_error(None, str(error.message))
    if isinstance(form, BootstrapForm):
        form.mark_invalid()


class BootstrapForm(forms.Form):
    """Adds Bootstrap's classes to the widgets (and ``is-invalid`` after a failed submit)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css

    def full_clean(self) -> None:
        super().full_clean()
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] += " is-invalid"


class UnitChoiceField(forms.ModelChoiceField):
    """A unit, labelled with its kind and indented by its depth below the first choice."""

    def __init__(self, *args: Any, top_level: int = 0, **kwargs: Any) -> None:
        self.top_level = top_level
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: OrgUnit) -> str:
        indent = "\u3000" * max(0, obj.level - self.top_level)
        return f"{indent}{obj.name}（{obj.kind_label}）"


DOCUMENT_TYPE_CHOICES = [("", "—"), *Person.DocumentType.choices]

PHONE_ATTRS = {"inputmode": "tel", "autocomplete": "off"}
NUMBER_ATTRS = {"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}


class PersonFields(BootstrapForm):
    """What a person's record holds (the services derive sex and birth date from the ID)."""

    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=50)
    document_type = forms.ChoiceField(
        label=_("Document type"),
        choices=DOCUMENT_TYPE_CHOICES,
        required=False,
        initial=Person.DocumentType.RESIDENT_ID,
    )
    document_number = forms.CharField(
        label=_("Document number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs=NUMBER_ATTRS),
    )
    mobile = forms.CharField(
        label=_("Mobile"), max_length=30, required=False, widget=forms.TextInput(attrs=PHONE_ATTRS)
    )
    landline = forms.CharField(
        label=_("Landline"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs=PHONE_ATTRS),
        help_text=_("With the area code, e.g. 010-12345678, an extension after “-”."),
    )
    address = forms.CharField(label=_("Address"), max_length=200, required=False)


class PersonRegisterForm(PersonFields):
    unit = UnitChoiceField(
        label=_("Register at"),
        queryset=OrgUnit.objects.none(),
        help_text=_("The unit in your area that knows this person."),
    )
    field_order = ["unit", "name", "document_type", "document_number", "mobile", "landline"]

    def __init__(self, *args: Any, units: QuerySet[OrgUnit], top_level: int, **kwargs: Any):
        super().__init__(*args, **kwargs)
        unit_field = self.fields["unit"]
        assert isinstance(unit_field, UnitChoiceField)  # noqa: S101 - declared above
        unit_field.queryset = units
        unit_field.top_level = top_level
        self.fields["document_number"].help_text = _(
            "A resident ID number is checked (check digit, birth date); sex and age come from it."
        )


class PersonEditForm(PersonFields):
    """Blank number and phone fields keep what is stored (it is never shown in full here)."""

    def __init__(self, *args: Any, person: Person, **kwargs: Any):
        super().__init__(*args, **kwargs)
        keep = _("Leave blank to keep %(masked)s.")
        for field, masked in (
            ("document_number", person.masked_document_number),
            ("mobile", person.masked_mobile),
            ("landline", person.masked_landline),
        ):
            if masked:
                self.fields[field].widget.attrs["placeholder"] = masked
                self.fields[field].help_text = keep % {"masked": masked}

    def changes(self, person: Person) -> dict[str, Any]:
        """The keyword arguments for ``person_update``: blank secret fields are left out."""
        data = self.cleaned_data
        changes: dict[str, Any] = {"name": data["name"], "address": data["address"]}
        if data["document_number"].strip():
            changes["document_type"] = data["document_type"]
            changes["document_number"] = data["document_number"]
        for field in ("mobile", "landline"):
            if data[field].strip():
                changes[field] = data[field]
        return changes

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person_type = self.initial.get("document_type", "")
        if (
            not (data.get("document_number") or "").strip()
            and data.get("document_type", "") != person_type
        ):
            self.add_error(
                "document_number", _("Enter the number to change the type of the document.")
            )
        return data


class PeopleSearchForm(BootstrapForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, initials, ID first 6 / last 4, whole ID or mobile"),
                "autocomplete": "off",
            }
        ),
    )


class PartyMemberFilterForm(BootstrapForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Name, initials, ID first 6 / last 4"),
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *PartyMember.Status.choices],
    )


# --- Accounts --------------------------------------------------------------------------------


class PasswordChangeForm(forms.Form):
    """The password change page. ``services.user_change_password`` checks the current password
    and the policy (AUTH_PASSWORD_VALIDATORS); its field errors come back with
    ``add_service_errors`` under ``old_password`` and ``new_password``."""

    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    new_password_confirm = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("new_password_confirm")
        if new and again and new != again:
            self.add_error("new_password_confirm", _("The two new passwords do not match."))
        return data
