"""The GIN index that serves chat search on PostgreSQL (apps/chat/search.py): Russian and
English stemming over the message body. Its expression must stay identical to SEARCH_VECTOR
there, or PostgreSQL will not use it. Nothing to do on SQLite (search scans there)."""

from django.db import migrations

INDEX = "chat_message_body_search"
CREATE = (  # lint: allow fstring-sql -- INDEX is the constant above
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON chat_message USING gin ("
    "(to_tsvector('russian'::regconfig, COALESCE(body, ''))"
    " || to_tsvector('english'::regconfig, COALESCE(body, ''))))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # lint: allow fstring-sql -- INDEX is the constant above
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("chat", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
