"""Consultation topics in the admin site: read-only and scoped by the policy (topics change
through the pages and the API, where the services check who may act and the workflow core
records every step); their votes and events shown with them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from consultations.models import (
    FiveHaves,
    Invitee,
    Meeting,
    MeetingEvent,
    Project,
    ProjectFund,
    ProjectStep,
    Topic,
    TopicEvent,
    Vote,
)
from grids.admin import ReadOnlyScopedAdmin


class _ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class TopicEventInline(_ReadOnlyInline):
    model = TopicEvent
    fields = ("at", "action", "actor", "actor_place", "from_status", "to_status", "note")
    readonly_fields = fields
    ordering = ("at", "id")


class VoteInline(_ReadOnlyInline):
    model = Vote
    fields = ("voter_masked", "choice", "recorded_by", "recorded_at")
    readonly_fields = fields
    ordering = ("recorded_at", "id")

    @admin.display(description=Vote._meta.get_field("voter").verbose_name)
    def voter_masked(self, vote: Vote) -> str:
        return vote.voter.masked_name


@admin.register(Topic)
class TopicAdmin(ReadOnlyScopedAdmin):
    policy_resource = Topic
    change_action = "topic.view"
    list_display = ["title", "community", "unit", "format", "status", "solicited_at"]
    list_filter = ["status", "format", "source"]
    search_fields = ["title"]
    ordering = ["-solicited_at", "-id"]
    fields = (
        "community",
        "unit",
        "title",
        "description",
        "format",
        "source",
        "petition",
        "status",
        "posted_by",
        "solicited_at",
        "proposal",
        "proposed_at",
        "deliberation",
        "deliberated_at",
        "electorate",
        "quorum",
        "decision",
        "decided_at",
        "votes_for",
        "votes_against",
        "votes_abstain",
        "notice_days",
        "published_at",
        "notice_until",
        "result",
        "result_published_at",
        "withdrawn_reason",
        "decided_at_meeting",
        "work_order",
    )
    readonly_fields = fields
    inlines = [VoteInline, TopicEventInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Topic]:
        return (
            super()
            .get_queryset(request)
            .select_related(
                "community", "unit", "petition", "posted_by", "decided_at_meeting", "work_order"
            )
            .order_by(*self.get_ordering(request))
        )


class InviteeInline(_ReadOnlyInline):
    model = Invitee
    fields = ("kind", "invitee_name", "signed_in_at")
    readonly_fields = fields
    ordering = ("kind", "id")

    @admin.display(description=Invitee._meta.get_field("name").verbose_name)
    def invitee_name(self, invitee: Invitee) -> str:
        return invitee.person.masked_name if invitee.person is not None else invitee.name


class MeetingEventInline(_ReadOnlyInline):
    model = MeetingEvent
    fields = ("at", "action", "actor", "actor_place", "from_status", "to_status", "note")
    readonly_fields = fields
    ordering = ("at", "id")


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyScopedAdmin):
    policy_resource = Meeting
    change_action = "meeting.view"
    list_display = ["title", "community", "format", "starts_at", "status"]
    list_filter = ["status", "format"]
    search_fields = ["title"]
    ordering = ["-starts_at", "-id"]
    fields = (
        "community",
        "title",
        "format",
        "place",
        "starts_at",
        "agenda",
        "status",
        "minutes",
        "held_at",
        "cancel_reason",
        "created_by",
        "created_at",
    )
    readonly_fields = fields
    inlines = [InviteeInline, MeetingEventInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Meeting]:
        return (
            super()
            .get_queryset(request)
            .select_related("community", "created_by")
            .order_by(*self.get_ordering(request))
        )


class ProjectStepInline(_ReadOnlyInline):
    model = ProjectStep
    fields = ("kind", "evidence", "done_by", "done_at")
    readonly_fields = fields
    ordering = ("done_at", "id")


class ProjectFundInline(_ReadOnlyInline):
    model = ProjectFund
    fields = ("source", "amount", "note", "recorded_by", "recorded_at")
    readonly_fields = fields
    ordering = ("recorded_at", "id")


@admin.register(Project)
class ProjectAdmin(ReadOnlyScopedAdmin):
    policy_resource = Project
    change_action = "project.view"
    list_display = ["title", "compound", "community", "status", "started_at", "completed_at"]
    list_filter = ["status"]
    search_fields = ["title"]
    ordering = ["-started_at", "-id"]
    fields = (
        "compound",
        "community",
        "title",
        "description",
        "status",
        "started_by",
        "started_at",
        "completed_at",
    )
    readonly_fields = fields
    inlines = [ProjectStepInline, ProjectFundInline]
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Project]:
        return (
            super()
            .get_queryset(request)
            .select_related("compound", "community", "started_by")
            .order_by(*self.get_ordering(request))
        )


@admin.register(FiveHaves)
class FiveHavesAdmin(ReadOnlyScopedAdmin):
    policy_resource = FiveHaves
    change_action = "orgunit.keep_five_haves"
    list_display = [
        "compound",
        "party_org",
        "self_management_group",
        "platform",
        "convention",
        "actions",
        "changed_at",
    ]
    list_filter = ["party_org", "self_management_group", "platform", "convention", "actions"]
    search_fields = ["compound__name"]
    ordering = ["compound__tree_id", "compound__lft"]
    fields = (
        "compound",
        "party_org",
        "self_management_group",
        "platform",
        "convention",
        "actions",
        "changed_by",
        "changed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[FiveHaves]:
        return super().get_queryset(request).select_related("compound", "changed_by")
