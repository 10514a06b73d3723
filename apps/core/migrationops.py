"""Migration operations the apps share.

`postgresql_index`: an index only PostgreSQL can have (an expression index for full-text
search, a covering INCLUDE index), made by raw SQL on PostgreSQL and skipped on SQLite, where
the apps plan without it. Reversible: the index is dropped. The name and the definition are
constants of the migration, never input."""

from django.db import migrations


def postgresql_index(name: str, definition: str) -> migrations.RunPython:
    """`CREATE INDEX IF NOT EXISTS <name> <definition>` on PostgreSQL; nothing elsewhere."""
    # lint: allow fstring-sql -- the name and definition are constants of a migration
    create_sql = f"CREATE INDEX IF NOT EXISTS {name} {definition}"

    def create(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(create_sql)

    def drop(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # lint: allow fstring-sql -- the name is a constant of a migration
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")

    return migrations.RunPython(create, drop)
