"""The priority ranking of a vacancy, read from the database.

``vacancy_ranking`` gives the same top ``limit`` as the pure ``allocation.rules.ranking.rank`` on
every candidate for the vacancy, at the cost of a fixed number of queries whatever the size of
the lists: the candidates that can reach the top are found slice by slice in SQL
(``allocation.services.candidates`` explains why that is exact), and ``rank`` decides on them
alone. The letting rules come from the decisions in force on the day: the organisation's
(R6, R8.1–R8.3), the kommune's (R5.1, R40), the § 4 agreement (R4) and for a youth dwelling the
letting guideline (R12.2).

**Near the limit.** A ranking costs two statements: the marker of the decisions (below), and
one statement that reads the slices, picks the entries ``rank`` must see and reads their facts
(``candidates.statement_for``) — built once per plan *shape* with every value bound, prepared
once per connection (and planned once: ``plan_cache_mode=force_generic_plan`` in the settings),
so a vacancy of a shape seen before skips building, parsing and planning it whatever its
department and day. The rows come back as tuples; the only objects built are the ``Candidate``
facts ``rank`` reads. (An internal turn that falls back to the general list, R7, runs a second
statement for that list.) Prepared statements live with their connection: keep connections
(``CONN_MAX_AGE``) for them to outlive a request, and do not put the database behind a pooler in
transaction mode.

**Decisions in force, cached.** The organisation's decisions (policy, § 4 agreements, youth
guideline) and lists, and the kommune's decisions, are read once per organisation, kommune and
day (one statement, ``_read_decisions``) and kept in the process, keyed by a marker of every table
they come from — the number of rows and of history rows, and the newest history id and time of
each — read in one small statement per ranking. Every change to a decision writes a history row
(``audited_save``, the admin), so a change anywhere, in any process, gives a new marker and the
decisions are read again.

Reading the ranking shows health facts (R5.1–R5.3, R10.2–R10.4 explanations); whoever shows it
logs that with ``health_reads_log``.
"""

from __future__ import annotations

import datetime
import functools
import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from housing.models import (
    AccessKind,
    AccessPurpose,
    Dwelling,
    DwellingKind,
    HousingOrganisation,
    PersonalDataAccess,
)
from waitinglists.models import ListKind, WaitingList

from ..models import (
    AgreementKind,
    KommuneLettingDecision,
    LettingAgreement,
    OrganisationLettingPolicy,
    Vacancy,
    YouthLettingGuideline,
    YouthPriorityGroup,
)
from ..rules.ranking import (
    Candidate,
    DwellingFacts,
    Excluded,
    LettingRules,
    Placed,
    Ranking,
    YouthGuideline,
    rank,
)
from . import candidates as sql
from .candidates.facts import as_date
from .candidates.statement import (
    ENTRY,
    FACTS_START,
    PRECEDES,
    SENIORITY,
    SLICE,
    prepared_cursor,
    run,
    statement_for,
)
from .policies import kommune_decision_in_force, policy_in_force
from .youth import guideline_facts

# Explanations under these rules reveal a documented health need (GDPR art. 9).
HEALTH_RULES = frozenset({"R5.1", "R5.2", "R5.3", "R10.2", "R10.3", "R10.4"})
# Load the vacancy with these to save ``vacancy_ranking`` a query.
RANKING_RELATED = ("dwelling__department", "organisation__shared_list")
EXCLUDED_LIMIT = 100


@dataclass
class VacancyRanking:
    """A vacancy's ranking as read from the database.

    ``ranking.placed`` is the top ``limit`` exactly as ``rank`` orders every candidate (ranks
    1…n, the rule and the explanation of each). ``ranking.excluded`` are the candidates passed
    over *ahead of the last placed one* in list order — on the list the dwelling goes by, and on
    the internal turn that fell back to the general list (R7) every internal-list candidate too —
    in list order, at most ``excluded_limit`` per list kind; ``excluded_total`` counts them all
    (each kind of exclusion counted up to ``candidates.COUNT_CAP``; ``excluded_total_capped``
    says a count stopped there). ``person_ids`` maps each entry shown to its person, for the
    access log.

    The count is deferred: when more were passed over than were read, counting them walks the
    list behind the ones shown (on an internal list of 100,000 that costs more than the whole
    ranking), so it is asked for — one query — only when ``excluded_total`` (or ``counts``) is
    first read. The vacancy page does not show it; the API does."""

    vacancy_id: int
    day: datetime.date
    limit: int
    facts: DwellingFacts
    rules: LettingRules
    ranking: Ranking
    person_ids: dict[int, int]
    # Known at once, or the query that counts them (run on first use).
    _total: tuple[int, bool] | None = field(default=None, repr=False)
    _count: Callable[[], tuple[int, bool]] | None = field(default=None, repr=False, compare=False)

    def _counted(self) -> tuple[int, bool]:
        if self._total is None:
            self._total = self._count()
            self._count = None
        return self._total

    @property
    def excluded_total(self) -> int:
        return self._counted()[0]

    @property
    def excluded_total_capped(self) -> bool:
        return self._counted()[1]

    @property
    def excluded_total_known(self) -> bool:
        """Whether the count is known without a further query."""
        return self._total is not None

    @property
    def counts(self) -> dict[str, int | bool]:
        return {
            "placed": len(self.ranking.placed),
            "excluded_shown": len(self.ranking.excluded),
            "excluded_total": self.excluded_total,
            "excluded_total_capped": self.excluded_total_capped,
        }


# --- The rules and the dwelling ---------------------------------------------------------------------


def _with_related(vacancy: Vacancy) -> Vacancy:
    """The vacancy with its dwelling, department and organisation (no query when loaded so)."""
    loaded = (
        Vacancy.dwelling.is_cached(vacancy)
        and Dwelling.department.is_cached(vacancy.dwelling)
        and Vacancy.organisation.is_cached(vacancy)
        and HousingOrganisation.shared_list.is_cached(vacancy.organisation)
    )
    if loaded:
        return vacancy
    return Vacancy.objects.select_related(*RANKING_RELATED).get(pk=vacancy.pk)


@functools.cache
def _marker_sql() -> str:
    """One row per table the decisions in force are read from: its rows, and of its history its
    rows, newest id and newest time (the time too: where ids are given again after a rollback,
    SQLite, the same counts and ids could otherwise stand for other decisions)."""
    live = [
        OrganisationLettingPolicy,
        OrganisationLettingPolicy.transfer_residence_departments.through,
        KommuneLettingDecision,
        LettingAgreement,
        YouthLettingGuideline,
        YouthPriorityGroup,
        WaitingList,
    ]
    histories = {
        OrganisationLettingPolicy.transfer_residence_departments.through: apps.get_model(
            "allocation", "HistoricalOrganisationLettingPolicy_transfer_residence_departments"
        )
    }
    quote = connection.ops.quote_name
    rows = []
    for model in live:
        history = model.history.model if hasattr(model, "history") else histories[model]
        dated = any(f.name == "history_date" for f in history._meta.fields)
        rows.append(
            f"SELECT (SELECT COUNT(*) FROM {quote(model._meta.db_table)}), COUNT(*), MAX(history_id), "  # noqa: S608
            f"{'MAX(history_date)' if dated else 'NULL'} FROM {quote(history._meta.db_table)}"
        )
    return " UNION ALL ".join(rows)


def decisions_marker() -> tuple:
    """A marker that changes whenever a decision the ranking reads changes (one small statement:
    each table's rows, its history rows, and its newest history id and time — a change writes a
    history row, and a row committed late with an older id still adds to the count)."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_marker_sql())
            return tuple(cursor.fetchall())
    with prepared_cursor() as cursor:
        cursor.execute(_marker_sql())
        return tuple(cursor.fetchall())


@dataclass(frozen=True)
class Decisions:
    """The decisions in force on a day — the organisation's and the kommune's (the latest with
    ``valid_from <= day`` of each kind: a decision taken but not yet in force does not count) —
    and the organisation's lists."""

    no_transfer_priority_for_youth_elder_tenants: bool
    separation_priority: bool
    transfer_residence_months: int | None
    transfer_residence_departments: frozenset[int] | None  # None: all departments (or no R8.3)
    issues_housing_guarantees: bool
    # § 4 agreements in force: (department, or None for all; kommune).
    children_agreements: tuple[tuple[int | None, int], ...]
    lists: tuple[tuple[int, str], ...]
    # The kommune's (R5.1, R40).
    elder_disabled_priority: bool
    housing_guarantees_off: bool  # R40: R6 switched off
    separation_priority_off: bool  # R40: R8.2 switched off


# One statement for all of them (PostgreSQL): the policy in force with its R8.3 departments, the
# § 4 agreements in force, the lists, the kommune's decision in force — as ``policy_in_force``,
# ``kommune_decision_in_force`` and ``candidates.lists_of_organisation`` read them with the ORM.
_DECISIONS_SQL = """
WITH policy AS (
    SELECT p.id, p.no_transfer_priority_for_youth_elder_tenants, p.separation_priority,
           p.transfer_residence_months, p.issues_housing_guarantees
    FROM allocation_organisationlettingpolicy p
    WHERE p.organisation_id = %(organisation)s AND p.valid_from <= %(day)s
    ORDER BY p.valid_from DESC LIMIT 1
)
SELECT
    (SELECT json_build_array(no_transfer_priority_for_youth_elder_tenants, separation_priority,
                             transfer_residence_months, issues_housing_guarantees) FROM policy),
    (SELECT json_agg(t.department_id) FROM {through} t JOIN policy ON t.{policy_column} = policy.id),
    (SELECT json_agg(json_build_array(a.department_id, a.kommune_id)) FROM allocation_lettingagreement a
     WHERE a.kind = %(children)s AND a.organisation_id = %(organisation)s AND a.valid_from <= %(day)s
       AND (a.valid_until IS NULL OR a.valid_until >= %(day)s)),
    (SELECT json_agg(json_build_array(w.id, w.kind) ORDER BY w.id) FROM waitinglists_waitinglist w
     WHERE (w.kind = 'internal' AND w.organisation_id = %(organisation)s)
        OR (w.kind = 'general' AND (w.organisation_id = %(organisation)s
                                    OR (w.organisation_id IS NULL AND w.controller_id = %(list_tenant)s)))
        OR (w.kind = 'youth' AND (w.organisation_id = %(organisation)s OR (w.organisation_id IS NULL
                                  AND w.controller_id IN (%(tenant)s, %(list_tenant)s))))),
    (SELECT json_build_array(k.elder_disabled_priority, k.housing_guarantees_off, k.separation_priority_off)
     FROM allocation_kommunelettingdecision k WHERE k.kommune_id = %(kommune)s AND k.valid_from <= %(day)s
     ORDER BY k.valid_from DESC LIMIT 1)
"""


@functools.cache
def _decisions_sql() -> str:
    through = OrganisationLettingPolicy.transfer_residence_departments.through
    policy_column = through._meta.get_field("organisationlettingpolicy").column
    return _DECISIONS_SQL.format(through=through._meta.db_table, policy_column=policy_column)


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _read_decisions(
    organisation_id: int, tenant_id: int, list_tenant_id: int, kommune_id: int, day: datetime.date
) -> Decisions:
    """The decisions in force, in one statement on PostgreSQL (elsewhere through the ORM)."""
    if connection.vendor != "postgresql":
        return _read_decisions_orm(organisation_id, tenant_id, list_tenant_id, kommune_id, day)
    values = {
        "organisation": organisation_id,
        "tenant": tenant_id,
        "list_tenant": list_tenant_id,
        "kommune": kommune_id,
        "day": day,
        "children": AgreementKind.CHILDREN_PRIORITY.value,
    }
    with prepared_cursor() as cursor:
        cursor.execute(_decisions_sql(), sql.adapted(values, "postgresql"))
        policy, departments, agreements, lists, kommune = (_json(value) for value in cursor.fetchone())
    no_transfer, separation, months, guarantees = policy or (False, False, None, False)
    elder, guarantees_off, separation_off = kommune or (False, False, False)
    return Decisions(
        no_transfer_priority_for_youth_elder_tenants=bool(no_transfer),
        separation_priority=bool(separation),
        transfer_residence_months=months or None,
        # No departments chosen: the residence period applies to all of them.
        transfer_residence_departments=frozenset(departments) or None if months and departments else None,
        issues_housing_guarantees=bool(guarantees),
        children_agreements=tuple(tuple(agreement) for agreement in agreements or ()),
        lists=tuple(tuple(wl) for wl in lists or ()),
        elder_disabled_priority=bool(elder),
        housing_guarantees_off=bool(guarantees_off),
        separation_priority_off=bool(separation_off),
    )


def _read_decisions_orm(
    organisation_id: int, tenant_id: int, list_tenant_id: int, kommune_id: int, day: datetime.date
) -> Decisions:
    policy = policy_in_force(organisation_id=organisation_id, day=day)
    months = policy.transfer_residence_months if policy else None
    departments = None
    if months:
        # No departments chosen: the residence period applies to all of them.
        departments = frozenset(policy.transfer_residence_departments.values_list("pk", flat=True)) or None
    agreements = (
        LettingAgreement.objects.filter(
            kind=AgreementKind.CHILDREN_PRIORITY, organisation_id=organisation_id, valid_from__lte=day
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .values_list("department_id", "kommune_id")
    )
    decision = kommune_decision_in_force(kommune_id=kommune_id, day=day)
    return Decisions(
        no_transfer_priority_for_youth_elder_tenants=bool(
            policy and policy.no_transfer_priority_for_youth_elder_tenants
        ),
        separation_priority=bool(policy and policy.separation_priority),
        transfer_residence_months=months or None,
        transfer_residence_departments=departments,
        issues_housing_guarantees=bool(policy and policy.issues_housing_guarantees),
        children_agreements=tuple(agreements),
        lists=sql.lists_of_organisation(
            organisation_id=organisation_id, tenant_id=tenant_id, list_tenant_id=list_tenant_id
        ),
        elder_disabled_priority=bool(decision and decision.elder_disabled_priority),
        housing_guarantees_off=bool(decision and decision.housing_guarantees_off),
        separation_priority_off=bool(decision and decision.separation_priority_off),
    )


# Keyed by the marker, so an entry of an older marker is never read again (and drops out).
@functools.lru_cache(maxsize=256)
def _decisions(
    organisation_id: int,
    tenant_id: int,
    list_tenant_id: int,
    kommune_id: int,
    day: datetime.date,
    marker: tuple,
) -> Decisions:
    return _read_decisions(organisation_id, tenant_id, list_tenant_id, kommune_id, day)


@functools.lru_cache(maxsize=256)
def _youth_guideline(organisation_id: int, day: datetime.date, marker: tuple) -> YouthGuideline | None:
    return guideline_facts(organisation_id=organisation_id, day=day)


def clear_caches() -> None:
    """Forget the decisions read and the statements built (the next ranking reads and builds
    them again; prepared statements stay with their connection)."""
    for cached in (_decisions, _youth_guideline, statement_for):
        cached.cache_clear()


def _in_force(
    vacancy: Vacancy, day: datetime.date, marker: tuple | None = None
) -> tuple[LettingRules, tuple[tuple[int, str], ...]]:
    """The letting rules for ``vacancy`` on ``day`` and the organisation's lists, from the
    decisions in force (read once per organisation, kommune and day; see the module docstring)."""
    department = vacancy.dwelling.department
    organisation = vacancy.organisation
    marker = decisions_marker() if marker is None else marker
    decided = _decisions(
        organisation.pk,
        organisation.tenant_id,
        organisation.list_tenant_id,
        department.kommune_id,
        day,
        marker,
    )
    switched_off = set()
    if decided.housing_guarantees_off:
        switched_off.add("R6")
    if decided.separation_priority_off:
        switched_off.add("R8.2")
    rules = LettingRules(
        today=day,
        internal_turn=vacancy.internal_turn,
        # R4: a § 4 agreement with the kommune in force, for the department or all departments.
        children_agreement=any(
            department_id in (None, department.pk) and kommune_id == department.kommune_id
            for department_id, kommune_id in decided.children_agreements
        ),
        elder_disabled_priority_decided=decided.elder_disabled_priority,
        no_transfer_priority_for_youth_elder_tenants=decided.no_transfer_priority_for_youth_elder_tenants,
        separation_priority=decided.separation_priority,
        transfer_residence_months=decided.transfer_residence_months,
        transfer_residence_departments=decided.transfer_residence_departments,
        issues_housing_guarantees=decided.issues_housing_guarantees,
        switched_off_by_kommune=frozenset(switched_off),
        # § 12, stk. 2 (R12.2): the youth letting guideline in force (youth dwellings only).
        youth_guideline=_youth_guideline(organisation.pk, day, marker)
        if vacancy.dwelling.kind == DwellingKind.YOUTH
        else None,
    )
    return rules, decided.lists


def letting_rules_for(vacancy: Vacancy, day: datetime.date, *, marker: tuple | None = None) -> LettingRules:
    """The decisions in force on ``day`` (the latest with ``valid_from <= day`` of each kind):
    a decision taken but not yet in force does not count; R40 switches R6 and R8.2 off.
    ``marker``: the ``decisions_marker()`` a caller ranking many vacancies at once read already
    (the scenario replay reads it once for all of them, saving a statement per vacancy)."""
    return _in_force(_with_related(vacancy), day, marker)[0]


def dwelling_facts(vacancy: Vacancy) -> DwellingFacts:
    vacancy = _with_related(vacancy)
    dwelling = vacancy.dwelling
    return DwellingFacts(
        department_id=dwelling.department_id,
        organisation_id=vacancy.organisation_id,
        kommune_id=dwelling.department.kommune_id,
        kind=dwelling.kind,
        rooms=dwelling.rooms,
        gross_floor_area=float(dwelling.gross_floor_area),
        monthly_rent=float(dwelling.monthly_rent),
        floor=dwelling.floor,
        has_elevator=dwelling.has_elevator,
        fitted_elderly_disabled=dwelling.fitted_elderly_disabled,
        fitted_mobility_impaired=dwelling.fitted_mobility_impaired,
        fitted_large_household_mobility=dwelling.fitted_large_household_mobility,
        youth_kind=dwelling.youth_kind or "",
        beboermaksimum_applied=dwelling.department.beboermaksimum_applied,
    )


# --- The ranking ------------------------------------------------------------------------------------


def _shown_kinds(facts: DwellingFacts, rules: LettingRules) -> tuple[str, ...]:
    """The lists whose passed-over candidates may be shown (the turn is known only after
    ranking: the internal turn may fall back to the general list, R7)."""
    if facts.kind == DwellingKind.YOUTH:
        return (ListKind.YOUTH,)
    if rules.internal_turn:
        return (ListKind.INTERNAL, ListKind.GENERAL)
    return (ListKind.GENERAL,)


def _more_behind(piece: sql.Piece, keys: list[sql.QueueKey], bounds: dict[str, sql.QueueKey | None]) -> bool:
    """Whether a slice of passed-over candidates may hold more ahead of its list's bound than
    it gave: it came back full, and none of what it gave lies at or beyond the bound."""
    if piece.list_kind not in bounds or len(keys) < (piece.capped or 0):
        return False
    bound = bounds[piece.list_kind]
    return bound is None or max(keys) < bound


def _bounds(ranking: Ranking, placed: list, rules: LettingRules) -> dict[str, sql.QueueKey | None]:
    """Which lists' passed-over candidates are shown, and up to which list position: that of the
    last placed of that list (None: all, as when nobody on that list was placed). The other list's
    holders of a mobility need placed on this list's turn (§ 5, stk. 2–3; § 10, stk. 3–4) do not
    bound it."""

    def last(kind: str) -> sql.QueueKey | None:
        keys = [sql.queue_key(p.candidate) for p in placed if p.candidate.list_kind == kind]
        return keys[-1] if keys else None

    if ranking.turn == "youth":
        return {ListKind.YOUTH: last(ListKind.YOUTH)}
    if ranking.turn == "internal":
        return {ListKind.INTERNAL: last(ListKind.INTERNAL)}
    if rules.internal_turn:  # R7: nobody held an internal priority, so all of them were passed over
        return {ListKind.INTERNAL: None, ListKind.GENERAL: last(ListKind.GENERAL)}
    return {ListKind.GENERAL: last(ListKind.GENERAL)}


def _passed_over(
    excluded: list[Excluded], bounds: dict[str, sql.QueueKey | None], per_kind: int
) -> list[Excluded]:
    """The excluded on the bounded lists ahead of their bound, in list order, at most
    ``per_kind`` per list kind (internal first)."""
    shown = []
    for kind in (ListKind.INTERNAL, ListKind.GENERAL, ListKind.YOUTH):
        if kind not in bounds:
            continue
        bound = bounds[kind]
        ahead = sorted(
            (
                x
                for x in excluded
                if x.candidate.list_kind == kind and (bound is None or sql.queue_key(x.candidate) < bound)
            ),
            key=lambda x: sql.queue_key(x.candidate),
        )
        shown += ahead[:per_kind]
    return shown


@dataclass
class _Read:
    """What the statements gave: each slice (``Piece``), each entry a slice gave with its place in
    its list's order, and the candidates ``rank`` must see with their persons."""

    pieces: list[sql.Piece] = field(default_factory=list)
    found: list[sql.Found] = field(default_factory=list)
    candidates: dict[int, Candidate] = field(default_factory=dict)
    person_ids: dict[int, int] = field(default_factory=dict)


def _read(plan: sql.Plan, kinds: tuple[str, ...], limit: int, excluded_limit: int, into: _Read) -> None:
    """Run the statement for the lists of ``kinds`` (placed, passed over, facts) and add what it
    gave to ``into`` (its slices numbered after those already there)."""
    compiled = statement_for(plan.shape, kinds, limit, excluded_limit)
    if compiled is None:
        return
    offset = len(into.pieces)
    into.pieces += compiled.pieces
    rows = run(compiled, plan)
    at, pieces, found = compiled.at, compiled.pieces, into.found
    has_facts, person = at["id"], at["person"]
    for row in rows:
        entry_id, index = row[ENTRY], row[SLICE]
        seniority = as_date(row[SENIORITY])
        if pieces[index].list_kind == ListKind.INTERNAL:
            key = (not row[PRECEDES], seniority, entry_id)
        else:
            key = (seniority, entry_id)
        found.append(sql.Found(entry_id, index + offset, key))
        if row[has_facts] is not None and entry_id not in into.person_ids:
            into.person_ids[entry_id] = row[person]
            into.candidates[entry_id] = sql.candidate(plan, row, at, FACTS_START)


def _count_passed_over(
    plan: sql.Plan,
    bounds: dict[str, sql.QueueKey | None],
    placed: list[Placed],
    limit: int,
    excluded_limit: int,
) -> tuple[int, bool]:
    """How many were passed over ahead of the last placed (one query). With fewer than ``limit``
    placed, everybody eligible was placed: count every candidate ahead of the bounds and take the
    placed away. Otherwise an eligible candidate may stand ahead unplaced (a lower tier), so each
    kind of exclusion is counted by its own test."""
    values = {**plan.values, **sql.bound_values(bounds)}
    vendor = plan.shape.vendor
    if len(placed) < limit:
        ahead, capped = sql.count_excluded(sql.ahead_slices(plan.shape, bounds), values, vendor)
        placed_ahead = sum(
            1
            for p in placed
            if p.candidate.list_kind in bounds
            and (
                bounds[p.candidate.list_kind] is None
                or sql.queue_key(p.candidate) < bounds[p.candidate.list_kind]
            )
        )
        return ahead - placed_ahead, capped
    return sql.count_excluded(sql.excluded_slices(plan.shape, bounds, excluded_limit), values, vendor)


def vacancy_ranking(
    vacancy: Vacancy,
    *,
    day: datetime.date | None = None,
    limit: int = 50,
    skip_entry_ids: Collection[int] = (),
    approved_person_ids: Collection[int] = (),
    excluded_limit: int = EXCLUDED_LIMIT,
) -> VacancyRanking:
    """The top ``limit`` candidates for the vacancy on ``day`` (default today), exactly as
    ``rank`` orders every candidate, and who was passed over ahead of the last of them.

    ``skip_entry_ids``: entries already offered this vacancy in earlier rounds (declined, or no
    answer) — left out altogether, so the ranks count the others. ``excluded_limit``: how many
    passed-over candidates to show per list (0: none). ``approved_person_ids``: persons whose letting
    of this vacancy the kommune approved (R12.1, shown for a startbolig) — the approvals app's
    answer, passed down by ``letting.workflow`` so this module does not read that app.

    Costs two statements whatever the number of candidates — the marker of the decisions in
    force and the one statement for the slices and the facts (a second on an internal turn that
    falls back to the general list) — when the decisions of the organisation and day are known
    (else one more on PostgreSQL — the policy, its R8.3 departments, the § 4 agreements, the lists
    and the kommune's decision in one statement; five through the ORM elsewhere — and for a youth
    dwelling one or two for the letting guideline); one more when ``vacancy`` comes without its
    dwelling (``RANKING_RELATED``), and one when the count of those passed over is read and more
    were passed over than shown. See ``candidates`` for why the cut is exact (R9.4's precedence
    included)."""
    if limit < 1 or excluded_limit < 0:
        raise ValueError("limit must be positive and excluded_limit not negative")
    day = day or timezone.localdate()
    vacancy = _with_related(vacancy)
    facts = dwelling_facts(vacancy)
    rules, lists = _in_force(vacancy, day)
    plan = sql.plan_for(vacancy, facts, rules, skip_entry_ids, approved_person_ids, lists=lists)

    read = _Read()
    kinds = _shown_kinds(facts, rules)
    if kinds == (ListKind.INTERNAL, ListKind.GENERAL):
        # The internal turn (§ 7). The internal list's slices hold only eligible § 7 / R8.2 / R10
        # priority holders, so whether they found anybody *is* whether ``rank`` keeps the turn:
        # read the general list only when it takes over (R7), not on every internal turn.
        _read(plan, (ListKind.INTERNAL,), limit, excluded_limit, read)
        # (Their read holds the general list's holders of a mobility need too: they do not keep
        # the turn, § 5, stk. 2–3 only puts them before the internal holders without the need.)
        if not any(
            read.pieces[row.slice].placed and read.pieces[row.slice].list_kind == ListKind.INTERNAL
            for row in read.found
        ):
            _read(plan, (ListKind.GENERAL,), limit, excluded_limit, read)
    else:
        _read(plan, kinds, limit, excluded_limit, read)
    pieces, found = read.pieces, read.found

    # Of the passed over, only the first ``excluded_limit`` of each list kind can be shown: the
    # statement read the facts of those alone; the others are counted by their place in the list.
    passed_over: dict[str, dict[int, sql.QueueKey]] = {}
    for row in found:
        if not pieces[row.slice].placed:
            passed_over.setdefault(pieces[row.slice].list_kind, {})[row.entry_id] = row.key
    final = rank(facts, list(read.candidates.values()), rules)
    placed = final.placed[:limit]

    bounds = _bounds(final, placed, rules)
    shown = _passed_over(final.excluded, bounds, excluded_limit)
    total = sum(
        1
        for kind, keyed in passed_over.items()
        if kind in bounds
        for key in keyed.values()
        if bounds[kind] is None or key < bounds[kind]
    )
    keys_by_slice: dict[int, list[sql.QueueKey]] = {}
    for row in found:
        keys_by_slice.setdefault(row.slice, []).append(row.key)
    more_behind = any(
        _more_behind(piece, keys_by_slice.get(index, []), bounds)
        for index, piece in enumerate(pieces)
        if not piece.placed
    )

    shown_ids = {p.candidate.entry_id for p in placed} | {x.candidate.entry_id for x in shown}
    return VacancyRanking(
        vacancy_id=vacancy.pk,
        day=day,
        limit=limit,
        facts=facts,
        rules=rules,
        ranking=Ranking(
            placed=placed,
            excluded=shown,
            turn=final.turn,
            fallback=final.fallback,
            notes=final.notes,
        ),
        person_ids={pk: read.person_ids[pk] for pk in shown_ids},
        _total=None if more_behind else (total, False),
        _count=functools.partial(_count_passed_over, plan, bounds, placed, limit, excluded_limit)
        if more_behind
        else None,
    )


# --- The access log ---------------------------------------------------------------------------------


def health_reads_log(user, result: VacancyRanking, *, purpose_text: str) -> int:
    """Record in the personal-data access log every candidate shown whose explanation reveals a
    documented health need (R5.1–R5.3, R10.2–R10.4): one row per person, in one bulk insert.
    Returns the number of rows."""
    rows, seen = [], set()
    for item in [*result.ranking.placed, *result.ranking.excluded]:
        if item.rule not in HEALTH_RULES:
            continue
        person_id = result.person_ids[item.candidate.entry_id]
        if person_id in seen:
            continue
        seen.add(person_id)
        rows.append(
            PersonalDataAccess(
                person_id=person_id,
                user=user,
                kind=AccessKind.SENSITIVE_READ,
                purpose=AccessPurpose.CASE_HANDLING,
                purpose_text=purpose_text.strip()[:300],
                detail=(
                    _("Documented priority need (%(rule)s) in the ranking of vacancy %(id)s")
                    % {"rule": item.rule, "id": result.vacancy_id}
                )[:200],
            )
        )
    if rows:
        PersonalDataAccess.objects.bulk_create(rows)
    return len(rows)
