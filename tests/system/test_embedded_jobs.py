"""The embedded mode (no REDIS_URL): the web process hands eager jobs to one background thread, so a
page that sends a letter answers without waiting for the PDF and the dispatch (config/celery.py)."""

import threading
import unittest.mock as mock

import pytest

from config import celery as celery_config
from letters.models import JobRun
from letters.tasks import run_job_task


@pytest.fixture
def web_process(monkeypatch):
    """What config/wsgi.py does in the embedded mode, undone afterwards."""
    monkeypatch.setattr(celery_config, "_background", None)
    celery_config.run_jobs_in_background()
    yield
    celery_config.background_jobs_drain()
    celery_config._background.shutdown(wait=True)


@pytest.mark.django_db(transaction=True)
def test_in_the_web_process_a_job_runs_in_the_background_thread_after_the_call(web_process):
    ran_in = []
    original = celery_config._in_background

    def recording(task, args, kwargs, options):
        ran_in.append(threading.current_thread().name)
        original(task, args, kwargs, options)

    celery_config._background.submit(lambda: None).result()  # the thread exists before we count
    # The call returns at once: no result object, the run not yet necessarily there.
    with mock.patch.object(celery_config, "_in_background", recording):
        assert run_job_task.delay("letters.dispatch", trigger=JobRun.Trigger.EVENT) is None
        celery_config.background_jobs_drain()

    assert ran_in and ran_in[0].startswith("embedded-jobs")
    run = JobRun.objects.get(job="letters.dispatch")
    assert run.state == JobRun.State.SUCCEEDED
    assert run.trigger == JobRun.Trigger.EVENT


@pytest.mark.django_db
def test_outside_the_web_process_jobs_run_inline_as_before(monkeypatch):
    """Commands and tests wait for their jobs: no background thread unless the web process asked."""
    monkeypatch.setattr(celery_config, "_background", None)
    result = run_job_task.delay("letters.dispatch", trigger=JobRun.Trigger.EVENT)
    assert result is not None and result.successful()
    assert JobRun.objects.filter(job="letters.dispatch", state=JobRun.State.SUCCEEDED).exists()
