"""The candidates' facts for ``rank``: the SQL that reads them (``facts_sql``, a part of the
ranking's one statement) and the ``Candidate`` built from each row (``candidate``)."""

# SQL text of our own: names, numbers and constants of ours; every value is a named parameter.
# ruff: noqa: S608

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal

from ...rules.ranking import Candidate, CurrentDwelling
from .conditions import _arrears, _children, current_lease, in_array
from .plan import Plan, Shape

# --- What the statement reads of each candidate ---------------------------------------------------

# Always, in this order (``candidate`` unpacks them so): the entry's own columns (``e``), the
# person's (``p``) and the documented need's (``n``; health data: only these flags), then the facts
# the same SQL as the slices' computes (``conditions``).
FACTS = (
    ("id", "e.id"),
    ("list", "e.waiting_list_id"),
    ("person", "e.person_id"),
    ("seniority_date", "e.seniority_date"),
    ("status", "e.status"),
    ("listed_before_seniority_scheme", "e.listed_before_seniority_scheme"),
    ("rehoused_outside", "e.rehoused_outside"),
    ("dwelling_kinds", "e.dwelling_kinds"),
    ("rooms_min", "e.rooms_min"),
    ("rooms_max", "e.rooms_max"),
    ("max_rent", "e.max_rent"),
    ("floor_max", "e.floor_max"),
    ("needs_elevator", "e.needs_elevator"),
    ("education_institution", "e.education_institution"),
    ("education_expected_end", "e.education_expected_end"),
    ("special_need", "e.special_need"),
    ("needs_support", "e.needs_support"),
    ("education_level", "e.education_level"),
    ("annual_income", "e.annual_income"),
    ("social_need", "e.social_need"),
    ("applicant_number", "p.applicant_number"),
    ("birth_date", "p.birth_date"),
    ("elderly_or_disabled", "n.elderly_or_disabled"),
    ("mobility_impaired", "n.mobility_impaired"),
    ("household_member_mobility_impaired", "n.household_member_mobility_impaired"),
)
FACT_FIELDS = tuple(name for name, _sql in FACTS)

# The dwelling an internal-list candidate gives up (``conditions.current_lease``): the lease and
# its dwelling, as ``gu`` (after ``FACTS`` and the computed facts, when the shape reads it).
GIVEN_UP = (
    ("given_up", "gu.id"),
    ("given_up_department", "gu.department_id"),
    ("given_up_organisation", "gu.organisation_id"),
    ("given_up_kind", "gu.kind"),
    ("given_up_area", "gu.gross_floor_area"),
    ("given_up_moved_in", "gu.starts_on"),
    ("given_up_fitted_elderly_disabled", "gu.fitted_elderly_disabled"),
    ("given_up_fitted_mobility_impaired", "gu.fitted_mobility_impaired"),
    ("given_up_fitted_large_household_mobility", "gu.fitted_large_household_mobility"),
    ("given_up_set_aside_until", "gu.sections_6_7_set_aside_until"),
)
_GIVEN_UP_COLUMNS = (
    "l.id AS id, d.department_id AS department_id, dp.organisation_id AS organisation_id, d.kind AS kind, "
    "d.gross_floor_area AS gross_floor_area, l.starts_on AS starts_on, "
    "d.fitted_elderly_disabled AS fitted_elderly_disabled, "
    "d.fitted_mobility_impaired AS fitted_mobility_impaired, "
    "d.fitted_large_household_mobility AS fitted_large_household_mobility, "
    "l.sections_6_7_set_aside_until AS sections_6_7_set_aside_until"
)


def _computed(shape: Shape) -> list[tuple[str, str]]:
    """The facts read by subqueries (the same SQL the slices filter with, ``conditions``)."""
    wished = "FROM waitinglists_entry_departments x WHERE x.entry_id = e.id"
    facts = [
        # Probed per row, not ``EXISTS`` (which PostgreSQL answers by reading every unpaid fee).
        ("in_arrears", _arrears(shape)),
        (
            "household_members",
            "COALESCE((SELECT COUNT(*) FROM housing_householdmember m "
            "WHERE m.household_id = e.household_id), 0)",
        ),
        ("has_children", f"CASE WHEN {_children(shape).text} THEN 1 ELSE 0 END"),
        (
            "guarantee_until",
            "(SELECT g.valid_until FROM allocation_housingguarantee g WHERE g.person_id = e.person_id "
            "AND g.department_id = %(department)s AND g.state = 'valid' ORDER BY g.valid_until DESC LIMIT 1)",
        ),
        # R6.2: the guarantee was found not to apply to this vacancy.
        (
            "guarantee_set_aside",
            "(SELECT a.provision FROM allocation_guaranteesetaside a JOIN allocation_housingguarantee g "
            "ON g.id = a.guarantee_id WHERE g.person_id = e.person_id AND g.department_id = %(department)s "
            "AND a.vacancy_id = %(vacancy)s LIMIT 1)",
        ),
        (
            "separation_until",
            "(SELECT s.valid_until FROM allocation_separationpriority s WHERE s.person_id = e.person_id "
            "AND s.organisation_id = %(organisation)s AND s.kommune_id = %(kommune)s "
            "ORDER BY s.valid_until DESC LIMIT 1)",
        ),
        (
            "wishes",
            f"ARRAY(SELECT x.department_id {wished})"
            if shape.vendor == "postgresql"
            else f"(SELECT json_group_array(x.department_id) {wished})",
        ),
    ]
    if shape.startbolig_approvals:
        # R12.1 (§ 12, stk. 1, 4. pkt.): the kommune approves each startbolig *nomination* — after
        # the ranking names the applicant, through the approval request (``services.approvals``).
        # The ranking does not wait for it; it shows whether the approval is in (a startbolig
        # approval never lapses into approval, R42.3), and ``lease_check`` refuses the lease until it is.
        facts.append(
            (
                "startbolig_approved",
                f"CASE WHEN {in_array(shape, 'e.person_id', 'approved')} THEN 1 ELSE 0 END",
            )
        )
    if reads_given_up(shape):
        facts += GIVEN_UP
    return facts


def reads_given_up(shape: Shape) -> bool:
    """The dwelling given up: on the internal turn, and on the general turn of a dwelling fitted
    for mobility, whose internal-list R10.3/R10.4 holders go before applicants without the need."""
    return bool(shape.lists_of("internal")) and (shape.internal_turn or shape.mobility_fitted)


def facts_sql(shape: Shape, wanted: str) -> tuple[str, tuple[str, ...]]:
    """The facts of the entries whose ids ``wanted`` (SQL: a subquery) gives: one row each, its
    columns the names returned, in that order (plain rows; no model instances)."""
    facts = [*FACTS, *_computed(shape)]
    joins = ""
    if reads_given_up(shape):
        leases = (
            "allocation_lease l JOIN housing_dwelling d ON d.id = l.dwelling_id "
            "JOIN housing_department dp ON dp.id = d.department_id"
        )
        if shape.vendor == "postgresql":
            # The current lease with its dwelling, in one probe per entry.
            joins = (
                f" LEFT JOIN LATERAL (SELECT {_GIVEN_UP_COLUMNS} FROM {leases} "
                "WHERE l.person_id = e.person_id "
                "AND dp.organisation_id = %(organisation)s AND (l.ends_on IS NULL OR l.ends_on >= %(day)s) "
                "ORDER BY l.starts_on DESC, l.id DESC LIMIT 1) AS gu ON true"
            )
        else:
            joins = (
                f" LEFT JOIN (SELECT {_GIVEN_UP_COLUMNS} FROM {leases}) AS gu "
                f"ON gu.id = {current_lease(shape)}"
            )
    columns = ", ".join(f"{sql} AS fact_{name}" for name, sql in facts)
    return (
        f"SELECT {columns} FROM waitinglists_entry e JOIN housing_person p ON p.id = e.person_id "
        f"LEFT JOIN allocation_priorityneed n ON n.person_id = e.person_id{joins} WHERE e.id IN ({wanted})",
        tuple(name for name, _sql in facts),
    )


# --- A candidate from its row ------------------------------------------------------------------------


def as_date(value) -> datetime.date | None:
    """A date as the driver gives it (SQLite may give ISO text)."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value)[:10])


def _decimal(value) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    return Decimal(str(value))


@functools.lru_cache(maxsize=1024)
def _json_set(value: str) -> frozenset:
    """A JSON list as the driver gives it — text (Django has psycopg leave ``jsonb`` as text for its
    fields to decode; SQLite gives text) — as a set. Few distinct values: decoded once each."""
    return frozenset(json.loads(value))


def _set(value) -> frozenset:
    if value is None:
        return frozenset()
    return _json_set(value) if isinstance(value, str) else frozenset(value)


def candidate(plan: Plan, facts: Sequence, at: Mapping[str, int], start: int) -> Candidate:
    """The ``Candidate`` of one row (its facts from column ``start``, in ``FACTS`` and
    ``_computed`` order; ``at``: the optional ones' positions)."""
    (
        entry_id,
        list_id,
        _person,
        seniority,
        status,
        precedes,
        rehoused,
        kinds,
        rooms_min,
        rooms_max,
        max_rent,
        floor_max,
        needs_elevator,
        institution,
        education_end,
        special_need,
        needs_support,
        education_level,
        income,
        social_need,
        applicant_number,
        birth_date,
        elderly_or_disabled,
        mobility_impaired,
        member_mobility_impaired,
        arrears,
        members,
        children,
        guarantee_until,
        set_aside,
        separation_until,
        wishes,
    ) = facts[start : start + ALWAYS]
    d = plan.dwelling
    kind = plan.kind_of(list_id)
    education_end = as_date(education_end)
    guarantee_until = as_date(guarantee_until)
    separation_until = as_date(separation_until)
    given_up = at.get("given_up")
    approved = at.get("startbolig_approved")
    return Candidate.read(
        entry_id=entry_id,
        applicant_number=applicant_number,
        list_kind=kind,
        seniority_date=as_date(seniority),
        status=status,
        fee_arrears=bool(arrears),
        listed_before_seniority_scheme=bool(precedes),
        rehoused_outside=bool(rehoused),
        departments=_set(wishes),
        dwelling_kinds=_set(kinds),
        rooms_min=rooms_min,
        rooms_max=rooms_max,
        max_rent=float(max_rent) if max_rent is not None else None,
        floor_max=floor_max,
        needs_elevator=bool(needs_elevator),
        household_size=max(1, members),
        has_children=bool(children),
        # No documented need reads as none (the LEFT JOIN gives NULL).
        elderly_or_disabled=bool(elderly_or_disabled),
        mobility_impaired=bool(mobility_impaired),
        household_member_mobility_impaired=bool(member_mobility_impaired),
        gives_up=_given_up(facts, given_up) if given_up is not None and kind == "internal" else None,
        separation_priority_until=separation_until,
        separation_kommune_id=d.kommune_id if separation_until else None,
        guarantee_department_id=d.department_id if guarantee_until else None,
        guarantee_valid_until=guarantee_until,
        guarantee_set_aside=set_aside or "",
        birth_date=as_date(birth_date),
        # As ``_in_education`` asks it in SQL.
        in_education=bool(institution) and (education_end is None or education_end >= plan.day),
        special_need=bool(special_need),
        needs_support=bool(needs_support),
        kommune_approved_startbolig=bool(facts[approved]) if approved is not None else False,
        # § 12, stk. 2 (R12.2): as ``conditions._in_youth_group`` asks them in SQL.
        education_level=education_level,
        annual_income=_decimal(income),
        social_need=bool(social_need),
    )


# How many facts every row has (``FACTS`` and the computed ones every shape reads).
ALWAYS = len(FACTS) + 7


def _given_up(facts: Sequence, at: int) -> CurrentDwelling | None:
    lease, department, organisation, kind, area, moved_in, elderly, mobility, large, set_aside = facts[
        at : at + len(GIVEN_UP)
    ]
    if lease is None:
        return None
    return CurrentDwelling(
        department_id=department,
        organisation_id=organisation,
        kind=kind,
        gross_floor_area=float(area),
        moved_in=as_date(moved_in),
        fitted_elderly_disabled=bool(elderly),
        fitted_mobility_impaired=bool(mobility),
        fitted_large_household_mobility=bool(large),
        sections_6_7_set_aside_until=as_date(set_aside),
    )
