"""The reads of the scenario pages: what a user may choose, their scenarios and runs (everything else
is not found), the replayed vacancies of a run, and the run's figures as the rows the pages and the
CSV show (``figure_rows``; the figures themselves are ``ScenarioRun.summary``, see
``simulation.figures``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, Q, QuerySet
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from allocation.explanations import RULE_TITLES
from allocation.models import LettingChannel, YouthLettingGuideline
from housing.models import Department, HousingOrganisation, Kommune, SharedListAssociation
from housing.scoping import scope_for

from .models import (
    Fidelity,
    Scenario,
    ScenarioChange,
    ScenarioRun,
    ScenarioRunElderVacancy,
    ScenarioRunVacancy,
    ScopeKind,
)
from .services import scenarios_for

DAYS_PER_YEAR = 365.25
# The sides of a run's figures, in the order of the columns.
SIDES = ("actual", "replay", "scenario")
SIDE_LABELS = {
    "actual": gettext_lazy("Actual"),
    "replay": gettext_lazy("Replay under the rules in force"),
    "scenario": gettext_lazy("Scenario"),
}


# --- What a user may choose -----------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeChoices:
    organisations: QuerySet[HousingOrganisation]
    associations: QuerySet[SharedListAssociation]
    kommuner: QuerySet[Kommune]


def scope_choices(user) -> ScopeChoices:
    """What a new scenario of the user may cover: the organisations and shared lists they write for,
    the kommuner they are officers of (an administrator: all) — the scenarios ``can_use`` lets them
    use."""
    scope = scope_for(user)
    if scope.is_administrator:
        return ScopeChoices(
            HousingOrganisation.objects.order_by("name"),
            SharedListAssociation.objects.order_by("name"),
            Kommune.objects.order_by("name"),
        )
    writable = scope.writable_tenant_ids
    return ScopeChoices(
        HousingOrganisation.objects.filter(tenant_id__in=writable).order_by("name"),
        SharedListAssociation.objects.filter(tenant_id__in=writable).order_by("name"),
        Kommune.objects.filter(Q(pk__in=scope.kommune_ids) | Q(tenant_id__in=writable)).order_by("name"),
    )


def can_create(user) -> bool:
    choices = scope_choices(user)
    return choices.organisations.exists() or choices.associations.exists() or choices.kommuner.exists()


@dataclass(frozen=True)
class ChangeChoices:
    organisations: QuerySet[HousingOrganisation]
    kommuner: QuerySet[Kommune]
    departments: QuerySet[Department]
    youth_guidelines: QuerySet[YouthLettingGuideline]


def _departments_in_scope(scenario: Scenario) -> QuerySet[Department]:
    if scenario.scope == ScopeKind.ORGANISATION:
        return Department.objects.filter(organisation_id=scenario.organisation_id)
    if scenario.scope == ScopeKind.SHARED_LIST:
        return Department.objects.filter(organisation__shared_list_id=scenario.association_id)
    return Department.objects.filter(kommune_id=scenario.kommune_id)


def change_choices(scenario: Scenario) -> ChangeChoices:
    """A change names an organisation, a kommune and perhaps a department inside the scenario's scope
    (the vacancies the replay reads, ``loading.vacancies_of``)."""
    departments = _departments_in_scope(scenario)
    organisations = departments.values("organisation_id")
    return ChangeChoices(
        HousingOrganisation.objects.filter(pk__in=organisations).order_by("name"),
        Kommune.objects.filter(pk__in=departments.values("kommune_id")).order_by("name"),
        departments.select_related("organisation").order_by("organisation__name", "number"),
        # Any of their written youth letting guidelines, those decided for a later date included.
        YouthLettingGuideline.objects.filter(organisation_id__in=organisations)
        .select_related("organisation")
        .order_by("organisation__name", "-valid_from"),
    )


# --- Scenarios and runs ---------------------------------------------------------------------------


def scenario_list(user) -> QuerySet[Scenario]:
    """The user's scenarios with what the list shows: the changes counted, the last run's time."""
    return (
        scenarios_for(user)
        .select_related("organisation", "association", "kommune", "created_by")
        .annotate(change_count=Count("changes", distinct=True), last_run_at=Max("runs__created_at"))
        .order_by("-created_at", "-id")
    )


def scenario_detail(user, pk: int) -> Scenario:
    """The scenario if the user may use it; ``Scenario.DoesNotExist`` otherwise."""
    return (
        scenarios_for(user).select_related("organisation", "association", "kommune", "created_by").get(pk=pk)
    )


def scenario_changes(scenario: Scenario) -> QuerySet[ScenarioChange]:
    return scenario.changes.select_related(
        "organisation", "kommune", "department", "youth_guideline__organisation"
    ).order_by("pk")


def scenario_runs(scenario: Scenario) -> QuerySet[ScenarioRun]:
    return scenario.runs.select_related("requested_by").order_by("-created_at", "-pk")


def change_detail(scenario: Scenario, pk: int) -> ScenarioChange:
    return scenario.changes.select_related("scenario").get(pk=pk)


def run_detail(user, pk: int) -> ScenarioRun:
    """The run if the user may use its scenario; ``ScenarioRun.DoesNotExist`` otherwise."""
    return (
        ScenarioRun.objects.filter(scenario__in=scenarios_for(user))
        .select_related(
            "scenario", "scenario__organisation", "scenario__association", "scenario__kommune", "requested_by"
        )
        .get(pk=pk)
    )


_ROW_RELATED = (
    "vacancy__dwelling__department",
    "actual_person",
    "scenario_person",
    "replay_entry__person",
)


def changed_rows(run: ScenarioRun) -> QuerySet[ScenarioRunVacancy]:
    """The vacancies whose winner the scenario changes, in the order replayed."""
    return run.vacancies.filter(changed=True).select_related(*_ROW_RELATED).order_by("position")


def all_rows(run: ScenarioRun) -> QuerySet[ScenarioRunVacancy]:
    """Every replayed vacancy of the run, in the order replayed (the CSV)."""
    return run.vacancies.select_related(*_ROW_RELATED).order_by("position")


def person_ids(rows) -> list[int]:
    """The persons the rows show (the actual, the replay's and the scenario's winner), each once."""
    ids: dict[int, None] = {}
    for row in rows:
        for person_id in (
            row.actual_person_id,
            row.replay_entry.person_id if row.replay_entry_id else None,
            row.scenario_person_id,
        ):
            if person_id is not None:
                ids[person_id] = None
    return list(ids)


# The elder vacancies whose tenant changes shown on the run's page (the figures count them all).
ELDER_ROWS_SHOWN = 100


def elder_changed_rows(run: ScenarioRun, user) -> QuerySet[ScenarioRunElderVacancy]:
    """The elder vacancies whose tenant the scenario changes, in the order replayed — only those of
    the kommuner the user is an officer of (an administrator: all): the elder lists, the needs
    decisions and the applicants' residence are the kommune's (its tenant is their data controller),
    so an organisation's users see the figures, not the persons."""
    rows = run.elder_vacancies.filter(changed=True)
    scope = scope_for(user)
    if not scope.is_administrator:
        rows = rows.filter(elder_vacancy__kommune_id__in=sorted(scope.kommune_ids))
    return rows.select_related(
        "elder_vacancy__dwelling__department", "actual_person", "scenario_person", "replay_person"
    ).order_by("position")


def elder_person_ids(rows) -> list[int]:
    """The persons the elder rows show (the actual, the replay's and the scenario's tenant), each once."""
    ids: dict[int, None] = {}
    for row in rows:
        for person_id in (row.actual_person_id, row.replay_person_id, row.scenario_person_id):
            if person_id is not None:
                ids[person_id] = None
    return list(ids)


# --- The figures as rows --------------------------------------------------------------------------


@dataclass(frozen=True)
class FigureRow:
    """One line of the comparison: a label and a value per side (already formatted); ``key`` names
    it for the tests and the CSV; ``numbers`` are the raw values (None: no value) for the charts."""

    key: str
    label: str
    values: tuple[str, str, str]
    numbers: tuple[float | None, float | None, float | None]


def channel_label(code: str) -> str:
    try:
        return str(LettingChannel(code).label)
    except ValueError:
        return code


def rule_label(rule: str) -> str:
    title = RULE_TITLES.get(rule)
    if rule == "R1.4":
        title = gettext_lazy("kommunal anvisning (R1.4)")
    return f"{rule}: {title}" if title else rule


def _count(value) -> str:
    return "—" if value is None else str(value)


def _share(value) -> str:
    if value is None:
        return "—"
    return f"{number_format(value * 100, 1)} %"


def _days(value) -> str:
    if value is None:
        return "—"
    days = int(value)
    years = number_format(days / DAYS_PER_YEAR, 1)
    return _("%(days)s days (%(years)s years)") % {"days": days, "years": years}


def _sides(summary: dict) -> list[dict]:
    return [summary.get(side) or {} for side in SIDES]


def _keyed_rows(summary: dict, field: str, prefix: str, label) -> list[FigureRow]:
    sides = _sides(summary)
    keys = sorted({key for side in sides for key in (side.get(field) or {})})
    rows = []
    for key in keys:
        numbers = tuple((side.get(field) or {}).get(key, 0) for side in sides)
        rows.append(FigureRow(f"{prefix}:{key}", label(key), tuple(str(n) for n in numbers), numbers))
    return rows


def channel_rows(summary: dict) -> list[FigureRow]:
    """Lettings per channel (§ 1: the lists, kommunal anvisning, advertising …)."""
    return _keyed_rows(summary, "per_channel", "channel", channel_label)


def rule_rows(summary: dict) -> list[FigureRow]:
    """Lettings from the lists per rule that placed the winner first (R2.1, R4, R9 …)."""
    return _keyed_rows(summary, "per_rule", "rule", rule_label)


def outcome_rows(summary: dict) -> list[FigureRow]:
    """Who was housed: from the lists, households with children, internal movers, waiting time."""
    sides = _sides(summary)

    def row(key, label, fmt):
        numbers = tuple(side.get(key) for side in sides)
        return FigureRow(key, str(label), tuple(fmt(n) for n in numbers), numbers)

    return [
        row("housed_from_lists", _("Housed from the waiting lists"), _count),
        row("children_housed", _("Households with children housed"), _count),
        row("internal_movers", _("Internal movers housed (the internal list)"), _count),
        row("internal_share", _("Share of internal movers"), _share),
        row("waited_days_median", _("Waiting time of those housed, median"), _days),
        row("waited_days_p90", _("Waiting time of those housed, 90th percentile"), _days),
    ]


@dataclass(frozen=True)
class FidelityRow:
    code: str
    label: str
    count: int


def fidelity_rows(summary: dict) -> list[FidelityRow]:
    """How many vacancies the replay under the rules in force reproduces, and why the others not."""
    counts = summary.get("fidelity") or {}
    return [
        FidelityRow(code, str(label), counts.get(code, 0))
        for code, label in Fidelity.choices
        if counts.get(code, 0)
    ]


def elder_rows(summary: dict) -> list[FigureRow]:
    """The elder lists (``summary["elder"]``): the elder lettings, those to applicants from other
    kommuner (R21.1) and their share — the figure a refuse-outsiders decision (§ 22) is about."""
    elder = summary.get("elder") or {}
    if not elder.get("vacancies"):
        return []
    sides = [elder.get(side) or {} for side in SIDES]

    def row(key, label, fmt):
        numbers = tuple(side.get(key) for side in sides)
        return FigureRow(f"elder:{key}", str(label), tuple(fmt(n) for n in numbers), numbers)

    return [
        row("let", _("Elder dwellings let"), _count),
        row("to_outsiders", _("Let to applicants from other kommuner"), _count),
        row("outsider_share", _("Outsider share on the elder lists"), _share),
    ]
