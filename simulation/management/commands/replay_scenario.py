"""``manage.py replay_scenario <scenario id>``: replay a scenario in the terminal, with a progress
line, and print the identity check and the figures. Read-only unless ``--store`` (then the run and
its rows are stored as a web run's are, with the system user as the requester)."""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand, CommandError

from simulation import services
from simulation.figures import summary
from simulation.models import Scenario, ScenarioRun


class Command(BaseCommand):
    help = "Replay a letting scenario over its period and print the identity check and the figures."

    def add_arguments(self, parser) -> None:
        parser.add_argument("scenario", type=int)
        parser.add_argument("--store", action="store_true", help="Store the run and its rows.")
        parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")

    def _progress(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stdout.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} vacancies", ending="")
        self.stdout.flush()

    def handle(self, *args, scenario: int, store: bool, **options) -> None:
        try:
            chosen = Scenario.objects.get(pk=scenario)
        except Scenario.DoesNotExist as exc:
            raise CommandError(f"No scenario {scenario}.") from exc
        began = time.perf_counter()
        if store:
            run = services.scenario_run_for_terminal(scenario=chosen)
            run = services.scenario_run_execute(run_id=run.pk)
            figures, timings = run.summary, run.timings
            if run.state != "done":
                raise CommandError(f"The run failed: {run.error}")
        else:
            results, timings = services.run_replay(
                scenario=chosen,
                period_start=chosen.period_start,
                period_end=chosen.period_end,
                changes=services.changes_of(chosen),
                progress=self._progress,
            )
            changes = services.changes_of(chosen)
            loaded = services.elder_load(
                scenario=chosen, period_start=chosen.period_start, period_end=chosen.period_end
            )
            elder_results = services.run_elder_replay(
                loaded=loaded, period_start=chosen.period_start, changes=changes
            )
            figures = summary(results, elder_results)
        seconds = time.perf_counter() - began
        self.stdout.write("")
        identity = figures["identity"]
        self.stdout.write(
            f"{figures['vacancies']} vacancies in {seconds:.2f} s "
            f"(cases {timings.get('cases')} s, histories {timings.get('histories')} s, "
            f"replay {timings.get('replay')} s)"
        )
        self.stdout.write(
            f"Identity: {identity['reproduced']} of {identity['let_from_lists_in_rounds']} vacancies "
            "let from the lists in offer rounds reproduce their actual winner; "
            f"by fidelity: {figures['fidelity']}"
        )
        self.stdout.write(f"Winners that change under the scenario: {figures['changed_hands']}")
        elder = figures.get("elder") or {}
        if elder.get("vacancies"):
            shares = ", ".join(
                f"{side} {elder[side]['to_outsiders']}/{elder[side]['let']}"
                for side in ("actual", "replay", "scenario")
            )
            self.stdout.write(
                f"Elder lists: {elder['vacancies']} vacancies; lettings to outsiders {shares}; "
                f"identity {elder['identity']['reproduced']}/{elder['identity']['let_by_ranking']}; "
                f"tenants that change {elder['changed_hands']}"
            )
        if options["json"]:
            self.stdout.write(_json(figures))
        if store:
            self.stdout.write(f"Stored as run {ScenarioRun.objects.filter(scenario=chosen).first().pk}.")


def _json(figures: dict) -> str:
    return json.dumps(figures, indent=2, ensure_ascii=False)
