"""The check both the positions tests and the seed_scale test make of migration waitinglists 0018:
how many wishes' copies of their entry's place and rooms differ from the entry (0: in step)."""

from django.db import connection


def wishes_out_of_step() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM waitinglists_entry_departments w "
            "JOIN waitinglists_entry e ON e.id = w.entry_id "
            "WHERE (w.queue_list_id, w.queue_status, w.queue_after_scheme, w.queue_seniority, "
            "w.queue_rooms_min, w.queue_rooms_max) IS DISTINCT FROM (e.waiting_list_id, e.status, "
            "NOT e.listed_before_seniority_scheme, e.seniority_date, e.rooms_min, e.rooms_max)"
        )
        return cursor.fetchone()[0]
