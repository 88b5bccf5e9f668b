"""Revealing a petitioner (DESIGN §6): the name and phone in full, audited."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from governance import pii
from governance.audit import audit_record
from governance.errors import OutOfScope
from governance.models import AuditEvent
from governance.ratelimit import limited
from orgchart import policy
from orgchart.policy import AnyUser
from petitions.models import Petition


@dataclass(frozen=True)
class Petitioner:
    name: str
    phone: str


@limited("reveal")
@transaction.atomic
def petition_reveal_petitioner(*, actor: AnyUser, petition: Petition) -> Petitioner:
    """The petitioner's name and contact phone in full, for the roles that may reveal personal
    data and for the handler of a department whose whistle on this case is open (none after it
    ends: the policy answers 404 then, as for another department). Writes an audit row."""
    if not policy.petitions.petitioner_in_scope(actor, petition):
        raise OutOfScope()
    policy.require(actor, "petition.reveal_petitioner", petition)
    person = petition.petitioner
    name = "" if petition.is_anonymous or person is None else person.name
    sealed = petition.contact_phone_encrypted or (
        person.mobile_encrypted if person is not None else ""
    )
    audit_record(
        actor=actor,
        action=AuditEvent.Action.REVEAL,
        obj=petition,
        changes={"field": "petitioner", "person": person.pk if person is not None else None},
    )
    return Petitioner(name=name, phone=pii.decrypt(sealed) if sealed else "")
