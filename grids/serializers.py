"""API shapes for grids, their staff, households, residents and visits. Input serializers check
shape only; ``grids.services`` checks the domain rules and raises the same field messages as
the pages. Ids in a body or a filter are looked up within the caller's scope (``policy``): an id
outside it does not exist.

Personal data leaves masked: names as ``张*`` for roles that do not keep the ledgers, ID numbers
and phones always (``people/{id}/reveal/`` shows one in full, audited). Restricted tags are never
in a response but ``residents/{id}/reveal-restricted/`` (audited).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.reverse import reverse

from governance.api import DayField, MomentField
from grids.models import Grid, GridStaff, Household, Resident, ResidentCareTag, Visit, VisitPhoto
from grids.selectors import Separation, StaffShare
from orgchart.models import OrgUnit, Person, User
from orgchart.policy import policy, scope_of, sees_full_names
from orgchart.serializers import PersonSerializer, ScopedPersonField, ScopedUnitField

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    from grids.selectors import GridFigures

    # A grid of ``grid_list_visible``, with its counts.
    ListedGrid = WithAnnotations[Grid, GridFigures]

SEPARATION_CHOICES = [
    (Separation.NONE, _("registered and living here")),
    (Separation.AWAY, _("registered here, lives elsewhere")),
    (Separation.INCOMING, _("lives here, registered elsewhere")),
    (Separation.ANY, _("either kind of separation")),
]


class NoUnknownFieldsMixin(serializers.Serializer[Any]):
    """A field the endpoint does not change is refused (400), not silently dropped: a client
    sending ``grid`` to a household update learns that ``move/`` does that."""

    unknown_field_message: Any = _("This field cannot be changed here.")

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = set(data.keys()) - set(self.fields)
            if unknown:
                raise serializers.ValidationError(
                    {field: [self.unknown_field_message] for field in sorted(unknown)}
                )
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)
class ScopedGridField(serializers.PrimaryKeyRelatedField[Grid]):
    """A grid id the requesting user may see (a grid worker: the grids they staff)."""

    def get_queryset(self) -> Any:
        return policy(self.context["request"].user, Grid).select_related("community")


@extend_schema_field(OpenApiTypes.INT)
class ScopedHouseholdField(serializers.PrimaryKeyRelatedField[Household]):
    def get_queryset(self) -> Any:
        return policy(self.context["request"].user, Household)


@extend_schema_field(OpenApiTypes.INT)
class GridWorkerAccountField(serializers.PrimaryKeyRelatedField[User]):
    """A grid worker's account anchored in the caller's area (the service checks that it
    belongs to the grid's community and is active). Accounts are otherwise visible to admins
    only, so this is the one place a community worker names one."""

    def get_queryset(self) -> Any:
        scope = scope_of(self.context["request"].user)
        return User.objects.filter(scope.units_q("anchor_unit"), role=User.Role.GRID_WORKER)


def _masked_name(context: dict[str, Any], person: Person) -> str:
    return person.name if sees_full_names(context["request"].user) else person.masked_name


def _separation(resident: Resident) -> str:
    if resident.registered_here and not resident.lives_here:
        return Separation.AWAY
    if resident.lives_here and not resident.registered_here:
        return Separation.INCOMING
    return Separation.NONE


# --- Grids -----------------------------------------------------------------------------------


class GridSerializer(serializers.ModelSerializer[Grid]):
    """A grid as listed: with its counts, the party-member share of its current staff and
    whether a basic grid is far off its target size. Rows come from
    ``selectors.grid_list_visible`` (the counts are annotations)."""

    community_name = serializers.CharField(source="community.name", read_only=True)
    compound_name = serializers.CharField(source="compound.name", read_only=True, default="")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    site_label = serializers.CharField(source="get_site_display", read_only=True)
    household_count = serializers.IntegerField(read_only=True)
    staff_count = serializers.IntegerField(read_only=True)
    party_staff_count = serializers.IntegerField(read_only=True)
    party_share = serializers.SerializerMethodField(
        help_text=_("Party members among current staff (0–1); null without staff.")
    )
    party_share_meets_target = serializers.SerializerMethodField(
        help_text=_("Whether the party-member share reaches the target of 60 %.")
    )
    target_households = serializers.IntegerField(read_only=True, allow_null=True)
    size_warning = serializers.SerializerMethodField(
        help_text=_("A basic grid far off its target size (30 urban / 50 rural households).")
    )
    last_visit_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Grid
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "kind_label",
            "site",
            "site_label",
            "topic",
            "area_type",
            "community",
            "community_name",
            "compound",
            "compound_name",
            "is_active",
            "household_count",
            "staff_count",
            "party_staff_count",
            "party_share",
            "party_share_meets_target",
            "target_households",
            "size_warning",
            "last_visit_at",
        ]
        read_only_fields = fields

    def _share(self, grid: Grid) -> StaffShare:
        listed = cast("ListedGrid", grid)
        return StaffShare(staff=listed.staff_count, party_members=listed.party_staff_count)

    def get_party_share(self, grid: Grid) -> float | None:
        share = self._share(grid).share
        return None if share is None else round(share, 4)

    def get_party_share_meets_target(self, grid: Grid) -> bool:
        return self._share(grid).meets_target

    def get_size_warning(self, grid: Grid) -> bool:
        return grid.size_warning(cast("ListedGrid", grid).household_count)


class GridDetailSerializer(GridSerializer):
    """One grid, with its boundary (GeoJSON, longitude/latitude)."""

    boundary = serializers.JSONField(read_only=True, allow_null=True)

    class Meta(GridSerializer.Meta):
        fields = [*GridSerializer.Meta.fields, "boundary", "created_at", "updated_at"]
        read_only_fields = fields


class GridUpdateSerializer(NoUnknownFieldsMixin):
    name = serializers.CharField(max_length=100, required=False)
    code = serializers.CharField(max_length=30, required=False, allow_blank=True)
    compound = ScopedUnitField(
        required=False, allow_null=True, help_text=_("A compound of the grid's community.")
    )
    site = serializers.ChoiceField(choices=Grid.Site.choices, required=False, allow_blank=True)
    topic = serializers.CharField(max_length=100, required=False, allow_blank=True)
    area_type = serializers.ChoiceField(
        choices=OrgUnit.AreaType.choices, required=False, allow_blank=True
    )
    boundary = serializers.JSONField(
        required=False,
        allow_null=True,
        help_text=_("A GeoJSON Polygon or MultiPolygon (longitude, latitude); null to clear."),
    )
    is_active = serializers.BooleanField(required=False)


class GridCreateSerializer(GridUpdateSerializer):
    """The fields of an update (but ``is_active``), plus the community and the kind."""

    community = ScopedUnitField(help_text=_("The community the grid belongs to."))
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Grid.Kind.choices, default=Grid.Kind.BASIC)
    is_active = None  # type: ignore[assignment]


class GridFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only grids inside this unit's subtree."))
    kind = serializers.ChoiceField(choices=Grid.Kind.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text=_("Name or grid code."))
    mine = serializers.BooleanField(
        required=False, default=False, help_text=_("Only the grids I currently staff.")
    )


class ShareFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Grids inside this unit's subtree."))


class StaffShareSerializer(serializers.Serializer[Any]):
    """网格员党员占比: party members among current grid staff, target ≥ 60 %."""

    staff = serializers.IntegerField()
    party_members = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    target = serializers.FloatField()
    meets_target = serializers.BooleanField()


# --- Grid staff ------------------------------------------------------------------------------


class GridStaffSerializer(serializers.ModelSerializer[GridStaff]):
    """A term of a grid worker. Rows come from ``selectors.grid_staff_list`` or
    ``grid_staff_get`` (``is_party_member`` is an annotation)."""

    grid_name = serializers.CharField(source="grid.name", read_only=True)
    person_name = serializers.SerializerMethodField()
    mobile = serializers.CharField(source="person.masked_mobile", read_only=True)
    is_party_member = serializers.BooleanField(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    employment_label = serializers.CharField(source="get_employment_display", read_only=True)
    background_label = serializers.CharField(source="get_background_display", read_only=True)
    account_username = serializers.CharField(source="account.username", read_only=True, default="")
    is_current = serializers.BooleanField(read_only=True)

    class Meta:
        model = GridStaff
        fields = [
            "id",
            "grid",
            "grid_name",
            "person",
            "person_name",
            "mobile",
            "is_party_member",
            "role",
            "role_label",
            "employment",
            "employment_label",
            "background",
            "background_label",
            "account",
            "account_username",
            "started_on",
            "ended_on",
            "is_current",
        ]
        read_only_fields = fields

    def get_person_name(self, staff: GridStaff) -> str:
        return _masked_name(self.context, staff.person)


class GridStaffAppointSerializer(serializers.Serializer[Any]):
    person = ScopedPersonField(help_text=_("The person appointed (registered in your area)."))
    role = serializers.ChoiceField(choices=GridStaff.Role.choices, default=GridStaff.Role.WORKER)
    employment = serializers.ChoiceField(
        choices=GridStaff.Employment.choices, default=GridStaff.Employment.FULL_TIME
    )
    background = serializers.ChoiceField(
        choices=GridStaff.Background.choices, default=GridStaff.Background.COMMUNITY_STAFF
    )
    account = GridWorkerAccountField(
        required=False,
        allow_null=True,
        help_text=_("The grid worker account that works this grid (it then sees the grid)."),
    )
    started_on = DayField(required=False, allow_null=True)


class GridStaffEndSerializer(serializers.Serializer[Any]):
    ended_on = DayField(required=False, allow_null=True, help_text=_("Today unless given."))


class GridStaffFilterSerializer(serializers.Serializer[Any]):
    current = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=True,
        help_text=_("true: current terms (default); false: ended terms; empty: both."),
    )


# --- Households ------------------------------------------------------------------------------


class HouseholdSerializer(serializers.ModelSerializer[Household]):
    """A household as listed (from ``selectors.household_list_visible``)."""

    grid_name = serializers.CharField(source="grid.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    building_name = serializers.CharField(source="building.name", read_only=True, default="")
    tenure_label = serializers.CharField(source="get_tenure_display", read_only=True)
    resident_count = serializers.IntegerField(read_only=True)
    last_visit_at = serializers.DateTimeField(read_only=True, allow_null=True)

    class Meta:
        model = Household
        fields = [
            "id",
            "address",
            "grid",
            "grid_name",
            "community",
            "community_name",
            "building",
            "building_name",
            "building_label",
            "entrance",
            "room",
            "floor_area",
            "tenure",
            "tenure_label",
            "resident_count",
            "last_visit_at",
        ]
        read_only_fields = fields


class CareTagSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(source="tag")
    # A field named like Field.label: the serializer's metaclass takes it as a field.
    label = serializers.CharField(source="get_tag_display")  # type: ignore[assignment]


class ResidentSummarySerializer(serializers.ModelSerializer[Resident]):
    """A current resident on the household page: masked name, relation, age, care tags."""

    name = serializers.SerializerMethodField()
    age = serializers.SerializerMethodField()
    relation_label = serializers.CharField(source="get_relation_display", read_only=True)
    separation = serializers.SerializerMethodField()
    care_tags = CareTagSerializer(many=True, read_only=True)

    class Meta:
        model = Resident
        fields = [
            "id",
            "name",
            "age",
            "relation",
            "relation_label",
            "registered_here",
            "lives_here",
            "separation",
            "care_tags",
        ]
        read_only_fields = fields

    def get_name(self, resident: Resident) -> str:
        return _masked_name(self.context, resident.person)

    def get_age(self, resident: Resident) -> int | None:
        return resident.person.age_on(self.context["today"])

    def get_separation(self, resident: Resident) -> str:
        return _separation(resident)


class HouseholdDetailSerializer(HouseholdSerializer):
    """One household with its notes and its current residents (``residents`` in the context,
    from ``selectors.resident_list_visible``)."""

    residents = serializers.SerializerMethodField()

    class Meta(HouseholdSerializer.Meta):
        fields = [*HouseholdSerializer.Meta.fields, "notes", "residents", "created_at"]
        read_only_fields = fields

    def get_residents(self, household: Household) -> Any:
        return ResidentSummarySerializer(
            self.context["residents"], many=True, context=self.context
        ).data


class HouseholdUpdateSerializer(NoUnknownFieldsMixin):
    unknown_field_message = _("This field cannot be changed here; use move/ for the grid.")

    building = ScopedUnitField(
        required=False, allow_null=True, help_text=_("A building of the grid's community.")
    )
    building_label = serializers.CharField(max_length=50, required=False, allow_blank=True)
    entrance = serializers.CharField(max_length=10, required=False, allow_blank=True)
    room = serializers.CharField(max_length=20, required=False, allow_blank=True)
    address = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text=_("Made from building, stairwell and room unless given."),
    )
    floor_area = serializers.DecimalField(
        max_digits=7, decimal_places=2, required=False, allow_null=True
    )
    tenure = serializers.ChoiceField(choices=Household.Tenure.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class HouseholdCreateSerializer(HouseholdUpdateSerializer):
    grid = ScopedGridField(help_text=_("The basic grid the household belongs to."))


class HouseholdMoveSerializer(serializers.Serializer[Any]):
    grid = ScopedGridField(help_text=_("Another basic grid of the same community."))


class HouseholdFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(
        required=False, help_text=_("Only households inside this unit's subtree.")
    )
    grid = ScopedGridField(required=False)
    tenure = serializers.ChoiceField(choices=Household.Tenure.choices, required=False)
    q = serializers.CharField(
        required=False,
        max_length=50,
        help_text=_(
            "Address or room, or a resident's name, pinyin initials or the visible digits "
            "of their ID."
        ),
    )


# --- Residents -------------------------------------------------------------------------------


class ResidentPersonSerializer(PersonSerializer):
    """The person of a resident, masked as in ``people/``."""

    class Meta(PersonSerializer.Meta):
        fields = [f for f in PersonSerializer.Meta.fields if f != "is_party_member"]
        read_only_fields = fields


class ResidentSerializer(serializers.ModelSerializer[Resident]):
    """A resident (from ``selectors.resident_list_visible``). Care tags as codes and labels;
    restricted tags never (``reveal-restricted/``)."""

    person = ResidentPersonSerializer(read_only=True)
    household_address = serializers.CharField(source="household.address", read_only=True)
    grid = serializers.IntegerField(source="household.grid_id", read_only=True)
    grid_name = serializers.CharField(source="household.grid.name", read_only=True)
    relation_label = serializers.CharField(source="get_relation_display", read_only=True)
    separation = serializers.SerializerMethodField(
        help_text=_("人户分离: none, away (registered here, lives elsewhere) or incoming.")
    )
    separation_label = serializers.CharField(read_only=True, source="separation")
    care_tags = CareTagSerializer(many=True, read_only=True)
    is_current = serializers.BooleanField(read_only=True)
    last_visit_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text=_("The household's last visit.")
    )

    class Meta:
        model = Resident
        fields = [
            "id",
            "person",
            "household",
            "household_address",
            "grid",
            "grid_name",
            "relation",
            "relation_label",
            "registered_here",
            "lives_here",
            "separation",
            "separation_label",
            "care_tags",
            "moved_in_on",
            "moved_out_on",
            "is_current",
            "last_visit_at",
        ]
        read_only_fields = fields

    def get_separation(self, resident: Resident) -> str:
        return _separation(resident)


class InlinePersonSerializer(serializers.Serializer[Any]):
    """A person registered at the household's community with the resident (a person already
    known by the same document is linked, as in ``people/``)."""

    name = serializers.CharField(max_length=50)
    document_type = serializers.ChoiceField(
        choices=Person.DocumentType.choices, required=False, allow_blank=True
    )
    document_number = serializers.CharField(max_length=40, required=False, allow_blank=True)
    mobile = serializers.CharField(max_length=30, required=False, allow_blank=True)
    landline = serializers.CharField(max_length=30, required=False, allow_blank=True)
    sex = serializers.ChoiceField(choices=Person.Sex.choices, required=False, allow_blank=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)


TAG_LIST_HELP = _("The full set of codes; omitted: unchanged.")


class ResidentUpdateSerializer(NoUnknownFieldsMixin):
    relation = serializers.ChoiceField(choices=Resident.Relation.choices, required=False)
    registered_here = serializers.BooleanField(required=False)
    lives_here = serializers.BooleanField(required=False)
    care_tags = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        max_length=len(ResidentCareTag.Tag.values),
        help_text=TAG_LIST_HELP,
    )
    restricted_tags = serializers.ListField(
        child=serializers.CharField(max_length=30),
        required=False,
        max_length=len(Resident.RestrictedTag.values),
        help_text=TAG_LIST_HELP,
    )
    moved_in_on = DayField(required=False, allow_null=True)


class ResidentCreateSerializer(ResidentUpdateSerializer):
    """The fields of an update, the household, and either ``person`` (an id) or
    ``person_data`` (registered at the household's community)."""

    household = ScopedHouseholdField()
    person = ScopedPersonField(required=False, help_text=_("A person registered in your area."))
    person_data = InlinePersonSerializer(required=False)

    def validate(self, data: dict[str, Any]) -> dict[str, Any]:
        if ("person" in data) == ("person_data" in data):
            message = _("Give either a person id or the person's data.")
            raise serializers.ValidationError({"person": [message]})
        return data


class ResidentMoveOutSerializer(serializers.Serializer[Any]):
    moved_out_on = DayField(required=False, allow_null=True, help_text=_("Today unless given."))


class RestrictedTagsSerializer(serializers.Serializer[Any]):
    restricted_tags = serializers.ListField(child=serializers.CharField())


class ResidentFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only residents inside this subtree."))
    grid = ScopedGridField(required=False)
    household = ScopedHouseholdField(required=False)
    care_tag = serializers.ChoiceField(choices=ResidentCareTag.Tag.choices, required=False)
    separation = serializers.ChoiceField(choices=SEPARATION_CHOICES, required=False)
    min_age = serializers.IntegerField(required=False, min_value=0, max_value=130)
    visited = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=_("1: the household was visited within visited_within_days; 0: it was not."),
    )
    visited_within_days = serializers.IntegerField(
        required=False, min_value=1, max_value=3660, default=30
    )
    q = serializers.CharField(
        required=False,
        max_length=50,
        help_text=_("Name, pinyin initials or the visible digits of the ID."),
    )
    current = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=True,
        help_text=_("true: living here now (default); false: moved out; empty: both."),
    )


# --- Visits ----------------------------------------------------------------------------------


class VisitPhotoSerializer(serializers.ModelSerializer[VisitPhoto]):
    url = serializers.SerializerMethodField(help_text=_("The photo, for whoever sees the visit."))

    class Meta:
        model = VisitPhoto
        fields = ["id", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, photo: VisitPhoto) -> str:
        return reverse(
            "visit-photo",
            kwargs={"pk": photo.visit_id, "photo_id": photo.pk},
            request=self.context.get("request"),
        )


class VisitSerializer(serializers.ModelSerializer[Visit]):
    """A visit as listed (from ``selectors.visit_list_visible``)."""

    grid_name = serializers.CharField(source="grid.name", read_only=True)
    household_address = serializers.CharField(
        source="household.address", read_only=True, default=""
    )
    visitor_name = serializers.CharField(source="visitor.first_name", read_only=True)
    purpose_label = serializers.CharField(source="get_purpose_display", read_only=True)
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "grid",
            "grid_name",
            "household",
            "household_address",
            "visitor",
            "visitor_name",
            "visited_at",
            "purpose",
            "purpose_label",
            "notes",
            "hazard_found",
            "photo_count",
            "created_at",
        ]
        read_only_fields = fields


class VisitDetailSerializer(VisitSerializer):
    photos = VisitPhotoSerializer(many=True, read_only=True)

    class Meta(VisitSerializer.Meta):
        fields = [*VisitSerializer.Meta.fields, "photos"]
        read_only_fields = fields


class VisitCreateSerializer(serializers.Serializer[Any]):
    """A visit to a household (its grid follows) or a round of a grid. JSON, or multipart
    with ``photos`` (JPEG, PNG or WebP, repeated)."""

    grid = ScopedGridField(required=False, allow_null=True)
    household = ScopedHouseholdField(required=False, allow_null=True)
    purpose = serializers.ChoiceField(choices=Visit.Purpose.choices)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    hazard_found = serializers.BooleanField(required=False, default=False)
    visited_at = MomentField(
        required=False, allow_null=True, help_text=_("Now unless given; up to 30 days back.")
    )
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=50
    )


class VisitFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only visits inside this subtree."))
    grid = ScopedGridField(required=False)
    household = ScopedHouseholdField(required=False)
    purpose = serializers.ChoiceField(choices=Visit.Purpose.choices, required=False)
    hazard_found = serializers.BooleanField(required=False, allow_null=True, default=None)
    since = MomentField(required=False, help_text=_("Visited at or after."))
