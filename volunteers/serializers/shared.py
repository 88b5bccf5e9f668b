"""What the serializers of the volunteers app share: names as the caller may see them,
the scoped id fields, the date fields of this era and the bodies of the workflow steps
(an optional ``version`` with a note or a reason)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import Model
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
from petitions.models import Petition
from volunteers.models import PartnerUnit, Reward, Signup, Team, Volunteer

ModelT = TypeVar("ModelT", bound=Model)

# --- Names, scoped ids, dates ------------------------------------------------------------------


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
        policy.is_volunteer_account(actor)
        and actor.pk != getattr(user, "pk", None)
        and not sees_full_names(user)
    ):
        return mask_name(name)
    return name


def is_volunteer_account(user: AnyUser) -> bool:
    return policy.is_volunteer_account(user)


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


def _scoped(
    model: type[ModelT], help_text: Any = ""
) -> type[serializers.PrimaryKeyRelatedField[ModelT]]:
    """A primary key field whose rows are those the requesting user may see."""

    @extend_schema_field(OpenApiTypes.INT)
    class Field(serializers.PrimaryKeyRelatedField[ModelT]):
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

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
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
