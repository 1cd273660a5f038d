"""Every page in Danish: no English msgid without a Danish translation, no raw code in the text.

A populated world (the tenant walk's ``world_a``: a person on a list, vacancies in each channel,
offers, a lease, letters, rejections, complaints and the elder-housing lists) is walked by each
persona — caseworker, read-only member, kommune officer and administrator (the admin included).
Every URL pattern is filled with a real object of the world (the admin's object pages with the
first row of their model) and fetched once per persona that may see it, in Danish.

A page fails on

(a) any gettext lookup made while rendering it whose msgid has no Danish translation in the
    compiled catalogue (``DjangoTranslation.gettext``/``ngettext`` are wrapped while the test runs;
    ``pgettext`` goes through ``gettext``);
(b) any code value of the models (the values of every ``choices`` of the project's models and
    TextChoices, and the codes in ``housing.display.CODE_LABELS``) shown in the visible text:
    a code of several words (``awaiting_kommune``) as a whole word anywhere, a one-word code
    (``passive``, which may also be an ordinary word) when it is all the text of an element; and
(c) a stored English sentence (``housing.display.STORED_SENTENCES``: a channel reason, a lease's
    basis) shown as it was stored rather than through the ``stored_text`` filter.

Downloads (PDF, CSV, JSON) and POST-only endpoints are skipped, each named below with the reason.
"""

from __future__ import annotations

import gettext as gettext_module
import re
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import get_resolver
from django.utils.translation import trans_real

from housing import display
from tests.system.test_tenant_walk import _fill, _walk, world_a  # noqa: F401  (world_a is a fixture)

pytestmark = pytest.mark.django_db

TIME_BUDGET_SECONDS = 60
PROJECT_APPS = {
    "housing",
    "letters",
    "waitinglists",
    "allocation",
    "approvals",
    "rejections",
    "complaints",
    "letting",
    "eldercare",
}

# Not pages: downloads (their own formats, read by machines or printed) and endpoints that only
# take a POST (a GET answers 405). A new POST-only endpoint is added here with its reason.
SKIPPED = {
    "logout": "ends the session",
    "admin:logout": "ends the session",
    "set_language": "POST only: switches the language",
    "admin:password_change": "the administrator's own password, Django's page",
    "admin:password_change_done": "the administrator's own password, Django's page",
    "admin:jsi18n": "download: the admin's JavaScript catalogue",
    "admin:view_on_site": "a redirect to the object's own page",
    "admin:autocomplete": "download: JSON for the admin's selects",
    "housing:person_reveal_cpr": "POST only: reveals the CPR number (logged)",
    "housing:person_access_log_csv": "download: CSV",
    "letters:letter_pdf": "download: PDF",
    "letters:letter_resend": "POST only",
    "letters:print_batch_pdf": "download: PDF",
    "letters:print_batch_manifest": "download: CSV",
    "letters:print_batch_confirm": "POST only",
    "letters:job_run_start": "POST only",
    "letters:job_run_progress": "download: JSON for the progress bar",
    "waitinglists:entry_export": "POST only: streams a small CSV or starts an export job",
    "housing:export_download": "download: CSV (an export job's file)",
    "eldercare:breach_report": "download: CSV (the guarantee breaches)",
    "simulation:run_vacancies_csv": "download: CSV (a scenario run's replayed vacancies)",
    "simulation:run_figures_csv": "download: CSV (a scenario run's figures)",
    "simulation:change_add": "POST only",
    "simulation:change_remove": "POST only",
    "simulation:run_start": "POST only",
    "eldercare_public:kommune_json": "download: JSON (open data)",
    "eldercare_public:kommune_csv": "download: CSV (open data)",
    "api:vacancy_ranking": "download: JSON (the API)",
    "api:schema": "download: the API's OpenAPI schema",
    "housing:dwelling_picker": "download: JSON for the dwelling picker's search",
}
# The admin's delete confirmations are Django's page naming the object and the rows it takes with
# it — the same names as the change pages, which are walked.
ADMIN_DELETE = re.compile(r"admin:\w+_delete")
# Answers that mean "no page for this persona here": not allowed, not found, not a GET, sent on.
NOT_A_PAGE = {302, 403, 404, 405}
# Lookups whose msgid is a name, not English: nothing to translate.
PROPER_NOUNS = {"DKFDS", "CPR", "CVR", "PDF", "CSV", "JSON", "API", "OK", "ID", "E-Boks"}
# Code values that are ordinary words of the page (a person's name "Region" is not a code).
WORDS_NOT_CODES = {"pk", "id", "csv", "pdf", "json"}

LETTERS = re.compile(r"[A-Za-zÆØÅæøå]")
CODE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


class _Misses:
    """Records every lookup in the Danish catalogue that finds nothing."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self._danish: set[str] | None = None

    def danish_texts(self, translation) -> set[str]:
        """The catalogue's translations: a lookup of a text that is already Danish (a language's
        name, translated once and looked up again) is no miss."""
        if self._danish is None:
            self._danish = {str(text) for _key, text in translation._catalog.items()}
        return self._danish

    def record(self, translation, msgid: str) -> None:
        if translation.language() != "da" or not LETTERS.search(msgid):
            return
        if msgid in self.danish_texts(translation):
            return
        if trans_real.CONTEXT_SEPARATOR in msgid:
            msgid = msgid.split(trans_real.CONTEXT_SEPARATOR, 1)[1] + " (context)"
        if msgid.strip() in PROPER_NOUNS:
            return
        self.found.add(msgid)


@pytest.fixture
def misses(monkeypatch) -> _Misses:
    record = _Misses()
    original_gettext = gettext_module.GNUTranslations.gettext
    original_ngettext = trans_real.DjangoTranslation.ngettext

    def recording_gettext(self, message):
        if message not in self._catalog and (message, 0) not in self._catalog:
            record.record(self, message)
        return original_gettext(self, message)

    def recording_ngettext(self, msgid1, msgid2, n):
        if (msgid1, 0) not in self._catalog:
            record.record(self, msgid1)
        return original_ngettext(self, msgid1, msgid2, n)

    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", recording_gettext, raising=False)
    monkeypatch.setattr(trans_real.DjangoTranslation, "ngettext", recording_ngettext)
    return record


class _VisibleText(HTMLParser):
    """The text a reader sees: the body without scripts, styles and anything marked ``lang="en"``
    (the language switch names English in English); each element's own text kept apart."""

    SKIP = {"script", "style", "svg", "template"}
    # The admin's permission pickers: Django stores the permissions' names in English ("Can add
    # letter"); they are not codes of this project.
    SKIP_SELECTS = {"permissions", "user_permissions", "permissions_old", "user_permissions_old"}
    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base", "embed"}

    def __init__(self) -> None:
        super().__init__()
        self.chunks: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        a = dict(attrs)
        hidden = tag in self.SKIP or a.get("lang") == "en"
        hidden = hidden or (tag == "select" and a.get("name") in self.SKIP_SELECTS)
        self._stack.append((tag, hidden))

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.chunks.append(data.strip())


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def _codes() -> dict[str, str]:
    """Every code value of the project's models: value → where it comes from."""
    codes: dict[str, str] = {}
    for model in apps.get_models():
        if model._meta.app_label not in PROJECT_APPS or model.__name__.startswith("Historical"):
            continue
        for field in model._meta.get_fields():
            for value, _label in getattr(field, "flatchoices", None) or []:
                if isinstance(value, str) and CODE.fullmatch(value):
                    codes.setdefault(value, f"{model.__name__}.{field.name}")
    for choices in _all_subclasses(models.TextChoices):
        if choices.__module__.split(".")[0] in PROJECT_APPS:
            for value in choices.values:
                if CODE.fullmatch(value):
                    codes.setdefault(value, f"{choices.__module__}.{choices.__qualname__}")
    for value in display.CODE_LABELS:
        if CODE.fullmatch(value):
            codes.setdefault(value, "housing.display.CODE_LABELS")
    return {code: origin for code, origin in codes.items() if code not in WORDS_NOT_CODES and len(code) > 2}


def _code_finders(codes: dict[str, str]) -> tuple[set[str], re.Pattern]:
    """A one-word code (``passive``, ``let``, ``open``) may be an ordinary word of a Danish or English
    sentence: it is found when it is all of an element's text (``<td>passive</td>``). A code of
    several words (``awaiting_kommune``) is found as a whole word anywhere."""
    whole_text = {code for code in codes if "_" not in code}
    rest = sorted(set(codes) - whole_text, key=len, reverse=True)
    anywhere = re.compile(r"(?<![\w@.-])(" + "|".join(map(re.escape, rest)) + r")(?![\w@-])")
    return whole_text, anywhere


def _raw_codes(
    body: str, codes: dict[str, str], finders: tuple[set[str], re.Pattern], names: set[str]
) -> list[str]:
    """The codes in the page's visible text, each with the text around it."""
    whole_text, anywhere = finders
    parser = _VisibleText()
    start = body.find("<body")
    parser.feed(body[start if start >= 0 else 0 :])
    chunks = [chunk for chunk in parser.chunks if chunk not in names]
    found = [(chunk, chunk) for chunk in chunks if chunk in whole_text]
    for chunk in chunks:
        found += [(match.group(1), chunk) for match in anywhere.finditer(chunk)]
    return sorted({f"{code} ({codes[code]}) in {chunk[:80]!r}" for code, chunk in found})


def _stored_english(body: str) -> list[str]:
    """The stored English sentences (``housing.display.STORED_SENTENCES``) shown as they were
    stored, not through the ``stored_text`` filter."""
    parser = _VisibleText()
    start = body.find("<body")
    parser.feed(body[start if start >= 0 else 0 :])
    text = "\n".join(parser.chunks)
    return sorted(
        {match.group(0)[:80] for _msgid, pattern in display._patterns() for match in pattern.finditer(text)}
    )


def _admin_object_id(url_name: str) -> str | None:
    """The first row of the model an admin object page is about (``admin:app_model_change``)."""
    match = re.fullmatch(r"admin:(\w+?)_(\w+)_(change|history|delete)", url_name)
    if not match:
        return None
    app_label, rest, _page = match.groups()
    try:
        model = apps.get_model(app_label, rest)
    except LookupError:
        return None
    first = model._default_manager.order_by("pk").first()
    return str(first.pk) if first else None


def _url(route: str, name: str, world: dict) -> str | None:
    if name.startswith("admin:"):
        object_id = _admin_object_id(name)
        if "<path:object_id>" in route:
            if object_id is None:
                return None
            route = route.replace("<path:object_id>", object_id)
        if "<" in route:
            if "<app_label>" in route:
                return _fill(route, name, world)
            return None
        return "/" + route.lstrip("^").rstrip("$").replace("\\", "")
    return _fill(route, name, world)


def _compiled_catalogue_is_current() -> None:
    for locale_path in settings.LOCALE_PATHS:
        po = Path(locale_path) / "da" / "LC_MESSAGES" / "django.po"
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime, (
            f"{mo} is missing or older than {po}: run `make messages` (compilemessages) first"
        )


def test_every_page_is_danish(
    world_a,  # noqa: F811
    caseworker_a,
    read_only_a,
    kommune_officer,
    administrator,
    client_for,
    misses,
):
    _compiled_catalogue_is_current()
    codes = _codes()
    assert {"passive", "wishes", "awaiting_kommune"} <= set(codes), "the code list misses known codes"
    finders = _code_finders(codes)
    # Usernames are names, whatever they look like (the fixture's ``kommune_officer``).
    usernames = set(get_user_model().objects.values_list("username", flat=True))
    personas = {
        "caseworker": caseworker_a,
        "read-only": read_only_a,
        "kommune officer": kommune_officer,
        "administrator": administrator,
    }
    routes = [(route, name) for route, name in _walk(get_resolver().url_patterns) if name]
    assert len(routes) > 100, "the walk found suspiciously few URL patterns"
    started, cpu_started = time.monotonic(), time.process_time()
    problems: list[str] = []
    pages = 0
    timings: list[tuple[float, str]] = []
    requests_time = 0.0
    for persona, user in personas.items():
        client = client_for(user)
        for route, name in routes:
            if (
                name in SKIPPED
                or (name.startswith("admin:") and not user.is_staff)
                or ADMIN_DELETE.fullmatch(name)
            ):
                continue
            url = _url(route, name, world_a)
            if url is None:
                continue
            misses.found.clear()
            before = time.monotonic()
            response = client.get(url)
            requests_time += time.monotonic() - before
            if response.status_code in NOT_A_PAGE:
                continue
            assert response.status_code == 200, (persona, url, response.status_code)
            if not response["Content-Type"].startswith("text/html"):
                problems.append(f"{name} ({url}) is not a page: name it in SKIPPED with the reason")
                continue
            pages += 1
            timings.append((time.monotonic() - before, url))
            for msgid in sorted(misses.found):
                problems.append(f"{persona} {url}: no Danish for {msgid!r}")
            for code in _raw_codes(response.content.decode(), codes, finders, usernames):
                problems.append(f"{persona} {url}: raw code {code}")
            for sentence in _stored_english(response.content.decode()):
                problems.append(f"{persona} {url}: stored English shown as stored: {sentence!r}")
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu_started
    admin_time = sum(t for t, url in timings if url.startswith("/admin/"))
    print(
        f"{pages} pages in {elapsed:.1f} s, {cpu:.1f} s CPU (admin {admin_time:.1f} s, others "
        f"{sum(t for t, _url in timings) - admin_time:.1f} s, all requests {requests_time:.1f} s), "
        f"{len(problems)} problems"
    )
    assert pages > 150, f"only {pages} pages were rendered"
    assert not problems, "\n".join(sorted(set(problems)))
    # The bound is the walk's own work (CPU time of this process), which does not grow when other
    # processes load the machine the way the wall-clock time does.
    assert cpu < TIME_BUDGET_SECONDS, f"the walk took {cpu:.0f} s of CPU ({elapsed:.0f} s in all)"
