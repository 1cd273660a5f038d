"""Login, lockout, session timeout and production settings."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_pages_require_login():
    response = Client().get("/personer/")
    assert response.status_code == 302
    assert response["Location"].startswith("/konto/login/")


def test_lockout_after_repeated_failures(caseworker_a):
    client = Client(REMOTE_ADDR="10.1.2.3")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/konto/login/", {"username": caseworker_a.username, "password": "wrong-password-1"})
    response = client.post(
        "/konto/login/", {"username": caseworker_a.username, "password": "test-password-123"}
    )
    assert response.status_code == 429
    assert "spærret" in response.content.decode()
    from axes.models import AccessFailureLog

    assert (
        AccessFailureLog.objects.filter(username=caseworker_a.username).count() >= settings.AXES_FAILURE_LIMIT
    )


def test_login_succeeds_and_is_logged(caseworker_a):
    from axes.models import AccessLog

    response = Client().post(
        "/konto/login/", {"username": caseworker_a.username, "password": "test-password-123"}
    )
    assert response.status_code == 302
    assert AccessLog.objects.filter(username=caseworker_a.username).exists()


def test_session_idle_timeout():
    """The idle timeout is the middleware's (tests/system/test_sessions_and_lockout.py proves it); the
    session is saved only when a request renews it, so the store's expiry agrees with it."""
    assert "housing.middleware.IdleSessionMiddleware" in settings.MIDDLEWARE
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_IDLE_SECONDS <= 60 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def _production(env: dict) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in (
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "CPR_ENCRYPTION_KEYS",
            "CPR_HASH_KEY",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        )
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings.production", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secrets():
    result = _production({})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_passes_the_deploy_check():
    from cryptography.fernet import Fernet

    result = _production(
        {
            "SECRET_KEY": "k" * 10 + "Zq8#vN2!pL5@wR7$tY1%uI4^oP9&aS3*dF6(gH0)jK-_" + "x9",
            "ALLOWED_HOSTS": "bolig.example.dk",
            "CPR_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "CPR_HASH_KEY": "production-hash-key-for-the-test",
        }
    )
    assert result.returncode == 0, result.stderr + result.stdout


def test_danish_by_default_even_for_an_english_browser(caseworker_a):
    client = Client(HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    client.force_login(caseworker_a)
    body = client.get("/").content.decode()
    assert '<html lang="da">' in body and "Velkommen" in body
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body and "Welcome" in body
