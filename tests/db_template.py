"""Every test process (one per core under pytest-xdist) starts from one migrated template database.

Django builds each test database by running every migration in it: about two minutes per process,
all processes at once on a two-core machine. On PostgreSQL the first process to get here migrates a
template database once — named after a digest of the migrations, so a changed migration makes a
new one — under a file lock, and every test database is then created as a copy of it (Django's
``TEST["TEMPLATE"]``; its own ``migrate`` then finds nothing to do). The copy holds exactly what the
migrations made: the triggers and functions of RunSQL, and the reference rows data migrations write.
Older templates of the same database are dropped when a new one is made.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def _digest() -> str:
    """The migrations' contents (and the pinned requirements, whose apps migrate too)."""
    digest = hashlib.sha256()
    files = [*sorted(ROOT.glob("*/migrations/*.py")), ROOT / "requirements.txt"]
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _admin_cursor():
    return connections["default"]._nodb_cursor()


def _exists(name: str) -> bool:
    with _admin_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _migrate_into(name: str) -> None:
    """Create ``name`` and run every migration in it, in a process of its own (this one's Django
    is already set up against the test database's settings)."""
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{name}").geturl()
    with _admin_cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.base"),
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        with _admin_cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        raise RuntimeError(f"migrating the template database failed:\n{result.stderr[-4000:]}")


def _drop_older(prefix: str, keep: str) -> None:
    with _admin_cursor() as cursor:
        cursor.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s AND datname <> %s", [prefix + "%", keep]
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')


def use_migrated_template() -> None:
    """Point the default test database at the migrated template (made here when missing)."""
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        return
    base = database["NAME"]
    prefix = f"test_{base}_tpl_"
    name = prefix + _digest()
    lock_path = Path(tempfile.gettempdir()) / f"{prefix}lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not _exists(name):
                _drop_older(prefix, name)
                _migrate_into(name)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    database.setdefault("TEST", {})["TEMPLATE"] = name
