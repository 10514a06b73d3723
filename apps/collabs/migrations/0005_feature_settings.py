"""The feature levels leave the Collab table: each collab's choices for tasks, meetings and
files move, unchanged, into CollabFeatureSettings.levels under the keys their apps register
with ("tasks", "calendar", "files"), and the twelve columns go. Reversible."""

import django.db.models.deletion
from django.db import migrations, models

# (feature key, column prefix): meetings are the calendar app's.
FEATURES = [("tasks", "tasks"), ("calendar", "meetings"), ("files", "files")]
VERBS = ["view", "create", "edit", "delete"]


def columns_to_json(apps, schema_editor):
    Collab = apps.get_model("collabs", "Collab")
    Settings = apps.get_model("collabs", "CollabFeatureSettings")
    fields = [f"{prefix}_{verb}_level" for _key, prefix in FEATURES for verb in VERBS]
    rows = []
    for values in Collab.objects.values("pk", *fields).iterator():
        levels = {
            key: {verb: values[f"{prefix}_{verb}_level"] for verb in VERBS}
            for key, prefix in FEATURES
        }
        rows.append(Settings(collab_id=values["pk"], levels=levels))
        if len(rows) >= 1000:
            Settings.objects.bulk_create(rows)
            rows = []
    Settings.objects.bulk_create(rows)


def json_to_columns(apps, schema_editor):
    Collab = apps.get_model("collabs", "Collab")
    Settings = apps.get_model("collabs", "CollabFeatureSettings")
    for row in Settings.objects.iterator():
        values = {}
        for key, prefix in FEATURES:
            for verb, level in (row.levels or {}).get(key, {}).items():
                if verb in VERBS:
                    values[f"{prefix}_{verb}_level"] = level
        if values:
            Collab.objects.filter(pk=row.collab_id).update(**values)


class Migration(migrations.Migration):
    dependencies = [("collabs", "0004_invite_level_guests_explicit")]

    operations = [
        migrations.CreateModel(
            name="CollabFeatureSettings",
            fields=[
                (
                    "collab",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="feature_settings",
                        serialize=False,
                        to="collabs.collab",
                    ),
                ),
                ("levels", models.JSONField(blank=True, default=dict, verbose_name="levels")),
            ],
            options={
                "verbose_name": "feature settings",
                "verbose_name_plural": "feature settings",
            },
        ),
        migrations.RunPython(columns_to_json, json_to_columns),
        *[
            migrations.RemoveField(model_name="collab", name=f"{prefix}_{verb}_level")
            for _key, prefix in FEATURES
            for verb in VERBS
        ],
    ]
