"""Django admin of notifications and the e-mail outbox, read-only and scoped by the policy
(``policy.overseen``): an admin sees their own notifications, those about the subjects they
see and those about anything else sent to the accounts they see, and the e-mails of those.
The outbox shows where each e-mail stands (sent, waiting, retrying, given up) and sends the
chosen rows now (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy, ngettext

from notifications import kinds
from notifications.models import Notification, OutboxEmail
from notifications.outbox import OutboxState, outbox_send_now, outbox_state, outbox_state_q
from orgchart.admin.base import ReadOnlyScopedMixin
from orgchart.models import User


class ReadOnlyScopedAdmin(ReadOnlyScopedMixin, admin.ModelAdmin):
    """Messages are written by the apps that send them (``notifications.services.notify``)."""

    change_action = "notification.view"  # never asked: nothing changes here


class KindFilter(admin.SimpleListFilter):
    """The kinds the apps registered (``notifications.kinds``), by their labels."""

    title = gettext_lazy("kind")
    parameter_name = "kind"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(kind, label) for kind, label in kinds.choices()]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        return queryset.filter(kind=value) if value else queryset


@admin.register(Notification)
class NotificationAdmin(ReadOnlyScopedAdmin):
    """Notifications the admin looks after (``policy.overseen``)."""

    policy_resource = Notification
    list_display = ["title", "recipient", "kind_label", "created_at", "read_at"]
    list_filter = [KindFilter, ("read_at", admin.EmptyFieldListFilter)]
    list_select_related = ["recipient"]
    search_fields = ["title"]
    ordering = ["-created_at", "-id"]
    list_per_page = 100
    fields = readonly_fields = (
        "recipient",
        "kind_label",
        "title",
        "body",
        "subject_type",
        "subject_id",
        "link",
        "created_at",
        "read_at",
    )

    @admin.display(description=gettext_lazy("kind"), ordering="kind")
    def kind_label(self, notification: Notification) -> str:
        return kinds.label(notification.kind)


class OutboxStateFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return list(OutboxState.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if value in OutboxState.values:
            return queryset.filter(outbox_state_q(value))
        return queryset


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyScopedAdmin):
    """The e-mails of the notifications the admin looks after, with where each one stands
    (sent, waiting, retrying after a failure, given up). Chosen rows can be sent at once."""

    policy_resource = OutboxEmail
    list_display = [
        "subject",
        "to_address",
        "state",
        "attempts",
        "next_attempt",
        "error",
        "created_at",
        "sent_at",
    ]
    list_filter = [OutboxStateFilter]
    search_fields = ["subject", "to_address"]
    ordering = ["-created_at", "-id"]
    list_per_page = 100
    actions = ["send_now"]

    @admin.display(description=gettext_lazy("state"))
    def state(self, email: OutboxEmail) -> str:
        return str(outbox_state(email).label)

    @admin.display(description=gettext_lazy("next attempt"), ordering="next_attempt_at")
    def next_attempt(self, email: OutboxEmail) -> dt.datetime | None:
        if outbox_state(email) in (OutboxState.SENT, OutboxState.GIVEN_UP):
            return None
        return email.next_attempt_at or email.created_at

    @admin.display(description=gettext_lazy("last error"))
    def error(self, email: OutboxEmail) -> str:
        return Truncator(email.last_error).chars(80)

    @admin.action(description=gettext_lazy("Send the selected e-mails now"))
    def send_now(self, request: HttpRequest, queryset: QuerySet[OutboxEmail]) -> None:
        # ``queryset`` is the admin's own (``policy``) narrowed to the ticked rows; the service
        # scopes them through the policy again.
        actor = request.user
        if not isinstance(actor, User):
            raise PermissionDenied
        result = outbox_send_now(actor=actor, email_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext("%(count)d e-mail sent.", "%(count)d e-mails sent.", result.sent)
            % {"count": result.sent},
        )
        if result.failed:
            self.message_user(
                request,
                ngettext(
                    "%(count)d e-mail could not be sent: see its last error.",
                    "%(count)d e-mails could not be sent: see their last errors.",
                    result.failed,
                )
                % {"count": result.failed},
                level=messages.ERROR,
            )
