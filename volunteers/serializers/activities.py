"""Activities (volunteer days, theme days), sign-ups and check-ins."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from orgchart.serializers import ScopedUnitField
from volunteers.models import Activity, Signup
from volunteers.serializers.shared import (
    DateRangeMixin,
    MomentField,
    ScopedSignupField,
    _now,
    _user,
    volunteer_name,
)


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


class ActivityWeeklySerializer(ActivityCreateSerializer):
    weeks = serializers.IntegerField(
        min_value=1,
        max_value=13,
        help_text=_("The same activity on this many weeks in a row, from the given start."),
    )


class CallOffSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(
        max_length=500, help_text=_("Shown with the activity (``cancel_reason``).")
    )


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
            "cancel_reason",
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
