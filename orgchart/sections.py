"""The URL gate of the app's sections: every page URL belongs to one section of the policy
(``orgchart.policy.SECTIONS``), and answers only the users who use that section, as the navbar
shows it to them (``policy.uses_section``; the navbar asks ``policy.nav_sections``).

A signed-in user whose role never uses the section gets the 403 page, whatever the URL names
(an object that does not exist as well: the answer says nothing about what exists). Inside a
section the views go on to answer as before: 404 for a row outside the user's area, 403 for an
action the role may not take there. Anonymous visitors go on to the view, which sends them to
log in.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.translation import gettext as _

from governance.errors import NotAllowed
from orgchart import policy

View = Callable[..., HttpResponseBase]


def section_view(section: str, view: View) -> View:
    """``view`` behind the gate of ``section``; the gated view names its section in
    ``view.section`` (the tests check that every page URL has one)."""
    if section not in policy.SECTIONS:
        raise KeyError(section)

    @functools.wraps(view)
    def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        user = request.user
        if user.is_authenticated and not policy.uses_section(user, section):
            raise NotAllowed(_("These pages are not part of your role's work."))
        return view(request, *args, **kwargs)

    gated.section = section  # type: ignore[attr-defined]
    return gated


def section_urls(
    section: str, patterns: Sequence[URLPattern | URLResolver]
) -> list[URLPattern | URLResolver]:
    """The URL patterns ``patterns`` (``path(...)``), each view behind the gate of
    ``section``, in the same order."""
    gated: list[URLPattern | URLResolver] = []
    for pattern in patterns:
        if not isinstance(pattern, URLPattern):
            raise TypeError(f"{pattern!r}: gate the views of an included URLconf one by one")
        gated.append(
            URLPattern(
                pattern.pattern,
                section_view(section, pattern.callback),
                pattern.default_args,
                pattern.name,
            )
        )
    return gated


def section_of(view: Any) -> str | None:
    """The section a URL's view is gated by, or None."""
    return getattr(view, "section", None)
