"""The read-only registers: volunteers, teams, partner units (共建单位) with their
pairings (包联), and 双报到."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.api import DayField
from orgchart.serializers import ScopedUnitField
from volunteers import selectors
from volunteers.models import DualRegistration, PartnerUnit, ServicePostKind, Skill, Team, Volunteer
from volunteers.serializers.shared import ScopedPartnerUnitField, _user, person_name, volunteer_name


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
        # Masked when the lead is outside the caller's area (a street's team).
        if team.lead is not None and not getattr(team, "lead_in_area", False):
            return team.lead.person.masked_name
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


class DualRegistrationEndSerializer(serializers.Serializer[Any]):
    ended_on = DayField(required=False, help_text=_("Default: today; never in the future."))


class DualRegistrationSerializer(serializers.ModelSerializer[DualRegistration]):
    name = serializers.SerializerMethodField()
    organisation_name = serializers.CharField(
        source="party_member.organisation.name", read_only=True
    )
    party_organisation = serializers.CharField(
        source="party_member.party_organisation",
        read_only=True,
        help_text=_("The member's own party organisation (at the employer for most)."),
    )
    employer = serializers.CharField(source="party_member.employer", read_only=True)
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
            "party_organisation",
            "employer",
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
