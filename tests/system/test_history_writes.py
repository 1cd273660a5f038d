"""No write that bypasses the audit trail.

``QuerySet.update()``, ``bulk_create()`` and ``bulk_update()`` send no ``post_save`` signal, so
django-simple-history writes no history row for them: the change would have no user and no reason.
This test reads every Python file of the project (its syntax tree, not its text) and finds those
calls on querysets and managers of history-tracked models — through ``Model.objects…``, a related
manager (``batch.letters…``) or a local variable holding either — plus raw SQL that writes, and
``Model.objects…`` on a model it cannot name. Each must be on the reviewed allow-list below, with
the reason it is safe; an ``update()`` that only sets fields the model's history excludes (work
claims such as ``Letter.claim_token``) changes nothing the history records and needs no entry.

Not scanned: ``tests/`` (fixtures put rows into states directly) and ``migrations/`` (historical
models; data migrations write their history rows themselves).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "node_modules", "tests", "migrations", "staticfiles", "static", "var", ".git"}
WRITES = {"update", "bulk_create", "bulk_update"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
SQL_WRITES = ("UPDATE", "INSERT", "DELETE")

# (file, enclosing function, call) -> why it is safe. Reviewed: keep the reasons true.
ALLOW_LIST: dict[tuple[str, str, str], str] = {
    ("letters/services.py", "_bulk_write", "executemany"): (
        "One UPDATE per letter for a dispatch batch; _record_outcomes writes the letters' history rows "
        "itself with Letter.history.bulk_history_create (system user and reason) in the same transaction."
    ),
    ("waitinglists/management/commands/import_waitinglist.py", "insert", "bulk_create"): (
        "The legacy import's bulk insert (outside PostgreSQL); the same method writes one history row "
        "per object with bulk_history_create (import user and reason)."
    ),
    ("waitinglists/management/commands/import_waitinglist.py", "insert_wishes", "bulk_create"): (
        "The import's wished departments (m2m through rows) and the same rows on each entry's creation "
        "record (HistoricalEntry_departments), written together."
    ),
    ("waitinglists/queue.py", "rebuild_list", "execute"): (
        "Rebuilds the kept queue order of one list (QueueSnapshot, QueueChange, ListTally): derived rows "
        "the database maintains like an index, never a record of a decision, so they have no history; "
        "the entries they are read from are not written."
    ),
    ("waitinglists/management/commands/seed_scale.py", "_fill_wish_queue_columns", "execute"): (
        "Scale data: the wishes' copy of their entries' place and rooms (migration waitinglists 0018), which "
        "the triggers turned off during the COPY would have kept: derived columns like an index, never a "
        "record of a decision, and the wish table itself has no history of its own."
    ),
    ("waitinglists/demo.py", "_entries", "bulk_create"): (
        "Demo data: the wished departments (m2m through rows) and the same rows on each entry's creation "
        "record (HistoricalEntry_departments), written together after bulk_create_with_history."
    ),
    ("allocation/management/commands/bench_ranking.py", "_set_households", "execute"): (
        "Benchmark data: one UPDATE of Entry.household followed by the INSERT of a history row per entry "
        "(system user, reason) and its m2m history rows, as audited_save would record the change."
    ),
    ("simulation/management/commands/bench_replay.py", "_build", "execute"): (
        "Benchmark data: the scale data's own creation rows (history_date only) dated to the day before "
        "the benchmark's year, so the replay finds the lists as they stood then; no live row changes."
    ),
}


@dataclass(frozen=True)
class Finding:
    path: str
    function: str
    call: str
    line: int
    target: str

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.path, self.function, self.call)


def _tracked_models() -> dict[str, type]:
    return {
        model.__name__: model
        for model in apps.get_models()
        if getattr(model._meta, "simple_history_manager_attribute", None)
    }


def _untracked_models(tracked: dict[str, type]) -> set[str]:
    """Class names of models without history (a name shared with a tracked model counts as tracked)."""
    return {model.__name__ for model in apps.get_models()} - set(tracked)


def _related_accessors(tracked: dict[str, type]) -> dict[str, type]:
    """Attribute names that give a manager of a tracked model: reverse FKs and forward m2m."""
    tracked_models = set(tracked.values())
    accessors: dict[str, type] = {}
    for model in apps.get_models():
        for relation in model._meta.related_objects:
            if relation.related_model in tracked_models and (relation.one_to_many or relation.many_to_many):
                accessors[relation.get_accessor_name()] = relation.related_model
        for field in model._meta.many_to_many:
            if field.related_model in tracked_models:
                accessors[field.name] = field.related_model
    return accessors


def _untracked_fields(model: type) -> set[str]:
    """Fields of ``model`` its history leaves out (``HistoricalRecords(excluded_fields=…)``)."""
    history_model = getattr(model, model._meta.simple_history_manager_attribute).model
    recorded = {field.name for field in history_model._meta.get_fields()}
    return {field.name for field in model._meta.concrete_fields if field.name not in recorded}


class _Scanner(ast.NodeVisitor):
    def __init__(
        self,
        path: str,
        tracked: dict[str, type],
        accessors: dict[str, type],
        untracked: frozenset[str] | set[str] = frozenset(),
    ) -> None:
        self.path = path
        self.tracked = tracked
        self.untracked = untracked
        self.accessors = accessors
        self.scope: list[str] = []
        self.assignments: list[dict[str, ast.expr]] = [{}]
        self.findings: list[Finding] = []

    # -- scopes ------------------------------------------------------------------------------
    def _visit_scope(self, node) -> None:
        self.scope.append(node.name)
        self.assignments.append({})
        self.generic_visit(node)
        self.assignments.pop()
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _visit_scope

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Name):
                self.assignments[-1][target.id] = node.value
        self.generic_visit(node)

    # -- what a receiver is ---------------------------------------------------------------------
    def _model_of(self, node: ast.expr, depth: int = 0) -> type | str | None:
        """The tracked model whose queryset/manager ``node`` is; "?" for ``X.objects`` on a model
        this scan cannot name; None when it is not a queryset of a tracked model."""
        if depth > 20:
            return None
        if isinstance(node, ast.Call):
            return self._model_of(node.func, depth + 1)
        if isinstance(node, ast.Subscript):
            return self._model_of(node.value, depth + 1)
        if isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                if isinstance(node.value, ast.Name) and node.value.id in self.tracked:
                    return self.tracked[node.value.id]
                if isinstance(node.value, ast.Name) and node.value.id in self.untracked:
                    return None
                if isinstance(node.value, ast.Name):
                    assigned = self._assigned(node.value.id)
                    if assigned is None:
                        return "?"
                return self._model_of(node.value, depth + 1) or "?"
            if node.attr == "history":  # the history rows themselves
                return None
            if node.attr in self.accessors and not (
                isinstance(node.value, ast.Name) and node.value.id in self.tracked
            ):
                return self.accessors[node.attr]
            return self._model_of(node.value, depth + 1)
        if isinstance(node, ast.Name):
            assigned = self._assigned(node.id)
            if assigned is not None and not isinstance(assigned, ast.Name):
                return self._model_of(assigned, depth + 1)
        return None

    def _assigned(self, name: str) -> ast.expr | None:
        return self.assignments[-1].get(name)

    # -- calls ------------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITES:
            model = self._model_of(func.value)
            if model is not None and not self._only_untracked_fields(model, func.attr, node):
                target = model if isinstance(model, str) else model.__name__
                self._add(func.attr, node, target)
        if isinstance(func, ast.Attribute) and func.attr in {"execute", "executemany"} and node.args:
            sql = node.args[0]
            text = ""
            if isinstance(sql, ast.Constant) and isinstance(sql.value, str):
                text = sql.value
            elif isinstance(sql, ast.JoinedStr) and sql.values and isinstance(sql.values[0], ast.Constant):
                text = str(sql.values[0].value)
            if text.lstrip().upper().startswith(SQL_WRITES):
                self._add(func.attr, node, "raw SQL")
        self.generic_visit(node)

    def _only_untracked_fields(self, model: type | str, call: str, node: ast.Call) -> bool:
        if call != "update" or isinstance(model, str) or node.args:
            return False
        names = [keyword.arg for keyword in node.keywords]
        return bool(names) and None not in names and set(names) <= _untracked_fields(model)

    def _add(self, call: str, node: ast.Call, target: str) -> None:
        self.findings.append(
            Finding(self.path, ".".join(self.scope) or "<module>", call, node.lineno, target)
        )


def _python_files() -> list[Path]:
    return sorted(
        path
        for path in ROOT.rglob("*.py")
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts[:-1])
    )


def _findings() -> list[Finding]:
    tracked = _tracked_models()
    accessors = _related_accessors(tracked)
    untracked = _untracked_models(tracked)
    findings: list[Finding] = []
    for path in _python_files():
        scanner = _Scanner(str(path.relative_to(ROOT)), tracked, accessors, untracked)
        scanner.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        findings.extend(scanner.findings)
    return findings


def _key(finding: Finding) -> tuple[str, str, str]:
    # Allow-list entries name the innermost function (methods and nested helpers alike).
    return (finding.path, finding.function.rsplit(".", 1)[-1], finding.call)


def test_no_update_or_bulk_write_on_history_tracked_models_outside_the_allow_list():
    offenders = [
        f"{f.path}:{f.line} {f.function}: .{f.call}() on {f.target}"
        for f in _findings()
        if _key(f) not in ALLOW_LIST
    ]
    assert offenders == [], "writes without a history row:\n" + "\n".join(offenders)


def test_every_allow_list_entry_is_still_needed_and_has_a_reason():
    found = {_key(f) for f in _findings()}
    assert [key for key in ALLOW_LIST if key not in found] == []
    assert all(len(reason) > 40 for reason in ALLOW_LIST.values())


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("def f(g):\n    Guarantee.objects.filter(a=1).update(state='used')\n", True),
        ("def f(batch):\n    batch.items.filter(state='q').update(state='p')\n", True),
        ("def f():\n    qs = Guarantee.objects.filter(a=1)\n    qs.update(state='used')\n", True),
        ("def f():\n    Guarantee.objects.bulk_create([])\n", True),
        ("def f(model):\n    model.objects.bulk_update([], ['state'])\n", True),
        ("def f(c):\n    c.execute('UPDATE t SET a = 1')\n", True),
        ("def f():\n    Guarantee.objects.filter(a=1).update(claim='x')\n", False),
        ("def f():\n    Untracked.objects.filter(a=1).update(state='x')\n", False),
        ("def f(counts):\n    counts.update({'a': 1})\n", False),
        ("def f(c):\n    c.execute('SELECT 1')\n", False),
    ],
)
def test_the_scan_finds_what_it_must(source, flagged, monkeypatch):
    """The scanner against a stand-in tracked model ``Guarantee`` (history excludes ``claim``)
    with a reverse accessor ``items``, so a scan that finds nothing cannot pass by accident."""

    class Guarantee:
        pass

    monkeypatch.setitem(globals(), "_untracked_fields", lambda model: {"claim"})
    scanner = _Scanner("x.py", {"Guarantee": Guarantee}, {"items": Guarantee}, {"Untracked"})
    scanner.visit(ast.parse(source))
    assert bool(scanner.findings) is flagged
