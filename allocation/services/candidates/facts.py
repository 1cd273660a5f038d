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

from housing.models import HouseholdRelation

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
# The entry's columns the facts read: the slices give them with each entry they find, so the facts
# of the entries picked are read from what the slices found, not from the table again.
# (Besides the id, seniority date and R9.4 mark every slice gives.)
ENTRY_COLUMNS = (
    *(
        sql.removeprefix("e.")
        for _name, sql in FACTS
        if sql.startswith("e.")
        and sql not in ("e.id", "e.seniority_date", "e.listed_before_seniority_scheme")
    ),
    "household_id",
)

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
        *_household(shape),
        # The guarantees for the department and the separation priorities of the organisation in the
        # kommune are few: read once each (``SPARSE``), joined to the entries by person.
        ("guarantee_until", "gt.until"),
        # R6.2: the guarantee was found not to apply to this vacancy.
        ("guarantee_set_aside", "gt.set_aside"),
        ("separation_until", "sp.until"),
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


# The sparse facts (``_computed``): each table read once for the statement, grouped by person.
SPARSE = (
    " LEFT JOIN (SELECT g.person_id, MAX(CASE WHEN g.state = 'valid' THEN g.valid_until END) AS until, "
    "MIN(a.provision) AS set_aside FROM allocation_housingguarantee g "
    "LEFT JOIN allocation_guaranteesetaside a ON a.guarantee_id = g.id AND a.vacancy_id = %(vacancy)s "
    "WHERE g.department_id = %(department)s GROUP BY g.person_id) AS gt ON gt.person_id = e.person_id"
    " LEFT JOIN (SELECT s.person_id, MAX(s.valid_until) AS until FROM allocation_separationpriority s "
    "WHERE s.organisation_id = %(organisation)s AND s.kommune_id = %(kommune)s GROUP BY s.person_id) AS sp "
    "ON sp.person_id = e.person_id"
)


def _household(shape: Shape) -> list[tuple[str, str]]:
    """The members of the entry's household (0 without one; the fact is at least 1) and whether a
    child under 18 is among them (R4): on PostgreSQL from one look at the members (``hh``)."""
    if shape.vendor == "postgresql":
        return [("household_members", "hh.members"), ("has_children", "COALESCE(hh.children, 0)")]
    return [
        (
            "household_members",
            "COALESCE((SELECT COUNT(*) FROM housing_householdmember m "
            "WHERE m.household_id = e.household_id), 0)",
        ),
        ("has_children", f"CASE WHEN {_children(shape).text} THEN 1 ELSE 0 END"),
    ]


def reads_given_up(shape: Shape) -> bool:
    """The dwelling given up: on the internal turn, and on the general turn of a dwelling fitted
    for mobility, whose internal-list R10.3/R10.4 holders go before applicants without the need."""
    return bool(shape.lists_of("internal")) and (shape.internal_turn or shape.mobility_fitted)


def facts_sql(shape: Shape, found: str, wanted: str) -> tuple[str, tuple[str, ...]]:
    """The facts of the entries whose ids ``wanted`` (SQL: a subquery) gives, their own columns
    (``ENTRY_COLUMNS``) from ``found`` (the slices' rows, an entry perhaps in several): one row each,
    its columns the names returned, in that order (plain rows; no model instances)."""
    facts = [*FACTS, *_computed(shape)]
    columns = ", ".join(("id", "seniority_date", "listed_before_seniority_scheme", *ENTRY_COLUMNS))
    if shape.vendor == "postgresql":
        entries = f"(SELECT DISTINCT ON (id) {columns} FROM {found} WHERE id IN ({wanted})) AS e"
        joins = (
            # The household's members and whether a child under 18 is among them, in one look.
            " LEFT JOIN LATERAL (SELECT COUNT(*) AS members, MAX(CASE WHEN c.id IS NULL THEN 0 ELSE 1 END) "
            "AS children FROM housing_householdmember m LEFT JOIN housing_person c ON c.id = m.person_id "
            f"AND m.relation = '{HouseholdRelation.CHILD}' AND c.birth_date > %(adult_born_by)s "
            "WHERE m.household_id = e.household_id) AS hh ON true"
        )
    else:
        # (SQLite takes the columns of any one row of each group: the same entry's.)
        entries = f"(SELECT {columns} FROM {found} WHERE id IN ({wanted}) GROUP BY id) AS e"
        joins = ""
    if reads_given_up(shape):
        leases = (
            "allocation_lease l JOIN housing_dwelling d ON d.id = l.dwelling_id "
            "JOIN housing_department dp ON dp.id = d.department_id"
        )
        if shape.vendor == "postgresql":
            # The current lease with its dwelling, in one probe per entry.
            joins += (
                f" LEFT JOIN LATERAL (SELECT {_GIVEN_UP_COLUMNS} FROM {leases} "
                "WHERE l.person_id = e.person_id "
                "AND dp.organisation_id = %(organisation)s AND (l.ends_on IS NULL OR l.ends_on >= %(day)s) "
                "ORDER BY l.starts_on DESC, l.id DESC LIMIT 1) AS gu ON true"
            )
        else:
            joins += (
                f" LEFT JOIN (SELECT {_GIVEN_UP_COLUMNS} FROM {leases}) AS gu "
                f"ON gu.id = {current_lease(shape)}"
            )
    if shape.vendor == "postgresql":
        # A look-up per entry: joined, the few hundred entries could make PostgreSQL read every
        # documented need first.
        need = (
            "LEFT JOIN LATERAL (SELECT n.elderly_or_disabled, n.mobility_impaired, "
            "n.household_member_mobility_impaired FROM allocation_priorityneed n "
            "WHERE n.person_id = e.person_id LIMIT 1) AS n ON true"
        )
    else:
        need = "LEFT JOIN allocation_priorityneed n ON n.person_id = e.person_id"
    selected = ", ".join(f"{sql} AS fact_{name}" for name, sql in facts)
    return (
        f"SELECT {selected} FROM {entries} JOIN housing_person p ON p.id = e.person_id {need}{SPARSE}{joins}",
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
    ``_computed`` order; ``at``: the optional ones' positions). Read a few hundred times a
    ranking: the values PostgreSQL gives are used as they come (SQLite's dates come as text)."""
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
    if plan.shape.vendor != "postgresql":
        seniority, education_end, birth_date = as_date(seniority), as_date(education_end), as_date(birth_date)
        guarantee_until, separation_until = as_date(guarantee_until), as_date(separation_until)
        income = _decimal(income)
    d = plan.dwelling
    kind = plan.kinds[list_id]
    given_up = at.get("given_up")
    approved = at.get("startbolig_approved")
    return Candidate.read(
        {
            "entry_id": entry_id,
            "applicant_number": applicant_number,
            "list_kind": kind,
            "seniority_date": seniority,
            "status": status,
            "fee_arrears": bool(arrears),
            "listed_before_seniority_scheme": bool(precedes),
            "rehoused_outside": bool(rehoused),
            "departments": _set(wishes),
            "dwelling_kinds": _set(kinds),
            "rooms_min": rooms_min,
            "rooms_max": rooms_max,
            "max_rent": float(max_rent) if max_rent is not None else None,
            "floor_max": floor_max,
            "needs_elevator": bool(needs_elevator),
            "household_size": max(1, members),
            "has_children": bool(children),
            # No documented need reads as none (the LEFT JOIN gives NULL).
            "elderly_or_disabled": bool(elderly_or_disabled),
            "mobility_impaired": bool(mobility_impaired),
            "household_member_mobility_impaired": bool(member_mobility_impaired),
            "gives_up": _given_up(facts, given_up) if given_up is not None and kind == "internal" else None,
            "separation_priority_until": separation_until,
            "separation_kommune_id": d.kommune_id if separation_until else None,
            "guarantee_department_id": d.department_id if guarantee_until else None,
            "guarantee_valid_until": guarantee_until,
            "guarantee_set_aside": set_aside or "",
            "birth_date": birth_date,
            # As ``_in_education`` asks it in SQL.
            "in_education": bool(institution)
            and (education_end is None or education_end >= plan.rules.today),
            "special_need": bool(special_need),
            "needs_support": bool(needs_support),
            "kommune_approved_startbolig": bool(facts[approved]) if approved is not None else False,
            # § 12, stk. 2 (R12.2): as ``conditions._in_youth_group`` asks them in SQL.
            "education_level": education_level,
            "annual_income": income,
            "social_need": bool(social_need),
        }
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
