"""``manage.py bench_ranking [--samples 50] [--limit 50] [--explain] [--seed]``: how near a
vacancy's ranking is to the limit of the data ``seed_scale`` builds.

For each turn — the general list's and the internal list's (§ 7) — it times
``allocation.services.ranking.vacancy_ranking`` (median, p95), warm and cold, beside a *fair-limit
statement*: one hand-written SQL statement that applies the same filters and tiers to the same
data (the wishes and the department, passive entries, R2.1, R4 with the § 4 agreement, R6, R8.2;
on the internal turn § 7 with R1.8, R9.2, R9.4, R10.1 and § 7, 3. pkt.) and returns the placed and
the passed over shown — the command checks that they are the SAME ids in the SAME order as the
service's (it stops if not) — and prints the ratio. Target: the service within 2× the fair limit
warm, 3× cold.

* warm: the statements prepared on the connection, the decisions in force cached; the service
  as a caseworker meets it for any vacancy of a shape already ranked by the process.
* cold: every cache of the service cleared before each sample (the decisions in force, the
  compiled statement) and every prepared statement deallocated, so each sample builds, parses
  and plans everything again; the fair-limit statement run unprepared (parsed and planned each
  time).
* new day: the service on a day it has not seen — the decisions read again, the statement
  (prepared for another day) reused.
* warm, beside fair + facts (for information): the fair-limit statement that also reads, for the
  entries it returns, the facts the service reads for its explanations (with the service's own SQL
  for them): what the service costs beyond the facts it must read.

The indexes the ranking leans on are named first (present or ABSENT): the internal list's R9.4
order, and the partial index of the tenants rehoused outside (R9.2), without which both the
service and the fair-limit statement read the whole internal list for them.

The data: where ``seed_scale --shared-list`` built a shared general list (*fælles venteliste*,
§ 3, stk. 2 — the København organisations' ~500,000 entries), the general turn is a vacancy in
the department of a member organisation most wanted on that list, and the internal turn one in
the same organisation (its own internal list). Without a shared list, the largest
organisation's general list and its first department (the old layout). There it adds, once
(marked, with history rows like ``seed_scale``'s): the two vacant 3-room family dwellings, the
organisation's decisions (R6 and R8.2) and a § 4 agreement (R4), and sparse facts as in life:
documented needs for 2 % of the list's applicants, households with children for a quarter of
them, fee arrears for 2 %, 12 boliggarantibeviser for the department, 15 separation priorities,
and 60 tenants on the internal list. ``--explain`` prints the plan of the service's statement.

``--seed`` runs ``seed_scale --persons 1000000 --organisations 8`` first when there is no scale
data.
"""

# The fair-limit statements are SQL text of our own, put together from constants here.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import json
import os
import random
import statistics
import time
from collections.abc import Callable
from decimal import Decimal

import psycopg
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
from allocation.rules.ranking import children_agreement_covers
from allocation.services import candidates
from allocation.services.candidates.binding import adapted
from allocation.services.ranking import (
    EXCLUDED_LIMIT,
    RANKING_RELATED,
    VacancyRanking,
    _in_force,
    _shown_kinds,
    clear_caches,
    dwelling_facts,
    vacancy_ranking,
)
from housing import cpr
from housing.audit import audited_save, system_user
from housing.models import (
    Department,
    Dwelling,
    DwellingKind,
    Household,
    HouseholdMember,
    HouseholdRelation,
    HousingOrganisation,
    Person,
)
from housing.services import reserve_numbers
from waitinglists.management.commands.import_waitinglist import BulkWriter
from waitinglists.management.commands.seed_scale import MARKER as SCALE_MARKER
from waitinglists.models import ChargeKind, ChargeState, Entry, EntryStatus, FeeCharge, ListKind, WaitingList

MARKER = "Benchmark (bench_ranking)"  # the vacancies' channel reason
REASON = "Benchmarkdata"
R94_INDEX = "entry_r94_queue_idx"  # the internal list's order with R9.4 in it
REHOUSED_INDEX = "entry_rehoused_idx"  # R9.2: the tenants rehoused outside, read whole
SEED = 4_242

# --- The fair-limit statements ------------------------------------------------------------------------
#
# Written by hand for the benchmark's dwellings (family dwellings not fitted for a need, so no
# R5/R10.2–R10.4 tier applies), the way one would write the ranking in one statement knowing the
# data: every walk of a list in its index order with LIMIT, its test opaque to the planner
# (``CASE … THEN true``), as the service's are; the sparse tiers driven from their own tables; the
# tiers as one CASE; the passed over cut at the last placed. They read nothing the service does
# not, and no fact it does not need for the order.

WANTS = (
    "COALESCE((SELECT MAX(CASE WHEN x.department_id = %(department)s THEN 1 ELSE 0 END) "
    "FROM waitinglists_entry_departments x WHERE x.entry_id = e.id), 1) = 1"
)
# "Exists" as a probe of one row, ``(SELECT true … LIMIT 1) IS NOT NULL``: a plain EXISTS the
# planner may answer by hashing the whole other table first (every child of every household).
CHILDREN = (
    "(SELECT true FROM housing_householdmember m JOIN housing_person p ON p.id = m.person_id "
    "WHERE m.household_id = e.household_id AND m.relation = 'child' AND p.birth_date > %(adult_born_by)s "
    "LIMIT 1) IS NOT NULL"
)
GUARANTEE = (
    "((SELECT true FROM allocation_housingguarantee g WHERE g.person_id = e.person_id "
    "AND g.department_id = %(department)s AND g.state = 'valid' AND g.valid_until >= %(day)s "
    "LIMIT 1) IS NOT NULL "
    "AND (SELECT true FROM allocation_guaranteesetaside a JOIN allocation_housingguarantee g "
    "ON g.id = a.guarantee_id WHERE g.person_id = e.person_id AND g.department_id = %(department)s "
    "AND a.vacancy_id = %(vacancy)s LIMIT 1) IS NULL)"
)
SEPARATION = (
    "(SELECT true FROM allocation_separationpriority s WHERE s.person_id = e.person_id "
    "AND s.organisation_id = %(organisation)s AND s.kommune_id = %(kommune)s AND s.valid_until >= %(day)s "
    "LIMIT 1) IS NOT NULL"
)
# § 7: the current lease in the organisation (the latest) and whether it gives the priority
# (R1.8); without one, a tenant rehoused outside keeps it (R9.2).
HOLDS = (
    "COALESCE((SELECT l.sections_6_7_set_aside_until IS NULL OR l.sections_6_7_set_aside_until < %(day)s "
    "FROM allocation_lease l JOIN housing_dwelling d ON d.id = l.dwelling_id "
    "JOIN housing_department dp ON dp.id = d.department_id WHERE l.person_id = e.person_id "
    "AND dp.organisation_id = %(organisation)s AND (l.ends_on IS NULL OR l.ends_on >= %(day)s) "
    "ORDER BY l.starts_on DESC, l.id DESC LIMIT 1), e.rehoused_outside)"
)
ACTIVE_ON_LIST = "e.waiting_list_id = %(list)s AND e.status = 'active'"


def _fits(dwelling: Dwelling) -> str:
    """The wishes on the entry row, for this dwelling (``conditions._wishes_fit``)."""
    tests = [
        "(e.dwelling_kinds = '[]'::jsonb OR e.dwelling_kinds @> %(kinds)s::jsonb)",
        "e.rooms_min <= %(rooms)s AND e.rooms_max >= %(rooms)s",
        "(e.max_rent IS NULL OR e.max_rent >= %(rent)s)",
    ]
    if dwelling.floor is not None:
        tests.append("(e.floor_max IS NULL OR e.floor_max >= %(floor)s)")
    if not dwelling.has_elevator and (dwelling.floor or 0) > 0:
        tests.append("NOT e.needs_elevator")
    return " AND ".join(tests)


def _walk(condition: str, status: str = "active", ahead: str = "", limit: str = "%(limit)s") -> str:
    """The first ``limit`` of the list in seniority order meeting ``condition`` (``ahead``: more
    conditions the index answers)."""
    return (
        "SELECT e.id, e.seniority_date, e.listed_before_seniority_scheme FROM waitinglists_entry e "
        f"WHERE e.waiting_list_id = %(list)s AND e.status = '{status}' {ahead} "
        f"AND CASE WHEN {condition} THEN true ELSE false END ORDER BY e.seniority_date, e.id LIMIT {limit}"
    )


def general_fair_sql(dwelling: Dwelling, *, guarantees: bool, separation: bool, covered: bool) -> str:
    """The general turn: candidates (the first ``limit`` eligible, the first ``limit`` with
    children, the guarantee and separation holders), their tier, the top ``limit``; then the
    first ``shown`` passed over (passive, or wishes that do not fit) ahead of the last placed."""
    fits = _fits(dwelling)
    parts = [f"({_walk(f'{fits} AND {WANTS}')})"]
    if covered:
        parts.append(f"({_walk(f'{fits} AND {WANTS} AND {CHILDREN}')})")
    if guarantees:
        parts.append(
            "(SELECT e.id, e.seniority_date, e.listed_before_seniority_scheme "
            "FROM allocation_housingguarantee g JOIN waitinglists_entry e ON e.person_id = g.person_id "
            "WHERE g.department_id = %(department)s "
            f"AND g.state = 'valid' AND g.valid_until >= %(day)s AND {ACTIVE_ON_LIST} AND {fits} AND {WANTS})"
        )
    if separation:
        parts.append(
            "(SELECT e.id, e.seniority_date, e.listed_before_seniority_scheme "
            "FROM allocation_separationpriority s JOIN waitinglists_entry e ON e.person_id = s.person_id "
            "WHERE s.organisation_id = %(organisation)s "
            f"AND s.kommune_id = %(kommune)s AND s.valid_until >= %(day)s AND {ACTIVE_ON_LIST} "
            f"AND {fits} AND {WANTS})"
        )
    children = CHILDREN if covered else "false"
    tier = "CASE "
    if guarantees:
        tier += f"WHEN {GUARANTEE} THEN CASE WHEN {children} THEN 4 ELSE 7 END "
    if separation:
        tier += f"WHEN {SEPARATION} THEN CASE WHEN {children} THEN 5 ELSE 8 END "
    tier += f"WHEN {children} THEN 6 ELSE 9 END"
    # Ahead of the last placed: a row comparison the queue index answers, so each walk stops there.
    ahead = "AND (e.seniority_date, e.id) < ((SELECT seniority_date FROM bound), (SELECT id FROM bound))"
    return (
        f"WITH candidate AS ({' UNION '.join(parts)}), "
        f"tiered AS (SELECT e.id, e.seniority_date, {tier} AS tier FROM candidate c "
        "JOIN waitinglists_entry e ON e.id = c.id), "
        "placed AS (SELECT id, seniority_date, ROW_NUMBER() OVER (ORDER BY tier, seniority_date, id) AS n "
        "FROM tiered ORDER BY tier, seniority_date, id LIMIT %(limit)s), "
        "bound AS (SELECT seniority_date, id FROM placed ORDER BY n DESC LIMIT 1), "
        f"passed AS (SELECT id, seniority_date FROM (({_walk(WANTS, 'passive', ahead, '%(shown)s')}) "
        f"UNION ALL ({_walk(f'NOT ({fits}) AND {WANTS}', 'active', ahead, '%(shown)s')})) AS p "
        "ORDER BY seniority_date, id LIMIT %(shown)s) "
        "SELECT 0 AS part, id, n FROM placed UNION ALL "
        "SELECT 1, id, ROW_NUMBER() OVER (ORDER BY seniority_date, id) FROM passed ORDER BY 1, 3"
    )


def internal_fair_sql(dwelling: Dwelling, *, separation: bool, covered: bool) -> str:
    """The internal turn (§ 7): candidates (the organisation's tenants on the internal list, the
    tenants rehoused outside, the separation holders), their tier — R10.1 before R9, R9.2 and
    R8.2; the § 4 agreement puts back a household without children moving to a larger dwelling
    (§ 7, 3. pkt.) — R9.4 before seniority, the top ``limit``; then the first ``shown`` passed over
    (passive; wishes; no § 7 or R8.2 priority) ahead of the last placed, each R9.4 part walked in
    its index order."""
    fits = _fits(dwelling)
    columns = "e.id, e.person_id, e.seniority_date, e.listed_before_seniority_scheme, e.household_id, "
    columns += "e.rehoused_outside"
    parts = [
        f"SELECT {columns} FROM tenancy c JOIN waitinglists_entry e ON e.person_id = c.person_id "
        f"WHERE {ACTIVE_ON_LIST} AND {fits} AND {WANTS}",
        f"SELECT {columns} FROM waitinglists_entry e WHERE {ACTIVE_ON_LIST} AND e.rehoused_outside "
        f"AND {fits} AND {WANTS}",
    ]
    if separation:
        parts.append(
            f"SELECT {columns} FROM allocation_separationpriority s JOIN waitinglists_entry e "
            "ON e.person_id = s.person_id "
            "WHERE s.organisation_id = %(organisation)s AND s.kommune_id = %(kommune)s "
            f"AND s.valid_until >= %(day)s AND {ACTIVE_ON_LIST} AND {fits} AND {WANTS}"
        )
    separated = SEPARATION if separation else "false"
    children = CHILDREN if covered else "false"
    priority = f"{HOLDS} OR {separated}"
    # R9.4: those listed before the seniority scheme first; each part is walked in its own index
    # order up to the last placed — all of the first part when the last placed is in the second.
    ahead_first = (
        "AND e.listed_before_seniority_scheme AND (e.seniority_date, e.id) < "
        "((SELECT first_date FROM bound), (SELECT first_id FROM bound))"
    )
    ahead_then = (
        "AND NOT e.listed_before_seniority_scheme AND (e.seniority_date, e.id) < "
        "((SELECT then_date FROM bound), (SELECT then_id FROM bound))"
    )
    walks = []
    for ahead in (ahead_first, ahead_then):
        walks.append(f"({_walk(WANTS, 'passive', ahead, '%(shown)s')})")
        walks.append(
            f"({_walk(f'(NOT ({fits}) OR NOT ({priority})) AND {WANTS}', 'active', ahead, '%(shown)s')})"
        )
    return (
        "WITH tenancy AS (SELECT DISTINCT ON (l.person_id) l.person_id, d.department_id, d.gross_floor_area, "
        "l.sections_6_7_set_aside_until AS set_aside FROM allocation_lease l "
        "JOIN housing_dwelling d ON d.id = l.dwelling_id "
        "JOIN housing_department dp ON dp.id = d.department_id "
        "WHERE dp.organisation_id = %(organisation)s AND (l.ends_on IS NULL OR l.ends_on >= %(day)s) "
        "ORDER BY l.person_id, l.starts_on DESC, l.id DESC), "
        f"candidate AS ({' UNION '.join(parts)}), "
        "tiered AS (SELECT e.id, e.seniority_date, e.listed_before_seniority_scheme, "
        "(c.person_id IS NOT NULL AND (c.set_aside IS NULL OR c.set_aside < %(day)s)) "
        "OR (c.person_id IS NULL AND e.rehoused_outside) AS holds, "
        "COALESCE(c.department_id = %(department)s, false) AS same, "
        "COALESCE(c.gross_floor_area < %(area)s, false) AS larger, "
        f"{children} AS children, {separated} AS separated "
        "FROM candidate e LEFT JOIN tenancy c ON c.person_id = e.person_id), "
        "placed AS (SELECT id, seniority_date, NOT listed_before_seniority_scheme AS k, "
        "ROW_NUMBER() OVER (ORDER BY tier, r4, NOT listed_before_seniority_scheme, seniority_date, id) AS n "
        "FROM (SELECT *, CASE WHEN holds AND same THEN 8 ELSE 9 END AS tier, "
        f"CASE WHEN {str(covered).lower()} AND NOT children AND (larger OR NOT holds) "
        "THEN 1 ELSE 0 END AS r4 "
        "FROM tiered WHERE holds OR separated) AS t "
        "ORDER BY tier, r4, NOT listed_before_seniority_scheme, seniority_date, id LIMIT %(limit)s), "
        # The last placed's place as an upper bound in each part (infinity: all; -infinity: none).
        "bound AS (SELECT CASE WHEN k THEN 'infinity'::date ELSE seniority_date END AS first_date, "
        "CASE WHEN k THEN 9223372036854775807 ELSE id END AS first_id, "
        "CASE WHEN k THEN seniority_date ELSE '-infinity'::date END AS then_date, "
        "CASE WHEN k THEN id ELSE 0 END AS then_id FROM placed ORDER BY n DESC LIMIT 1), "
        f"passed AS (SELECT id, seniority_date, k FROM (SELECT id, seniority_date, "
        f"NOT listed_before_seniority_scheme AS k FROM ({' UNION ALL '.join(walks)}) AS w) AS p "
        "ORDER BY k, seniority_date, id LIMIT %(shown)s) "
        "SELECT 0 AS part, id, n FROM placed UNION ALL "
        "SELECT 1, id, ROW_NUMBER() OVER (ORDER BY k, seniority_date, id) FROM passed ORDER BY 1, 3"
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class Command(BaseCommand):
    help = "Time a vacancy's ranking at scale, warm and cold, beside the fair-limit statement of each turn."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--samples", type=int, default=50)
        parser.add_argument("--limit", type=int, default=50)
        parser.add_argument("--explain", action="store_true", help="Print EXPLAIN ANALYZE of the statement.")
        parser.add_argument("--seed", action="store_true", help="Run seed_scale first if there is no data.")
        parser.add_argument("--persons", type=int, default=1_000_000)
        parser.add_argument("--organisations", type=int, default=8)

    def handle(self, *args, samples: int, limit: int, explain: bool, seed: bool, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_ranking needs PostgreSQL (the scale data is loaded with COPY).")
        if not WaitingList.objects.filter(name__contains=SCALE_MARKER).exists():
            if not seed:
                raise CommandError(
                    "No scale data: run `manage.py seed_scale --persons 1000000` "
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

    def _choose(self) -> tuple[WaitingList, HousingOrganisation, Department]:
        """The general list and department of the general turn: the shared list's department most
        wanted on it (of a member organisation), or the largest organisation's list and first
        department."""
        lists = WaitingList.objects.filter(kind=ListKind.GENERAL).annotate(
            active=Count("entries", filter=Q(entries__status=EntryStatus.ACTIVE))
        )
        shared = (
            lists.filter(organisation__isnull=True)
            .filter(Q(name__contains=SCALE_MARKER) | Q(controller__name__startswith=SCALE_MARKER))
            .order_by("-active")
            .first()
        )
        if shared is None:
            general_list = (
                lists.filter(name__contains=SCALE_MARKER)
                .select_related("organisation")
                .order_by("-active")
                .first()
            )
            organisation = general_list.organisation
            return general_list, organisation, organisation.departments.order_by("number").first()
        members = Department.objects.filter(organisation__shared_list__tenant_id=shared.controller_id)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT x.department_id FROM waitinglists_entry_departments x "
                "JOIN waitinglists_entry e ON e.id = x.entry_id "
                "WHERE e.waiting_list_id = %s AND e.status = 'active' AND x.department_id = ANY(%s) "
                "GROUP BY x.department_id ORDER BY count(*) DESC, x.department_id LIMIT 1",
                [shared.pk, list(members.values_list("pk", flat=True))],
            )
            department = Department.objects.select_related("organisation").get(pk=cursor.fetchone()[0])
        return shared, department.organisation, department

    def _wanted_by(self, general_list: WaitingList, department: Department) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM waitinglists_entry e WHERE e.waiting_list_id = %(list)s "
                f"AND e.status = 'active' AND {WANTS}",
                {"list": general_list.pk, "department": department.pk},
            )
            return cursor.fetchone()[0]

    def _prepare(self) -> tuple[Vacancy, Vacancy]:
        existing = list(Vacancy.objects.filter(channel_reason=MARKER).order_by("internal_turn"))
        if len(existing) == 2:
            return existing[0], existing[1]
        self.rng = random.Random(SEED)
        self.system = system_user()
        self.writer = BulkWriter(user_id=self.system.pk, reason=REASON)
        started = time.monotonic()
        general_list, organisation, department = self._choose()
        self.stdout.write(
            f"{organisation.name}: general list {general_list.name!r} "
            f"({general_list.active:,} active entries); "
            f"department {department.number} wanted by {self._wanted_by(general_list, department):,} of them"
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
        # The applicants' facts belong to the list's controller (the association of a shared
        # list); the guarantees, separations and leases to the organisation.
        rng, day, tenant_id = self.rng, self.day, organisation.tenant_id
        list_tenant_id = general_list.controller_id
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
                    "controller_id": list_tenant_id,
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
        self._households(list_tenant_id, rng.sample(rows, len(rows) // 4))
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
                f"INSERT INTO {history._meta.db_table} ({names}, history_date, history_change_reason, "
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

    def _fair(self, vacancy: Vacancy, result: VacancyRanking, limit: int) -> tuple[str, dict] | str:
        """The fair-limit statement of the vacancy's turn and its parameters, or why there is none."""
        dwelling = vacancy.dwelling
        facts, (rules, lists) = dwelling_facts(vacancy), _in_force(vacancy, self.day)
        if dwelling.kind != DwellingKind.FAMILY or (
            dwelling.fitted_elderly_disabled
            or dwelling.fitted_mobility_impaired
            or dwelling.fitted_large_household_mobility
        ):
            return "written for family dwellings not fitted for a need"
        if rules.no_transfer_priority_for_youth_elder_tenants or rules.transfer_residence_months:
            return "written without R8.1 and R8.3 decided"
        turn = "internal" if rules.internal_turn else "general"
        if result.ranking.turn != turn:
            return (
                f"written for the {turn} list's turn; the ranking went to the {result.ranking.turn} list (R7)"
            )
        plan = candidates.plan_for(vacancy, facts, rules, (), lists=lists)
        covered = children_agreement_covers(facts, rules)
        shape = plan.shape
        if rules.internal_turn:
            sql = internal_fair_sql(dwelling, separation=shape.separation_priority_possible, covered=covered)
            list_id = plan.lists_of(ListKind.INTERNAL)[0]
        else:
            sql = general_fair_sql(
                dwelling,
                guarantees=shape.housing_guarantee_possible,
                separation=shape.separation_priority_possible,
                covered=covered,
            )
            list_id = plan.lists_of(ListKind.GENERAL)[0]
        values = plan.values
        params = {
            "list": list_id,
            "department": values["department"],
            "organisation": values["organisation"],
            "kommune": values["kommune"],
            "vacancy": values["vacancy"],
            "day": values["day"],
            "adult_born_by": values["adult_born_by"],
            "rooms": values["rooms"],
            "rent": values["rent"],
            "floor": dwelling.floor,
            "area": values["gross_floor_area"],
            "kinds": json.dumps([dwelling.kind]),
            "limit": limit,
            "shown": EXCLUDED_LIMIT,
        }
        return sql, adapted(params, "postgresql")

    def _fair_with_facts(self, vacancy: Vacancy, sql: str, params: dict) -> tuple[str, dict]:
        """The fair-limit statement with the facts the service reads for the same entries (its own
        SQL for them, ``candidates.facts_sql``): what is left of the ratio beside it is the rest of
        the service — its slices against the hand-written ones, and its Python."""
        facts, (rules, lists) = dwelling_facts(vacancy), _in_force(vacancy, self.day)
        plan = candidates.plan_for(vacancy, facts, rules, (), lists=lists)
        text, names = candidates.facts_sql(plan.shape, "waitinglists_entry", "SELECT id FROM fair")
        columns = ", ".join(f"facts.fact_{name}" for name in names)
        return (
            f"WITH fair AS ({sql}), facts AS MATERIALIZED ({text}) "
            f"SELECT fair.part, fair.id, fair.n, {columns} FROM fair "
            "LEFT JOIN facts ON facts.fact_id = fair.id ORDER BY 1, 3",
            {**adapted(plan.values, "postgresql"), **params},
        )

    def _fair_rows(self, sql: str, params: dict, *, prepare: bool) -> list[tuple]:
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=prepare)
            return cursor.fetchall()

    def _cold(self) -> None:
        """Forget everything the service keeps: its caches, and the statements prepared on the
        connection."""
        clear_caches()
        # psycopg forgets its prepared statements when it sees a DEALLOCATE ALL only the first time
        # it runs one (later ones it has counted already): forget them here, then deallocate.
        connection.connection._prepared.clear()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute("DEALLOCATE ALL")

    def _pairs(self, service: Callable, fair: Callable, samples: int, before: Callable | None = None):
        """Time ``service`` and ``fair`` in turns (ABAB…), so a change in load hits both."""
        for _ in range(3):
            service()
            fair()
        ours, theirs = [], []
        for _ in range(samples):
            for function, timings in ((service, ours), (fair, theirs)):
                if before is not None:
                    before()
                started = time.perf_counter()
                function()
                timings.append((time.perf_counter() - started) * 1000)
        return ours, theirs

    def _bench(self, general: Vacancy, internal: Vacancy, *, samples: int, limit: int) -> None:
        vacancies = {
            v.pk: v
            for v in Vacancy.objects.select_related(*RANKING_RELATED).filter(pk__in=[general.pk, internal.pk])
        }
        general, internal = vacancies[general.pk], vacancies[internal.pk]
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE indexname IN (%s, %s)", [R94_INDEX, REHOUSED_INDEX]
            )
            indexes = {name for (name,) in cursor.fetchall()}
        for name, what in (
            (R94_INDEX, "the internal list's R9.4 order"),
            (REHOUSED_INDEX, "R9.2, rehoused outside"),
        ):
            self.stdout.write(f"index {name} ({what}): {'present' if name in indexes else 'ABSENT'}")
        self.stdout.write(
            f"{Person.objects.count():,} persons, {Entry.objects.count():,} entries; limit {limit}, "
            f"{samples} samples each (service and fair limit in turns), day {self.day}; "
            f"load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        for name, vacancy in (("general list's turn", general), ("internal list's turn (§ 7)", internal)):
            self._turn(name, vacancy, samples=samples, limit=limit)
        self.stdout.write(f"\nload after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    def _turn(self, name: str, vacancy: Vacancy, *, samples: int, limit: int) -> None:
        day = self.day
        with CaptureQueriesContext(connection) as queries:
            result = vacancy_ranking(vacancy, limit=limit, day=day)
        ranking = result.ranking
        rules = sorted({p.rule for p in ranking.placed})
        self.stdout.write(
            f"\n{name}: vacancy {vacancy.pk}, department {vacancy.dwelling.department.number}; turn "
            f"{ranking.turn}, {len(ranking.placed)} placed by {', '.join(rules)}; "
            f"{len(ranking.excluded)} passed over shown; {len(queries)} queries"
        )
        fair = self._fair(vacancy, result, limit)
        if isinstance(fair, str):
            self.stdout.write(self.style.WARNING(f"  no fair-limit statement: {fair}"))
            return
        sql, params = fair
        rows = self._fair_rows(sql, params, prepare=False)
        placed = [entry_id for part, entry_id, _n in rows if part == 0]
        passed = [entry_id for part, entry_id, _n in rows if part == 1]
        ours = (
            [p.candidate.entry_id for p in ranking.placed],
            [x.candidate.entry_id for x in ranking.excluded],
        )
        if (placed, passed) != ours:
            raise CommandError(
                f"the fair-limit statement and the service disagree on the {name}:\n"
                f"  placed {placed}\n  vs     {ours[0]}\n  passed {passed}\n  vs     {ours[1]}"
            )
        self.stdout.write(
            f"  fair-limit statement: the same {len(placed)} placed and {len(passed)} passed over, "
            "in the same order"
        )
        later = iter(range(1, 10**6))

        def service():
            return vacancy_ranking(vacancy, limit=limit, day=day)

        def new_day():
            return vacancy_ranking(vacancy, limit=limit, day=day + datetime.timedelta(days=next(later)))

        def prepared():
            return self._fair_rows(sql, params, prepare=True)

        def unprepared():
            return self._fair_rows(sql, params, prepare=False)

        with_facts = self._fair_with_facts(vacancy, sql, params)

        def prepared_with_facts():
            return self._fair_rows(*with_facts, prepare=True)

        measured = {
            "warm": self._pairs(service, prepared, samples),
            "cold": self._pairs(service, unprepared, max(10, samples // 2), before=self._cold),
            "new day (decisions read)": self._pairs(new_day, prepared, samples),
            "warm, beside fair + facts": self._pairs(service, prepared_with_facts, samples),
        }
        self.stdout.write(
            f"{'':<30} {'service ms':>10} {'p95':>7} {'fair ms':>8} {'p95':>7} {'ratio':>6} {'target':>7}"
        )
        for mode, (mine, theirs) in measured.items():
            ratio = statistics.median(mine) / statistics.median(theirs)
            target = {"warm": 2.0, "cold": 3.0}.get(mode)  # (the others for information)
            verdict = (
                "" if target is None else (f"≤ {target:.0f}×" if ratio <= target else f"> {target:.0f}× !")
            )
            self.stdout.write(
                f"{'  ' + mode:<30} {statistics.median(mine):>10.2f} {_percentile(mine, 0.95):>7.2f} "
                f"{statistics.median(theirs):>8.2f} {_percentile(theirs, 0.95):>7.2f} "
                f"{ratio:>6.2f} {verdict:>7}"
            )

    def _explain(self, vacancy: Vacancy, limit: int) -> None:
        """EXPLAIN ANALYZE of the statement ``vacancy_ranking`` reads the slices and the facts with."""
        vacancy = Vacancy.objects.select_related(*RANKING_RELATED).get(pk=vacancy.pk)
        facts, (rules, lists) = dwelling_facts(vacancy), _in_force(vacancy, self.day)
        plan = candidates.plan_for(vacancy, facts, rules, (), lists=lists)
        compiled = candidates.statement_for(plan.shape, _shown_kinds(facts, rules), limit, 100)
        params = adapted(plan.values, "postgresql")
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {compiled.text}", params)
            self.stdout.write(
                f"\nEXPLAIN ANALYZE — the statement ({len(compiled.pieces)} slices and the facts):"
            )
            for (line,) in cursor.fetchall():
                self.stdout.write(line)
