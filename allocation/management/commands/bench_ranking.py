"""``manage.py bench_ranking [--samples 50] [--limit 50] [--explain] [--seed]``: how fast a vacancy's
ranking is read on the data ``seed_scale`` builds (target: median under 50 ms with 1,000,000
persons and a department wanted by 100,000 active entries).

On the largest scale organisation it adds, once (marked, with history rows like ``seed_scale``'s):
two vacant 3-room family dwellings in its most wanted department — one on the general list's turn,
one on the internal list's (§ 7) — the organisation's decisions (R6 and R8.2) and a § 4 agreement
(R4), and sparse facts as in life: documented needs for 2 % of the applicants, households with
children for a quarter of them, fee arrears for 2 %, 12 boliggarantibeviser for the department,
15 separation priorities, and 60 tenants on the internal list. Then it times
``allocation.services.ranking.vacancy_ranking`` (median, p95) beside the bare SQL that reads the
top ``limit`` of the same list from the same index, and with ``--explain`` prints the plans.

``--seed`` runs ``seed_scale --persons 1000000 --organisations 8`` first when there is no scale
data: with the default 40 organisations no list holds 100,000 active entries.
"""

from __future__ import annotations

import datetime
import random
import statistics
import time
from decimal import Decimal

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allocation.models import (
    AgreementKind,
    GuaranteeState,
    HousingGuarantee,
    Lease,
    LettingAgreement,
    LettingChannel,
    OrganisationLettingPolicy,
    PriorityNeed,
    SeparationPriority,
    Vacancy,
)
from allocation.services import candidates
from allocation.services.ranking import (
    RANKING_RELATED,
    _shown_kinds,
    _statement,
    dwelling_facts,
    letting_rules_for,
    vacancy_ranking,
)
from housing import cpr
from housing.audit import audited_save, system_user
from housing.models import Dwelling, DwellingKind, Household, HouseholdMember, HouseholdRelation, Person
from housing.services import reserve_numbers
from waitinglists.management.commands.import_waitinglist import BulkWriter
from waitinglists.management.commands.seed_scale import MARKER as SCALE_MARKER
from waitinglists.models import ChargeKind, ChargeState, Entry, EntryStatus, FeeCharge, ListKind, WaitingList

MARKER = "Benchmark (bench_ranking)"  # the vacancies' channel reason
REASON = "Benchmarkdata"
WANTED = 100_000
R94_INDEX = "entry_r94_queue_idx"  # proposed: the internal list's order with R9.4 in it
SEED = 4_242

# The bare query: the list's top in seniority order among the active entries wanting the
# department (its wishes include it, or there are none), from the same index.
BARE_SQL = """
SELECT e.id FROM waitinglists_entry e
WHERE e.waiting_list_id = %(list)s AND e.status = 'active'
  AND COALESCE((SELECT MAX(CASE WHEN x.department_id = %(department)s THEN 1 ELSE 0 END)
                FROM waitinglists_entry_departments x WHERE x.entry_id = e.id), 1) = 1
ORDER BY e.seniority_date, e.id LIMIT %(limit)s
"""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time a vacancy's ranking at scale (median, p95) against the bare SQL of the same top rows."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--samples", type=int, default=50)
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE of the queries.")
        parser.add_argument("--seed", action="store_true", help="Run seed_scale first if there is no data.")
        parser.add_argument("--persons", type=int, default=1_000_000)
        parser.add_argument("--organisations", type=int, default=8)

    def handle(self, *args, samples: int, limit: int, explain: bool, seed: bool, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_ranking needs PostgreSQL (the scale data is loaded with COPY).")
        if not WaitingList.objects.filter(name__contains=SCALE_MARKER).exists():
            if not seed:
                raise CommandError(
                    "No scale data: run `manage.py seed_scale --persons 1000000 --organisations 8` "
                    "(or this command with --seed) first."
                )
            call_command(
                "seed_scale",
                persons=options["persons"],
                organisations=options["organisations"],
                stdout=self.stdout,
            )
        self.day = timezone.localdate()
        with transaction.atomic():
            general, internal = self._prepare()
        self._bench(general, internal, samples=samples, limit=limit)
        if explain:
            self._explain(general, limit)

    # --- The data ----------------------------------------------------------------------------

    def _prepare(self) -> tuple[Vacancy, Vacancy]:
        existing = list(Vacancy.objects.filter(channel_reason=MARKER).order_by("internal_turn"))
        if len(existing) == 2:
            return existing[0], existing[1]
        self.rng = random.Random(SEED)
        self.system = system_user()
        self.writer = BulkWriter(user_id=self.system.pk, reason=REASON)
        started = time.monotonic()
        general_list = (
            WaitingList.objects.filter(kind=ListKind.GENERAL, name__contains=SCALE_MARKER)
            .annotate(active=Count("entries", filter=Q(entries__status=EntryStatus.ACTIVE)))
            .select_related("organisation")
            .order_by("-active")
            .first()
        )
        organisation = general_list.organisation
        department = organisation.departments.order_by("number").first()
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM ({BARE_SQL.replace('LIMIT %(limit)s', '')}) AS wanted",  # noqa: S608
                {"list": general_list.pk, "department": department.pk},
            )
            wanted = cursor.fetchone()[0]
        self.stdout.write(
            f"{organisation.name}: general list {general_list.active} active entries; department "
            f"{department.number} wanted by {wanted} of them"
        )
        if wanted < WANTED:
            self.stdout.write(
                self.style.WARNING(
                    f"  fewer than {WANTED:,} want it: seed with fewer organisations "
                    "(seed_scale --persons 1000000 --organisations 8)"
                )
            )
        vacancies = []
        for internal_turn in (False, True):
            dwelling = audited_save(
                Dwelling(
                    department=department,
                    number=f"BENCH-{int(internal_turn)}",
                    address_line=f"{department.address_line}, 2. {'tv.' if internal_turn else 'th.'}",
                    floor=2,
                    has_elevator=True,
                    kind=DwellingKind.FAMILY,
                    rooms=3,
                    gross_floor_area=Decimal("78.0"),
                    monthly_rent=Decimal("6850.00"),
                ),
                actor=self.system,
                reason=REASON,
            )
            vacancies.append(
                audited_save(
                    Vacancy(
                        dwelling=dwelling,
                        organisation=organisation,
                        controller_id=organisation.tenant_id,
                        notice_date=self.day - datetime.timedelta(days=30),
                        move_out_date=self.day,
                        channel=LettingChannel.LIST,
                        channel_reason=MARKER,
                        internal_turn=internal_turn,
                        opened_by=self.system,
                    ),
                    actor=self.system,
                    reason=REASON,
                )
            )
        policy = OrganisationLettingPolicy(
            organisation=organisation,
            valid_from=datetime.date(2020, 1, 1),
            decided_on=datetime.date(2020, 1, 1),
            issues_housing_guarantees=True,
            separation_priority=True,
        )
        if not OrganisationLettingPolicy.objects.filter(organisation=organisation).exists():
            audited_save(policy, actor=self.system, reason=REASON)
        audited_save(
            LettingAgreement(
                organisation=organisation,
                kommune_id=department.kommune_id,
                kind=AgreementKind.CHILDREN_PRIORITY,
                valid_from=datetime.date(2020, 1, 1),
            ),
            actor=self.system,
            reason=REASON,
        )
        self._sparse_facts(organisation, department, general_list)
        with connection.cursor() as cursor:
            for model in (Entry, Person, Household, HouseholdMember, PriorityNeed, FeeCharge, Lease):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
        self.stdout.write(f"  benchmark data added in {time.monotonic() - started:.1f} s")
        return vacancies[0], vacancies[1]

    def _sparse_facts(self, organisation, department, general_list) -> None:
        rng, day, tenant_id = self.rng, self.day, organisation.tenant_id
        rows = list(
            Entry.objects.filter(waiting_list=general_list)
            .exclude(status=EntryStatus.DELETED)
            .values_list("pk", "person_id")
        )
        persons = [person_id for _pk, person_id in rows]
        # Documented needs (R5, R10): 2 %.
        needs = rng.sample(persons, len(persons) // 50)
        self.writer.insert(
            PriorityNeed,
            [
                {
                    "person_id": person_id,
                    "controller_id": tenant_id,
                    "elderly_or_disabled": rng.random() < 0.6,
                    "mobility_impaired": rng.random() < 0.3,
                    "household_member_mobility_impaired": rng.random() < 0.1,
                    "documentation": "Lægeerklæring",
                    "documented_on": datetime.date(2025, 1, 1),
                }
                for person_id in needs
            ],
        )
        # Fee arrears (R3.3): 2 %.
        self.writer.insert(
            FeeCharge,
            [
                {
                    "entry_id": pk,
                    "kind": ChargeKind.UPDATE.value,
                    "period": day.year,
                    "amount": Decimal("150.00"),
                    "due_date": day - datetime.timedelta(days=40),
                    "state": ChargeState.OPEN.value,
                }
                for pk, _person in rng.sample(rows, len(rows) // 50)
            ],
        )
        self._households(tenant_id, rng.sample(rows, len(rows) // 4))
        # Boliggarantibeviser for the department (R6) and separation priorities (R8.2).
        homes = list(Dwelling.objects.filter(department=department).exclude(number__startswith="BENCH"))
        holders = rng.sample(persons, 27)
        lease_ids, _ = self.writer.insert(
            Lease,
            [
                {
                    "dwelling_id": rng.choice(homes).pk,
                    "landlord_id": organisation.pk,
                    "controller_id": tenant_id,
                    "person_id": person_id,
                    "signed_on": datetime.date(2015, 1, 1),
                    "starts_on": datetime.date(2015, 1, 1),
                    "ends_on": datetime.date(2025, 6, 1),
                    "signed_by_id": self.system.pk,
                }
                for person_id in holders[:12]
            ],
        )
        self.writer.insert(
            HousingGuarantee,
            [
                {
                    "person_id": person_id,
                    "controller_id": tenant_id,
                    "organisation_id": organisation.pk,
                    "department_id": department.pk,
                    "lease_id": lease_id,
                    "moved_out_on": datetime.date(2025, 6, 1),
                    "valid_until": datetime.date(2028, 6, 1),
                    "state": GuaranteeState.VALID.value,
                    "issued_by_id": self.system.pk,
                }
                for person_id, lease_id in zip(holders[:12], lease_ids, strict=True)
            ],
        )
        self.writer.insert(
            SeparationPriority,
            [
                {
                    "person_id": person_id,
                    "controller_id": tenant_id,
                    "organisation_id": organisation.pk,
                    "kommune_id": department.kommune_id,
                    "left_on": day - datetime.timedelta(days=100),
                    "valid_until": day + datetime.timedelta(days=265),
                    "child_department_id": department.pk,
                }
                for person_id in holders[12:]
            ],
        )
        # Tenants on the internal list (§ 7): current leases of 60 family dwellings.
        internal = WaitingList.objects.get(kind=ListKind.INTERNAL, organisation=organisation)
        tenants = rng.sample(
            list(
                Entry.objects.filter(waiting_list=internal, status=EntryStatus.ACTIVE).values_list(
                    "person_id", flat=True
                )
            ),
            60,
        )
        family = list(
            Dwelling.objects.filter(department__organisation=organisation, kind=DwellingKind.FAMILY)
            .exclude(number__startswith="BENCH")
            .exclude(pk__in=Lease.objects.filter(ends_on__isnull=True).values("dwelling_id"))
            .order_by("pk")
        )
        self.writer.insert(
            Lease,
            [
                {
                    "dwelling_id": dwelling.pk,
                    "landlord_id": organisation.pk,
                    "controller_id": tenant_id,
                    "person_id": person_id,
                    "signed_on": datetime.date(2012, 1, 1),
                    "starts_on": datetime.date(2012, 1, 1),
                    "signed_by_id": self.system.pk,
                }
                for person_id, dwelling in zip(tenants, family, strict=False)
            ],
        )

    def _households(self, tenant_id: int, entries: list[tuple[int, int]]) -> None:
        """A household for each entry's applicant, with one to three children (born 2011 or
        later, so their CPR numbers cannot meet the adults' of ``seed_scale``)."""
        rng = self.rng
        household_ids, _ = self.writer.insert(Household, [{"controller_id": tenant_id} for _ in entries])
        children, used = [], set()
        first_number = reserve_numbers(tenant_id=tenant_id, series="applicant", count=3 * len(entries))
        for household_id, _entry in zip(household_ids, entries, strict=True):
            for _ in range(rng.choice((1, 1, 2, 3))):
                while True:
                    born = datetime.date(2011, 1, 1) + datetime.timedelta(days=rng.randrange(14 * 365))
                    number = f"{born:%d%m%y}4{rng.randrange(1000):03d}"
                    if number not in used:
                        used.add(number)
                        break
                children.append((household_id, number, born))
        person_ids, _ = self.writer.insert(
            Person,
            [
                {
                    "controller_id": tenant_id,
                    "applicant_number": f"{first_number + index:07d}",
                    "cpr_encrypted": cpr.encrypt(number),
                    "cpr_hash": cpr.lookup_hash(number),
                    "birth_date": born,
                    "first_name": "Barn",
                    "last_name": "Skalasen",
                }
                for index, (_h, number, born) in enumerate(children)
            ],
        )
        members = [
            {"household_id": h, "person_id": person_id, "relation": HouseholdRelation.APPLICANT.value}
            for h, (_pk, person_id) in zip(household_ids, entries, strict=True)
        ] + [
            {"household_id": h, "person_id": person_id, "relation": HouseholdRelation.CHILD.value}
            for (h, _n, _b), person_id in zip(children, person_ids, strict=True)
        ]
        self.writer.insert(HouseholdMember, members)
        self._set_households([pk for pk, _person in entries], household_ids)

    def _set_households(self, entry_ids: list[int], household_ids: list[int]) -> None:
        """Set ``Entry.household`` in one statement, with a history row ("~", user, reason) per
        entry carrying its wished departments, as ``audited_save`` would record the change."""
        history = Entry.history.model
        columns = [
            f.column
            for f in history._meta.concrete_fields
            if f.column
            not in ("history_id", "history_date", "history_change_reason", "history_type", "history_user_id")
        ]
        names = ", ".join(connection.ops.quote_name(c) for c in columns)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE waitinglists_entry e SET household_id = v.h "
                "FROM unnest(%s::bigint[], %s::bigint[]) AS v(e, h) WHERE e.id = v.e",
                [entry_ids, household_ids],
            )
            cursor.execute(
                f"INSERT INTO {history._meta.db_table} ({names}, history_date, history_change_reason, "  # noqa: S608
                f"history_type, history_user_id) SELECT {names}, now(), %s, '~', %s "
                "FROM waitinglists_entry WHERE id = ANY(%s) RETURNING history_id, id",
                [REASON, self.system.pk, entry_ids],
            )
            records = cursor.fetchall()
            cursor.execute(
                "INSERT INTO waitinglists_historicalentry_departments "
                "(id, entry_id, department_id, history_id) "
                "SELECT x.id, x.entry_id, x.department_id, r.history_id "
                "FROM waitinglists_entry_departments x "
                "JOIN unnest(%s::bigint[], %s::bigint[]) AS r(history_id, entry_id) "
                "ON r.entry_id = x.entry_id",
                [[h for h, _e in records], [e for _h, e in records]],
            )

    # --- The measurements --------------------------------------------------------------------

    def _time(self, function, samples: int) -> list[float]:
        for _ in range(3):  # warm the caches and the connection
            function()
        timings = []
        for _ in range(samples):
            started = time.perf_counter()
            function()
            timings.append((time.perf_counter() - started) * 1000)
        return timings

    def _bench(self, general: Vacancy, internal: Vacancy, *, samples: int, limit: int) -> None:
        vacancies = {
            v.pk: v
            for v in Vacancy.objects.select_related(*RANKING_RELATED).filter(pk__in=[general.pk, internal.pk])
        }
        general, internal = vacancies[general.pk], vacancies[internal.pk]
        general_list = WaitingList.objects.get(
            kind=ListKind.GENERAL, organisation_id=general.organisation_id, name__contains=SCALE_MARKER
        )
        params = {"list": general_list.pk, "department": general.dwelling.department_id, "limit": limit}

        def bare() -> list:
            with connection.cursor() as cursor:
                cursor.execute(BARE_SQL, params)
                return cursor.fetchall()

        bare_ms = self._time(bare, samples)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = %s", [R94_INDEX])
            indexed = cursor.fetchone() is not None
        self.stdout.write(
            f"index {R94_INDEX} (waiting_list, status, listed_before_seniority_scheme, seniority_date, id): "
            f"{'present' if indexed else 'absent — the internal turn reads the whole internal list'}"
        )
        self.stdout.write(
            f"{Person.objects.count():,} persons, {Entry.objects.count():,} entries; "
            f"limit {limit}, {samples} samples each, day {self.day}"
        )
        self.stdout.write(f"{'':<52} {'median ms':>10} {'p95 ms':>8} {'queries':>8} {'× bare':>7}")
        self.stdout.write(
            f"{'bare SQL: top ' + str(limit) + ' of the general list':<52} "
            f"{statistics.median(bare_ms):>10.2f} {_percentile(bare_ms, 0.95):>8.2f} {1:>8}"
        )
        for name, vacancy in (("general list's turn", general), ("internal list's turn (§ 7)", internal)):
            with CaptureQueriesContext(connection) as queries:
                result = vacancy_ranking(vacancy, limit=limit, day=self.day)
            timings = self._time(lambda v=vacancy: vacancy_ranking(v, limit=limit, day=self.day), samples)
            median = statistics.median(timings)
            flag = "" if median < 50 else "  <-- over 50 ms"
            self.stdout.write(
                f"{'vacancy_ranking, ' + name:<52} {median:>10.2f} {_percentile(timings, 0.95):>8.2f} "
                f"{len(queries):>8} {median / statistics.median(bare_ms):>7.1f}{flag}"
            )

            # Two costs beside it: the first ranking of a plan (the statement compiled, not kept),
            # and the count of everybody passed over, which only the API reads (deferred).
            def cold(v=vacancy):
                _statement.cache_clear()
                return vacancy_ranking(v, limit=limit, day=self.day)

            def counted(v=vacancy):
                return vacancy_ranking(v, limit=limit, day=self.day).counts

            for label, function in (
                ("  first ranking of the plan (compiled)", cold),
                ("  with the count (API)", counted),
            ):
                extra = self._time(function, max(5, samples // 3))
                self.stdout.write(
                    f"{label:<52} {statistics.median(extra):>10.2f} {_percentile(extra, 0.95):>8.2f}"
                )
            ranking = result.ranking
            rules = sorted({p.rule for p in ranking.placed})
            self.stdout.write(
                f"    turn {ranking.turn}, {len(ranking.placed)} placed by {', '.join(rules)}; "
                f"{result.excluded_total}{'+' if result.excluded_total_capped else ''} passed over ahead "
                f"of the last placed ({len(ranking.excluded)} shown)"
            )

    def _explain(self, vacancy: Vacancy, limit: int) -> None:
        """EXPLAIN ANALYZE of the main query: the one statement ``vacancy_ranking`` reads the
        candidates' slices and the first passed over with."""
        vacancy = Vacancy.objects.select_related(*RANKING_RELATED).get(pk=vacancy.pk)
        facts, rules = dwelling_facts(vacancy), letting_rules_for(vacancy, self.day)
        plan = candidates.plan_for(vacancy, facts, rules, ())
        slices = candidates.placed_slices(plan, limit) + candidates.excluded_slices(
            plan, dict.fromkeys(_shown_kinds(facts, rules)), 100
        )
        sql, params = candidates.union_sql(slices)
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
            self.stdout.write(f"\nEXPLAIN ANALYZE — the candidates' slices ({len(slices)}) in one statement:")
            for (line,) in cursor.fetchall():
                self.stdout.write(line)
