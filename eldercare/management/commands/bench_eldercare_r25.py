"""``manage.py bench_eldercare_r25 [--elders 100000] [--runs 50] [--kommune 0751] [--database NAME]
[--reseed]``: how fast the § 25, stk. 4 figures (R25.4) of one kommune's specific lists compute with
100,000 elders across the 98 kommuner (target: under 200 ms).

The data goes into a PostgreSQL database of its own (default: the configured database's name +
``_r25bench``), created and migrated when missing, so the benchmark never touches working data. Per
kommune three facilities (plejeboliger, ældreboliger, plejehjem) with a specific list each; the elders
are spread over the kommuner in proportion to a rough population weight (the big four get more), each
on one list (a fifth also on a second, paying the fee), 12 % from other kommuner, joined over the last
three years; about 60 % already housed after 20–400 days. Everything is written in bulk with its
history rows (system user, reason "Benchmarkdata").

Then ``published.list_figures`` for the kommune is timed ``--runs`` times after a warm-up, the R22
monitor (``outsiders.outsiders_monitor``), and the public page (``/offentlig/aeldreboliger/<code>/``)
through the Django test client; the command prints p50, p95, max and the query counts.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eldercare.models import Facility, SpecificEntryStatus, SpecificList, SpecificListEntry
from eldercare.services import outsiders, published
from housing.models import Kommune, OwnerKind, Person

from ..bench_seed import (
    BATCH,
    BenchCommand,
    all_kommuner,
    analyze,
    bench_person,
    history_defaults,
    percentile,
)

MARKER_PREFIX = "R"  # applicant numbers of benchmark elders: R0000001 …
SEED = 2_525
BIG = {"0101": 8, "0751": 5, "0461": 3, "0851": 3}  # København, Aarhus, Odense, Aalborg
KINDS = [("plejeboliger", 0.5), ("aeldreboliger", 0.35), ("plejehjem", 0.15)]
NURSING_FACTS = {
    "resident_count": 48,
    "permanent_staff_count": 40,
    "values_and_norms": "Respekt og selvbestemmelse.",
    "daily_rhythm": "Fælles måltider; aktiviteter hver formiddag.",
    "dementia_effort": "Demensenhed med faste medarbejdere.",
    "supervision": "Kommunalt tilsyn og Styrelsen for Patientsikkerhed.",
}


class Command(BenchCommand):
    help = "Time the R25.4 figures of a kommune with 100,000 elders in a database of its own."
    database_suffix = "_r25bench"
    marker = MARKER_PREFIX
    min_runs = 10

    # --- The data --------------------------------------------------------------------------------

    def _lists(self, kommuner, history) -> dict[int, list[SpecificList]]:
        facilities = []
        for kommune in kommuner:
            for kind, _share in KINDS:
                facts = NURSING_FACTS if kind != "aeldreboliger" else {}
                facilities.append(
                    Facility(
                        kommune_id=kommune.pk,
                        name=f"Bench {kind} {kommune.code}",
                        kind=kind,
                        owner_kind=OwnerKind.KOMMUNE,
                        owner_name=kommune.name,
                        address_line="Benchvej 1",
                        postal_code="8000",
                        city=kommune.name,
                        dwelling_count=60,
                        dwellings_for_two=6,
                        size_and_layout="1–2 værelser, 40–65 m².",
                        **facts,
                    )
                )
        facilities = bulk_create_with_history(facilities, Facility, batch_size=BATCH, **history)
        lists = [
            SpecificList(
                kommune_id=f.kommune_id,
                facility_id=f.pk,
                name=f"Venteliste {f.name}",
                fee_amount=150 if f.kind == "aeldreboliger" else None,
                refusal_consequences="Du bliver stående på ventelisten.",
            )
            for f in facilities
        ]
        lists = bulk_create_with_history(lists, SpecificList, batch_size=BATCH, **history)
        by_kommune: dict[int, list[SpecificList]] = {}
        for sl in lists:
            by_kommune.setdefault(sl.kommune_id, []).append(sl)
        return by_kommune

    def seed(self, count: int) -> None:
        rng = random.Random(SEED)
        today = timezone.localdate()
        kommuner = all_kommuner()
        weights = [BIG.get(k.code, 1) for k in kommuner]
        started = time.monotonic()
        history = history_defaults()
        lists = self._lists(kommuner, history)
        kinds, kind_weights = zip(*KINDS, strict=True)
        made = entries_made = 0
        while made < count:
            size = min(BATCH, count - made)
            homes = rng.choices(kommuner, weights=weights, k=size)
            persons = [
                bench_person(
                    index=made + offset,
                    kommune=kommune,
                    marker=MARKER_PREFIX,
                    serial_digit="4",
                    first_name="Bench",
                    last_name=f"Ældre {made + offset + 1}",
                )
                for offset, kommune in enumerate(homes)
            ]
            with transaction.atomic():
                persons = bulk_create_with_history(persons, Person, batch_size=BATCH, **history)
                entries = []
                for person, kommune in zip(persons, homes, strict=True):
                    outside = rng.random() < 0.12
                    home_id = rng.choice(kommuner).pk if outside else kommune.pk
                    if home_id == kommune.pk:
                        outside = False
                    wanted = [rng.choices(kinds, weights=kind_weights)[0]]
                    if rng.random() < 0.2:
                        wanted.append(next(k for k in kinds if k != wanted[0]))
                    for kind in wanted:
                        sl = next(x for x in lists[kommune.pk] if x.name.split()[2] == kind)
                        joined = today - datetime.timedelta(days=rng.randint(0, 3 * 365))
                        housed = None
                        if rng.random() < 0.6:
                            housed = joined + datetime.timedelta(days=rng.randint(20, 400))
                            housed = None if housed > today else housed
                        entries.append(
                            SpecificListEntry(
                                specific_list_id=sl.pk,
                                person_id=person.pk,
                                joined_on=joined,
                                status=SpecificEntryStatus.HOUSED if housed else SpecificEntryStatus.ACTIVE,
                                lives_inside=not outside,
                                home_kommune_id=home_id,
                                housed_on=housed,
                                left_on=housed,
                            )
                        )
                bulk_create_with_history(entries, SpecificListEntry, batch_size=BATCH, **history)
                entries_made += len(entries)
            made += size
            self.stdout.write(
                f"  {made:,} elders, {entries_made:,} list entries ({time.monotonic() - started:.0f} s)"
            )
        analyze()
        self.stdout.write(
            f"Seeded {count:,} elders ({entries_made:,} list entries) across {len(kommuner)} kommuner "
            f"in {time.monotonic() - started:.1f} s."
        )

    # --- The benchmark ---------------------------------------------------------------------------

    def bench(self, code: str, runs: int) -> None:
        kommune = Kommune.objects.get(code=code)
        today = timezone.localdate()
        entries = SpecificListEntry.objects.filter(specific_list__kommune=kommune).count()
        total = SpecificListEntry.objects.count()
        figures = published.list_figures(kommune=kommune, as_of=today)  # warm-up
        timings = []
        with CaptureQueriesContext(connection) as queries:
            published.list_figures(kommune=kommune, as_of=today)
        figure_queries = len(queries.captured_queries)
        for _run in range(runs):
            started = time.perf_counter()
            published.list_figures(kommune=kommune, as_of=today)
            timings.append((time.perf_counter() - started) * 1000)
        monitor_timings = []
        for _run in range(runs):
            started = time.perf_counter()
            outsiders.outsiders_monitor(kommune_id=kommune.pk, day=today)
            monitor_timings.append((time.perf_counter() - started) * 1000)
        client = Client()
        url = f"/offentlig/aeldreboliger/{code}/"
        client.get(url)
        page_timings = []
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise CommandError(f"{url} answered {response.status_code}")
        page_queries = len(queries.captured_queries)
        for _run in range(runs):
            started = time.perf_counter()
            client.get(url)
            page_timings.append((time.perf_counter() - started) * 1000)
        self.stdout.write(
            f"Kommune {kommune.name} ({code}): {len(figures)} specific lists, "
            f"{entries:,} of {total:,} entries."
        )
        for label, values, count in (
            ("R25.4 figures (published.list_figures)", timings, figure_queries),
            ("public page incl. rendering", page_timings, page_queries),
            ("R22 monitor (outsiders.outsiders_monitor)", monitor_timings, 1),
        ):
            self.stdout.write(
                f"{label}: p50 {statistics.median(values):.1f} ms, p95 {percentile(values, 0.95):.1f} ms, "
                f"max {max(values):.1f} ms over {runs} runs; {count} queries."
            )
        p95 = percentile(timings, 0.95)
        verdict = "met" if p95 < 200 else "NOT met"
        self.stdout.write(f"Target R25.4 figures < 200 ms (p95): {verdict}.")
        for f in figures:
            self.stdout.write(
                f"  {f.specific_list.name}: {f.persons} on the list ({f.own_citizens} own, "
                f"{f.other_kommuner} other), average wait {f.average_wait_days} days "
                f"({f.housed_last_12_months} housed in 12 months), "
                f"{f.allocated_previous_quarter} allocated last quarter."
            )
