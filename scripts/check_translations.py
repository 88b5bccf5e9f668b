"""Check that the Simplified Chinese catalog is complete.

Runs makemessages for zh_Hans first, so strings new in the code show up in the .po, then lists
every entry whose msgstr (or any msgstr[n]) is empty or that is marked fuzzy. Exit status 1 if
there are any. Run from the project root:

    .venv/bin/python scripts/check_translations.py
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO_FILE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MAKEMESSAGES = [
    "manage.py",
    "makemessages",
    "-l",
    "zh_Hans",
    "--no-location",
    "--no-obsolete",
    "--ignore=.venv",
    "--ignore=node_modules",
    "--ignore=static/vendor",
    "--ignore=var",
    "--ignore=staticfiles",
    "--ignore=tests",
]


@dataclass
class Entry:
    """One catalog entry: its keywords (msgctxt, msgid, msgid_plural, msgstr, msgstr[n])."""

    fields: dict[str, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> list[str]:
        return [value for key, value in self.fields.items() if key.startswith("msgstr")]

    @property
    def is_header(self) -> bool:
        return self.msgid == "" and "msgctxt" not in self.fields

    @property
    def is_fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def is_untranslated(self) -> bool:
        return not self.is_header and (not self.msgstrs or not all(self.msgstrs))


def parse_po(text: str) -> list[Entry]:
    """The entries of a .po file, header included; obsolete (``#~``) entries are left out."""
    entries = []
    for block in re.split(r"\n[ \t]*\n", text):
        entry, key = Entry(), ""
        for line in block.strip().splitlines():
            if line.startswith("#,"):
                entry.flags.update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#"):
                continue  # comments, #| previous msgids, #~ obsolete entries
            elif line.startswith('"'):
                entry.fields[key] = entry.fields.get(key, "") + ast.literal_eval(line)
            else:
                key, _, value = line.partition(" ")
                entry.fields[key] = ast.literal_eval(value)
        if entry.fields:
            entries.append(entry)
    return entries


def problems(entries: list[Entry]) -> list[str]:
    """One line for each entry that is untranslated or fuzzy."""
    return [
        repr(entry.msgid or "(header)") + (" (fuzzy)" if entry.is_fuzzy else "")
        for entry in entries
        if entry.is_untranslated or entry.is_fuzzy
    ]


def main() -> int:
    made = subprocess.run([sys.executable, *MAKEMESSAGES], cwd=ROOT, check=False)
    if made.returncode:
        print(f"makemessages failed (exit status {made.returncode})", file=sys.stderr)
        return 1
    entries = parse_po(PO_FILE.read_text(encoding="utf-8"))
    if bad := problems(entries):
        listing = "\n  ".join(bad)
        print(f"{len(bad)} untranslated zh_Hans strings:\n  {listing}", file=sys.stderr)
        print(f"Translate them in {PO_FILE.relative_to(ROOT)}.", file=sys.stderr)
        return 1
    count = sum(not entry.is_header for entry in entries)
    print(f"zh_Hans translations complete ({count} entries)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
