"""Search indexes the staff search needs at scale (1,000,000 persons).

Name-prefix search (``last_name__istartswith`` within a controller) compiles on PostgreSQL to
``UPPER("last_name"::text) LIKE UPPER('han%')``, which no existing index serves. A pattern-ops
index on the same expression lets PostgreSQL use a range scan whatever the database collation.
Created with ``RunSQL`` until the model declares it (see the note in the import report); on
other databases this migration does nothing.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS person_name_prefix_idx "
    "ON housing_person (controller_id, upper(last_name) text_pattern_ops)"
)
DROP = "DROP INDEX IF EXISTS person_name_prefix_idx"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("waitinglists", "0001_initial"),
        ("housing", "0003_digital_post_sender_ids"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
