"""The priority ranking of a vacancy, read from the database.

``vacancy_ranking`` gives the same top ``limit`` as the pure ``allocation.rules.ranking.rank`` on
every candidate for the vacancy, at the cost of a fixed number of queries whatever the size of
the lists: the candidates that can reach the top are found slice by slice in SQL
(``allocation.services.candidates`` explains why that is exact), and ``rank`` decides on them
alone. The letting rules come from the decisions in force on the day: the organisation's
(R6, R8.1–R8.3), the kommune's (R5.1, R40), the § 4 agreement (R4) and for a youth dwelling the
letting guideline (R12.2).

Reading the ranking shows health facts (R5.1–R5.3, R10.2–R10.4 explanations); whoever shows it
logs that with ``health_reads_log``.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

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
from waitinglists.models import ListKind

from ..models import AgreementKind, LettingAgreement, Vacancy
from ..rules.ranking import DwellingFacts, Excluded, LettingRules, Placed, Ranking, rank
from . import candidates as sql
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


def _children_agreement(vacancy: Vacancy, day: datetime.date) -> bool:
    """R4: a § 4 agreement with the kommune in force, for the department or all departments."""
    department = vacancy.dwelling.department
    return (
        LettingAgreement.objects.filter(
            Q(department_id=department.pk) | Q(department__isnull=True),
            kind=AgreementKind.CHILDREN_PRIORITY,
            organisation_id=vacancy.organisation_id,
            kommune_id=department.kommune_id,
            valid_from__lte=day,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .exists()
    )


def letting_rules_for(vacancy: Vacancy, day: datetime.date) -> LettingRules:
    """The decisions in force on ``day`` (the latest with ``valid_from <= day`` of each kind):
    a decision taken but not yet in force does not count; R40 switches R6 and R8.2 off."""
    vacancy = _with_related(vacancy)
    department = vacancy.dwelling.department
    policy = policy_in_force(organisation_id=vacancy.organisation_id, day=day)
    decision = kommune_decision_in_force(kommune_id=department.kommune_id, day=day)
    months = policy.transfer_residence_months if policy else None
    transfer_residence_departments = None
    if months:
        # No departments chosen: the residence period applies to all of them.
        transfer_residence_departments = (
            frozenset(policy.transfer_residence_departments.values_list("pk", flat=True)) or None
        )
    switched_off = set()
    if decision is not None and decision.housing_guarantees_off:
        switched_off.add("R6")
    if decision is not None and decision.separation_priority_off:
        switched_off.add("R8.2")
    return LettingRules(
        today=day,
        internal_turn=vacancy.internal_turn,
        children_agreement=_children_agreement(vacancy, day),
        elder_disabled_priority_decided=bool(decision and decision.elder_disabled_priority),
        no_transfer_priority_for_youth_elder_tenants=bool(
            policy and policy.no_transfer_priority_for_youth_elder_tenants
        ),
        separation_priority=bool(policy and policy.separation_priority),
        transfer_residence_months=months or None,
        transfer_residence_departments=transfer_residence_departments,
        issues_housing_guarantees=bool(policy and policy.issues_housing_guarantees),
        switched_off_by_kommune=frozenset(switched_off),
        # § 12, stk. 2 (R12.2): the youth letting guideline in force (youth dwellings only).
        youth_guideline=guideline_facts(organisation_id=vacancy.organisation_id, day=day)
        if vacancy.dwelling.kind == DwellingKind.YOUTH
        else None,
    )


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


def _more_behind(piece: sql.Slice, keys: list[sql.QueueKey], bounds: dict[str, sql.QueueKey | None]) -> bool:
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


@functools.lru_cache(maxsize=256)
def _statement(
    plan: sql.Plan, kinds: tuple[str, ...], limit: int, excluded_limit: int, vendor: str
) -> tuple[tuple[sql.Slice, ...], int, tuple[str, tuple]]:
    """The slices of the lists of ``kinds`` that hold their part of the top ``limit``, then the
    first passed over on each of them that may be shown (from the top of the list; cut at the
    last placed after ranking), and the one statement that reads them all.

    Building and compiling the statement costs more than running it (a dozen subqueries through
    the ORM), and it depends on nothing but the plan — the dwelling, the decisions in force, the
    day, the lists and the entries skipped — never on the rows. So it is compiled once per plan
    and kept; a new day, decision, skipped entry or dwelling fact is a new plan."""
    placed = sql.placed_slices(plan, limit, kinds=kinds)
    excluded = sql.excluded_slices(plan, dict.fromkeys(kinds), excluded_limit) if excluded_limit else []
    text, params = sql.union_sql(placed + excluded)
    return tuple(placed + excluded), len(placed), (text, tuple(params))


def _read(
    plan: sql.Plan, kinds: tuple[str, ...], limit: int, excluded_limit: int
) -> tuple[list[sql.Slice], list[sql.Slice], list[sql.Found]]:
    """Read the slices of the lists of ``kinds`` (placed, then passed over) in one statement."""
    slices, n_placed, statement = _statement(plan, kinds, limit, excluded_limit, connection.vendor)
    return list(slices[:n_placed]), list(slices[n_placed:]), sql.fetch(list(slices), statement=statement)


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
    if len(placed) < limit:
        ahead, capped = sql.count_excluded(sql.ahead_slices(plan, bounds))
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
    return sql.count_excluded(sql.excluded_slices(plan, bounds, excluded_limit))


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

    Costs at most 9 queries whatever the number of candidates — the decisions in force (3–4; for a
    youth dwelling 1–2 more: the letting guideline with its groups),
    the lists, one statement for the slices (two on an internal turn that falls back to the
    general list), the facts, the wishes, on the internal turn the dwellings given up; one more
    when ``vacancy`` comes without its dwelling (``RANKING_RELATED``), and one when the count of
    those passed over is read and more were passed over than shown. See ``candidates`` for why
    the cut is exact (R9.4's precedence included)."""
    if limit < 1 or excluded_limit < 0:
        raise ValueError("limit must be positive and excluded_limit not negative")
    day = day or timezone.localdate()
    vacancy = _with_related(vacancy)
    facts = dwelling_facts(vacancy)
    rules = letting_rules_for(vacancy, day)
    plan = sql.plan_for(vacancy, facts, rules, skip_entry_ids, approved_person_ids)

    kinds = _shown_kinds(facts, rules)
    if kinds == (ListKind.INTERNAL, ListKind.GENERAL):
        # The internal turn (§ 7). The internal list's slices hold only eligible § 7 / R8.2 / R10
        # priority holders, so whether they found anybody *is* whether ``rank`` keeps the turn:
        # read the general list only when it takes over (R7), not on every internal turn.
        placed_slices, excluded_slices, found = _read(plan, (ListKind.INTERNAL,), limit, excluded_limit)
        # (Their read holds the general list's holders of a mobility need too: they do not keep
        # the turn, § 5, stk. 2–3 only puts them before the internal holders without the need.)
        if not any(
            row.slice < len(placed_slices) and placed_slices[row.slice].list_kind == ListKind.INTERNAL
            for row in found
        ):
            more_placed, more_excluded, more = _read(plan, (ListKind.GENERAL,), limit, excluded_limit)
            offset = len(placed_slices) + len(excluded_slices)
            found += [sql.Found(row.entry_id, row.slice + offset, row.key) for row in more]
            placed_indexes = set(range(len(placed_slices))) | {offset + i for i in range(len(more_placed))}
            slices = placed_slices + excluded_slices + more_placed + more_excluded
        else:
            placed_indexes = set(range(len(placed_slices)))
            slices = placed_slices + excluded_slices
    else:
        placed_slices, excluded_slices, found = _read(plan, kinds, limit, excluded_limit)
        placed_indexes = set(range(len(placed_slices)))
        slices = placed_slices + excluded_slices

    # Of the passed over, only the first ``excluded_limit`` of each list kind can be shown:
    # facts are read for those alone; the others are counted by their place in the list.
    passed_over: dict[str, dict[int, sql.QueueKey]] = {}
    for row in found:
        if row.slice not in placed_indexes:
            passed_over.setdefault(slices[row.slice].list_kind, {})[row.entry_id] = row.key
    wanted = [row.entry_id for row in found if row.slice in placed_indexes]
    for keyed in passed_over.values():
        wanted += sorted(keyed, key=keyed.__getitem__)[:excluded_limit]
    loaded = sql.load(plan, list(dict.fromkeys(wanted)))
    final = rank(facts, loaded.candidates, rules)
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
        for index, piece in enumerate(slices)
        if index not in placed_indexes
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
        person_ids={pk: loaded.person_ids[pk] for pk in shown_ids},
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
