"""The one CSV writer (housing/csv_export.py): formula injection neutralised per OWASP, and no
module writing CSV around it."""

from __future__ import annotations

import ast
import csv
import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest

from housing import csv_export

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "config",
    "housing",
    "letters",
    "waitinglists",
    "allocation",
    "approvals",
    "rejections",
    "complaints",
    "letting",
    "eldercare",
    "scripts",
)
WRITER_MODULE = ROOT / "housing" / "csv_export.py"


def _written(*rows) -> list[list[str]]:
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerows(rows)
    return list(csv.reader(io.StringIO(out.getvalue()), delimiter=";"))


@pytest.mark.parametrize(
    "cell",
    [
        '=HYPERLINK("http://x")',
        "@SUM(1)",
        "+1",
        "-2+3",
        "\t=1",
        "\r=1",
        "=1+2;3",
        "-1e5",
        "--1",
        "-",
        "+45 1234",
    ],
)
def test_a_cell_a_spreadsheet_would_run_gets_a_quote_in_front(cell):
    assert csv_export.neutralise(cell) == "'" + cell
    assert _written([cell, "x"]) == [["'" + cell, "x"]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-100,00", "-100,00"),  # an amount as Danish pages write it
        ("-1.234,50", "-1.234,50"),
        (Decimal("-100.00"), "-100.00"),
        (-3, "-3"),
        (-2.5, "-2.5"),
        (0, "0"),
        (None, ""),
        (datetime.date(2026, 1, 2), "2026-01-02"),
        ("Astrid Alfasen", "Astrid Alfasen"),
        ("010190-XXXX", "010190-XXXX"),
        ("a=b", "a=b"),  # only the first character decides
    ],
)
def test_plain_values_and_negative_numbers_stay_usable(value, expected):
    """A plain negative number cannot run anything; a quote would make it text a spreadsheet
    cannot add up, so it is written as it is."""
    assert csv_export.neutralise(value) == expected
    assert _written([value]) == [[expected]]


def test_header_rows_go_through_the_same_neutralising():
    assert _written(["=Kolonne", "Navn"], ["1", "2"]) == [["'=Kolonne", "Navn"], ["1", "2"]]


def _csv_writer_uses(path: Path) -> list[str]:
    """Every place in ``path`` that reaches ``csv.writer``/``csv.DictWriter`` (any import alias)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    csv_names: set[str] = set()  # names bound to the csv module in this file
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            csv_names |= {alias.asname or alias.name for alias in node.names if alias.name == "csv"}
        elif isinstance(node, ast.ImportFrom) and node.module == "csv":
            found += [
                f"{path.relative_to(ROOT)}:{node.lineno} from csv import {alias.name}"
                for alias in node.names
                if alias.name in {"writer", "DictWriter", "*"}
            ]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"writer", "DictWriter"}
            and isinstance(node.value, ast.Name)
            and node.value.id in csv_names
        ):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_the_checker_finds_a_direct_csv_writer(tmp_path, monkeypatch):
    """The guard below must be able to fail: it finds each way of reaching the raw writer."""
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import csv\nimport csv as c\nfrom csv import DictWriter\n"
        "csv.writer(x)\nw = c.DictWriter\ncsv.reader(x)\n",
        encoding="utf-8",
    )
    assert len(_csv_writer_uses(sample)) == 3


def test_no_module_calls_csv_writer_outside_the_one_writer():
    offenders = [
        use
        for app in APPS
        if (ROOT / app).is_dir()
        for path in sorted((ROOT / app).rglob("*.py"))
        if path != WRITER_MODULE
        for use in _csv_writer_uses(path)
    ]
    assert offenders == [], "use housing.csv_export.writer instead: " + ", ".join(offenders)
    assert _csv_writer_uses(WRITER_MODULE)  # the writer itself is found, so the scan works
