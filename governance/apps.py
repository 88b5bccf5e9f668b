from axes.apps import AppConfig as AxesAppConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    default = True  # the app's own config (this module holds django-axes' too)
    name = "governance"
    verbose_name = _("Platform")


class AxesConfig(AxesAppConfig):
    """django-axes (failed logins and lockouts) under a name the admin index translates: its
    own is the untranslated "Axes"."""

    default = False
    verbose_name = _("Login security")
