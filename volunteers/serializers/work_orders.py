"""Work orders by the 五单法: the board, 点单 and 下单, the timeline, the 四公开 block
and the actions a caller may take."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.workflow import available_actions
from orgchart.policy import AnyUser
from orgchart.serializers import ScopedPersonField, ScopedUnitField
from volunteers import selectors
from volunteers.models import (
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStatus,
)
from volunteers.serializers.shared import (
    MomentField,
    ScopedPartnerUnitField,
    ScopedPetitionField,
    ScopedTeamField,
    StepSerializer,
    _now,
    _user,
    actor_name,
    is_volunteer_account,
    person_name,
    volunteer_name,
)
from volunteers.workflows import WORK_ORDER_WORKFLOW


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


WORK_ORDER_ACTIONS = [str(action) for action in WORK_ORDER_WORKFLOW.user_actions]


def work_order_actions(user: AnyUser, order: WorkOrder) -> list[str]:
    """The work-order actions ``user`` may take now (the workflow's table: 督单 while the
    order is open), then the policy."""
    return available_actions(WORK_ORDER_WORKFLOW, order, user, now=timezone.now())


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
