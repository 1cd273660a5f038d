"""The facts as SQL conditions on an entry row ``e`` (subqueries, never joins), written by hand
from the plan's ``Shape``: a value (the department, the day, the dwelling's rooms…) enters only
as a named parameter (``%(department)s``) filled from ``Plan.values`` when the statement runs, so
the text is the same for every vacancy of the shape. Building the text costs microseconds; the
ORM took tens of milliseconds to compile the same subqueries.

Each test is written as PostgreSQL must run it inside a walk of the queue index (see the package
docstring): subqueries as scalar probes (``_probe``; an ``EXISTS`` may be turned into a join that
reads a whole table first), the row's own columns before any subquery. The few constructs SQLite
lacks (``jsonb`` containment, arrays) have a portable form for the embedded mode.
"""

# SQL text of our own: names, numbers and constants of ours; every value is a named parameter.
# ruff: noqa: S608

from __future__ import annotations

from dataclasses import dataclass

from housing.fees import ChargeState
from housing.models import DwellingKind, HouseholdRelation, YouthKind

from .plan import NO_TRANSFER_PRIORITY_KINDS, Shape

# R3.3: an unpaid fee past its due date (as ``waitinglists.selectors.ARREARS_STATES``).
ARREARS_STATES = (ChargeState.OPEN, ChargeState.REMINDED)


@dataclass(frozen=True)
class Sql:
    """A condition on an entry row as SQL text with named parameters, combined as text."""

    text: str

    def __and__(self, other: Sql) -> Sql:
        return Sql(f"({self.text}) AND ({other.text})")

    def __or__(self, other: Sql) -> Sql:
        return Sql(f"({self.text}) OR ({other.text})")

    def __invert__(self) -> Sql:
        return Sql(f"NOT ({self.text})")


ANY = Sql("1 = 1")


def _quoted(values) -> str:
    """Our own constants (enum values: letters and underscores) as an SQL list."""
    for value in values:
        if not str(value).replace("_", "").isalnum():
            raise ValueError(f"not a constant of ours: {value!r}")
    return ", ".join(f"'{value}'" for value in values)


def in_array(shape: Shape, column: str, name: str) -> str:
    """``column`` is one of the bound list ``name`` (``binding.Ids`` / ``Texts``): one parameter
    however many values."""
    if shape.vendor == "postgresql":
        return f"{column} = ANY(%({name})s)"
    return f"{column} IN (SELECT value FROM json_each(%({name})s))"


def _probe(subquery: str) -> str:
    """``EXISTS`` written as a scalar probe — ``COALESCE((SELECT 1 … LIMIT 1), 0) = 1``.

    Every dense slice must walk the queue index in order and probe each entry it passes (a few
    index look-ups) until it has its ``limit``. PostgreSQL turns a plain ``EXISTS`` into a join and
    may hash the whole other table before the first row (all unpaid fees, every household with
    children: seconds on a million persons); a scalar subquery it cannot flatten."""
    return f"COALESCE(({subquery} LIMIT 1), 0) = 1"


# --- The entry's own wishes and facts ------------------------------------------------------------


def _wants_department(shape: Shape) -> Sql:
    """The department is among the wishes, or there are none: ``COALESCE(MAX(wish = D), 1) = 1``
    over the entry's few wish rows — one index probe per entry walked. (The obvious ``EXISTS(wish
    = D) OR NOT EXISTS(any wish)`` lets PostgreSQL hash every wish for the department first: 70 ms
    on a list of 200,000 before the first row.)"""
    return Sql(
        "COALESCE((SELECT MAX(CASE WHEN x.department_id = %(department)s THEN 1 ELSE 0 END) "
        "FROM waitinglists_entry_departments x WHERE x.entry_id = e.id), 1) = 1"
    )


def _wants_kind(shape: Shape) -> str:
    """No wished kinds, or the dwelling's kind among them (JSON list on the row)."""
    kind = _quoted([shape.kind])
    if shape.vendor == "postgresql":
        return f"""(e.dwelling_kinds = '[]'::jsonb OR e.dwelling_kinds @> '["{shape.kind}"]'::jsonb)"""
    return (
        "(json_array_length(e.dwelling_kinds) = 0 "
        f"OR EXISTS (SELECT 1 FROM json_each(e.dwelling_kinds) WHERE value = {kind}))"
    )


def _wishes_fit(shape: Shape) -> Sql:
    """The wishes on the entry row itself (kinds, rooms, rent, floor, elevator): cheap column
    tests, so the slices ask them before any subquery."""
    tests = [
        _wants_kind(shape),
        "e.rooms_min <= %(rooms)s AND e.rooms_max >= %(rooms)s",
        "(e.max_rent IS NULL OR e.max_rent >= %(rent)s)",
    ]
    if shape.has_floor:
        tests.append("(e.floor_max IS NULL OR e.floor_max >= %(floor)s)")
    if shape.elevator_test:
        tests.append("NOT e.needs_elevator")
    return Sql(" AND ".join(tests))


def _in_education(shape: Shape) -> str:
    return (
        "(e.education_institution <> '' "
        "AND (e.education_expected_end IS NULL OR e.education_expected_end >= %(day)s))"
    )


def _youth_group(shape: Shape) -> Sql:
    """R12.1 / R13: who may have this youth dwelling."""
    if shape.youth_kind == YouthKind.STARTBOLIG:
        aged_18_to_24 = _probe(
            "SELECT 1 FROM housing_person p WHERE p.id = e.person_id "
            "AND p.birth_date <= %(adult_born_by)s AND p.birth_date > %(aged_25_born_by)s"
        )
        return Sql(f"e.needs_support AND {aged_18_to_24}")
    if shape.youth_kind in (YouthKind.RELABELLED, YouthKind.UNIVERSITY_NEAR):
        return Sql(_in_education(shape))
    return Sql(f"({_in_education(shape)} OR e.special_need <> '')")


def _in_youth_group(shape: Shape, number: int) -> Sql:
    """§ 12, stk. 2 (R12.2): meets every condition of one priority group of the letting
    guideline, as ``rules.ranking.youth_group`` asks it: in education at one of its levels,
    documented income below its ceiling (none documented does not meet it), documented social
    circumstances. Columns of the entry row only; group ``number``'s levels and ceiling are bound
    as ``group_N_levels`` and ``group_N_income``."""
    levels, income, social = shape.youth_groups[number]
    tests = []
    if levels:
        tests.append(
            f"{_in_education(shape)} AND {in_array(shape, 'e.education_level', f'group_{number}_levels')}"
        )
    if income:
        tests.append(f"e.annual_income < %(group_{number}_income)s")
    if social:
        tests.append("e.social_need <> ''")
    return Sql(" AND ".join(tests)) if tests else ANY


def _fits(shape: Shape) -> Sql:
    """Everything but the status and the department that decides whether an active candidate
    is excluded, as the pure function's exclusions: the wishes, and for youth dwellings the
    eligible group (R12.1, R13). An unpaid fee (R3.3) and more than two persons per room (R26)
    exclude nobody: the pure function shows them as flags on the placed."""
    fits = _wishes_fit(shape)
    if shape.kind == DwellingKind.YOUTH:
        fits &= _youth_group(shape)
    return fits


def _children(shape: Shape) -> Sql:
    """R4: a member registered as a child and under 18 on the day."""
    return Sql(
        _probe(
            "SELECT 1 FROM housing_householdmember m JOIN housing_person p ON p.id = m.person_id "
            f"WHERE m.household_id = e.household_id AND m.relation = '{HouseholdRelation.CHILD}' "
            "AND p.birth_date > %(adult_born_by)s"
        )
    )


# --- The persons of the sparse tiers (their ids only; health data never leaves the database) ------


def _need_flags(shape: Shape, *, internal: bool, mobility_only: bool = False) -> str | None:
    flags = []
    if shape.fitted_large_household_mobility:
        flags.append("n.household_member_mobility_impaired")
    if shape.fitted_mobility_impaired:
        flags.append("n.mobility_impaired")
    if (
        not mobility_only
        and shape.fitted_elderly_disabled
        and (internal or shape.elder_disabled_priority_decided)
    ):
        flags.append("n.elderly_or_disabled")
    return " OR ".join(flags) or None


def _need_holders(shape: Shape, *, internal: bool) -> Sql | None:
    """Persons with a documented need that can place them for this dwelling."""
    flags = _need_flags(shape, internal=internal)
    if flags is None:
        return None
    return Sql(f"e.person_id IN (SELECT n.person_id FROM allocation_priorityneed n WHERE {flags})")


def _mobility_need_holders(shape: Shape) -> Sql:
    """Persons with a documented need that can place them for this dwelling fitted for mobility
    from the other list of the turn (§ 5, stk. 2–3; § 10, stk. 3–4)."""
    flags = _need_flags(shape, internal=True, mobility_only=True)
    return Sql(f"e.person_id IN (SELECT n.person_id FROM allocation_priorityneed n WHERE {flags})")


def _guarantee_holders(shape: Shape) -> Sql:
    # R6.2: a guarantee found not to apply to this vacancy (the holder must be rejected under
    # almenboligloven § 51 b or § 51 c) places nobody by R6 here.
    return Sql(
        "e.person_id IN (SELECT g.person_id FROM allocation_housingguarantee g "
        "WHERE g.department_id = %(department)s AND g.state = 'valid' AND g.valid_until >= %(day)s "
        "AND NOT EXISTS (SELECT 1 FROM allocation_guaranteesetaside a "
        "WHERE a.guarantee_id = g.id AND a.vacancy_id = %(vacancy)s))"
    )


def _separation_holders(shape: Shape) -> Sql:
    return Sql(
        "e.person_id IN (SELECT s.person_id FROM allocation_separationpriority s "
        "WHERE s.organisation_id = %(organisation)s AND s.kommune_id = %(kommune)s "
        "AND s.valid_until >= %(day)s)"
    )


# A current lease in the organisation: not ended, or ending on or after the day.
_CURRENT = "dp.organisation_id = %(organisation)s AND (l.ends_on IS NULL OR l.ends_on >= %(day)s)"
_LEASES = (
    "allocation_lease l JOIN housing_dwelling d ON d.id = l.dwelling_id "
    "JOIN housing_department dp ON dp.id = d.department_id"
)


def current_lease(shape: Shape) -> str:
    """The lease an internal-list candidate gives up (§ 7): their current lease in the
    organisation, the latest one if several (its id, as a scalar subquery on ``e``)."""
    return (
        f"(SELECT l.id FROM {_LEASES} WHERE l.person_id = e.person_id AND {_CURRENT} "
        "ORDER BY l.starts_on DESC, l.id DESC LIMIT 1)"
    )


def _tenants(shape: Shape, *, same_department: bool = False) -> Sql:
    """Persons with a current lease in the organisation (or in the vacancy's department) — all
    who can hold the § 7 priority. Named as a plain semi-join beside the exact test, so
    PostgreSQL may start from the leases when few on the list are tenants, or walk the list when
    most are."""
    department = " AND d.department_id = %(department)s" if same_department else ""
    return Sql(f"e.person_id IN (SELECT l.person_id FROM {_LEASES} WHERE {_CURRENT}{department})")


def _current_lease_holds(shape: Shape, *, also: str = "") -> str:
    """Whether the current lease in the organisation (the latest, as ``current_lease`` chooses it)
    gives the § 7 priority — R1.8, and R8.1 and R8.3 as decided — and meets ``also`` (SQL on the
    lease ``l`` and its dwelling ``d``): NULL without a current lease. One probe per entry."""
    # R1.8: while an udslusnings- or inklusionsbolig lease sets §§ 6–7 aside, no § 7 priority.
    tests = ["(l.sections_6_7_set_aside_until IS NULL OR l.sections_6_7_set_aside_until < %(day)s)"]
    if shape.no_transfer_priority_for_youth_elder_tenants:
        tests.append(f"NOT d.kind IN ({_quoted(NO_TRANSFER_PRIORITY_KINDS)})")
    if shape.transfer_residence:
        lived_long_enough = "l.starts_on <= %(transfer_moved_in_by)s"
        if not shape.transfer_residence_all_departments:
            elsewhere = in_array(shape, "d.department_id", "residence_departments")
            lived_long_enough = f"({lived_long_enough} OR NOT ({elsewhere}))"
        tests.append(lived_long_enough)
    if also:
        tests.append(f"({also})")
    holds = " AND ".join(tests)
    return (
        f"(SELECT CASE WHEN {holds} THEN 1 ELSE 0 END FROM {_LEASES} "
        f"WHERE l.person_id = e.person_id AND {_CURRENT} ORDER BY l.starts_on DESC, l.id DESC LIMIT 1)"
    )


def _gives_up(shape: Shape, *, same: bool = False, not_larger_or_children: bool = False) -> Sql:
    """Holds the § 7 priority through the dwelling given up (R1.8, and R8.1 and R8.3 as decided),
    optionally one in the vacancy's department (R10.1), and/or either not smaller than the vacant
    one (R4 does not apply, § 7, 3. pkt.) or given up by a household with children (which R4
    favours)."""
    also = []
    if same:
        also.append("d.department_id = %(department)s")
    if not_larger_or_children:
        also.append(f"d.gross_floor_area >= %(gross_floor_area)s OR {_children(shape).text}")
    return Sql(f"COALESCE({_current_lease_holds(shape, also=' AND '.join(also))}, 0) = 1")


def _rehoused(shape: Shape) -> Sql:
    """R9.2: rehoused outside the organisation (almenlejeloven § 86) and no current lease in it —
    holds the § 7 priority by the kept internal seniority (as ``_holds_transfer_priority``)."""
    return Sql(f"e.rehoused_outside AND {current_lease(shape)} IS NULL")


def _holds(shape: Shape) -> Sql:
    """Holds the § 7 priority: through the dwelling given up, or — with no current lease in the
    organisation — rehoused outside it (R9.2). One probe: the current lease's test, or else the
    entry's own mark."""
    return Sql(f"COALESCE({_current_lease_holds(shape)}, CASE WHEN e.rehoused_outside THEN 1 ELSE 0 END) = 1")


def _arrears(shape: Shape) -> str:
    """R3.3: 1 if an unpaid fee is past its due date, else 0 (a probe, as ``_probe``)."""
    return (
        "COALESCE((SELECT 1 FROM waitinglists_feecharge c WHERE c.entry_id = e.id "
        f"AND c.state IN ({_quoted(ARREARS_STATES)}) AND c.due_date < %(day)s LIMIT 1), 0)"
    )
