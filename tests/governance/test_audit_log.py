"""The audit log is append-only: a row is never changed or deleted through the app, the admin
shows it to superusers only (searchable), and ``prune_audit_log`` deletes only rows past the
retention (at least six months)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from axes.models import AccessFailureLog
from django.core.management import CommandError, call_command
from django.utils import timezone

from governance.audit import audit_record
from governance.models import AuditEvent, AuditLogIsAppendOnly
from tests.conftest import Personas, Tree, client_for


def event(days_ago: int, actor: Any = None, what: str = "光明社区") -> AuditEvent:
    return audit_record(
        actor=actor,
        action=AuditEvent.Action.UPDATE,
        object_type="orgchart.OrgUnit",
        object_id="1",
        changes={"name": what},
        now=timezone.now() - dt.timedelta(days=days_ago),
    )


def test_a_row_is_never_changed_or_deleted(tree: Tree, people: Personas) -> None:
    row = event(1, people.worker)
    row.changes = {"name": "forged"}
    with pytest.raises(AuditLogIsAppendOnly):
        row.save()
    with pytest.raises(AuditLogIsAppendOnly):
        row.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=row.pk).update(changes={})
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.filter(pk=row.pk).delete()
    assert AuditEvent.objects.get(pk=row.pk).changes == {"name": "光明社区"}


def test_superusers_search_the_log_and_nobody_edits_it(tree: Tree, people: Personas) -> None:
    event(1, people.worker, what="和平社区")
    row = event(2, people.official)
    admin = client_for(people.superuser)
    found = admin.get("/admin/governance/auditevent/?q=worker")
    assert found.status_code == 200
    assert found.context["cl"].result_count == 1
    assert admin.get(f"/admin/governance/auditevent/{row.pk}/delete/").status_code == 403
    changed = admin.post(f"/admin/governance/auditevent/{row.pk}/change/", {"object_id": "9"})
    assert changed.status_code == 403
    assert AuditEvent.objects.get(pk=row.pk).object_id == "1"
    # A staff admin of a street is not a superuser: the log is not theirs to read.
    assert client_for(people.street_admin).get("/admin/governance/auditevent/").status_code == 403


def test_pruning_deletes_only_rows_past_the_retention(
    tree: Tree, people: Personas, settings: Any
) -> None:
    settings.AUDIT_RETENTION_DAYS = 183
    old, kept = event(400), event(100)
    failure = AccessFailureLog.objects.create(
        username="worker", ip_address="10.0.0.1", user_agent="x", locked_out=False
    )
    # (The attempt's time is set on creation.)
    AccessFailureLog.objects.filter(pk=failure.pk).update(
        attempt_time=timezone.now() - dt.timedelta(days=400)
    )
    out = StringIO()
    call_command("prune_audit_log", "--dry-run", stdout=out)
    assert "Would delete 1 audit rows and 1 failed-login records" in out.getvalue()
    assert AuditEvent.objects.filter(pk=old.pk).exists()

    call_command("prune_audit_log", stdout=out)
    assert "Deleted 1 audit rows and 1 failed-login records" in out.getvalue()
    assert not AuditEvent.objects.filter(pk=old.pk).exists()
    assert AuditEvent.objects.filter(pk=kept.pk).exists()
    assert not AuditEvent.objects.filter(at__lt=timezone.now() - dt.timedelta(days=183)).exists()
    assert not AccessFailureLog.objects.exists()


def test_pruning_refuses_to_cut_into_the_retention(tree: Tree, settings: Any) -> None:
    settings.AUDIT_RETENTION_DAYS = 183
    row = event(100)
    with pytest.raises(CommandError, match="keeps at least 183 days"):
        call_command("prune_audit_log", "--days", "30")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEvent.objects.prune(before=timezone.now() - dt.timedelta(days=30))
    assert AuditEvent.objects.filter(pk=row.pk).exists()
