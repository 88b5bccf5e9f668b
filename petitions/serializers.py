"""API shapes for deadline policies, petitions, dispatches and notifications (DESIGN §7).

Input serializers check shape only (types, choices, and that every id names a row the caller
may see: an id outside their scope is "does not exist", a 400 on the field); the services check
the domain rules and raise the same field messages everywhere. Every action body takes an
optional ``version``: the petition's (or dispatch's) version the client last saw; a newer one
on the server is a 409.

A petitioner's personal data never leaves in full: the name follows
``orgchart.policy.sees_full_names`` (department handlers always get ``张*``), the contact phone
is always masked (``138****5678``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from grids.models import Grid, Visit
from notifications.models import Notification
from orgchart import policy
from orgchart.policy import AnyUser, sees_full_names
from orgchart.serializers import ScopedDepartmentField, ScopedPersonField, ScopedUnitField
from petitions.models import (
    RESOLVING_STATUSES,
    Category,
    Channel,
    Complexity,
    DeadlinePolicy,
    Dispatch,
    DispatchPhoto,
    DispatchStatus,
    Petition,
    PetitionEvent,
    Satisfaction,
    Status,
    TimeUnit,
    Track,
    Urgency,
)
from petitions.selectors import (
    DispatchSort,
    deadline_light,
    dispatch_actions,
    dispatch_light,
    petition_actions,
    petition_clock_light,
    petition_dispatches,
    petition_light,
    petition_overdue_since,
)
from petitions.services.core import MAX_ATTACHMENTS

# --- Shared fields ---------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT)
class ScopedGridField(serializers.PrimaryKeyRelatedField[Grid]):
    """A grid id the caller may see (a grid worker: the grids they staff)."""

    def get_queryset(self) -> Any:
        return policy.policy(self.context["request"].user, Grid)


@extend_schema_field(OpenApiTypes.INT)
class ScopedVisitField(serializers.PrimaryKeyRelatedField[Visit]):
    def get_queryset(self) -> Any:
        return policy.policy(self.context["request"].user, Visit)


@extend_schema_field(OpenApiTypes.INT)
class ScopedPetitionField(serializers.PrimaryKeyRelatedField[Petition]):
    def get_queryset(self) -> Any:
        return policy.policy(self.context["request"].user, Petition)


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


def _now(context: dict[str, Any]) -> dt.datetime:
    """One clock per response, so every light of a page is computed at the same moment."""
    now = context.get("now")
    return now if isinstance(now, dt.datetime) else timezone.now()


def _user(context: dict[str, Any]) -> AnyUser:
    return context["request"].user


def petitioner_name(user: AnyUser, petition: Petition) -> str:
    if petition.is_anonymous:
        return str(_("anonymous"))
    person = petition.petitioner
    if person is None:
        return ""
    return person.name if sees_full_names(user) else person.masked_name


# --- Deadline policies -----------------------------------------------------------------------


class DeadlinePolicySerializer(serializers.ModelSerializer[DeadlinePolicy]):
    track_label = serializers.CharField(source="get_track_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    urgency_label = serializers.CharField(source="get_urgency_display", read_only=True)

    class Meta:
        model = DeadlinePolicy
        fields = [
            "id",
            "name",
            "track",
            "track_label",
            "category",
            "category_label",
            "urgency",
            "urgency_label",
            "accept_within",
            "accept_unit",
            "resolve_within",
            "resolve_unit",
            "report_within",
            "report_unit",
            "complete_within",
            "complete_unit",
            "max_extension",
            "extension_unit",
            "yellow_at",
            "close_after_reply_days",
            "is_active",
            "updated_at",
        ]
        read_only_fields = fields


def _amount(help_text: Any = "", *, min_value: int = 1) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=min_value, max_value=10_000, help_text=help_text)


def _unit_choice() -> serializers.ChoiceField:
    return serializers.ChoiceField(choices=TimeUnit.choices)


class DeadlinePolicyWriteSerializer(serializers.Serializer[Any]):
    """A policy's clocks: each an amount and a unit. Category and urgency blank: any."""

    name = serializers.CharField(max_length=100)
    track = serializers.ChoiceField(choices=Track.choices)
    category = serializers.ChoiceField(choices=Category.choices, allow_blank=True, default="")
    urgency = serializers.ChoiceField(choices=Urgency.choices, allow_blank=True, default="")
    accept_within = _amount(_("受理: decide acceptance within."))
    accept_unit = _unit_choice()
    resolve_within = _amount(_("办结: resolve within, from acceptance."))
    resolve_unit = _unit_choice()
    report_within = _amount(_("报到: a whistled department reports within."))
    report_unit = _unit_choice()
    complete_within = _amount(_("A department completes its part within, after reporting."))
    complete_unit = _unit_choice()
    max_extension = _amount(_("The longest extension; 0: none."), min_value=0)
    extension_unit = _unit_choice()
    yellow_at = serializers.IntegerField(min_value=1, max_value=99, default=80)
    close_after_reply_days = serializers.IntegerField(min_value=1, max_value=365, default=7)
    is_active = serializers.BooleanField(default=True)


class DeadlinePolicyFilterSerializer(serializers.Serializer[Any]):
    track = serializers.ChoiceField(choices=Track.choices, required=False)
    is_active = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- Petitions: filters and intake ----------------------------------------------------------


class PetitionFilterSerializer(serializers.Serializer[Any]):
    unit = ScopedUnitField(required=False, help_text=_("Only petitions arising in this subtree."))
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    q = serializers.CharField(
        required=False, max_length=100, help_text=_("The whole number, or part of the title.")
    )
    category = serializers.ChoiceField(choices=Category.choices, required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    overdue = serializers.BooleanField(required=False, allow_null=True, default=None)
    supervised = serializers.BooleanField(required=False, allow_null=True, default=None)
    repeat = serializers.BooleanField(required=False, allow_null=True, default=None)
    complex = serializers.BooleanField(
        required=False, default=False, help_text=_("1: only cases tagged 疑难复杂.")
    )
    handled_here = serializers.BooleanField(
        required=False, default=False, help_text=_("1: only cases my unit must act on now.")
    )


class PetitionCreateSerializer(serializers.Serializer[Any]):
    """Intake (登记). JSON, or multipart with ``attachments`` (repeated). The petitioner is a
    registered person (id), or nobody (anonymous, or only a contact phone)."""

    location = ScopedUnitField(help_text=_("The community, or a compound or building in it."))
    channel = serializers.ChoiceField(choices=Channel.choices)
    category = serializers.ChoiceField(choices=Category.choices)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    track = serializers.ChoiceField(choices=Track.choices, default=Track.ORDINARY)
    title = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=10_000)
    grid = ScopedGridField(required=False, allow_null=True)
    source_visit = ScopedVisitField(
        required=False, allow_null=True, help_text=_("The visit that found the hazard.")
    )
    petitioner = ScopedPersonField(required=False, allow_null=True)
    is_anonymous = serializers.BooleanField(default=False)
    contact_phone = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    complexity = serializers.ListField(
        child=serializers.ChoiceField(choices=Complexity.choices), required=False, default=list
    )
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        max_length=MAX_ATTACHMENTS,
    )


# --- Petitions: output ----------------------------------------------------------------------


class PetitionSerializer(serializers.ModelSerializer[Petition]):
    """A row of the list: what the case is, where, who acts now, and how late it is."""

    track_label = serializers.CharField(source="get_track_display", read_only=True)
    channel_label = serializers.CharField(source="get_channel_display", read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    urgency_label = serializers.CharField(source="get_urgency_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    handling_unit_name = serializers.CharField(source="handling_unit.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True, default="")
    petitioner_name = serializers.SerializerMethodField()
    contact_phone = serializers.CharField(source="masked_contact_phone", read_only=True)
    complexity = serializers.ListField(
        source="complexity_tags", child=serializers.CharField(), read_only=True
    )
    running_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    is_overdue = serializers.BooleanField(read_only=True)
    overdue_since = serializers.SerializerMethodField(
        help_text=_(
            "While the case is overdue: the first due time it missed (it stays overdue until "
            "it closes, whatever escalations followed); null otherwise."
        )
    )
    light = serializers.SerializerMethodField(
        help_text=_("green, yellow or red; red while the case is overdue")
    )
    clock_light = serializers.SerializerMethodField(
        help_text=_("The light of the running clock of the unit that holds the case now.")
    )

    class Meta:
        model = Petition
        fields = [
            "id",
            "number",
            "title",
            "track",
            "track_label",
            "channel",
            "channel_label",
            "category",
            "category_label",
            "urgency",
            "urgency_label",
            "status",
            "status_label",
            "community",
            "community_name",
            "handling_unit",
            "handling_unit_name",
            "grid",
            "grid_name",
            "escalation_level",
            "is_anonymous",
            "petitioner_name",
            "contact_phone",
            "is_supervised",
            "is_repeat",
            "complexity",
            "created_at",
            "running_due_at",
            "is_overdue",
            "overdue_since",
            "light",
            "clock_light",
            "late_accept",
            "late_resolve",
            "version",
        ]
        read_only_fields = fields

    def get_petitioner_name(self, petition: Petition) -> str:
        return petitioner_name(_user(self.context), petition)

    def get_overdue_since(self, petition: Petition) -> dt.datetime | None:
        return petition_overdue_since(petition, now=_now(self.context))

    def get_light(self, petition: Petition) -> str | None:
        return petition_light(petition, now=_now(self.context))

    def get_clock_light(self, petition: Petition) -> str | None:
        return petition_clock_light(petition, now=_now(self.context))


class DispatchPhotoSerializer(serializers.ModelSerializer[DispatchPhoto]):
    url = serializers.SerializerMethodField(help_text=_("The photo, for whoever sees the whistle."))

    class Meta:
        model = DispatchPhoto
        fields = ["id", "url", "created_at"]
        read_only_fields = fields

    def get_url(self, photo: DispatchPhoto) -> str:
        return reverse("dispatch-photo", args=[photo.dispatch_id, photo.pk])


class DispatchSerializer(serializers.ModelSerializer[Dispatch]):
    """One whistle: the department, its role, its clocks (report 报到, complete) and result
    (the note and the photos taken with it)."""

    department_name = serializers.CharField(source="department.name", read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    light = serializers.SerializerMethodField()
    photos = DispatchPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Dispatch
        fields = [
            "id",
            "petition",
            "department",
            "department_name",
            "role",
            "role_label",
            "status",
            "status_label",
            "instructions",
            "dispatched_at",
            "report_due_at",
            "reported_at",
            "complete_due_at",
            "completed_at",
            "completion_note",
            "photos",
            "returned_at",
            "return_reason",
            "rating",
            "rated_at",
            "light",
            "version",
        ]
        read_only_fields = fields

    def get_light(self, dispatch: Dispatch) -> str | None:
        return dispatch_light(dispatch, now=_now(self.context))


class DispatchListSerializer(DispatchSerializer):
    """A row of a department's inbox: the dispatch with the petition it is about (its result's
    photos are in the detail)."""

    petition_number = serializers.CharField(source="petition.number", read_only=True)
    petition_title = serializers.CharField(source="petition.title", read_only=True)
    petition_status = serializers.CharField(source="petition.status", read_only=True)
    community_name = serializers.CharField(source="petition.community.name", read_only=True)
    handling_unit_name = serializers.CharField(source="petition.handling_unit.name", read_only=True)

    class Meta(DispatchSerializer.Meta):
        fields = [
            *(name for name in DispatchSerializer.Meta.fields if name != "photos"),
            "petition_number",
            "petition_title",
            "petition_status",
            "community_name",
            "handling_unit_name",
        ]
        read_only_fields = fields


class DispatchDetailSerializer(DispatchListSerializer):
    """A dispatch with the photos of its result and what the caller may do to it now
    (``report``, ``return``, ``complete``, ``rate``: POST ``dispatches/{id}/<action>/``)."""

    photos = DispatchPhotoSerializer(many=True, read_only=True)
    actions = serializers.SerializerMethodField()

    class Meta(DispatchListSerializer.Meta):
        fields = [*DispatchListSerializer.Meta.fields, "photos", "actions"]
        read_only_fields = fields

    def get_actions(self, dispatch: Dispatch) -> list[str]:
        return dispatch_actions(_user(self.context), dispatch, now=_now(self.context))


class AttachmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    url = serializers.SerializerMethodField()

    def get_url(self, attachment: Any) -> str:
        return reverse("petition-attachment", args=[attachment.petition_id, attachment.pk])


class ClockSerializer(serializers.Serializer[Any]):
    stage = serializers.CharField()
    stage_label = serializers.CharField()
    due_at = serializers.DateTimeField(allow_null=True)
    running = serializers.BooleanField()
    light = serializers.CharField(allow_null=True)


class ExtensionSerializer(serializers.Serializer[Any]):
    state = serializers.CharField()
    amount = serializers.IntegerField()
    unit = serializers.CharField()
    reason = serializers.CharField()


class RepeatOfSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    number = serializers.CharField()


class PetitionDetailSerializer(PetitionSerializer):
    """The whole case: the list row, its description and place, each clock with its light,
    the whistles, the attachments and ``actions``: what the caller may do now (POST
    ``petitions/{id}/<action>/``, underscores written as hyphens)."""

    location_name = serializers.CharField(source="location.name", read_only=True)
    satisfaction_label = serializers.CharField(source="get_satisfaction_display", read_only=True)
    repeat_of = serializers.SerializerMethodField()
    deadlines = serializers.SerializerMethodField()
    extension = serializers.SerializerMethodField()
    dispatches = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta(PetitionSerializer.Meta):
        fields = [
            *PetitionSerializer.Meta.fields,
            "description",
            "location",
            "location_name",
            "address",
            "source_visit",
            "petitioner",
            "repeat_of",
            "accepted_at",
            "replied_at",
            "closed_at",
            "reply",
            "reject_reason",
            "satisfaction",
            "satisfaction_label",
            "unsatisfied_count",
            "reopen_count",
            "deadlines",
            "extension",
            "dispatches",
            "attachments",
            "actions",
        ]
        read_only_fields = fields

    def _dispatches(self, petition: Petition) -> list[Dispatch]:
        """The whistles the caller sees (a handler: their department's), loaded once."""
        cache = self.context.setdefault("dispatches", {})
        if petition.pk not in cache:
            cache[petition.pk] = list(
                petition_dispatches(user=_user(self.context), petition=petition)
            )
        return list(cache[petition.pk])

    @extend_schema_field(RepeatOfSerializer(allow_null=True))
    def get_repeat_of(self, petition: Petition) -> dict[str, Any] | None:
        if petition.repeat_of_id is None:
            return None
        # The earlier case may lie outside the caller's area: then it does not exist for them.
        number = (
            policy.policy(_user(self.context), Petition)
            .filter(pk=petition.repeat_of_id)
            .values_list("number", flat=True)
            .first()
        )
        return {"id": petition.repeat_of_id, "number": number} if number else None

    @extend_schema_field(ClockSerializer(many=True))
    def get_deadlines(self, petition: Petition) -> list[dict[str, Any]]:
        now = _now(self.context)
        clocks = (
            (
                "accept",
                _("accept (受理)"),
                petition.accept_due_at,
                petition.status == Status.SUBMITTED,
            ),
            (
                "resolve",
                _("resolve (办结)"),
                petition.resolve_due_at,
                petition.status in RESOLVING_STATUSES,
            ),
            ("close", _("closes automatically"), petition.close_due_at, False),
        )
        rows = [
            {
                "stage": stage,
                "stage_label": str(label),
                "due_at": due_at,
                "running": running,
                "light": deadline_light(
                    started_at=petition.clock_started_at,
                    due_at=due_at,
                    now=now,
                    yellow_at=petition.policy.yellow_at,
                )
                if running
                else None,
            }
            for stage, label, due_at, running in clocks
        ]
        return list(ClockSerializer(rows, many=True).data)

    @extend_schema_field(ExtensionSerializer)
    def get_extension(self, petition: Petition) -> dict[str, Any]:
        return {
            "state": petition.extension_state,
            "amount": petition.extension_amount,
            "unit": petition.policy.extension_unit,
            "reason": petition.extension_reason,
        }

    @extend_schema_field(DispatchSerializer(many=True))
    def get_dispatches(self, petition: Petition) -> list[dict[str, Any]]:
        return list(
            DispatchSerializer(self._dispatches(petition), many=True, context=self.context).data
        )

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, petition: Petition) -> list[dict[str, Any]]:
        return list(AttachmentSerializer(petition.attachments.all(), many=True).data)

    def get_actions(self, petition: Petition) -> list[str]:
        return petition_actions(
            _user(self.context), petition, self._dispatches(petition), now=_now(self.context)
        )


class PetitionEventSerializer(serializers.ModelSerializer[PetitionEvent]):
    """One line of the timeline."""

    action_label = serializers.CharField(source="get_action_display", read_only=True)
    actor_name = serializers.SerializerMethodField()
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    department_name = serializers.CharField(
        source="dispatch.department.name", read_only=True, default=""
    )

    class Meta:
        model = PetitionEvent
        fields = [
            "id",
            "at",
            "action",
            "action_label",
            "actor",
            "actor_name",
            "from_status",
            "to_status",
            "unit",
            "unit_name",
            "dispatch",
            "department_name",
            "note",
            "data",
        ]
        read_only_fields = fields

    def get_actor_name(self, event: PetitionEvent) -> str:
        actor = event.actor
        if actor is None:
            return str(_("system"))
        return actor.first_name or actor.username


# --- Action bodies ---------------------------------------------------------------------------


class VersionSerializer(serializers.Serializer[Any]):
    version = version_field()


class NoteSerializer(VersionSerializer):
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")


class RequiredNoteSerializer(VersionSerializer):
    note = serializers.CharField(max_length=4000)


class ReasonSerializer(VersionSerializer):
    reason = serializers.CharField(max_length=4000)


class CompleteSerializer(RequiredNoteSerializer):
    """办结: what was done; JSON, or multipart with ``photos`` of the result (JPEG, PNG or
    WebP, repeated; checked as visit photos are)."""

    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=50
    )


class DispatchCreateSerializer(VersionSerializer):
    """吹哨: the lead department (主办) and any assisting ones (协办). The lead may be left out
    when a lead is already working on the case (only assists are added)."""

    lead = ScopedDepartmentField(required=False, allow_null=True)
    assists = serializers.ListField(
        child=ScopedDepartmentField(), required=False, default=list, max_length=20
    )
    instructions = serializers.CharField(
        max_length=4000, required=False, allow_blank=True, default=""
    )


class ReplySerializer(VersionSerializer):
    reply = serializers.CharField(max_length=4000)


class EvaluateSerializer(NoteSerializer):
    satisfaction = serializers.ChoiceField(choices=Satisfaction.choices)


class ExtensionRequestSerializer(ReasonSerializer):
    amount = serializers.IntegerField(
        min_value=1, help_text=_("In the deadline policy's extension unit.")
    )


class RequiredBooleanField(serializers.BooleanField):
    """A boolean that must be sent: a form that leaves it out is an error, not ``false``."""

    default_empty_html = serializers.empty


class ExtensionDecisionSerializer(NoteSerializer):
    approve = RequiredBooleanField(help_text=_("A refusal needs a note."))


class TagComplexSerializer(VersionSerializer):
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=Complexity.choices),
        allow_empty=True,
        max_length=len(Complexity.choices),
        help_text=_("Empty: no longer complex."),
    )


class RateSerializer(NoteSerializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)


# --- Dispatches: filters ---------------------------------------------------------------------


class DispatchFilterSerializer(serializers.Serializer[Any]):
    status = serializers.ChoiceField(choices=DispatchStatus.choices, required=False)
    open = serializers.BooleanField(
        required=False, default=False, help_text=_("1: only those waiting for report or result.")
    )
    overdue = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("1: only open ones that missed a deadline or whose clock ran out."),
    )
    q = serializers.CharField(
        required=False,
        max_length=100,
        help_text=_("The petition's whole number, or part of its title or address."),
    )
    sort = serializers.ChoiceField(
        choices=DispatchSort.ALL,
        required=False,
        default=DispatchSort.DEADLINE,
        help_text=_(
            "deadline (the default): open ones first, the clock that runs out soonest first; "
            "whistled: the newest whistle first."
        ),
    )
    unit = ScopedUnitField(required=False, help_text=_("Only petitions arising in this subtree."))
    petition = ScopedPetitionField(required=False)


# --- Notifications ---------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    """A message of the inbox (``selectors.notification_list``: ``petition`` and
    ``petition_number`` when it is about a petition). ``kind`` is namespaced by the app that
    sent it (``petition.escalate``, ``work_order.overdue``)."""

    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    petition = serializers.IntegerField(source="petition_ref", read_only=True, allow_null=True)
    petition_number = serializers.CharField(read_only=True, default="")
    is_read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "body",
            "petition",
            "petition_number",
            "created_at",
            "read_at",
            "is_read",
        ]
        read_only_fields = fields

    def get_is_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


class NotificationFilterSerializer(serializers.Serializer[Any]):
    unread = serializers.BooleanField(required=False, default=False)


class MarkReadSerializer(serializers.Serializer[Any]):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=1000
    )
    all = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("all") == ("ids" in attrs):
            raise serializers.ValidationError(
                {"ids": [_("Give the ids to mark read, or all: true (not both).")]}
            )
        return attrs


class MarkedReadSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField()
    unread_count = serializers.IntegerField()


class UnreadCountSerializer(serializers.Serializer[Any]):
    unread_count = serializers.IntegerField()
