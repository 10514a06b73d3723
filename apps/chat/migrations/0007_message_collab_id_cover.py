"""A covering index on (collab_id, id) with the columns the unread count filters on, for the
count of each collab's unread messages in the list beside every page (apps/chat/receivers.py,
annotate_unread: COUNT over the first 1,000 messages of others past the reader's marker).

The marker comes from a subquery, unknown when PostgreSQL plans, so it guessed a third of the
table past it and walked the primary key from the marker, filtering on the collab: for a quiet
collab older than busy ones, every later message of every collab (bench/chat: 224 ms on every
page with 1.2 million messages; 66 ms in a test database with 300,000 after the marker). With
the filtered columns in the index the count is an index-only scan of the collab's own entries
past the marker (0.1 ms there). PostgreSQL only: SQLite has no INCLUDE, and plans this count on
the (collab, id) index of the model."""

from django.db import migrations

from apps.core.migrationops import postgresql_index


class Migration(migrations.Migration):
    dependencies = [("chat", "0006_attachments")]

    operations = [
        postgresql_index(
            "message_collab_id_cover",
            "ON chat_message (collab_id, id) INCLUDE (author_id, actor_id, deleted_at)",
        )
    ]
