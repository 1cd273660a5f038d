"""Replay each role's day as the browser does it and time every action (issue 15: ≤ 500 ms).

    make bench-actions          # a fresh SQLite demo world (the embedded mode), then this command
    manage.py bench_actions --throwaway   # on the database configured, which it CHANGES

Each step is what a person does in the browser: open a page, or submit a form with the values the
page itself offers (prefilled reasons, the selected choices, hidden keys) and the few a person
types. The form is read from the page's HTML, so the replay follows the forms as they are. Timed:
the submit (until the answer, a redirect), the page it leads to, and the queries of both. Jobs a
step starts (a letter's PDF and dispatch) run as the web process runs them: in the embedded mode in
the background thread after the answer (config/celery.py), so the time of draining them is printed
apart — it is work the person does not wait for.
"""

from __future__ import annotations

import cProfile
import datetime
import io
import pstats
import re
import statistics
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.celery import background_jobs_busy_seconds, background_jobs_drain, run_jobs_in_background

TARGET_MS = 500
FIRST = object()  # "the first choice the select offers"
LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"


class _Forms(HTMLParser):
    """The POST forms of a page, with the values a browser would submit as the page stands."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = None
            if a.get("method", "get").lower() == "post":
                self._form = {
                    "action": a.get("action", ""),
                    "id": a.get("id", ""),
                    "fields": {},
                    "options": {},
                }
                self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        fields = self._form["fields"]
        if tag in ("input", "button") and name:
            kind = a.get("type", "text" if tag == "input" else "submit").lower()
            if kind in ("checkbox", "radio"):
                self._form["options"].setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    fields.setdefault(name, []).append(a.get("value", "on"))
                else:
                    fields.setdefault(name, [])
            elif kind not in ("submit", "image", "button", "reset", "file"):  # no button is clicked
                fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = {"name": name, "text": ""}
        elif tag == "select" and name:
            self._select = {"name": name, "chosen": None}
            self._form["options"][name] = []
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._form["options"][self._select["name"]].append(value)
            if "selected" in a:
                self._select["chosen"] = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if self._form is None:
            return
        if tag == "textarea" and self._textarea is not None:
            self._form["fields"].setdefault(self._textarea["name"], []).append(
                self._textarea["text"].strip("\n")
            )
            self._textarea = None
        elif tag == "select" and self._select is not None:
            chosen = self._select["chosen"]
            self._form["fields"].setdefault(self._select["name"], []).append(chosen or "")
            self._select = None
        elif tag == "form":
            self._form = None


@dataclass
class Timing:
    action: str
    role: str
    submit_ms: float
    next_ms: float
    queries: int

    @property
    def total_ms(self) -> float:
        return self.submit_ms + self.next_ms


@dataclass
class Browser:
    """One person's browser: a logged-in client that reads forms and submits them as shown."""

    role: str
    client: Client = field(default_factory=Client)
    timings: list[Timing] = field(default_factory=list)
    profile: str = ""  # the action whose submit is profiled (--profile)
    profiles: list[str] = field(default_factory=list)

    def open(self, url: str, action: str | None = None) -> str:
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = self.client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise CommandError(f"{self.role}: GET {url} answered {response.status_code}")
        if action:
            self.timings.append(Timing(action, self.role, elapsed, 0.0, len(queries)))
        return response.content.decode()

    def submit(
        self, url: str, action: str, *, form: str = "", values: dict | None = None, page: str | None = None
    ) -> str:
        """Open ``url`` (or take the ``page`` already on screen), fill the POST form whose action
        (or id) contains ``form`` with ``values`` on top of what the page offers — a value FIRST
        picks a select's first choice — submit it and open the page the answer leads to."""
        page = self.open(url) if page is None else page
        parser = _Forms()
        parser.feed(page)
        candidates = [f for f in parser.forms if not form or form in f["action"] or form == f["id"]]
        if not candidates:
            raise CommandError(f"{self.role}: no form {form!r} on {url}")
        chosen = candidates[0]
        data = {name: list(v) for name, v in chosen["fields"].items() if v}
        for name, value in (values or {}).items():
            if value is FIRST:
                value = next(option for option in chosen["options"][name] if option)
            data[name] = value if isinstance(value, list) else [value]
        target = chosen["action"] or url
        with CaptureQueriesContext(connection) as queries:
            profiler = cProfile.Profile() if action == self.profile else None
            started = time.perf_counter()
            if profiler is not None:
                profiler.enable()
            response = self.client.post(target, data)
            if profiler is not None:
                profiler.disable()
            submit_ms = (time.perf_counter() - started) * 1000
            next_ms = 0.0
            if response.status_code in (301, 302, 303):
                started = time.perf_counter()
                landing = self.client.get(response["Location"])
                next_ms = (time.perf_counter() - started) * 1000
                content = landing.content.decode()
            else:
                content = response.content.decode()
        if response.status_code not in (200, 301, 302, 303) or (
            response.status_code == 200 and 'class="form-error-message' in content
        ):
            said = [
                re.sub(r"<[^>]+>", " ", text)
                for text in re.findall(
                    r'class="(?:form-error-message|alert-text)"[^>]*>(.*?)</(?:span|p)>\s*(?:</|$)',
                    content,
                    re.S,
                )
            ]
            raise CommandError(
                f"{self.role}: {action} was refused ({response.status_code}) at {target}: "
                + "; ".join(" ".join(text.split()) for text in said if text.strip())
            )
        self.timings.append(Timing(action, self.role, submit_ms, next_ms, len(queries)))
        if profiler is not None:
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
            self.profiles.append(out.getvalue())
        return content


def _model(label: str):
    return apps.get_model(label)


class Command(BaseCommand):
    help = "Replay each role's day in the demo world and time every action (issue 15, ≤ 500 ms)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--throwaway", action="store_true", help="Confirm that the configured database may be changed."
        )
        parser.add_argument("--rounds", type=int, default=3, help="How many times to replay the days.")
        parser.add_argument(
            "--inline-jobs",
            action="store_true",
            help="Run the jobs inside the request, as the embedded mode did before (for comparison).",
        )
        parser.add_argument(
            "--profile", default="", help="Print where the time of this action's submit goes."
        )

    def handle(self, *args, **options):
        if not options["throwaway"]:
            raise CommandError("bench_actions registers persons and lets dwellings: pass --throwaway.")
        if not options["inline_jobs"]:
            run_jobs_in_background()  # as the web process does (config/wsgi.py)
        users = {
            u.username: u
            for u in get_user_model().objects.filter(
                username__in=["sagsbehandler", "kommune", "revisor", "admin"]
            )
        }
        if len(users) < 4:
            raise CommandError("The demo users are missing: run manage.py seed_demo first.")
        days = (
            ("sagsbehandler", self._caseworker_day),
            ("kommune", self._kommune_day),
            ("revisor", self._auditor_day),
            ("admin", self._admin_day),
        )
        timings: list[Timing] = []
        drain_ms = []
        for round_number in range(options["rounds"]):
            for username, day in days:
                browser = Browser(role=username, profile=options["profile"])
                browser.client.force_login(users[username], backend=LOGIN_BACKEND)
                day(browser, round_number)
                timings += browser.timings
                for profile in browser.profiles:
                    self.stdout.write(profile)
                started = time.perf_counter()
                background_jobs_drain()
                drain_ms.append((time.perf_counter() - started) * 1000)
        self._report(timings, drain_ms, inline=options["inline_jobs"])

    # --- The days: each step as the browser does it -----------------------------------------------

    def _caseworker_day(self, browser: Browser, round_number: int) -> None:
        """Register an applicant; let a vacancy from the lists: open it, send offers, record the
        answers, close the round, sign the lease."""
        browser.open(reverse("dashboard"), "start page (Mine opgaver)")
        browser.open(reverse("letting:board"), "board of vacancies")
        tenant_ids = self._tenant_ids(browser.role)
        waiting_list = (
            _model("waitinglists.WaitingList")
            .objects.filter(controller_id__in=tenant_ids, kind="general")
            .order_by("pk")
            .first()
        )
        browser.open(reverse("waitinglists:list_overview", args=[waiting_list.pk]), "waiting list page")
        browser.open(reverse("housing:person_search") + "?q=Hansen", "person search")
        browser.submit(
            reverse("waitinglists:entry_register", args=[waiting_list.pk]),
            "registration (new person)",
            form="register-form",
            values={
                "applicant": "new",
                "cpr": f"0107{70 + round_number % 20:02d}{4100 + round_number:04d}",
                "first_name": "Bench",
                "last_name": f"Ansøger {round_number + 1}",
                "address_line": "Testvej 1",
                "postal_code": "8000",
                "city": "Aarhus C",
                "kommune": FIRST,
            },
        )
        dwelling = self._free_dwelling(browser.role)
        if dwelling is None:
            raise CommandError("No family dwelling of the caseworker's organisation is free to open.")
        page = browser.submit(
            reverse("letting:vacancy_open"),
            "open a vacancy",
            form="vacancy-open-form",
            values={
                "dwelling": str(dwelling.pk),
                "notice_date": _today().isoformat(),
                "move_out_date": (_today() + datetime.timedelta(days=45)).isoformat(),
            },
        )
        if "round-open-form" not in page:
            raise CommandError(f"The vacancy for {dwelling} cannot be offered from the lists.")
        page = browser.submit("", "send offers (open a round)", form="round-open-form", page=page)
        answers = {}
        parser = _Forms()
        parser.feed(page)
        form = next((f for f in parser.forms if f["id"] == "answers-form"), None)
        if form is None:
            raise CommandError("The round has no answers form: no candidates were offered the dwelling.")
        answer_fields = [name for name in form["options"] if name.startswith("answers-answer_")]
        for index, name in enumerate(answer_fields):
            answers[name] = "accepted" if index == 0 else "declined"
        page = browser.submit(
            "", "record the answers (one form)", form="answers-form", values=answers, page=page
        )
        page = browser.submit("", "close the round", form="round-close-form", page=page)
        if "lease-form" not in page:
            raise CommandError("After the round no lease can be signed (the kommune's approval is needed?).")
        browser.submit("", "sign the lease", form="lease-form", page=page)

    def _kommune_day(self, browser: Browser, round_number: int) -> None:
        """Decide an approval request; offer a plejebolig under the guarantee and record the elder's
        refusal; change a needs decision."""
        browser.open(reverse("dashboard"), "start page (Mine opgaver)")
        browser.open(reverse("approvals:approval_queue"), "approval queue")
        browser.open(reverse("eldercare:dashboard"), "guarantee dashboard")
        request = (
            _model("approvals.ApprovalRequest")
            .objects.filter(state="pending")
            .order_by("deadline", "pk")
            .first()
        )
        if request is not None:
            browser.submit(
                reverse("approvals:approval_detail", args=[request.pk]),
                "approval decision",
                form="approval-form",
                values={"decision": "approve", "change_reason": "Godkendt efter gennemgang"},
            )
        vacancy = _model("eldercare.ElderVacancy").objects.filter(state="open").order_by("pk").first()
        if vacancy is not None:
            page = browser.submit(
                reverse("eldercare:vacancy_detail", args=[vacancy.pk]),
                "elder offer (plejebolig)",
                form="offer-form",
                values={
                    "offer-change_reason": "Tilbud efter plejeboliggarantien",
                    "offer-offer_not_ready_in_time": "on",
                },
            )
            if "answer-form" in page:
                browser.submit(
                    "",
                    "elder refuses the offer",
                    form="answer-form",
                    values={"answer-answer": "refused", "answer-change_reason": "Borgeren har sagt nej tak"},
                    page=page,
                )
        decision = _model("eldercare.NeedDecision").objects.filter(state="in_force").order_by("pk").first()
        if decision is not None:
            browser.submit(
                reverse("eldercare:need_change", args=[decision.pk]),
                "needs decision (change)",
                form="need-form",
                values={"change_reason": "Ny vurdering efter hjemmebesøg"},
            )

    def _auditor_day(self, browser: Browser, round_number: int) -> None:
        """Commit to the seed and draw lots for an advertised dwelling (R38.3), through the
        confirmation step."""
        browser.open(reverse("dashboard"), "start page (Mine opgaver)")
        advert = _model("allocation.Advert").objects.filter(lottery__isnull=True).order_by("pk").first()
        if advert is None:
            return  # the demo world's one lottery was drawn in an earlier round
        url = reverse("letting:advert_detail", args=[advert.vacancy_id])
        page = browser.open(url)
        if "commit-form" in page:
            page = browser.submit(
                url,
                "commit to the lottery seed",
                form="commit-form",
                values={"commit-change_reason": "Seed forpligtet før lodtrækningen"},
                page=page,
            )
        page = browser.submit(
            url,
            "draw lots (to the confirmation)",
            form="draw-form",
            values={"draw-change_reason": "Lodtrækning efter annoncering"},
            page=page,
        )
        browser.submit(url, "draw lots (confirmed)", form="confirm-form", page=page)

    def _admin_day(self, browser: Browser, round_number: int) -> None:
        browser.open(reverse("dashboard"), "start page (Mine opgaver)")
        browser.open(reverse("letters:job_runs"), "job runs")
        browser.open(reverse("admin:letters_jobschedule_changelist"), "job schedules (admin)")

    def _tenant_ids(self, username: str) -> list[int]:
        return list(
            _model("housing.Membership")
            .objects.filter(user__username=username)
            .values_list("tenant_id", flat=True)
        )

    def _free_dwelling(self, username: str):
        """A family dwelling of the caseworker's organisation with no vacancy being let."""
        return (
            _model("housing.Dwelling")
            .objects.filter(
                department__organisation__tenant_id__in=self._tenant_ids(username),
                kind="family",
                lease_scope="",
            )
            .exclude(vacancies__state="open")
            .exclude(department__letting_agreements__kind="advertising")
            .order_by("?")
            .first()
        )

    # --- Report -----------------------------------------------------------------------------------

    def _report(self, timings: list[Timing], drain_ms: list[float], *, inline: bool) -> None:
        by_action: dict[tuple[str, str], list[Timing]] = {}
        for timing in timings:
            by_action.setdefault((timing.role, timing.action), []).append(timing)
        self.stdout.write(
            f"{'role':<15}{'action':<44}{'n':>3}{'answer ms':>11}{'+ next page':>13}{'total p50':>11}"
            f"{'max':>8}{'queries':>9}  ≤ {TARGET_MS} ms"
        )
        slow = 0
        for (role, action), rows in by_action.items():
            totals = [r.total_ms for r in rows]
            ok = max(totals) <= TARGET_MS
            slow += not ok
            self.stdout.write(
                f"{role:<15}{action:<44}{len(rows):>3}{statistics.median(r.submit_ms for r in rows):>11.0f}"
                f"{statistics.median(r.next_ms for r in rows):>13.0f}{statistics.median(totals):>11.0f}"
                f"{max(totals):>8.0f}{max(r.queries for r in rows):>9}  {'yes' if ok else 'NO'}"
            )
        if inline:
            self.stdout.write(
                "\nJobs ran inside the requests (--inline-jobs): their time is in the figures above."
            )
        else:
            self.stdout.write(
                f"\nJobs the steps started (letters rendered to PDF and dispatched) worked "
                f"{background_jobs_busy_seconds() * 1000:.0f} ms in the background thread in all; "
                f"waiting for what was left of them after each day took {statistics.median(drain_ms):.0f} ms "
                "(median). Nobody's page waited for them."
            )
        self.stdout.write(f"{len(by_action) - slow} of {len(by_action)} actions within {TARGET_MS} ms.")


def _today() -> datetime.date:
    return timezone.localdate()
