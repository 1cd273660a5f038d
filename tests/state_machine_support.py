"""Walking a state machine's whole table on real rows.

``assert_machine_walk(machine, make_instance, actor=…)`` tries every (from, to) pair of the
machine's states, each on a fresh saved instance, and asserts that ``move()`` succeeds exactly for
the pairs of the table — with one history row (actor and reason) and one ``StateChange`` — and is
refused with a ``ValidationError`` for every other pair, writing nothing. Moving to the state the
instance is in writes nothing either. A model's tests call it with a factory of instances::

    def test_vacancy_stages_walk(caseworker_a):
        assert_machine_walk(
            Vacancy.stages,
            lambda stage: VacancyFactory(stage=stage),
            actor=caseworker_a,
            changes_for=lambda source, target: {"cancelled_on": TODAY} if target == "cancelled" else {},
        )
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from housing.selectors import state_changes_of
from housing.state_machine import StateMachine

WALK_REASON = "Gennemløb af tilstandsmaskinen"


def _history(obj: models.Model):
    return getattr(obj, obj._meta.simple_history_manager_attribute)


def _stored_state(machine: StateMachine, obj: models.Model) -> str:
    return type(obj)._base_manager.values_list(machine.field, flat=True).get(pk=obj.pk)


def assert_machine_walk(
    machine: StateMachine,
    make_instance: Callable[[str], models.Model],
    *,
    actor: Any,
    changes_for: Callable[[str, str], Mapping[str, Any]] | None = None,
) -> int:
    """Assert that ``machine.move`` allows exactly the table's transitions; return the number of
    (from, to) pairs tried. ``make_instance(state)`` returns a saved instance in ``state``;
    ``changes_for(from, to)`` the other field values a legal move needs (default: none).
    All failures are collected and reported together."""
    legal = machine.pairs()
    failures: list[str] = []
    tried = 0
    for source in sorted(machine.states):
        for target in sorted(machine.states):
            tried += 1
            obj = make_instance(source)
            if obj.pk is None or machine.state_of(obj) != source:
                failures.append(f"make_instance({source!r}) did not give a saved instance in {source!r}")
                continue
            history_before = _history(obj).count()
            events_before = state_changes_of(obj).count()
            changes = dict(changes_for(source, target)) if changes_for else {}
            pair = f"{source} → {target}"
            try:
                machine.move(obj, target, actor=actor, reason=WALK_REASON, **changes)
            except ValidationError as exc:
                if (source, target) in legal:
                    failures.append(f"{pair}: refused, but the table allows it: {exc.messages}")
                    continue
                if source == target:
                    failures.append(f"{pair}: the same state is refused instead of doing nothing")
                    continue
                if exc.code != "invalid_transition":
                    failures.append(f"{pair}: refused for another reason: {exc.messages}")
                written = (
                    _history(obj).count() - history_before,
                    state_changes_of(obj).count() - events_before,
                )
                if written != (0, 0) or _stored_state(machine, obj) != source:
                    failures.append(f"{pair}: refused, but wrote {written} (history rows, events)")
                continue
            written = (_history(obj).count() - history_before, state_changes_of(obj).count() - events_before)
            if source == target:
                if written != (0, 0):
                    failures.append(f"{pair}: same state, but wrote {written} (history rows, events)")
                continue
            if (source, target) not in legal:
                failures.append(f"{pair}: allowed, but the table does not have it")
                continue
            if _stored_state(machine, obj) != target:
                failures.append(f"{pair}: allowed, but the stored state is {_stored_state(machine, obj)!r}")
            if written != (1, 1):
                failures.append(f"{pair}: wrote {written} (history rows, events), expected (1, 1)")
                continue
            record = _history(obj).latest("history_date", "history_id")
            event = state_changes_of(obj).last()
            if (record.history_user_id, record.history_change_reason) != (actor.pk, WALK_REASON):
                failures.append(f"{pair}: history row without the actor and the reason")
            if (event.from_state, event.to_state, event.field, event.actor_id, event.reason) != (
                source,
                target,
                machine.field,
                actor.pk,
                WALK_REASON,
            ):
                failures.append(f"{pair}: state change recorded as {event}")
    assert not failures, "State machine walk of {!r}:\n{}".format(machine.field, "\n".join(failures))
    return tried
