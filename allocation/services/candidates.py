"""The candidates for a vacancy, read from the database a slice at a time.

``allocation.rules.ranking.rank`` is the law; this module only decides *which* entries it needs
to see so that its top ``limit`` is the same as on every candidate. A candidate is an entry that
is not deleted, stands on one of the vacancy's lists and wants the department: its wished
departments include it, or it wished for none (the pure function reads no wish as "any
department of the list"). The lists are the organisation's general list — its own or the shared
list it belongs to (R3.2) — and, on the § 7 turn, its internal list (*oprykningsventeliste*);
a youth dwelling has the youth list(s) instead.

**Slices.** The ranking orders the eligible candidates by a key whose tail is the list order:
``(tier, seniority_date, id)`` on the general list, ``(tier, r4, not precedes_r93,
seniority_date, id)`` on the internal list (R9.4), ``(seniority_date, id)`` on a youth list.
A *slice* is a set S of eligible candidates with a key prefix k such that every candidate whose
prefix is k lies in S and everything in S has a prefix ≤ k. Take the first ``limit`` of S in list
order. If candidate c is among the overall top ``limit``, every member of c's slice that comes
before c in list order has a prefix ≤ k and an earlier list position, so it also comes before c
overall: fewer than ``limit`` of them exist and c is in the slice's first ``limit``. So the union
U of the slices' heads holds the overall top ``limit``, and since every other member of U ranks
below all of them, ``rank(U)`` places exactly the same candidates first, with the same ranks
and explanations. Splitting a slice into parts and taking each part's head keeps this true
(the internal list is split by ``precedes_r93`` so each part walks the queue index in order),
and adding any further candidates to U (the sparse tiers, read whole) does no harm.

R9.4 does not break this: on the internal list the key is ``(tier, r4, not precedes_r93,
seniority_date, id)``, so within one prefix (tier, r4) everyone on the list before the R9.3
decision comes first. Each slice is split into its ``precedes_r93`` parts; inside a part the key
order *is* the seniority order the index gives, so each part's head is exact by the argument
above, and the union of the parts' heads holds the slice's head.

* Dense slices — everyone eligible (R2.1 / R9 / youth), R4 households with children, § 7
  holders the § 4 agreement does not put back — are "the first ``limit`` in list order
  satisfying a predicate": PostgreSQL
  walks ``entry_queue_idx (waiting_list, status, seniority_date, id)`` and stops early. The
  predicate is written so that it must: subqueries as scalar probes (``_probe``; an ``EXISTS``
  may be turned into a join that reads a whole table first) inside one opaque ``CASE``
  (``_opaque``; the planner would otherwise guess that few rows pass and sort the whole list).
  On the internal list the parts walk an index on ``(waiting_list, status, precedes_r93,
  seniority_date, id)`` when there is one; without it the ``precedes_r93 = true`` part reads the
  whole list (fine for the internal lists of life, slow for one of 100,000 entries).
* Sparse tiers — documented needs (R5.1–R5.3, R10.2–R10.4, only for a dwelling fitted so),
  boliggarantibeviser for this department (R6), separation priorities (R8.2) — are read whole,
  driven from their own tables (a few rows each), never by walking the list; so are the
  tenants of the vacancy's own department (R10.1: one current lease per dwelling). The § 7
  holders' slices name the organisation's tenants too, so the planner may start from the
  leases when few on the internal list are tenants.

The eligibility predicate (``_fits``) mirrors the pure function's exclusions exactly (passive,
R3.3 fee arrears, wishes, R26, and the youth groups of R12.1/R13), because a slice's head must
be its first ``limit`` *eligible* members. The facts handed to ``rank`` are computed by the same
SQL expressions, so the predicate and the facts cannot disagree about a household's size or
children, a guarantee or the dwelling given up. (``tests/test_ranking_db.py`` compares it all
with ``rank`` over every candidate read the slow way.)

**Passed over.** The same statement reads, per list that may be shown, the first ``cap`` of each
kind of exclusion from the top of the list (passive; active but excluded; on the internal list
without § 7 or R8.2 priority). Only the first ``cap`` of their union in list order can be shown,
so only they are read in full and given their reasons by ``rank``; after ranking, those behind
the last placed one are dropped and the rest counted by their list position — exactly, unless a
kind came back full with all of it still ahead of the last placed one, when ``count_excluded``
counts them (each kind up to ``COUNT_CAP``).

Only standard SQL is used (subqueries in ``FROM`` with ``ORDER BY``/``LIMIT``, ``UNION ALL``,
``CASE``), so it runs on SQLite as well; the JSON wish for dwelling kinds has a portable
fallback. Conditions are compiled by Django once per ranking (``_sql``) and joined as text.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains, Exact, LessThanOrEqual

from housing.models import DwellingKind, HouseholdMember, HouseholdRelation, Person, YouthKind
from waitinglists.models import Entry, EntryStatus, FeeCharge, ListKind, WaitingList
from waitinglists.selectors import ARREARS_STATES
from waitinglists.services.registration import WISH_FIELDS

from ..models import GuaranteeState, HousingGuarantee, Lease, PriorityNeed, SeparationPriority, Vacancy
from ..rules.ranking import Candidate, CurrentDwelling, DwellingFacts, LettingRules

# Dwelling kinds whose tenants lose the § 7 priority when the organisation has decided so (R8.1).
R8_1_KINDS = (DwellingKind.YOUTH, DwellingKind.ELDER, DwellingKind.PLEJEBOLIG)
# Counting the entries passed over stops here; beyond it the count is "at least".
COUNT_CAP = 1_000

QueueKey = tuple  # (seniority_date, id), or (not precedes_r93, seniority_date, id) on an internal list


def queue_key(c: Candidate) -> QueueKey:
    """A candidate's place in its list's order (R9.4 first on the internal list)."""
    if c.list_kind == ListKind.INTERNAL:
        return (not c.precedes_r93, c.seniority_date, c.entry_id)
    return (c.seniority_date, c.entry_id)


# --- Dates the rules count in whole years and months ----------------------------------------------


def born_on_or_before(day: datetime.date, years: int) -> datetime.date:
    """The latest birth date of someone at least ``years`` old on ``day``, in the whole years
    ``relativedelta`` counts (as the rules and ``Person.age_on`` do; 29 February included)."""
    born = day - relativedelta(years=years)
    one = datetime.timedelta(days=1)
    while relativedelta(day, born).years < years:
        born -= one
    while relativedelta(day, born + one).years >= years:
        born += one
    return born


def moved_in_on_or_before(day: datetime.date, months: int) -> datetime.date:
    """The latest move-in date that has completed ``months`` of residence on ``day`` (R8.3:
    ``moved_in + months <= day``, in calendar months)."""
    moved_in = day - relativedelta(months=months)
    one = datetime.timedelta(days=1)
    while moved_in + relativedelta(months=months) > day:
        moved_in -= one
    while moved_in + one + relativedelta(months=months) <= day:
        moved_in += one
    return moved_in


# --- The plan: the facts every query of one ranking shares ----------------------------------------


@dataclass(frozen=True)
class Plan:
    dwelling: DwellingFacts
    rules: LettingRules
    # The dwelling's own values, compared exactly in SQL (the pure facts hold floats).
    rooms: int
    gross_floor_area: Decimal
    monthly_rent: Decimal
    lists: tuple[tuple[int, str], ...]  # (waiting list id, kind)
    skip: frozenset[int]
    adult_born_by: datetime.date  # aged 18 or more on the day (children are younger, R4)
    aged_25_born_by: datetime.date  # startboliger: 18–24 (R12.1)
    r8_3_moved_in_by: datetime.date | None
    # Conditions compiled once per ranking (``_sql``), by name.
    compiled: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def day(self) -> datetime.date:
        return self.rules.today

    def lists_of(self, *kinds: str) -> list[int]:
        return [list_id for list_id, kind in self.lists if kind in kinds]

    def kind_of(self, list_id: int) -> str:
        for candidate_id, kind in self.lists:
            if candidate_id == list_id:
                return kind
        raise KeyError(list_id)

    # Which tiers can apply at all to this dwelling under these rules (others need no slice).
    @property
    def general_uses_r5(self) -> bool:
        """As the pure function's R5.4 test: letting under R5.1–R5.3."""
        d = self.dwelling
        return (
            d.fitted_large_household_mobility
            or d.fitted_mobility_impaired
            or (d.fitted_elderly_disabled and self.rules.r5_1_decided)
        )

    @property
    def r4_possible(self) -> bool:
        return self.rules.r4_agreement and self.dwelling.rooms >= 3

    @property
    def r6_possible(self) -> bool:
        return self.rules.r6_guarantees and "R6" not in self.rules.r40_switched_off

    @property
    def r8_2_possible(self) -> bool:
        return self.rules.r8_2_separation_priority and "R8.2" not in self.rules.r40_switched_off


def plan_for(
    vacancy: Vacancy, dwelling: DwellingFacts, rules: LettingRules, skip_entry_ids: Iterable[int]
) -> Plan:
    """The lists of the vacancy's organisation (one query) and the thresholds of the day.
    ``vacancy`` must come with ``dwelling`` and ``organisation__shared_list`` loaded."""
    organisation = vacancy.organisation
    list_tenant_id = organisation.list_tenant_id
    own = Q(organisation_id=organisation.pk)
    unowned = Q(organisation__isnull=True)
    lists = WaitingList.objects.filter(
        Q(kind=ListKind.INTERNAL) & own
        | Q(kind=ListKind.GENERAL) & (own | unowned & Q(controller_id=list_tenant_id))
        | Q(kind=ListKind.YOUTH)
        & (own | unowned & Q(controller_id__in={organisation.tenant_id, list_tenant_id}))
    ).order_by("pk")
    months = rules.r8_3_residence_months
    return Plan(
        dwelling=dwelling,
        rules=rules,
        rooms=vacancy.dwelling.rooms,
        gross_floor_area=vacancy.dwelling.gross_floor_area,
        monthly_rent=vacancy.dwelling.monthly_rent,
        lists=tuple(lists.values_list("pk", "kind")),
        skip=frozenset(skip_entry_ids),
        adult_born_by=born_on_or_before(rules.today, 18),
        aged_25_born_by=born_on_or_before(rules.today, 25),
        r8_3_moved_in_by=moved_in_on_or_before(rules.today, months) if months else None,
    )


# --- SQL expressions, one per fact ----------------------------------------------------------------


def _probe_value(queryset: QuerySet) -> Coalesce:
    """1 if ``queryset`` has a row, else 0 — as a scalar subquery (see ``_probe``)."""
    first = queryset.order_by().annotate(probe=Value(1)).values("probe")[:1]
    return Coalesce(Subquery(first, output_field=IntegerField()), Value(0))


def _probe(queryset: QuerySet, *, found: bool = True) -> Q:
    """``EXISTS`` written as a scalar subquery — ``COALESCE((SELECT 1 … LIMIT 1), 0) = 1``.

    Every dense slice must walk the queue index in order and probe each entry it passes (a few
    index look-ups) until it has its ``limit``. PostgreSQL turns a plain ``EXISTS`` into a join
    and may hash the whole other table before the first row (all unpaid fees, every household
    with children: seconds on a million persons); a scalar subquery it cannot flatten."""
    return Q(Exact(_probe_value(queryset), Value(1 if found else 0)))


def _wants_department(plan: Plan) -> Q:
    """The department is among the wishes, or there are none: ``COALESCE(MAX(wish = D), 1) = 1``
    over the entry's few wish rows — one index probe per entry walked. (The obvious ``EXISTS(wish
    = D) OR NOT EXISTS(any wish)`` lets PostgreSQL hash every wish for the department first: 70 ms
    on a list of 200,000 before the first row.)"""
    through = Entry.departments.through
    wanted = (
        through.objects.filter(entry_id=OuterRef("pk"))
        .order_by()
        .values("entry_id")
        .annotate(
            hit=Max(Case(When(department_id=plan.dwelling.department_id, then=Value(1)), default=Value(0)))
        )
        .values("hit")
    )
    return Q(Exact(Coalesce(Subquery(wanted, output_field=IntegerField()), Value(1)), Value(1)))


def _charges_in_arrears(plan: Plan) -> QuerySet[FeeCharge]:
    """R3.3: an unpaid fee past its due date (as ``waitinglists.selectors``)."""
    return FeeCharge.objects.filter(entry_id=OuterRef("pk"), state__in=ARREARS_STATES, due_date__lt=plan.day)


def _household_members() -> Coalesce:
    """Members of the entry's household (0 without one; the fact is at least 1)."""
    members = (
        HouseholdMember.objects.filter(household_id=OuterRef("household_id"))
        .order_by()
        .values("household_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(members, output_field=IntegerField()), 0)


def _children(plan: Plan) -> QuerySet[HouseholdMember]:
    """R4: members registered as children and under 18 on the day."""
    return HouseholdMember.objects.filter(
        household_id=OuterRef("household_id"),
        relation=HouseholdRelation.CHILD,
        person__birth_date__gt=plan.adult_born_by,
    )


def _in_education(plan: Plan) -> Q:
    return ~Q(education_institution="") & (
        Q(education_expected_end__isnull=True) | Q(education_expected_end__gte=plan.day)
    )


def _wants_kind(kind: str) -> Q:
    if connection.vendor == "postgresql":
        wanted = Q(dwelling_kinds__contains=[kind])
    else:
        # SQLite has no JSON containment: the kinds are plain identifiers, so the quoted name
        # in the stored JSON text is an exact element match.
        wanted = Q(Contains(Cast("dwelling_kinds", TextField()), Value(f'"{kind}"')))
    return Q(dwelling_kinds=[]) | wanted


def _youth_group(plan: Plan) -> Q:
    """R12.1 / R13: who may have this youth dwelling."""
    youth_kind = plan.dwelling.youth_kind
    if youth_kind == YouthKind.STARTBOLIG:
        aged_18_to_24 = Person.objects.filter(
            pk=OuterRef("person_id"), birth_date__lte=plan.adult_born_by, birth_date__gt=plan.aged_25_born_by
        )
        return Q(needs_support=True) & _probe(aged_18_to_24)
    if youth_kind in (YouthKind.RELABELLED, YouthKind.UNIVERSITY_NEAR):
        return _in_education(plan)
    return _in_education(plan) | ~Q(special_need="")


def _wishes_fit(plan: Plan) -> Q:
    """The wishes on the entry row itself (kinds, rooms, rent, floor, elevator): cheap column
    tests, so the slices ask them before any subquery."""
    d = plan.dwelling
    fits = _wants_kind(d.kind) & Q(rooms_min__lte=plan.rooms, rooms_max__gte=plan.rooms)
    fits &= Q(max_rent__isnull=True) | Q(max_rent__gte=plan.monthly_rent)
    if d.floor is not None:
        fits &= Q(floor_max__isnull=True) | Q(floor_max__gte=d.floor)
    if not d.has_elevator and (d.floor or 0) > 0:
        fits &= Q(needs_elevator=False)
    return fits


def _fits(plan: Plan) -> Q:
    """Everything but the status and the department that decides whether an active candidate
    is excluded, as the pure function's exclusions: fee arrears (R3.3), the wishes, more than two
    persons per room (R26), and for youth dwellings the eligible group (R12.1, R13)."""
    fits = _wishes_fit(plan) & _probe(_charges_in_arrears(plan), found=False)
    fits &= Q(LessThanOrEqual(_household_members(), 2 * plan.rooms))  # R26
    if plan.dwelling.kind == DwellingKind.YOUTH:
        fits &= _youth_group(plan)
    return fits


def _need_holders(plan: Plan, *, internal: bool) -> Subquery | None:
    """Persons with a documented need that can place them for this dwelling (health data: only
    their ids leave the database here)."""
    d = plan.dwelling
    flags = Q()
    if d.fitted_large_household_mobility:
        flags |= Q(household_member_mobility_impaired=True)
    if d.fitted_mobility_impaired:
        flags |= Q(mobility_impaired=True)
    if d.fitted_elderly_disabled and (internal or plan.rules.r5_1_decided):
        flags |= Q(elderly_or_disabled=True)
    if not flags:
        return None
    return Subquery(PriorityNeed.objects.filter(flags).values("person_id"))


def _guarantee_holders(plan: Plan) -> Subquery:
    return Subquery(
        HousingGuarantee.objects.filter(
            department_id=plan.dwelling.department_id, state=GuaranteeState.VALID, valid_until__gte=plan.day
        ).values("person_id")
    )


def _separation_holders(plan: Plan) -> Subquery:
    return Subquery(
        SeparationPriority.objects.filter(
            organisation_id=plan.dwelling.organisation_id,
            kommune_id=plan.dwelling.kommune_id,
            valid_until__gte=plan.day,
        ).values("person_id")
    )


def _current_lease(plan: Plan) -> Subquery:
    """The dwelling an internal-list candidate gives up (§ 7): their current lease in the
    organisation — not ended, or ending on or after the day; the latest one if several."""
    return Subquery(
        Lease.objects.filter(
            person_id=OuterRef("person_id"),
            dwelling__department__organisation_id=plan.dwelling.organisation_id,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=plan.day))
        .order_by("-starts_on", "-pk")
        .values("pk")[:1]
    )


def _tenants(plan: Plan, *, department_id: int | None = None) -> Subquery:
    """Persons with a current lease in the organisation (or in one department) — all who can
    hold the § 7 priority. Named as a plain semi-join beside the exact test, so PostgreSQL may
    start from the leases when few on the list are tenants, or walk the list when most are."""
    leases = Lease.objects.filter(dwelling__department__organisation_id=plan.dwelling.organisation_id)
    if department_id is not None:
        leases = leases.filter(dwelling__department_id=department_id)
    return Subquery(leases.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=plan.day)).values("person_id"))


def _gives_up(plan: Plan, *conditions: Q) -> Q:
    """Holds the § 7 priority through the dwelling given up (R8.1 and R8.3 as decided), and that
    dwelling meets ``conditions``. Needs the ``gives_up_id`` alias on the query."""
    holds = Q()
    if plan.rules.r8_1_no_r7_for_youth_and_elder_tenants:
        holds &= ~Q(dwelling__kind__in=R8_1_KINDS)
    if plan.r8_3_moved_in_by is not None:
        lived_long_enough = Q(starts_on__lte=plan.r8_3_moved_in_by)
        if plan.rules.r8_3_departments is not None:
            lived_long_enough |= ~Q(dwelling__department_id__in=plan.rules.r8_3_departments)
        holds &= lived_long_enough
    return _probe(Lease.objects.filter(holds, *conditions, pk=OuterRef("gives_up_id")))


# --- Conditions compiled once ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sql:
    """A condition on an entry row as SQL text with its parameters: built with the ORM and
    compiled by Django once per ranking, then combined as text into every slice that needs it
    (building and compiling the same subqueries for each of a dozen slices costs more than
    running them)."""

    text: str
    params: tuple = ()

    def __and__(self, other: Sql) -> Sql:
        return Sql(f"({self.text}) AND ({other.text})", self.params + other.params)

    def __or__(self, other: Sql) -> Sql:
        return Sql(f"({self.text}) OR ({other.text})", self.params + other.params)

    def __invert__(self) -> Sql:
        return Sql(f"NOT ({self.text})", self.params)


ANY = Sql("1 = 1")


def _sql(plan: Plan, name: str, build, *, gives_up: bool = False) -> Sql:
    """The condition ``build(plan)`` returns, compiled on the entry table alone (it may use
    subqueries — with ``gives_up`` the ``gives_up_id`` of the dwelling given up — never a join)."""
    if name not in plan.compiled:
        entries = Entry.objects.alias(gives_up_id=_current_lease(plan)) if gives_up else Entry.objects
        query = entries.filter(build(plan)).query
        # Joins set up and trimmed again (for ``OuterRef("person_id")``) stay with no references.
        if [alias for alias in query.alias_map if query.alias_refcount[alias]] != [Entry._meta.db_table]:
            raise ValueError(f"the condition {name!r} joins another table; write it as a subquery")
        text, params = query.get_compiler(using=Entry.objects.db).compile(query.where)
        plan.compiled[name] = Sql(text, tuple(params))
    return plan.compiled[name]


def _fits_sql(plan: Plan) -> Sql:
    return _sql(plan, "fits", _fits)


def _children_sql(plan: Plan) -> Sql:
    return _sql(plan, "children", lambda p: _probe(_children(p)))


def _gives_up_sql(plan: Plan, *, same: bool = False, not_larger: bool = False) -> Sql:
    """Holds the § 7 priority through the dwelling given up, optionally one in the vacancy's
    department (R10.1) and/or not smaller than the vacant one (R4 does not apply, § 7, 3. pkt.)."""
    conditions = Q()
    if same:
        conditions &= Q(dwelling__department_id=plan.dwelling.department_id)
    if not_larger:
        conditions &= Q(dwelling__gross_floor_area__gte=plan.gross_floor_area)
    return _sql(plan, f"gives_up:{same}:{not_larger}", lambda p: _gives_up(p, conditions), gives_up=True)


def _separation_sql(plan: Plan) -> Sql:
    return _sql(plan, "separation", lambda p: Q(person_id__in=_separation_holders(p)))


# --- Slices -----------------------------------------------------------------------------------------


# What a slice gives per entry: enough for its place in the list order (``queue_key``).
KEY_FIELDS = ("id", "seniority_date", "precedes_r93")


@dataclass(frozen=True)
class Slice:
    queryset: QuerySet  # of entry ids
    capped: int | None  # the LIMIT, or None when read whole
    list_kind: str = ""  # for the passed-over: whose bound applies


def _on_list(plan: Plan, list_id: int, status: str, precedes: bool | None = None) -> QuerySet[Entry]:
    """A part of one list: the conditions the queue index answers, and the skipped left out."""
    entries = Entry.objects.filter(waiting_list_id=list_id, status=status)
    if precedes is not None:
        entries = entries.filter(precedes_r93=precedes)
    if plan.skip:
        entries = entries.exclude(pk__in=plan.skip)
    return entries


def _opaque(plan: Plan, condition: Sql, *, eligible: bool = True) -> RawSQL:
    """``NOT (CASE WHEN wanted AND condition THEN 1 ELSE 0 END = 0)``: the candidate test, but
    one the planner cannot see into, so it guesses that nearly every row passes (it would guess
    a handful for the subqueries) and keeps walking the queue index in order with LIMIT, instead
    of reading the whole list and sorting it."""
    wanted = _sql(plan, "wants", _wants_department) & condition
    if eligible:
        # The row's own wishes first: PostgreSQL evaluates AND inside CASE from the left, so a
        # row that fails them costs no subquery.
        wanted = _sql(plan, "wishes", _wishes_fit) & wanted
    # Only SQL that Django compiled, with its parameters kept apart, goes into the text.
    return RawSQL(  # noqa: S611
        f"NOT (CASE WHEN {wanted.text} THEN 1 ELSE 0 END = 0)", wanted.params, output_field=BooleanField()
    )


def _head(
    entries: QuerySet[Entry], condition: Sql, plan: Plan, n: int, list_kind: str, *, eligible: bool = True
) -> Slice:
    """The first ``n`` candidates in list order meeting ``condition`` (``eligible``: a condition
    that includes ``_fits``): walks the queue index and stops."""
    entries = entries.filter(_opaque(plan, condition, eligible=eligible))
    return Slice(entries.order_by("seniority_date", "pk").values(*KEY_FIELDS)[:n], n, list_kind)


def _whole(entries: QuerySet[Entry], condition: Sql, plan: Plan, list_kind: str) -> Slice:
    """A sparse tier read whole (no ORDER BY, so the plan starts from the small table)."""
    return Slice(entries.filter(_opaque(plan, condition)).order_by().values(*KEY_FIELDS), None, list_kind)


def _general_slices(plan: Plan, list_id: int, limit: int) -> list[Slice]:
    active, fits = _on_list(plan, list_id, EntryStatus.ACTIVE), _fits_sql(plan)
    general = ListKind.GENERAL
    slices = [_head(active, fits, plan, limit, general)]  # R2.1: everyone by seniority
    if plan.r4_possible and not plan.general_uses_r5:  # R5.4: R4 is ignored under R5.1–R5.3
        slices.append(_head(active, fits & _children_sql(plan), plan, limit, general))
    sparse = [_need_holders(plan, internal=False)]
    if plan.r6_possible:
        sparse.append(_guarantee_holders(plan))
    if plan.r8_2_possible:
        sparse.append(_separation_holders(plan))
    slices += [
        _whole(active.filter(person_id__in=holders), fits, plan, general) for holders in sparse if holders
    ]
    return slices


def _internal_slices(plan: Plan, list_id: int, limit: int) -> list[Slice]:
    """Key prefixes (tier, r4) below R10.x: (6, ·) gives up a dwelling in the department (R10.1),
    (7, 0) any holder the § 4 agreement does not put back, (7, 1) any holder. The agreement puts
    back a household without children when the dwelling is larger and has 3+ rooms (§ 7, 3. pkt.).

    Tenants of the department are few — one current lease per dwelling — so R10.1 is read whole
    with R10.2–R10.4 and R8.2; the (7, ·) slices walk the list, split by ``precedes_r93``."""
    internal = ListKind.INTERNAL
    fits = _fits_sql(plan)
    active = _on_list(plan, list_id, EntryStatus.ACTIVE)
    same = active.filter(person_id__in=_tenants(plan, department_id=plan.dwelling.department_id))
    slices = [_whole(same, fits & _gives_up_sql(plan, same=True), plan, internal)]
    needs = _need_holders(plan, internal=True)
    if needs is not None:  # R10.2–R10.4
        slices.append(_whole(active.filter(person_id__in=needs), fits & _gives_up_sql(plan), plan, internal))
    if plan.r8_2_possible:  # R8.2 holders join the § 7 holders
        slices.append(_whole(active.filter(person_id__in=_separation_holders(plan)), fits, plan, internal))
    for precedes in (True, False):
        tenants = _on_list(plan, list_id, EntryStatus.ACTIVE, precedes).filter(person_id__in=_tenants(plan))
        if plan.r4_possible:
            r4_not_against = _gives_up_sql(plan, not_larger=True) | (
                _gives_up_sql(plan) & _children_sql(plan)
            )
            slices.append(_head(tenants, fits & r4_not_against, plan, limit, internal))
        slices.append(_head(tenants, fits & _gives_up_sql(plan), plan, limit, internal))
    return slices


def placed_slices(plan: Plan, limit: int) -> list[Slice]:
    """The slices whose union holds the top ``limit`` of the ranking (see the module docstring)."""
    if plan.dwelling.kind == DwellingKind.YOUTH:
        return [
            _head(_on_list(plan, list_id, EntryStatus.ACTIVE), _fits_sql(plan), plan, limit, ListKind.YOUTH)
            for list_id in plan.lists_of(ListKind.YOUTH)
        ]
    slices = []
    # On the internal turn the general list is read too: it takes over when no one holds an
    # internal priority (R7), and only ``rank`` can tell.
    for list_id in plan.lists_of(ListKind.GENERAL):
        slices += _general_slices(plan, list_id, limit)
    if plan.rules.internal_turn:
        for list_id in plan.lists_of(ListKind.INTERNAL):
            slices += _internal_slices(plan, list_id, limit)
    return slices


def _ahead_of(
    entries: QuerySet[Entry], bound: QueueKey | None, precedes: bool | None
) -> QuerySet[Entry] | None:
    """Entries before ``bound`` in list order (None: no bound); None when none can be."""
    if bound is None:
        return entries
    if precedes is not None:
        not_precedes, day, pk = bound
        if (not precedes) < not_precedes:
            return entries  # R9.4: all of this part comes first
        if (not precedes) > not_precedes:
            return None
    else:
        day, pk = bound
    return entries.filter(Q(seniority_date__lt=day) | Q(seniority_date=day, pk__lt=pk))


def excluded_slices(plan: Plan, bounds: dict[str, QueueKey | None], cap: int) -> list[Slice]:
    """For each list kind in ``bounds``: the first ``cap`` passed over ahead of the bound (None:
    from the top), per kind of exclusion — passive; active but excluded (arrears, wishes, R26,
    youth group); and on the internal list, eligible but without § 7 or R8.2 priority (R7,
    R8.1, R8.3). Every one of them is excluded by ``rank``, so adding them to the candidates
    read changes nothing in the placing."""
    slices = []
    for list_id, kind in plan.lists:
        if kind not in bounds:
            continue
        parts = (True, False) if kind == ListKind.INTERNAL else (None,)
        for precedes in parts:
            passive = _ahead_of(
                _on_list(plan, list_id, EntryStatus.PASSIVE, precedes), bounds[kind], precedes
            )
            if passive is None:
                continue
            active = _ahead_of(_on_list(plan, list_id, EntryStatus.ACTIVE, precedes), bounds[kind], precedes)
            slices.append(_head(passive, ANY, plan, cap, kind, eligible=False))
            slices.append(_head(active, ~_fits_sql(plan), plan, cap, kind, eligible=False))
            if kind == ListKind.INTERNAL:
                priority = _gives_up_sql(plan)
                if plan.r8_2_possible:
                    priority |= _separation_sql(plan)
                slices.append(_head(active, _fits_sql(plan) & ~priority, plan, cap, kind))
    return slices


# --- Reading ----------------------------------------------------------------------------------------


def union_sql(slices: list[Slice]) -> tuple[str, list]:
    """One statement for all the slices: each compiled by Django (with its parameters) as a
    subquery in FROM, so each keeps its own ORDER BY/LIMIT — on SQLite as on PostgreSQL. Each
    row is (entry id, seniority date, precedes_r93, slice number)."""
    parts, params = [], []
    for index, piece in enumerate(slices):
        sql, piece_params = piece.queryset.query.get_compiler(using=piece.queryset.db).as_sql()
        parts.append(f"SELECT {', '.join(KEY_FIELDS)}, {index} AS slice FROM ({sql}) AS s{index}")  # noqa: S608
        params.extend(piece_params)
    return " UNION ALL ".join(parts), params


@dataclass(frozen=True)
class Found:
    """An entry a slice gave, with its place in its list's order."""

    entry_id: int
    slice: int
    key: QueueKey


def fetch(slices: list[Slice]) -> list[Found]:
    """Run the slices (one query). Keys are computed as ``queue_key`` computes them."""
    if not slices:
        return []
    sql, params = union_sql(slices)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    found = []
    for entry_id, seniority_date, precedes, index in rows:
        if slices[index].list_kind == ListKind.INTERNAL:
            key = (not precedes, seniority_date, entry_id)
        else:
            key = (seniority_date, entry_id)
        found.append(Found(entry_id, index, key))
    return found


@dataclass
class Loaded:
    candidates: list[Candidate]
    person_ids: dict[int, int]  # entry id → person id (for the access log)


FACT_FIELDS = (
    "id",
    "waiting_list_id",
    "person_id",
    "seniority_date",
    "status",
    "precedes_r93",
    *WISH_FIELDS,
    "person__applicant_number",
    "person__birth_date",
    "person__priority_need__elderly_or_disabled",
    "person__priority_need__mobility_impaired",
    "person__priority_need__household_member_mobility_impaired",
)


def load(plan: Plan, entry_ids: list[int]) -> Loaded:
    """The entries as ``Candidate`` facts: one query for the entries with their facts (the same
    SQL expressions the slices filter on; plain rows, no model instances), one for the wished
    departments, and on the internal turn one for the dwellings given up."""
    if not entry_ids:
        return Loaded([], {})
    rows = list(
        Entry.objects.filter(pk__in=entry_ids)
        .annotate(
            # Probed per row, not ``EXISTS`` (which PostgreSQL answers by reading every unpaid fee).
            in_arrears=_probe_value(_charges_in_arrears(plan)),
            household_members=_household_members(),
            has_children=Exists(_children(plan)),
            guarantee_until=Subquery(
                HousingGuarantee.objects.filter(
                    person_id=OuterRef("person_id"),
                    department_id=plan.dwelling.department_id,
                    state=GuaranteeState.VALID,
                )
                .order_by("-valid_until")
                .values("valid_until")[:1]
            ),
            separation_until=Subquery(
                SeparationPriority.objects.filter(
                    person_id=OuterRef("person_id"),
                    organisation_id=plan.dwelling.organisation_id,
                    kommune_id=plan.dwelling.kommune_id,
                )
                .order_by("-valid_until")
                .values("valid_until")[:1]
            ),
        )
        .order_by()
        .values(
            *FACT_FIELDS,
            "in_arrears",
            "household_members",
            "has_children",
            "guarantee_until",
            "separation_until",
        )
    )
    internal = set(plan.lists_of(ListKind.INTERNAL))
    wishes: dict[int, set[int]] = {}
    through = Entry.departments.through
    for entry_id, department_id in through.objects.filter(entry_id__in=entry_ids).values_list(
        "entry_id", "department_id"
    ):
        wishes.setdefault(entry_id, set()).add(department_id)
    gives_up: dict[int, CurrentDwelling] = {}
    tenants = [row["person_id"] for row in rows if row["waiting_list_id"] in internal]
    if tenants and plan.rules.internal_turn:
        gives_up = _dwellings_given_up(plan, tenants)
    candidates = [
        _candidate(
            plan,
            row,
            wishes.get(row["id"], ()),
            gives_up.get(row["person_id"]) if row["waiting_list_id"] in internal else None,
        )
        for row in rows
    ]
    return Loaded(candidates, {row["id"]: row["person_id"] for row in rows})


def _dwellings_given_up(plan: Plan, person_ids: list[int]) -> dict[int, CurrentDwelling]:
    """Each person's current lease in the organisation, chosen as ``_current_lease`` chooses."""
    leases = (
        Lease.objects.filter(
            person_id__in=person_ids, dwelling__department__organisation_id=plan.dwelling.organisation_id
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=plan.day))
        .select_related("dwelling__department")
        .order_by("person_id", "-starts_on", "-pk")
    )
    chosen: dict[int, CurrentDwelling] = {}
    for lease in leases:
        if lease.person_id in chosen:
            continue
        dwelling = lease.dwelling
        chosen[lease.person_id] = CurrentDwelling(
            department_id=dwelling.department_id,
            organisation_id=dwelling.department.organisation_id,
            kind=dwelling.kind,
            gross_floor_area=float(dwelling.gross_floor_area),
            moved_in=lease.starts_on,
            fitted_elderly_disabled=dwelling.fitted_elderly_disabled,
            fitted_mobility_impaired=dwelling.fitted_mobility_impaired,
            fitted_large_household_mobility=dwelling.fitted_large_household_mobility,
        )
    return chosen


def _candidate(plan: Plan, row: dict, wishes: Iterable[int], gives_up: CurrentDwelling | None) -> Candidate:
    d, day = plan.dwelling, plan.day
    education_end = row["education_expected_end"]
    return Candidate(
        entry_id=row["id"],
        applicant_number=row["person__applicant_number"],
        list_kind=plan.kind_of(row["waiting_list_id"]),
        seniority_date=row["seniority_date"],
        status=row["status"],
        fee_arrears=bool(row["in_arrears"]),
        precedes_r93=row["precedes_r93"],
        departments=frozenset(wishes),
        dwelling_kinds=frozenset(row["dwelling_kinds"] or ()),
        rooms_min=row["rooms_min"],
        rooms_max=row["rooms_max"],
        max_rent=float(row["max_rent"]) if row["max_rent"] is not None else None,
        floor_max=row["floor_max"],
        needs_elevator=row["needs_elevator"],
        household_size=max(1, row["household_members"]),
        has_children=row["has_children"],
        # No documented need reads as none (the LEFT JOIN gives NULL).
        elderly_or_disabled=bool(row["person__priority_need__elderly_or_disabled"]),
        mobility_impaired=bool(row["person__priority_need__mobility_impaired"]),
        household_member_mobility_impaired=bool(
            row["person__priority_need__household_member_mobility_impaired"]
        ),
        gives_up=gives_up,
        separation_priority_until=row["separation_until"],
        separation_kommune_id=d.kommune_id if row["separation_until"] else None,
        guarantee_department_id=d.department_id if row["guarantee_until"] else None,
        guarantee_valid_until=row["guarantee_until"],
        birth_date=row["person__birth_date"],
        # As ``_in_education`` asks it in SQL.
        in_education=bool(row["education_institution"]) and (education_end is None or education_end >= day),
        special_need=bool(row["special_need"]),
        needs_support=row["needs_support"],
    )


def count_excluded(slices: list[Slice]) -> tuple[int, bool]:
    """How many are passed over in all (each kind counted up to ``COUNT_CAP``), and whether a
    count stopped at the cap."""
    if not slices:
        return 0, False
    parts, params = [], []
    for index, piece in enumerate(slices):
        uncapped = piece.queryset.query.chain()
        uncapped.clear_ordering(force=True)
        uncapped.clear_limits()
        uncapped.set_limits(high=COUNT_CAP + 1)
        sql, piece_params = uncapped.get_compiler(using=piece.queryset.db).as_sql()
        parts.append(f"SELECT (SELECT COUNT(*) FROM ({sql}) AS c{index})")  # noqa: S608 — Django's SQL
        params.extend(piece_params)
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counts = [row[0] for row in cursor.fetchall()]
    return sum(min(n, COUNT_CAP) for n in counts), any(n > COUNT_CAP for n in counts)
