"""The idle session and the login lock-out.

* htmx polling (the job progress) does not renew the idle session: an unattended Kørsler page
  is logged out after SESSION_IDLE_MINUTES like any other;
* the lock-out counts failures per username + address, per username from any address and per
  address over all usernames (password spraying), with the client's address taken from
  X-Forwarded-For only when the request comes from a configured trusted proxy.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client, RequestFactory
from django.utils import timezone

from housing.client_address import client_ip

pytestmark = pytest.mark.django_db

LOGIN = "/konto/login/"
PASSWORD = "test-password-123"


# --- Idle session --------------------------------------------------------------------------------


class Clock:
    """timezone.now under the test's control (the session store and the middleware both read it)."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock)
    return clock


@pytest.fixture
def running_run(administrator):
    from letters.models import JobRun

    return JobRun.objects.create(
        job="letters.dispatch", trigger="manual", triggered_by=administrator, total=100
    )


def _poll(client: Client, run):
    return client.get(
        f"/koersler/{run.pk}/fremdrift/",
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/koersler/",
    )


def test_polling_the_job_progress_past_the_idle_limit_logs_the_user_out(clock, administrator, running_run):
    idle = settings.SESSION_IDLE_SECONDS
    client = Client()
    client.force_login(administrator)
    assert client.get("/koersler/").status_code == 200  # the user's last own request

    # The page polls every second; sampled once a minute up to the last second of the idle time.
    for _ in range(idle // 60 - 1):
        clock.advance(minutes=1)
        response = _poll(client, running_run)
        assert response.status_code == 200
        assert f'id="run-{running_run.pk}"' in response.content.decode()
    clock.advance(seconds=59)
    assert _poll(client, running_run).status_code == 200

    clock.advance(seconds=1)  # idle for exactly SESSION_IDLE_MINUTES
    response = _poll(client, running_run)
    # htmx is told to load the login page as a whole page, returning to the page the user was on.
    assert response.status_code == 200
    assert response["HX-Redirect"] == "/konto/login/?next=/koersler/"
    assert f'id="run-{running_run.pk}"' not in response.content.decode()
    followed = client.get("/koersler/")
    assert followed.status_code == 302 and followed["Location"].startswith(LOGIN)


def test_a_request_by_the_user_renews_the_idle_time(clock, administrator, running_run):
    idle = settings.SESSION_IDLE_SECONDS
    client = Client()
    client.force_login(administrator)
    assert client.get("/koersler/").status_code == 200
    clock.advance(seconds=idle - 60)
    assert client.get("/koersler/").status_code == 200  # the user clicks: the clock starts again
    clock.advance(seconds=idle - 1)
    assert _poll(client, running_run).status_code == 200
    assert "HX-Redirect" not in _poll(client, running_run)
    clock.advance(seconds=1)
    assert _poll(client, running_run)["HX-Redirect"].startswith(LOGIN)


def test_opening_the_progress_without_htmx_is_the_user_acting(clock, administrator, running_run):
    """Only htmx's polling is passive; the same URL opened by the user renews the session."""
    client = Client()
    client.force_login(administrator)
    assert client.get("/koersler/").status_code == 200
    clock.advance(seconds=settings.SESSION_IDLE_SECONDS - 60)
    assert client.get(f"/koersler/{running_run.pk}/fremdrift/").status_code == 200
    clock.advance(seconds=120)
    assert _poll(client, running_run).status_code == 200
    assert "HX-Redirect" not in _poll(client, running_run)


def test_the_detail_page_polling_does_not_renew_either(clock, administrator, running_run):
    client = Client()
    client.force_login(administrator)
    assert client.get(f"/koersler/{running_run.pk}/").status_code == 200
    clock.advance(seconds=settings.SESSION_IDLE_SECONDS - 1)
    polled = client.get(f"/koersler/{running_run.pk}/", HTTP_HX_REQUEST="true")
    assert polled.status_code == 200
    clock.advance(seconds=1)
    assert client.get(f"/koersler/{running_run.pk}/")["Location"].startswith(LOGIN)


def _session_writes(client, path: str) -> list[str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith(("UPDATE", "INSERT")) and "django_session" in q["sql"]
    ]


def test_reading_pages_writes_the_session_at_most_once_a_minute(clock, administrator):
    """Reading a page is not a write: the last request's time is renewed once a minute at most, so
    a caseworker paging through a list does not UPDATE the session row on every page."""
    from housing.middleware import IDLE_RENEW_SECONDS

    client = Client()
    client.force_login(administrator)
    assert client.get("/koersler/").status_code == 200
    clock.advance(seconds=IDLE_RENEW_SECONDS - 1)
    assert _session_writes(client, "/koersler/") == []
    clock.advance(seconds=1)
    assert len(_session_writes(client, "/koersler/")) == 1


def test_a_session_ends_no_later_than_the_idle_limit_after_the_last_request(clock, administrator):
    """The renewal's minute errs on the safe side: a request that did not renew (59 s after the one
    that did) does not stretch the session; it ends at the limit counted from the renewal."""
    idle = settings.SESSION_IDLE_SECONDS
    client = Client()
    client.force_login(administrator)
    assert client.get("/koersler/").status_code == 200  # renews
    clock.advance(seconds=59)
    assert client.get("/koersler/").status_code == 200  # too soon to renew
    clock.advance(seconds=idle - 60)
    assert client.get("/koersler/").status_code == 200  # 1 s before the limit: still in, renews
    clock.advance(seconds=59)
    assert client.get("/koersler/").status_code == 200  # too soon to renew again
    clock.advance(seconds=idle - 59)
    assert client.get("/koersler/")["Location"].startswith(LOGIN)


# --- The client's address ----------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_address_is_the_connection(settings):
    settings.TRUSTED_PROXIES = []
    assert client_ip(_request("198.51.100.7", "203.0.113.5")) == "198.51.100.7"


def test_x_forwarded_for_is_believed_only_from_a_trusted_proxy(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1", "192.168.10.0/24"]
    assert client_ip(_request("10.0.0.1", "203.0.113.5")) == "203.0.113.5"
    # A client's own forged entries stand to the left of what the proxy appended: ignored.
    assert client_ip(_request("10.0.0.1", "1.2.3.4, 203.0.113.5")) == "203.0.113.5"
    # Two proxies in a row (both trusted) hand over to the client.
    assert client_ip(_request("10.0.0.1", "203.0.113.5, 192.168.10.20")) == "203.0.113.5"
    # Not from the proxy: the header is the client's word only.
    assert client_ip(_request("198.51.100.7", "203.0.113.5")) == "198.51.100.7"
    # A malformed entry cannot be an address: the proxy's own address stands in.
    assert client_ip(_request("10.0.0.1", "not-an-address")) == "10.0.0.1"
    assert client_ip(_request("10.0.0.1")) == "10.0.0.1"


# --- Lock-out ------------------------------------------------------------------------------------


def _fail(username: str, **client_kwargs) -> None:
    response = Client(**client_kwargs).post(LOGIN, {"username": username, "password": "wrong-password-1"})
    assert response.status_code in (200, 429)


def _login(username: str, **client_kwargs):
    return Client(**client_kwargs).post(LOGIN, {"username": username, "password": PASSWORD})


def test_five_wrong_passwords_for_one_user_from_many_addresses_lock_that_user(caseworker_a, caseworker_b):
    for i in range(settings.AXES_FAILURE_LIMIT - 1):
        _fail(caseworker_a.username, REMOTE_ADDR=f"203.0.113.{i + 1}")
    # One below the limit: the user can still log in (from yet another address) ...
    assert _login(caseworker_a.username, REMOTE_ADDR="198.51.100.1").status_code == 302
    # ... which forgives those failures; the limit is then reached from scratch.
    for i in range(settings.AXES_FAILURE_LIMIT):
        _fail(caseworker_a.username, REMOTE_ADDR=f"203.0.113.{i + 1}")
    assert _login(caseworker_a.username, REMOTE_ADDR="198.51.100.1").status_code == 429
    # The addresses are not locked for others.
    assert _login(caseworker_b.username, REMOTE_ADDR="203.0.113.1").status_code == 302


def test_wrong_passwords_for_twenty_usernames_from_one_address_lock_that_address(caseworker_a, caseworker_b):
    limit = settings.AXES_ADDRESS_FAILURE_LIMIT
    assert limit == 20
    for i in range(limit - 1):
        _fail(f"sprayed-{i}", REMOTE_ADDR="198.51.100.7")
    assert _login(caseworker_a.username, REMOTE_ADDR="198.51.100.7").status_code == 302
    # A successful login forgives only its own username: the spraying stays on record.
    _fail(f"sprayed-{limit}", REMOTE_ADDR="198.51.100.7")
    assert _login(caseworker_b.username, REMOTE_ADDR="198.51.100.7").status_code == 429
    assert _login(caseworker_b.username, REMOTE_ADDR="198.51.100.8").status_code == 302


def test_behind_the_trusted_proxy_two_clients_do_not_lock_each_other_out(
    settings, caseworker_a, caseworker_b
):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for i in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        _fail(f"sprayed-{i}", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert _login(caseworker_a.username, HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy).status_code == 429
    assert _login(caseworker_a.username, HTTP_X_FORWARDED_FOR="203.0.113.6", **proxy).status_code == 302
    # A typo-prone colleague's failures behind the same proxy do not reach the other client either.
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _fail(caseworker_b.username, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert _login(caseworker_b.username, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy).status_code == 302


def test_an_untrusted_x_forwarded_for_is_ignored(settings, caseworker_a):
    from axes.models import AccessAttempt

    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    # The attacker is not the proxy; a fresh forged address per try does not escape the limit.
    for i in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        _fail(f"sprayed-{i}", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=f"203.0.113.{i + 1}")
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    locked = _login(caseworker_a.username, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert locked.status_code == 429


def test_the_login_log_names_the_client_behind_the_proxy(settings, caplog, caseworker_a):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    with caplog.at_level("INFO", logger="housing.auth"):
        _fail(caseworker_a.username, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
        _login(caseworker_a.username, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.6")
    lines = [r.getMessage() for r in caplog.records if r.name == "housing.auth"]
    assert lines == [
        "login failed user=caseworker_a ip=203.0.113.5",
        "login user=caseworker_a ip=198.51.100.7",
    ]
