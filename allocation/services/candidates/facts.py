"""The candidates' facts as ``Candidate`` rows for ``rank``, read in one query (``load``)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, Exists, ExpressionWrapper, F, JSONField, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject

from waitinglists.models import Entry, ListKind
from waitinglists.services.registration import WISH_FIELDS

from ...models import (
    GuaranteeSetAside,
    GuaranteeState,
    HousingGuarantee,
    Lease,
    SeparationPriority,
)
from ...rules.ranking import Candidate, CurrentDwelling
from .conditions import _charges_in_arrears, _children, _household_members, _probe_value
from .plan import Plan


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
    "listed_before_seniority_scheme",
    "rehoused_outside",
    *WISH_FIELDS,
    "person__applicant_number",
    "person__birth_date",
    "person__priority_need__elderly_or_disabled",
    "person__priority_need__mobility_impaired",
    "person__priority_need__household_member_mobility_impaired",
)


def _given_up_json(plan: Plan) -> Subquery:
    """The dwelling an internal-list candidate gives up — their current lease in the
    organisation, chosen as ``_current_lease`` chooses — as one JSON object, so the facts of
    every candidate are read in one query."""
    dwelling = JSONObject(
        department_id=F("dwelling__department_id"),
        organisation_id=F("dwelling__department__organisation_id"),
        kind=F("dwelling__kind"),
        gross_floor_area=F("dwelling__gross_floor_area"),
        moved_in=F("starts_on"),
        fitted_elderly_disabled=F("dwelling__fitted_elderly_disabled"),
        fitted_mobility_impaired=F("dwelling__fitted_mobility_impaired"),
        fitted_large_household_mobility=F("dwelling__fitted_large_household_mobility"),
        sections_6_7_set_aside_until=F("sections_6_7_set_aside_until"),
    )
    leases = (
        Lease.objects.filter(
            person_id=OuterRef("person_id"),
            dwelling__department__organisation_id=plan.dwelling.organisation_id,
        )
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=plan.day))
        .order_by("-starts_on", "-pk")
        .values(given_up=dwelling)[:1]
    )
    return Subquery(leases, output_field=JSONField())


def _current_dwelling(value: dict | None) -> CurrentDwelling | None:
    if not value:
        return None
    moved_in = value["moved_in"]
    return CurrentDwelling(
        department_id=value["department_id"],
        organisation_id=value["organisation_id"],
        kind=value["kind"],
        gross_floor_area=float(value["gross_floor_area"]),
        moved_in=moved_in if isinstance(moved_in, datetime.date) else datetime.date.fromisoformat(moved_in),
        fitted_elderly_disabled=bool(value["fitted_elderly_disabled"]),
        fitted_mobility_impaired=bool(value["fitted_mobility_impaired"]),
        fitted_large_household_mobility=bool(value["fitted_large_household_mobility"]),
        sections_6_7_set_aside_until=_date_or_none(value.get("sections_6_7_set_aside_until")),
    )


def _date_or_none(value) -> datetime.date | None:
    """JSON gives dates as ISO text on PostgreSQL; SQLite's JSON may too."""
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(value)


def load(plan: Plan, entry_ids: list[int]) -> Loaded:
    """The entries as ``Candidate`` facts in one query: the entries with their facts (the same
    SQL expressions the slices filter on; plain rows, no model instances), on the internal turn
    the dwelling each gives up, and on PostgreSQL the wished departments as an array (elsewhere
    one more query reads them)."""
    if not entry_ids:
        return Loaded([], {})
    through = Entry.departments.through
    facts = {
        # Probed per row, not ``EXISTS`` (which PostgreSQL answers by reading every unpaid fee).
        "in_arrears": _probe_value(_charges_in_arrears(plan)),
        "household_members": _household_members(),
        "has_children": Exists(_children(plan)),
        "guarantee_until": Subquery(
            HousingGuarantee.objects.filter(
                person_id=OuterRef("person_id"),
                department_id=plan.dwelling.department_id,
                state=GuaranteeState.VALID,
            )
            .order_by("-valid_until")
            .values("valid_until")[:1]
        ),
        # R6.2: the guarantee was found not to apply to this vacancy.
        "guarantee_set_aside": Subquery(
            GuaranteeSetAside.objects.filter(
                guarantee__person_id=OuterRef("person_id"),
                guarantee__department_id=plan.dwelling.department_id,
                vacancy_id=plan.vacancy_id,
            ).values("provision")[:1]
        ),
        "separation_until": Subquery(
            SeparationPriority.objects.filter(
                person_id=OuterRef("person_id"),
                organisation_id=plan.dwelling.organisation_id,
                kommune_id=plan.dwelling.kommune_id,
            )
            .order_by("-valid_until")
            .values("valid_until")[:1]
        ),
    }
    if plan.dwelling.youth_kind == "startbolig" and plan.vacancy_id is not None:
        # R12.1 (§ 12, stk. 1, 4. pkt.): the kommune approves each startbolig *nomination* — after
        # the ranking names the applicant, through the approval request (``services.approvals``).
        # The ranking does not wait for it; it shows whether the approval is in (a startbolig
        # approval never lapses into approval, R42.3), and ``lease_check`` refuses the lease until it is.
        facts["startbolig_approved"] = ExpressionWrapper(
            Q(person_id__in=plan.approved_person_ids), output_field=BooleanField()
        )
    internal = set(plan.lists_of(ListKind.INTERNAL))
    # The dwelling given up: on the internal turn, and on the general turn of a dwelling fitted for
    # mobility, whose internal-list R10.3/R10.4 holders go before applicants without the need.
    if internal and (plan.rules.internal_turn or plan.mobility_fitted):
        facts["gives_up"] = _given_up_json(plan)
    in_one = connection.vendor == "postgresql"
    if in_one:
        facts["wishes"] = ArraySubquery(
            through.objects.filter(entry_id=OuterRef("pk")).values("department_id")
        )
    rows = list(
        Entry.objects.filter(pk__in=entry_ids).annotate(**facts).order_by().values(*FACT_FIELDS, *facts)
    )
    if in_one:
        wishes = {row["id"]: row["wishes"] or () for row in rows}
    else:
        wishes = {}
        for entry_id, department_id in through.objects.filter(entry_id__in=entry_ids).values_list(
            "entry_id", "department_id"
        ):
            wishes.setdefault(entry_id, []).append(department_id)
    candidates = [
        _candidate(
            plan,
            row,
            wishes.get(row["id"], ()),
            _current_dwelling(row.get("gives_up")) if row["waiting_list_id"] in internal else None,
        )
        for row in rows
    ]
    return Loaded(candidates, {row["id"]: row["person_id"] for row in rows})


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
        listed_before_seniority_scheme=row["listed_before_seniority_scheme"],
        rehoused_outside=row["rehoused_outside"],
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
        guarantee_set_aside=row["guarantee_set_aside"] or "",
        birth_date=row["person__birth_date"],
        # As ``_in_education`` asks it in SQL.
        in_education=bool(row["education_institution"]) and (education_end is None or education_end >= day),
        special_need=bool(row["special_need"]),
        needs_support=row["needs_support"],
        kommune_approved_startbolig=bool(row.get("startbolig_approved")),
        # § 12, stk. 2 (R12.2): as ``conditions._in_youth_group`` asks them in SQL.
        education_level=row["education_level"],
        annual_income=row["annual_income"],
        social_need=bool(row["social_need"]),
    )
