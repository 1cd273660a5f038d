"""R38.3: the verifiable lottery for advertised lettings (``allocation/rules/lottery.py``).

No database: the rules are pure functions and ``manage.py verify_lottery`` must work without one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from allocation.management.commands.verify_lottery import Command as VerifyLotteryCommand
from allocation.rules import lottery

ROOT = Path(__file__).resolve().parents[3]
DOC = ROOT / "docs" / "lottery.md"

# The worked example of docs/lottery.md, computed independently with sha256sum and openssl.
EXAMPLE_SEED = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
EXAMPLE_APPLICANTS = ["ANS-2025-0042", "ANS-2025-0107", "ANS-2025-0013"]
EXAMPLE_CANONICAL_JSON = b'["ANS-2025-0013","ANS-2025-0042","ANS-2025-0107"]'
EXAMPLE_COMMITMENT = "4bb55d8756ff50f98f6699bd5115b62ef295a0c1b032297a091c02f9220ca6ca"
EXAMPLE_KEYS = {
    "ANS-2025-0042": "4fb0ca374dc8f7ae14314231d2d994c13fe4b1c1b9b2501c5d5a6a816cc7a7dd",
    "ANS-2025-0013": "a69362d3f203785c7fd6aef54a6985c5cdb4bf8df8922686235603a29ba4c490",
    "ANS-2025-0107": "bd656cc47171465c6de2219b4169b5831c7195f5821556acc737d3f55df8781b",
}
EXAMPLE_ORDER = ["ANS-2025-0042", "ANS-2025-0013", "ANS-2025-0107"]

SEED_A = "0123456789abcdef" * 4
SEED_B = "00" * 31 + "01"
TEN = [f"ANS-2025-{n:04d}" for n in range(1, 11)]


def _record(seed: str = SEED_A, applicants: list[str] | None = None) -> dict:
    return lottery.make_record(seed, applicants or TEN)


def _write(tmp_path: Path, record: dict, name: str = "record.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


# --- Determinism -----------------------------------------------------------------------------


@pytest.mark.rule("R38.3")
def test_same_seed_and_list_give_the_same_order_every_time():
    first = lottery.draw(SEED_A, TEN)
    assert sorted(first) == TEN
    for _ in range(20):
        assert lottery.draw(SEED_A, TEN) == first


@pytest.mark.rule("R38.3")
def test_order_does_not_depend_on_input_order_duplicates_whitespace_or_seed_case():
    expected = lottery.draw(SEED_A, TEN)
    shuffled = list(reversed(TEN))
    shuffled[3], shuffled[7] = shuffled[7], shuffled[3]
    messy = [f"  {a}\t" for a in shuffled] + TEN[:4] + [TEN[0]]
    assert lottery.draw(SEED_A, shuffled) == expected
    assert lottery.draw(SEED_A, messy) == expected
    assert lottery.draw(SEED_A.upper(), TEN) == expected
    assert lottery.commitment(SEED_A, messy) == lottery.commitment(SEED_A.upper(), TEN)


@pytest.mark.rule("R38.3")
def test_the_order_is_not_simply_the_sorted_list():
    assert lottery.draw(SEED_A, TEN) != TEN


@pytest.mark.rule("R38.3")
def test_a_different_seed_gives_a_different_order():
    # Two orders of 10 applicants coincide with probability 1/10! ≈ 3e-7.
    assert lottery.draw(SEED_A, TEN) != lottery.draw(SEED_B, TEN)
    orders = {tuple(lottery.draw(lottery.new_seed(), TEN)) for _ in range(20)}
    assert len(orders) == 20


@pytest.mark.rule("R38.3")
def test_single_applicant_wins():
    assert lottery.draw(SEED_A, ["ANS-1"]) == ["ANS-1"]


@pytest.mark.rule("R38.3")
def test_non_ascii_identifiers_are_utf8_and_sorted_by_code_point():
    names = ["Ø-2", "Å-1", "Z-3", 'a"b\\c']
    assert lottery.canonical_applicants(names) == sorted(names)
    assert lottery.canonical_json(names) == json.dumps(
        sorted(names), ensure_ascii=False, separators=(",", ":")
    ).encode("utf-8")
    assert "Ø".encode() in lottery.canonical_json(names)
    assert sorted(lottery.draw(SEED_A, names)) == sorted(names)


# --- Commitment ------------------------------------------------------------------------------


@pytest.mark.rule("R38.3")
def test_commitment_is_sha256_of_the_documented_bytes():
    message = b"boligadmin-lottery-v1\n" + SEED_A.encode() + b"\n" + json.dumps(TEN).replace(" ", "").encode()
    assert lottery.commitment_message(SEED_A, TEN) == message
    assert lottery.commitment(SEED_A, TEN) == hashlib.sha256(message).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{64}", lottery.commitment(SEED_A, TEN))


@pytest.mark.rule("R38.3")
def test_commitment_changes_when_an_applicant_is_added_removed_or_renamed_or_the_seed_changes():
    base = lottery.commitment(SEED_A, TEN)
    assert lottery.commitment(SEED_A, [*TEN, "ANS-2025-0011"]) != base
    assert lottery.commitment(SEED_A, TEN[:-1]) != base
    assert lottery.commitment(SEED_A, TEN[1:]) != base
    assert lottery.commitment(SEED_A, ["ANS-2025-0099", *TEN[1:]]) != base
    assert lottery.commitment(SEED_B, TEN) != base
    flipped = SEED_A[:-1] + ("0" if SEED_A[-1] != "0" else "1")
    assert lottery.commitment(flipped, TEN) != base


# --- Verification ----------------------------------------------------------------------------


@pytest.mark.rule("R38.3")
def test_verify_accepts_a_genuine_record():
    rec = _record()
    result = lottery.verify(rec["seed"], rec["applicants"], rec["commitment"], rec["order"])
    assert result.ok, result.problems
    assert result.problems == []
    assert result.order == rec["order"]
    assert result.commitment == rec["commitment"]


@pytest.mark.rule("R38.3")
def test_verify_detects_a_tampered_order():
    rec = _record()
    order = list(rec["order"])
    order[0], order[1] = order[1], order[0]
    result = lottery.verify(rec["seed"], rec["applicants"], rec["commitment"], order)
    assert not result.ok
    assert len(result.problems) == 1
    assert "place 1" in result.problems[0]
    assert rec["order"][0] in result.problems[0]


@pytest.mark.rule("R38.3")
def test_verify_detects_an_order_with_a_missing_or_extra_applicant():
    rec = _record()
    result = lottery.verify(rec["seed"], rec["applicants"], rec["commitment"], rec["order"][:-1])
    assert not result.ok
    assert any("leaves out" in p and rec["order"][-1] in p for p in result.problems)
    result = lottery.verify(rec["seed"], rec["applicants"], rec["commitment"], [*rec["order"], "ANS-X"])
    assert any("not in the applicant list" in p and "ANS-X" in p for p in result.problems)


@pytest.mark.rule("R38.3")
def test_verify_detects_a_wrong_seed():
    rec = _record()
    result = lottery.verify(SEED_B, rec["applicants"], rec["commitment"], rec["order"])
    assert not result.ok
    assert any("commitment does not match" in p for p in result.problems)
    assert any("order differs" in p for p in result.problems)


@pytest.mark.rule("R38.3")
def test_verify_detects_a_swapped_applicant_even_with_a_matching_order():
    """Someone replaces an applicant after the commitment and publishes the honest draw for the new list:
    the order is consistent with the seed, but the commitment exposes the change."""
    rec = _record()
    swapped = [a if a != "ANS-2025-0005" else "ANS-2025-0050" for a in rec["applicants"]]
    honest_order_for_swapped_list = lottery.draw(rec["seed"], swapped)
    result = lottery.verify(rec["seed"], swapped, rec["commitment"], honest_order_for_swapped_list)
    assert not result.ok
    assert result.problems == [p for p in result.problems if "commitment does not match" in p]


@pytest.mark.rule("R38.3")
def test_verify_reports_invalid_input_as_problems_instead_of_raising():
    result = lottery.verify("not-hex", [], "x", ["a"])
    assert not result.ok
    assert any("invalid seed" in p for p in result.problems)
    assert any("invalid applicant list" in p for p in result.problems)


# --- Input validation ------------------------------------------------------------------------


@pytest.mark.rule("R38.3")
@pytest.mark.parametrize(
    ("seed", "applicants", "message"),
    [
        ("abc", ["A"], "64 hexadecimal"),
        ("g" * 64, ["A"], "64 hexadecimal"),
        (SEED_A + "0", ["A"], "64 hexadecimal"),
        (" " + SEED_A[1:], ["A"], "64 hexadecimal"),
        (None, ["A"], "64 hexadecimal"),
        (SEED_A, [], "at least one applicant"),
        (SEED_A, ["A", "   "], "applicant #2 is empty"),
        (SEED_A, ["A", ""], "applicant #2 is empty"),
        (SEED_A, "A,B,C", "not a single string"),
        (SEED_A, ["A", 7], "not a string"),
        (SEED_A, ["A\nB"], "control character"),
    ],
)
def test_invalid_input_raises_a_clear_value_error(seed, applicants, message):
    for function in (lottery.draw, lottery.commitment):
        with pytest.raises(ValueError, match=message):
            function(seed, applicants)


@pytest.mark.rule("R38.3")
def test_new_seed_is_64_hex_characters_and_fresh():
    seeds = {lottery.new_seed() for _ in range(100)}
    assert len(seeds) == 100
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in seeds)


# --- Fairness --------------------------------------------------------------------------------


@pytest.mark.rule("R38.3")
def test_each_of_four_applicants_wins_about_a_quarter_of_2000_draws():
    # Expected 500 wins each, standard deviation ≈ 19: 400–600 is more than five deviations either side.
    applicants = ["A-1", "A-2", "A-3", "A-4"]
    draws = 2000
    winners = Counter(lottery.draw(lottery.new_seed(), applicants)[0] for _ in range(draws))
    assert set(winners) == set(applicants)
    for applicant in applicants:
        assert 0.20 <= winners[applicant] / draws <= 0.30, winners


# --- The worked example in docs/lottery.md ---------------------------------------------------


@pytest.mark.rule("R38.3")
def test_worked_example_values_match_the_code():
    assert lottery.canonical_json(EXAMPLE_APPLICANTS) == EXAMPLE_CANONICAL_JSON
    assert lottery.commitment(EXAMPLE_SEED, EXAMPLE_APPLICANTS) == EXAMPLE_COMMITMENT
    assert lottery.draw_keys(EXAMPLE_SEED, EXAMPLE_APPLICANTS) == EXAMPLE_KEYS
    assert lottery.draw(EXAMPLE_SEED, EXAMPLE_APPLICANTS) == EXAMPLE_ORDER


def _doc() -> str:
    return DOC.read_text(encoding="utf-8")


def _fenced_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _doc(), flags=re.DOTALL)


@pytest.mark.rule("R38.3")
def test_doc_states_the_same_worked_example():
    doc = _doc()
    for value in (EXAMPLE_SEED, EXAMPLE_CANONICAL_JSON.decode(), EXAMPLE_COMMITMENT, *EXAMPLE_KEYS.values()):
        assert value in doc
    assert f"Canonical JSON ({len(EXAMPLE_CANONICAL_JSON)} bytes)" in doc
    message = lottery.commitment_message(EXAMPLE_SEED, EXAMPLE_APPLICANTS)
    assert f"({len(message)} bytes," in doc
    hex_block = re.search(r"in hex:\n\n```\n([0-9a-f\n]+)```", doc)
    assert hex_block is not None
    assert hex_block.group(1).replace("\n", "") == message.hex()
    table = re.findall(r"\| (\d) +\| `([^`]+)` \| `([0-9a-f]{64})` \|", doc)
    assert [(int(p), a, k) for p, a, k in table] == [
        (place, a, EXAMPLE_KEYS[a]) for place, a in enumerate(EXAMPLE_ORDER, start=1)
    ]


@pytest.mark.rule("R38.3")
def test_doc_published_record_verifies():
    (block,) = _fenced_blocks("json")
    record = json.loads(block)
    assert record == lottery.make_record(EXAMPLE_SEED, EXAMPLE_APPLICANTS)
    assert lottery.verify(record["seed"], record["applicants"], record["commitment"], record["order"]).ok


@pytest.mark.rule("R38.3")
def test_doc_standard_library_snippet_verifies_and_rejects(tmp_path):
    (snippet,) = _fenced_blocks("python")
    script = tmp_path / "check_lottery.py"
    script.write_text(snippet, encoding="utf-8")
    good = _write(tmp_path, lottery.make_record(EXAMPLE_SEED, EXAMPLE_APPLICANTS), "good.json")
    run = subprocess.run([sys.executable, str(script), str(good)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("OK") == 2
    assert EXAMPLE_COMMITMENT in run.stdout

    tampered = lottery.make_record(EXAMPLE_SEED, EXAMPLE_APPLICANTS)
    tampered["order"] = list(reversed(tampered["order"]))
    bad = _write(tmp_path, tampered, "bad.json")
    run = subprocess.run([sys.executable, str(script), str(bad)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "order WRONG" in run.stdout


# --- manage.py verify_lottery ----------------------------------------------------------------


@pytest.mark.rule("R38.3")
def test_command_needs_no_system_checks():
    assert VerifyLotteryCommand.requires_system_checks == []
    assert VerifyLotteryCommand.requires_migrations_checks is False


@pytest.mark.rule("R38.3")
def test_command_verifies_a_good_file(tmp_path, capsys):
    rec = _record()
    call_command("verify_lottery", str(_write(tmp_path, rec)))
    out = capsys.readouterr().out
    assert "OK" in out
    assert rec["commitment"] in out
    places = re.findall(r"^\s+(\d+)\. (\S+)$", out, flags=re.MULTILINE)
    assert [name for _, name in places] == rec["order"]
    assert [int(n) for n, _ in places] == list(range(1, 11))


@pytest.mark.rule("R38.3")
def test_command_fails_on_a_tampered_file_and_lists_every_problem(tmp_path, capsys):
    rec = _record()
    rec["applicants"] = [*rec["applicants"], "ANS-2025-0099"]  # added after the commitment
    rec["order"] = [rec["order"][1], rec["order"][0], *rec["order"][2:]]
    with pytest.raises(CommandError) as excinfo:
        call_command("verify_lottery", str(_write(tmp_path, rec)))
    message = str(excinfo.value)
    assert "does NOT verify" in message
    assert "commitment does not match" in message
    assert "order" in message
    assert "OK" not in capsys.readouterr().out


@pytest.mark.rule("R38.3")
@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"algorithm": "boligadmin-lottery-v1"}', "lacks the field"),
    ],
)
def test_command_rejects_malformed_files(tmp_path, content, message):
    path = tmp_path / "record.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("verify_lottery", str(path))


@pytest.mark.rule("R38.3")
def test_command_rejects_an_unknown_algorithm(tmp_path):
    rec = {**_record(), "algorithm": "boligadmin-lottery-v2"}
    with pytest.raises(CommandError, match="unknown algorithm"):
        call_command("verify_lottery", str(_write(tmp_path, rec)))


@pytest.mark.rule("R38.3")
def test_command_missing_file_and_no_arguments(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("verify_lottery", str(tmp_path / "absent.json"))
    with pytest.raises(CommandError, match="give a record FILE"):
        call_command("verify_lottery")


@pytest.mark.rule("R38.3")
def test_draw_mode_prints_commitment_and_order(capsys):
    call_command(
        "verify_lottery",
        "--draw",
        "--seed",
        EXAMPLE_SEED,
        "--applicants",
        "ANS-2025-0042, ANS-2025-0107,ANS-2025-0013",
    )
    out = capsys.readouterr().out
    assert f"commitment: {EXAMPLE_COMMITMENT}" in out
    assert re.findall(r"^\s+\d+\. (\S+)$", out, flags=re.MULTILINE) == EXAMPLE_ORDER


@pytest.mark.rule("R38.3")
def test_draw_mode_without_the_flag_and_as_json(capsys):
    call_command(
        "verify_lottery", "--seed", EXAMPLE_SEED, "--applicants", ",".join(EXAMPLE_APPLICANTS), "--json"
    )
    assert json.loads(capsys.readouterr().out) == lottery.make_record(EXAMPLE_SEED, EXAMPLE_APPLICANTS)


@pytest.mark.rule("R38.3")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draw", "--applicants", "A,B"], "--seed is required"),
        (["--draw", "--seed", SEED_A], "--applicants is required"),
        (["--draw", "--seed", "xyz", "--applicants", "A,B"], "64 hexadecimal"),
        (["--draw", "--seed", SEED_A, "--applicants", "A,,B"], "applicant #2 is empty"),
        (["record.json", "--draw", "--seed", SEED_A, "--applicants", "A"], "either a record FILE"),
    ],
)
def test_draw_mode_rejects_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("verify_lottery", *args)


@pytest.mark.rule("R38.3")
def test_manage_py_works_without_a_database(tmp_path):
    """A fresh checkout has no database: the command must not touch one (here: an impossible path)."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/no/such/dir/db.sqlite3"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    good = _write(tmp_path, _record(), "good.json")
    run = subprocess.run(
        [sys.executable, "manage.py", "verify_lottery", str(good)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "OK" in run.stdout

    tampered = {**_record(), "seed": SEED_B}
    bad = _write(tmp_path, tampered, "bad.json")
    run = subprocess.run(
        [sys.executable, "manage.py", "verify_lottery", str(bad)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "commitment does not match" in run.stderr
