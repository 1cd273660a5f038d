"""A state field with a state machine is written by ``StateMachine.move`` and nowhere else.

This test reads the Python files (their syntax trees, not their text) of every app that owns a
model with a state machine (``housing.state_machine.machines()``) — the app of the model and the
apps of its model bases, e.g. the abstract model that declares the field — and lists every write of
a machine's field name:

* an assignment ``x.<field> = …``, also as part of a tuple (``a.state, a.closed_on = …``),
  augmented or annotated, and ``setattr(x, "<field>", …)``;
* ``.update(<field>=…)`` (also ``**{"<field>": …}``), ``.bulk_update(…, ["<field>", …])`` and the
  ``defaults`` of ``update_or_create``;
* ``<field>=…`` in ``.create(…)``, ``get_or_create(…)`` (and its ``defaults``/``create_defaults``) or
  a constructor call of a model with that machine (``Vacancy(…)``), unless the value is one of the
  machine's initial states: written as a string (``"open"``) or a choices member named like it
  (``VacancyStage.OPEN``). A new object starts where its machine starts; from there it moves.

A syntax tree cannot tell whose attribute ``x.state`` is, so in an app that owns a machine every
write of that field name counts, also for a model that has no machine (yet). Not scanned:
``migrations/`` (historical models), ``tests/`` (fixtures build rows in any state) and the machine
itself (``housing/state_machine.py``).

Only the fields of registered machines are looked for, each in the apps that own its machine (an
app owning only a ``stage`` machine is not searched for ``state``): the test bites for a field from
the day its machine is registered. Until then the project scan is skipped; the scanner
itself is tested below on source written for the purpose.
"""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import pytest
from django.apps import apps
from django.db import models

from housing import state_machine
from housing.fees import AbstractFeeCharge
from housing.models import Dwelling, OwnerKind
from housing.state_machine import StateMachine, machines, register

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {"migrations", "tests", "__pycache__"}
EXEMPT_FILES = {"housing/state_machine.py"}

# (file, a snippet of the offending line) -> why the write may stay. Every entry must still match a
# write (a stale entry fails the test). Keep this EMPTY: a state changes through its machine's
# move(), which checks the transition and records it; an entry is a debt with its reason, to be paid.
ALLOWED: dict[tuple[str, str], str] = {}

CREATING_CALLS = {"create", "get_or_create", "update_or_create"}


@dataclass(frozen=True)
class Write:
    path: str
    line: int
    field: str
    how: str
    code: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.how} of {self.field!r}: {self.code}"


@dataclass(frozen=True)
class Target:
    """What the scan looks for: the state fields, the names of the models that have them (for
    constructor calls) and, per field, how an initial state may be written."""

    fields: frozenset[str]
    constructors: frozenset[str]
    initial_constants: Mapping[str, frozenset[str]]
    initial_names: Mapping[str, frozenset[str]]


def target_of(pairs: Iterable[tuple[type[models.Model], StateMachine]]) -> Target:
    fields: set[str] = set()
    constructors: set[str] = set()
    constants: dict[str, set[str]] = {}
    names: dict[str, set[str]] = {}
    for model, machine in pairs:
        fields.add(machine.field)
        constructors.update(klass.__name__ for klass in _model_classes(model))
        initial = machine.initial_states(model)
        constants.setdefault(machine.field, set()).update(initial)
        names.setdefault(machine.field, set()).update(state.upper() for state in initial)
        default = model._meta.get_field(machine.field).default
        if isinstance(default, Enum) and default.value in initial:
            names[machine.field].add(default.name)
    return Target(
        fields=frozenset(fields),
        constructors=frozenset(constructors),
        initial_constants={field: frozenset(values) for field, values in constants.items()},
        initial_names={field: frozenset(values) for field, values in names.items()},
    )


def _model_classes(model: type[models.Model]) -> list[type]:
    """The model and its model bases (abstract ones included)."""
    return [
        klass
        for klass in model.__mro__
        if isinstance(klass, type) and issubclass(klass, models.Model) and klass is not models.Model
    ]


def owning_apps(
    pairs: Iterable[tuple[type[models.Model], StateMachine]],
) -> dict[Path, list[tuple[type[models.Model], StateMachine]]]:
    """The directory of each project app that defines a model with a machine or one of its model
    bases, with the machines it owns: each app is scanned for the fields of its own machines."""
    owned: dict[Path, list[tuple[type[models.Model], StateMachine]]] = {}
    for model, machine in pairs:
        for klass in _model_classes(model):
            config = apps.get_containing_app_config(klass.__module__)
            if config is None or not Path(config.path).resolve().is_relative_to(ROOT):
                continue
            mine = owned.setdefault(Path(config.path).resolve(), [])
            if (model, machine) not in mine:
                mine.append((model, machine))
    return dict(sorted(owned.items()))


# Apps that direct the cases of an app below them without models of their own: scanned for the
# fields of that app's machines too (``letting.workflow`` directs the allocation's vacancies, offer
# rounds and offers, and moves their states only through the machines).
DIRECTING_APPS = {"allocation": ("letting",)}


def scanned_dirs(
    pairs: Iterable[tuple[type[models.Model], StateMachine]],
) -> dict[Path, tuple[list[Path], list[tuple[type[models.Model], StateMachine]]]]:
    """Per owning app: the directories scanned for its machines' fields, and those machines."""
    return {
        directory: ([directory, *(ROOT / app for app in DIRECTING_APPS.get(directory.name, ()))], owned)
        for directory, owned in owning_apps(pairs).items()
    }


def project_writes(pairs: Iterable[tuple[type[models.Model], StateMachine]]) -> list[Write]:
    writes: list[Write] = []
    for dirs, owned in scanned_dirs(pairs).values():
        writes += scan_dirs(dirs, target=target_of(owned))
    return writes


class _Scanner(ast.NodeVisitor):
    def __init__(self, path: str, source: str, target: Target) -> None:
        self.path = path
        self.lines = source.splitlines()
        self.target = target
        self.writes: list[Write] = []

    def _add(self, node: ast.AST, field: str, how: str) -> None:
        code = self.lines[node.lineno - 1].strip() if node.lineno <= len(self.lines) else ""
        self.writes.append(Write(self.path, node.lineno, field, how, code))

    # --- Assignments ----------------------------------------------------------------------------

    def _targets(self, node: ast.expr) -> Iterable[ast.Attribute]:
        if isinstance(node, ast.Attribute):
            yield node
        elif isinstance(node, ast.Tuple | ast.List):
            for element in node.elts:
                yield from self._targets(element)
        elif isinstance(node, ast.Starred):
            yield from self._targets(node.value)

    def _assigned(self, node: ast.stmt, targets: Iterable[ast.expr]) -> None:
        for target in targets:
            for attribute in self._targets(target):
                if attribute.attr in self.target.fields:
                    self._add(node, attribute.attr, "assignment")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self._assigned(node, node.targets)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._assigned(node, [node.target])

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._assigned(node, [node.target] if node.value is not None else [])

    # --- Calls ------------------------------------------------------------------------------------

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
        if name == "setattr" and len(node.args) >= 2 and self._constant(node.args[1]) in self.target.fields:
            self._add(node, str(self._constant(node.args[1])), "setattr()")
        if isinstance(func, ast.Attribute) and name == "update":
            for field in self._keyword_fields(node):
                self._add(node, field, "update()")
        if isinstance(func, ast.Attribute) and name == "bulk_update":
            fields_arg = node.args[1] if len(node.args) >= 2 else self._keyword(node, "fields")
            for field in self._listed(fields_arg):
                self._add(node, field, "bulk_update()")
        creating = (isinstance(func, ast.Attribute) and name in CREATING_CALLS) or (
            name in self.target.constructors
        )
        if creating:
            how = f"{name}()"
            for keyword in node.keywords:
                if keyword.arg in self.target.fields and not self._initial(keyword.arg, keyword.value):
                    self._add(node, keyword.arg, how)
                if keyword.arg is None:  # **{"state": …}
                    for field, value in self._dict_items(keyword.value):
                        if not self._initial(field, value):
                            self._add(node, field, how)
            for option in ("defaults", "create_defaults"):
                # update_or_create's defaults change an existing row too: never a creation only.
                updates = name == "update_or_create" and option == "defaults"
                for field, value in self._dict_items(self._keyword(node, option)):
                    if updates or not self._initial(field, value):
                        self._add(node, field, f"{name}({option}=…)")
        self.generic_visit(node)

    def _keyword_fields(self, node: ast.Call) -> list[str]:
        found = [keyword.arg for keyword in node.keywords if keyword.arg in self.target.fields]
        for keyword in node.keywords:
            if keyword.arg is None:
                found += [field for field, _value in self._dict_items(keyword.value)]
        return [field for field in found if field is not None]

    def _dict_items(self, node: ast.expr | None) -> list[tuple[str, ast.expr]]:
        if not isinstance(node, ast.Dict):
            return []
        return [
            (str(self._constant(key)), value)
            for key, value in zip(node.keys, node.values, strict=True)
            if key is not None and self._constant(key) in self.target.fields
        ]

    def _listed(self, node: ast.expr | None) -> list[str]:
        if not isinstance(node, ast.List | ast.Tuple | ast.Set):
            return []
        return [str(self._constant(e)) for e in node.elts if self._constant(e) in self.target.fields]

    @staticmethod
    def _keyword(node: ast.Call, name: str) -> ast.expr | None:
        return next((keyword.value for keyword in node.keywords if keyword.arg == name), None)

    @staticmethod
    def _constant(node: ast.expr) -> object:
        return node.value if isinstance(node, ast.Constant) else None

    def _initial(self, field: str, value: ast.expr) -> bool:
        if isinstance(value, ast.Constant):
            return value.value in self.target.initial_constants.get(field, frozenset())
        if isinstance(value, ast.Attribute):
            return value.attr in self.target.initial_names.get(field, frozenset())
        return False


def scan_source(source: str, *, path: str, target: Target) -> list[Write]:
    scanner = _Scanner(path, source, target)
    scanner.visit(ast.parse(source, filename=path))
    return scanner.writes


def scan_dirs(dirs: Iterable[Path], *, target: Target, root: Path = ROOT) -> list[Write]:
    writes: list[Write] = []
    for directory in dirs:
        for file in sorted(directory.rglob("*.py")):
            relative = file.relative_to(root).as_posix()
            if SKIPPED_DIRS & set(file.relative_to(directory).parts[:-1]) or relative in EXEMPT_FILES:
                continue
            writes += scan_source(file.read_text(encoding="utf-8"), path=relative, target=target)
    return writes


def _allowed(write: Write) -> tuple[str, str] | None:
    return next(
        (key for key in ALLOWED if key[0] == write.path and key[1] in write.code),
        None,
    )


# --- The project ----------------------------------------------------------------------------------


def test_no_state_field_is_written_outside_its_machine():
    known = machines()
    if not known:
        pytest.skip("No state machine is registered yet: there is no state field to look for.")
    writes = project_writes(known)

    stray = [str(write) for write in writes if _allowed(write) is None]
    used = {_allowed(write) for write in writes} - {None}
    stale = [f"{path}: {snippet!r}" for path, snippet in ALLOWED if (path, snippet) not in used]
    assert not stray, "State written outside its machine's move():\n" + "\n".join(stray)
    assert not stale, "ALLOWED entries that match no write any more (remove them):\n" + "\n".join(stale)


def test_the_letting_is_scanned_for_the_allocations_state_fields():
    """The allocation owns the machines of the vacancy's stage, the offer round and the offer;
    ``letting.workflow``, which directs the letting, is read for writes of their fields too."""
    dirs, owned = scanned_dirs(machines())[ROOT / "allocation"]
    assert dirs == [ROOT / "allocation", ROOT / "letting"]
    assert {(model._meta.label, machine.field) for model, machine in owned} >= {
        ("allocation.Vacancy", "stage"),
        ("allocation.OfferRound", "state"),
        ("allocation.Offer", "answer"),
    }


def test_the_allow_list_is_empty():
    """Every write of a state goes through its machine; an exception is a debt, not a rule."""
    assert ALLOWED == {}


# --- The scanner ------------------------------------------------------------------------------------

STAGES = StateMachine(
    field="stage",
    transitions={"open": {"let", "cancelled"}, "let": set(), "cancelled": set()},
)


def _target_for_dwelling_and_stage() -> Target:
    """The example owner machine on ``Dwelling`` (initial: its default, OwnerKind.ORGANISATION)."""
    owners = StateMachine(
        field="owner_kind",
        transitions={OwnerKind.ORGANISATION: {OwnerKind.KOMMUNE}, OwnerKind.KOMMUNE: set()},
    )
    target = target_of([(Dwelling, owners)])
    return Target(
        fields=target.fields | {"stage"},
        constructors=target.constructors | {"Vacancy"},
        initial_constants={**target.initial_constants, "stage": frozenset({"open"})},
        initial_names={**target.initial_names, "stage": frozenset({"OPEN"})},
    )


SOURCE = textwrap.dedent(
    """
    def writes(vacancy, dwelling, rows, Stage):
        vacancy.stage = Stage.LET                                        # 3
        self.stage = "let"                                               # 4
        vacancy.stage, vacancy.closed_on = Stage.LET, today              # 5
        (a, [b.stage, *rest]) = values                                   # 6
        first, *vacancy.stage = values                                   # 7
        vacancy.stage += "x"                                             # 8
        vacancy.stage: str = "let"                                       # 9
        setattr(vacancy, "stage", Stage.LET)                             # 10
        Vacancy.objects.filter(pk=1).update(stage=Stage.LET)            # 11
        rows.update(**{"stage": "let", "note": ""})                      # 12
        Vacancy.objects.bulk_update(rows, ["stage", "note"])             # 13
        Vacancy.objects.bulk_update(rows, fields=("note", "stage"))      # 14
        Vacancy.objects.create(stage=Stage.LET)                          # 15
        vacancy.offers.create(stage=some_variable)                       # 16
        Vacancy(stage="cancelled")                                       # 17
        models.Vacancy(stage=Stage.CANCELLED)                            # 18
        Vacancy.objects.update_or_create(pk=1, defaults={"stage": "open"})   # 19
        Vacancy.objects.get_or_create(pk=1, defaults={"stage": "let"})   # 20
        Vacancy.objects.create(**{"stage": "let"})                       # 21
        Dwelling(owner_kind=OwnerKind.KOMMUNE)                           # 22
        dwelling.owner_kind = OwnerKind.ORGANISATION                     # 23

    def no_writes(vacancy, Stage, rows):
        Vacancy.objects.create(stage=Stage.OPEN)                         # 26
        Vacancy.objects.create(stage="open")                             # 27
        Vacancy(stage=Stage.OPEN, note="")                               # 28
        Vacancy.objects.get_or_create(pk=1, defaults={"stage": "open"})  # 29
        Dwelling(owner_kind=OwnerKind.ORGANISATION)                      # 30
        Dwelling.objects.create(owner_kind="organisation")               # 31
        if vacancy.stage == Stage.LET:                                   # 32
            rows.filter(stage=Stage.LET, note="x").exists()              # 33
        Q(stage=Stage.LET)                                               # 34
        Offer(stage=Stage.LET)                                           # 35
        vacancy.state = "done"                                           # 36
        rows.update(note="x")                                            # 37
        stage = Stage.LET                                                # 38
        other.bulk_update(rows, ["note"])                                # 39
        getattr(vacancy, "stage")                                        # 40
        vacancy.stage: str                                               # 41
    """
)


def test_the_scanner_finds_every_way_of_writing_a_state():
    writes = scan_source(SOURCE, path="app/services.py", target=_target_for_dwelling_and_stage())

    assert sorted({write.line for write in writes}) == list(range(3, 24))
    assert [str(write) for write in writes if write.line in (5, 13, 22)] == [
        "app/services.py:5: assignment of 'stage': "
        "vacancy.stage, vacancy.closed_on = Stage.LET, today              # 5",
        "app/services.py:13: bulk_update() of 'stage': "
        'Vacancy.objects.bulk_update(rows, ["stage", "note"])             # 13',
        "app/services.py:22: Dwelling() of 'owner_kind': "
        "Dwelling(owner_kind=OwnerKind.KOMMUNE)                           # 22",
    ]


def test_the_project_scan_reads_the_owning_apps_files_and_skips_migrations_and_tests(tmp_path):
    app = tmp_path / "app"
    for folder in ("", "services", "migrations", "tests"):
        (app / folder).mkdir(exist_ok=True)
    (app / "services" / "vacancies.py").write_text("def cancel(v):\n    v.stage = 'cancelled'\n")
    (app / "migrations" / "0002_data.py").write_text("def forwards(v):\n    v.stage = 'let'\n")
    (app / "tests" / "test_x.py").write_text("def test(v):\n    v.stage = 'let'\n")
    (app / "models.py").write_text("class Vacancy:\n    stage = 'open'\n")

    writes = scan_dirs([app], target=_target_for_dwelling_and_stage(), root=tmp_path)

    assert [(write.path, write.line) for write in writes] == [("app/services/vacancies.py", 2)]


@pytest.fixture
def _clean_registry(monkeypatch):
    monkeypatch.setattr(state_machine, "_registry", {})


def _of(*wanted: StateMachine) -> list[tuple[type[models.Model], StateMachine]]:
    """The project's machines that are among ``wanted`` (the apps' own machines left out)."""
    return [(model, machine) for model, machine in machines() if machine in wanted]


@pytest.mark.usefixtures("_clean_registry")
def test_each_owning_app_is_scanned_for_the_fields_of_its_own_machines(monkeypatch):
    owners = StateMachine(field="owner_kind", transitions={"organisation": set()})
    register(Dwelling, owners)
    assert owning_apps(_of(owners)) == {ROOT / "housing": [(Dwelling, owners)]}
    # The machines declared on the project's models belong to their models' apps.
    plan = owning_apps(machines())
    assert {path for path in plan if path != ROOT / "housing"} == {
        ROOT / model._meta.app_label for model, machine in machines() if machine is not owners
    }

    # A machine on the abstract charge of housing.fees belongs to the apps of its concrete charges
    # and to housing, where the abstract model (and its state-changing methods) live.
    charges = StateMachine(field="state", transitions={"open": {"paid"}, "paid": set()})
    monkeypatch.setattr(AbstractFeeCharge, "charges", charges, raising=False)
    plan = owning_apps(_of(owners, charges))
    assert {model._meta.label for model, machine in plan[ROOT / "waitinglists"]} == {"waitinglists.FeeCharge"}
    assert {machine.field for _model, machine in plan[ROOT / "housing"]} == {"owner_kind", "state"}
    assert ROOT / "allocation" not in plan
