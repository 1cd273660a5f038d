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


@pytest.mark.django_db  # only for pytest-django's order: among the first, so it overlaps the rest
def test_make_run_s_world_migrates_seeds_and_every_role_s_day_replays_on_sqlite(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    steps = (
        ["migrate", "--noinput", "-v0"],
        ["seed_demo"],
        ["bench_actions", "--throwaway", "--rounds", "1"],
    )
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
    assert "actions within 500 ms" in result.stdout
    assert "Nobody's page waited for them" in result.stdout  # the jobs ran in the background thread
