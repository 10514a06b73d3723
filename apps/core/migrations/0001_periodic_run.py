"""The periodic runner's claims: one row per job and interval (core.periodic)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
    ]

    operations = [
        migrations.CreateModel(
            name='PeriodicRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('job', models.CharField(max_length=100, verbose_name='job')),
                ('slot', models.DateTimeField(verbose_name='interval')),
                ('runner', models.CharField(max_length=200, verbose_name='runner')),
                ('started_at', models.DateTimeField(verbose_name='started')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished')),
                ('error', models.TextField(blank=True, verbose_name='error')),
            ],
            options={
                'verbose_name': 'periodic run',
                'verbose_name_plural': 'periodic runs',
                'indexes': [models.Index(fields=['started_at'], name='periodic_run_started')],
                'constraints': [models.UniqueConstraint(fields=('job', 'slot'), name='periodic_run_once_per_slot')],
            },
        ),
    ]
