"""Names are one line (apps.core.text): normalize the people's full names stored before that rule, so
that no old name breaks an email header. The rule is copied here as it was when this migration
was written (a migration must not change when the code does)."""

import re

from django.db import migrations

_BREAKS = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _single_line(value):
    return _BREAKS.sub(" ", value or "").strip()


def normalize(apps, schema_editor):
    model = apps.get_model("accounts", "User")
    # Read first, then write: no update while the cursor is still open (SQLite).
    changed = [
        (pk, _single_line(name))
        for pk, name in model.objects.values_list("pk", "full_name").iterator()
        if _single_line(name) != name
    ]
    for pk, fixed in changed:
        model.objects.filter(pk=pk).update(full_name=fixed)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_site_policy")]

    operations = [migrations.RunPython(normalize, migrations.RunPython.noop, elidable=True)]
