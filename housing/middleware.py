"""Language selection (Danish unless the user chose otherwise with the switch in the header), and
refusing NUL characters at the edge."""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.middleware.locale import LocaleMiddleware
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext_lazy as _


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


class RejectNulBytesMiddleware:
    """Refuse a request with a NUL character (U+0000) in its path, query string or form fields with
    a 400 that says so (JSON under ``/api/``), before any view or database sees it (issue 13).

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
