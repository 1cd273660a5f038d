"""The letters' kinds of work for *Mine opgaver* (``housing.worklist``), registered from
``LettersConfig.ready``: print batches waiting to be confirmed as printed and posted (for the
caseworkers who may confirm them) and failed job runs no later run of the same job has put right
(for administrators, who start jobs). One query each."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import ngettext_lazy

from housing import worklist
from housing.scoping import StaffScope
from housing.worklist import SINCE, WorkCount, WorkKind

from . import selectors
from .models import JobRun, PrintBatch

FAILED_RUNS_DAYS = 7  # failed runs older than this are history, not work


def _may_confirm_batches(scope: StaffScope) -> bool:
    return bool(scope.writable_tenant_ids)


def _administrator(scope: StaffScope) -> bool:
    return scope.is_administrator


def print_batches_to_confirm(user, *, today: datetime.date) -> WorkCount:
    """Batches ready to print; one made before today and not yet confirmed is late."""
    batches = selectors.print_batches_for(user=user).filter(state=PrintBatch.State.READY)
    start_of_today = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    return worklist.aggregate(
        batches, date_field="created_at", today=today, overdue=Q(created_at__lt=start_of_today)
    )


def failed_job_runs(user, *, today: datetime.date) -> WorkCount:
    """Runs that failed in the last week with no later successful run of the same job."""
    since = timezone.now() - datetime.timedelta(days=FAILED_RUNS_DAYS)
    later_success = JobRun.objects.filter(
        job=OuterRef("job"), state=JobRun.State.SUCCEEDED, started_at__gt=OuterRef("started_at")
    )
    runs = (
        selectors.job_run_list()
        .filter(state=JobRun.State.FAILED, started_at__gte=since)
        .exclude(Exists(later_success))
    )
    # A failure is to be seen to now: every one counts as overdue.
    return worklist.aggregate(runs, date_field="started_at", today=today, overdue=Q(pk__isnull=False))


def register() -> None:
    worklist.register(
        WorkKind(
            key="print_batches",
            label=ngettext_lazy(
                "%(n)s print batch waits to be printed and confirmed as posted",
                "%(n)s print batches wait to be printed and confirmed as posted",
                "n",
            ),
            url_name="letters:print_batches",
            applies=_may_confirm_batches,
            count=print_batches_to_confirm,
            compiled_once=True,
            menu="letters",
            date_kind=SINCE,
            order=70,
        )
    )
    worklist.register(
        WorkKind(
            key="failed_jobs",
            label=ngettext_lazy(
                "%(n)s job run failed and has not been run successfully since",
                "%(n)s job runs failed and have not been run successfully since",
                "n",
            ),
            url_name="letters:job_runs",
            query="state=failed",
            applies=_administrator,
            count=failed_job_runs,
            menu="jobs",
            date_kind=SINCE,
            order=80,
        )
    )
