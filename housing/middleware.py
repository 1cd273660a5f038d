"""Request middleware: the language, refusing NUL characters at the edge, private-data response headers
and the idle session timeout."""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import resolve_url
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_htmx.http import HttpResponseClientRedirect


class DanishFirstLocaleMiddleware(LocaleMiddleware):
    """Like Django's LocaleMiddleware, but the browser's Accept-Language is ignored.

    Caseworkers' browsers are often set to English; the product's working language is Danish
    (letters, legal terms), so only an explicit choice — the language cookie set by the header
    switch — changes it.
    """

    def process_request(self, request) -> None:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        code = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = translation.get_language()


PRIVATE = "private, no-store"
DOWNLOAD_TYPES = ("text/csv", "application/pdf")


class PrivateResponseMiddleware:
    """Headers that keep personal data out of caches and the browser out of its devices.

    ``Cache-Control: private, no-store`` on every response to a logged-in user (pages, htmx
    fragments, the JSON API) and on every CSV or PDF download: a shared computer's back button,
    disk cache or a proxy must not keep a person's data. Anonymous pages (login, the public elder
    housing figures) may be cached; static files never pass through here (whitenoise answers them
    first). ``Permissions-Policy`` denies every device feature to every page (settings.PERMISSIONS_POLICY).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        personal = (user is not None and user.is_authenticated) or content_type in DOWNLOAD_TYPES
        if personal and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = PRIVATE
        if self.permissions_policy:
            response.setdefault("Permissions-Policy", self.permissions_policy)
        return response


def polled(view):
    """Mark a view that htmx polls: its htmx requests are the page asking, not the user acting,
    so they do not renew the idle session (IdleSessionMiddleware). A plain visit still does."""
    view.polled_by_htmx = True
    return view


IDLE_KEY = "last_activity"
# The stored time of the user's last request is renewed at most this often. Writing it on every
# request made every page view an UPDATE of the session row and a commit (a third of a light page's
# statements); to the minute is enough for a 30-minute limit, and the error is on the safe side: a
# session ends between SESSION_IDLE_SECONDS - IDLE_RENEW_SECONDS and SESSION_IDLE_SECONDS after the
# user's last request, never later.
IDLE_RENEW_SECONDS = 60


def note_activity(session, now: int | None = None) -> None:
    """Keep ``now`` (default: the clock's, in whole seconds) as the time of the user's last request
    (IdleSessionMiddleware). Also called at the login (housing.auth_events), so the first page after
    it has nothing to write."""
    session[IDLE_KEY] = int(timezone.now().timestamp()) if now is None else now


class IdleSessionMiddleware:
    """Ends a logged-in session after settings.SESSION_IDLE_SECONDS without a request by the user.

    The time of the user's last request is kept in the session, renewed at most once a minute
    (IDLE_RENEW_SECONDS) so that reading pages does not write the session row; a request after the
    limit logs the user out (LoginRequiredMiddleware then sends them to the login page; an htmx request gets
    an HX-Redirect there instead of the login page swapped into a table row). htmx polling of a
    view marked ``@polled`` neither renews the time nor saves the session, so a job page left open
    on an unattended screen does not keep the session alive. The session store's own expiry
    (SESSION_COOKIE_AGE from the last save) agrees, because only renewing requests save.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        # An htmx request of an ended session (timed out here or expired in the session store) is
        # sent to the login page as a whole page, with the page the user was on as "next",
        # rather than the login form swapped into a table row.
        if getattr(request, "htmx", False) and response.status_code == 302:
            login_url = resolve_url(settings.LOGIN_URL)
            if response.get("Location", "").startswith(login_url):
                page = urlsplit(request.htmx.current_url or "/")
                next_url = page.path + (f"?{page.query}" if page.query else "")
                return HttpResponseClientRedirect(redirect_to_login(next_url or "/")["Location"])
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        now = int(timezone.now().timestamp())
        last = request.session.get(IDLE_KEY)
        # ">=": the session store drops the session at the same instant (expire_date > now).
        if isinstance(last, int) and now - last >= settings.SESSION_IDLE_SECONDS:
            logout(request)
            return None
        polling = getattr(view_func, "polled_by_htmx", False) and getattr(request, "htmx", False)
        if not isinstance(last, int) or (not polling and now - last >= IDLE_RENEW_SECONDS):
            note_activity(request.session, now)
        return None


class RejectNulBytesMiddleware:
    """Refuse a request with a NUL character (U+0000) in its path, query string or form fields with
    a 400 that says so (JSON under ``/api/``), before any view or database sees it.

    PostgreSQL cannot store or compare NUL in text, so ``/personer/?q=a%00b`` ended in a database
    error and a 500. No field of the product has a use for the character."""

    MESSAGE = _(
        "The request contains a NUL character (0x00), which no field accepts. Remove it and try again."
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if self._has_nul(request):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"detail": str(self.MESSAGE)}, status=400)
            return HttpResponseBadRequest(
                render_to_string("400.html", {"reason": self.MESSAGE}),
                content_type="text/html; charset=utf-8",
            )
        return self.get_response(request)

    @staticmethod
    def _has_nul(request) -> bool:
        if "\x00" in request.path_info or "%00" in request.META.get("QUERY_STRING", ""):
            return True
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            return True
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return False
        content_type = request.content_type or ""
        if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            try:
                fields = request.POST
            except (MultiPartParserError, OSError):  # a body Django cannot parse: left to the view, as before
                return False
            return any(
                "\x00" in key or "\x00" in value for key, values in fields.lists() for value in values
            ) or any("\x00" in (upload.name or "") for upload in request.FILES.values())
        if content_type == "application/json":
            body = request.body
            return b"\x00" in body or b"\\u0000" in body
        return False
