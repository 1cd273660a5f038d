"""Explicit state machines for the cases whose course the law prescribes.

A case's state (a vacancy's stage, an offer's state, a kommune approval request's state …) is
stored on its row, and it changes in one place only: ``StateMachine.move``. The machine is a
plain, model-independent description — the name of the state field and a transition table
(from-state → the states it may go to; a terminal state goes nowhere) — declared next to the
model::

    class Vacancy(models.Model):
        stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.OPEN)
        ...
        stages = StateMachine(
            field="stage",
            transitions={
                Stage.OPEN: {Stage.OFFERING, Stage.CANCELLED},
                ...
                Stage.LET: set(),
                Stage.CANCELLED: set(),
            },
            label=_("The vacancy's stage"),
        )

and used by the services, which lock the row and call ``move``::

    vacancy = Vacancy.objects.select_for_update().get(pk=pk)
    Vacancy.stages.move(vacancy, Stage.CANCELLED, actor=actor, reason=reason, cancelled_on=today)

``move`` refuses a transition the table does not have (a ``ValidationError`` naming both states as
the user sees them), saves the object once through ``housing.audit.audited_save`` (one history row
with the acting user and the reason) and writes one ``housing.StateChange`` row. Moving to the state
the case is already in does nothing at all, so a repeated submit has one effect.

A machine declared as a class attribute of an installed model (also of an abstract base) is found
by ``machines()``; one declared elsewhere is made known with ``register(model, machine)``.
``tests/housing/services/test_state_machine.py`` walks every table of ``machines()`` and
``tests/system/test_no_stray_state_writes.py`` fails when a state field of a machine is written outside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ValidationError
from django.db import models, transaction
from django.db.models.fields import NOT_PROVIDED
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from .audit import audited_save, require_reason
from .models.state_changes import StateChange

ModelT = TypeVar("ModelT", bound=models.Model)


def state_value(state: Any) -> str:
    """A state as it is stored: a ``TextChoices`` member and its plain string value alike."""
    value = getattr(state, "value", state)
    if not isinstance(value, str):
        raise TypeError(f"A state is a string (or a TextChoices member), not {state!r}.")
    return value


class StateMachine:
    """The legal course of one state field: which state may follow which.

    ``field`` names the model attribute holding the state. ``transitions`` maps every state to the
    states it may move to; a terminal state maps to an empty set. ``label`` (optional, a sentence
    start such as ``_("The vacancy's stage")``) names the state in messages; without it they say
    "The <field> of the <model>". ``initial`` (optional) names the states a new object may be
    created in; without it, the state field's default is the only one. ``final`` (optional) names
    states a case may end in although the table still leads out of them — a decision a later one
    may reverse (an accepted offer the kommune may still refuse, a refusal Ankestyrelsen may
    overturn): for the check that no state is a trap they count as ends, like the terminal ones.

    The table is checked when the machine is made: every target must itself be a state of the
    table, and no state lists itself (moving to the current state is not a transition).
    """

    __slots__ = ("_final", "_initial", "_transitions", "field", "label")

    field: str
    label: str | Promise | None

    def __init__(
        self,
        *,
        field: str,
        transitions: Mapping[Any, Iterable[Any]],
        label: str | Promise | None = None,
        initial: Iterable[Any] = (),
        final: Iterable[Any] = (),
    ) -> None:
        if not field or not field.isidentifier():
            raise ImproperlyConfigured(f"A state machine needs the name of its field, not {field!r}.")
        if not transitions:
            raise ImproperlyConfigured(f"The state machine of {field!r} has no states.")
        table = {
            state_value(source): frozenset(state_value(target) for target in targets)
            for source, targets in transitions.items()
        }
        unknown = sorted({target for targets in table.values() for target in targets} - table.keys())
        if unknown:
            raise ImproperlyConfigured(
                f"The state machine of {field!r} leads to states it does not list: {', '.join(unknown)}. "
                "List every state, a terminal one with an empty set."
            )
        loops = sorted(source for source, targets in table.items() if source in targets)
        if loops:
            raise ImproperlyConfigured(
                f"The state machine of {field!r} lists states as their own successor: {', '.join(loops)}."
            )
        initial_states = frozenset(state_value(state) for state in initial)
        if initial_states - table.keys():
            raise ImproperlyConfigured(
                f"The state machine of {field!r} starts in states it does not list: "
                f"{', '.join(sorted(initial_states - table.keys()))}."
            )
        final_states = frozenset(state_value(state) for state in final)
        if final_states - table.keys():
            raise ImproperlyConfigured(
                f"The state machine of {field!r} ends in states it does not list: "
                f"{', '.join(sorted(final_states - table.keys()))}."
            )
        self.field = field
        self.label = label
        self._transitions: Mapping[str, frozenset[str]] = MappingProxyType(table)
        self._initial = initial_states
        self._final = final_states

    def __repr__(self) -> str:
        return f"<StateMachine {self.field}: {len(self._transitions)} states>"

    # --- The table ------------------------------------------------------------------------------

    @property
    def transitions(self) -> Mapping[str, frozenset[str]]:
        """The table, read-only: from-state → the states it may move to."""
        return self._transitions

    @property
    def states(self) -> frozenset[str]:
        return frozenset(self._transitions)

    @property
    def terminal(self) -> frozenset[str]:
        """The states with no way out."""
        return frozenset(state for state, targets in self._transitions.items() if not targets)

    @property
    def ends(self) -> frozenset[str]:
        """The states a case may end in: the terminal ones and those declared ``final``."""
        return self.terminal | self._final

    def pairs(self) -> frozenset[tuple[str, str]]:
        """Every (from, to) the table allows."""
        return frozenset(
            (source, target) for source, targets in self._transitions.items() for target in targets
        )

    def initial_states(self, model: type[models.Model]) -> frozenset[str]:
        """The states an object of ``model`` may be created in: ``initial`` when given, else the
        state field's default (empty when the field has none)."""
        if self._initial:
            return self._initial
        default = model._meta.get_field(self.field).default
        if default is NOT_PROVIDED or callable(default):
            return frozenset()
        return frozenset({state_value(default)})

    # --- One object -----------------------------------------------------------------------------

    def state_of(self, obj: models.Model) -> str:
        return state_value(getattr(obj, self.field))

    def allowed(self, obj: models.Model) -> frozenset[str]:
        """The states ``obj`` may move to from the state it holds (empty for a terminal state)."""
        return self._transitions.get(self.state_of(obj), frozenset())

    def can_move(self, obj: models.Model, to: Any) -> bool:
        """Whether the table has the transition from ``obj``'s state to ``to``. False for its own
        state: that is no transition (``move`` would do nothing)."""
        return state_value(to) in self.allowed(obj)

    def move(
        self,
        obj: ModelT,
        to: Any,
        /,
        *,
        actor: Any,
        reason: str,
        validate: bool = True,
        **changes: Any,
    ) -> ModelT:
        """Move the saved ``obj`` to the state ``to``, with the other field values in ``changes``
        (those that change together with the state, e.g. ``closed_on=today, decided_by=actor``).

        The stored state is read under a row lock (``select_for_update``), so a stale copy cannot
        take a transition from a state the case has already left, and two concurrent submits take
        it once. Then:

        * ``to`` is the stored state: nothing happens (no save, no history row, no event, the
          ``changes`` are not applied) and ``obj`` is returned;
        * the table has no transition from the stored state to ``to``: ``ValidationError`` naming
          both states by their display labels, and nothing is written or changed on ``obj``;
        * otherwise the state and ``changes`` are set and saved once through ``audited_save`` (one
          history row with ``actor`` and ``reason``; ``full_clean`` first unless ``validate`` is
          False), and one ``StateChange`` row is written, in one transaction. If the save fails,
          ``obj`` gets its previous values back.

        The whole object is saved: a service locks and reads it before it decides (the usual
        ``select_for_update().get()``), so its other fields are current too.
        """
        target = state_value(to)
        reason = require_reason(reason)
        if actor is None:
            raise ValueError("move() records who made the change: pass the acting user as actor.")
        if obj.pk is None:
            raise ValueError("move() changes a saved object; create a new one in an initial state.")
        model = type(obj)
        self._check_changes(model, changes)
        with transaction.atomic():
            stored = state_value(
                model._base_manager.select_for_update()
                .filter(pk=obj.pk)
                .values_list(self.field, flat=True)
                .get()
            )
            if stored == target:
                setattr(obj, self.field, stored)
                return obj
            if target not in self._transitions.get(stored, frozenset()):
                raise ValidationError(
                    _("%(what)s cannot change from “%(from)s” to “%(to)s”."),
                    code="invalid_transition",
                    params={
                        "what": self.describe(model),
                        "from": self.display(model, stored),
                        "to": self.display(model, target),
                    },
                )
            previous = _snapshot(obj, [self.field, *changes])
            try:
                setattr(obj, self.field, target)
                for name, value in changes.items():
                    setattr(obj, name, value)
                audited_save(obj, actor=actor, reason=reason, validate=validate)
                StateChange.objects.create(
                    content_type=_content_type(model),
                    object_id=obj.pk,
                    field=self.field,
                    from_state=stored,
                    to_state=target,
                    actor=actor,
                    reason=reason,
                )
            except BaseException:
                _restore(obj, previous)
                raise
        return obj

    # --- Words ------------------------------------------------------------------------------------

    def describe(self, model: type[models.Model]) -> str:
        """What the messages call the state: ``label``, or "The <field> of the <model>"."""
        if self.label:
            return capfirst(str(self.label))
        field = model._meta.get_field(self.field)
        return capfirst(
            _("the %(field)s of the %(model)s")
            % {"field": field.verbose_name, "model": model._meta.verbose_name}
        )

    def display(self, model: type[models.Model], state: str) -> str:
        """A state as the user sees it: the field's choice label (the value itself without one)."""
        field = model._meta.get_field(self.field)
        return str(dict(field.flatchoices).get(state, state))

    # --- Checking a model against the table -----------------------------------------------------

    def problems(self, model: type[models.Model]) -> list[str]:
        """What is wrong with this machine on ``model`` (empty when nothing is): the field must be a
        concrete field whose choices are exactly the table's states; the initial states must exist;
        every state must be reachable from an initial state; and, when the table has terminal (or
        ``final``) states, every state must have a way to one of them (no trap)."""
        try:
            field = model._meta.get_field(self.field)
        except FieldDoesNotExist:
            return [f"{model.__name__} has no field {self.field!r}."]
        if not getattr(field, "concrete", False):
            return [f"{model.__name__}.{self.field} is not a concrete field."]
        found: list[str] = []
        if field.choices:
            choices = {state_value(value) for value, _label in field.flatchoices}
            if choices - self.states:
                found.append(f"States missing from the table: {', '.join(sorted(choices - self.states))}.")
            if self.states - choices:
                found.append(f"Table states that are no choice: {', '.join(sorted(self.states - choices))}.")
        initial = self.initial_states(model)
        if not initial:
            found.append("No initial state: give the field a default or the machine its initial states.")
        unreachable = self.states - _reachable(self._transitions, initial)
        if initial and unreachable:
            found.append(
                f"Not reachable from {', '.join(sorted(initial))}: {', '.join(sorted(unreachable))}."
            )
        if self.ends:
            trapped = sorted(
                state for state in self.states if not _reachable(self._transitions, {state}) & self.ends
            )
            if trapped:
                found.append(f"No way to a terminal state from: {', '.join(trapped)}.")
        return found

    def _check_changes(self, model: type[models.Model], changes: Mapping[str, Any]) -> None:
        for name in changes:
            if name == self.field:
                raise TypeError(f"The state {self.field!r} is move()'s target, not one of its changes.")
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:
                field = None
            if field is None or not getattr(field, "concrete", False) or field.primary_key:
                raise TypeError(f"{model.__name__} has no field {name!r} that move() could change.")


def _snapshot(obj: models.Model, names: Iterable[str]) -> list[tuple[models.Field, Any]]:
    """The stored values (``attname``: a foreign key's id, without loading the related row)."""
    fields = [obj._meta.get_field(name) for name in names]
    return [(field, getattr(obj, field.attname)) for field in fields]


def _restore(obj: models.Model, snapshot: list[tuple[models.Field, Any]]) -> None:
    for field, value in snapshot:
        setattr(obj, field.attname, value)
        if field.is_relation and field.is_cached(obj):
            field.delete_cached_value(obj)


def _reachable(table: Mapping[str, frozenset[str]], start: Iterable[str]) -> frozenset[str]:
    seen = set(start)
    todo = list(seen)
    while todo:
        for target in table.get(todo.pop(), frozenset()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return frozenset(seen)


def _content_type(model: type[models.Model]):
    return ContentType.objects.get_for_model(model)


# --- The registry ---------------------------------------------------------------------------------

_registry: dict[tuple[type[models.Model], str], StateMachine] = {}


def register(model: type[models.Model], machine: StateMachine) -> StateMachine:
    """Make ``machine`` known as the machine of ``model``'s field ``machine.field``.

    Needed only for a machine that is not a class attribute of the model (those are found by
    ``machines()`` on their own). Registering a second, different machine for the same field is
    a mistake and raises ``ImproperlyConfigured``.
    """
    key = (model, machine.field)
    existing = _registry.get(key)
    if existing is not None and existing is not machine:
        raise ImproperlyConfigured(f"{model.__name__}.{machine.field} already has a state machine.")
    _registry[key] = machine
    return machine


def machines() -> list[tuple[type[models.Model], StateMachine]]:
    """Every state machine of the project as (model, machine), ordered by model label and field:
    the registered ones and those declared as class attributes of installed models, inherited
    ones (from an abstract base) included, once per concrete model."""
    found = dict(_registry)
    for model in apps.get_models():
        declared: dict[str, StateMachine] = {}
        for klass in reversed(model.__mro__):  # a subclass's declaration wins
            for value in vars(klass).values():
                if isinstance(value, StateMachine):
                    declared[value.field] = value
        for field, machine in declared.items():
            existing = found.setdefault((model, field), machine)
            if existing is not machine:
                raise ImproperlyConfigured(f"{model.__name__}.{field} has two state machines.")
    ordered = sorted(found.items(), key=lambda item: (item[0][0]._meta.label, item[0][1]))
    return [(model, machine) for (model, _field), machine in ordered]


def machine_of(model: type[models.Model], field: str) -> StateMachine | None:
    """The machine of ``model``'s field ``field``, if it has one."""
    for known_model, machine in machines():
        if known_model is model and machine.field == field:
            return machine
    return None
