"""Micro-wishes (微心愿): the board, posting, the steps and the actions a caller may
take."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from governance.workflow import available_actions
from orgchart.policy import AnyUser
from orgchart.serializers import ScopedPersonField, ScopedUnitField
from volunteers import selectors
from volunteers.models import Wish, WishEvent, WishStatus
from volunteers.serializers.shared import (
    StepNoteSerializer,
    _user,
    actor_name,
    person_name,
    volunteer_name,
)
from volunteers.workflows import WISH_WORKFLOW


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


WISH_ACTIONS = [str(action) for action in WISH_WORKFLOW.user_actions]


def wish_actions(user: AnyUser, wish: Wish) -> list[str]:
    """The wish actions ``user`` may take now: the workflow's table, then the policy."""
    return available_actions(WISH_WORKFLOW, wish, user, now=timezone.now())


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
