"""The scenario pages (issue 17): the user's scenarios, a new scenario, a scenario with its rule
changes and its runs, and a run — its progress while it runs, then the result side by side (actual,
the replay under the rules in force, the scenario) with charts, the vacancies whose winner changes
and the CSV files.

Who sees what: a scenario and its runs only for those who may use it (``services.can_use``,
through ``services.scenarios_for``); to everybody else they are not found (404). Every person a
result page or CSV shows gets a row in the access log (``services_ui``)."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation import explanations
from housing import csv_export, display
from housing.middleware import polled
from housing.views.common import apply_service_errors, ordered, paginate

from . import charts, selectors, services, services_ui
from .forms import ChangeForm, RemoveChangeForm, ScenarioEditForm, ScenarioForm
from .models import Fidelity, RunState, Scenario, ScenarioRun, ScenarioRunElderVacancy, ScenarioRunVacancy
from .tasks import enqueue_scenario_run

NAV = {"nav_section": "scenarios"}
SCENARIO_COLUMNS = (("name", "name"), ("created_at", "created"), ("last_run_at", "last_run"))


def _scenario_or_404(request, pk: int) -> Scenario:
    try:
        return selectors.scenario_detail(request.user, pk)
    except Scenario.DoesNotExist as exc:
        raise Http404 from exc


def _run_or_404(request, pk: int) -> ScenarioRun:
    try:
        return selectors.run_detail(request.user, pk)
    except ScenarioRun.DoesNotExist as exc:
        raise Http404 from exc


# --- Scenarios ------------------------------------------------------------------------------------


@require_GET
def scenario_list(request):
    rows = ordered(request, selectors.scenario_list(request.user), SCENARIO_COLUMNS)
    return render(
        request,
        "simulation/scenario_list.html",
        {**NAV, "page_obj": paginate(request, rows), "can_create": selectors.can_create(request.user)},
    )


@require_http_methods(["GET", "POST"])
def scenario_create(request):
    if not selectors.can_create(request.user):
        raise PermissionDenied
    start, end = services.default_period()
    form = ScenarioForm(
        request.POST or None,
        user=request.user,
        initial={"period_start": start, "period_end": end, "change_reason": _("New letting scenario")},
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                scenario = services.scenario_create(
                    actor=request.user,
                    reason=data["change_reason"],
                    name=data["name"],
                    scope=data["scope"],
                    organisation=data.get("organisation"),
                    association=data.get("association"),
                    kommune=data.get("kommune"),
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    description=data.get("description") or "",
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The scenario was created. Add the rule changes it tries."))
                return redirect("simulation:scenario_detail", scenario.pk)
        messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "simulation/scenario_form.html",
        {**NAV, "form": form},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
def scenario_edit(request, pk: int):
    """The scenario's name, period and description, with the reason for the history."""
    scenario = _scenario_or_404(request, pk)
    form = ScenarioEditForm(
        request.POST or None, instance=scenario, initial={"change_reason": _("Scenario changed")}
    )
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.scenario_update(
                    actor=request.user,
                    reason=data["change_reason"],
                    scenario=scenario,
                    name=data["name"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    description=data.get("description") or "",
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The scenario was saved."))
                return redirect("simulation:scenario_detail", scenario.pk)
        messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "simulation/scenario_edit.html",
        {**NAV, "form": form, "scenario": scenario},
        status=400 if form.errors else 200,
    )


def _detail_page(request, scenario: Scenario, *, change_form=None, remove_form=None, status: int = 200):
    changes = list(selectors.scenario_changes(scenario))
    return render(
        request,
        "simulation/scenario_detail.html",
        {
            **NAV,
            "scenario": scenario,
            "changes": changes,
            "change_form": change_form
            or ChangeForm(scenario=scenario, prefix="change", initial={"action": "add"}),
            "remove_form": remove_form
            or (RemoveChangeForm(scenario=scenario, prefix="remove") if changes else None),
            "runs": selectors.scenario_runs(scenario)[:20],
        },
        status=status,
    )


@require_GET
def scenario_detail(request, pk: int):
    return _detail_page(request, _scenario_or_404(request, pk))


@require_POST
def change_add(request, pk: int):
    scenario = _scenario_or_404(request, pk)
    form = ChangeForm(request.POST, scenario=scenario, prefix="change")
    if form.is_valid():
        fields = {name: form.cleaned_data.get(name) for name in form.Meta.fields}
        try:
            services.scenario_change_add(
                actor=request.user, reason=form.cleaned_data["change_reason"], scenario=scenario, **fields
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The rule change was added."))
            return redirect(reverse("simulation:scenario_detail", args=[scenario.pk]) + "#changes-heading")
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return _detail_page(request, scenario, change_form=form, status=400)


@require_POST
def change_remove(request, pk: int):
    scenario = _scenario_or_404(request, pk)
    form = RemoveChangeForm(request.POST, scenario=scenario, prefix="remove")
    if form.is_valid():
        services.scenario_change_remove(
            actor=request.user, reason=form.cleaned_data["change_reason"], change=form.cleaned_data["change"]
        )
        messages.success(request, _("The rule change was removed."))
        return redirect(reverse("simulation:scenario_detail", args=[scenario.pk]) + "#changes-heading")
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return _detail_page(request, scenario, remove_form=form, status=400)


@require_POST
def run_start(request, pk: int):
    """Start a run of the scenario as it is now; the job replays it (a worker, or here when the
    queue runs tasks eagerly) and the user is sent to the run's page. The message says where the
    run is now: one the eager queue has already done is not said to be "being replayed"."""
    scenario = _scenario_or_404(request, pk)
    run = services.scenario_run_start(scenario=scenario, user=request.user, enqueue=enqueue_scenario_run)
    run.refresh_from_db(fields=["state"])
    if run.state == RunState.FAILED:
        messages.error(request, _("The replay failed."))
    else:
        messages.success(request, _run_started_text(run.state))
    return redirect("simulation:run_detail", run.pk)


def _run_started_text(state: str) -> str:
    if state == RunState.DONE:
        return _("The scenario was replayed.")
    # Queued, or taken by a worker (or the embedded mode's background thread) already: the page
    # shows how far it has come, and the result when it is done.
    return _("The run was started.")


# --- A run ----------------------------------------------------------------------------------------

_OUTSIDE = re.compile(r"under (R[0-9.]+)")


def fidelity_text(row: ScenarioRunVacancy) -> str:
    """Why the replay under the rules in force does (not) give the actual winner, in the user's
    language (the stored reason is the replay's English note)."""
    if row.fidelity == Fidelity.NOT_FROM_LISTS:
        return _("Let through another channel: %(channel)s.") % {
            "channel": selectors.channel_label(row.actual_channel)
        }
    if row.fidelity == Fidelity.OUTSIDE_ELIGIBLE:
        match = _OUTSIDE.search(row.fidelity_reason)
        return _("Let outside the eligible group (%(rule)s).") % {"rule": match.group(1) if match else "—"}
    if row.fidelity == Fidelity.DIFFERS:
        return _(
            "The replay places applicant %(replay)s first (%(rule)s); the vacancy was let to another."
        ) % {
            "replay": row.replay_entry.person.applicant_number if row.replay_entry_id else "—",
            "rule": row.replay_rule or "—",
        }
    if row.fidelity == Fidelity.REPRODUCED and row.fidelity_reason:
        return _("The same person, from another of their entries.")
    return str(row.get_fidelity_display())


def explanation_text(text: str) -> str:
    """A winner's explanation in the user's language: the ranking's fragments, a lease's basis, or
    the scenario's kommunal anvisning."""
    if not text:
        return ""
    if text == "The kommune nominates the tenant (kommunal anvisning).":
        return _("The kommune nominates the tenant (kommunal anvisning).")
    translated = display.stored_text(text)
    return translated if translated != text else explanations.translate(text)


def elder_fidelity_text(row: ScenarioRunElderVacancy) -> str:
    """Why the elder replay does (not) give the actual tenant, in the user's language."""
    if row.fidelity == Fidelity.KOMMUNE_DECISION:
        if row.replay_rank_of_tenant:
            return _(
                "The kommune offered the dwelling to the no. %(rank)s of its ranking (its concrete "
                "assessment, § 20, stk. 2); the replay ranks the tenant no. %(replay)s."
            ) % {"rank": row.actual_rank, "replay": row.replay_rank_of_tenant}
        return _(
            "The kommune offered the dwelling to the no. %(rank)s of its ranking (its concrete "
            "assessment, § 20, stk. 2); the replay does not rank the tenant."
        ) % {"rank": row.actual_rank}
    if row.fidelity == Fidelity.DIFFERS:
        return _(
            "The replay ranks applicant %(replay)s first; the kommune offered the dwelling to another."
        ) % {"replay": row.replay_person.applicant_number if row.replay_person_id else "—"}
    return str(row.get_fidelity_display())


def elder_explanation(source: str, list_name: str, outsider: bool | None, need, since) -> str:
    """A tenant's place on the elder lists: the list, the assessed need and the wait (R20.2)."""
    if not source:
        return ""
    if source == "general":
        where = _("the general list")
    elif outsider:
        where = _("the specific list %(list)s, joined from another kommune") % {"list": list_name}
    else:
        where = _("the specific list %(list)s") % {"list": list_name}
    return _("From %(where)s; assessed need %(need)s, waiting since %(since)s.") % {
        "where": where,
        "need": "—" if need is None else need,
        "since": date_format(since, "SHORT_DATE_FORMAT") if since else "—",
    }


def _elder_changed(request, run: ScenarioRun) -> list[dict]:
    rows = list(selectors.elder_changed_rows(run, request.user)[: selectors.ELDER_ROWS_SHOWN])
    return [
        {
            "row": row,
            "fidelity": elder_fidelity_text(row),
            "actual_explanation": elder_explanation(
                row.actual_source,
                row.actual_list,
                row.actual_outsider,
                row.actual_need_score,
                row.actual_waiting_since,
            ),
            "scenario_explanation": elder_explanation(
                row.scenario_source,
                row.scenario_list,
                row.scenario_outsider,
                row.scenario_need_score,
                row.scenario_waiting_since,
            ),
        }
        for row in rows
    ]


def _figures(run: ScenarioRun) -> dict:
    summary = run.summary or {}
    channels = selectors.channel_rows(summary)
    rules = selectors.rule_rows(summary)
    outcomes = selectors.outcome_rows(summary)
    identity = summary.get("identity") or {}
    elder = summary.get("elder") or {}
    elder_rows = selectors.elder_rows(summary)
    counted = [
        row for row in outcomes if row.key in ("housed_from_lists", "children_housed", "internal_movers")
    ]
    return {
        "sides": [str(selectors.SIDE_LABELS[side]) for side in selectors.SIDES],
        "channel_rows": channels,
        "rule_rows": rules,
        "outcome_rows": outcomes,
        "fidelity_rows": selectors.fidelity_rows(summary),
        "identity": identity,
        "changed_hands": summary.get("changed_hands", 0),
        "vacancy_count": summary.get("vacancies", 0),
        "elder_rows": elder_rows,
        "elder_identity": elder.get("identity") or {},
        "elder_changed_hands": elder.get("changed_hands", 0),
        "elder_vacancy_count": elder.get("vacancies", 0),
        "elder_chart": charts.bar_chart(
            "chart-elder",
            _("Outsider share on the elder lists"),
            [
                selectors.FigureRow(
                    row.key,
                    row.label,
                    row.values,
                    tuple(None if n is None else round(n * 100, 1) for n in row.numbers),
                )
                for row in elder_rows
                if row.key == "elder:outsider_share"
            ],
        ),
        "channel_chart": charts.bar_chart(
            "chart-channels", _("Lettings per channel"), channels, short_labels=_short_channels()
        ),
        "rule_chart": charts.bar_chart(
            "chart-rules",
            _("Lettings from the lists per rule"),
            rules,
            short_labels={row.key: row.key.split(":", 1)[1] for row in rules},
        ),
        "outcome_chart": charts.bar_chart("chart-housed", _("Who was housed"), counted),
    }


def _short_channels() -> dict[str, str]:
    return {
        "channel:list": _("Waiting lists"),
        "channel:kommunal_anvisning": _("Kommunal anvisning"),
        "channel:advertising": _("Advertising"),
        "channel:flexible": _("Flexible letting"),
        "channel:rehousing": _("Rehousing"),
        "channel:out_of_scope": _("Outside the rules"),
    }


@require_GET
@polled  # the running run's progress polls this page with htmx
def run_detail(request, pk: int):
    run = _run_or_404(request, pk)
    context = {
        **NAV,
        "run": run,
        "scenario": run.scenario,
        "pending": run.state in (RunState.QUEUED, RunState.RUNNING),
    }
    if run.state == RunState.DONE:
        page_obj = paginate(request, selectors.changed_rows(run))
        rows = [
            {
                "row": row,
                "fidelity": fidelity_text(row),
                "actual_explanation": explanation_text(row.actual_explanation),
                "scenario_explanation": explanation_text(row.scenario_explanation),
                "scenario_channel": selectors.channel_label(row.scenario_channel),
                "kommune": row.scenario_channel == "kommunal_anvisning",
            }
            for row in page_obj
        ]
        elder_changed = _elder_changed(request, run)
        services_ui.result_read_log(
            actor=request.user,
            run=run,
            person_ids=[
                *selectors.person_ids(page_obj),
                *selectors.elder_person_ids(item["row"] for item in elder_changed),
            ],
        )
        context.update(
            _figures(run),
            page_obj=page_obj,
            changed=rows,
            elder_changed=elder_changed,
            elder_rows_shown=selectors.ELDER_ROWS_SHOWN,
        )
    return render(request, "simulation/run_detail.html", context)


def _csv_response(file_name: str) -> tuple[HttpResponse, csv_export.SafeCsvWriter]:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")
    return response, csv_export.writer(response)


def _done_run_or_404(request, pk: int) -> ScenarioRun:
    run = _run_or_404(request, pk)
    if run.state != RunState.DONE:
        raise Http404
    return run


def _person_cells(person) -> list[str]:
    if person is None:
        return ["", "", ""]
    return [person.applicant_number, person.full_name, person.cpr_masked]


@require_GET
def run_vacancies_csv(request, pk: int):
    """Every replayed vacancy of the run: the actual, the replay's and the scenario's winner with
    rule and explanation. Masked CPR only; every person in it is written to the access log."""
    run = _done_run_or_404(request, pk)
    rows = list(selectors.all_rows(run))
    services_ui.result_export_log(actor=request.user, run=run, person_ids=selectors.person_ids(rows))
    response, writer = _csv_response(f"scenarie-{run.scenario_id}-koersel-{run.pk}-ledige-boliger.csv")
    writer.writerow(
        [
            _("No."),
            _("Vacancy"),
            _("Dwelling"),
            _("Department"),
            _("Ranking day"),
            _("Rooms"),
            _("Actual channel"),
            _("Actual applicant number"),
            _("Actual name"),
            _("Actual CPR (masked)"),
            _("Actual rule"),
            _("Actual explanation"),
            _("Replay applicant number"),
            _("Replay name"),
            _("Replay CPR (masked)"),
            _("Replay rule"),
            _("Fidelity"),
            _("Why"),
            _("Scenario channel"),
            _("Scenario applicant number"),
            _("Scenario name"),
            _("Scenario CPR (masked)"),
            _("Scenario rule"),
            _("Scenario explanation"),
            _("The winner changes"),
        ]
    )
    for row in rows:
        dwelling = row.vacancy.dwelling
        writer.writerow(
            [
                row.position,
                row.vacancy_id,
                dwelling.address_line,
                str(dwelling.department),
                row.ranked_on.isoformat(),
                row.rooms,
                selectors.channel_label(row.actual_channel),
                *_person_cells(row.actual_person),
                row.actual_rule,
                explanation_text(row.actual_explanation),
                *_person_cells(row.replay_entry.person if row.replay_entry_id else None),
                row.replay_rule,
                str(row.get_fidelity_display()),
                fidelity_text(row),
                selectors.channel_label(row.scenario_channel),
                *_person_cells(row.scenario_person),
                row.scenario_rule,
                explanation_text(row.scenario_explanation),
                _("yes") if row.changed else _("no"),
            ]
        )
    return response


@require_GET
def run_figures_csv(request, pk: int):
    """The run's figures side by side (no personal data)."""
    run = _done_run_or_404(request, pk)
    summary = run.summary or {}
    response, writer = _csv_response(f"scenarie-{run.scenario_id}-koersel-{run.pk}-tal.csv")
    writer.writerow([_("Figure"), *[str(selectors.SIDE_LABELS[side]) for side in selectors.SIDES]])
    for row in (
        *selectors.channel_rows(summary),
        *selectors.rule_rows(summary),
        *selectors.outcome_rows(summary),
    ):
        writer.writerow([row.label, *row.values])
    writer.writerow([_("Vacancies that change hands"), "", "", summary.get("changed_hands", 0)])
    identity = summary.get("identity") or {}
    writer.writerow(
        [
            _("Let from the lists in offer rounds, reproduced by the replay"),
            identity.get("let_from_lists_in_rounds", 0),
            identity.get("reproduced", 0),
            "",
        ]
    )
    for fidelity in selectors.fidelity_rows(summary):
        writer.writerow([fidelity.label, "", fidelity.count, ""])
    elder = summary.get("elder") or {}
    for row in selectors.elder_rows(summary):
        writer.writerow([row.label, *row.values])
    if elder.get("vacancies"):
        writer.writerow([_("Elder vacancies that change hands"), "", "", elder.get("changed_hands", 0)])
        elder_identity = elder.get("identity") or {}
        writer.writerow(
            [
                _("Elder dwellings let by the ranking, reproduced by the replay"),
                elder_identity.get("let_by_ranking", 0),
                elder_identity.get("reproduced", 0),
                "",
            ]
        )
    return response
