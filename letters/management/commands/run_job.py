"""``manage.py run_job NAME``: run a background job in the foreground, with a progress bar.

For cron, and for the embedded default without a Celery worker. ``--list`` shows the jobs.
"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from letters.jobs import registered_jobs, run_job
from letters.models import JobRun


class Command(BaseCommand):
    help = "Run a background job now, in this process, and record the run."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", nargs="?", help="the job, e.g. letters.dispatch")
        parser.add_argument("--list", action="store_true", help="list the jobs and exit")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar (for cron logs)")

    def handle(self, *args, name=None, list=False, no_progress=False, **options) -> None:
        jobs = registered_jobs()
        if list or not name:
            for spec in jobs.values():
                self.stdout.write(f"{spec.name:30} {spec.label}")
            if not name:
                return
        if name not in jobs:
            raise CommandError(f"Unknown job {name!r}. Known jobs: {', '.join(jobs)}")
        bar = None if no_progress else tqdm(desc=name, unit="", file=self.stderr._out, dynamic_ncols=True)

        def show(run: JobRun) -> None:
            if bar is None:
                return
            if run.total is not None and bar.total != run.total:
                bar.total = run.total
            bar.n = run.done
            bar.set_postfix(run.counts, refresh=False)
            bar.refresh()

        try:
            run = run_job(name, trigger=JobRun.Trigger.COMMAND, on_progress=show)
        except Exception as exc:
            raise CommandError(f"{name} failed: {exc}") from exc
        finally:
            if bar is not None:
                bar.close()
        counts = ", ".join(f"{key}={value}" for key, value in sorted(run.counts.items())) or "nothing to do"
        self.stdout.write(self.style.SUCCESS(f"{name}: run {run.pk} finished — {counts}"))
        for error in run.errors:
            self.stdout.write(self.style.WARNING(f"  error: {error}"))
