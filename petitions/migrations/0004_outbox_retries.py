"""The outbox's retries: a sender claims a row until ``claimed_until`` (outside any
transaction) and a failed row waits until ``next_attempt_at``. Existing rows are due at once."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("petitions", "0003_number_sequence"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxemail",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed until"),
        ),
        migrations.AddField(
            model_name="outboxemail",
            name="next_attempt_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="next attempt"),
        ),
    ]
