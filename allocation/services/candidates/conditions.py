"""The facts as SQL conditions on an entry row (subqueries, never joins), and the conditions
compiled once per ranking (``Sql``, ``_sql``). See the package docstring for why they are
written as scalar probes."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import (
    Case,
    Count,
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
from django.db.models.lookups import Contains, Exact

from housing.models import DwellingKind, HouseholdMember, HouseholdRelation, Person, YouthKind
from waitinglists.models import Entry, FeeCharge
from waitinglists.selectors import ARREARS_STATES

from ...models import GuaranteeState, HousingGuarantee, Lease, PriorityNeed, SeparationPriority
from ...rules.ranking import YouthGroup
from .plan import NO_TRANSFER_PRIORITY_KINDS, Plan

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


def _in_youth_group(plan: Plan, group: YouthGroup) -> Q:
    """§ 12, stk. 2 (R12.2): meets every condition of one priority group of the letting
    guideline, as ``rules.ranking.youth_group`` asks it: in education at one of its levels,
    documented income below its ceiling (none documented does not meet it), documented social
    circumstances. Columns of the entry row only."""
    condition = Q()
    if group.education_levels:
        condition &= _in_education(plan) & Q(education_level__in=sorted(group.education_levels))
    if group.income_below is not None:
        condition &= Q(annual_income__lt=group.income_below)
    if group.social_need:
        condition &= ~Q(social_need="")
    return condition


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
    is excluded, as the pure function's exclusions: the wishes, and for youth dwellings the
    eligible group (R12.1, R13). An unpaid fee (R3.3) and more than two persons per room (R26)
    exclude nobody: the pure function shows them as flags on the placed."""
    fits = _wishes_fit(plan)
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
    if d.fitted_elderly_disabled and (internal or plan.rules.elder_disabled_priority_decided):
        flags |= Q(elderly_or_disabled=True)
    if not flags:
        return None
    return Subquery(PriorityNeed.objects.filter(flags).values("person_id"))


def _mobility_need_holders(plan: Plan) -> Subquery:
    """Persons with a documented need that can place them for this dwelling fitted for mobility
    from the other list of the turn (§ 5, stk. 2–3; § 10, stk. 3–4): ids only, as above."""
    d = plan.dwelling
    flags = Q()
    if d.fitted_large_household_mobility:
        flags |= Q(household_member_mobility_impaired=True)
    if d.fitted_mobility_impaired:
        flags |= Q(mobility_impaired=True)
    return Subquery(PriorityNeed.objects.filter(flags).values("person_id"))


def _guarantee_holders(plan: Plan) -> Subquery:
    # R6.2: a guarantee found not to apply to this vacancy (the holder must be rejected under
    # almenboligloven § 51 b or § 51 c) places nobody by R6 here.
    return Subquery(
        HousingGuarantee.objects.filter(
            department_id=plan.dwelling.department_id, state=GuaranteeState.VALID, valid_until__gte=plan.day
        )
        .exclude(set_asides__vacancy_id=plan.vacancy_id)
        .values("person_id")
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
    # R1.8: while an udslusnings- or inklusionsbolig lease sets §§ 6–7 aside, no § 7 priority.
    holds = Q(sections_6_7_set_aside_until__isnull=True) | Q(sections_6_7_set_aside_until__lt=plan.day)
    if plan.rules.no_transfer_priority_for_youth_elder_tenants:
        holds &= ~Q(dwelling__kind__in=NO_TRANSFER_PRIORITY_KINDS)
    if plan.transfer_moved_in_by is not None:
        lived_long_enough = Q(starts_on__lte=plan.transfer_moved_in_by)
        if plan.rules.transfer_residence_departments is not None:
            lived_long_enough |= ~Q(dwelling__department_id__in=plan.rules.transfer_residence_departments)
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


def _rehoused_sql(plan: Plan) -> Sql:
    """R9.2: rehoused outside the organisation (almenlejeloven § 86) and no current lease in it —
    holds the § 7 priority by the kept internal seniority (as ``_holds_transfer_priority``)."""
    return _sql(plan, "rehoused", lambda p: Q(rehoused_outside=True, gives_up_id__isnull=True), gives_up=True)


def _holds_sql(plan: Plan) -> Sql:
    """Holds the § 7 priority: through the dwelling given up, or rehoused outside (R9.2)."""
    return _gives_up_sql(plan) | _rehoused_sql(plan)


def _separation_sql(plan: Plan) -> Sql:
    return _sql(plan, "separation", lambda p: Q(person_id__in=_separation_holders(p)))


def _youth_group_sql(plan: Plan, number: int, group: YouthGroup) -> Sql:
    """A group's conditions compiled once (a group with no condition holds everyone: ``ANY``)."""
    if not (group.education_levels or group.income_below is not None or group.social_need):
        return ANY
    return _sql(plan, f"youth_group:{number}", lambda p: _in_youth_group(p, group))
