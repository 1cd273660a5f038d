"""The facts the ranking reads (a dwelling, a candidate, the letting rules in force) and what it
returns (placed, flagged and passed-over candidates): plain data, no database."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, fields
from decimal import Decimal

# --- Facts --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DwellingFacts:
    department_id: int
    organisation_id: int
    kommune_id: int
    kind: str  # "family" | "youth" | …
    rooms: int
    gross_floor_area: float
    monthly_rent: float
    floor: int | None = None
    has_elevator: bool = False
    fitted_elderly_disabled: bool = False  # R5.1 / R10.2
    fitted_mobility_impaired: bool = False  # R5.2 / R10.3
    fitted_large_household_mobility: bool = False  # R5.3 / R10.4
    youth_kind: str = ""  # "" | "startbolig" | "relabelled" | "university_near"
    # § 26 applies only where the beboermaksimum rules (§§ 52 a–52 c) are not applied.
    beboermaksimum_applied: bool = False


@dataclass(frozen=True)
class CurrentDwelling:
    """The dwelling an internal-list candidate gives up (§ 7: *samtidig afgiver en bolig*)."""

    department_id: int
    organisation_id: int
    kind: str
    gross_floor_area: float
    moved_in: datetime.date
    fitted_elderly_disabled: bool = False
    fitted_mobility_impaired: bool = False
    fitted_large_household_mobility: bool = False
    # R1.8: an udslusnings- or inklusionsbolig lease may set §§ 6–7 aside until this day.
    sections_6_7_set_aside_until: datetime.date | None = None


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    applicant_number: str
    list_kind: str  # "general" | "internal" | "youth"
    seniority_date: datetime.date
    status: str = "active"
    fee_arrears: bool = False  # R3.3: shown as a flag, never a reason to pass over
    listed_before_seniority_scheme: bool = False
    rehoused_outside: bool = False  # R9.2: rehoused outside the organisation (almenlejeloven § 86)
    # Wishes
    departments: frozenset[int] = frozenset()
    dwelling_kinds: frozenset[str] = frozenset()
    rooms_min: int = 1
    rooms_max: int = 20
    max_rent: float | None = None
    floor_max: int | None = None
    needs_elevator: bool = False
    # Household
    household_size: int = 1
    has_children: bool = False  # a child under 18 in the household (R4)
    elderly_or_disabled: bool = False  # R5.1, R10.2
    mobility_impaired: bool = False  # R5.2, R10.3
    household_member_mobility_impaired: bool = False  # R5.3, R10.4
    # Internal list
    gives_up: CurrentDwelling | None = None
    separation_priority_until: datetime.date | None = None  # R8.2, decided by the organisation
    separation_kommune_id: int | None = None
    # General list
    guarantee_department_id: int | None = None  # R6 boliggarantibevis
    guarantee_valid_until: datetime.date | None = None
    # R6.2: the holder must be rejected under almenboligloven § 51 b or § 51 c for this dwelling
    # ("51b" / "51c", judged when the guarantee was to be used): the priority does not apply.
    guarantee_set_aside: str = ""
    # Youth (R12–R13)
    birth_date: datetime.date | None = None
    in_education: bool = False
    special_need: bool = False
    needs_support: bool = False
    kommune_approved_startbolig: bool = False
    # The educational, economic and social facts a § 12, stk. 2 guideline weighs (R12.2).
    education_level: str = ""
    annual_income: Decimal | None = None
    social_need: bool = False

    @classmethod
    def read(cls, facts: dict) -> Candidate:
        """A candidate from a dict of *every* one of its facts (``CANDIDATE_FIELDS``, none left
        out), as read from the database; the dict becomes the candidate's own. The same object
        the constructor makes, without its field-by-field ``__init__``: a ranking reads a few
        hundred candidates, and a frozen dataclass sets each of its 35 fields with a call of its
        own. (A test holds its one caller to every field.)"""
        candidate = object.__new__(cls)
        object.__setattr__(candidate, "__dict__", facts)
        return candidate


CANDIDATE_FIELDS = frozenset(f.name for f in fields(Candidate))


@dataclass(frozen=True)
class YouthGroup:
    """A priority group of a youth letting guideline (§ 12, stk. 2): every condition set must hold.
    ``education_levels``: in education at one of them; ``income_below``: documented yearly income
    below it; ``social_need``: documented social circumstances."""

    number: int
    name: str
    education_levels: frozenset[str] = frozenset()
    income_below: Decimal | None = None
    social_need: bool = False


@dataclass(frozen=True)
class YouthGuideline:
    """The organisation's written letting guideline in force (§ 12, stk. 2, R12.2): its priority
    groups in order; inside a group, and after the last, the longest on the list goes first."""

    title: str
    valid_from: datetime.date
    groups: tuple[YouthGroup, ...] = ()


@dataclass(frozen=True)
class LettingRules:
    """The organisation's and the kommune's decisions in force for this vacancy."""

    today: datetime.date
    internal_turn: bool  # § 7: this vacancy is the internal list's turn
    children_agreement: bool = False  # § 4: children → dwellings of 3+ rooms
    elder_disabled_priority_decided: bool = False  # § 5, stk. 1 needs the kommune's decision
    no_transfer_priority_for_youth_elder_tenants: bool = False
    separation_priority: bool = False
    transfer_residence_months: int | None = None  # at most 24
    transfer_residence_departments: frozenset[int] | None = None  # None: all departments
    issues_housing_guarantees: bool = False
    switched_off_by_kommune: frozenset[str] = frozenset()  # {"R6", "R8.2"} switched off by the kommune
    youth_guideline: YouthGuideline | None = None  # § 12, stk. 2 (R12.2), youth dwellings only


# --- Results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Flag:
    """A fact shown beside a placed candidate that does not change the rank (R3.3, R26)."""

    rule: str
    text: str


@dataclass(frozen=True)
class Placed:
    rank: int
    candidate: Candidate
    rule: str
    explanation: str
    flags: tuple[Flag, ...] = ()


@dataclass(frozen=True)
class Excluded:
    candidate: Candidate
    rule: str
    reason: str


@dataclass
class Ranking:
    placed: list[Placed] = field(default_factory=list)
    excluded: list[Excluded] = field(default_factory=list)
    turn: str = "general"  # "internal" | "general" | "youth"
    fallback: str | None = None  # "R2.5" | "R12.3" when no eligible candidate is left
    notes: list[str] = field(default_factory=list)
