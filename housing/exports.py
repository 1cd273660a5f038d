"""Export jobs: a large file of personal data made in the background, fetched from a progress page.

A waiting list of 224,000 entries took 31 seconds to write as CSV inside the request (over the web
server's 30 s) and 100 MiB of memory. Now:

1. ``export_start`` records an ``ExportJob`` (queued) and hands it to the queue when the request's
   transaction commits. A repeated or concurrent start of the same export (same user, controller,
   kind and parameters) while one is queued or running gets that job, so a double click or a
   second tab has one effect: the partial unique constraint ``one_pending_export_per_request``
   lets only one such job exist, and the loser of a race reads the winner's.
2. The Celery task ``housing.export_run`` (``housing.tasks``) calls ``export_run``: it claims the
   job with a conditional update (queued, or running with a stale sign of life, becomes running),
   so a redelivered message does nothing while the job is alive and takes it over when its worker
   died. The kind's ``produce`` writes the file under ``settings.EXPORT_ROOT`` (a ``.part`` file,
   renamed when complete) together with the ids of the persons in it, while a thread of its own
   publishes the rows written and the sign of life, so the page's progress bar moves even while
   the producer holds one long read transaction open.
3. ``export_open`` gives the file to the user who asked — and only to them, with write rights on
   the controller still — after writing one ``PersonalDataAccess`` row per person in the file
   (kind *export*), as every read of personal data is logged. If the logging fails, nothing is
   served.
4. ``exports_purge`` (a nightly job, ``letters.job_definitions``) deletes files older than
   ``EXPORT_RETENTION_DAYS`` and closes jobs whose worker died or that no worker picked up.

Kinds register themselves (``register_export_kind``) from the app that knows the data, as the
waiting lists do in their ``AppConfig.ready``: this app is below them and may not import them.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import logging
import os
import secrets
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import permissions, scoping
from .cpr import redact
from .models import PENDING_STATES, AccessKind, AccessPurpose, ExportJob, ExportState, PersonalDataAccess

logger = logging.getLogger(__name__)

SUBJECTS_SUFFIX = ".persons"
PART_SUFFIX = ".part"
# Rows of the access log written per batch where COPY is not available (SQLite).
_LOG_BATCH = 2000


# --- The kinds of export ---------------------------------------------------------------------


class ExportTarget:
    """What a kind's ``produce`` writes to: the file (bytes), the ids of the persons whose data is
    in it (for the access log when the file is fetched) and the progress. ``set_total`` and
    ``set_written`` only set numbers; a reporter thread publishes them."""

    def __init__(self, data: IO[bytes], subjects: IO[str]) -> None:
        self.data = data
        self.subjects = subjects
        self.total: int | None = None
        self.written = 0

    def set_total(self, total: int) -> None:
        self.total = total

    def set_written(self, written: int) -> None:
        self.written = written

    def add_subjects(self, person_ids: Iterable[int]) -> None:
        self.subjects.writelines(f"{person_id}\n" for person_id in person_ids)


@dataclass(frozen=True)
class ExportKind:
    name: str
    label: Any  # a lazy translation: "Waiting list as CSV"
    produce: Callable[[ExportJob, ExportTarget], None]
    # The name the browser saves the file under, and what the access log says was read.
    file_name: Callable[[ExportJob], str]
    access_detail: Callable[[ExportJob], str]
    # Where the job page links back to (the list the export came from), or None.
    source_url: Callable[[ExportJob], str | None] = lambda job: None
    content_type: str = "text/csv; charset=utf-8"


_KINDS: dict[str, ExportKind] = {}


def register_export_kind(kind: ExportKind) -> None:
    _KINDS[kind.name] = kind


def export_kind(name: str) -> ExportKind:
    return _KINDS[name]


def parameters_key(kind: str, parameters: dict) -> str:
    """The same digest for the same export, whatever order the parameters came in."""
    text = json.dumps([kind, parameters], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def export_root() -> Path:
    return Path(settings.EXPORT_ROOT)


# --- Reading the jobs --------------------------------------------------------------------------


def export_jobs_for(user) -> QuerySet[ExportJob]:
    """A user's own exports, of the data controllers they still belong to. Nobody else's: the file
    is what the asker was allowed to see, not what another user of the controller is."""
    return ExportJob.objects.filter(requested_by=user, tenant_id__in=scoping.scope_for(user).tenant_ids)


def export_job_detail(*, user, pk: int) -> ExportJob:
    """Raises ``ExportJob.DoesNotExist`` for another user's job and outside the user's scope."""
    job = export_jobs_for(user).get(pk=pk)
    if close_stale(ExportJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


def close_stale(jobs: QuerySet[ExportJob], *, now: datetime.datetime | None = None) -> int:
    """Close as failed the jobs among ``jobs`` that will not finish: running without a sign of life
    for EXPORT_STALE_AFTER_SECONDS (the worker died) or queued for EXPORT_QUEUED_TIMEOUT_SECONDS
    (no worker took it). A conditional update: a job that just showed life is left alone."""
    now = now or timezone.now()
    stale = Q(state=ExportState.RUNNING, heartbeat_at__lt=now - _seconds(settings.EXPORT_STALE_AFTER_SECONDS))
    stale |= Q(
        state=ExportState.QUEUED, created_at__lt=now - _seconds(settings.EXPORT_QUEUED_TIMEOUT_SECONDS)
    )
    return jobs.filter(stale).update(
        state=ExportState.FAILED, finished_at=now, error="The export stopped: no worker ran it to the end."
    )


def _seconds(value: float) -> datetime.timedelta:
    return datetime.timedelta(seconds=value)


# --- Starting ----------------------------------------------------------------------------------


@transaction.atomic
def export_start(
    *, actor, kind: str, tenant_id: int, parameters: dict, enqueue: Callable[[int], None]
) -> tuple[ExportJob, bool]:
    """The pending job for this export, or a new one handed to ``enqueue(job_id)`` when the
    transaction commits. Returns ``(job, created)``. Exporting needs write rights on the data
    controller (as the inline export always did); the caller also checks its own object."""
    export_kind(kind)  # an unknown kind is a programming error: KeyError
    permissions.require_write_tenant(actor, tenant_id)
    key = parameters_key(kind, parameters)
    pending = ExportJob.objects.filter(
        requested_by=actor, tenant_id=tenant_id, kind=kind, parameters_key=key, state__in=PENDING_STATES
    )
    # Three tries: a concurrent start may win the insert and then finish before we read it.
    for _attempt in range(3):
        close_stale(pending)
        existing = pending.order_by("-pk").first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                job = ExportJob.objects.create(
                    requested_by=actor,
                    tenant_id=tenant_id,
                    kind=kind,
                    parameters=parameters,
                    parameters_key=key,
                    language=translation.get_language() or settings.LANGUAGE_CODE,
                )
        except IntegrityError:
            continue  # another request inserted the same export first; read it on the next turn
        transaction.on_commit(functools.partial(enqueue, job.pk))
        return job, True
    raise RuntimeError("export_start: the pending export could not be found or created")


# --- Running -----------------------------------------------------------------------------------


class _Reporter:
    """Publishes a running job's progress and sign of life from a thread with its own database
    connection. The producer reads in one long transaction (one snapshot for the file and its list
    of persons); anything it wrote to the job row itself would stay invisible until the end."""

    def __init__(self, job_pk: int, target: ExportTarget, interval: float) -> None:
        self.job_pk = job_pk
        self.target = target
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"export-{job_pk}-progress", daemon=True)

    def __enter__(self) -> _Reporter:
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=self.interval + 10)

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    ExportJob.objects.filter(pk=self.job_pk, state=ExportState.RUNNING).update(
                        rows_total=self.target.total,
                        rows_written=self.target.written,
                        heartbeat_at=timezone.now(),
                    )
                except DatabaseError:
                    # A missed report only slows the progress bar; the export itself goes on.
                    logger.warning("export %s: progress not written", self.job_pk, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connection


def _claim(job_id: int) -> bool:
    now = timezone.now()
    stale = now - _seconds(settings.EXPORT_STALE_AFTER_SECONDS)
    return bool(
        ExportJob.objects.filter(pk=job_id)
        .filter(Q(state=ExportState.QUEUED) | Q(state=ExportState.RUNNING, heartbeat_at__lt=stale))
        .update(state=ExportState.RUNNING, started_at=now, heartbeat_at=now, rows_written=0)
    )


def _remove(*paths: Path) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def export_run(*, job_id: int) -> ExportJob | None:
    """Make the job's file. Returns the job as it ended, or None when there was nothing to do (the
    job is done, failed, or alive in another worker). A failure is recorded on the job (in
    English for the administrators, CPR-shaped digits redacted) and not raised: the page tells
    the user in Danish, and a retry would only fail again."""
    if not _claim(job_id):
        logger.info("export %s: not queued or still alive elsewhere; nothing to do", job_id)
        return None
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    root = export_root()
    root.mkdir(parents=True, exist_ok=True)
    stem = f"{job.pk}-{secrets.token_hex(8)}"  # not guessable, though only the view serves it
    final, part, subjects = (
        root / f"{stem}.csv",
        root / f"{stem}.csv{PART_SUFFIX}",
        root / (stem + SUBJECTS_SUFFIX),
    )
    try:
        kind = export_kind(job.kind)
        # Rights are asked again: they may have been taken away while the job waited.
        if not permissions.can_write_tenant(job.requested_by, job.tenant_id):
            raise PermissionDenied("the user may no longer export this controller's data")
        with (
            translation.override(job.language),
            open(part, "wb", buffering=1 << 20) as data,
            open(subjects, "w", encoding="ascii", buffering=1 << 20) as persons,
        ):
            target = ExportTarget(data, persons)
            with _Reporter(job.pk, target, settings.EXPORT_HEARTBEAT_SECONDS):
                kind.produce(job, target)
            file_name = kind.file_name(job)
        os.replace(part, final)
    except Exception as exc:
        _remove(part, final, subjects)
        ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
            state=ExportState.FAILED,
            finished_at=timezone.now(),
            error=redact(f"{type(exc).__name__}: {exc}")[:2000],
        )
        logger.exception("export %s failed", job.pk)
        job.refresh_from_db()
        return job
    now = timezone.now()
    finished = ExportJob.objects.filter(pk=job.pk, state=ExportState.RUNNING).update(
        state=ExportState.DONE,
        rows_total=target.written,  # the count before was for the progress bar; this is the file's
        rows_written=target.written,
        file_path=final.name,
        file_name=file_name,
        size=final.stat().st_size,
        finished_at=now,
        heartbeat_at=now,
    )
    if not finished:  # closed as stale meanwhile (a very long pause): its page says failed
        _remove(final, subjects)
    job.refresh_from_db()
    logger.info("export %s done: %s rows, %s bytes", job.pk, job.rows_written, job.size)
    return job


# --- Fetching ----------------------------------------------------------------------------------


def export_open(*, actor, job: ExportJob) -> IO[bytes]:
    """The job's file, open for reading, after the access log has one row per person in it.

    Only the user who asked, with write rights on the controller still (exporting needs them).
    Raises ``PermissionDenied``, or ``FileNotFoundError`` when there is no file (not done yet,
    failed, or deleted after EXPORT_RETENTION_DAYS)."""
    if job.requested_by_id != actor.pk:
        raise PermissionDenied
    permissions.require_write_tenant(actor, job.tenant_id)
    if not job.downloadable:
        raise FileNotFoundError(job.pk)
    path = export_root() / job.file_path
    handle = open(path, "rb")  # noqa: SIM115  (the response closes it when it has been sent)
    try:
        detail = export_kind(job.kind).access_detail(job)[:200]
        with transaction.atomic():
            _log_subjects(actor, path.with_suffix(SUBJECTS_SUFFIX), detail)
    except BaseException:
        handle.close()
        raise
    return handle


def _log_subjects(actor, subjects: Path, detail: str) -> int:
    """One access-log row (kind *export*) per person id in ``subjects``: with COPY on PostgreSQL,
    in batches elsewhere."""
    now = timezone.now()
    fixed = (actor.pk, now, AccessKind.EXPORT.value, AccessPurpose.CASE_HANDLING.value, "", detail)
    written = 0
    with open(subjects, encoding="ascii") as lines:
        ids = (int(line) for line in lines if line.strip())
        if connection.vendor == "postgresql":
            fields = ("person", "user", "accessed_at", "kind", "purpose", "purpose_text", "detail")
            meta = PersonalDataAccess._meta
            columns = ", ".join(connection.ops.quote_name(meta.get_field(name).column) for name in fields)
            table = connection.ops.quote_name(meta.db_table)
            with (
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for person_id in ids:
                    copy.write_row((person_id, *fixed))
                    written += 1
            return written
        batch: list[PersonalDataAccess] = []
        for person_id in ids:
            batch.append(_export_access(actor, now, detail, person_id))
            if len(batch) >= _LOG_BATCH:
                written += len(PersonalDataAccess.objects.bulk_create(batch))
                batch = []
        written += len(PersonalDataAccess.objects.bulk_create(batch))
    return written


def log_export(*, actor, person_ids: Iterable[int], detail: str) -> int:
    """The access log of a small export streamed straight to the browser (no job, no file)."""
    now = timezone.now()
    rows = [_export_access(actor, now, detail[:200], person_id) for person_id in dict.fromkeys(person_ids)]
    return len(PersonalDataAccess.objects.bulk_create(rows, batch_size=_LOG_BATCH))


def _export_access(actor, now, detail: str, person_id: int) -> PersonalDataAccess:
    """One access-log row of an export: this person's data left in a file."""
    return PersonalDataAccess(
        person_id=person_id,
        user=actor,
        accessed_at=now,
        kind=AccessKind.EXPORT,
        purpose=AccessPurpose.CASE_HANDLING,
        detail=detail,
    )


def retention_days() -> int:
    return settings.EXPORT_RETENTION_DAYS


def failure_text() -> str:
    return _("The export failed. Try again; if it fails again, contact an administrator.")


# --- Deleting old files ------------------------------------------------------------------------


def exports_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete export files older than EXPORT_RETENTION_DAYS and close the jobs that will not
    finish. Returns how many files were deleted. The job rows stay (who exported what, when);
    their file is gone, so their page says so. Files no job points at — a ``.part`` left by a
    killed worker — go by their age too."""
    now = now or timezone.now()
    close_stale(ExportJob.objects.filter(state__in=PENDING_STATES), now=now)
    cutoff = now - datetime.timedelta(days=settings.EXPORT_RETENTION_DAYS)
    root = export_root()
    deleted = 0
    expired = ExportJob.objects.filter(finished_at__lt=cutoff).exclude(file_path="")
    for job in expired.only("pk", "file_path"):
        path = root / job.file_path
        for candidate in (path, path.with_suffix(SUBJECTS_SUFFIX)):
            if candidate.exists():
                candidate.unlink()
                deleted += 1
        ExportJob.objects.filter(pk=job.pk).update(file_path="", file_deleted_at=now)
    if root.is_dir():
        for stray in root.iterdir():
            if stray.is_file() and stray.stat().st_mtime < cutoff.timestamp():
                stray.unlink(missing_ok=True)
                deleted += 1
    return deleted
