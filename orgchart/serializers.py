"""API shapes for the org tree and departments. Input serializers check shape only; the
services check the domain rules and raise the same field messages everywhere."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api import DayField
from orgchart.models import Department, OrgUnit, PartyMember, Person, Post, User
from orgchart.policy import policy, sees_full_names
from orgchart.services import MOVE_POSITIONS, REVEALABLE_FIELDS


@extend_schema_field(OpenApiTypes.INT)
class ScopedUnitField(serializers.PrimaryKeyRelatedField[OrgUnit]):
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
            "phone",
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
    phone = serializers.CharField(
        max_length=30, required=False, allow_blank=True, help_text=_("The office's public phone.")
    )

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


class OrgUnitCreateSerializer(OrgUnitUpdateSerializer):
    """The plain fields of an update, plus where the unit goes and what it is."""

    parent = ScopedUnitField(  # type: ignore[assignment]
        allow_null=True, required=True, help_text=_("Parent unit id; null for a root.")
    )
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=OrgUnit.Kind.choices)


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


# --- People ----------------------------------------------------------------------------------
# Document numbers and phones leave the server masked in every serializer below; the only way
# to see one in full is POST people/{id}/reveal/ (audited). Birth dates are never sent next to
# a masked ID: with its first 6 and last 4 characters they would rebuild the whole number.


@extend_schema_field(OpenApiTypes.STR)
class MaskedNameField(serializers.Field[Person, Any, str, Person]):
    """The full name for roles that keep the people ledger, ``张*`` for everyone else."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("source", "*")
        super().__init__(**kwargs)

    def to_representation(self, person: Person) -> str:
        user = self.context["request"].user
        return person.name if sees_full_names(user) else person.masked_name


class PersonSerializer(serializers.ModelSerializer[Person]):
    name = MaskedNameField()
    age = serializers.SerializerMethodField()
    document_number = serializers.CharField(source="masked_document_number", read_only=True)
    mobile = serializers.CharField(source="masked_mobile", read_only=True)
    landline = serializers.CharField(source="masked_landline", read_only=True)
    is_party_member = serializers.SerializerMethodField()

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "sex",
            "age",
            "document_type",
            "document_number",
            "mobile",
            "landline",
            "address",
            "is_party_member",
        ]
        read_only_fields = fields

    def get_age(self, person: Person) -> int | None:
        return person.age_on(timezone.localdate())

    def get_is_party_member(self, person: Person) -> bool:
        return hasattr(person, "party_member")


class PersonUpdateSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=50, required=False)
    document_type = serializers.ChoiceField(
        choices=Person.DocumentType.choices, required=False, allow_blank=True
    )
    document_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    landline = serializers.CharField(max_length=30, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Person.Sex.choices, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


class PersonWriteSerializer(PersonUpdateSerializer):
    """Registering: the fields of an update, with the unit and a required name."""

    unit = ScopedUnitField(help_text=_("The unit registering the person."))
    name = serializers.CharField(max_length=50)


class RevealSerializer(serializers.Serializer[Any]):
    field = serializers.ChoiceField(choices=[(f, f) for f in REVEALABLE_FIELDS])


class RevealedSerializer(serializers.Serializer[Any]):
    field = serializers.CharField()
    value = serializers.CharField()


class PeopleFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only people registered in this subtree."))
    q = serializers.CharField(
        required=False,
        max_length=50,
        help_text=_(
            "Name, pinyin initials, the first 6 or last 4 characters of the ID, or a "
            "whole ID or mobile number."
        ),
    )


@extend_schema_field(OpenApiTypes.INT)
class ScopedPersonField(serializers.PrimaryKeyRelatedField[Person]):
    def get_queryset(self) -> Any:
        return policy(self.context["request"].user, Person)


class PartyMemberSerializer(serializers.ModelSerializer[PartyMember]):
    person = PersonSerializer(read_only=True)
    organisation_name = serializers.CharField(source="organisation.name", read_only=True)
    party_organisation = serializers.CharField(
        read_only=True,
        help_text=_(
            "The member's own party organisation: the employer's, or the organisation unit's "
            "party name."
        ),
    )
    home_community_name = serializers.CharField(
        source="home_community.name", read_only=True, default=""
    )

    class Meta:
        model = PartyMember
        fields = [
            "id",
            "person",
            "organisation",
            "organisation_name",
            "status",
            "membership",
            "joined_on",
            "home_community",
            "home_community_name",
            "employer",
            "employer_party_org",
            "party_organisation",
            "dual_registered_on",
        ]
        read_only_fields = fields


class PartyMemberWriteSerializer(serializers.Serializer[Any]):
    person = ScopedPersonField()
    organisation = ScopedUnitField()
    status = serializers.ChoiceField(choices=PartyMember.Status.choices)
    membership = serializers.ChoiceField(choices=PartyMember.Membership.choices, required=False)
    joined_on = DayField(required=False, allow_null=True)
    home_community = ScopedUnitField(required=False, allow_null=True)
    employer = serializers.CharField(max_length=150, required=False, allow_blank=True)
    employer_party_org = serializers.CharField(max_length=150, required=False, allow_blank=True)
    dual_registered_on = DayField(required=False, allow_null=True)


class PartyMemberFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False)
    status = serializers.ChoiceField(choices=PartyMember.Status.choices, required=False)
    q = serializers.CharField(required=False, max_length=50)


class PostSerializer(serializers.ModelSerializer[Post]):
    holder_name = serializers.SerializerMethodField()
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = Post
        fields = [
            "id",
            "unit",
            "unit_name",
            "kind",
            "kind_label",
            "holder",
            "holder_name",
            "started_on",
            "ended_on",
        ]
        read_only_fields = fields

    def get_holder_name(self, post: Post) -> str:
        user = self.context["request"].user
        return post.holder.name if sees_full_names(user) else post.holder.masked_name


class PostWriteSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField()
    kind = serializers.ChoiceField(choices=Post.Kind.choices)
    holder = ScopedPersonField()
    started_on = DayField()


class PostEndSerializer(serializers.Serializer[Any]):
    ended_on = DayField()


class PostFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False)
    kind = serializers.ChoiceField(choices=Post.Kind.choices, required=False)
    current = serializers.BooleanField(required=False, default=True)


class VacancySerializer(serializers.Serializer[Any]):
    unit = serializers.IntegerField(source="unit.pk")
    unit_name = serializers.CharField(source="unit.name")
    kind = serializers.CharField()
    kind_label = serializers.CharField()


class VacancyFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField()


# --- Accounts --------------------------------------------------------------------------------


class UserSerializer(serializers.ModelSerializer[User]):
    full_name = serializers.CharField(source="first_name", read_only=True)
    anchor_unit_name = serializers.CharField(source="anchor_unit.name", read_only=True, default="")
    anchor_department_name = serializers.CharField(
        source="anchor_department.name", read_only=True, default=""
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "full_name",
            "role",
            "anchor_unit",
            "anchor_unit_name",
            "anchor_department",
            "anchor_department_name",
            "is_active",
            "must_change_password",
            "last_login",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.INT)
class ScopedDepartmentField(serializers.PrimaryKeyRelatedField[Department]):
    def get_queryset(self) -> Any:
        return policy(self.context["request"].user, Department)


@extend_schema_field(OpenApiTypes.INT)
class ScopedUserField(serializers.PrimaryKeyRelatedField[User]):
    def get_queryset(self) -> Any:
        return policy(self.context["request"].user, User)


class UserCreateSerializer(serializers.Serializer[Any]):
    username = serializers.RegexField(r"^[\w.@+-]{2,150}$", max_length=150)
    full_name = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=User.Role.choices)
    anchor_unit = ScopedUnitField(required=False, allow_null=True)
    anchor_department = ScopedDepartmentField(required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True)


class UserCreatedSerializer(serializers.Serializer[Any]):
    user = UserSerializer()
    one_time_password = serializers.CharField()


class OneTimePasswordSerializer(serializers.Serializer[Any]):
    one_time_password = serializers.CharField()


class UserDeactivateSerializer(serializers.Serializer[Any]):
    successor = ScopedUserField(required=False, allow_null=True)


class HandOverSerializer(serializers.Serializer[Any]):
    handed_over = serializers.DictField(child=serializers.IntegerField())


class PasswordChangeSerializer(serializers.Serializer[Any]):
    old_password = serializers.CharField(trim_whitespace=False)
    new_password = serializers.CharField(trim_whitespace=False)


class UserFilterSerializer(serializers.Serializer[Any]):
    role = serializers.ChoiceField(choices=User.Role.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)
    q = serializers.CharField(required=False, max_length=50)
