from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    """The top layer: dashboards, rankings and the demo data of every app."""

    name = "governance.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboard")
