"""The points ledger (积分) and its quarterly statement, the reward catalogue and
redemptions (积分兑换)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orgchart.serializers import ScopedUnitField
from volunteers.models import PointEntry, Redemption, Reward, Volunteer
from volunteers.serializers.shared import (
    DateRangeMixin,
    ScopedRewardField,
    ScopedVolunteerField,
    _user,
    volunteer_name,
)


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
