"""The audit log in the admin: read-only, for superusers only (DESIGN §6, 等保 2.0); and
django-axes' admin (login attempts, failures and lockouts) in the user's language.

Audit rows are written by ``governance.audit.audit_record`` in the same transaction as the
change they record; nobody adds, edits or deletes them through the app.
"""

from __future__ import annotations

import json
from typing import Any

from axes import admin as axes_admin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from governance.admin_display import BooleanColumnsMixin
from governance.audit import audit_record
from governance.models import AuditEvent, record_type_label


class RecordTypeFilter(admin.SimpleListFilter):
    title = _("record type")
    parameter_name = "object_type"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        labels = AuditEvent.objects.order_by().values_list("object_type", flat=True).distinct()
        return sorted(((label, record_type_label(label)) for label in labels), key=lambda c: c[1])

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEvent]) -> Any:
        value = self.value()
        return queryset.filter(object_type=value) if value else queryset


@admin.register(AuditEvent)
class AuditEventAdmin(BooleanColumnsMixin, admin.ModelAdmin):
    list_display = ["at", "actor", "action", "record_type", "object_id", "object_repr"]
    list_filter = ["action", RecordTypeFilter]
    list_select_related = ["actor"]
    search_fields = ["object_id", "object_repr", "actor__username"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    fields = ("at", "actor", "action", "record_type", "object_id", "object_repr", "details")
    readonly_fields = (
        "at",
        "actor",
        "action",
        "record_type",
        "object_id",
        "object_repr",
        "details",
    )
    list_per_page = 100
    show_full_result_count = False  # the log grows without bound: no COUNT(*) per page

    @admin.display(description=_("record type"), ordering="object_type")
    def record_type(self, event: AuditEvent) -> str:
        return record_type_label(event.object_type)

    @admin.display(description=_("details"))
    def details(self, event: AuditEvent) -> str:
        text = json.dumps(event.changes, ensure_ascii=False, indent=2, sort_keys=True)
        return format_html("<pre>{}</pre>", text)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_superuser)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- django-axes ---------------------------------------------------------------------------
# Its admin as it is, with the columns it leaves untranslated: the status of an attempt and the
# boolean icons' alt text.


class AccessAttemptAdmin(BooleanColumnsMixin, axes_admin.AccessAttemptAdmin):
    """Failed logins per account, address and browser. Selecting rows and "unlock" clears them
    (an address locked by failures on several accounts is unlocked by selecting its rows; an
    account from every address by the accounts' own "unlock" action)."""

    actions = ["unlock", "cleanup_expired_attempts"]

    @admin.action(description=_("Unlock: clear the selected failed logins"), permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        with transaction.atomic():
            attempts = list(queryset.select_for_update())
            for attempt in attempts:
                audit_record(
                    actor=request.user,
                    action=AuditEvent.Action.ACCOUNT,
                    object_type="axes.AccessAttempt",
                    object_id=str(attempt.pk),
                    changes={
                        "event": "login unlocked",
                        "username": attempt.username,
                        "address": attempt.ip_address,
                        "failures": attempt.failures_since_start,
                    },
                )
            AccessAttempt.objects.filter(pk__in=[attempt.pk for attempt in attempts]).delete()
        count = len(attempts)
        self.message_user(
            request,
            ngettext(
                "%(count)d record of failed logins cleared: logins from there are unlocked.",
                "%(count)d records of failed logins cleared: logins from there are unlocked.",
                count,
            )
            % {"count": count},
        )

    @admin.display(description=_("status"))
    def status(self, obj: AccessAttempt) -> str:
        remaining = int(settings.AXES_FAILURE_LIMIT) - obj.failures_since_start
        if remaining > 0:
            return ngettext("%(count)d attempt left", "%(count)d attempts left", remaining) % {
                "count": remaining
            }
        return str(_("Locked out"))


class AccessLogAdmin(BooleanColumnsMixin, axes_admin.AccessLogAdmin):
    pass


class AccessFailureLogAdmin(BooleanColumnsMixin, axes_admin.AccessFailureLogAdmin):
    pass


for model, model_admin in (
    (AccessAttempt, AccessAttemptAdmin),
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
        admin.site.register(model, model_admin)
