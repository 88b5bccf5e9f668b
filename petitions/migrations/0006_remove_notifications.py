"""The notifications and the outbox moved to the notifications app, which copied the rows
(``notifications.0002_copy_from_petitions``): drop the old tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0005_overdue_on_record"),
        ("notifications", "0002_copy_from_petitions"),
    ]

    operations = [
        migrations.DeleteModel(name="OutboxEmail"),
        migrations.DeleteModel(name="Notification"),
    ]
