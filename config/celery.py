"""The Celery app. Schedules live in the database (django-celery-beat's DatabaseScheduler)."""

import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor
from logging.config import dictConfig

from celery import Celery, Task
from celery.signals import setup_logging
from django.conf import settings
from django.db import connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("boligadmin", task_cls="config.celery:EmbeddedAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(loglevel=None, **_kwargs) -> None:
    """The worker logs through settings.LOGGING, whose handlers redact CPR numbers.

    Without a receiver for this signal Celery empties the root logger's handlers and installs its
    own, unfiltered ones, so a task's traceback would print a CPR number in full. The worker's
    ``-l``/``--loglevel`` still decides how much it logs.
    """
    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)


# --- The embedded mode's jobs: after the answer, not inside it ----------------------------------
#
# Without REDIS_URL Celery runs tasks eagerly: a letter sent from a page (its PDF rendered, handed to
# Digital Post or the print queue) would run inside the caseworker's request and add a second or
# more to it. With a broker the web process only enqueues; in the embedded mode the web process
# (config/wsgi.py, which runserver also loads) hands eager tasks to one background thread instead,
# so the answer does not wait for the job, as in production. Management commands and tests keep
# running tasks inline: their caller waits for the result.

_background: ThreadPoolExecutor | None = None
_background_busy_seconds = 0.0  # how long the thread has worked, for the benchmark's report


def run_jobs_in_background() -> None:
    """Called by the web process in the embedded mode: eager tasks go to one background thread.
    One thread, so jobs run one at a time in the order asked, as a single worker would."""
    global _background
    if _background is None and app.conf.task_always_eager:
        _background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedded-jobs")


def background_jobs_drain(timeout: float = 120) -> None:
    """Wait until the background thread has run what it was given (the benchmark reports it)."""
    if _background is not None:
        _background.submit(lambda: None).result(timeout=timeout)


def background_jobs_busy_seconds() -> float:
    return _background_busy_seconds


def _in_background(task, args, kwargs, options) -> None:
    global _background_busy_seconds
    started = time.perf_counter()
    try:
        task.apply(args, kwargs, **options)
    except Exception:
        # The job runner records a failure on its JobRun; this is for what failed before it.
        logging.getLogger(__name__).exception("background job %s failed", task.name)
    finally:
        connections.close_all()  # this thread's own connection, opened by the job
        _background_busy_seconds += time.perf_counter() - started


class EmbeddedAwareTask(Task):
    def apply_async(self, args=None, kwargs=None, **options):
        if _background is not None and self.app.conf.task_always_eager:
            _background.submit(_in_background, self, args, kwargs, options)
            return None
        return super().apply_async(args, kwargs, **options)
