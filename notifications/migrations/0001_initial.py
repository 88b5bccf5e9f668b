"""The inbox and the outbox, formerly petitions' own (``petitions.Notification``,
``petitions.OutboxEmail``): a namespaced kind and a generic subject instead of a petition.
The index names differ from the old tables' (both exist until ``0002`` has copied the rows
and ``petitions.0006`` drops the old ones)."""

import django.db.models.deletion
import notifications.kinds
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=notifications.kinds.choices, max_length=50, verbose_name='kind')),
                ('subject_id', models.PositiveBigIntegerField(blank=True, null=True, verbose_name='subject id')),
                ('link', models.CharField(blank=True, max_length=200, verbose_name='link')),
                ('title', models.CharField(max_length=200, verbose_name='title')),
                ('body', models.TextField(blank=True, verbose_name='message')),
                ('created_at', models.DateTimeField(verbose_name='sent at')),
                ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='read at')),
                ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL, verbose_name='recipient')),
                ('subject_type', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='contenttypes.contenttype', verbose_name='subject type')),
            ],
            options={
                'verbose_name': 'notification',
                'verbose_name_plural': 'notifications',
                'ordering': ['-created_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='OutboxEmail',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('to_address', models.EmailField(max_length=254, verbose_name='to')),
                ('subject', models.CharField(max_length=200, verbose_name='subject')),
                ('body', models.TextField(verbose_name='message')),
                ('created_at', models.DateTimeField(verbose_name='created at')),
                ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                ('last_error', models.TextField(blank=True, verbose_name='last error')),
                ('next_attempt_at', models.DateTimeField(blank=True, null=True, verbose_name='next attempt')),
                ('claimed_until', models.DateTimeField(blank=True, null=True, verbose_name='claimed until')),
                ('notification', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='emails', to='notifications.notification', verbose_name='notification')),
            ],
            options={
                'verbose_name': 'outgoing e-mail',
                'verbose_name_plural': 'e-mail outbox',
                'ordering': ['created_at', 'id'],
            },
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(condition=models.Q(('read_at__isnull', True)), fields=['recipient', '-created_at'], name='notifications_unread'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['recipient', '-created_at'], name='notifications_inbox'),
        ),
        migrations.AddIndex(
            model_name='notification',
            index=models.Index(fields=['subject_type', 'subject_id'], name='notifications_subject'),
        ),
        migrations.AddIndex(
            model_name='outboxemail',
            index=models.Index(condition=models.Q(('sent_at__isnull', True)), fields=['created_at'], name='notifications_outbox_unsent'),
        ),
    ]
