"""Admin for people, party members and posts: masked values only, writes through the services."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from governance.errors import ValidationFailed
from orgchart import policy, selectors, services
from orgchart.admin.base import (
    ScopedAdminMixin,
    ScopedRawIdWidget,
    form_errors_from,
    scoped_choices,
)
from orgchart.models import (
    POSTS_BY_UNIT_KIND,
    UNIQUE_POSTS,
    OrgUnit,
    PartyMember,
    Person,
    Post,
)

RESIDENT_ID = Person.DocumentType.RESIDENT_ID
PERSONAL_DATA_HELP = gettext_lazy("Leave blank to keep the stored value (%(masked)s).")


class PersonAdminForm(forms.ModelForm):
    """Plain number and phone fields: validated and sealed by the services. The sealed
    columns (``*_encrypted``, ``*_hash``, ``*_head``, ``*_tail``) are never on a form."""

    document_number = forms.CharField(
        label=gettext_lazy("document number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    mobile = forms.CharField(
        label=gettext_lazy("mobile"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )
    landline = forms.CharField(
        label=gettext_lazy("landline"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "tel"}),
    )

    class Meta:
        model = Person
        fields = ["name", "sex", "document_type", "address"]

    def person_data(self) -> dict[str, Any]:
        """Keyword arguments for ``person_register``."""
        data = self.cleaned_data
        return {
            "name": data.get("name", ""),
            "sex": data.get("sex", ""),
            "document_type": data.get("document_type", ""),
            "document_number": data.get("document_number", ""),
            "mobile": data.get("mobile", ""),
            "landline": data.get("landline", ""),
            "address": data.get("address", ""),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if self.errors:
            return cleaned
        try:
            services.person_clean(**self.person_data())
        except ValidationFailed as error:
            form_errors_from(error, self)
        return cleaned


class PersonAddAdminForm(PersonAdminForm):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("register at"),
        queryset=OrgUnit.objects.none(),
        help_text=gettext_lazy(
            "A person already registered elsewhere (same document) is linked, not duplicated."
        ),
    )


class PersonChangeAdminForm(PersonAdminForm):
    """Blank number and phone fields keep what is stored; the boxes below remove a phone."""

    clear_mobile = forms.BooleanField(label=gettext_lazy("remove the mobile"), required=False)
    clear_landline = forms.BooleanField(label=gettext_lazy("remove the landline"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person = self.instance
        for field, masked in (
            ("document_number", person.masked_document_number),
            ("mobile", person.masked_mobile),
            ("landline", person.masked_landline),
        ):
            if masked and field in self.fields:
                self.fields[field].help_text = PERSONAL_DATA_HELP % {"masked": masked}
        # ``initial`` is what is stored (the instance itself takes the posted values).
        if "sex" in self.fields and self.initial.get("document_type") == RESIDENT_ID:
            self.fields["sex"].disabled = True  # derived from the ID number, never typed twice
            self.fields["sex"].help_text = _("Derived from the resident ID number.")

    def person_data(self) -> dict[str, Any]:
        """Keyword arguments for ``person_update``: only what the admin changed."""
        data = self.cleaned_data
        changes: dict[str, Any] = {
            field: data.get(field, "")
            for field in ("name", "sex", "address")
            if field in self.changed_data
        }
        if (data.get("document_number") or "").strip():
            changes["document_type"] = data.get("document_type", "")
            changes["document_number"] = data["document_number"]
        for field in ("mobile", "landline"):
            if (data.get(field) or "").strip():
                changes[field] = data[field]
            elif data.get(f"clear_{field}"):
                changes[field] = ""
        return changes

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.errors:
            return cleaned
        number = (cleaned.get("document_number") or "").strip()
        if not number and "document_type" in self.changed_data:
            self.add_error(
                "document_number", _("Enter the number to change the type of the document.")
            )
        elif number:
            known = selectors.person_find_by_document(
                document_type=cleaned.get("document_type", ""), document_number=number
            )
            if known is not None and known.pk != self.instance.pk:
                self.add_error(
                    "document_number", _("Another person is registered with this document.")
                )
        return cleaned


@admin.register(Person)
class PersonAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """People registered in the admin's area. Numbers and phones are masked everywhere here;
    showing one in full is the audited reveal on the person page, not an admin feature."""

    policy_resource = Person
    change_action = "person.change"
    form = PersonChangeAdminForm
    change_form_template = "admin/orgchart/person/change_form.html"
    list_display = ["name", "sex", "masked_document", "masked_mobile_phone", "masked_landline"]
    list_filter = ["sex", "document_type"]
    # The search goes through selectors.person_search_q (name, initials, ID fragments, whole
    # numbers by keyed hash); search_fields only switches the search box on.
    search_fields = ["name"]
    ordering = ["name_pinyin", "id"]
    list_per_page = 50

    def get_fieldsets(self, request: HttpRequest, obj: Person | None = None) -> Any:
        if obj is None:
            return (
                (None, {"fields": ("unit", "name", "address")}),
                (
                    gettext_lazy("Document and phones"),
                    {"fields": ("document_type", "document_number", "sex", "mobile", "landline")},
                ),
            )
        return (
            (None, {"fields": ("name", "address")}),
            (
                gettext_lazy("Document and phones"),
                {
                    "fields": (
                        ("masked_document", "document_type", "document_number"),
                        "sex",
                        ("masked_mobile_phone", "mobile", "clear_mobile"),
                        ("masked_landline", "landline", "clear_landline"),
                    )
                },
            ),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Person | None = None) -> Any:
        if obj is None:
            return ()
        return ["masked_document", "masked_mobile_phone", "masked_landline"]

    def get_form(
        self, request: HttpRequest, obj: Person | None = None, change: bool = False, **kwargs: Any
    ) -> Any:
        kwargs["form"] = PersonChangeAdminForm if obj is not None else PersonAddAdminForm
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None:
            # A copy: the declared field is shared by every request's form class.
            unit = copy.deepcopy(form.base_fields["unit"])
            assert isinstance(unit, forms.ModelChoiceField)  # noqa: S101 - declared so
            unit.queryset = policy.policy(request.user, OrgUnit).order_by("tree_id", "lft")
            form.base_fields["unit"] = unit
            form.base_fields["document_type"].initial = Person.DocumentType.RESIDENT_ID
        return form

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Person], search_term: str
    ) -> tuple[QuerySet[Person], bool]:
        if not search_term.strip():
            return queryset, False
        return queryset.filter(selectors.person_search_q(search_term)), False

    @admin.display(description=gettext_lazy("document number"))
    def masked_document(self, person: Person) -> str:
        return person.masked_document_number or "—"

    @admin.display(description=gettext_lazy("mobile"))
    def masked_mobile_phone(self, person: Person) -> str:
        return person.masked_mobile or "—"

    @admin.display(description=gettext_lazy("landline"))
    def masked_landline(self, person: Person) -> str:
        return person.masked_landline or "—"

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Person | None = None,
    ) -> Any:
        # Where the person is registered: the units in the viewer's area only, never others.
        context["registered_units"] = (
            list(selectors.person_units_visible(user=request.user, person=obj)) if obj else []
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        if change:
            saved = services.person_update(actor=request.user, person=obj, **form.person_data())
        else:
            registration = services.person_register(
                actor=request.user, unit=form.cleaned_data["unit"], **form.person_data()
            )
            saved = registration.person
            if not registration.created:
                self.message_user(
                    request,
                    _("This person was already registered; the record is now linked to %(unit)s.")
                    % {"unit": form.cleaned_data["unit"].name},
                    level=messages.INFO,
                )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False


class PartyMemberAdminForm(forms.ModelForm):
    class Meta:
        model = PartyMember
        fields = [
            "person",
            "organisation",
            "status",
            "membership",
            "joined_on",
            "home_community",
            "employer",
            "employer_party_org",
            "dual_registered_on",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        person = cleaned.get("person")
        if (
            person is not None
            and not self.instance.pk
            and PartyMember.objects.filter(person=person).exists()
        ):
            self.add_error("person", _("This person is already a party member."))
        joined = cleaned.get("joined_on")
        if joined is not None and joined > timezone.localdate():
            self.add_error("joined_on", _("The date cannot be in the future."))
        return cleaned


PARTY_MEMBER_FIELDS = (
    "organisation",
    "status",
    "membership",
    "joined_on",
    "home_community",
    "employer",
    "employer_party_org",
    "dual_registered_on",
)


@admin.register(PartyMember)
class PartyMemberAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Party members of the admin's area (by organisation or dual registration)."""

    policy_resource = PartyMember
    change_action = "partymember.change"
    form = PartyMemberAdminForm
    list_display = [
        "person_name",
        "organisation",
        "status",
        "membership",
        "joined_on",
        "home_community",
    ]
    list_filter = ["status", "membership"]
    list_select_related = ["person", "organisation", "home_community"]
    search_fields = ["person__name"]
    ordering = ["person__name_pinyin", "id"]
    raw_id_fields = ["person"]

    @admin.display(description=pgettext_lazy("person", "name"), ordering="person__name_pinyin")
    def person_name(self, member: PartyMember) -> str:
        return member.person.name

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[PartyMember], search_term: str
    ) -> tuple[QuerySet[PartyMember], bool]:
        if not search_term.strip():
            return queryset, False
        matches = Person.objects.filter(selectors.person_search_q(search_term))
        return queryset.filter(person__in=matches), False

    def get_readonly_fields(self, request: HttpRequest, obj: PartyMember | None = None) -> Any:
        return ("person",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped_choices(db_field, request, kwargs)
        if db_field.name == "home_community":
            kwargs["queryset"] = kwargs["queryset"].filter(kind=OrgUnit.Kind.COMMUNITY)
        if db_field.name == "person":
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, queryset=kwargs["queryset"]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: PartyMember, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changed = {f: data[f] for f in form.changed_data if f in PARTY_MEMBER_FIELDS}
            saved = services.party_member_update(actor=request.user, member=obj, **changed)
        else:
            saved = services.party_member_create(
                actor=request.user,
                person=data["person"],
                **{field: data[field] for field in PARTY_MEMBER_FIELDS},
            )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False


class PostAdminForm(forms.ModelForm):
    class Meta:
        model = Post
        fields = ["unit", "kind", "holder", "started_on", "ended_on"]

    def clean(self) -> dict[str, Any]:
        # The service checks the same under its lock; here the message lands on the field.
        cleaned = super().clean() or {}
        if self.instance.pk:
            ended = cleaned.get("ended_on")
            if ended is not None and ended < self.instance.started_on:
                self.add_error("ended_on", _("A term cannot end before it starts."))
            return cleaned
        unit, kind, holder = cleaned.get("unit"), cleaned.get("kind"), cleaned.get("holder")
        if unit is None or not kind:
            return cleaned
        if kind not in POSTS_BY_UNIT_KIND[unit.kind]:
            self.add_error("kind", _("A unit of this kind has no such post."))
            return cleaned
        current = Post.objects.filter(unit=unit, kind=kind, ended_on__isnull=True)
        if kind in UNIQUE_POSTS and current.exists():
            self.add_error("kind", _("This post is held; end the current term first."))
        elif holder is not None and current.filter(holder=holder).exists():
            self.add_error("holder", _("This person already holds this post."))
        return cleaned


@admin.register(Post)
class PostAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Posts (职务) at units of the admin's area. A term is assigned, then ended (the post
    becomes vacant); ended terms are history and read-only."""

    policy_resource = Post
    change_action = "post.change"
    form = PostAdminForm
    list_display = ["unit", "kind", "holder_name", "started_on", "ended_on"]
    list_filter = ["kind", ("ended_on", admin.EmptyFieldListFilter)]
    list_select_related = ["unit", "holder"]
    search_fields = ["unit__name", "holder__name"]
    ordering = ["unit__tree_id", "unit__lft", "kind", "-started_on"]
    raw_id_fields = ["holder"]

    @admin.display(description=gettext_lazy("holder"), ordering="holder__name_pinyin")
    def holder_name(self, post: Post) -> str:
        return post.holder.name

    def get_fields(self, request: HttpRequest, obj: Post | None = None) -> Any:
        if obj is None:
            return ["unit", "kind", "holder", "started_on"]
        return ["unit", "kind", "holder_name", "started_on", "ended_on"]

    def get_readonly_fields(self, request: HttpRequest, obj: Post | None = None) -> Any:
        return ("unit", "kind", "holder_name", "started_on") if obj is not None else ()

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped_choices(db_field, request, kwargs)
        if db_field.name == "holder":
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, queryset=kwargs["queryset"]
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Post | None = None) -> bool:
        return self.has_module_permission(request) and (
            obj is None or (obj.ended_on is None and policy.can(request.user, "post.change", obj))
        )

    def save_model(self, request: HttpRequest, obj: Post, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            if data.get("ended_on") is None:
                return
            saved = services.post_end(actor=request.user, post=obj, ended_on=data["ended_on"])
        else:
            saved = services.post_assign(
                actor=request.user,
                unit=data["unit"],
                kind=data["kind"],
                holder=data["holder"],
                started_on=data["started_on"],
            )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False
