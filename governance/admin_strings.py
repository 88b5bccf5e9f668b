"""Strings the admin site shows that the installed packages' own zh_Hans catalogues lack.

The project's catalogue comes first (``LOCALE_PATHS`` is searched before the apps' and
Django's catalogues), so a msgid listed here and translated in
locale/zh_Hans/LC_MESSAGES/django.po is shown in Chinese wherever the package uses it.
Listed with ``gettext_noop`` so that makemessages (scripts/check_translations.py) keeps them
in the catalogue; nothing imports this module.
"""

from django.utils.translation import gettext_noop

# Django 5.2's admin index and app list: the column headers of its tables (screen readers).
DJANGO_ADMIN = (
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
)

# django-axes: its models, fields and admin (login security: access attempts, failures and
# logs). Its __str__ texts ("Attempted Access: …") are not translatable.
AXES = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
)
