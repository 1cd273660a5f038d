"""``manage.py bench_pages [--samples 20] [--export] [--concurrent 10 --seconds 60] [--json FILE]``:
every caseworker and kommune page at national scale, through the Django test client (issue 16).

On the data ``seed_scale --persons 1000000 --shared-list 500000`` builds, it times the pages a
caseworker and a kommune officer open — the lists overview, a list at page 1, 100 and the last page
(the Copenhagen-sized shared list and a mid-sized organisation's list, plain and searched for "Han"
and for a rare name), the applicant page and the person's *Ventelister* tab for entries at the
front, middle and end of the big list, the person search, the vacancy page with its ranking API,
the menu pages, and with ``--export`` the list export (as a job when the list page offers one,
else the CSV) — and prints p50 / p95 / max in ms and the queries of each, with ✓/✗ against
``--target-ms``. Pages that should cost the same (page 1, 100 and last; front, middle and end) are
compared in a second table. ``--concurrent N --seconds S`` then starts gunicorn on a free local
port against the same database and lets N clients run the mixed page set for S seconds
(throughput, p95 and max per page and overall).

Without a shared list (``seed_scale`` before ``--shared-list``) the largest scale list stands in.
The command adds, once and marked like the scale data (history rows with the reason
"Skaleringsdata"): a caseworker ``skala-sagsbehandler`` with write rights on every scale tenant,
a kommune officer ``skala-kommune`` of København, and an open vacancy on the big list's turn when
there is none. On a shared database ``--keep-data`` commits nothing but the bench users: the
vacancy is added only while its pages are timed and rolled back (so they are not in the concurrent
run), and no export job is started. Reading pages writes what reading them writes anywhere: the
sessions, and the access log of what a page shows. The command lives in ``letting`` because it
opens that vacancy (allocation) and times letting's pages; nothing imports it.

Every request is bounded: a statement timeout on the database connections (``--statement-timeout``),
fewer samples of a page whose warm-up is slow (``--slow-ms``, ``--slow-samples``), a timeout per
concurrent request, and gunicorn is stopped in a ``finally``.
"""

from __future__ import annotations

import datetime
import html
import json
import logging
import os
import re
import statistics
import time
import warnings
from collections import defaultdict
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.db.models import Count
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from allocation.models import Lease, LettingChannel, Vacancy, VacancyState
from housing.audit import audited_save, system_user
from housing.models import (
    Dwelling,
    DwellingKind,
    HousingOrganisation,
    Kommune,
    Membership,
    Person,
    Role,
    Tenant,
)
from waitinglists.management.commands.seed_scale import MARKER, REASON
from waitinglists.models import Entry, EntryStatus, ListKind, WaitingList

from ._concurrent_http import gunicorn, run_clients
from .bench_actions import _Forms

CASEWORKER = "skala-sagsbehandler"
OFFICER = "skala-kommune"
KOMMUNE_CODE = "0101"  # København: the kommune of the shared list
VACANCY_MARKER = "Skaleringsdata (bench_pages): the general list's turn."
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
# The queue order of the list pages (waitinglists.selectors.QUEUE_ORDER), for picking entries.
QUEUE_ORDER = ("-listed_before_seniority_scheme", "seniority_date", "id")
COMMON_NAME = "Hansen"
LIST_SEARCH = "Han"


def _percentile(values: list[float], share: float) -> float:
    """Nearest rank: with few samples the p95 is the slowest, never an interpolated guess."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _figures(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "p50": round(statistics.median(values), 1),
        "p95": round(_percentile(values, 0.95), 1),
        "max": round(max(values), 1),
    }


def _load() -> str:
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "?"
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


@dataclass
class Page:
    label: str
    url: str
    user: str  # "caseworker" or "kommune"
    group: str = ""  # pages that should cost the same (page 1 / 100 / last; front / middle / end)
    method: str = "get"
    data: dict | None = None
    expect: tuple[int, ...] = (200,)
    samples: int | None = None  # a cap (exports)
    concurrent: bool = True  # part of the mixed page set of the concurrent run


@dataclass
class Result:
    label: str
    url: str
    user: str
    group: str
    concurrent: bool = True
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    error: str = ""
    note: str = ""
    body: str = field(default="", repr=False)  # the last answer, for the links it offers
    location: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return bool(self.times_ms) and not self.error

    def figures(self) -> dict:
        return _figures(self.times_ms)

    @property
    def query_text(self) -> str:
        if not self.queries:
            return "—"
        low, high = min(self.queries), max(self.queries)
        return str(low) if low == high else f"{low}–{high}"


class _Counter:
    """Counts the statements of a request (``connection.execute_wrapper``: no SQL is kept)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


class _Links(HTMLParser):
    """The pagination's last-page link and the list's export links of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.last_page = ""
        self.export_csv = ""

    def handle_starttag(self, tag, attrs):
        if tag != "a":
            return
        a = {k: v or "" for k, v in attrs}
        classes = a.get("class", "").split()
        if "button-last" in classes:
            self.last_page = a.get("href", "")
        if a.get("id") == "export-csv":
            self.export_csv = a.get("href", "")


@contextmanager
def _quiet(*names: str):
    """Silence loggers for a moment: a sign-in per client (housing.auth), a request's exception
    with its traceback (django.request) — the table reports the failure in one line instead."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _with_query(path: str, base_query: str, **changes) -> str:
    params = dict(parse_qsl(base_query, keep_blank_values=True))
    params.update({k: str(v) for k, v in changes.items()})
    return f"{path}?{urlencode(params)}" if params else path


def _page_number(href: str) -> int | None:
    value = dict(parse_qsl(urlsplit(href).query)).get("page", "")
    return int(value) if value.isdigit() else None


class Command(BaseCommand):
    help = "Time every caseworker and kommune page on the scale data (p50/p95/max, queries, ✓/✗)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--samples", type=int, default=20, help="Timed requests per page.")
        parser.add_argument("--warmup", type=int, default=2, help="Untimed requests per page first.")
        parser.add_argument("--target-ms", type=float, default=200, help="The p95 each page must stay under.")
        parser.add_argument("--slow-ms", type=float, default=3000, help="A warm-up slower than this…")
        parser.add_argument("--slow-samples", type=int, default=3, help="…cuts the page's samples to this.")
        parser.add_argument(
            "--statement-timeout", type=float, default=30, help="Seconds a statement may run (PostgreSQL)."
        )
        parser.add_argument("--export", action="store_true", help="Also time the list export (job or CSV).")
        parser.add_argument("--export-samples", type=int, default=3)
        parser.add_argument(
            "--keep-data",
            action="store_true",
            help="Commit nothing but the bench users (a shared database): the vacancy is rolled back.",
        )
        parser.add_argument("--only", default="", help="Time only pages whose label contains this text.")
        parser.add_argument("--json", dest="json_file", default="", help="Write the figures to this file.")
        parser.add_argument(
            "--concurrent", type=int, default=0, help="Clients of the concurrent run (0: none)."
        )
        parser.add_argument("--seconds", type=float, default=60, help="Length of the concurrent run.")
        parser.add_argument("--concurrent-target-ms", type=float, default=300)
        parser.add_argument(
            "--think-ms",
            type=float,
            default=0,
            help="Pause of each concurrent client after an answer (0: a closed loop without pauses).",
        )
        parser.add_argument(
            "--request-timeout", type=float, default=30, help="Per request of the concurrent run."
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("GUNICORN_WORKERS", "2")),
            help="gunicorn workers (config/gunicorn.conf.py's default).",
        )

    def handle(self, *args, **options) -> None:
        # whitenoise warns per request without collectstatic (DEBUG off); no page here reads static files.
        warnings.filterwarnings("ignore", "No directory at", UserWarning)
        self.options = options
        self.target = options["target_ms"]
        started = time.monotonic()
        self.load_before = _load()
        self._bound_statements(connection)
        try:
            with transaction.atomic():
                world = self._world()
            self._describe(world)
            results = self._measure_all(world, self._pages(world))
            self._print_table(results)
            groups = self._print_groups(results)
            concurrent = self._concurrent(world, results) if options["concurrent"] > 0 else None
        finally:
            self._unbound_statements(connection)
        self.load_after = _load()
        self.stdout.write(
            f"\nload average before {self.load_before}, after {self.load_after}; "
            f"{time.monotonic() - started:.0f} s in all"
        )
        if options["json_file"]:
            self._write_json(options["json_file"], world, results, groups, concurrent)

    # --- The world: lists, entries, users, a vacancy ------------------------------------------

    def _bound_statements(self, conn) -> None:
        """A statement timeout on this connection, and on any it is reopened as."""
        milliseconds = int(self.options["statement_timeout"] * 1000)

        def bounded(sender, connection, **kwargs):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET statement_timeout = {milliseconds}")

        self._bounded = bounded
        connection_created.connect(bounded, weak=False)
        if conn.connection is not None:
            bounded(None, conn)

    def _unbound_statements(self, conn) -> None:
        """Back to the server's statement timeout (the command may run inside a longer process)."""
        connection_created.disconnect(self._bounded)
        if conn.vendor == "postgresql" and conn.connection is not None and not conn.needs_rollback:
            with conn.cursor() as cursor:
                cursor.execute("RESET statement_timeout")

    def _world(self) -> dict:
        scale_tenants = Tenant.objects.filter(name__startswith=MARKER).exclude(kind=Tenant.Kind.KOMMUNE)
        if not scale_tenants.exists():
            raise CommandError(
                "No scale data: run `manage.py seed_scale --persons 1000000 --shared-list 500000` first."
            )
        lists = WaitingList.objects.filter(controller__in=scale_tenants, kind=ListKind.GENERAL)
        sizes = dict(
            Entry.objects.filter(waiting_list__in=lists, status=EntryStatus.ACTIVE)
            .order_by()
            .values_list("waiting_list")
            .annotate(n=Count("id"))
            .values_list("waiting_list", "n")
        )
        shared = [wl for wl in lists.filter(organisation__isnull=True) if sizes.get(wl.pk)]
        if shared:
            big = max(shared, key=lambda wl: sizes[wl.pk])
            big_kind = "shared list"
        else:
            big = max(lists, key=lambda wl: sizes.get(wl.pk, 0))
            big_kind = "largest list (no shared list)"
        own = sorted(
            (wl for wl in lists if wl.organisation_id and wl.pk != big.pk), key=lambda wl: sizes.get(wl.pk, 0)
        )
        mid = own[len(own) // 2] if own else big
        front, middle, end = self._front_middle_end(big, sizes.get(big.pk, 0))
        users = {
            "caseworker": self._caseworker(scale_tenants),
            "kommune": self._officer(),
        }
        vacancy, vacancy_note = self._vacancy(big)
        rare = f"{middle.person.first_name} {middle.person.last_name}"
        return {
            "big": big,
            "big_kind": big_kind,
            "big_active": sizes.get(big.pk, 0),
            "mid": mid,
            "mid_active": sizes.get(mid.pk, 0),
            "entries": {"front": front, "middle": middle, "end": end},
            "users": users,
            "vacancy": vacancy,
            "vacancy_note": vacancy_note,
            "rare": rare,
            "applicant_number": middle.person.applicant_number,
        }

    def _front_middle_end(self, waiting_list: WaitingList, active: int) -> tuple[Entry, Entry, Entry]:
        queue = Entry.objects.filter(waiting_list=waiting_list, status=EntryStatus.ACTIVE).select_related(
            "person"
        )
        if not active:
            raise CommandError(f"The list {waiting_list} has no active entries.")
        ordered = queue.order_by(*QUEUE_ORDER)
        backwards = queue.order_by(*(o[1:] if o.startswith("-") else f"-{o}" for o in QUEUE_ORDER))
        return ordered.first(), ordered[active // 2], backwards.first()

    def _caseworker(self, scale_tenants):
        """A caseworker with write rights on every scale tenant (organisations and the shared list's
        association); memberships are added when missing, each with its history row."""
        user = self._user(CASEWORKER, "Skala", "Sagsbehandler")
        have = set(Membership.objects.filter(user=user).values_list("tenant_id", flat=True))
        for tenant in scale_tenants.exclude(pk__in=have).order_by("pk"):
            audited_save(
                Membership(user=user, tenant=tenant, role=Role.CASEWORKER), actor=self.system, reason=REASON
            )
        return user

    def _officer(self):
        kommune = Kommune.objects.select_related("tenant").filter(code=KOMMUNE_CODE).first()
        if kommune is None:
            raise CommandError(f"Kommune {KOMMUNE_CODE} is missing; run `manage.py migrate` first.")
        user = self._user(OFFICER, "Skala", "Kommunemedarbejder")
        if not Membership.objects.filter(user=user, tenant=kommune.tenant).exists():
            audited_save(
                Membership(user=user, tenant=kommune.tenant, role=Role.KOMMUNE_OFFICER),
                actor=self.system,
                reason=REASON,
            )
        return user

    @property
    def system(self):
        if not hasattr(self, "_system"):
            self._system = system_user()
        return self._system

    def _user(self, username: str, first_name: str, last_name: str):
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            # No password: the benchmark signs in with force_login (and session cookies for gunicorn).
            user = user_model(username=username, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
        return user

    def _vacancy(self, big: WaitingList) -> tuple[Vacancy | None, str]:
        """An open vacancy on the big list's turn: one already there, else one added on a free
        family dwelling of an organisation the list serves — with ``--keep-data`` only for the
        measurement of its pages, in a transaction rolled back afterwards (``_measure_vacancy``)."""
        open_ones = Vacancy.objects.filter(
            organisation__in=self._organisations_of(big),
            state=VacancyState.OPEN,
            channel=LettingChannel.LIST,
            internal_turn=False,
        )
        vacancy = open_ones.filter(channel_reason=VACANCY_MARKER).first() or open_ones.order_by("pk").first()
        if vacancy is not None:
            return vacancy, ""
        if self.options["keep_data"]:
            return None, "added for its pages' serial measurement and rolled back (--keep-data)"
        vacancy, why_not = self._add_vacancy(big)
        return vacancy, why_not or "added"

    def _organisations_of(self, big: WaitingList):
        if big.organisation_id:
            return HousingOrganisation.objects.filter(pk=big.organisation_id)
        return HousingOrganisation.objects.filter(shared_list__tenant_id=big.controller_id)

    def _add_vacancy(self, big: WaitingList) -> tuple[Vacancy | None, str]:
        organisation = self._organisations_of(big).order_by("name").first()
        if organisation is None:
            return None, "no organisation lets from the big list"
        dwellings = (
            Dwelling.objects.filter(department__organisation=organisation, kind=DwellingKind.FAMILY)
            .exclude(vacancies__state=VacancyState.OPEN)
            .exclude(pk__in=Lease.objects.filter(ends_on__isnull=True).values("dwelling_id"))
            .exclude(number__startswith="BENCH")
            .order_by("department__number", "number")
        )
        dwelling = dwellings.filter(rooms=3).first() or dwellings.first()
        if dwelling is None:
            return None, f"{organisation} has no free family dwelling"
        today = timezone.localdate()
        vacancy = audited_save(
            Vacancy(
                dwelling=dwelling,
                organisation=organisation,
                controller_id=organisation.tenant_id,
                notice_date=today - datetime.timedelta(days=30),
                move_out_date=today + datetime.timedelta(days=30),
                channel=LettingChannel.LIST,
                channel_reason=VACANCY_MARKER,
                internal_turn=False,
                opened_by=self.system,
            ),
            actor=self.system,
            reason=REASON,
        )
        return vacancy, ""

    def _describe(self, world: dict) -> None:
        big, mid = world["big"], world["mid"]
        self.stdout.write(
            f"{Person.objects.count():,} persons, {Entry.objects.count():,} entries; "
            f"DEBUG={settings.DEBUG}{' (DJANGO_DEBUG=False as in production)' if settings.DEBUG else ''}, "
            f"statement timeout {self.options['statement_timeout']:g} s, "
            f"load average {self.load_before}"
        )
        self.stdout.write(f"big list ({world['big_kind']}): {big.name} — {world['big_active']:,} active")
        self.stdout.write(f"mid-sized list: {mid.name} — {world['mid_active']:,} active")
        front, middle, end = (world["entries"][k] for k in ("front", "middle", "end"))
        self.stdout.write(
            f"entries: front #{front.pk}, middle #{middle.pk}, end #{end.pk}; "
            f"rare name {world['rare']!r}, applicant number {world['applicant_number']}"
        )
        vacancy, note = world["vacancy"], world["vacancy_note"]
        if vacancy is not None:
            self.stdout.write(
                f"vacancy #{vacancy.pk} ({vacancy.organisation.name}){' — ' + note if note else ''}"
            )
        else:
            self.stdout.write(f"vacancy: {note}")

    # --- The pages ------------------------------------------------------------------------------

    def _pages(self, world: dict) -> list[Page]:
        """The fixed pages; the list pages' later pages are found from page 1's links (_measure_all)."""
        entries, vacancy = world["entries"], world["vacancy"]
        pages = [
            Page("Mine opgaver (caseworker)", reverse("dashboard"), "caseworker"),
            Page("lists overview /ventelister/", reverse("waitinglists:lists"), "caseworker"),
        ]
        for position in ("front", "middle", "end"):
            entry = entries[position]
            pages.append(
                Page(
                    f"applicant page, {position}",
                    reverse("waitinglists:entry_detail", args=[entry.pk]),
                    "caseworker",
                    group="applicant page",
                )
            )
        for position in ("front", "middle", "end"):
            entry = entries[position]
            pages.append(
                Page(
                    f"person's lists tab, {position}",
                    reverse("waitinglists:person_entries", args=[entry.person_id]),
                    "caseworker",
                    group="person's lists tab",
                )
            )
        pages.append(
            Page(
                "person page, middle",
                reverse("housing:person_detail", args=[entries["middle"].person_id]),
                "caseworker",
            )
        )
        search = reverse("housing:person_search")
        pages += [
            Page(f"person search {COMMON_NAME!r}", _with_query(search, "", q=COMMON_NAME), "caseworker"),
            Page("person search, rare name", _with_query(search, "", q=world["rare"]), "caseworker"),
            Page(
                "person search, applicant number",
                _with_query(search, "", q=world["applicant_number"]),
                "caseworker",
            ),
        ]
        if vacancy is not None:
            pages += self._vacancy_pages(vacancy)
        pages.append(
            Page(
                "API: dwelling picker",
                _with_query(reverse("housing:dwelling_picker"), "", q="parken"),
                "caseworker",
            )
        )
        for label, name in (
            ("vacant dwellings /udlejning/", "letting:board"),
            ("departments /afdelinger/", "housing:department_list"),
            ("dwellings /boliger/", "housing:dwelling_list"),
            ("outbox /breve/", "letters:outbox"),
        ):
            pages.append(Page(label, reverse(name), "caseworker"))
        for label, name in (
            ("Mine opgaver (kommune)", "dashboard"),
            ("kommune: approvals", "approvals:approval_queue"),
            ("kommune: elder housing", "eldercare:dashboard"),
            ("kommune: nominations", "letting:nomination_queue"),
            ("kommune: supervision", "letting:supervision"),
            ("kommune: dispensations", "rejections:dispensation_list"),
        ):
            try:
                pages.append(Page(label, reverse(name), "kommune"))
            except NoReverseMatch:
                self.stdout.write(f"  ({label}: no URL {name} on this branch)")
        return pages

    def _vacancy_pages(self, vacancy: Vacancy, *, concurrent: bool = True) -> list[Page]:
        return [
            Page(
                "vacancy page",
                reverse("letting:vacancy_detail", args=[vacancy.pk]),
                "caseworker",
                concurrent=concurrent,
            ),
            Page(
                "API: vacancy ranking (limit 50)",
                _with_query(reverse("api:vacancy_ranking", args=[vacancy.pk]), "", limit=50),
                "caseworker",
                concurrent=concurrent,
            ),
        ]

    def _list_pages(self, name: str, waiting_list: WaitingList, query: dict | None) -> Page:
        base = reverse("waitinglists:list_overview", args=[waiting_list.pk])
        return Page(
            f"{name} p1",
            _with_query(base, "", **(query or {})),
            "caseworker",
            group=name,
        )

    # --- Measuring ------------------------------------------------------------------------------

    def _clients(self, world: dict) -> dict[str, Client]:
        clients = {}
        with _quiet("housing.auth"):
            for key, user in world["users"].items():
                client = Client(raise_request_exception=True)
                client.force_login(user, backend=LOGIN_BACKEND)
                clients[key] = client
        return clients

    def _selected(self, page: Page) -> bool:
        only = self.options["only"]
        return not only or only.lower() in page.label.lower()

    def _measure_all(self, world: dict, pages: list[Page]) -> list[Result]:
        clients = self._clients(world)
        results: list[Result] = []
        self.stdout.write("")
        with _quiet("django.request"):
            results += self._measure_lists(world, clients)
            for page in pages:
                if self._selected(page):
                    results.append(self._measure(clients[page.user], page))
            if world["vacancy"] is None and self.options["keep_data"]:
                results += self._measure_vacancy(world, clients["caseworker"])
            if self.options["export"]:
                results += self._measure_export(world, clients["caseworker"])
        return results

    def _measure_vacancy(self, world: dict, client: Client) -> list[Result]:
        """``--keep-data`` and no vacancy to show: one added in a transaction, its pages timed
        through this connection (each request in a savepoint, so a failed one spoils nothing), and
        everything rolled back — the vacancy and whatever reading its ranking logged. Not in the
        concurrent run, whose server cannot see it."""
        with transaction.atomic():
            vacancy, why_not = self._add_vacancy(world["big"])
            if vacancy is None:
                self.stdout.write(f"  (vacancy pages skipped: {why_not})")
                return []
            results = [
                self._measure(client, page)
                for page in self._vacancy_pages(vacancy, concurrent=False)
                if self._selected(page)
            ]
            transaction.set_rollback(True)
        for result in results:
            result.note = "vacancy added and rolled back"
        return results

    def _measure_lists(self, world: dict, clients: dict[str, Client]) -> list[Result]:
        """Page 1, 100 and the last of each list, plain and searched; the later pages are those
        page 1 links to (its last-page button), so the benchmark follows the pagination as built."""
        results = []
        client = clients["caseworker"]
        for short, waiting_list, active in (
            ("big", world["big"], world["big_active"]),
            ("mid", world["mid"], world["mid_active"]),
        ):
            name = f"{short} list ({active:,})"
            for suffix, query in (
                ("", None),
                (f" {LIST_SEARCH!r}", {"q": LIST_SEARCH}),
                (" rare name", {"q": world["rare"]}),
            ):
                first = self._list_pages(name + suffix, waiting_list, query)
                if not self._selected(first):
                    continue
                first_result = self._measure(client, first)
                results.append(first_result)
                links = _Links()
                links.feed(first_result.body)
                path, query_text = first.url.split("?", 1) if "?" in first.url else (first.url, "")
                last_href = html.unescape(links.last_page)
                last_number = _page_number(last_href) if last_href else 1
                later = []
                if not suffix:  # page 100 of the plain list (the searched lists: page 1 and last)
                    label = f"{name} p100" + (
                        f" (only {last_number} pages)" if (last_number or 0) < 100 else ""
                    )
                    later.append(
                        Page(label, _with_query(path, query_text, page=100), "caseworker", group=first.group)
                    )
                if last_href:
                    target = path + last_href if last_href.startswith("?") else last_href
                    later.append(
                        Page(f"{name}{suffix} last (p{last_number})", target, "caseworker", group=first.group)
                    )
                else:
                    first_result.note = "one page"
                for page in later:
                    results.append(self._measure(client, page))
        return results

    def _measure(self, client: Client, page: Page) -> Result:
        result = Result(
            label=page.label, url=page.url, user=page.user, group=page.group, concurrent=page.concurrent
        )
        samples = min(page.samples or self.options["samples"], self.options["samples"])
        warmups = max(self.options["warmup"], 1)
        for index in range(warmups):
            elapsed, _count, status, error = self._request(client, page, result)
            if error:
                # A request that failed (a statement timeout) is timed once more, not twenty times.
                result.note = "1 sample: the warm-up failed"
                samples = 1
                break
            if index == 0 and elapsed > self.options["slow_ms"]:
                samples = min(samples, self.options["slow_samples"])
                result.note = f"slow warm-up {elapsed / 1000:.1f} s: {samples} samples"
                break
        for _ in range(samples):
            elapsed, count, status, error = self._request(client, page, result)
            if error:
                result.error = error
                continue
            result.times_ms.append(elapsed)
            result.queries.append(count)
            result.statuses.append(status)
            if status not in page.expect:
                result.error = f"HTTP {status}"
        self._progress(result)
        return result

    def _request(self, client: Client, page: Page, result: Result) -> tuple[float, int, int, str]:
        counter = _Counter()
        # Inside a transaction (_measure_vacancy) each request gets a savepoint: a statement that
        # fails (a timeout) must not abort the transaction for the requests after it.
        savepoint = transaction.atomic() if connection.in_atomic_block else nullcontext()
        started = time.perf_counter()
        try:
            with savepoint, connection.execute_wrapper(counter):
                if page.method == "post":
                    response = client.post(page.url, page.data or {})
                else:
                    response = client.get(page.url)
                body = b"".join(response.streaming_content) if response.streaming else response.content
        except Exception as exc:  # a timed-out statement is a figure, not a crash
            elapsed = (time.perf_counter() - started) * 1000
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            if "statement timeout" in message:
                return elapsed, counter.count, 0, f"statement timeout after {elapsed / 1000:.1f} s"
            return (
                elapsed,
                counter.count,
                0,
                f"{type(exc).__name__} after {elapsed / 1000:.1f} s: {message}"[:160],
            )
        elapsed = (time.perf_counter() - started) * 1000
        if "html" in response.get("Content-Type", ""):
            result.body = body.decode("utf-8", "replace")
        result.location = response.get("Location", "")
        return elapsed, counter.count, response.status_code, ""

    def _progress(self, result: Result) -> None:
        figures = result.figures()
        text = f"{figures['p95']:.0f} ms p95" if figures["n"] else "—"
        self.stdout.write(f"  {result.label}: {text}{' ' + result.error if result.error else ''}")
        self.stdout.flush()

    def _measure_export(self, world: dict, client: Client) -> list[Result]:
        """The mid-sized list's export: a job when the list page offers one (a POST form whose
        action names an export), its start and the job page; otherwise the CSV download."""
        mid = world["mid"]
        list_url = reverse("waitinglists:list_overview", args=[mid.pk])
        response = client.get(list_url)
        text = response.content.decode("utf-8", "replace")
        forms = _Forms()
        forms.feed(text)
        job_form = next(
            (
                f
                for f in forms.forms
                if re.search(r"export|eksport", f"{f['action']} {f['id']}", re.IGNORECASE)
            ),
            None,
        )
        samples = self.options["export_samples"]
        if job_form is None:
            self.stdout.write("  (the list page offers no export: nothing timed)")
            return []
        if self.options["keep_data"]:
            # The export is a job that writes a file and access-log rows: time it with
            # `manage.py bench_export` on a database of your own.
            self.stdout.write(
                "  (the export job is not started with --keep-data: see manage.py bench_export)"
            )
            return []
        data = {
            name: values[0] if len(values) == 1 else values for name, values in job_form["fields"].items()
        }
        for name in ("change_reason", "reason"):
            if name in data and not data[name]:
                data[name] = "Skaleringsdata (bench_pages)"
        start = Page(
            "export job: start (mid list)",
            job_form["action"] or list_url,
            "caseworker",
            method="post",
            data=data,
            expect=(200, 302, 303),
            samples=samples,
            concurrent=False,
        )
        started = self._measure(client, start)
        results = [started]
        if started.location:
            results.append(
                self._measure(
                    client,
                    Page(
                        "export job: the page it leads to", started.location, "caseworker", concurrent=False
                    ),
                )
            )
        return results

    # --- Reporting ------------------------------------------------------------------------------

    def _mark(self, ok: bool) -> str:
        return self.style.SUCCESS("✓") if ok else self.style.ERROR("✗")

    def _print_table(self, results: list[Result]) -> None:
        width = max(46, *(len(r.label) for r in results)) if results else 46
        self.stdout.write("")
        self.stdout.write(
            f"{'page':<{width}} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>8}  "
            f"<{self.target:g}ms"
        )
        for result in results:
            figures = result.figures()
            if figures["n"]:
                numbers = f"{figures['p50']:>8.0f} {figures['p95']:>8.0f} {figures['max']:>8.0f}"
            else:
                numbers = f"{'—':>8} {'—':>8} {'—':>8}"
            ok = result.ok and figures["p95"] < self.target
            extra = "  ".join(x for x in (result.error, result.note) if x)
            self.stdout.write(
                f"{result.label:<{width}} {figures['n']:>3} {numbers} {result.query_text:>8}  "
                f"{self._mark(ok)}{'  ' + extra if extra else ''}"
            )

    def _print_groups(self, results: list[Result]) -> list[dict]:
        """The pages that should cost the same: p95 and queries side by side. ✓ when every p95 is
        under the target and the query count is one fixed number."""
        groups: dict[str, list[Result]] = defaultdict(list)
        for result in results:
            if result.group:
                groups[result.group].append(result)
        summary = []
        if not groups:
            return summary
        self.stdout.write("\nthe same at page 1 / 100 / last (and front / middle / end):")
        for name, members in groups.items():
            p95s = [m.figures().get("p95") for m in members]
            counts = {q for m in members for q in m.queries}
            fixed = len(counts) == 1
            fast = all(m.ok for m in members) and all(p is not None and p < self.target for p in p95s)
            spread = (max(p95s) / max(min(p95s), 0.001)) if all(p is not None for p in p95s) else None
            parts = ", ".join(
                f"{m.label.removeprefix(name).strip(' ,') or m.label}: "
                + (f"{p:.0f} ms" if p is not None else "failed")
                + f"/{m.query_text} q"
                for m, p in zip(members, p95s, strict=True)
            )
            verdict = (
                f"p95 {'under' if fast else 'NOT all under'} {self.target:g} ms"
                + (f", spread {spread:.1f}×" if spread is not None else "")
                + f"; queries {'fixed' if fixed else 'vary: ' + ', '.join(map(str, sorted(counts)))}"
            )
            self.stdout.write(f"  {self._mark(fast and fixed)} {name}: {parts} — {verdict}")
            summary.append(
                {"group": name, "ok": fast and fixed, "p95_under_target": fast, "queries_fixed": fixed,
                 "p95_spread": spread}
            )  # fmt: skip
        return summary

    def _write_json(self, path: str, world: dict, results, groups, concurrent) -> None:
        data = {
            "when": timezone.now().isoformat(),
            "load_before": self.load_before,
            "load_after": self.load_after,
            "target_ms": self.target,
            "samples": self.options["samples"],
            "debug": settings.DEBUG,
            "big_list": {"id": world["big"].pk, "name": world["big"].name, "kind": world["big_kind"],
                         "active": world["big_active"]},
            "mid_list": {"id": world["mid"].pk, "name": world["mid"].name, "active": world["mid_active"]},
            "pages": [
                {
                    "page": r.label, "url": r.url, "user": r.user, "group": r.group, **r.figures(),
                    "queries": r.queries[0] if len(set(r.queries)) == 1 else r.queries,
                    "ok": r.ok and r.figures().get("p95", float("inf")) < self.target,
                    "error": r.error, "note": r.note,
                }
                for r in results
            ],
            "groups": groups,
            "concurrent": concurrent,
        }  # fmt: skip
        Path(path).write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")
        self.stdout.write(f"figures written to {path}")

    # --- The concurrent run ---------------------------------------------------------------------

    def _concurrent(self, world: dict, results: list[Result]) -> dict | None:
        # The mixed page set: every page that answered in the serial run, without the export (a job
        # or a download, not a page a caseworker reloads) and without the pages that failed there.
        pages, left_out = [], []
        for r in results:
            if not r.concurrent:
                continue
            if r.ok and r.statuses and set(r.statuses) == {200}:
                pages.append((r.label, r.url, r.user))
            else:
                left_out.append(r.label)
        if not pages:
            self.stdout.write("concurrent run skipped: no page answered in the serial run")
            return None
        if left_out:
            self.stdout.write(
                f"\nleft out of the concurrent run (failed in the serial run): {', '.join(left_out)}"
            )
        clients, seconds = self.options["concurrent"], self.options["seconds"]
        timeout, workers = self.options["request_timeout"], self.options["workers"]
        cookies = [self._session_cookies(world) for _ in range(clients)]
        self.stdout.write(
            f"\nconcurrent run: {clients} clients for {seconds:g} s over {len(pages)} pages, gunicorn "
            f"{workers} sync workers (DEBUG off), request timeout {timeout:g} s, "
            f"{self.options['think_ms']:g} ms pause after each answer"
        )
        with gunicorn(
            workers=workers, request_timeout=timeout, statement_timeout=self.options["statement_timeout"]
        ) as base:
            load_before = _load()
            records, elapsed = run_clients(
                base, pages, cookies, seconds, timeout, think=self.options["think_ms"] / 1000
            )
            load_after = _load()
        figures = self._print_concurrent(records, elapsed, clients, workers, load_before, load_after)
        return {**figures, "left_out": left_out}

    def _session_cookies(self, world: dict) -> dict[str, str]:
        """One signed-in session per user, as a login would make it (the session store's cookie)."""
        cookies = {}
        with _quiet("housing.auth"):
            for key, user in world["users"].items():
                client = Client()
                client.force_login(user, backend=LOGIN_BACKEND)
                cookies[key] = client.cookies[settings.SESSION_COOKIE_NAME].value
        return cookies

    def _print_concurrent(self, records, elapsed, clients, workers, load_before, load_after) -> dict:
        by_page: dict[str, list[float]] = defaultdict(list)
        errors: dict[str, int] = defaultdict(int)
        for label, ms, error in records:
            if error:
                errors[label] += 1
            else:
                by_page[label].append(ms)
        everything = [ms for values in by_page.values() for ms in values]
        target = self.options["concurrent_target_ms"]
        width = max(46, *(len(label) for label in by_page)) if by_page else 46
        self.stdout.write(
            f"{'page':<{width}} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'errors':>6}  "
            f"<{target:g}ms"
        )
        labels = dict.fromkeys(label for label, _ms, _error in records)
        rows = [(label, by_page.get(label, []), errors[label]) for label in labels]
        rows.append(("all pages", everything, sum(errors.values())))
        pages = []
        for label, values, failed in rows:
            figures = _figures(values)
            ok = bool(values) and not failed and figures["p95"] < target
            numbers = " ".join(
                f"{figures[k]:>8.0f}" if values else f"{'—':>8}" for k in ("p50", "p95", "max")
            )
            self.stdout.write(f"{label:<{width}} {len(values):>5} {numbers} {failed:>6}  {self._mark(ok)}")
            pages.append({"page": label, **figures, "errors": failed, "ok": ok})
        overall = pages.pop()
        throughput = len(everything) / elapsed if elapsed else 0.0
        self.stdout.write(
            f"throughput {throughput:.1f} req/s over {elapsed:.0f} s; "
            f"load average {load_before} before, {load_after} after"
        )
        return {
            "clients": clients, "workers": workers, "seconds": round(elapsed, 1),
            "think_ms": self.options["think_ms"],
            "requests": overall["n"], "errors": overall["errors"], "throughput": round(throughput, 2),
            "p50": overall.get("p50"), "p95": overall.get("p95"), "max": overall.get("max"),
            "ok": overall["ok"], "target_ms": target, "load_before": load_before, "load_after": load_after,
            "pages": pages,
        }  # fmt: skip
