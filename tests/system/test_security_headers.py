"""Response headers: Content-Security-Policy with a nonce, Permissions-Policy, no caching of
personal data, and no server banner from gunicorn.

The browser tests prove that the pages work under the policy (tests/conftest.py fails a browser
test on any CSP violation); these tests prove the headers themselves and what the templates send.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from tests.browser_support import BROWSER_MARKS

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        parts[0]: parts[1:]
        for parts in (directive.split() for directive in header.split(";") if directive.strip())
    }


def _assert_nothing_inline_without_the_nonce(response) -> None:
    body = response.content.decode()
    nonce = next(s for s in _directives(response)["script-src"] if s.startswith("'nonce-"))[7:-1]
    scripts = re.findall(r"<script\b[^>]*>", body)
    assert scripts, "the page has no script at all"
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag, tag
        assert "src=" in tag, f"inline script: {tag}"
    assert "<style" not in body
    assert not re.search(r"\sstyle\s*=", body), "inline style attribute"
    assert not re.search(r"\son[a-z]+\s*=\s*[\"']", body), "inline event handler"


def test_staff_pages_have_a_nonce_policy_without_unsafe_inline(client_for, caseworker_a, person_a):
    client = client_for(caseworker_a)
    for url in ("/", "/personer/", f"/personer/{person_a.pk}/", "/koersler/", "/breve/"):
        response = client.get(url)
        assert response.status_code == 200, url
        directives = _directives(response)
        assert "'unsafe-inline'" not in directives["script-src"], url
        assert "'unsafe-eval'" not in directives["script-src"], url
        assert any(s.startswith("'nonce-") for s in directives["script-src"]), url
        assert "'unsafe-inline'" not in directives.get("style-src", directives["default-src"]), url
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'none'"]
        assert directives["form-action"] == ["'self'"]
        _assert_nothing_inline_without_the_nonce(response)


def test_each_response_has_its_own_nonce(client_for, caseworker_a):
    client = client_for(caseworker_a)
    first, second = (_directives(client.get("/"))["script-src"] for _ in range(2))
    assert first != second


def test_htmx_adds_no_inline_style_and_evaluates_no_code(client_for, caseworker_a):
    body = client_for(caseworker_a).get("/").content.decode()
    assert (
        '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false, "allowEval": false}\'>' in body
    )
    css = (ROOT / "static" / "css" / "app.css").read_text()
    assert ".htmx-request .htmx-indicator" in css


def test_the_public_page_and_the_login_page_have_the_policy_too(kommune_aarhus):
    for url in ("/offentlig/aeldreboliger/", "/konto/login/"):
        response = Client().get(url)
        assert response.status_code == 200, url
        _assert_nothing_inline_without_the_nonce(response)


def test_the_letter_pdf_may_be_framed_by_the_site_only_and_is_not_stored(
    client_for, caseworker_a, org_a, person_a, settings, tmp_path
):
    """The letter page previews the PDF in an <object>: its frame-ancestors is 'self', not 'none'."""
    from letters import services

    settings.MEDIA_ROOT = tmp_path / "media"
    letter = services.letter_create(
        actor=caseworker_a,
        reason="Test",
        sender=org_a.tenant,
        recipient=person_a,
        kind="general",
        context={"text": "Hej"},
        idempotency_key="headers-1",
        dispatch=False,
    )
    response = client_for(caseworker_a).get(f"/breve/{letter.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert _directives(response)["frame-ancestors"] == ["'self'"]
    assert "no-store" in response["Cache-Control"]


def test_permissions_policy_denies_camera_microphone_and_geolocation(client_for, caseworker_a):
    for response in (Client().get("/konto/login/"), client_for(caseworker_a).get("/")):
        policy = response["Permissions-Policy"]
        for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
            assert f"{feature}=()" in policy


# --- Cache-Control ------------------------------------------------------------------------------


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_pages_fragments_and_the_api_for_a_logged_in_user_are_not_stored(client_for, caseworker_a, person_a):
    client = client_for(caseworker_a)
    responses = {
        "page": client.get(f"/personer/{person_a.pk}/"),
        "htmx fragment": client.post(
            f"/personer/{person_a.pk}/cpr/", {"purpose": "identity_check"}, HTTP_HX_REQUEST="true"
        ),
        "api": client.get("/api/v1/schema/"),
        "api error": client.get("/api/v1/vacancies/999999/ranking/"),
        "search with a result": client.get("/personer/", {"q": "Alfasen"}),
    }
    for name, response in responses.items():
        assert response.status_code < 500, name
        assert _no_store(response), (name, response.get("Cache-Control"))
        assert "private" in response["Cache-Control"], name


def test_every_csv_download_is_not_stored(client_for, caseworker_a, person_a, kommune_aarhus):
    export = client_for(caseworker_a).post(f"/personer/{person_a.pk}/adgangslog.csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert _no_store(export)
    # The public open data CSV holds no personal data, but the rule is simple: no download is stored.
    public = Client().get(f"/offentlig/aeldreboliger/{kommune_aarhus.code}/ventelister.csv")
    assert public.status_code == 200 and _no_store(public)


def test_public_pages_may_be_cached(kommune_aarhus):
    response = Client().get("/offentlig/aeldreboliger/")
    assert response.status_code == 200
    assert not _no_store(response)


# --- The server banner -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorn_with_the_project_config_sends_no_server_banner():
    """gunicorn as README.md runs it (with config/gunicorn.conf.py): neither a page nor a static
    file that whitenoise serves names the server."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "1",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.conf.py", "config.wsgi"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        headers = {}
        for path in ("/konto/login/", "/static/css/app.css"):
            for _ in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                        headers[path] = dict(response.headers)
                    break
                except OSError:
                    time.sleep(0.2)
        assert set(headers) == {"/konto/login/", "/static/css/app.css"}, server.stderr
        for path, received in headers.items():
            assert not {name.lower() for name in received} & {"server", "x-powered-by"}, (path, received)
        assert "Content-Security-Policy" in headers["/konto/login/"]
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_the_readme_serves_with_the_gunicorn_config():
    assert "gunicorn -c config/gunicorn.conf.py config.wsgi" in (ROOT / "README.md").read_text()


@pytest.mark.browser
@BROWSER_MARKS[1]
def test_the_browser_fixture_sees_a_csp_violation(_chromium):
    """The check every browser test relies on: an inline script and an inline style on a page
    whose policy forbids them are reported (so '0 violations' in the browser tests means 0)."""
    from tests.browser_support import CspWatchingBrowser

    watching = CspWatchingBrowser(_chromium)
    page = watching.new_page()
    page.route(
        "http://csp.test/",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'; style-src 'self'"},
            body="<!DOCTYPE html><html><head><style>p{color:red}</style></head>"
            "<body><p>x</p><script>document.title='ran'</script></body></html>",
        ),
    )
    page.goto("http://csp.test/")
    page.wait_for_load_state("load")
    page.wait_for_timeout(200)  # let the violation events reach Python
    assert page.title() != "ran"
    page.close()
    reported = " ".join(watching.violations)
    assert "script-src" in reported and "style-src" in reported, watching.violations


def test_the_error_page_takes_its_style_from_a_file():
    """The 500 page is rendered without a request (no nonce): an inline <style> would be blocked."""
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    body = response.content.decode()
    assert response.status_code == 500
    assert "<style" not in body and not re.search(r"\sstyle\s*=", body)
    assert '<link rel="stylesheet" href="/static/css/error.css">' in body
    assert (ROOT / "static" / "css" / "error.css").is_file()
