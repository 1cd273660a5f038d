"""What the browser tests share: Debian's Chromium driven by Playwright, and the axe scan.

The ``browser`` fixture lives in ``conftest.py``; tests mark themselves with ``BROWSER_MARKS``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out on this closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(not shutil.which(CHROMIUM), reason="Debian's chromium is not installed"),
]
SERIOUS = {"serious", "critical"}


@contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are synchronous and safe, so Django's async guard is lifted for them only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield browser
            finally:
                browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def axe_problems(page) -> list[str]:
    """The serious and critical accessibility violations axe finds on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v.get("impact") in SERIOUS
    ]


# Reports every Content-Security-Policy violation of the page to the test (the event fires in the
# page; the binding hands it to Python). Init scripts are injected by the browser itself, outside
# the page's CSP, so this script is not a violation of its own.
_CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__reportCspViolation(
    `${event.effectiveDirective} blocked ${event.blockedURI || "inline"} at ` +
    `${event.sourceFile || document.location.href}:${event.lineNumber}`
  );
});
"""


class CspWatchingBrowser:
    """The launched browser, but every page it opens reports CSP violations into ``violations``:
    the ``securitypolicyviolation`` events and Chromium's console errors about the policy."""

    def __init__(self, browser) -> None:
        self._browser = browser
        self.violations: list[str] = []

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def _watch(self, page) -> None:
        page.expose_function("__reportCspViolation", lambda text: self.violations.append(text))
        page.on(
            "console",
            lambda message: (
                self.violations.append(f"console: {message.text}")
                if message.type == "error" and "Content Security Policy" in message.text
                else None
            ),
        )

    def new_page(self, *args, **kwargs):
        page = self._browser.new_page(*args, **kwargs)
        page.add_init_script(_CSP_LISTENER)
        self._watch(page)
        return page

    def new_context(self, *args, **kwargs):
        context = self._browser.new_context(*args, **kwargs)
        context.add_init_script(_CSP_LISTENER)
        context.on("page", self._watch)
        return context
