"""The in-app inbox (``Notification``) and the e-mail outbox (``OutboxEmail``).

A notification belongs to its recipient. Its ``kind`` is one an app registered
(``notifications.kinds``); its subject, when it has one, is any row of any app (a generic
link: ``subject_type`` + ``subject_id``), and ``link`` caches the path of the subject's page,
so the inbox links to it without loading the subject.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from notifications import kinds


class Notification(models.Model):
    """A message in a user's in-app inbox (unread count in the navbar)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=kinds.MAX_LENGTH, choices=kinds.choices)
    # What the message is about, if anything (a petition, a work order…): any app's row.
    subject_type = models.ForeignKey(
        ContentType,
        verbose_name=_("subject type"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    subject_id = models.PositiveBigIntegerField(_("subject id"), null=True, blank=True)
    subject = GenericForeignKey("subject_type", "subject_id")
    # The path of the subject's page when the message was written (empty: nothing to open).
    link = models.CharField(_("link"), max_length=200, blank=True)
    title = models.CharField(pgettext_lazy("notification", "title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(_("sent at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                condition=Q(read_at__isnull=True),
                name="notifications_unread",
            ),
            models.Index(fields=["recipient", "-created_at"], name="notifications_inbox"),
            models.Index(fields=["subject_type", "subject_id"], name="notifications_subject"),
        ]

    def __str__(self) -> str:
        return self.title


class OutboxEmail(models.Model):
    """An e-mail to send (the outbox): a task sends due rows and marks each sent, so a lost
    task delays a message but never loses it.

    A sender claims a row (``claimed_until``, counting the attempt) before it talks to the mail
    server, outside any transaction, and then marks it sent or records the error and when to
    try again (``next_attempt_at``). After ``notifications.outbox.MAX_ATTEMPTS`` the row is
    given up and stays here for a person to look at."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        on_delete=models.CASCADE,
        related_name="emails",
    )
    to_address = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # When the row is due (empty: at once); after a failure, the end of its back-off.
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    # A sender holds the row until then; a sender that died mid-send frees it when it passes.
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("e-mail outbox")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(sent_at__isnull=True),
                name="notifications_outbox_unsent",
            )
        ]

    def __str__(self) -> str:
        return self.subject
