"""Re-seal personal data with the active key and cipher (key rotation, DESIGN §6)."""

from __future__ import annotations

from argparse import RawDescriptionHelpFormatter
from typing import Any

from django.core.management.base import (
    BaseCommand,
    CommandError,
    CommandParser,
    DjangoHelpFormatter,
)

from governance import pii
from orgchart.services import person_rotate_keys


class _HelpFormatter(DjangoHelpFormatter, RawDescriptionHelpFormatter):
    """Django's option order, with the usage steps below kept as written."""


class Command(BaseCommand):
    help = """Re-encrypt every sealed ID number and phone that is not sealed with PII_ACTIVE_KEY
and PII_CIPHER, and print how many people were re-sealed. Idempotent: a second run
re-seals nothing. Values stay findable throughout (the keyed search hashes use
PII_HMAC_KEY, which this does not change).

To rotate the encryption key:
  1. Generate new key material:
       python -c "from governance.pii import generate_key; print(generate_key())"
  2. Add it under a new key id, keeping the old one, and make it active:
       PII_KEYS=k1:<old base64>,k2:<new base64>   PII_ACTIVE_KEY=k2
     (PII_CIPHER=sm4-gcm or aes-256-gcm switches the cipher the same way.)
     Restart the web and worker processes: new values are sealed with k2 from now on,
     old ones still open with k1.
  3. Run this command: manage.py rotate_pii_keys
  4. Run it again: it must report 0 people re-sealed.
  5. Remove the old key: PII_KEYS=k2:<new base64>, and restart.
Never remove a key before step 4 reports 0: values sealed with it could not be opened.
The embedded default (DEBUG, no PII_KEYS in the environment) keeps its keys in
var/secrets/pii_keys.json: edit "keys" and "active" there the same way."""

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        parser.formatter_class = _HelpFormatter
        return parser

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ring = pii.key_ring()
            rotated = person_rotate_keys()
        except pii.PIIError as error:
            raise CommandError(
                f"{error}. Every key id still in use must stay in PII_KEYS until rotated."
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Re-sealed {rotated} people with key {ring.active!r} and cipher {ring.cipher}."
            )
        )
