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

* Dense slices — everyone eligible (R2.1 / R9 / youth), R4 households with children, same
  department (R10.1) — are "the first ``limit`` in list order satisfying a predicate": PostgreSQL
  walks ``entry_queue_idx (waiting_list, status, seniority_date, id)`` and stops early.
* Sparse tiers — documented needs (R5.1–R5.3, R10.2–R10.4), boliggarantibeviser for this
  department (R6), separation priorities (R8.2) — are read whole, driven from their own tables
  (a few rows each), never by walking the list.

The eligibility predicate (``_fits``) mirrors the pure function's exclusions exactly (passive,
R3.3 fee arrears, wishes, R26, and the youth groups of R12.1/R13), because a slice's head must
be its first ``limit`` *eligible* members. The facts handed to ``rank`` are computed by the same
SQL expressions, so the predicate and the facts cannot disagree about a household's size or
children, a guarantee or the dwelling given up.

**Excluded.** After ranking, the entries passed over *ahead of the last placed one* in list
order (passive, arrears, wishes, R26, R7/R8.1/R8.3, R12.1, …) are read the same way — the first
``cap`` of each kind of exclusion, bounded by the last placed one's list position — and given
their reasons by ``rank`` too.

Only standard SQL is used (subqueries in ``FROM`` with ``ORDER BY``/``LIMIT``, ``UNION ALL``), so
it runs on SQLite as well; the JSON wish for dwelling kinds has a portable fallback.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.db import connection
from django.db.models import (
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
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains, Exact, LessThanOrEqual

from housing.models import DwellingKind, HouseholdMember, HouseholdRelation, YouthKind
from waitinglists.models import Entry, EntryStatus, FeeCharge, ListKind, WaitingList
from waitinglists.selectors import ARREARS_STATES

from ..models import GuaranteeState, HousingGuarantee, Lease, PriorityNeed, SeparationPriority, Vacancy
from ..rules.ranking import Candidate, CurrentDwelling, DwellingFacts, LettingRules

# Dwelling kinds whose tenants lose the § 7 priority when the organisation has decided so (R8.1).
R8_1_KINDS = (DwellingKind.YOUTH, DwellingKind.ELDER, DwellingKind.PLEJEBOLIG)
# Counting the entries passed over stops here; beyond it the count is "at least".
COUNT_CAP = 10_000

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


def _in_arrears(plan: Plan) -> Exists:
    """R3.3: an unpaid fee past its due date (as ``waitinglists.selectors``)."""
    return Exists(
        FeeCharge.objects.filter(entry_id=OuterRef("pk"), state__in=ARREARS_STATES, due_date__lt=plan.day)
    )


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


def _has_children(plan: Plan) -> Exists:
    """R4: a member registered as a child and under 18 on the day."""
    return Exists(
        HouseholdMember.objects.filter(
            household_id=OuterRef("household_id"),
            relation=HouseholdRelation.CHILD,
            person__birth_date__gt=plan.adult_born_by,
        )
    )


def _in_education(plan: Plan) -> Q:
    return ~Q(education_institution="") & (
        Q(education_expected_end__isnull=True) | Q(education_expected_end__gte=plan.day)
    )


def is_in_education(entry: Entry, day: datetime.date) -> bool:
    """The same test in Python, for the candidate's facts."""
    return bool(entry.education_institution) and (
        entry.education_expected_end is None or entry.education_expected_end >= day
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
        return Q(
            person__birth_date__lte=plan.adult_born_by,
            person__birth_date__gt=plan.aged_25_born_by,
            needs_support=True,
        )
    if youth_kind in (YouthKind.RELABELLED, YouthKind.UNIVERSITY_NEAR):
        return _in_education(plan)
    return _in_education(plan) | ~Q(special_need="")


def _fits(plan: Plan) -> Q:
    """Everything but the status that decides whether an active candidate is excluded, in the
    pure function's order: arrears (R3.3), wishes, R26, and for youth dwellings the group."""
    d = plan.dwelling
    fits = ~Q(_in_arrears(plan)) & _wants_kind(d.kind)
    fits &= Q(rooms_min__lte=plan.rooms, rooms_max__gte=plan.rooms)
    fits &= Q(max_rent__isnull=True) | Q(max_rent__gte=plan.monthly_rent)
    if d.floor is not None:
        fits &= Q(floor_max__isnull=True) | Q(floor_max__gte=d.floor)
    if not d.has_elevator and (d.floor or 0) > 0:
        fits &= Q(needs_elevator=False)
    fits &= Q(LessThanOrEqual(_household_members(), 2 * plan.rooms))  # R26
    if d.kind == DwellingKind.YOUTH:
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


def _gives_up(plan: Plan, *conditions: Q, **lookups) -> Q:
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
    leases = Lease.objects.filter(holds, *conditions, pk=OuterRef("gives_up_id"), **lookups)
    return Q(Exists(leases))


# --- Slices -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Slice:
    queryset: QuerySet  # of entry ids
    capped: int | None  # the LIMIT, or None when read whole


def _on_list(plan: Plan, list_id: int, status: str, precedes: bool | None = None) -> QuerySet[Entry]:
    entries = Entry.objects.filter(waiting_list_id=list_id, status=status).filter(_wants_department(plan))
    if precedes is not None:
        entries = entries.filter(precedes_r93=precedes)
    if plan.skip:
        entries = entries.exclude(pk__in=plan.skip)
    if plan.kind_of(list_id) == ListKind.INTERNAL:
        entries = entries.alias(gives_up_id=_current_lease(plan))
    return entries


def _head(entries: QuerySet[Entry], n: int) -> Slice:
    """The first ``n`` in list order: walks the queue index and stops."""
    return Slice(entries.order_by("seniority_date", "pk").values("id")[:n], n)


def _whole(entries: QuerySet[Entry]) -> Slice:
    """A sparse tier read whole (no ORDER BY, so the plan starts from the small table)."""
    return Slice(entries.order_by().values("id"), None)


def _general_slices(plan: Plan, list_id: int, limit: int) -> list[Slice]:
    eligible = _on_list(plan, list_id, EntryStatus.ACTIVE).filter(_fits(plan))
    slices = [_head(eligible, limit)]  # R2.1: everyone by seniority
    if plan.r4_possible and not plan.general_uses_r5:  # R5.4: R4 is ignored under R5.1–R5.3
        slices.append(_head(eligible.filter(_has_children(plan)), limit))
    needs = _need_holders(plan, internal=False)
    if needs is not None:
        slices.append(_whole(eligible.filter(person_id__in=needs)))
    if plan.r6_possible:
        slices.append(_whole(eligible.filter(person_id__in=_guarantee_holders(plan))))
    if plan.r8_2_possible:
        slices.append(_whole(eligible.filter(person_id__in=_separation_holders(plan))))
    return slices


def _internal_slices(plan: Plan, list_id: int, precedes: bool, limit: int) -> list[Slice]:
    """Key prefixes (tier, r4): (6,0) same department and R4 not against them, (6,1) same
    department, (7,0) any holder with R4 not against them, (7,1) any holder. "R4 against" = the
    § 4 agreement applies (larger dwelling, 3+ rooms) and the household has no children."""
    eligible = _on_list(plan, list_id, EntryStatus.ACTIVE, precedes).filter(_fits(plan))
    department = plan.dwelling.department_id
    slices = []
    if plan.r4_possible:
        not_larger = Q(dwelling__gross_floor_area__gte=plan.gross_floor_area)
        children = Q(_has_children(plan))
        slices.append(
            _head(
                eligible.filter(
                    _gives_up(plan, not_larger, dwelling__department_id=department)
                    | _gives_up(plan, dwelling__department_id=department) & children
                ),
                limit,
            )
        )
        slices.append(_head(eligible.filter(_gives_up(plan, not_larger) | _gives_up(plan) & children), limit))
    slices.append(_head(eligible.filter(_gives_up(plan, dwelling__department_id=department)), limit))
    slices.append(_head(eligible.filter(_gives_up(plan)), limit))
    needs = _need_holders(plan, internal=True)
    if needs is not None:  # R10.2–R10.4, read whole
        slices.append(_whole(eligible.filter(_gives_up(plan), person_id__in=needs)))
    if plan.r8_2_possible:  # R8.2 holders join the § 7 holders
        slices.append(_whole(eligible.filter(person_id__in=_separation_holders(plan))))
    return slices


def placed_slices(plan: Plan, limit: int) -> list[Slice]:
    """The slices whose union holds the top ``limit`` of the ranking (see the module docstring)."""
    if plan.dwelling.kind == DwellingKind.YOUTH:
        return [
            _head(_on_list(plan, list_id, EntryStatus.ACTIVE).filter(_fits(plan)), limit)
            for list_id in plan.lists_of(ListKind.YOUTH)
        ]
    slices = []
    # On the internal turn the general list is read too: it takes over when no one holds an
    # internal priority (R7), and only ``rank`` can tell.
    for list_id in plan.lists_of(ListKind.GENERAL):
        slices += _general_slices(plan, list_id, limit)
    if plan.rules.internal_turn:
        for list_id in plan.lists_of(ListKind.INTERNAL):
            for precedes in (True, False):
                slices += _internal_slices(plan, list_id, precedes, limit)
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
    """For each list kind in ``bounds``: the first ``cap`` passed over ahead of the bound, per
    kind of exclusion — passive; active but excluded (arrears, wishes, R26, youth group); and on
    the internal list, eligible but without § 7 or R8.2 priority (R7, R8.1, R8.3)."""
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
            slices.append(_head(passive, cap))
            slices.append(_head(active.exclude(_fits(plan)), cap))
            if kind == ListKind.INTERNAL:
                no_priority = active.filter(_fits(plan)).exclude(_gives_up(plan))
                if plan.r8_2_possible:
                    no_priority = no_priority.exclude(person_id__in=_separation_holders(plan))
                slices.append(_head(no_priority, cap))
    return slices


# --- Reading ----------------------------------------------------------------------------------------


def union_sql(slices: list[Slice]) -> tuple[str, list]:
    """One statement for all the slices: each compiled by Django (with its parameters) as a
    subquery in FROM, so each keeps its own ORDER BY/LIMIT — on SQLite as on PostgreSQL. Each
    row is (entry id, slice number)."""
    parts, params = [], []
    for index, piece in enumerate(slices):
        sql, piece_params = piece.queryset.query.get_compiler(using=piece.queryset.db).as_sql()
        parts.append(f"SELECT id, {index} AS slice FROM ({sql}) AS s{index}")  # noqa: S608 — Django's SQL
        params.extend(piece_params)
    return " UNION ALL ".join(parts), params


def fetch_ids(slices: list[Slice]) -> tuple[list[int], list[int]]:
    """The distinct entry ids the slices give (one query), and how many rows each gave."""
    if not slices:
        return [], []
    sql, params = union_sql(slices)
    counts = [0] * len(slices)
    ids: dict[int, None] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for entry_id, index in cursor.fetchall():
            ids[entry_id] = None
            counts[index] += 1
    return list(ids), counts


def any_full(slices: list[Slice], counts: list[int]) -> bool:
    """Whether a capped slice came back full (so more may lie behind it)."""
    return any(s.capped is not None and n >= s.capped for s, n in zip(slices, counts, strict=True))


@dataclass
class Loaded:
    candidates: list[Candidate]
    person_ids: dict[int, int]  # entry id → person id (for the access log)


def load(plan: Plan, entry_ids: list[int]) -> Loaded:
    """The entries as ``Candidate`` facts: one query for the entries with their facts (the same
    SQL expressions the slices filter on), one for the wished departments, and on the internal
    turn one for the dwellings given up."""
    if not entry_ids:
        return Loaded([], {})
    entries = list(
        Entry.objects.filter(pk__in=entry_ids)
        .select_related("person", "person__priority_need")
        .annotate(
            in_arrears=_in_arrears(plan),
            household_members=_household_members(),
            has_children=_has_children(plan),
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
    )
    internal = set(plan.lists_of(ListKind.INTERNAL))
    wishes: dict[int, set[int]] = {}
    through = Entry.departments.through
    for entry_id, department_id in through.objects.filter(entry_id__in=entry_ids).values_list(
        "entry_id", "department_id"
    ):
        wishes.setdefault(entry_id, set()).add(department_id)
    gives_up: dict[int, CurrentDwelling] = {}
    tenants = [e.person_id for e in entries if e.waiting_list_id in internal]
    if tenants and plan.rules.internal_turn:
        gives_up = _dwellings_given_up(plan, tenants)
    candidates = [
        _candidate(
            plan,
            entry,
            wishes.get(entry.pk, ()),
            gives_up.get(entry.person_id) if entry.waiting_list_id in internal else None,
        )
        for entry in entries
    ]
    return Loaded(candidates, {e.pk: e.person_id for e in entries})


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


def _candidate(
    plan: Plan, entry: Entry, wishes: Iterable[int], gives_up: CurrentDwelling | None
) -> Candidate:
    person = entry.person
    need = getattr(person, "priority_need", None)
    d = plan.dwelling
    return Candidate(
        entry_id=entry.pk,
        applicant_number=person.applicant_number,
        list_kind=plan.kind_of(entry.waiting_list_id),
        seniority_date=entry.seniority_date,
        status=entry.status,
        fee_arrears=entry.in_arrears,
        precedes_r93=entry.precedes_r93,
        departments=frozenset(wishes),
        dwelling_kinds=frozenset(entry.dwelling_kinds or ()),
        rooms_min=entry.rooms_min,
        rooms_max=entry.rooms_max,
        max_rent=float(entry.max_rent) if entry.max_rent is not None else None,
        floor_max=entry.floor_max,
        needs_elevator=entry.needs_elevator,
        household_size=max(1, entry.household_members),
        has_children=entry.has_children,
        elderly_or_disabled=bool(need and need.elderly_or_disabled),
        mobility_impaired=bool(need and need.mobility_impaired),
        household_member_mobility_impaired=bool(need and need.household_member_mobility_impaired),
        gives_up=gives_up,
        separation_priority_until=entry.separation_until,
        separation_kommune_id=d.kommune_id if entry.separation_until else None,
        guarantee_department_id=d.department_id if entry.guarantee_until else None,
        guarantee_valid_until=entry.guarantee_until,
        birth_date=person.birth_date,
        in_education=is_in_education(entry, plan.day),
        special_need=bool(entry.special_need),
        needs_support=entry.needs_support,
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
