"""What every admin changelist shares, whatever the app: boolean columns in the user's language.

Django draws a boolean column as an icon whose alt text is the Python value ("True", "False")
in every language, so a screen reader reads English on a Chinese page. ``BooleanColumnsMixin``
draws the same icons with 是 / 否 (Django's own "Yes" / "No").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib import admin

    AdminBase = admin.ModelAdmin[Any]
else:
    AdminBase = object


def boolean_icon(value: bool | None) -> SafeString:
    """Django's yes / no / unknown icon, its alt text translated."""
    icon, word = {True: ("yes", _("Yes")), False: ("no", _("No")), None: ("unknown", _("Unknown"))}[
        value
    ]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), word)


_COLUMNS: dict[tuple[type[models.Model], str], Callable[[Any], SafeString] | None] = {}


def _boolean_column(model: type[models.Model], name: str) -> Callable[[Any], SafeString] | None:
    """A changelist column for the boolean field ``name`` of ``model`` (None for any other
    name): same header, same ordering, same icons, translated alt text. Made once."""
    key = (model, name)
    if key not in _COLUMNS:
        _COLUMNS[key] = _make_boolean_column(model, name)
    return _COLUMNS[key]


def _make_boolean_column(
    model: type[models.Model], name: str
) -> Callable[[Any], SafeString] | None:
    try:
        field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not isinstance(field, models.BooleanField):
        return None

    def column(obj: Any) -> SafeString:
        return boolean_icon(getattr(obj, name))

    column.__name__ = name  # the column keeps its CSS class (column-<name>)
    column.short_description = field.verbose_name  # type: ignore[attr-defined]
    column.admin_order_field = name  # type: ignore[attr-defined]
    return column


class BooleanColumnsMixin(AdminBase):
    """Boolean fields of ``list_display`` shown with translated icons (not the links or the
    editable columns, which Django draws itself)."""

    def get_list_display(self, request: HttpRequest) -> Any:
        kept = {*(self.list_display_links or ()), *self.list_editable}
        shown: list[Any] = []
        for name in super().get_list_display(request):
            column = (
                _boolean_column(self.model, name)
                if isinstance(name, str) and name not in kept
                else None
            )
            shown.append(column or name)
        return shown
