"""The GIN index that serves task search on PostgreSQL (apps/tasks/search.py: the list's
search box, `to_tsvector(...) @@ websearch_to_tsquery(...)` over a collab's tasks): Russian
and English stemming over the title and the description. Its expression must stay identical to
SEARCH_VECTOR there, or PostgreSQL will not use it. Nothing on SQLite (search stems on the fly
there)."""

from django.db import migrations

from apps.core.migrationops import postgresql_index

_TEXT = "COALESCE(title, '') || ' ' || COALESCE(description, '')"


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]

    operations = [
        postgresql_index(
            "tasks_task_search",
            "ON tasks_task USING gin ("
            f"(to_tsvector('russian'::regconfig, {_TEXT})"
            f" || to_tsvector('english'::regconfig, {_TEXT})))",
        )
    ]
