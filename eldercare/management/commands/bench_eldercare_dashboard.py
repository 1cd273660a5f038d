"""``manage.py bench_eldercare_dashboard [--elders 100000] [--runs 50] [--database NAME] [--reseed]``:
how fast one kommune's guarantee dashboard renders with 100,000 elders across the 98 kommuner
(target: p95 under 150 ms).

The data goes into a PostgreSQL database of its own (default: the configured database's name +
``_eldbench``), created and migrated when missing, so the benchmark never touches working data. The
elders are written in bulk, each row with its history row (system user, reason "Benchmarkdata"),
through ``simple_history``'s history-aware bulk insert: per elder a person of the kommune, a needs
decision (mostly plejebolig on the general list, some elder-dwelling needs and specific choices),
and for the general list an entry and its first period, with decision dates spread over the last
5 months so that the list holds overdue, due-soon and fresh deadlines, and some elders are housed.

Then a kommune officer's dashboard (``/kommune/aeldre/``) is requested through the Django test
client ``--runs`` times after a warm-up; the command prints p50, p95, max and the query count.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from eldercare.models import (
    GuaranteeChoice,
    GuaranteeEntry,
    GuaranteePeriod,
    GuaranteeState,
    NeedDecision,
    NeedKind,
    NeedState,
    PeriodOutcome,
)
from eldercare.rules.deadlines import guarantee_deadlines
from eldercare.rules.ranking import need_score
from housing.audit import system_user
from housing.models import Kommune, Membership, Person, Role

from ..bench_seed import (
    BATCH,
    REASON,
    BenchCommand,
    all_kommuner,
    analyze,
    bench_person,
    history_defaults,
    percentile,
)

MARKER_PREFIX = "B"  # applicant numbers of benchmark elders: B0000001 …
SEED = 2_026
OFFICER = "bench-eldercare-officer"
FIRST = [
    "Anna",
    "Karen",
    "Inger",
    "Bent",
    "Poul",
    "Hans",
    "Ellen",
    "Ruth",
    "Aksel",
    "Grethe",
    "Jens",
    "Kirsten",
]
LAST = ["Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen", "Madsen"]


class Command(BenchCommand):
    help = "Time the kommune officer's guarantee dashboard with 100,000 elders in a database of its own."
    database_suffix = "_eldbench"
    marker = MARKER_PREFIX
    min_runs = 30

    # --- The data --------------------------------------------------------------------------------

    def seed(self, count: int) -> None:
        rng = random.Random(SEED)
        today = timezone.localdate()
        system = system_user()
        kommuner = all_kommuner()
        started = time.monotonic()
        history = history_defaults()
        made = 0
        while made < count:
            size = min(BATCH, count - made)
            persons, plans = [], []
            for offset in range(size):
                index = made + offset
                kommune = kommuner[index % len(kommuner)]
                persons.append(
                    bench_person(
                        index=index,
                        kommune=kommune,
                        marker=MARKER_PREFIX,
                        serial_digit="3",
                        first_name=rng.choice(FIRST),
                        last_name=rng.choice(LAST),
                    )
                )
                roll = rng.random()
                kind, choice = NeedKind.NURSING, GuaranteeChoice.GENERAL_LIST
                if roll < 0.10:
                    kind, choice = NeedKind.ELDER_DWELLING, GuaranteeChoice.NOT_APPLICABLE
                elif roll < 0.18:
                    choice = GuaranteeChoice.SPECIFIC
                scores = [rng.randint(0, 4) for _ in range(4)]
                decided_on = today - datetime.timedelta(days=rng.randint(0, 150))
                plans.append((kommune, kind, choice, scores, decided_on, rng.random() < 0.25))
            with transaction.atomic():
                persons = bulk_create_with_history(persons, Person, batch_size=BATCH, **history)
                decisions = []
                for person, (kommune, kind, choice, scores, decided_on, housed) in zip(
                    persons, plans, strict=True
                ):
                    housed = housed and choice == GuaranteeChoice.GENERAL_LIST
                    decisions.append(
                        NeedDecision(
                            kommune_id=kommune.pk,
                            controller_id=kommune.tenant_id,
                            person_id=person.pk,
                            kind=kind,
                            decided_on=decided_on,
                            social_score=scores[0],
                            physical_score=scores[1],
                            mental_score=scores[2],
                            economic_score=scores[3],
                            need_score=need_score(
                                social=scores[0], physical=scores[1], mental=scores[2], economic=scores[3]
                            ),
                            guarantee_choice=choice,
                            told_no_guarantee_on=decided_on if choice == GuaranteeChoice.SPECIFIC else None,
                            state=NeedState.HOUSED if housed else NeedState.IN_FORCE,
                            decided_by_id=system.pk,
                        )
                    )
                decisions = bulk_create_with_history(decisions, NeedDecision, batch_size=BATCH, **history)
                entries, period_plans = [], []
                for decision in decisions:
                    if decision.guarantee_choice != GuaranteeChoice.GENERAL_LIST:
                        continue
                    deadlines = guarantee_deadlines(decision.decided_on)
                    housed = decision.state == NeedState.HOUSED
                    offered_on = None
                    if housed:
                        # Most offers in time; a few late ones make breaches to count.
                        offered_on = decision.decided_on + datetime.timedelta(days=rng.randint(10, 75))
                    ended_on = max(offered_on, decision.decided_on) if housed else None
                    if ended_on is not None and ended_on > today:
                        ended_on, offered_on = today, min(offered_on, today)
                    entries.append(
                        GuaranteeEntry(
                            kommune_id=decision.kommune_id,
                            controller_id=decision.controller_id,
                            person_id=decision.person_id,
                            need_decision_id=decision.pk,
                            admitted_on=decision.decided_on,
                            state=GuaranteeState.HOUSED if housed else GuaranteeState.WAITING,
                            clock_started_on=deadlines.started_on,
                            deadline=deadlines.offer_by,
                            ready_by=deadlines.ready_by,
                            ended_on=ended_on,
                        )
                    )
                    period_plans.append((deadlines, offered_on, ended_on))
                entries = bulk_create_with_history(entries, GuaranteeEntry, batch_size=BATCH, **history)
                periods = [
                    GuaranteePeriod(
                        entry_id=entry.pk,
                        kommune_id=entry.kommune_id,
                        number=1,
                        started_on=deadlines.started_on,
                        deadline=deadlines.offer_by,
                        ready_by=deadlines.ready_by,
                        offered_on=offered_on,
                        offered_ready_on=offered_on,
                        outcome=PeriodOutcome.ACCEPTED if ended_on else PeriodOutcome.RUNNING,
                        closed_on=ended_on,
                    )
                    for entry, (deadlines, offered_on, ended_on) in zip(entries, period_plans, strict=True)
                ]
                bulk_create_with_history(periods, GuaranteePeriod, batch_size=BATCH, **history)
            made += size
            self.stdout.write(f"  {made:,} elders written ({time.monotonic() - started:.0f} s)")
        analyze()
        self.stdout.write(
            f"Seeded {count:,} elders across {len(kommuner)} kommuner in {time.monotonic() - started:.1f} s."
        )

    # --- The benchmark ---------------------------------------------------------------------------

    def bench(self, code: str, runs: int) -> None:
        kommune = Kommune.objects.get(code=code)
        user, _created = get_user_model().objects.get_or_create(
            username=OFFICER, defaults={"first_name": "Benchmark", "last_name": "Officer"}
        )
        if not Membership.objects.filter(user=user, tenant=kommune.tenant).exists():
            membership = Membership(user=user, tenant=kommune.tenant, role=Role.KOMMUNE_OFFICER)
            membership._history_user, membership._change_reason = system_user(), REASON
            membership.save()
        waiting = GuaranteeEntry.objects.filter(kommune=kommune, state=GuaranteeState.WAITING).count()
        total = Person.objects.filter(applicant_number__startswith=MARKER_PREFIX).count()
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        url = "/kommune/aeldre/"
        for _ in range(3):  # warm-up: templates compiled, connection and caches warm
            client.get(url)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise CommandError(f"The dashboard answered {response.status_code}.")
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        p50, p95 = statistics.median(timings), percentile(timings, 0.95)
        self.stdout.write(
            f"Guarantee dashboard of {kommune.name} ({waiting:,} waiting; {total:,} elders in all kommuner), "
            f"{runs} runs through the Django test client:"
        )
        self.stdout.write(
            f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   min {min(timings):.1f} ms   "
            f"max {max(timings):.1f} ms   {len(queries.captured_queries)} queries"
        )
        verdict = "met" if p95 < 150 else "NOT met"
        self.stdout.write(f"  target p95 < 150 ms: {verdict}")
