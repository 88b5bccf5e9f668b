"""API shapes of the volunteers app (DESIGN §7).

Input serializers check shape only (types, choices, ranges, and that every id names a row the
caller may see: an id outside their scope is "does not exist", a 400 on the field); the
services check the domain rules and raise the same field messages everywhere. Every
transition body takes an optional ``version``: the record's version the client last saw; a
newer one on the server is a 409.

Personal data: names follow ``orgchart.policy.sees_full_names`` (full for the roles that keep
the people ledger, ``张*`` for everyone else; a volunteer sees their own name in full). No ID
number or phone is ever sent by these endpoints.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance import api as governance_api
from governance.pii import mask_name
from orgchart import policy
from orgchart.models import Person, User
from orgchart.policy import AnyUser, sees_full_names
from orgchart.serializers import ScopedPersonField, ScopedUnitField
from petitions.models import Petition
from volunteers import selectors
from volunteers.models import (
    OPEN_WORK_ORDER_STATUSES,
    WISH_TRANSITIONS,
    WORK_ORDER_TRANSITIONS,
    Activity,
    DualRegistration,
    PartnerUnit,
    PointEntry,
    Redemption,
    Reward,
    ServicePostKind,
    Signup,
    Skill,
    Team,
    Volunteer,
    Wish,
    WishEvent,
    WishStatus,
    WorkOrder,
    WorkOrderAction,
    WorkOrderEvent,
    WorkOrderStatus,
)

# --- Shared ------------------------------------------------------------------------------------


def _user(context: dict[str, Any]) -> AnyUser:
    return context["request"].user


def _now(context: dict[str, Any]) -> dt.datetime:
    """One clock per response, so every light of a page is computed at the same moment."""
    now = context.get("now")
    return now if isinstance(now, dt.datetime) else timezone.now()


def person_name(user: AnyUser, person: Person | None, *, own: bool = False) -> str:
    """A person's name as ``user`` may see it: in full for the roles that keep the people
    ledger (and for one's own record), else ``张*``."""
    if person is None:
        return ""
    return person.name if own or sees_full_names(user) else person.masked_name


def volunteer_name(user: AnyUser, volunteer: Volunteer | None) -> str:
    if volunteer is None:
        return ""
    own = volunteer.account_id is not None and volunteer.account_id == getattr(user, "pk", None)
    return person_name(user, volunteer.person, own=own)


def actor_name(user: AnyUser, actor: User | None) -> str:
    """Who acted on a timeline: staff accounts by name, volunteer accounts (whose names are
    residents' names) masked for the roles that see masked names."""
    if actor is None:
        return str(_("system"))
    name = actor.first_name or actor.username
    if (
        actor.role == User.Role.VOLUNTEER
        and actor.pk != getattr(user, "pk", None)
        and not sees_full_names(user)
    ):
        return mask_name(name)
    return name


def is_volunteer_account(user: AnyUser) -> bool:
    return getattr(user, "role", None) == User.Role.VOLUNTEER


def version_field() -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        help_text=_(
            "The version you last saw; when the record has changed since, the action is "
            "refused (409) instead of overwriting the newer state."
        ),
    )


def _scoped(model: Any, help_text: Any = "") -> type[serializers.PrimaryKeyRelatedField]:  # type: ignore[type-arg]
    """A primary key field whose rows are those the requesting user may see."""

    @extend_schema_field(OpenApiTypes.INT)
    class Field(serializers.PrimaryKeyRelatedField):  # type: ignore[type-arg]
        def get_queryset(self) -> Any:
            return policy.policy(self.context["request"].user, model)

    Field.__name__ = f"Scoped{model.__name__}Field"
    return Field


ScopedVolunteerField = _scoped(Volunteer)
ScopedTeamField = _scoped(Team)
ScopedPartnerUnitField = _scoped(PartnerUnit)
ScopedPetitionField = _scoped(Petition)
ScopedRewardField = _scoped(Reward)
ScopedSignupField = _scoped(Signup)


# Dates a client may send here: a calendar of this era.
EARLIEST_DAY = dt.date(2000, 1, 1)
LATEST_DAY = dt.date(2099, 12, 31)


class DayField(governance_api.DayField):
    """A date between 2000 and 2099."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(earliest=EARLIEST_DAY, latest=LATEST_DAY, **kwargs)


class MomentField(governance_api.MomentField):
    """A date and time between 2000 and 2099 (local time when no offset is given)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(earliest=EARLIEST_DAY, latest=LATEST_DAY, **kwargs)


class DateRangeMixin(serializers.Serializer[Any]):
    """``?from=`` and ``?to=`` (local dates, both included; ``from`` is a Python keyword, so
    the field is added by name)."""

    to = DayField(required=False, help_text=_("Up to this day (included)."))

    def get_fields(self) -> dict[str, serializers.Field]:  # type: ignore[type-arg]
        fields = super().get_fields()
        fields["from"] = DayField(required=False, help_text=_("From this day (included)."))
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("from"), attrs.get("to")
        if start is not None and end is not None and end < start:
            raise serializers.ValidationError({"to": [_("The end comes before the start.")]})
        return attrs


# --- Action bodies -----------------------------------------------------------------------------
# The bodies of the workflow steps: an optional ``version`` with a note or a reason. (Named
# apart from the petitions' serializers of the same shape: the schema has one namespace.)


class StepSerializer(serializers.Serializer[Any]):
    version = version_field()


class StepOptionalNoteSerializer(StepSerializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class StepNoteSerializer(StepSerializer):
    note = serializers.CharField(max_length=4000)


class StepOptionalReasonSerializer(StepSerializer):
    reason = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class StepReasonSerializer(StepSerializer):
    reason = serializers.CharField(max_length=4000)


class SuperviseSerializer(serializers.Serializer[Any]):
    """督单 leaves a note and changes no status: it takes no version."""

    note = serializers.CharField(max_length=4000)


# --- 双报到, partner units, volunteers, teams -------------------------------------------------


class VolunteerFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only volunteers of this subtree."))
    q = serializers.CharField(
        required=False, max_length=50, help_text=_("Name, pinyin initials or ID fragments.")
    )
    skill = serializers.ChoiceField(choices=Skill.choices, required=False)
    party_member = serializers.BooleanField(required=False, allow_null=True, default=None)
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class VolunteerSerializer(serializers.ModelSerializer[Volunteer]):
    name = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    is_party_member = serializers.BooleanField(read_only=True)
    skills = serializers.ListField(
        source="skill_list", child=serializers.CharField(), read_only=True
    )
    skill_labels = serializers.SerializerMethodField()
    availability_label = serializers.CharField(source="get_availability_display", read_only=True)
    has_account = serializers.SerializerMethodField()

    class Meta:
        model = Volunteer
        fields = [
            "id",
            "name",
            "community",
            "community_name",
            "is_party_member",
            "skills",
            "skill_labels",
            "availability",
            "availability_label",
            "registered_on",
            "is_active",
            "has_account",
        ]
        read_only_fields = fields

    def get_name(self, volunteer: Volunteer) -> str:
        return volunteer_name(_user(self.context), volunteer)

    def get_skill_labels(self, volunteer: Volunteer) -> list[str]:
        labels = dict(Skill.choices)
        return [str(labels.get(skill, skill)) for skill in volunteer.skill_list]

    def get_has_account(self, volunteer: Volunteer) -> bool:
        return volunteer.account_id is not None


class TeamFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only teams of this subtree."))
    kind = serializers.ChoiceField(choices=Team.Kind.choices, required=False)


class TeamSerializer(serializers.ModelSerializer[Team]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    lead_name = serializers.SerializerMethodField()
    lead_is_party_member = serializers.BooleanField(read_only=True)
    member_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "unit",
            "unit_name",
            "lead",
            "lead_name",
            "lead_is_party_member",
            "member_count",
            "is_active",
        ]
        read_only_fields = fields

    def get_lead_name(self, team: Team) -> str:
        return volunteer_name(_user(self.context), team.lead)


class TeamDetailSerializer(TeamSerializer):
    """A team with the members the caller sees (staff: their area's volunteers)."""

    members = serializers.SerializerMethodField()

    class Meta(TeamSerializer.Meta):
        fields = [*TeamSerializer.Meta.fields, "members"]
        read_only_fields = fields

    @extend_schema_field(VolunteerSerializer(many=True))
    def get_members(self, team: Team) -> Any:
        members = selectors.team_members(user=_user(self.context), team=team)
        return VolunteerSerializer(members, many=True, context=self.context).data


class PartnerUnitFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(
        required=False,
        help_text=_("Kept by a unit of this subtree, or paired with one of its communities."),
    )
    kind = serializers.ChoiceField(choices=PartnerUnit.Kind.choices, required=False)


class PairingSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    community = serializers.IntegerField(source="community_id")
    community_name = serializers.CharField(source="community.name")
    commitments = serializers.CharField()
    started_on = serializers.DateField()


class PartnerUnitSerializer(serializers.ModelSerializer[PartnerUnit]):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    contact_name = serializers.SerializerMethodField()
    contact_is_party_member = serializers.BooleanField(read_only=True)
    pairings = serializers.SerializerMethodField(
        help_text=_("Current pairings (包联) with communities of your area.")
    )

    class Meta:
        model = PartnerUnit
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "unit",
            "unit_name",
            "contact_name",
            "contact_is_party_member",
            "pairings",
            "is_active",
        ]
        read_only_fields = fields

    def get_contact_name(self, partner: PartnerUnit) -> str:
        user = _user(self.context)
        own = partner.contact_account_id is not None and partner.contact_account_id == user.pk
        return person_name(user, partner.contact, own=own)

    @extend_schema_field(PairingSerializer(many=True))
    def get_pairings(self, partner: PartnerUnit) -> Any:
        return PairingSerializer(getattr(partner, "current_pairings", []), many=True).data


class DualRegistrationFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(
        required=False, help_text=_("Registered at a community of this subtree.")
    )
    partner = ScopedPartnerUnitField(required=False, help_text=_("Through this partner unit."))
    current = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=True,
        help_text=_("true (default): current registrations; false: ended ones."),
    )
    post = serializers.ChoiceField(choices=ServicePostKind.choices, required=False)


class DualRegistrationSerializer(serializers.ModelSerializer[DualRegistration]):
    name = serializers.SerializerMethodField()
    organisation_name = serializers.CharField(
        source="party_member.organisation.name", read_only=True
    )
    community_name = serializers.CharField(source="community.name", read_only=True)
    partner_name = serializers.CharField(source="partner.name", read_only=True, default="")
    post_label = serializers.CharField(source="get_post_display", read_only=True)
    post_unit_name = serializers.CharField(source="post_unit.name", read_only=True, default="")

    class Meta:
        model = DualRegistration
        fields = [
            "id",
            "party_member",
            "name",
            "organisation_name",
            "community",
            "community_name",
            "partner",
            "partner_name",
            "post",
            "post_label",
            "post_unit",
            "post_unit_name",
            "registered_on",
            "ended_on",
        ]
        read_only_fields = fields

    def get_name(self, registration: DualRegistration) -> str:
        return person_name(_user(self.context), registration.party_member.person)


# --- Micro-wishes ------------------------------------------------------------------------------


class WishFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only wishes of this subtree."))
    status = serializers.ChoiceField(choices=WishStatus.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text=_("Part of the wish."))


class WishCreateSerializer(serializers.Serializer[Any]):
    """A resident's micro-wish, posted on a community's board."""

    community = ScopedUnitField(help_text=_("The community whose board shows the wish."))
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    beneficiary = ScopedPersonField(
        required=False, allow_null=True, help_text=_("The resident the wish is for.")
    )


class FulfilSerializer(StepNoteSerializer):
    """How the wish was fulfilled, with an optional photo (multipart, JPEG or PNG)."""

    photo = serializers.ImageField(required=False, allow_null=True)


class WishSerializer(serializers.ModelSerializer[Wish]):
    community_name = serializers.CharField(source="community.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    beneficiary_name = serializers.SerializerMethodField()
    claimed_by_name = serializers.SerializerMethodField()
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = Wish
        fields = [
            "id",
            "community",
            "community_name",
            "title",
            "description",
            "beneficiary_name",
            "status",
            "status_label",
            "posted_at",
            "claimed_by",
            "claimed_by_name",
            "claimed_at",
            "fulfilled_at",
            "confirmed_at",
            "has_photo",
            "version",
        ]
        read_only_fields = fields

    def get_beneficiary_name(self, wish: Wish) -> str:
        return person_name(_user(self.context), wish.beneficiary)

    def get_claimed_by_name(self, wish: Wish) -> str:
        return volunteer_name(_user(self.context), wish.claimed_by)

    def get_has_photo(self, wish: Wish) -> bool:
        return bool(wish.photo)


class WishEventSerializer(serializers.ModelSerializer[WishEvent]):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = WishEvent
        fields = ["id", "at", "action", "action_label", "actor_name", "from_status", "to_status"]
        read_only_fields = fields

    def get_actor_name(self, event: WishEvent) -> str:
        return actor_name(_user(self.context), event.actor)


WISH_ACTIONS = [str(action) for action in WISH_TRANSITIONS]


def wish_actions(user: AnyUser, wish: Wish) -> list[str]:
    """The wish actions ``user`` may take now (``WISH_TRANSITIONS`` then the policy)."""
    candidates = [action for action in WISH_ACTIONS if wish.status in WISH_TRANSITIONS[action][0]]
    allowed = policy.actions_for(user, wish, [f"wish.{action}" for action in candidates])
    return [action for action in candidates if f"wish.{action}" in allowed]


class WishDetailSerializer(WishSerializer):
    """A wish with how it was fulfilled, its photo, its history and ``actions``: what the
    caller may do now (POST ``wishes/{id}/<action>/``)."""

    photo_url = serializers.SerializerMethodField()
    events = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(WishSerializer.Meta):
        fields = [*WishSerializer.Meta.fields, "fulfil_note", "photo_url", "events", "actions"]
        read_only_fields = fields

    def get_photo_url(self, wish: Wish) -> str | None:
        return reverse("wish-photo", args=[wish.pk]) if wish.photo else None

    @extend_schema_field(WishEventSerializer(many=True))
    def get_events(self, wish: Wish) -> Any:
        return WishEventSerializer(
            selectors.wish_events(wish=wish), many=True, context=self.context
        ).data

    def get_actions(self, wish: Wish) -> list[str]:
        return wish_actions(_user(self.context), wish)


# --- Work orders -------------------------------------------------------------------------------


class WorkOrderFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only work orders of this subtree."))
    status = serializers.ChoiceField(
        choices=WorkOrderStatus.choices, required=False, help_text=_("The 五单 stage.")
    )
    team = ScopedTeamField(required=False, help_text=_("Only work orders given to this team."))
    overdue = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("1: open orders past their deadline; 0: the others."),
    )
    q = serializers.CharField(
        required=False, max_length=100, help_text=_("The whole number, or part of the project.")
    )


class WorkOrderCreateSerializer(serializers.Serializer[Any]):
    """点单: a resident's or the community's need, or a petition turned into a work order."""

    community = ScopedUnitField()
    title = serializers.CharField(max_length=120)
    content = serializers.CharField(max_length=4000)
    # Declared fields leave the class (the metaclass collects them): no clash with Field.source.
    source = serializers.ChoiceField(  # type: ignore[assignment]
        choices=WorkOrder.Source.choices,
        required=False,
        help_text=_("Defaults to a resident's need, or to the petition when one is given."),
    )
    petition = ScopedPetitionField(
        required=False, allow_null=True, help_text=_("The petition to turn into a work order.")
    )
    requested_by = ScopedPersonField(
        required=False, allow_null=True, help_text=_("The resident who asked for it.")
    )
    funds = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("99999999"),
        required=False,
        default=Decimal("0"),
        help_text=_("Funds in yuan (四公开)."),
    )
    funds_source = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    due_at = MomentField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "source" not in attrs:
            attrs["source"] = (
                WorkOrder.Source.PETITION if attrs.get("petition") else WorkOrder.Source.RESIDENT
            )
        return attrs


class WorkOrderDispatchSerializer(StepSerializer):
    """下单 to one team or one partner unit, with an optional deadline."""

    team = ScopedTeamField(required=False, allow_null=True)
    partner = ScopedPartnerUnitField(required=False, allow_null=True)
    due_at = MomentField(required=False, allow_null=True)


class PublicitySerializer(serializers.Serializer[Any]):
    """四公开: the project's content, its provider, the provider's party identity, its funds
    and their source."""

    content = serializers.CharField()
    provider = serializers.CharField(help_text=_("The team or partner unit doing the work."))
    provider_kind = serializers.CharField(allow_blank=True)
    provider_contact = serializers.CharField(
        allow_blank=True, help_text=_("The team's lead or the partner unit's contact.")
    )
    provider_is_party_member = serializers.BooleanField(
        allow_null=True, help_text=_("Whether the lead or contact is a party member.")
    )
    provider_party_identity = serializers.CharField(allow_blank=True)
    funds = serializers.DecimalField(max_digits=10, decimal_places=2)
    funds_source = serializers.CharField(allow_blank=True)


def provider_name(order: WorkOrder) -> str:
    if order.team is not None:
        return order.team.name
    if order.partner is not None:
        return order.partner.name
    return ""


def provider_contact(user: AnyUser, order: WorkOrder) -> str:
    if order.team is not None:
        return volunteer_name(user, order.team.lead)
    if order.partner is not None:
        own = order.partner.contact_account_id == getattr(user, "pk", None)
        return person_name(user, order.partner.contact, own=own)
    return ""


def party_identity(is_member: bool | None) -> str:
    if is_member is None:
        return ""
    return str(_("party member")) if is_member else str(_("not a party member"))


class WorkOrderSerializer(serializers.ModelSerializer[WorkOrder]):
    """A row of the work-order board: the project, its stage, its provider and its clock."""

    community_name = serializers.CharField(source="community.name", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    team_name = serializers.CharField(source="team.name", read_only=True, default="")
    partner_name = serializers.CharField(source="partner.name", read_only=True, default="")
    provider = serializers.SerializerMethodField()
    provider_is_party_member = serializers.SerializerMethodField()
    petition_number = serializers.SerializerMethodField()
    is_overdue = serializers.BooleanField(read_only=True)
    light = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "number",
            "community",
            "community_name",
            "title",
            "source",
            "source_label",
            "petition",
            "petition_number",
            "status",
            "status_label",
            "team",
            "team_name",
            "partner",
            "partner_name",
            "provider",
            "provider_is_party_member",
            "funds",
            "funds_source",
            "due_at",
            "is_overdue",
            "light",
            "ordered_at",
            "dispatched_at",
            "accepted_at",
            "completed_at",
            "verified_at",
            "version",
        ]
        read_only_fields = fields

    def get_provider(self, order: WorkOrder) -> str:
        return provider_name(order)

    def get_provider_is_party_member(self, order: WorkOrder) -> bool | None:
        return selectors.work_order_provider_is_party_member(order)

    def get_petition_number(self, order: WorkOrder) -> str | None:
        # The petition itself is for the staff who see it; a volunteer sees only the order.
        if order.petition is None or is_volunteer_account(_user(self.context)):
            return None
        return order.petition.number

    def get_light(self, order: WorkOrder) -> str | None:
        return selectors.work_order_light(order, now=_now(self.context))

    def to_representation(self, instance: WorkOrder) -> dict[str, Any]:
        data = super().to_representation(instance)
        if is_volunteer_account(_user(self.context)):
            data["petition"] = None
        return data


class WorkOrderEventSerializer(serializers.ModelSerializer[WorkOrderEvent]):
    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = WorkOrderEvent
        fields = [
            "id",
            "at",
            "action",
            "action_label",
            "actor_name",
            "from_status",
            "to_status",
            "note",
        ]
        read_only_fields = fields

    def get_actor_name(self, event: WorkOrderEvent) -> str:
        return actor_name(_user(self.context), event.actor)


WORK_ORDER_ACTIONS = [*(str(action) for action in WORK_ORDER_TRANSITIONS), "supervise"]


def work_order_actions(user: AnyUser, order: WorkOrder) -> list[str]:
    """The work-order actions ``user`` may take now (``WORK_ORDER_TRANSITIONS``; 督单 while
    the order is open), then the policy."""
    candidates = [
        action
        for action in WORK_ORDER_ACTIONS
        if (
            order.status in OPEN_WORK_ORDER_STATUSES
            if action == WorkOrderAction.SUPERVISE
            else order.status in WORK_ORDER_TRANSITIONS[action][0]
        )
    ]
    allowed = policy.actions_for(user, order, [f"workorder.{action}" for action in candidates])
    return [action for action in candidates if f"workorder.{action}" in allowed]


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """The whole work order: the board row, its content, who asked for it, the 四公开
    ``publicity`` block, the completion note and ``actions`` (POST
    ``work-orders/{id}/<action>/``)."""

    requested_by_name = serializers.SerializerMethodField()
    publicity = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(WorkOrderSerializer.Meta):
        fields = [
            *WorkOrderSerializer.Meta.fields,
            "content",
            "requested_by_name",
            "completion_note",
            "publicity",
            "actions",
        ]
        read_only_fields = fields

    def get_requested_by_name(self, order: WorkOrder) -> str:
        return person_name(_user(self.context), order.requested_by)

    @extend_schema_field(PublicitySerializer)
    def get_publicity(self, order: WorkOrder) -> Any:
        user = _user(self.context)
        is_member = selectors.work_order_provider_is_party_member(order)
        if order.team is not None:
            kind = order.team.get_kind_display()
        elif order.partner is not None:
            kind = order.partner.get_kind_display()
        else:
            kind = ""
        return PublicitySerializer(
            {
                "content": order.content,
                "provider": provider_name(order),
                "provider_kind": str(kind),
                "provider_contact": provider_contact(user, order),
                "provider_is_party_member": is_member,
                "provider_party_identity": party_identity(is_member),
                "funds": order.funds,
                "funds_source": order.funds_source,
            }
        ).data

    def get_actions(self, order: WorkOrder) -> list[str]:
        return work_order_actions(_user(self.context), order)


# --- Activities --------------------------------------------------------------------------------


class ActivityFilterSerializer(DateRangeMixin):
    unit = ScopedUnitField(
        required=False, help_text=_("Only activities organised in this subtree.")
    )


class ActivityCreateSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(help_text=_("The organising unit (a community, or a street)."))
    title = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    theme = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    place = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    starts_at = MomentField()
    ends_at = MomentField()
    capacity = serializers.IntegerField(min_value=1, max_value=10_000)


class ActivitySerializer(serializers.ModelSerializer[Activity]):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    taken = serializers.IntegerField(read_only=True, help_text=_("Places taken."))
    places_left = serializers.SerializerMethodField()
    checked_in = serializers.IntegerField(read_only=True)
    total_hours = serializers.DecimalField(max_digits=9, decimal_places=1, read_only=True)
    my_signup = serializers.IntegerField(
        read_only=True, allow_null=True, help_text=_("Your current sign-up, if any.")
    )
    is_open = serializers.SerializerMethodField(help_text=_("Whether sign-up is open now."))

    class Meta:
        model = Activity
        fields = [
            "id",
            "unit",
            "unit_name",
            "title",
            "kind",
            "kind_label",
            "theme",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "taken",
            "places_left",
            "checked_in",
            "total_hours",
            "is_cancelled",
            "is_open",
            "my_signup",
        ]
        read_only_fields = fields

    def get_places_left(self, activity: Activity) -> int:
        return max(activity.capacity - getattr(activity, "taken", 0), 0)

    def get_is_open(self, activity: Activity) -> bool:
        return (
            not activity.is_cancelled
            and activity.starts_at > _now(self.context)
            and self.get_places_left(activity) > 0
        )


class SignupSerializer(serializers.ModelSerializer[Signup]):
    activity_title = serializers.CharField(source="activity.title", read_only=True)
    volunteer_name = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="volunteer.community.name", read_only=True)

    class Meta:
        model = Signup
        fields = [
            "id",
            "activity",
            "activity_title",
            "volunteer",
            "volunteer_name",
            "community_name",
            "signed_up_at",
            "cancelled_at",
            "checked_in_at",
            "hours",
        ]
        read_only_fields = fields

    def get_volunteer_name(self, signup: Signup) -> str:
        return volunteer_name(_user(self.context), signup.volunteer)


class SignupFilterSerializer(serializers.Serializer[Any]):
    current = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("true: not cancelled; false: cancelled; absent: all."),
    )


class CancelSignUpSerializer(serializers.Serializer[Any]):
    signup = ScopedSignupField(
        required=False,
        allow_null=True,
        help_text=_("An organiser names the sign-up; a volunteer cancels their own."),
    )


class CheckInSerializer(serializers.Serializer[Any]):
    signup = ScopedSignupField(help_text=_("The sign-up to check in (of this activity)."))
    hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        required=False,
        allow_null=True,
        help_text=_("Service hours (0.1–24); the activity's length unless given."),
    )


# --- Points, rewards, redemptions --------------------------------------------------------------


class PointsFilterSerializer(DateRangeMixin):
    volunteer = ScopedVolunteerField(
        required=False, help_text=_("Staff: one volunteer's ledger (with its balance).")
    )
    unit = ScopedUnitField(required=False, help_text=_("Volunteers of this subtree."))


class PointEntrySerializer(serializers.ModelSerializer[PointEntry]):
    volunteer_name = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="volunteer.community.name", read_only=True)
    rule_code = serializers.CharField(source="rule.code", read_only=True, default=None)
    rule_label = serializers.SerializerMethodField()

    class Meta:
        model = PointEntry
        fields = [
            "id",
            "at",
            "volunteer",
            "volunteer_name",
            "community_name",
            "rule_code",
            "rule_label",
            "points",
            "note",
            "source_type",
            "source_id",
        ]
        read_only_fields = fields

    def get_volunteer_name(self, entry: PointEntry) -> str:
        return volunteer_name(_user(self.context), entry.volunteer)

    def get_rule_label(self, entry: PointEntry) -> str:
        if entry.rule is None:
            return str(_("redemption")) if entry.points < 0 else ""
        return str(entry.rule.get_code_display())


class StatementFilterSerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(
        required=False, min_value=2000, max_value=2100, help_text=_("This year unless given.")
    )
    quarter = serializers.IntegerField(
        required=False, min_value=1, max_value=4, help_text=_("This quarter unless given.")
    )
    volunteer = ScopedVolunteerField(required=False, help_text=_("One volunteer's statement."))
    branch = ScopedUnitField(
        required=False,
        help_text=_("A unit: its volunteers and the party members of its party organisations."),
    )


class StatementRowSerializer(serializers.ModelSerializer[Volunteer]):
    volunteer = serializers.IntegerField(source="pk", read_only=True)
    volunteer_name = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    is_party_member = serializers.BooleanField(read_only=True)
    opening = serializers.IntegerField(read_only=True, help_text=_("Balance before the quarter."))
    earned = serializers.IntegerField(read_only=True)
    redeemed = serializers.IntegerField(read_only=True)
    closing = serializers.IntegerField(read_only=True, help_text=_("Balance after the quarter."))
    hours = serializers.DecimalField(max_digits=9, decimal_places=1, read_only=True)

    class Meta:
        model = Volunteer
        fields = [
            "volunteer",
            "volunteer_name",
            "community",
            "community_name",
            "is_party_member",
            "opening",
            "earned",
            "redeemed",
            "closing",
            "hours",
        ]
        read_only_fields = fields

    def get_volunteer_name(self, volunteer: Volunteer) -> str:
        return volunteer_name(_user(self.context), volunteer)


class StatementTotalsSerializer(serializers.Serializer[Any]):
    opening = serializers.IntegerField()
    earned = serializers.IntegerField()
    redeemed = serializers.IntegerField()
    closing = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=12, decimal_places=1)


class RewardFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only rewards of this subtree."))
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class RewardSerializer(serializers.ModelSerializer[Reward]):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Reward
        fields = ["id", "unit", "unit_name", "name", "description", "points", "stock", "is_active"]
        read_only_fields = fields


class RewardCreateSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField()
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )
    points = serializers.IntegerField(min_value=1, max_value=1_000_000)
    stock = serializers.IntegerField(min_value=0, max_value=1_000_000)


class RestockSerializer(serializers.Serializer[Any]):
    add = serializers.IntegerField(min_value=1, max_value=1_000_000)


class RedemptionFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Volunteers of this subtree."))
    volunteer = ScopedVolunteerField(required=False)
    handed_over = serializers.BooleanField(required=False, allow_null=True, default=None)


class RedemptionCreateSerializer(serializers.Serializer[Any]):
    """积分兑换 by the caller's own volunteer record."""

    reward = ScopedRewardField()
    quantity = serializers.IntegerField(min_value=1, max_value=20, default=1)


class RedemptionSerializer(serializers.ModelSerializer[Redemption]):
    volunteer_name = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="volunteer.community.name", read_only=True)
    reward_name = serializers.CharField(source="reward.name", read_only=True)
    reward_unit_name = serializers.CharField(source="reward.unit.name", read_only=True)

    class Meta:
        model = Redemption
        fields = [
            "id",
            "at",
            "volunteer",
            "volunteer_name",
            "community_name",
            "reward",
            "reward_name",
            "reward_unit_name",
            "quantity",
            "points",
            "handed_over_at",
        ]
        read_only_fields = fields

    def get_volunteer_name(self, redemption: Redemption) -> str:
        return volunteer_name(_user(self.context), redemption.volunteer)
