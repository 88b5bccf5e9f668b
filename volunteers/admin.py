"""Admin for the volunteer service: partner units and pairings (包联), volunteers and teams,
points rules and the reward catalogue; read-only views of wishes, work orders, activities,
sign-ups, the points ledger and redemptions.

Like every admin page (``orgchart.admin.base``): non-superusers see only their subtree (a row
outside it is missing, 404), choices are limited to that subtree, no bulk delete, and every
write calls a service. Statuses are never editable here (STYLE 19): wishes and work orders move
only through their workflow on the pages and the API.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import RelatedFieldWidgetWrapper
from django.db.models import Count, IntegerField, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from governance.admin_display import BooleanColumnsMixin
from governance.errors import ApplicationError
from grids.admin import ReadOnlyScopedAdmin, ServiceErrorsMixin
from orgchart import policy
from orgchart.admin.base import ScopedAdminMixin, ScopedRawIdWidget, scoped_choices
from orgchart.models import OrgUnit, User
from volunteers import services
from volunteers.models import (
    Activity,
    Pairing,
    PartnerUnit,
    PointEntry,
    PointRule,
    Redemption,
    Reward,
    Signup,
    Skill,
    Team,
    Volunteer,
    Wish,
    WorkOrder,
)

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


def _without_related_buttons(formfield: Any) -> Any:
    """No add/change/delete buttons beside a choice: those rows are kept on their own pages."""
    widget = getattr(formfield, "widget", None)
    if isinstance(widget, RelatedFieldWidgetWrapper):
        widget.can_add_related = widget.can_change_related = widget.can_delete_related = False
    return formfield


def _adopt(obj: Any, saved: Any) -> None:
    """The admin goes on with the object the service saved (its id for the log and redirect)."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False


class CreateThroughServiceAdmin(ServiceErrorsMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Rows created through a service on the add page and viewed (not edited) afterwards."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Without an object: the changelist and its actions. A saved row is only viewed here.
        return obj is None and self.has_module_permission(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if "queryset" not in kwargs:  # a subclass may have narrowed the choices already
            scoped_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return _without_related_buttons(super().formfield_for_dbfield(db_field, request, **kwargs))


# --- Partner units and pairings (包联) --------------------------------------------------------


@admin.register(PartnerUnit)
class PartnerUnitAdmin(CreateThroughServiceAdmin):
    """Partner units (共建单位) kept by the admin's area or paired with one of its
    communities. Created with ``partner_unit_create``."""

    policy_resource = PartnerUnit
    change_action = "partnerunit.change"
    list_display = ["name", "kind", "unit", "contact_name", "contact_account", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    ordering = ["name", "id"]
    fields = ["unit", "name", "kind", "contact", "contact_account"]
    raw_id_fields = ["contact"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[PartnerUnit]:
        return (
            super()
            .get_queryset(request)
            .select_related("unit", "contact", "contact_account")
            .order_by(*self.get_ordering(request))
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped_choices(db_field, request, kwargs)
        if db_field.name == "contact":
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, queryset=kwargs["queryset"]
            )
        elif db_field.name == "contact_account":
            kwargs["queryset"] = kwargs["queryset"].filter(role=User.Role.VOLUNTEER, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("contact"))
    def contact_name(self, partner: PartnerUnit) -> str:
        return partner.contact.name if partner.contact else "—"

    def save_model(self, request: HttpRequest, obj: PartnerUnit, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.partner_unit_create(
            actor=request.user,
            unit=data["unit"],
            name=data["name"],
            kind=data["kind"],
            contact=data.get("contact"),
            contact_account=data.get("contact_account"),
        )
        _adopt(obj, saved)


@admin.register(Pairing)
class PairingAdmin(CreateThroughServiceAdmin):
    """包联 of the admin's communities: created with ``pairing_create``, ended with the
    action (``pairing_end``)."""

    policy_resource = Pairing
    change_action = "pairing.change"
    actions = ["end_pairings"]
    list_display = ["partner", "community", "started_on", "ended_on"]
    list_filter = [("ended_on", admin.EmptyFieldListFilter)]
    search_fields = ["partner__name", "community__name"]
    ordering = ["community__tree_id", "community__lft", "partner__name", "-started_on", "id"]
    fields = ["partner", "community", "commitments", "started_on"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Pairing]:
        return (
            super()
            .get_queryset(request)
            .select_related("partner", "community")
            .order_by(*self.get_ordering(request))
        )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "partner":
            kwargs["queryset"] = policy.policy(request.user, PartnerUnit).filter(is_active=True)
        elif db_field.name == "community":
            kwargs["queryset"] = (
                policy.policy(request.user, OrgUnit)
                .filter(kind=OrgUnit.Kind.COMMUNITY)
                .order_by("tree_id", "lft")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Pairing, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.pairing_create(
            actor=request.user,
            partner=data["partner"],
            community=data["community"],
            commitments=data.get("commitments", ""),
            started_on=data.get("started_on"),
        )
        _adopt(obj, saved)

    @admin.action(
        description=gettext_lazy("End the selected pairings today"), permissions=["change"]
    )
    def end_pairings(self, request: HttpRequest, queryset: QuerySet[Pairing]) -> None:
        ended = 0
        for pairing in queryset.filter(ended_on__isnull=True):
            try:
                services.pairing_end(actor=request.user, pairing=pairing)
            except ApplicationError as error:
                self.message_user(request, f"{pairing}: {error.message}", level=messages.ERROR)
                continue
            self.log_change(request, pairing, _("Pairing ended."))
            ended += 1
        self.message_user(request, _("%(count)d pairings ended.") % {"count": ended})


# --- Volunteers and teams --------------------------------------------------------------------


class VolunteerAdminForm(forms.ModelForm):
    skill_choices = forms.MultipleChoiceField(
        label=gettext_lazy("skills"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Volunteer
        fields = ["person", "community", "availability", "account", "registered_on"]


@admin.register(Volunteer)
class VolunteerAdmin(CreateThroughServiceAdmin):
    """Volunteers of the admin's communities with their points. Registered with
    ``volunteer_register``; the person is picked by id among the people of the admin's area."""

    policy_resource = Volunteer
    change_action = "volunteer.change"
    form = VolunteerAdminForm
    list_display = [
        "person_name",
        "community",
        "skill_labels",
        "availability",
        "account",
        "balance",
        "registered_on",
        "is_active",
    ]
    list_filter = ["availability", "is_active"]
    search_fields = ["person__name"]
    ordering = ["community__tree_id", "community__lft", "person__name_pinyin", "id"]
    raw_id_fields = ["person"]
    list_per_page = 100

    def get_queryset(self, request: HttpRequest) -> QuerySet[Volunteer]:
        return (
            super()
            .get_queryset(request)
            .select_related("person", "community", "account")
            .annotate(
                points_balance=Coalesce(
                    Sum("points__points"), Value(0), output_field=IntegerField()
                )
            )
            .order_by(*self.get_ordering(request))
        )

    def get_fields(self, request: HttpRequest, obj: Volunteer | None = None) -> Any:
        if obj is None:
            return [
                "person",
                "community",
                "skill_choices",
                "availability",
                "account",
                "registered_on",
            ]
        return [
            "person_name",
            "community",
            "skill_labels",
            "availability",
            "account",
            "registered_on",
            "is_active",
            "balance",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Volunteer | None = None) -> Any:
        return () if obj is None else self.get_fields(request, obj)

    def get_form(
        self,
        request: HttpRequest,
        obj: Volunteer | None = None,
        change: bool = False,
        **kwargs: Any,
    ) -> Any:
        if obj is not None:  # viewed only: no registration fields
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scoped_choices(db_field, request, kwargs)
        if db_field.name == "person":
            kwargs["widget"] = ScopedRawIdWidget(
                db_field.remote_field, self.admin_site, queryset=kwargs["queryset"]
            )
        elif db_field.name == "community":
            kwargs["queryset"] = kwargs["queryset"].filter(kind=OrgUnit.Kind.COMMUNITY)
        elif db_field.name == "account":
            kwargs["queryset"] = kwargs["queryset"].filter(role=User.Role.VOLUNTEER, is_active=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=pgettext_lazy("person", "name"), ordering="person__name_pinyin")
    def person_name(self, volunteer: Volunteer) -> str:
        return volunteer.person.name

    @admin.display(description=gettext_lazy("skills"))
    def skill_labels(self, volunteer: Volunteer) -> str:
        labels = dict(Skill.choices)
        return ", ".join(str(labels.get(skill, skill)) for skill in volunteer.skill_list) or "—"

    @admin.display(description=gettext_lazy("points"), ordering="points_balance")
    def balance(self, volunteer: Volunteer) -> int:
        value = getattr(volunteer, "points_balance", None)
        return services.points_balance(volunteer) if value is None else int(value)

    def save_model(self, request: HttpRequest, obj: Volunteer, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.volunteer_register(
            actor=request.user,
            person=data["person"],
            community=data["community"],
            skills=data.get("skill_choices") or [],
            availability=data["availability"],
            account=data.get("account"),
            registered_on=data.get("registered_on"),
        )
        _adopt(obj, saved)


class TeamFigures(TypedDict):
    """What ``TeamAdmin.get_queryset`` annotates on each team."""

    member_count: int


@admin.register(Team)
class TeamAdmin(CreateThroughServiceAdmin):
    """Teams (先锋队, 帮帮团…) of the admin's area. Created with ``team_create``; members
    change on the volunteer pages (``team_update_members``)."""

    policy_resource = Team
    change_action = "team.change"
    list_display = ["name", "kind", "unit", "lead_name", "member_total", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    ordering = ["unit__tree_id", "unit__lft", "name", "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .select_related("unit", "lead", "lead__person")
            .annotate(member_count=Count("members", distinct=True))
            .order_by(*self.get_ordering(request))
        )

    def get_fields(self, request: HttpRequest, obj: Team | None = None) -> Any:
        if obj is None:
            return ["unit", "name", "kind", "lead"]
        return ["unit", "name", "kind", "lead_name", "member_names", "is_active"]

    def get_readonly_fields(self, request: HttpRequest, obj: Team | None = None) -> Any:
        return () if obj is None else self.get_fields(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "lead":
            kwargs["queryset"] = (
                policy.policy(request.user, Volunteer)
                .filter(is_active=True)
                .select_related("person")
                .order_by("community_id", "person__name_pinyin")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("team lead"))
    def lead_name(self, team: Team) -> str:
        return team.lead.person.name if team.lead else "—"

    @admin.display(description=gettext_lazy("members"), ordering="member_count")
    def member_total(self, team: WithAnnotations[Team, TeamFigures]) -> int:
        return team.member_count

    @admin.display(description=gettext_lazy("members"))
    def member_names(self, team: Team) -> str:
        members = team.members.select_related("person").order_by("person__name_pinyin")
        return ", ".join(member.person.name for member in members) or "—"

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.team_create(
            actor=request.user,
            unit=data["unit"],
            name=data["name"],
            kind=data["kind"],
            lead=data.get("lead"),
        )
        _adopt(obj, saved)


# --- Points rules and rewards ----------------------------------------------------------------


@admin.register(PointRule)
class PointRuleAdmin(BooleanColumnsMixin, admin.ModelAdmin):
    """The points rules are the whole city's: admins see them, a superuser changes the points
    or switches a rule off (audited). The rules themselves come with the code
    (``point_rules_ensure_defaults``): none added or deleted here."""

    list_display = ["code", "points", "is_active"]
    fields = ["code", "points", "is_active"]
    readonly_fields = ["code"]
    ordering = ["code"]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.uses_admin_site(request.user)  # the same gate as ScopedAdminMixin

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request) and request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: PointRule, form: Any, change: bool) -> None:
        stored = PointRule.objects.get(pk=obj.pk)
        services.point_rule_update(
            actor=request.user,
            rule=stored,
            points=obj.points if "points" in form.changed_data else None,
            active=obj.is_active if "is_active" in form.changed_data else None,
        )


class RestockForm(forms.Form):
    add = forms.IntegerField(label=gettext_lazy("add to stock"), min_value=1, max_value=10000)


@admin.register(Reward)
class RewardAdmin(CreateThroughServiceAdmin):
    """The reward catalogue (积分兑换) of the admin's area: items added with ``reward_create``,
    restocked with the action (``reward_restock``, 10 each time)."""

    policy_resource = Reward
    change_action = "reward.change"
    actions = ["restock_ten"]
    list_display = ["name", "unit", "points", "stock", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    ordering = ["unit__tree_id", "unit__lft", "points", "name", "id"]
    fields = ["unit", "name", "description", "points", "stock"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Reward]:
        return (
            super()
            .get_queryset(request)
            .select_related("unit")
            .order_by(*self.get_ordering(request))
        )

    def save_model(self, request: HttpRequest, obj: Reward, form: Any, change: bool) -> None:
        data = form.cleaned_data
        saved = services.reward_create(
            actor=request.user,
            unit=data["unit"],
            name=data["name"],
            points=data["points"],
            stock=data["stock"],
            description=data.get("description", ""),
        )
        _adopt(obj, saved)

    @admin.action(description=gettext_lazy("Add 10 to the stock"), permissions=["change"])
    def restock_ten(self, request: HttpRequest, queryset: QuerySet[Reward]) -> None:
        restocked = 0
        for reward in queryset:
            try:
                services.reward_restock(actor=request.user, reward=reward, add=10)
            except ApplicationError as error:
                self.message_user(request, f"{reward}: {error.message}", level=messages.ERROR)
                continue
            self.log_change(request, reward, _("Restocked."))
            restocked += 1
        self.message_user(request, _("%(count)d rewards restocked.") % {"count": restocked})


# --- Read-only: wishes, work orders, activities, sign-ups, ledger, redemptions ---------------


@admin.register(Wish)
class WishAdmin(ReadOnlyScopedAdmin):
    policy_resource = Wish
    change_action = "wish.view"
    list_display = ["title", "community", "status", "claimer", "posted_at", "confirmed_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    ordering = ["-posted_at", "-id"]
    fields = (
        "community",
        "title",
        "description",
        "status",
        "posted_by",
        "posted_at",
        "claimer",
        "claimed_at",
        "fulfilled_at",
        "fulfil_note",
        "confirmed_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Wish]:
        return (
            super()
            .get_queryset(request)
            .select_related("community", "claimed_by__person", "posted_by")
            .order_by(*self.get_ordering(request))
        )

    @admin.display(description=gettext_lazy("claimed by"))
    def claimer(self, wish: Wish) -> str:
        return wish.claimed_by.person.name if wish.claimed_by else "—"


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyScopedAdmin):
    policy_resource = WorkOrder
    change_action = "workorder.view"
    list_display = ["number", "title", "community", "status", "provider", "funds", "due_at"]
    list_filter = ["status", "source"]
    search_fields = ["number", "title"]
    ordering = ["-ordered_at", "-id"]
    fields = (
        "number",
        "community",
        "title",
        "content",
        "source",
        "status",
        "team",
        "partner",
        "funds",
        "funds_source",
        "due_at",
        "ordered_at",
        "dispatched_at",
        "accepted_at",
        "completed_at",
        "completion_note",
        "verified_at",
    )
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkOrder]:
        return (
            super()
            .get_queryset(request)
            .select_related("community", "team", "partner")
            .order_by(*self.get_ordering(request))
        )

    @admin.display(description=gettext_lazy("provider"))
    def provider(self, order: WorkOrder) -> str:
        return str(order.team or order.partner or "—")


@admin.register(Activity)
class ActivityAdmin(ReadOnlyScopedAdmin):
    policy_resource = Activity
    change_action = "activity.view"
    list_display = ["title", "kind", "unit", "starts_at", "capacity", "is_cancelled"]
    list_filter = ["kind", "is_cancelled"]
    search_fields = ["title", "theme"]
    ordering = ["-starts_at", "-id"]
    fields = (
        "unit",
        "title",
        "kind",
        "theme",
        "place",
        "starts_at",
        "ends_at",
        "capacity",
        "is_cancelled",
    )
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Activity]:
        return (
            super()
            .get_queryset(request)
            .select_related("unit")
            .order_by(*self.get_ordering(request))
        )


@admin.register(Signup)
class SignupAdmin(ReadOnlyScopedAdmin):
    policy_resource = Signup
    change_action = "signup.change"
    list_display = ["activity", "volunteer_name", "signed_up_at", "checked_in_at", "hours"]
    list_filter = [("checked_in_at", admin.EmptyFieldListFilter)]
    search_fields = ["activity__title"]
    ordering = ["-activity__starts_at", "signed_up_at", "id"]
    fields = (
        "activity",
        "volunteer_name",
        "signed_up_at",
        "cancelled_at",
        "checked_in_at",
        "hours",
    )
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Signup]:
        return (
            super()
            .get_queryset(request)
            .select_related("activity", "volunteer__person")
            .order_by(*self.get_ordering(request))
        )

    @admin.display(description=gettext_lazy("volunteer"))
    def volunteer_name(self, signup: Signup) -> str:
        return signup.volunteer.person.name


@admin.register(PointEntry)
class PointEntryAdmin(ReadOnlyScopedAdmin):
    policy_resource = PointEntry
    change_action = "volunteer.view"
    list_display = ["at", "volunteer_name", "rule", "points", "note"]
    list_filter = ["rule"]
    search_fields = ["note"]
    ordering = ["-at", "-id"]
    fields = ("volunteer_name", "rule", "source_type", "source_id", "points", "note", "at")
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[PointEntry]:
        return (
            super()
            .get_queryset(request)
            .select_related("volunteer__person", "rule")
            .order_by(*self.get_ordering(request))
        )

    @admin.display(description=gettext_lazy("volunteer"))
    def volunteer_name(self, entry: PointEntry) -> str:
        return entry.volunteer.person.name


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyScopedAdmin):
    policy_resource = Redemption
    change_action = "redemption.hand_over"
    list_display = ["at", "volunteer_name", "reward", "quantity", "points", "handed_over_at"]
    list_filter = [("handed_over_at", admin.EmptyFieldListFilter)]
    search_fields = ["reward__name"]
    ordering = ["-at", "-id"]
    fields = ("volunteer_name", "reward", "quantity", "points", "at", "handed_over_at")
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Redemption]:
        return (
            super()
            .get_queryset(request)
            .select_related("volunteer__person", "reward")
            .order_by(*self.get_ordering(request))
        )

    @admin.display(description=gettext_lazy("volunteer"))
    def volunteer_name(self, redemption: Redemption) -> str:
        return redemption.volunteer.person.name
