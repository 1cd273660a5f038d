"""The first README command, ``make run``, in the embedded mode: SQLite and the jobs in the web
process's background thread. The rest of the suite runs on PostgreSQL, so a lookup SQLite does not
have (JSON containment, date + integer) passes every other test and breaks only a newcomer's first
run — which happened twice. Here the real commands run against a fresh SQLite file: the migrations,
``seed_demo``, and one replay of every role's day through the pages (``bench_actions``, which stops
on any refused form). No time is asserted: the figures are for the benchmark, not a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The waiting-list export on SQLite (the Python writer instead of COPY), through the pages: a job
# with its page and file (fetching it logs every person), and the small export streamed inline,
# which must be the same bytes.
EXPORT_CHECK = """
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from housing import permissions
from housing.models import ExportJob, PersonalDataAccess
from waitinglists.models import WaitingList
lists = sorted(WaitingList.objects.all(), key=lambda wl: -wl.entries.count())
waiting_list = lists[0]
users = get_user_model().objects.order_by("pk")
user = next(u for u in users if permissions.can_write_tenant(u, waiting_list.controller_id))
client = Client()
client.force_login(user)
url = f"/ventelister/{waiting_list.pk}/eksport.csv"
with override_settings(EXPORT_INLINE_MAX_ROWS=1):
    started = client.post(url)
assert started.status_code == 302, started.status_code
job = ExportJob.objects.get()
assert job.state == "done" and job.rows_written > 1, (job.state, job.error)
assert 'data-state="done"' in client.get(started["Location"]).content.decode()
data = b"".join(client.get(started["Location"] + "hent/").streaming_content)
persons = set(waiting_list.entries.exclude(status="deleted").values_list("person_id", flat=True))
assert set(PersonalDataAccess.objects.filter(kind="export").values_list("person_id", flat=True)) == persons
inline = client.post(url)
assert inline.streaming and b"".join(inline.streaming_content) == data
print("export on SQLite:", job.rows_written, "rows")
"""


@pytest.mark.django_db  # only for pytest-django's order: among the first, so it overlaps the rest
def test_make_run_s_world_migrates_seeds_and_every_role_s_day_replays_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    steps = (
        ["migrate", "--noinput", "-v0"],
        ["seed_demo"],
        ["bench_actions", "--throwaway", "--rounds", "1"],
        ["shell", "-c", EXPORT_CHECK],
    )
    out = {}
    for step in steps:
        result = subprocess.run(
            [sys.executable, "manage.py", *step],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert result.returncode == 0, f"manage.py {' '.join(step)} failed:\n{result.stderr[-4000:]}"
        out[step[0]] = result.stdout
    assert "actions within 500 ms" in out["bench_actions"]
    assert "Nobody's page waited for them" in out["bench_actions"]  # the jobs ran in the background thread
    assert "export on SQLite:" in out["shell"]
