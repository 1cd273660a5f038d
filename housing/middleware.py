"""Language selection: Danish unless the user chose otherwise with the switch in the header."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


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
