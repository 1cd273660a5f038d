"""``manage.py bench_export --list ID --username NAME [--filters QUERY] [--repeat N] [--python]
[--tracemalloc]``: how long a waiting list's CSV export job takes, and how much memory it needs,
on the data ``seed_scale`` builds (target: under 10 s for 224,000 rows, memory flat).

Each run starts an export job as the user (``housing.exports.export_start``, nothing queued) and
runs it here through the service the Celery task calls (``export_run``): the COPY statement on
PostgreSQL, the Python writer with ``--python`` (the inline export's way before the job). Prints
rows, size, seconds and the process's peak RSS before and after (``resource.getrusage``: it only
grows, so an unchanged peak means the export fit in what the process already had), and with
``--tracemalloc`` the peak of Python's own allocations during the run. The job rows stay (they are
the record of what was exported); the files are deleted unless ``--keep``. Nothing is fetched, so
nothing is written to the access log.
"""

from __future__ import annotations

import resource
import statistics
import time
import tracemalloc

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from housing import exports
from housing.models import ExportState

from ... import exports as list_exports
from ...models import WaitingList


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


class Command(BaseCommand):
    help = "Time a waiting list's CSV export job (rows, size, seconds, peak memory)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--list", type=int, required=True, dest="list_id")
        parser.add_argument("--username", required=True, help="a user with write rights on the list")
        parser.add_argument("--filters", default="", help="the list page's query string, e.g. status=active")
        parser.add_argument("--repeat", type=int, default=3)
        parser.add_argument("--python", action="store_true", help="the Python writer instead of COPY")
        parser.add_argument("--tracemalloc", action="store_true", help="also trace Python's allocations")
        parser.add_argument("--keep", action="store_true", help="keep the files")

    def handle(self, *args, list_id, username, filters, repeat, python, tracemalloc, keep, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        waiting_list = WaitingList.objects.filter(pk=list_id).first()
        if waiting_list is None:
            raise CommandError(f"No waiting list {list_id}.")
        if python:
            real = list_exports.write_entries

            def write_entries(*args, **kwargs):
                return real(*args, **kwargs, use_copy=False)

            list_exports.write_entries = write_entries
        parameters = list_exports.export_parameters(waiting_list, QueryDict(filters))
        self.stdout.write(f"{waiting_list.name} (#{waiting_list.pk}), filters {filters or '(none)'}")
        seconds = []
        for run in range(1, repeat + 1):
            # A bench run is a new request each time: a distinct parameter keeps the jobs apart.
            job, _created = exports.export_start(
                actor=user,
                kind=list_exports.ENTRY_EXPORT,
                tenant_id=waiting_list.controller_id,
                parameters={**parameters, "bench": f"{time.time_ns()}-{run}"},
                enqueue=lambda job_id: None,
            )
            before = _peak_rss_mib()
            if tracemalloc:
                tracemalloc_start()
            started = time.perf_counter()
            job = exports.export_run(job_id=job.pk)
            elapsed = time.perf_counter() - started
            traced = ""
            if tracemalloc:
                traced = f", Python allocations peak {tracemalloc_peak_mib():.1f} MiB"
            if job is None or job.state != ExportState.DONE:
                error = getattr(job, "error", "not claimed")
                raise CommandError(f"the export did not finish: {error}")
            seconds.append(elapsed)
            self.stdout.write(
                f"run {run}: job #{job.pk}, {job.rows_written} rows, {job.size / 2**20:.1f} MiB in "
                f"{elapsed:.2f} s; peak RSS {before:.0f} -> {_peak_rss_mib():.0f} MiB{traced}"
            )
            if not keep:
                path = exports.export_root() / job.file_path
                path.unlink(missing_ok=True)
                path.with_suffix(exports.SUBJECTS_SUFFIX).unlink(missing_ok=True)
        self.stdout.write(f"median {statistics.median(seconds):.2f} s over {len(seconds)} runs")


def tracemalloc_start() -> None:
    tracemalloc.stop()
    tracemalloc.start()


def tracemalloc_peak_mib() -> float:
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20
