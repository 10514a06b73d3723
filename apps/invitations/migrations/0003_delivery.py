"""The delivery state of an invitation's email or text message, sent by a background task."""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('collabs', '0004_invite_level_guests_explicit'),
        ('invitations', '0002_single_line_names'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The invitations made before this were sent inside their request: "sent". New ones
        # start "queued" for the background task.
        migrations.AddField(
            model_name='invitation',
            name='delivery',
            field=models.CharField(choices=[('queued', 'waiting to be sent'), ('sending', 'being sent'), ('sent', 'sent'), ('failed', 'not delivered')], default='sent', max_length=8, verbose_name='delivery'),
        ),
        migrations.AlterField(
            model_name='invitation',
            name='delivery',
            field=models.CharField(choices=[('queued', 'waiting to be sent'), ('sending', 'being sent'), ('sent', 'sent'), ('failed', 'not delivered')], default='queued', max_length=8, verbose_name='delivery'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='delivery_changed',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='delivery changed'),
        ),
        migrations.AddField(
            model_name='invitation',
            name='delivery_error',
            field=models.TextField(blank=True, verbose_name='delivery error'),
        ),
        migrations.AddIndex(
            model_name='invitation',
            index=models.Index(condition=models.Q(('delivery__in', ['queued', 'sending'])), fields=['delivery_changed'], name='invitation_delivery_open'),
        ),
    ]
