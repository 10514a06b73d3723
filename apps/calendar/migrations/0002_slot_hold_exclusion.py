"""No two holds of one person's time overlap (models.SlotHold, booking.py): on PostgreSQL an
exclusion constraint over (user, tstzrange(start, end)) with btree_gist, so two bookings
racing for the same person's time cannot both commit, whatever the application checks did
(the loser's INSERT fails and it is told the slot was just taken). btree_gist is a trusted
extension (PostgreSQL 13+): the database's owner may create it. Nothing on SQLite, where a
booking runs serialized (booking.py)."""

from django.db import migrations

NAME = "slothold_no_overlap"
CREATE = (
    "ALTER TABLE calendar_slothold ADD CONSTRAINT slothold_no_overlap "
    "EXCLUDE USING gist (user_id WITH =, tstzrange(start, \"end\", '[)') WITH &&)"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # lint: allow fstring-sql -- NAME is the constant above
        schema_editor.execute("ALTER TABLE calendar_slothold DROP CONSTRAINT IF EXISTS " + NAME)


class Migration(migrations.Migration):
    dependencies = [("calendar", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
