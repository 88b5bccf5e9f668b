"""How the API reads request bodies (DRF's ``DEFAULT_PARSER_CLASSES``).

DRF imports this module while it defines ``APIView``: it must not import DRF's views, nor
anything that does (``governance.api`` does)."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ParseError
from rest_framework.parsers import (  # type: ignore[attr-defined]  # the stubs lack get_encoding
    FormParser,
    JSONParser,
    MultiPartParser,
    get_encoding,
)
from rest_framework.utils import json

# A body of this API nests two or three levels; deeper JSON is refused before Python's parser
# recurses into it (it fails with a RecursionError about a thousand levels down).
JSON_MAX_DEPTH = 20
_SURROGATE = re.compile("[\ud800-\udfff]")
NOT_AN_OBJECT = gettext_lazy("Send a JSON object ({…}) as the body.")
LONE_SURROGATE = gettext_lazy("The body holds an escaped lone surrogate (\\ud800 to \\udfff).")


class JSONObjectParser(JSONParser):
    """DRF's JSON parser, strict about what a body may be: text in its charset (UTF-8 unless
    the ``Content-Type`` names another), JSON without ``NaN``, an object at the top, at most
    ``JSON_MAX_DEPTH`` levels deep, and no escaped lone surrogate (``"\\ud800"`` is no
    character and cannot be written back as UTF-8, not even in an error message that quotes
    it). Anything else is a 400 with ``detail`` before a view or a serializer sees the body."""

    def parse(
        self, stream: Any, media_type: str | None = None, parser_context: Any = None
    ) -> dict[str, Any]:
        encoding = get_encoding(parser_context or {})
        try:
            text = stream.read().decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(
                _("The body is not valid %(charset)s text.") % {"charset": encoding}
            ) from error
        try:
            data = json.loads(text, parse_constant=json.strict_constant)
        except RecursionError as error:
            raise ParseError(too_deep()) from error
        except ValueError as error:
            message = _("The body is not valid JSON: %(error)s.") % {"error": error}
            raise ParseError(message) from error
        if not isinstance(data, dict):
            raise ParseError(str(NOT_AN_OBJECT))
        _check_nesting_and_text(data)
        return data


# ``parser_classes`` of a viewset that takes uploads: multipart offered before plain forms.
UPLOAD_PARSERS = [JSONObjectParser, MultiPartParser, FormParser]


def too_deep() -> str:
    return _("The body is nested too deeply (at most %(depth)d levels).") % {
        "depth": JSON_MAX_DEPTH
    }


def _check_nesting_and_text(data: Any) -> None:
    """Walk the parsed body without recursion: its depth, and every key and string."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, str):
            if _SURROGATE.search(value):
                raise ParseError(str(LONE_SURROGATE))
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > JSON_MAX_DEPTH:
            raise ParseError(too_deep())
        children = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        pending.extend((child, depth + 1) for child in children)
