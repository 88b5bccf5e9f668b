"""The audit log in the admin: read-only, for superusers only (DESIGN §6, 等保 2.0).

Rows are written by ``governance.audit.audit_record`` in the same transaction as the change
they record; nobody adds, edits or deletes them through the app.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from governance.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "object_repr"]
    list_filter = ["action", "object_type"]
    list_select_related = ["actor"]
    search_fields = ["object_id", "object_repr", "actor__username"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]
    fields = ("at", "actor", "action", "object_type", "object_id", "object_repr", "details")
    readonly_fields = (
        "at",
        "actor",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "details",
    )
    list_per_page = 100
    show_full_result_count = False  # the log grows without bound: no COUNT(*) per page

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
