"""API shapes for the org tree and departments. Input serializers check shape only; the
services check the domain rules and raise the same field messages everywhere."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orgchart.models import Department, OrgUnit
from orgchart.policy import policy
from orgchart.services import MOVE_POSITIONS


class ScopedUnitField(serializers.PrimaryKeyRelatedField):
    """A unit id that must be visible to the requesting user (else: does not exist)."""

    def get_queryset(self) -> Any:
        return policy(self.context["request"].user, OrgUnit)


class OrgUnitSerializer(serializers.ModelSerializer[OrgUnit]):
    kind_label = serializers.CharField(read_only=True)
    descendant_count = serializers.SerializerMethodField()

    class Meta:
        model = OrgUnit
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "area_type",
            "parent",
            "level",
            "division_code",
            "party_org_name",
            "party_org_type",
            "branch_type",
            "rating",
            "is_weak",
            "descendant_count",
        ]
        read_only_fields = fields

    def get_descendant_count(self, unit: OrgUnit) -> int:
        return (unit.rght - unit.lft - 1) // 2


class OrgUnitPathSerializer(serializers.ModelSerializer[OrgUnit]):
    """Just enough of an ancestor to show the path (名称 and kind)."""

    kind_label = serializers.CharField(read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["id", "name", "kind", "kind_label", "level"]
        read_only_fields = fields


class OrgUnitCreateSerializer(serializers.Serializer[Any]):
    parent = ScopedUnitField(  # type: ignore[assignment]
        allow_null=True, required=True, help_text=_("Parent unit id; null for a root.")
    )
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)
    area_type = serializers.ChoiceField(choices=OrgUnit.AreaType.choices, required=False)
    division_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, allow_null=True
    )
    party_org_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    party_org_type = serializers.ChoiceField(
        choices=OrgUnit.PartyOrgType.choices, required=False, allow_blank=True
    )
    branch_type = serializers.ChoiceField(
        choices=OrgUnit.BranchType.choices, required=False, allow_blank=True
    )
    rating = serializers.ChoiceField(
        choices=OrgUnit.Rating.choices, required=False, allow_blank=True
    )
    is_weak = serializers.BooleanField(required=False)


class OrgUnitUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100, required=False)
    area_type = serializers.ChoiceField(choices=OrgUnit.AreaType.choices, required=False)
    division_code = serializers.CharField(
        max_length=12, required=False, allow_blank=True, allow_null=True
    )
    party_org_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    party_org_type = serializers.ChoiceField(
        choices=OrgUnit.PartyOrgType.choices, required=False, allow_blank=True
    )
    branch_type = serializers.ChoiceField(
        choices=OrgUnit.BranchType.choices, required=False, allow_blank=True
    )
    rating = serializers.ChoiceField(
        choices=OrgUnit.Rating.choices, required=False, allow_blank=True
    )
    is_weak = serializers.BooleanField(required=False)

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = set(data.keys()) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {
                        field: [_("This field cannot be changed here; use move/ for parent.")]
                        for field in unknown
                    }
                )
        return super().to_internal_value(data)


class OrgUnitMoveSerializer(serializers.Serializer[Any]):
    target = ScopedUnitField(help_text=_("The unit to move next to or under."))
    position = serializers.ChoiceField(
        choices=[(p, p) for p in MOVE_POSITIONS], default="last-child"
    )


class OrgUnitFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only units inside this unit's subtree."))
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text=_("Part of the name."))


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    jurisdiction_name = serializers.CharField(source="jurisdiction.name", read_only=True)

    class Meta:
        model = Department
        fields = ["id", "name", "jurisdiction", "jurisdiction_name", "phone", "is_active"]
        read_only_fields = fields


class DepartmentWriteSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    jurisdiction = ScopedUnitField()
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class DepartmentFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Departments serving this unit."))
    q = serializers.CharField(required=False, max_length=100)
