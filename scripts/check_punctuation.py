"""Check that Chinese text uses full-width punctuation.

Flags an ASCII ``; : , . ? !`` that follows a Chinese character (possibly after spaces) in the
zh_Hans catalog's translations and in the text of the templates: "办理要求:" should read
"办理要求：", "已办结." should read "已办结。". Numbers, times, placeholders, URLs and English
text are left alone (the mark must follow a Chinese character). Exit status 1 with one line
per finding. Run from the project root:

    .venv/bin/python scripts/check_punctuation.py
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.check_translations import PO_FILE, parse_po  # noqa: E402

FULL_WIDTH = {";": "；", ":": "：", ",": "，", ".": "。", "?": "？", "!": "！"}
# A Chinese character (CJK ideographs) or closing full-width bracket/quote, then optional
# spaces, then an ASCII mark that is not part of "..." or a number ("1.5").
HALF_WIDTH_AFTER_CHINESE = re.compile(
    r"(?P<before>[\u4e00-\u9fff）」』”])[ \t]*(?P<mark>[;:,.?!])(?![.\dA-Za-z])"
)
# Template syntax and tags: their contents are code, not text.
TEMPLATE_CODE = re.compile(
    r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|{%.*?%}|{{.*?}}|{#.*?#}|<[^>]*>", re.DOTALL
)


def findings(text: str) -> Iterator[str]:
    for match in HALF_WIDTH_AFTER_CHINESE.finditer(text):
        mark = match["mark"]
        start = max(0, match.start() - 8)
        yield f"{text[start : match.end()]!r}: {mark!r} should be {FULL_WIDTH[mark]!r}"


def catalog_findings(po_text: str) -> list[str]:
    found = []
    for entry in parse_po(po_text):
        if entry.is_header:
            continue
        for translated in entry.msgstrs:
            found += [f"{PO_FILE.name} {entry.msgid!r}: {item}" for item in findings(translated)]
    return found


# A mark written after a translated string ends up after Chinese text at run time
# ("{% translate "Instructions" %}:" renders 办理要求:): translate it too.
MARK_AFTER_TRANSLATION = re.compile(
    r'(?:{%\s*(?:translate|trans)\s+"[^"]*"[^%]*%}|{%\s*endblocktranslate\s*%}(?:{%\s*endif\s*%})?)'
    r"[ \t]*(?P<mark>[;:,.?!])(?![.\dA-Za-z])"
)


def template_findings(paths: Iterable[Path]) -> list[str]:
    found = []
    for path in paths:
        source = path.read_text(encoding="utf-8")
        label = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
        found += [
            f"{label}: {match[0]!r}: translate the mark too "
            f'({{% translate "{match["mark"]}" context "label suffix" %}})'
            for match in MARK_AFTER_TRANSLATION.finditer(source)
        ]
        text = TEMPLATE_CODE.sub(" ", source)
        found += [f"{label}: {item}" for item in findings(text)]
    return found


def main() -> int:
    found = catalog_findings(PO_FILE.read_text(encoding="utf-8")) + template_findings(
        sorted((ROOT / "templates").rglob("*.html"))
    )
    if found:
        print(f"{len(found)} half-width marks in Chinese text:", file=sys.stderr)
        for line in found:
            print(f"  {line}", file=sys.stderr)
        return 1
    print("Chinese text uses full-width punctuation")
    return 0


if __name__ == "__main__":
    sys.exit(main())
