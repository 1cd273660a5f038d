"""The person-name search (``housing.name_search``) reads a trigram index on the full name.

pg_trgm ships with PostgreSQL and is a trusted extension. The index expression is exactly what
Django's ``icontains`` on ``FullName`` compiles to, so the planner can use it. On other databases
(SQLite in the embedded demo) this migration does nothing.
"""

from django.db import migrations

CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS person_full_name_trgm_idx ON housing_person "
    "USING gin (UPPER((first_name || ' ' || last_name)::text) gin_trgm_ops)",
]
DROP = "DROP INDEX IF EXISTS person_full_name_trgm_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("housing", "0014_state_change")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
