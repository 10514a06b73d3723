"""The GIN index that serves chat search on PostgreSQL (apps/chat/search.py): Russian and
English stemming over the message body. Its expression must stay identical to SEARCH_VECTOR
there, or PostgreSQL will not use it. Nothing to do on SQLite (search scans there)."""

from django.db import migrations

from apps.core.migrationops import postgresql_index


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial")]

    operations = [
        postgresql_index(
            "chat_message_body_search",
            "ON chat_message USING gin ("
            "(to_tsvector('russian'::regconfig, COALESCE(body, ''))"
            " || to_tsvector('english'::regconfig, COALESCE(body, ''))))",
        )
    ]
