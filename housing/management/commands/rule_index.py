"""Write ``docs/rules.md``: every rule of the catalogue with the modules that implement it and its tests.

The rule list comes from the project's own snapshot ``docs/rule-catalogue.json`` (rule ID, section and
one-line title), because the full catalogue lives beside the checkout, not in it, and is absent at a
user's site. ``--catalogue PATH`` refreshes the snapshot from a copy of the catalogue first.

Tests are found by their rule markers, read with the AST so that multi-ID markers, markers inside
``pytest.param(..., marks=...)``, named markers and a module's or class's ``pytestmark`` all count.
Implementing modules are the Python files outside tests and migrations whose text (docstrings,
comments, labels, messages) names the rule ID; a range such as "R5.1–R5.3" names each rule in it.

    python manage.py rule_index            # rewrite docs/rules.md
    python manage.py rule_index --check    # exit 1 when docs/rules.md is not current
    python manage.py rule_index --catalogue ../shared/docs/RULES.md   # refresh the snapshot too
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SNAPSHOT = Path("docs") / "rule-catalogue.json"
OUTPUT = Path("docs") / "rules.md"
COMMAND = "python manage.py rule_index"

# Folders that hold no project Python (hidden ones such as .venv, .git and .ci are skipped as well).
SKIPPED_DIRS = {"node_modules", "staticfiles", "static", "locale", "templates", "__pycache__", "docs"}
TOP_MODULES = 4
ID_PATTERN = r"(?:DP|R)\d+(?:\.\d+)?"
# A range of rules: "R5.1–R5.3", "R2.3-R2.4", "R5.1–5.3"; an en dash or a hyphen between the ends.
RANGE = re.compile(rf"\b({ID_PATTERN})\s*[–-]\s*({ID_PATTERN}|\d+\.\d+)(?![\w]|\.\d)")
SINGLE = re.compile(rf"(?<![\w.])({ID_PATTERN})(?![\w]|\.\d)")
PARTS = re.compile(r"(DP|R)(\d+)(?:\.(\d+))?$")
# The catalogue marks each rule by its bold ID: **R3.3**, **R2.3 / R2.4**, **R21.2–R21.4**, **DP1**.
BOLD = re.compile(r"\*\*((?:DP|R)\d[^*]*)\*\*")
ONE_ID = re.compile(r"(DP|R)(\d+)(?:\.(\d+))?")
# A full stop that ends a sentence: not the one of "incl.", "nr." or "stk." before a number or name.
SENTENCE_END = re.compile(r"(?<=[a-zæøå0-9)*])(?<!\bincl)(?<!\bnr)(?<!\bstk)\.\s+(?=[A-ZÆØÅ*(])")


def rule_sort_key(rule_id: str) -> tuple[int, int, int]:
    """Law order: R rules by paragraph and stk., then the Digital Post rules (DP)."""
    prefix, paragraph, stk = PARTS.match(rule_id).groups()
    return (0 if prefix == "R" else 1, int(paragraph), int(stk) if stk else 0)


def expand_range(first: str, last: str) -> list[str]:
    """The rules a range names. Only a range within one paragraph is expanded ("R5.1–R5.3" is
    R5.1, R5.2, R5.3); anything else (across paragraphs, backwards) names just its two ends."""
    start = PARTS.match(first)
    if not last.startswith(("R", "DP")):
        last = f"{start.group(1)}{last}"
    end = PARTS.match(last)
    if (
        start
        and end
        and start.group(1) == end.group(1)
        and start.group(2) == end.group(2)
        and start.group(3)
        and end.group(3)
        and int(start.group(3)) < int(end.group(3))
    ):
        prefix, paragraph = start.group(1), start.group(2)
        return [f"{prefix}{paragraph}.{n}" for n in range(int(start.group(3)), int(end.group(3)) + 1)]
    return [first] + ([last] if end else [])


def rule_ids_in_text(text: str) -> list[str]:
    """Every rule ID the text names, once per mention, with ranges expanded."""
    found: list[str] = []
    covered: list[tuple[int, int]] = []
    for match in RANGE.finditer(text):
        found += expand_range(match.group(1), match.group(2))
        covered.append(match.span())
    for match in SINGLE.finditer(text):
        if not any(start <= match.start() < end for start, end in covered):
            found.append(match.group(1))
    return found


# --- the catalogue -------------------------------------------------------------------------------


def _title(text: str) -> str:
    """A one-line title: the rule's first sentence, without a leading scope note in brackets."""
    text = re.sub(r"\s+", " ", text.replace("**", "")).strip()
    if text.startswith("("):
        depth = 0
        for index, char in enumerate(text):
            depth += {"(": 1, ")": -1}.get(char, 0)
            if depth == 0:
                text = text[index + 1 :].strip()
                break
    sentence = SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".")
    if len(sentence) > 170:
        sentence = sentence[:170].rsplit(" ", 1)[0] + " …"
    return sentence


def parse_catalogue(text: str) -> list[dict[str, str]]:
    """The rules of the catalogue (``RULES.md``) with their section heading and one-line title."""
    headings = [(m.start(), m.group(1).strip()) for m in re.finditer(r"^## (.+)$", text, re.M)]
    bold = list(BOLD.finditer(text))
    rules: dict[str, dict[str, str]] = {}
    for index, match in enumerate(bold):
        end = bold[index + 1].start() if index + 1 < len(bold) else len(text)
        stop = re.search(r"\n\s*(?:- |#)", text[match.end() : end])
        body = text[match.end() : match.end() + stop.start()] if stop else text[match.end() : end]
        section = next((title for start, title in reversed(headings) if start < match.start()), "")
        head = match.group(1)
        found = ONE_ID.findall(head)
        ids: list[str] = []
        if len(found) == 2 and ("–" in head or "-" in head):
            ids = expand_range(*(f"{p}{n}.{s}" if s else f"{p}{n}" for p, n, s in found))
        else:
            ids = [f"{p}{n}.{s}" if s else f"{p}{n}" for p, n, s in found]
        for rule_id in ids:
            rules.setdefault(rule_id, {"id": rule_id, "section": section, "title": _title(body)})
    return sorted(rules.values(), key=lambda rule: rule_sort_key(rule["id"]))


# --- the tests -----------------------------------------------------------------------------------


def _is_rule_marker(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "rule"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "mark"
    )


def _marker_ids(node: ast.AST, named: dict[str, list[str]]) -> list[str]:
    """The rule IDs of every rule marker inside ``node`` (and of the named markers it refers to)."""
    ids: list[str] = []
    for child in ast.walk(node):
        if _is_rule_marker(child):
            for arg in child.args:
                if isinstance(arg, ast.Starred):
                    arg = arg.value
                if isinstance(arg, ast.Name):
                    ids += named.get(arg.id, [])
                for value in ast.walk(arg):
                    if isinstance(value, ast.Constant) and isinstance(value.value, str):
                        ids += [v for v in re.findall(ID_PATTERN, value.value) if PARTS.match(v)]
        elif isinstance(child, ast.Name) and child.id in named:
            ids += named[child.id]
    return ids


def _named_markers(tree: ast.Module) -> dict[str, list[str]]:
    """Module-level names bound to a rule marker or to a tuple of rule IDs for one."""
    named: dict[str, list[str]] = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and target.id != "pytestmark":
                value = statement.value
                if any(_is_rule_marker(n) for n in ast.walk(value)):
                    named[target.id] = _marker_ids(value, named)
                elif (
                    isinstance(value, (ast.Tuple, ast.List))
                    and value.elts
                    and all(
                        isinstance(e, ast.Constant) and isinstance(e.value, str) and PARTS.match(e.value)
                        for e in value.elts
                    )
                ):
                    named[target.id] = [e.value for e in value.elts]
    return named


def _pytestmark(body: list[ast.stmt], named: dict[str, list[str]]) -> list[str]:
    ids: list[str] = []
    for statement in body:
        if isinstance(statement, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in statement.targets
        ):
            ids += _marker_ids(statement.value, named)
    return ids


def _decorator_ids(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, named) -> list[str]:
    return [rule_id for decorator in node.decorator_list for rule_id in _marker_ids(decorator, named)]


def markers_in_source(source: str, label: str) -> dict[str, set[str]]:
    """Rule ID → the tests in this file that carry it (``label::test``, ``label::Class::test``; a
    module-level ``pytestmark`` gives ``label`` itself, a class's marker ``label::Class``)."""
    tree = ast.parse(source)
    named = _named_markers(tree)
    found: dict[str, set[str]] = {}

    def add(ids: list[str], name: str) -> None:
        for rule_id in ids:
            found.setdefault(rule_id, set()).add(name)

    add(_pytestmark(tree.body, named), label)
    for statement in tree.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            add(_decorator_ids(statement, named), f"{label}::{statement.name}")
        elif isinstance(statement, ast.ClassDef):
            class_name = f"{label}::{statement.name}"
            add(_decorator_ids(statement, named), class_name)
            add(_pytestmark(statement.body, named), class_name)
            for member in statement.body:
                if isinstance(member, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    add(_decorator_ids(member, named), f"{class_name}::{member.name}")
    return found


# --- the project ---------------------------------------------------------------------------------


def _is_test_file(relative: Path) -> bool:
    name = relative.name
    return "tests" in relative.parts[:-1] or name.startswith("test_") or name == "conftest.py"


def python_files(root: Path) -> list[Path]:
    """The project's Python files, relative to ``root``, in a fixed order."""
    files = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root)
        if any(part.startswith(".") or part in SKIPPED_DIRS for part in relative.parts[:-1]):
            continue
        files.append(relative)
    return sorted(files, key=lambda p: p.as_posix())


def scan(root: Path) -> tuple[dict[str, Counter], dict[str, set[str]]]:
    """Rule ID → mentions per implementing module, and rule ID → tests carrying its marker."""
    modules: dict[str, Counter] = {}
    tests: dict[str, set[str]] = {}
    this_file = Path(__file__).resolve()
    for relative in python_files(root):
        path = root / relative
        source = path.read_text(encoding="utf-8", errors="replace")
        label = relative.as_posix()
        if _is_test_file(relative):
            for rule_id, names in markers_in_source(source, label).items():
                tests.setdefault(rule_id, set()).update(names)
        elif "migrations" not in relative.parts and path.resolve() != this_file:
            for rule_id in rule_ids_in_text(source):
                modules.setdefault(rule_id, Counter())[label] += 1
    return modules, tests


def render(rules: list[dict[str, str]], modules: dict[str, Counter], tests: dict[str, set[str]]) -> str:
    known = {rule["id"] for rule in rules}
    with_module = sum(1 for rule_id in known if modules.get(rule_id))
    with_test = sum(1 for rule_id in known if tests.get(rule_id))
    lines = [
        "# Where each rule lives",
        "",
        f"Generated by `{COMMAND}` from `{SNAPSHOT.as_posix()}` (the rule IDs and titles of the",
        "catalogue) and the project's sources; do not edit by hand. *Modules* are the Python files outside",
        "tests and migrations that name the rule ID (in docstrings, comments, labels or messages), most",
        f"mentions first (at most {TOP_MODULES}); *tests* carry `@pytest.mark.rule(...)` with the ID.",
        "The law text (BEK 1360/2018) is the authority; the titles are the catalogue's one-line summaries.",
        "",
        f"{len(rules)} rules: {with_module} named in a module, {with_test} proved by a marked test.",
        "",
    ]
    for rule in rules:
        rule_id = rule["id"]
        lines += [f"## {rule_id} — {rule['title']}", ""]
        if rule["section"]:
            lines.append(f"- Section: {rule['section']}")
        counted = sorted(modules.get(rule_id, Counter()).items(), key=lambda item: (-item[1], item[0]))
        shown = ", ".join(f"`{name}` ({count})" for name, count in counted[:TOP_MODULES])
        more = f", and {len(counted) - TOP_MODULES} more" if len(counted) > TOP_MODULES else ""
        lines.append(f"- Modules: {shown}{more}" if counted else "- Modules: none names this ID")
        # Code often names a whole paragraph ("R9") where the catalogue has only its stk. (R9.1 …).
        prefix, paragraph, stk = PARTS.match(rule_id).groups()
        whole = f"{prefix}{paragraph}"
        if stk and whole not in known and modules.get(whole):
            named_whole = sorted(modules[whole].items(), key=lambda item: (-item[1], item[0]))
            listed = ", ".join(f"`{name}` ({count})" for name, count in named_whole[:TOP_MODULES])
            rest = f", and {len(named_whole) - TOP_MODULES} more" if len(named_whole) > TOP_MODULES else ""
            lines.append(f"- Modules naming {whole} as a whole: {listed}{rest}")
        marked = sorted(tests.get(rule_id, ()))
        if marked:
            lines.append("- Tests:")
            lines += [f"  - `{name}`" for name in marked]
        else:
            lines.append("- Tests: none carries this ID")
        lines.append("")
    unknown = sorted(set(tests) - known, key=rule_sort_key)
    if unknown:
        lines += ["## Marker IDs that are not in the catalogue", ""]
        for rule_id in unknown:
            lines.append(f"- {rule_id}: " + ", ".join(f"`{name}`" for name in sorted(tests[rule_id])))
        lines.append("")
    return "\n".join(lines)


def build(root: Path) -> str:
    snapshot = json.loads((root / SNAPSHOT).read_text(encoding="utf-8"))
    modules, tests = scan(root)
    return render(snapshot["rules"], modules, tests)


class Command(BaseCommand):
    help = "Write docs/rules.md: each rule of the catalogue with its implementing modules and its tests."

    def add_arguments(self, parser):
        parser.add_argument(
            "--catalogue",
            help="refresh docs/rule-catalogue.json from this RULES.md first (e.g. ../shared/docs/RULES.md)",
        )
        parser.add_argument(
            "--check", action="store_true", help="only check; exit 1 if docs/rules.md is stale"
        )

    def handle(self, *args, **options):
        root = Path(settings.BASE_DIR)
        if options["catalogue"]:
            source = Path(options["catalogue"])
            if not source.is_file():
                raise CommandError(f"No catalogue at {source}.")
            rules = parse_catalogue(source.read_text(encoding="utf-8"))
            if not rules:
                raise CommandError(f"{source} holds no rule IDs (**R3.3**): not the rule catalogue?")
            snapshot = {"source": "RULES.md (the shared rule catalogue)", "rules": rules}
            text = json.dumps(snapshot, ensure_ascii=False, indent=1) + "\n"
            (root / SNAPSHOT).write_text(text, encoding="utf-8")
            self.stdout.write(f"{SNAPSHOT}: {len(rules)} rules")
        text = build(root)
        target = root / OUTPUT
        if options["check"]:
            current = target.read_text(encoding="utf-8") if target.exists() else ""
            if current != text:
                raise CommandError(f"{OUTPUT} is not current: run `{COMMAND}`.")
            self.stdout.write(f"{OUTPUT} is current.")
            return
        target.write_text(text, encoding="utf-8")
        self.stdout.write(f"{OUTPUT} written.")
