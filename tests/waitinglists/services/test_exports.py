"""The waiting list's CSV export (waitinglists.exports) and its job (housing.exports): the COPY
statement writes the same bytes as the Python writer (cells neutralised as csv_export.neutralise
does, positions among the active entries, masked CPR only), honours the list page's filters, and
the job makes one file per request, logs every fetch per person and deletes old files."""

from __future__ import annotations

import csv
import datetime
import io
import os
import threading

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection, connections
from django.http import QueryDict
from django.utils import timezone, translation

from housing import csv_export, exports
from housing.audit import audited_save
from housing.models import AccessKind, ExportJob, ExportState, PersonalDataAccess, Role
from tests.factories import DepartmentFactory, MembershipFactory, PersonFactory, UserFactory
from tests.waitinglists.views.test_pages import _register
from waitinglists import exports as list_exports
from waitinglists.models import EntryStatus, ListKind, WaitingList

pytestmark = pytest.mark.django_db


REASON = "Skranken"
TRICKY = ["=1+1", "-3", "-1.234,50", "-2+3", "+45", "@x", "\tfoo", "\rfoo", "-1e5", "--1", "-", "-1.5"]
TRICKY += ["-1234.5", "-12.345.678,9", "-1.23", "-١٢", "", "plain", "x;y", 'say "hi"', "line\nbreak"]


@pytest.fixture(autouse=True)
def _export_root(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


def _sql_neutralised(values: list[str]) -> list[str]:
    """Each value through the SQL of the export (NULL, an empty cell, read back as '')."""
    sql, params = list_exports._neutralised("v.x")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {sql} FROM unnest(%s::text[]) WITH ORDINALITY AS v(x, n) ORDER BY n",  # noqa: S608
            [*params, values],
        )
        return [row[0] or "" for row in cursor.fetchall()]


def test_the_sql_neutralises_exactly_as_the_python_writer():
    assert _sql_neutralised(TRICKY) == [csv_export.neutralise(value) for value in TRICKY]
    # The cases the issue names, spelled out.
    assert _sql_neutralised(["=1+1", "-3", "-1.234,50", "-2+3", "+45", "@x", "\tfoo"]) == [
        "'=1+1",
        "-3",
        "-1.234,50",
        "'-2+3",
        "'+45",
        "'@x",
        "'\tfoo",
    ]


@pytest.fixture
def world(caseworker_a, waiting_list, org_a, kommune_aarhus):
    """A list with an applicant of every awkward kind: formula-like names and departments, a
    name with white space around it, quotes, a separator and a line break, passive and deleted
    entries, one listed before the seniority scheme (first in the queue, R9.4), fees paid."""
    north = DepartmentFactory(organisation=org_a, number="101", name='=Nord; "gamle"')
    south = DepartmentFactory(organisation=org_a, number="102", name="-3 Syd")
    names = [
        ('=HYPERLINK("x")', "Hansen"),
        ("  \tAnna\u00a0", "Berg "),
        ("Bo", 'O"Brien; jr.'),
        ("Line\nBreak", "Jensen"),
        ("-2+3", "Olsen"),
        ("Eva", "@Sum"),
        ("Finn", "Fisker"),
        ("Gry", "Gram"),
    ]
    entries = []
    for i, (first, last) in enumerate(names):
        person = PersonFactory(
            controller=org_a.tenant,
            kommune=kommune_aarhus,
            first_name=first,
            last_name=last,
            applicant_number=["+4512", "-7", "0000123"][i] if i < 3 else f"{900 + i:07d}",
            born=datetime.date(1970 + i, 1 + i, 10 + i),
        )
        entries.append(
            _register(
                caseworker_a,
                waiting_list,
                person,
                on=datetime.date(2010, 1, 1) + datetime.timedelta(days=30 * (i % 4)),
                departments=[north, south][: i % 3],
            )
        )
    entries[1].status = EntryStatus.PASSIVE
    entries[2].status = EntryStatus.DELETED
    entries[2].deleted_on = datetime.date(2024, 1, 1)
    entries[2].deletion_reason = entries[2]._meta.get_field("deletion_reason").choices[0][0]
    entries[5].listed_before_seniority_scheme = True
    entries[6].paid_until = datetime.date(2026, 12, 31)
    for entry in (entries[1], entries[2], entries[5], entries[6]):
        audited_save(entry, actor=caseworker_a, reason=REASON)
    return {"list": waiting_list, "entries": entries, "north": north, "south": south}


def _csv(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def _written(user, waiting_list, query: str = "", *, use_copy: bool) -> bytes:
    _filterset, rows, _narrowed = list_exports.filtered_entries(
        user=user, waiting_list=waiting_list, data=QueryDict(query)
    )
    out = io.BytesIO()
    list_exports.write_entries(out, waiting_list=waiting_list, rows=rows, use_copy=use_copy)
    return out.getvalue()


@pytest.mark.parametrize(
    "query", ["", "status=deleted", "status=passive", "q=Hansen", "seniority_from=2010-02-01"]
)
def test_copy_writes_the_same_file_as_the_python_writer(world, caseworker_a, query):
    with translation.override("da"):
        copied = _written(caseworker_a, world["list"], query, use_copy=True)
        python = _written(caseworker_a, world["list"], query, use_copy=False)
    assert copied == python
    assert len(_csv(copied)) > 1 or query == "status=deleted"


def test_the_file_holds_the_columns_of_the_list_page(world, caseworker_a):
    entries = world["entries"]
    rows = _csv(_written(caseworker_a, world["list"], "status=", use_copy=True))
    header, body = rows[0], rows[1:]
    assert len(header) == 8
    # Active and passive (not the deleted one), in queue order: R9.4 first, then seniority and id.
    numbers = [row[1] for row in body]
    assert numbers[0] == entries[5].person.applicant_number
    assert entries[2].person.applicant_number not in {n.lstrip("'") for n in numbers}
    by_number = {row[1]: row for row in body}
    # The position is the place among the list's active entries; a passive entry has none.
    assert by_number[entries[5].person.applicant_number][0] == "1"
    assert by_number["-7"][0] == ""
    assert sorted(int(row[0]) for row in body if row[0]) == list(range(1, len(body)))
    # Formula-like cells get a quote; a plain negative number does not; the rest as typed.
    assert by_number["'+4512"][2] == '\'=HYPERLINK("x") Hansen'
    assert by_number["-7"][2] == "Anna\u00a0 Berg"  # stripped as Person.full_name strips
    masked = by_number["-7"][3]
    assert masked == entries[1].person.cpr_masked and masked.endswith("-XXXX")
    assert by_number[entries[6].person.applicant_number][6] == "2026-12-31"
    assert by_number["'+4512"][7] == "" and by_number["-7"][7] == '101 =Nord; "gamle"'
    for row in body:
        assert row[4] == row[4].strip() and len(row[4]) == 10


def test_the_filtered_rows_keep_their_place_on_the_whole_list(world, caseworker_a):
    """Filtering by name shows the entry at its place in the whole queue, not 1."""
    entries = world["entries"]
    full = {row[1]: row[0] for row in _csv(_written(caseworker_a, world["list"], use_copy=True))[1:]}
    only = _csv(_written(caseworker_a, world["list"], "q=Fisker", use_copy=True))[1:]
    assert [row[1] for row in only] == [entries[6].person.applicant_number]
    assert only[0][0] == full[entries[6].person.applicant_number] != "1"
    wished = _csv(_written(caseworker_a, world["list"], f"department={world['south'].pk}", use_copy=True))[1:]
    # Only the living entry that wishes for the south department (the deleted one wished too).
    assert [row[1] for row in wished] == [entries[5].person.applicant_number]
    assert wished[0][7] == '101 =Nord; "gamle", 102 -3 Syd' and wished[0][0] == "1"


@pytest.mark.parametrize("use_copy", [True, False])
def test_the_streamed_export_is_the_same_file_in_the_request_s_language(world, caseworker_a, use_copy):
    """The small export is streamed while the response is sent, after the request's language may
    have been switched off: its header and status labels are still the request's."""
    _filterset, rows, _narrowed = list_exports.filtered_entries(
        user=caseworker_a, waiting_list=world["list"], data=None
    )
    with translation.override("da"):
        stream = list_exports.stream_entries(world["list"], rows, use_copy=use_copy)
        expected = _written(caseworker_a, world["list"], use_copy=True)
    with translation.override("en"):
        streamed = b"".join(stream)
    assert streamed == expected
    with translation.override("en"):
        assert _csv(streamed)[0] != _csv(_written(caseworker_a, world["list"], use_copy=True))[0]


def test_filter_query_is_canonical():
    one = QueryDict("status=active&q=Berg&page=3&ordering=name&rooms=")
    two = QueryDict("q=Berg&status=active")
    assert list_exports.filter_query(one) == list_exports.filter_query(two) == "q=Berg&status=active"


def test_capped_count_stops_at_the_cap(world, caseworker_a):
    _filterset, rows, _narrowed = list_exports.filtered_entries(
        user=caseworker_a, waiting_list=world["list"], data=None
    )
    assert list_exports.capped_count(rows, 3) == 3
    assert list_exports.capped_count(rows, 100) == rows.count() == 7


# --- The job ----------------------------------------------------------------------------------


def _start(user, waiting_list, query: str = "", enqueued: list | None = None):
    enqueued = [] if enqueued is None else enqueued
    return exports.export_start(
        actor=user,
        kind=list_exports.ENTRY_EXPORT,
        tenant_id=waiting_list.controller_id,
        parameters=list_exports.export_parameters(waiting_list, QueryDict(query)),
        enqueue=enqueued.append,
    )


def test_the_job_writes_the_file_its_persons_and_its_figures(
    world, caseworker_a, settings, django_capture_on_commit_callbacks
):
    enqueued: list[int] = []
    with django_capture_on_commit_callbacks(execute=True):
        job, created = _start(caseworker_a, world["list"], "status=active&page=2", enqueued)
    assert created and enqueued == [job.pk] and job.state == ExportState.QUEUED
    assert job.parameters == {"waiting_list": world["list"].pk, "filters": "status=active"}
    job = exports.export_run(job_id=job.pk)
    assert job.state == ExportState.DONE
    path = settings.EXPORT_ROOT / job.file_path
    data = path.read_bytes()
    rows = _csv(data)
    assert job.rows_written == job.rows_total == len(rows) - 1 == 6
    assert job.size == len(data) and job.finished_at and not job.error
    assert job.file_name.startswith(f"venteliste-{world['list'].pk}-") and job.file_name.endswith(".csv")
    persons = set(map(int, path.with_suffix(exports.SUBJECTS_SUFFIX).read_text().split()))
    active = [e for e in world["entries"] if e.status == EntryStatus.ACTIVE]
    assert persons == {e.person_id for e in active}
    # The same bytes as the page's Python writer would write.
    with translation.override(job.language):
        assert data == _written(caseworker_a, world["list"], "status=active", use_copy=False)
    # A second delivery of the same task does nothing.
    assert exports.export_run(job_id=job.pk) is None


def test_a_repeated_start_gets_the_pending_job(world, caseworker_a):
    enqueued: list[int] = []
    first, created = _start(caseworker_a, world["list"], "q=Berg", enqueued)
    again, created_again = _start(caseworker_a, world["list"], "ordering=name&q=Berg", enqueued)
    assert created and not created_again and again.pk == first.pk
    other, created_other = _start(caseworker_a, world["list"], "q=Olsen", enqueued)
    assert created_other and other.pk != first.pk
    exports.export_run(job_id=first.pk)
    # Done: asking again makes a fresh file.
    fresh, created_fresh = _start(caseworker_a, world["list"], "q=Berg", enqueued)
    assert created_fresh and fresh.pk != first.pk
    assert ExportJob.objects.count() == 3


def test_a_job_whose_worker_died_is_taken_over_or_closed(world, caseworker_a):
    job, _created = _start(caseworker_a, world["list"])
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, heartbeat_at=long_ago)
    # The message delivered again (acks_late) takes the stopped job over.
    assert exports.export_run(job_id=job.pk).state == ExportState.DONE
    stuck, _created = _start(caseworker_a, world["list"], "q=Berg")
    ExportJob.objects.filter(pk=stuck.pk).update(state=ExportState.RUNNING, heartbeat_at=long_ago)
    # Asking again closes the stopped one and starts anew, instead of waiting for it forever.
    fresh, created = _start(caseworker_a, world["list"], "q=Berg")
    assert created and fresh.pk != stuck.pk
    stuck.refresh_from_db()
    assert stuck.state == ExportState.FAILED and stuck.finished_at


def test_a_job_fails_in_words_when_the_user_lost_the_right(world, caseworker_a):
    job, _created = _start(caseworker_a, world["list"])
    caseworker_a.memberships.update(role=Role.READ_ONLY)
    job = exports.export_run(job_id=job.pk)
    assert job.state == ExportState.FAILED and "PermissionDenied" in job.error
    assert not job.file_path and not list(exports.export_root().iterdir())


def test_the_error_text_never_holds_a_cpr_number(world, caseworker_a, monkeypatch):
    job, _created = _start(caseworker_a, world["list"])

    def boom(*args, **kwargs):
        raise ValueError("bad row for 010190-1234")

    monkeypatch.setattr(list_exports, "write_entries", boom)
    job = exports.export_run(job_id=job.pk)
    assert job.state == ExportState.FAILED
    assert "1234" not in job.error and "010190-XXXX" in job.error


def test_fetching_the_file_is_logged_per_person_and_only_for_the_asker(world, caseworker_a, org_a):
    job, _created = _start(caseworker_a, world["list"])
    job = exports.export_run(job_id=job.pk)
    colleague = UserFactory(username="colleague-a")
    MembershipFactory(user=colleague, tenant=org_a.tenant, role=Role.CASEWORKER)
    with pytest.raises(PermissionDenied):
        exports.export_open(actor=colleague, job=job)
    assert not PersonalDataAccess.objects.exists()
    with exports.export_open(actor=caseworker_a, job=job) as handle:
        assert handle.read() == (exports.export_root() / job.file_path).read_bytes()
    living = {e.person_id for e in world["entries"] if e.status != EntryStatus.DELETED}
    logged = PersonalDataAccess.objects.filter(user=caseworker_a, kind=AccessKind.EXPORT)
    assert sorted(logged.values_list("person_id", flat=True)) == sorted(living)
    assert world["list"].name in logged.first().detail
    with exports.export_open(actor=caseworker_a, job=job):
        pass
    assert logged.count() == 2 * len(living)


def test_old_files_are_deleted_and_the_job_remembers_it(world, caseworker_a):
    old, _created = _start(caseworker_a, world["list"])
    old = exports.export_run(job_id=old.pk)
    young, _created = _start(caseworker_a, world["list"], "q=Berg")
    young = exports.export_run(job_id=young.pk)
    root = exports.export_root()
    stray = root / "99-dead.csv.part"
    stray.write_bytes(b"half a file")
    eight_days = timezone.now() - datetime.timedelta(days=8)
    os.utime(stray, (eight_days.timestamp(), eight_days.timestamp()))
    ExportJob.objects.filter(pk=old.pk).update(finished_at=eight_days)
    assert exports.exports_purge() == 3  # the old file, its list of persons, the stray part
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.file_path == "" and old.file_deleted_at and not old.downloadable
    assert young.downloadable and (root / young.file_path).exists()
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [young.file_path, young.file_path.replace(".csv", exports.SUBJECTS_SUFFIX)]
    )
    with pytest.raises(FileNotFoundError):
        exports.export_open(actor=caseworker_a, job=old)


def test_the_purge_is_a_registered_job():
    from letters.jobs import registered_jobs, run_job

    assert "housing.exports_purge" in registered_jobs()
    run = run_job("housing.exports_purge", trigger="command")
    assert run.state == "succeeded" and run.counts == {"deleted": 0}


@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_of_the_same_export_make_one_job(caseworker_a, org_a, kommune_aarhus):
    """Ten requests at once for the same export (separate connections, committed transactions):
    one job, and every one of them gets it."""
    waiting_list = audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Samtidig"),
        actor=caseworker_a,
        reason=REASON,
    )
    barrier = threading.Barrier(10, timeout=30)
    results: list = [None] * 10

    def run(i: int) -> None:
        try:
            barrier.wait()
            job, created = _start(caseworker_a, waiting_list, "q=Berg")
            results[i] = (job.pk, created)
        except Exception as exc:  # reported below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(result, tuple) for result in results), results
    assert len({pk for pk, _created in results}) == 1
    assert sum(created for _pk, created in results) == 1
    assert ExportJob.objects.count() == 1
