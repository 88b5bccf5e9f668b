"""Copy the notifications and e-mails of the old petitions tables into this app's, keeping
their ids (the API's ids and the e-mails' links stay valid).

* A notification about a petition: kind ``petition.<action>``, the petition as its subject,
  its page as the link.
* One about no petition with kind ``escalate``: the volunteers' overdue work-order note
  (written through the petitions' model before this app existed): kind
  ``work_order.overdue``, with the work order as its subject when its number
  (``GD2026-000045``) in the title or the message names one, else no subject.
* Any other one about no petition: ``petition.<action>`` with no subject.

Reversible: the reverse copies the rows back (the kinds without their namespace, the
petition subjects as petitions, the work-order notes as ``escalate`` about no petition).
"""

import re

from django.core.management.color import no_style
from django.db import migrations

BATCH = 2000
WORK_ORDER_NUMBER = re.compile(r"GD\d{4}-\d{6}")
WORK_ORDER_OVERDUE = "work_order.overdue"


def _reset_sequences(schema_editor, models):
    """Explicit ids leave PostgreSQL's identity sequences behind: move them past the copies
    (SQLite's AUTOINCREMENT follows by itself)."""
    connection = schema_editor.connection
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _batches(queryset):
    """``queryset`` in pages by id (each page one query; fine for millions of rows)."""
    last = 0
    while True:
        page = list(queryset.filter(pk__gt=last).order_by("pk")[:BATCH])
        if not page:
            return
        yield page
        last = page[-1].pk


def _content_type(apps, app_label, model):
    content_type = apps.get_model("contenttypes", "ContentType")
    return content_type.objects.get_or_create(app_label=app_label, model=model)[0]


def copy_from_petitions(apps, schema_editor):
    old_notification = apps.get_model("petitions", "Notification")
    old_email = apps.get_model("petitions", "OutboxEmail")
    notification = apps.get_model("notifications", "Notification")
    email = apps.get_model("notifications", "OutboxEmail")
    work_order = apps.get_model("volunteers", "WorkOrder")
    if not old_notification.objects.exists():
        return
    petition_type = _content_type(apps, "petitions", "petition")
    work_order_type = _content_type(apps, "volunteers", "workorder")

    for page in _batches(old_notification.objects.all()):
        numbers = {
            match.group(0)
            for row in page
            if row.petition_id is None and row.kind == "escalate"
            for match in [WORK_ORDER_NUMBER.search(f"{row.title}\n{row.body}")]
            if match
        }
        orders = dict(
            work_order.objects.filter(number__in=numbers).values_list("number", "pk")
        )
        copies = []
        for row in page:
            subject_type = subject_id = None
            link = ""
            kind = f"petition.{row.kind}"
            if row.petition_id is not None:
                subject_type, subject_id = petition_type, row.petition_id
                link = f"/petitions/{row.petition_id}/"
            elif row.kind == "escalate":
                kind = WORK_ORDER_OVERDUE
                match = WORK_ORDER_NUMBER.search(f"{row.title}\n{row.body}")
                order_id = orders.get(match.group(0)) if match else None
                if order_id is not None:
                    subject_type, subject_id = work_order_type, order_id
                    link = f"/volunteers/work-orders/{order_id}/"
            copies.append(
                notification(
                    pk=row.pk,
                    recipient_id=row.recipient_id,
                    kind=kind,
                    subject_type=subject_type,
                    subject_id=subject_id,
                    link=link,
                    title=row.title,
                    body=row.body,
                    created_at=row.created_at,
                    read_at=row.read_at,
                )
            )
        notification.objects.bulk_create(copies)

    for page in _batches(old_email.objects.all()):
        email.objects.bulk_create(
            [
                email(
                    pk=row.pk,
                    notification_id=row.notification_id,
                    to_address=row.to_address,
                    subject=row.subject,
                    body=row.body,
                    created_at=row.created_at,
                    sent_at=row.sent_at,
                    attempts=row.attempts,
                    last_error=row.last_error,
                    next_attempt_at=row.next_attempt_at,
                    claimed_until=row.claimed_until,
                )
                for row in page
            ]
        )
    _reset_sequences(schema_editor, [notification, email])


def copy_back(apps, schema_editor):
    old_notification = apps.get_model("petitions", "Notification")
    old_email = apps.get_model("petitions", "OutboxEmail")
    notification = apps.get_model("notifications", "Notification")
    email = apps.get_model("notifications", "OutboxEmail")
    for page in _batches(notification.objects.select_related("subject_type")):
        copies = []
        for row in page:
            subject = row.subject_type
            about_petition = (
                subject is not None
                and (subject.app_label, subject.model) == ("petitions", "petition")
            )
            if row.kind == WORK_ORDER_OVERDUE:
                kind = "escalate"
            else:
                kind = row.kind.partition(".")[2][:20]
            copies.append(
                old_notification(
                    pk=row.pk,
                    recipient_id=row.recipient_id,
                    petition_id=row.subject_id if about_petition else None,
                    kind=kind,
                    title=row.title,
                    body=row.body,
                    created_at=row.created_at,
                    read_at=row.read_at,
                )
            )
        old_notification.objects.bulk_create(copies)
    for page in _batches(email.objects.all()):
        old_email.objects.bulk_create(
            [
                old_email(
                    pk=row.pk,
                    notification_id=row.notification_id,
                    to_address=row.to_address,
                    subject=row.subject,
                    body=row.body,
                    created_at=row.created_at,
                    sent_at=row.sent_at,
                    attempts=row.attempts,
                    last_error=row.last_error,
                    next_attempt_at=row.next_attempt_at,
                    claimed_until=row.claimed_until,
                )
                for row in page
            ]
        )
    _reset_sequences(schema_editor, [old_notification, old_email])
    # The forward copy runs again on the way up: leave nothing behind to collide with it.
    email.objects.all().delete()
    notification.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("petitions", "0005_overdue_on_record"),
        ("volunteers", "0004_number_sequence_event_data"),
    ]

    operations = [migrations.RunPython(copy_from_petitions, copy_back)]
