"""The rule index docs/rules.md: current with the code, and built from the right mentions and markers."""

import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from housing.management.commands.rule_index import (
    OUTPUT,
    build,
    expand_range,
    markers_in_source,
    parse_catalogue,
    rule_ids_in_text,
)

ROOT = Path(settings.BASE_DIR)


def test_the_committed_rule_index_is_what_the_command_writes():
    committed = (ROOT / OUTPUT).read_text(encoding="utf-8")
    assert committed == build(ROOT), "docs/rules.md is stale: run `python manage.py rule_index` and commit it"


def test_every_rule_of_the_snapshot_has_a_section_of_its_own():
    rules = json.loads((ROOT / "docs" / "rule-catalogue.json").read_text(encoding="utf-8"))["rules"]
    text = (ROOT / OUTPUT).read_text(encoding="utf-8")
    assert len(rules) > 100
    for rule in rules:
        assert text.count(f"\n## {rule['id']} — ") == 1, rule["id"]


def test_a_range_within_one_paragraph_names_every_rule_in_it():
    assert expand_range("R5.1", "R5.3") == ["R5.1", "R5.2", "R5.3"]
    assert expand_range("R2.3", "R2.4") == ["R2.3", "R2.4"]
    assert expand_range("R22.4", "R22.7") == ["R22.4", "R22.5", "R22.6", "R22.7"]
    assert expand_range("R5.1", "5.3") == ["R5.1", "R5.2", "R5.3"]


def test_a_range_across_paragraphs_or_backwards_names_only_its_ends():
    assert expand_range("R3.6", "R4") == ["R3.6", "R4"]
    assert expand_range("R10.3", "R10.2") == ["R10.3", "R10.2"]


def test_rule_ids_in_text_expands_ranges_and_counts_each_mention():
    text = (
        '"""Priority under R5.1–R5.3 (and R2.3-R2.4); R12.1/R12.4 apply. See R3.3.\n'
        "# R5.2 again, and § 22 stk. 4-7 is no rule ID\n"
        'label = _("Switched off (R40)")\n'
    )
    assert sorted(rule_ids_in_text(text)) == sorted(
        ["R5.1", "R5.2", "R5.3", "R2.3", "R2.4", "R12.1", "R12.4", "R3.3", "R5.2", "R40"]
    )


def test_identifiers_that_contain_a_rule_number_are_no_mention():
    assert rule_ids_in_text("class R28Report: r40_r6_off = 1; XR5 = R5x; version 1.R3") == []


def test_the_marker_scan_reads_multi_id_parametrised_named_and_module_markers():
    source = '''
import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.rule("DP3")]
FEES = pytest.mark.rule("R3.3")


@pytest.mark.rule("R5.1", "R5.2")
def test_two_rules():
    pass


@pytest.mark.parametrize("n", [1, pytest.param(2, marks=pytest.mark.rule("R42.3"))])
def test_parametrised(n):
    pass


@FEES
def test_named_marker():
    pass


def test_without_marker():
    """Mentions R7 in prose, which is no marker."""


@pytest.mark.rule("R20.2")
class TestNeed:
    pytestmark = pytest.mark.rule("R20.1")

    @pytest.mark.rule("R21.5")
    def test_place(self):
        pass
'''
    found = markers_in_source(source, "tests/t.py")
    assert found == {
        "DP3": {"tests/t.py"},
        "R5.1": {"tests/t.py::test_two_rules"},
        "R5.2": {"tests/t.py::test_two_rules"},
        "R42.3": {"tests/t.py::test_parametrised"},
        "R3.3": {"tests/t.py::test_named_marker"},
        "R20.2": {"tests/t.py::TestNeed"},
        "R20.1": {"tests/t.py::TestNeed"},
        "R21.5": {"tests/t.py::TestNeed::test_place"},
    }


CATALOGUE = """# Rule catalogue

Rule IDs in prose (R9.9) are no rules: only bold IDs are.

## Family dwellings (§§ 2–3)
- **R2.1** A vacant family dwelling goes to the applicant longest on the general list
  (*almindelig venteliste*), subject to §§ 3–6. Second sentence.
- **R2.3 / R2.4** Members of 2010 have seniority on the internal list.
- **R3.3** Fees: a registration fee at registration, incl. the reminder. More.

## Elder dwellings
- **R21.2–R21.4** A fee may be charged for several specific lists.
- **R42.3** (applies to refusals under stk. 2 — **not** to startboliger) The applicant is told in
  writing within 5 hverdage. After that the approval is given.
- **DP1** Notices by Digital Post.
"""


def test_the_catalogue_gives_each_rule_its_section_and_first_sentence():
    rules = {rule["id"]: rule for rule in parse_catalogue(CATALOGUE)}
    assert list(rules) == ["R2.1", "R2.3", "R2.4", "R3.3", "R21.2", "R21.3", "R21.4", "R42.3", "DP1"]
    assert rules["R2.1"]["title"] == (
        "A vacant family dwelling goes to the applicant longest on the general list "
        "(*almindelig venteliste*), subject to §§ 3–6"
    )
    assert rules["R2.1"]["section"] == "Family dwellings (§§ 2–3)"
    assert rules["R2.4"]["title"] == "Members of 2010 have seniority on the internal list"
    assert rules["R3.3"]["title"] == "Fees: a registration fee at registration, incl. the reminder"
    assert rules["R21.3"]["section"] == "Elder dwellings"
    assert rules["R42.3"]["title"] == "The applicant is told in writing within 5 hverdage"
    assert rules["DP1"]["title"] == "Notices by Digital Post"


@pytest.fixture
def small_project(tmp_path, settings):
    """A project of three files beside a catalogue, with BASE_DIR pointing at it."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "letting").mkdir()
    (tmp_path / "letting" / "migrations").mkdir()
    (tmp_path / "tests").mkdir()
    (tmp_path / "letting" / "ranking.py").write_text('"""Ranking: R2.1; R2.3–R2.4 seniority."""\n# R2.1\n')
    (tmp_path / "letting" / "fees.py").write_text('HELP = "Fee (R3.3) before R2.1; list rules of R21"\n')
    (tmp_path / "letting" / "migrations" / "0001_initial.py").write_text('"""R3.3 in a migration."""\n')
    (tmp_path / "tests" / "test_fees.py").write_text(
        'import pytest\n\n\n@pytest.mark.rule("R3.3")\ndef test_the_update_fee():\n    """R2.1"""\n'
    )
    (tmp_path / "RULES.md").write_text(CATALOGUE, encoding="utf-8")
    settings.BASE_DIR = tmp_path
    return tmp_path


def test_the_command_refreshes_the_snapshot_and_writes_the_index(small_project):
    call_command("rule_index", catalogue=str(small_project / "RULES.md"), stdout=io.StringIO())
    snapshot = json.loads((small_project / "docs" / "rule-catalogue.json").read_text(encoding="utf-8"))
    assert [rule["id"] for rule in snapshot["rules"]][:3] == ["R2.1", "R2.3", "R2.4"]
    index = (small_project / "docs" / "rules.md").read_text(encoding="utf-8")
    r21 = index.split("## R2.1 — ")[1].split("\n## ")[0]
    assert "- Modules: `letting/ranking.py` (2), `letting/fees.py` (1)" in r21
    assert "- Tests: none carries this ID" in r21  # a docstring in a test is no marker
    r24 = index.split("## R2.4 — ")[1].split("\n## ")[0]
    assert "- Modules: `letting/ranking.py` (1)" in r24
    r33 = index.split("## R3.3 — ")[1].split("\n## ")[0]
    assert "- Modules: `letting/fees.py` (1)" in r33  # the migration does not count
    assert "  - `tests/test_fees.py::test_the_update_fee`" in r33
    r214 = index.split("## R21.4 — ")[1].split("\n## ")[0]
    assert "- Modules: none names this ID" in r214
    assert "- Modules naming R21 as a whole: `letting/fees.py` (1)" in r214
    assert "as a whole" not in r33  # R3 is not named


def test_check_fails_when_the_index_is_stale_and_passes_when_current(small_project):
    quiet = io.StringIO()
    call_command("rule_index", catalogue=str(small_project / "RULES.md"), stdout=quiet)
    call_command("rule_index", check=True, stdout=quiet)
    (small_project / "letting" / "fees.py").write_text('HELP = "Fee (R3.3), R21.3"\n')
    with pytest.raises(CommandError, match="not current"):
        call_command("rule_index", check=True, stdout=quiet)
