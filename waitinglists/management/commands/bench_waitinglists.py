"""``manage.py bench_waitinglists [--samples 500]``: how fast the everyday look-ups are on the
data ``seed_scale`` builds (target: p95 under 50 ms each with 1,000,000 persons).

Times, per sample, one query as the staff pages ask it: a person by CPR (keyed hash, within one
controller), by applicant number, by last-name prefix (case-insensitive, first page of 25), and
an entry's position on its list (``waitinglists.positions.list_position`` when it exists, else
the same count in SQL). Prints median and p95 in milliseconds.
"""

from __future__ import annotations

import importlib
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from housing import cpr
from housing.audit import audited_save, system_user
from housing.models import Membership, Person, Role
from waitinglists.models import Entry, EntryStatus

POSITION_SQL = (
    "SELECT count(*) FROM waitinglists_entry WHERE waiting_list_id = %s AND status = 'active' "
    "AND (seniority_date < %s OR (seniority_date = %s AND id < %s))"
)


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time CPR, applicant-number, name-prefix and list-position look-ups (median and p95)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--samples", type=int, default=500)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args, samples: int, seed: int, **options) -> None:
        rng = random.Random(seed)
        total = Person.objects.count()
        if not total:
            raise CommandError("No persons; run `manage.py seed_scale --persons 1000000` first.")
        # Random samples by id range (ORDER BY random() over a million rows would dominate).
        bounds = Person.objects.order_by("pk").values_list("pk", flat=True)
        low, high = bounds.first(), bounds.last()
        people = []
        while len(people) < samples:
            pks = [rng.randint(low, high) for _ in range(samples)]
            people += list(
                Person.objects.filter(pk__in=pks).values(
                    "pk", "controller_id", "applicant_number", "last_name"
                )
            )
        people = people[:samples]
        numbers = {
            p.pk: cpr.decrypt(p.cpr_encrypted)
            for p in Person.objects.filter(pk__in=[p["pk"] for p in people])
        }
        entry_bounds = Entry.objects.order_by("pk").values_list("pk", flat=True)
        e_low, e_high = entry_bounds.first(), entry_bounds.last()
        entries = list(
            Entry.objects.filter(
                pk__in=[rng.randint(e_low, e_high) for _ in range(samples * 2)], status="active"
            )
        )[:samples]

        try:
            positions = importlib.import_module("waitinglists.positions")
            list_position = positions.list_position
        except (ImportError, AttributeError):
            list_position = None

        def by_cpr(p):
            return Person.objects.filter(
                controller_id=p["controller_id"], cpr_hash=cpr.lookup_hash(numbers[p["pk"]])
            ).first()

        def by_number(p):
            return Person.objects.filter(
                controller_id=p["controller_id"], applicant_number=p["applicant_number"]
            ).first()

        def by_prefix(p):
            prefix = p["last_name"][: rng.randint(2, 4)].lower()
            return list(
                Person.objects.filter(
                    controller_id=p["controller_id"], last_name__istartswith=prefix
                ).order_by("last_name", "first_name", "pk")[:25]
            )

        def position(e):
            if list_position is not None:
                return list_position(e)
            with connection.cursor() as cursor:
                cursor.execute(POSITION_SQL, [e.waiting_list_id, e.seniority_date, e.seniority_date, e.pk])
                return cursor.fetchone()[0]

        benches = [
            ("person by CPR (hash, one controller)", by_cpr, people),
            ("person by applicant number", by_number, people),
            ("persons by last-name prefix (first 25)", by_prefix, people),
            (
                "list position of an entry" + ("" if list_position else " (SQL; positions module absent)"),
                position,
                entries,
            ),
        ]
        self.stdout.write(
            f"{total} persons, {Entry.objects.count()} entries "
            f"({Entry.objects.filter(status=EntryStatus.ACTIVE).count()} active); {samples} samples each"
        )
        self.stdout.write(f"{'look-up':<62} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
        for name, function, items in benches:
            for item in items[:20]:  # warm the cache and the connection
                function(item)
            timings = []
            for item in items:
                started = time.perf_counter()
                function(item)
                timings.append((time.perf_counter() - started) * 1000)
            p95 = _percentile(timings, 0.95)
            flag = "" if p95 < 50 else "  <-- over 50 ms"
            self.stdout.write(
                f"{name:<62} {statistics.median(timings):>10.2f} {p95:>8.2f} {max(timings):>8.2f}{flag}"
            )
        self._applicant_page(people[0])

    def _applicant_page(self, person: dict) -> None:
        """Queries for the applicant page, when waitinglists has one (skipped otherwise). A
        caseworker of the person's controller is made for it and rolled back afterwards."""
        for name in (
            "waitinglists:applicant",
            "waitinglists:applicant_detail",
            "waitinglists:person_entries",
        ):
            try:
                url = reverse(name, args=[person["pk"]])
            except NoReverseMatch:
                continue
            with transaction.atomic():
                user = get_user_model().objects.create_user(username="bench-caseworker", first_name="Bench")
                audited_save(
                    Membership(user=user, tenant_id=person["controller_id"], role=Role.CASEWORKER),
                    actor=system_user(),
                    reason="Benchmark",
                )
                client = Client()
                client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
                client.get(url)  # warm up (sessions, caches)
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    elapsed = (time.perf_counter() - started) * 1000
                transaction.set_rollback(True)
            self.stdout.write(
                f"applicant page {url}: HTTP {response.status_code}, {len(queries)} queries, {elapsed:.0f} ms"
            )
            return
        self.stdout.write("applicant page: no waitinglists applicant view yet; skipped")
