"""A waiting list's entries as CSV: the list page's search result, for a spreadsheet.

``;``-separated, UTF-8 with a BOM (Danish Excel), a header row, then one row per entry in queue
order: position, applicant number, name, masked CPR number (``housing.cpr.mask``), seniority date,
status, fees paid until, wanted departments. Every cell is formula-safe exactly as
``housing.csv_export.neutralise`` makes it.

On PostgreSQL the whole file is one statement, ``COPY (SELECT …) TO STDOUT``, streamed in chunks
(psycopg's ``cursor.copy()``), so memory stays flat however long the list: the position is a window
function over the list's active entries, the masked CPR number and the status label are computed
from the row, the departments are aggregated per entry, and each cell goes through the same
neutralisation in SQL (a CASE with ``csv_export.PLAIN_NEGATIVE_NUMBER``). The rows are those of the
list page's filters: the filtered queryset's ids are compiled into the statement as a subquery.
On SQLite (the embedded demo) the same columns come from ``csv_export.writer``, row by row.

Small results are streamed straight to the browser; larger ones are an export job
(``housing.exports``) whose file the user fetches from a progress page.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import IO

from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from housing import cpr, csv_export
from housing.exports import ExportKind, ExportTarget, register_export_kind
from housing.models import Department, ExportJob, Person

from . import selectors
from .filters import EntryFilter
from .models import Entry, EntryStatus, WaitingList

ENTRY_EXPORT = "waitinglists.entries"
BOM = "\ufeff"
# The filters of the list page that decide the rows; the page's sorting and paging do not (the
# file is always in queue order, every row).
FILTER_FIELDS = tuple(EntryFilter.base_filters)


def header() -> list[str]:
    return [
        _("Position"),
        _("Applicant number"),
        _("Name"),
        _("CPR number"),
        _("Seniority date"),
        _("Status"),
        _("Fees paid until"),
        _("Wanted departments"),
    ]


def _header_bytes() -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    csv_export.writer(buffer, lineterminator="\n").writerow(header())
    return buffer.getvalue().encode("utf-8")


# --- Which rows -----------------------------------------------------------------------------


def filtered_entries(*, user, waiting_list: WaitingList, data: QueryDict | None):
    """The list page's search (``EntryFilter``) over the list's entries the user may see: the
    filter set, its rows (narrow, in queue order) and whether a filter narrowed them. Without a
    valid search, the living entries (active and passive), as the page shows them."""
    queryset = selectors.list_entries(user=user, waiting_list=waiting_list)
    filterset = EntryFilter(
        data or None, queryset=queryset, departments=selectors.list_departments(waiting_list)
    )
    if filterset.is_bound and filterset.is_valid():
        narrowed = any(value not in (None, "") for value in filterset.form.cleaned_data.values())
        return filterset, filterset.qs, narrowed
    return filterset, queryset.exclude(status=EntryStatus.DELETED), False  # the default: active and passive


def filter_query(data: QueryDict) -> str:
    """The filters of a query string in one canonical form: the same search always gives the same
    text (so a repeated start finds the pending job), whatever the order of the fields, the
    empty fields, and the page's sorting and paging."""
    pairs = [(name, value) for name in FILTER_FIELDS for value in data.getlist(name) if value.strip()]
    return urlencode(pairs)


def export_parameters(waiting_list: WaitingList, data: QueryDict) -> dict:
    return {"waiting_list": waiting_list.pk, "filters": filter_query(data)}


def _ids_sql(rows: QuerySet[Entry]) -> tuple[str, tuple]:
    """The filtered rows' ids as SQL with its parameters, to be used as ``IN (…)``."""
    ids = rows.order_by().values("id")
    sql, params = ids.query.get_compiler(using=ids.db).as_sql()
    return sql, tuple(params)


def capped_count(rows: QuerySet[Entry], cap: int) -> int:
    """``min(count, cap)``, stopping at ``cap``: ``SELECT count(*) FROM (… LIMIT cap)``."""
    sql, params = _ids_sql(rows)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql} LIMIT %s) capped", (*params, cap))  # noqa: S608 — Django's SQL
        return cursor.fetchone()[0]


def _count(ids_sql: str, params: tuple) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({ids_sql}) ids", params)  # noqa: S608 — Django's SQL
        return cursor.fetchone()[0]


# --- The statement (PostgreSQL) -------------------------------------------------------------


@cache
def _python_whitespace() -> str:
    """Every character ``str.strip()`` removes, for the same trim of the name in SQL."""
    return "".join(char for char in map(chr, range(sys.maxunicode + 1)) if char.isspace())


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _column(model, field: str) -> str:
    return _q(model._meta.get_field(field).column)


def _queue_order(alias: str) -> str:
    """``selectors.QUEUE_ORDER`` as SQL (the list's order, also for the position)."""
    terms = []
    for name in selectors.QUEUE_ORDER:
        descending = name.startswith("-")
        terms.append(f"{alias}.{_column(Entry, name.lstrip('-'))}{' DESC' if descending else ''}")
    return ", ".join(terms)


def _neutralised(expression: str) -> tuple[str, list]:
    """``csv_export.neutralise`` in SQL; an empty cell is NULL, which COPY writes unquoted as
    ``csv.writer`` writes an empty string (COPY would quote an empty string: ``""``)."""
    sql = (
        f"NULLIF(CASE WHEN left({expression}, 1) = ANY(%s) AND {expression} !~ %s "
        f"THEN '''' || {expression} ELSE {expression} END, '')"
    )
    return sql, [list(csv_export.FORMULA_PREFIXES), f"^(?:{csv_export.PLAIN_NEGATIVE_NUMBER})$"]


# The cells (1-based) whose text can start like a formula: applicant number, name, status and
# wanted departments. test_exports feeds the others through csv_export.neutralise as well.
NEUTRALISED_CELLS = frozenset({2, 3, 6, 8})


def copy_sql(waiting_list: WaitingList, rows: QuerySet[Entry]) -> tuple[str, list]:
    """The ``COPY (SELECT …) TO STDOUT`` of the rows, and its parameters."""
    ids_sql, ids_params = _ids_sql(rows)
    entry, person = _q(Entry._meta.db_table), _q(Person._meta.db_table)
    through = Entry.departments.through
    wish, department = _q(through._meta.db_table), _q(Department._meta.db_table)
    statuses = [(value, csv_export.neutralise(str(label))) for value, label in EntryStatus.choices]
    status_case = " ".join("WHEN %s THEN %s" for _status in statuses)
    inner_params: list = [
        *ids_params,
        waiting_list.pk,
        EntryStatus.ACTIVE.value,
        _python_whitespace(),
        cpr.mask(None),  # a person without a birth date
        *[item for pair in statuses for item in pair],
        waiting_list.pk,  # said again, so the entries are read by the list, not one by one by id
    ]
    sort_keys = ", ".join(
        f"e.{_column(Entry, name.lstrip('-'))} AS k{i}" for i, name in enumerate(selectors.QUEUE_ORDER)
    )
    wish_entry, wish_department = _column(through, "entry"), _column(through, "department")
    # Identifiers come from the models' meta, every value is a parameter, and the ids are Django's
    # own compiled SQL of the filtered queryset, inlined where it is used (NOT MATERIALIZED: the
    # planner then joins it by hash, in parallel, instead of looking each entry up by id). The
    # wished departments are aggregated in one pass over the picked entries' wishes (a lateral
    # join per entry took seconds on a large list).
    inner = f"""
        WITH picked AS NOT MATERIALIZED ({ids_sql}),
        queue AS (
            SELECT q.id, row_number() OVER (ORDER BY {_queue_order("q")}) AS position
            FROM {entry} q
            WHERE q.{_column(Entry, "waiting_list")} = %s AND q.{_column(Entry, "status")} = %s
        ),
        wishes AS (
            SELECT w.{wish_entry} AS entry_id, string_agg(
                d.{_column(Department, "number")} || ' ' || d.{_column(Department, "name")}, ', '
                ORDER BY d.{_column(Department, "number")}, d.id
            ) AS names
            FROM {wish} w JOIN {department} d ON d.id = w.{wish_department}
            WHERE w.{wish_entry} IN (SELECT id FROM picked)
            GROUP BY w.{wish_entry}
        )
        SELECT
            queue.position::text AS c1,
            p.{_column(Person, "applicant_number")} AS c2,
            btrim(p.{_column(Person, "first_name")} || ' ' || p.{_column(Person, "last_name")}, %s) AS c3,
            COALESCE(to_char(p.{_column(Person, "birth_date")}, 'DDMMYY') || '-XXXX', %s) AS c4,
            to_char(e.{_column(Entry, "seniority_date")}, 'YYYY-MM-DD') AS c5,
            CASE e.{_column(Entry, "status")} {status_case} ELSE e.{_column(Entry, "status")} END AS c6,
            to_char(e.{_column(Entry, "paid_until")}, 'YYYY-MM-DD') AS c7,
            wishes.names AS c8,
            {sort_keys}
        FROM {entry} e
        JOIN {person} p ON p.id = e.{_column(Entry, "person")}
        LEFT JOIN queue ON queue.id = e.id
        LEFT JOIN wishes ON wishes.entry_id = e.id
        WHERE e.{_column(Entry, "waiting_list")} = %s AND e.id IN (SELECT id FROM picked)
    """  # noqa: S608
    # Position, masked CPR number and dates never start with = + - @ or a tab: only the cells
    # with typed text (and the status, whose label is a translation) need neutralising.
    cells, cell_params = [], []
    for i in range(1, 9):
        if i in NEUTRALISED_CELLS:
            sql, params = _neutralised(f"r.c{i}")
        else:
            sql, params = f"r.c{i}", []
        cells.append(sql)
        cell_params += params
    order = ", ".join(
        f"r.k{i}{' DESC' if name.startswith('-') else ''}" for i, name in enumerate(selectors.QUEUE_ORDER)
    )
    sql = (
        f"COPY (SELECT {', '.join(cells)} FROM ({inner}) r ORDER BY {order}) "  # noqa: S608
        "TO STDOUT WITH (FORMAT csv, DELIMITER ';')"
    )
    return sql, [*cell_params, *inner_params]


def _subjects_sql(waiting_list: WaitingList, rows: QuerySet[Entry]) -> tuple[str, tuple]:
    """The ids of the persons in the file (for the access log when it is fetched)."""
    ids_sql, ids_params = _ids_sql(rows)
    entry = _q(Entry._meta.db_table)
    person, in_list = _column(Entry, "person"), _column(Entry, "waiting_list")
    sql = (
        f"COPY (SELECT DISTINCT {person} FROM {entry} "  # noqa: S608
        f"WHERE {in_list} = %s AND id IN ({ids_sql})) TO STDOUT"
    )
    return sql, (waiting_list.pk, *ids_params)


def _copy_out(sql: str, params, write: Callable[[bytes], None]) -> int:
    """Run a COPY … TO STDOUT, handing each chunk to ``write``; returns the rows copied."""
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        with raw.copy(sql, params) as copy:
            for chunk in copy:
                write(bytes(chunk))
        return raw.rowcount


# --- The rows in Python (SQLite, and the reference the SQL is tested against) ---------------


def _python_rows(waiting_list: WaitingList, rows: QuerySet[Entry]) -> Iterator[tuple[Entry, list]]:
    positions = selectors.queue_positions(waiting_list)
    entries = rows.select_related("person").prefetch_related(
        Prefetch("departments", queryset=Department.objects.order_by("number", "id"))
    )
    for entry in entries.iterator(chunk_size=2000):
        yield (
            entry,
            [
                positions.get(entry.pk, ""),
                entry.person.applicant_number,
                entry.person.full_name,
                entry.person.cpr_masked,
                entry.seniority_date.isoformat(),
                entry.get_status_display(),
                entry.paid_until.isoformat() if entry.paid_until else "",
                ", ".join(f"{d.number} {d.name}" for d in entry.departments.all()),
            ],
        )


def _python_chunks(
    waiting_list: WaitingList, rows: QuerySet[Entry], *, on_row: Callable[[Entry], None] | None = None
) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv_export.writer(buffer, lineterminator="\n")
    for n, (entry, cells) in enumerate(_python_rows(waiting_list, rows), start=1):
        writer.writerow(cells)
        if on_row is not None:
            on_row(entry)
        if n % 1000 == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- Writing ----------------------------------------------------------------------------------


def _use_copy(use_copy: bool | None) -> bool:
    return connection.vendor == "postgresql" if use_copy is None else use_copy


@contextmanager
def _one_snapshot():
    """On PostgreSQL: one REPEATABLE READ, READ ONLY transaction, so the count, the file and its
    list of persons see the same rows. (Inside a transaction already — a test — a savepoint.)
    On SQLite nothing: a write-locking transaction would stop the rest of the embedded app, and
    the file and its persons come from one query there anyway."""
    if connection.vendor != "postgresql":
        yield
        return
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            # The statement hashes and sorts a few hundred thousand rows: in memory, not in
            # temporary files (4 MB, the default, spills them). For this transaction only.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        yield


def write_entries(
    out: IO[bytes],
    *,
    waiting_list: WaitingList,
    rows: QuerySet[Entry],
    target: ExportTarget | None = None,
    use_copy: bool | None = None,
) -> int:
    """Write the CSV of ``rows`` to ``out``; returns the rows written. With a ``target``, also
    its total, its progress and the ids of the persons in the file. ``use_copy`` chooses the
    COPY statement or the Python writer (default: COPY on PostgreSQL)."""
    copying = _use_copy(use_copy)
    with _one_snapshot():
        total = None
        if target is not None:
            ids_sql, ids_params = _ids_sql(rows)
            total = _count(ids_sql, ids_params)
            target.set_total(total)
        out.write(_header_bytes())
        if copying:
            lines = 0

            def write(chunk: bytes) -> None:
                nonlocal lines
                out.write(chunk)
                if target is not None:
                    # Lines, not rows (a quoted cell may hold a line break): only for the bar.
                    lines += chunk.count(b"\n")
                    target.set_written(min(lines, total))

            sql, params = copy_sql(waiting_list, rows)
            written = _copy_out(sql, params, write)
            if target is not None:
                sql, params = _subjects_sql(waiting_list, rows)
                _copy_out(sql, params, lambda chunk: target.subjects.write(chunk.decode("ascii")))
        else:
            written = 0
            seen: set[int] = set()

            def count(entry: Entry) -> None:
                nonlocal written
                written += 1
                if target is not None:
                    target.set_written(written)
                    if entry.person_id not in seen:
                        seen.add(entry.person_id)
                        target.add_subjects([entry.person_id])

            for chunk in _python_chunks(waiting_list, rows, on_row=count):
                out.write(chunk)
        if target is not None:
            target.set_written(written)
    return written


def stream_entries(
    waiting_list: WaitingList, rows: QuerySet[Entry], *, use_copy: bool | None = None
) -> Iterator[bytes]:
    """The CSV in chunks, for a ``StreamingHttpResponse`` (the small exports). The header and the
    statement (with the status labels) are made now, in the request's language; the rows are read
    while the response is sent, when the request's language may no longer be the active one."""
    language = translation.get_language()
    header = _header_bytes()
    statement = copy_sql(waiting_list, rows) if _use_copy(use_copy) else None

    def chunks() -> Iterator[bytes]:
        yield header
        if statement is None:
            with translation.override(language):
                yield from _python_chunks(waiting_list, rows)
            return
        block: list[bytes] = []
        # COPY hands over a row at a time: a few hundred go out together, not one write per row.
        with connection.cursor() as cursor, cursor.cursor.copy(*statement) as copy:
            for chunk in copy:
                block.append(bytes(chunk))
                if len(block) >= 256:
                    yield b"".join(block)
                    block = []
        yield b"".join(block)

    return chunks()


def file_name(waiting_list_id: int) -> str:
    return f"venteliste-{waiting_list_id}-{timezone.localtime():%Y%m%d-%H%M}.csv"


def access_detail(waiting_list: WaitingList | None, *, job_id: int | None = None) -> str:
    name = waiting_list.name if waiting_list is not None else "?"
    if job_id is None:
        return _("Waiting list export: %(list)s") % {"list": name}
    return _("Waiting list export: %(list)s (export %(number)s)") % {"list": name, "number": job_id}


def person_ids(rows: QuerySet[Entry]) -> Iterable[int]:
    return rows.order_by().values_list("person_id", flat=True).distinct()


# --- The export job ---------------------------------------------------------------------------


def _job_list(job: ExportJob) -> WaitingList:
    """The job's list as its asker may see it now (``DoesNotExist`` outside their scope)."""
    return selectors.lists_for(user=job.requested_by).get(pk=job.parameters["waiting_list"])


def _produce(job: ExportJob, target: ExportTarget) -> None:
    waiting_list = _job_list(job)
    _filterset, rows, _narrowed = filtered_entries(
        user=job.requested_by, waiting_list=waiting_list, data=QueryDict(job.parameters.get("filters", ""))
    )
    write_entries(target.data, waiting_list=waiting_list, rows=rows, target=target)


def _job_access_detail(job: ExportJob) -> str:
    waiting_list = WaitingList.objects.filter(pk=job.parameters.get("waiting_list")).first()
    return access_detail(waiting_list, job_id=job.pk)


def _job_source_url(job: ExportJob) -> str:
    url = reverse("waitinglists:list_overview", args=[job.parameters["waiting_list"]])
    filters = job.parameters.get("filters", "")
    return f"{url}?{filters}" if filters else url


def register() -> None:
    register_export_kind(
        ExportKind(
            name=ENTRY_EXPORT,
            label=gettext_lazy("Waiting list as CSV"),
            produce=_produce,
            file_name=lambda job: file_name(job.parameters["waiting_list"]),
            access_detail=_job_access_detail,
            source_url=_job_source_url,
        )
    )
