"""The full-text index that serves chat search on SQLite (apps/chat/search.py): an FTS5 table
holding, per live person's message (rowid = the message's id), its words stemmed in Python
(Russian and English Snowball stemmers), filled here for the messages already there and kept
in step by the services from then on. A trigger drops the row of a message deleted from its
table (a collab deleted, a test database flushed), so no row outlives its message.

Nothing to do on PostgreSQL (its GIN index, migration 0002, is on the body itself). Needs
SQLite built with FTS5, as Python's and Debian's are."""

from django.db import migrations

CREATE = [
    # Tokens are the stems as written by search.stems (already lower case, accents dropped
    # from Latin words); the tokenizer only splits them, folding nothing more.
    "CREATE VIRTUAL TABLE chat_message_fts USING fts5"
    "(stems, tokenize = 'unicode61 remove_diacritics 0')",
    "CREATE TRIGGER chat_message_fts_delete AFTER DELETE ON chat_message BEGIN"
    " DELETE FROM chat_message_fts WHERE rowid = old.id; END",
]
DROP = [
    "DROP TRIGGER IF EXISTS chat_message_fts_delete",
    "DROP TABLE IF EXISTS chat_message_fts",
]
BATCH = 2000


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    from apps.chat.search import stems

    for statement in CREATE:
        schema_editor.execute(statement)
    Message = apps.get_model("chat", "Message")
    rows = (
        Message.objects.using(schema_editor.connection.alias)
        .filter(kind="user", deleted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "body")
    )
    batch = []
    with schema_editor.connection.cursor() as cursor:
        for pk, body in rows.iterator(chunk_size=BATCH):
            batch.append((pk, " ".join(stems(body))))
            if len(batch) >= BATCH:
                cursor.executemany(
                    "INSERT INTO chat_message_fts (rowid, stems) VALUES (%s, %s)", batch
                )
                batch = []
        if batch:
            cursor.executemany("INSERT INTO chat_message_fts (rowid, stems) VALUES (%s, %s)", batch)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("chat", "0004_message_actor")]

    operations = [migrations.RunPython(create, drop)]
