"""The ranking scheme (每月通报排队 weights) in the admin: one active scheme scores the months
not yet frozen; saving goes through ``services.ranking_scheme_save``."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from governance.admin_display import BooleanColumnsMixin
from governance.dashboard.models import RankingScheme
from governance.dashboard.services import ranking_scheme_save
from orgchart import policy


@admin.register(RankingScheme)
class RankingSchemeAdmin(BooleanColumnsMixin, admin.ModelAdmin):
    list_display = ["name", "is_active", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "is_active"]}),
        (
            _("Units: weights of the rates"),
            {
                "fields": [
                    "response_rate",
                    "resolution_rate",
                    "satisfaction_rate",
                    "first_time_resolution_rate",
                    "on_time_acceptance_rate",
                    "on_time_resolution_rate",
                ]
            },
        ),
        (
            _("Departments: weights of the rates"),
            {"fields": ["on_time_report_rate", "completion_rate", "rating_rate"]},
        ),
    ]

    def has_module_permission(self, request: HttpRequest) -> bool:
        return policy.uses_admin_site(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.uses_admin_site(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return policy.uses_admin_site(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return policy.uses_admin_site(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RankingScheme, form: Any, change: bool) -> None:
        ranking_scheme_save(actor=request.user, scheme=obj)
