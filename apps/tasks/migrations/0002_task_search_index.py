"""The GIN index that serves task search on PostgreSQL (apps/tasks/search.py: the list's
search box, `to_tsvector(...) @@ websearch_to_tsquery(...)` over a collab's tasks): Russian
and English stemming over the title and the description. Its expression must stay identical to
SEARCH_VECTOR there, or PostgreSQL will not use it. Nothing on SQLite (search stems on the fly
there)."""

from django.db import migrations

INDEX = "tasks_task_search"
_TEXT = "COALESCE(title, '') || ' ' || COALESCE(description, '')"
CREATE = (  # lint: allow fstring-sql -- INDEX and _TEXT are the constants above
    f"CREATE INDEX IF NOT EXISTS {INDEX} ON tasks_task USING gin ("
    f"(to_tsvector('russian'::regconfig, {_TEXT})"
    f" || to_tsvector('english'::regconfig, {_TEXT})))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # lint: allow fstring-sql -- INDEX is the constant above
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]

    operations = [migrations.RunPython(create, drop)]
