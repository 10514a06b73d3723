"""Guests invite only where that was chosen explicitly.

"All members" was the default of "who may invite", and it let guests invite (and see the pending
invitees, resend and revoke others' invitations, remake the collab's link). The default is now
"Employees only" — everyone but guests — and the choice that lets guests invite is labelled
"All members, guests included".

Collabs on "All members" move to "Employees only": that value was the default, so nothing tells
a deliberate choice apart from a setting nobody looked at, and the label never said "guests".
Employees keep exactly the right they had; only guests lose it, until an owner or moderator
picks "All members, guests included". Invitations guests sent before stay valid; the owner and
moderators see and manage them on the members page.
"""

from django.db import migrations, models


def guests_stop_inviting(apps, schema_editor):
    Collab = apps.get_model("collabs", "Collab")
    Collab.objects.filter(invite_level="members").update(invite_level="employees")


class Migration(migrations.Migration):
    dependencies = [("collabs", "0003_single_line_names")]

    operations = [
        migrations.AlterField(
            model_name="collab",
            name="invite_level",
            field=models.CharField(
                choices=[
                    ("owner", "Owner only"),
                    ("moderators", "Owner and moderators"),
                    ("employees", "Employees only"),
                    ("members", "All members, guests included"),
                ],
                default="employees",
                max_length=16,
                verbose_name="who may invite",
            ),
        ),
        migrations.RunPython(guests_stop_inviting, migrations.RunPython.noop),
    ]
