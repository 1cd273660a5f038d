"""The *Kørsler* page: every background job run with its progress, counts and errors.

Running runs poll their own table row with htmx (``job_run_progress``) once a second; the row a
finished run returns has no polling attributes, so the polling stops by itself. Job runs hold no
personal data (errors are redacted of CPR numbers), so every staff user sees them; only
administrators start jobs by hand.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from housing import scoping
from housing.middleware import polled
from housing.views.common import ordered, paginate

from .. import selectors
from ..forms import JobStartForm
from ..jobs import JobSpec, registered_jobs
from ..models import JobRun
from ..tasks import run_job_task

logger = logging.getLogger(__name__)


# The sortable columns of the job runs (housing.views.common.ordered).
RUN_COLUMNS = (
    ("job", "job"),
    ("state", "state"),
    ("started_at", "started"),
    ("finished_at", "finished"),
    (("trigger", "triggered_by__username"), "started_by"),
)


@dataclass(frozen=True)
class RunRow:
    """A job run as the page shows it."""

    run: JobRun
    label: str
    duration: str
    error_count: int

    @property
    def attention(self) -> list[str]:
        return self.run.attention if isinstance(self.run.attention, list) else []

    @property
    def running(self) -> bool:
        return self.run.state == JobRun.State.RUNNING

    @property
    def counts(self) -> list[tuple[str, object]]:
        return sorted(self.run.counts.items()) if isinstance(self.run.counts, dict) else []


def _duration_text(delta: timedelta | None) -> str:
    if delta is None:
        return ""
    seconds = max(0, int(delta.total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}"


def _row(run: JobRun, jobs: dict[str, JobSpec]) -> RunRow:
    spec = jobs.get(run.job)
    if run.finished_at:
        duration = run.finished_at - run.started_at
    elif run.state == JobRun.State.RUNNING:
        duration = timezone.now() - run.started_at
    else:
        duration = None
    return RunRow(
        run=run,
        label=str(spec.label) if spec else run.job,
        duration=_duration_text(duration),
        error_count=len(run.errors) if isinstance(run.errors, list) else 0,
    )


def _run(pk: int) -> JobRun:
    try:
        return selectors.job_run_detail(pk=pk)
    except JobRun.DoesNotExist as exc:
        raise Http404 from exc


def _list_page(request, *, status: int = 200):
    jobs = registered_jobs()
    runs = selectors.job_run_list()
    failed_only = request.GET.get("state") == JobRun.State.FAILED
    if failed_only:
        runs = runs.filter(state=JobRun.State.FAILED)
    page_obj = paginate(request, ordered(request, runs, RUN_COLUMNS))
    is_administrator = scoping.scope_for(request.user).is_administrator
    return render(
        request,
        "letters/job_run_list.html",
        {
            "page_obj": page_obj,
            "rows": [_row(run, jobs) for run in page_obj],
            "jobs": list(jobs.values()) if is_administrator else [],
            "failed_only": failed_only,
        },
        status=status,
    )


@require_GET
def job_runs(request):
    return _list_page(request)


@require_GET
@polled
def job_run_progress(request, pk: int):
    """One run's table row (htmx polls it while the run is running; the polls do not renew the
    idle session)."""
    return render(request, "letters/partials/job_run_row.html", {"row": _row(_run(pk), registered_jobs())})


@require_GET
@polled  # the running run's summary polls this page with htmx
def job_run_detail(request, pk: int):
    return render(request, "letters/job_run_detail.html", {"row": _row(_run(pk), registered_jobs())})


@require_POST
def job_run_start(request):
    if not scoping.scope_for(request.user).is_administrator:
        raise PermissionDenied
    jobs = registered_jobs()
    form = JobStartForm(request.POST, jobs=jobs)
    if not form.is_valid():
        messages.error(request, _("There is no such job."))
        return _list_page(request, status=400)
    name = form.cleaned_data["job"]
    try:
        run_job_task.delay(name, trigger=JobRun.Trigger.MANUAL, user_id=request.user.pk)
    except Exception:
        # Without a worker the job runs here (eager); its failure is recorded on the run itself.
        logger.exception("job %s could not be started or failed", name)
        messages.error(
            request, _("The job %(job)s failed or could not be started. See the run below.") % {"job": name}
        )
    else:
        messages.success(request, _("The job %(job)s was started.") % {"job": jobs[name].label})
    return redirect("letters:job_runs")
