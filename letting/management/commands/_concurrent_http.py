"""The concurrent part of ``bench_pages``: gunicorn on a free local port against the command's own
database, and client threads that walk a page set with signed-in session cookies until the time is
up. Every step is bounded: a statement timeout in the workers, a timeout per request, a deadline
for the start, and the server stopped in a ``finally`` (SIGTERM to its master, SIGKILL to its own
process group if it lingers). Django skips this module as a command (its name starts with "_")."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError
from django.db import connection

# The project's gunicorn configuration, plus a statement timeout on every database connection of
# the workers, so a page the database cannot answer in time ends instead of running on.
GUNICORN_CONFIG = """
import runpy

globals().update({{k: v for k, v in runpy.run_path({project_config}).items() if not k.startswith("__")}})


def post_worker_init(worker):
    from django.db.backends.signals import connection_created

    def bounded(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = {milliseconds}")

    connection_created.connect(bounded, weak=False)
"""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    """The database this command uses, as a URL for the gunicorn workers."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise CommandError("The concurrent run needs PostgreSQL or SQLite.")
    credentials = db.get("USER") or ""
    if db.get("PASSWORD"):
        credentials += f":{db['PASSWORD']}"
    return f"postgres://{credentials}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def _wait_until_up(base: str, process: subprocess.Popen, log_path: Path, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{base}/konto/login/", timeout=2) as answer:  # noqa: S310 — our own local server
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.3)
    tail = log_path.read_text(errors="replace")[-2000:]
    raise CommandError(f"gunicorn did not start (exit code {process.poll()}):\n{tail}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the gunicorn we started: SIGTERM to its master (it stops its workers), then SIGKILL to
    its own process group if it has not gone in 20 s."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _fetcher(cookie: str, timeout: float):
    """A GET with the session cookie: requests when installed, else urllib. Returns (status, error)."""
    header = {"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"}
    try:
        # lazy: requests is optional (a test dependency's dependency); urllib serves without it
        import requests
    except ImportError:
        requests = None
    if requests is not None:
        session = requests.Session()
        session.headers.update(header)

        def fetch(url: str) -> str:
            try:
                answer = session.get(url, timeout=timeout, allow_redirects=False)
                answer.content  # noqa: B018 — read the whole body
            except requests.RequestException as exc:
                return type(exc).__name__
            return "" if answer.status_code == 200 else f"HTTP {answer.status_code}"

        return fetch

    opener = urllib.request.build_opener()
    opener.addheaders = list(header.items())

    def fetch(url: str) -> str:
        try:
            with opener.open(url, timeout=timeout) as answer:
                answer.read()
                return "" if answer.status == 200 else f"HTTP {answer.status}"
        except (urllib.error.URLError, OSError) as exc:
            return type(exc).__name__

    return fetch


def run_clients(
    base: str, pages, cookies: list[dict[str, str]], seconds: float, timeout: float, think: float = 0.0
):
    """Each client walks the mixed page set from its own starting point until the time is up,
    pausing ``think`` seconds after each answer (0: the next request at once — a load test, not a
    caseworker, who reads the page first)."""
    deadline = time.monotonic() + seconds
    records: list[list[tuple[str, float, str]]] = [[] for _ in cookies]

    def client(index: int) -> None:
        fetchers = {user: _fetcher(cookie, timeout) for user, cookie in cookies[index].items()}
        step = index * max(1, len(pages) // len(cookies))
        while time.monotonic() < deadline:
            label, url, user = pages[step % len(pages)]
            step += 1
            started = time.perf_counter()
            error = fetchers[user](base + url)
            records[index].append((label, (time.perf_counter() - started) * 1000, error))
            if think:
                time.sleep(max(0.0, min(think, deadline - time.monotonic())))

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(len(cookies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + timeout + 10)
    elapsed = time.monotonic() - started
    return [record for per_client in records for record in per_client], elapsed


@contextmanager
def gunicorn(*, workers: int, request_timeout: float, statement_timeout: float) -> Iterator[str]:
    """Run ``config.wsgi`` under gunicorn (the project's config file, DEBUG off, the same settings
    module and database as this process) and yield its base URL; stopped when the block ends."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as work:
        config_file = Path(work) / "gunicorn.conf.py"
        config_file.write_text(
            GUNICORN_CONFIG.format(
                project_config=repr(str(Path(settings.BASE_DIR) / "config" / "gunicorn.conf.py")),
                milliseconds=int(statement_timeout * 1000),
            )
        )
        log_path = Path(work) / "gunicorn.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings.base"),
            "DATABASE_URL": _database_url(),
            "DJANGO_DEBUG": "False",
        }
        command = [
            sys.executable, "-m", "gunicorn", "-c", str(config_file), "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers), "--timeout", str(int(request_timeout) + 5), "config.wsgi",
        ]  # fmt: skip
        with log_path.open("wb") as log:
            # Fixed arguments: this interpreter, gunicorn, a config file written just above.
            process = subprocess.Popen(  # noqa: S603
                command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
            try:
                _wait_until_up(base, process, log_path)
                yield base
            finally:
                _stop(process)
