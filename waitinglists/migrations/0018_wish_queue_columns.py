"""The place per wanted department reads one index range of the wishes (issue 16).

"You are number N in line for 3 rooms in 102 Skovvejparken" (R3.4) counts the active entries of
the list ahead of the applicant who want the same department and whose room range covers the
size. Counted by joining every wish of the department to its entry, it read the whole of a large
list (200 ms for an applicant at the end of a 500,000-entry list). Each wish now carries a copy of
its entry's place in the queue — list, status, R9.4 precedence, seniority date — and room range,
kept by the database: filled before a wish is inserted (by the ORM, the admin, a COPY import) and
rewritten whenever one of those columns of the entry changes, so no code path can leave it stale.
One index on (department, list, status, after-scheme, seniority date, entry) then answers "those
ahead" as one range per department, read from the index alone. PostgreSQL only; elsewhere the
columns do not exist and the count joins the entries (``waitinglists.positions``).

``queue_after_scheme`` is NOT listed_before_seniority_scheme: those on an internal list when an
R9.3 decision took effect go first (R9.4), and a false sorts first, so "ahead" is one row-value
comparison ``(after_scheme, seniority_date, entry_id) < (…)`` that the index serves as a range.
"""

from django.db import migrations

FORWARDS = """
ALTER TABLE waitinglists_entry_departments
    ADD COLUMN queue_list_id bigint,
    ADD COLUMN queue_status varchar(10),
    ADD COLUMN queue_after_scheme boolean,
    ADD COLUMN queue_seniority date,
    ADD COLUMN queue_rooms_min smallint,
    ADD COLUMN queue_rooms_max smallint;
CREATE OR REPLACE FUNCTION waitinglists_wish_queue_fill() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    SELECT e.waiting_list_id, e.status, NOT e.listed_before_seniority_scheme, e.seniority_date,
           e.rooms_min, e.rooms_max
      INTO NEW.queue_list_id, NEW.queue_status, NEW.queue_after_scheme, NEW.queue_seniority,
           NEW.queue_rooms_min, NEW.queue_rooms_max
      FROM waitinglists_entry e WHERE e.id = NEW.entry_id;
    RETURN NEW;
END;
$$;
CREATE TRIGGER waitinglists_wish_queue_fill
BEFORE INSERT OR UPDATE OF entry_id ON waitinglists_entry_departments
FOR EACH ROW EXECUTE FUNCTION waitinglists_wish_queue_fill();
CREATE OR REPLACE FUNCTION waitinglists_entry_wish_queue_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE waitinglists_entry_departments
       SET queue_list_id = NEW.waiting_list_id, queue_status = NEW.status,
           queue_after_scheme = NOT NEW.listed_before_seniority_scheme,
           queue_seniority = NEW.seniority_date,
           queue_rooms_min = NEW.rooms_min, queue_rooms_max = NEW.rooms_max
     WHERE entry_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER waitinglists_entry_wish_queue_sync
AFTER UPDATE OF waiting_list_id, status, listed_before_seniority_scheme, seniority_date, rooms_min, rooms_max
ON waitinglists_entry
FOR EACH ROW
WHEN ((OLD.waiting_list_id, OLD.status, OLD.listed_before_seniority_scheme, OLD.seniority_date,
       OLD.rooms_min, OLD.rooms_max)
      IS DISTINCT FROM
      (NEW.waiting_list_id, NEW.status, NEW.listed_before_seniority_scheme, NEW.seniority_date,
       NEW.rooms_min, NEW.rooms_max))
EXECUTE FUNCTION waitinglists_entry_wish_queue_sync();
UPDATE waitinglists_entry_departments w
   SET queue_list_id = e.waiting_list_id, queue_status = e.status,
       queue_after_scheme = NOT e.listed_before_seniority_scheme, queue_seniority = e.seniority_date,
       queue_rooms_min = e.rooms_min, queue_rooms_max = e.rooms_max
  FROM waitinglists_entry e WHERE e.id = w.entry_id;
CREATE INDEX wish_queue_idx ON waitinglists_entry_departments
    (department_id, queue_list_id, queue_status, queue_after_scheme, queue_seniority, entry_id)
    INCLUDE (queue_rooms_min, queue_rooms_max);
"""
BACKWARDS = """
DROP INDEX IF EXISTS wish_queue_idx;
DROP TRIGGER IF EXISTS waitinglists_entry_wish_queue_sync ON waitinglists_entry;
DROP FUNCTION IF EXISTS waitinglists_entry_wish_queue_sync();
DROP TRIGGER IF EXISTS waitinglists_wish_queue_fill ON waitinglists_entry_departments;
DROP FUNCTION IF EXISTS waitinglists_wish_queue_fill();
ALTER TABLE waitinglists_entry_departments
    DROP COLUMN IF EXISTS queue_list_id, DROP COLUMN IF EXISTS queue_status,
    DROP COLUMN IF EXISTS queue_after_scheme, DROP COLUMN IF EXISTS queue_seniority,
    DROP COLUMN IF EXISTS queue_rooms_min, DROP COLUMN IF EXISTS queue_rooms_max;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARDS)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARDS)


class Migration(migrations.Migration):

    dependencies = [
        ("waitinglists", "0017_list_page_index_with_search_name"),
    ]

    operations = [
        # The join it served is gone: the wishes carry what it held.
        migrations.RemoveIndex(model_name="entry", name="entry_wish_count_idx"),
        migrations.RunPython(forwards, backwards),
    ]
