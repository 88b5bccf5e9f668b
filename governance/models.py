"""Infrastructure rows with no domain knowledge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last time a background process proved it was alive (the worker, via beat)."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    beat_at = models.DateTimeField(_("last heartbeat"))
    hostname = models.CharField(_("host"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"


def record_type_label(label: str) -> str:
    """A model label of the audit log (``orgchart.User``) as users call the model (账号); the
    label of a model that no longer exists as it was written."""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(model._meta.verbose_name)


class AuditLogIsAppendOnly(Exception):
    """An audit row was to be changed or deleted (only ``prune_audit_log`` deletes, and only
    rows past the retention)."""


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """The audit log's rows can be added and read, not changed or deleted in bulk."""

    def update(self, **kwargs: Any) -> int:
        raise AuditLogIsAppendOnly("audit rows are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit rows are deleted only by prune_audit_log")

    def move_seeded(self, shift: dt.timedelta) -> int:
        """Move rows that a demo seeding wrote in its own transaction by ``shift`` (the demo's
        history is written on a fixed reference clock, then moved to the present; see
        ``petitions.demo.shift``). The one change of audit rows there is: never for real rows."""
        return models.QuerySet.update(self, at=models.F("at") + shift)

    def prune(self, *, before: dt.datetime) -> int:
        """Delete the rows older than ``before``, which must leave at least
        ``settings.AUDIT_RETENTION_DAYS`` (等保 2.0: six months) of the log."""
        keep_from = timezone.now() - dt.timedelta(days=settings.AUDIT_RETENTION_DAYS)
        if before > keep_from:
            raise AuditLogIsAppendOnly(
                f"the audit log keeps {settings.AUDIT_RETENTION_DAYS} days: "
                f"prune before {keep_from:%Y-%m-%d} at the latest"
            )
        deleted, _by_model = models.QuerySet.delete(self.model.objects.filter(at__lt=before))
        return deleted


class AuditEvent(models.Model):
    """审计日志: who changed which business row when, and every reveal or export of personal
    data. Append-only: written by ``governance.audit.audit_record``; a saved row is never
    changed and never deleted, except past the retention by ``manage.py prune_audit_log``."""

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        MOVE = "move", _("moved")
        REVEAL = "reveal", _("revealed personal data")
        EXPORT = "export", _("exported personal data")
        LOGIN = "login", _("logged in")
        ACCOUNT = "account", _("account change")
        LIMITED = "limited", _("refused: too many requests")

    at = models.DateTimeField(_("time"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record id"), max_length=64, blank=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    changes = models.JSONField(_("details"), default=dict, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        at = timezone.localtime(self.at)
        what = f"{record_type_label(self.object_type)} #{self.object_id}".rstrip(" #")
        return f"{at:%Y-%m-%d %H:%M} {self.get_action_display()} {what}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogIsAppendOnly("audit rows are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("audit rows are deleted only by prune_audit_log")


class WorkflowEvent(models.Model):
    """One step of a workflow (``governance.workflow``): who did what, when, from which status
    to which, with the request's note and details. Append-only: timelines and rates are
    computed from these rows. Each workflow keeps its own table (a subclass with the foreign
    key to its object and the action choices)."""

    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_place = models.CharField(
        _("where the actor worked"),
        max_length=150,
        blank=True,
        help_text=_("The actor's unit or department at the time of the step."),
    )
    at = models.DateTimeField(_("time"))
    from_status = models.CharField(_("from"), max_length=15, blank=True)
    to_status = models.CharField(_("to"), max_length=15, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]


class NumberSequence(models.Model):
    """The last readable number given out for one kind of record in one year (2026-000123,
    GD2026-000045). The row lock taken by the UPDATE serialises concurrent callers."""

    name = models.CharField(_("sequence"), max_length=30)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number sequence")
        verbose_name_plural = _("number sequences")
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="number_sequence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.last}"
