"""Verifiable lottery for advertised lettings (R38.3, bekendtgørelsens § 38, stk. 3).

When several qualified applicants want the same advertised dwelling, the organisation's auditor draws
lots. To make the draw verifiable by anyone:

1. Once the applicant list is final, a random seed is drawn (:func:`new_seed`) and kept secret; the
   commitment (:func:`commitment`), a SHA-256 hash binding the seed *and* the applicant list, is
   published.
2. The draw (:func:`draw`) is a deterministic function of the seed and the list.
3. Afterwards the seed is published with the list and the order; anyone can re-run the draw and check
   the commitment (:func:`verify`, ``manage.py verify_lottery``, or ten lines of standard-library Python).

Pure Python, standard library only: no Django, no database. ``docs/lottery.md`` describes the exact
bytes so the draw can be re-implemented in any language.

Algorithm ``boligadmin-lottery-v1``
-----------------------------------

Canonical applicant list
    Each identifier has leading and trailing whitespace removed (Python ``str.strip()``). It must then
    be non-empty and contain no control character (U+0000–U+001F, U+007F–U+009F) and no lone surrogate.
    Duplicates are removed and the list is sorted by Unicode code point (the same order as sorting the
    UTF-8 bytes). No Unicode normalisation is applied.

Canonical JSON
    The canonical list as a JSON array without any whitespace, strings UTF-8 encoded and not
    ``\\u``-escaped; with control characters excluded the only escapes are ``\\"`` and ``\\\\``.
    Equal to ``json.dumps(lst, ensure_ascii=False, separators=(",", ":")).encode("utf-8")`` and to the
    RFC 8785 (JCS) serialisation. Example: ``["A-1","B-2"]``.

Seed
    64 hexadecimal characters (32 bytes); upper case is accepted and treated as lower case.

Commitment
    ``SHA-256( b"boligadmin-lottery-v1\\n" + seed_lowercase_hex_ascii + b"\\n" + canonical_json )``,
    as 64 lower-case hex characters. No trailing newline.

Order
    For each canonical identifier ``a``:
    ``key(a) = HMAC-SHA256(key=bytes.fromhex(seed), msg=b"boligadmin-lottery-v1:" + a.encode("utf-8"))``
    (32 raw bytes). Sort ascending by ``key(a)`` compared as bytes (equivalently as lower-case hex
    strings); a tie (practically impossible) is broken by the identifier in code-point order. First in
    the list wins.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field

__all__ = [
    "ALGORITHM",
    "VerifyResult",
    "canonical_applicants",
    "canonical_json",
    "commitment",
    "commitment_message",
    "draw",
    "draw_keys",
    "make_record",
    "new_seed",
    "verify",
]

ALGORITHM = "boligadmin-lottery-v1"
COMMITMENT_PREFIX = b"boligadmin-lottery-v1\n"
HMAC_PREFIX = b"boligadmin-lottery-v1:"

_SEED_RE = re.compile(r"[0-9a-fA-F]{64}")
# Control characters (Unicode category Cc) and UTF-16 surrogates: excluded so the canonical JSON has
# exactly one spelling in every language and always encodes to UTF-8.
_FORBIDDEN_RE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def new_seed() -> str:
    """A fresh seed: 32 bytes from the operating system's CSPRNG, as 64 lower-case hex characters."""
    return secrets.token_bytes(32).hex()


def _check_seed(seed: str) -> str:
    if not isinstance(seed, str):
        raise ValueError(f"the seed must be a string of 64 hexadecimal characters, not {type(seed).__name__}")
    if not _SEED_RE.fullmatch(seed):
        raise ValueError(
            f"the seed must be exactly 64 hexadecimal characters (0-9, a-f); got {len(seed)} characters"
            + ("" if len(seed) != 64 else " including non-hexadecimal ones")
        )
    return seed.lower()


def canonical_applicants(applicants: Iterable[str]) -> list[str]:
    """Strip, validate, de-duplicate and sort (by code point) the applicant identifiers."""
    if isinstance(applicants, (str, bytes)):
        raise ValueError("applicants must be a list of identifiers, not a single string")
    if applicants is None:
        raise ValueError("at least one applicant is required")
    cleaned: set[str] = set()
    for index, raw in enumerate(applicants):
        if not isinstance(raw, str):
            raise ValueError(f"applicant #{index + 1} is not a string: {raw!r}")
        ident = raw.strip()
        if not ident:
            raise ValueError(f"applicant #{index + 1} is empty (after removing surrounding whitespace)")
        bad = _FORBIDDEN_RE.search(ident)
        if bad:
            raise ValueError(
                f"applicant #{index + 1} ({ident!r}) contains a control character or lone surrogate "
                f"(U+{ord(bad.group()):04X}), which identifiers may not contain"
            )
        cleaned.add(ident)
    if not cleaned:
        raise ValueError("at least one applicant is required")
    return sorted(cleaned)


def canonical_json(applicants: Iterable[str]) -> bytes:
    """The canonical JSON bytes of the applicant list (see the module docstring)."""
    return json.dumps(canonical_applicants(applicants), ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def commitment_message(seed: str, applicants: Iterable[str]) -> bytes:
    """The exact bytes that :func:`commitment` hashes."""
    return COMMITMENT_PREFIX + _check_seed(seed).encode("ascii") + b"\n" + canonical_json(applicants)


def commitment(seed: str, applicants: Iterable[str]) -> str:
    """SHA-256 (lower-case hex) binding the seed and the canonical applicant list."""
    return hashlib.sha256(commitment_message(seed, applicants)).hexdigest()


def draw_keys(seed: str, applicants: Iterable[str]) -> dict[str, str]:
    """Each canonical identifier's sort key, ``HMAC-SHA256(seed, prefix + identifier)``, as hex."""
    key = bytes.fromhex(_check_seed(seed))
    return {
        ident: hmac.new(key, HMAC_PREFIX + ident.encode("utf-8"), hashlib.sha256).hexdigest()
        for ident in canonical_applicants(applicants)
    }


def draw(seed: str, applicants: Iterable[str]) -> list[str]:
    """The lottery order, winner first: canonical identifiers sorted by their HMAC key ascending.

    Independent of the order of ``applicants`` and of duplicates in it.
    """
    keys = draw_keys(seed, applicants)
    # Lower-case hex of equal length sorts exactly like the raw digest bytes.
    return sorted(keys, key=lambda ident: (keys[ident], ident))


def make_record(seed: str, applicants: Iterable[str]) -> dict:
    """The record to publish after the draw (the JSON that ``manage.py verify_lottery FILE`` reads)."""
    names = canonical_applicants(applicants)
    return {
        "algorithm": ALGORITHM,
        "commitment": commitment(seed, names),
        "seed": _check_seed(seed),
        "applicants": names,
        "order": draw(seed, names),
    }


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of :func:`verify`: ``ok`` and, if not, every problem found, in plain words."""

    ok: bool
    problems: list[str] = field(default_factory=list)
    commitment: str | None = None  # recomputed from the seed and the list, when they were valid
    order: list[str] | None = None  # recomputed order, when the seed and the list were valid

    def __bool__(self) -> bool:
        return self.ok


def _describe_order_difference(expected: list[str], published: list[str]) -> list[str]:
    problems = []
    missing = [a for a in expected if a not in published]
    extra = [a for a in published if a not in expected]
    if missing:
        problems.append(f"the published order leaves out applicant(s): {', '.join(missing)}")
    if extra:
        problems.append(
            f"the published order contains applicant(s) not in the applicant list: {', '.join(extra)}"
        )
    duplicated = sorted({a for a in published if published.count(a) > 1})
    if duplicated:
        problems.append(f"the published order names applicant(s) more than once: {', '.join(duplicated)}")
    for position, (want, got) in enumerate(zip(expected, published, strict=False), start=1):
        if want != got:
            problems.append(
                f"the published order differs from the draw from place {position}: "
                f"the draw gives {want!r}, the published order {got!r}"
            )
            break
    if len(expected) != len(published) and not (missing or extra or duplicated):
        problems.append(f"the published order has {len(published)} entries, the draw {len(expected)}")
    return problems or ["the published order differs from the draw"]


def verify(
    seed: str,
    applicants: Iterable[str],
    published_commitment: str,
    published_order: Iterable[str],
) -> VerifyResult:
    """Recompute commitment and order from ``seed`` and ``applicants`` and compare with what was published.

    Never raises for bad input: an invalid seed or applicant list is reported as a problem.
    """
    problems: list[str] = []
    try:
        seed = _check_seed(seed)
    except ValueError as exc:
        problems.append(f"invalid seed: {exc}")
    try:
        names = canonical_applicants(applicants)
    except ValueError as exc:
        problems.append(f"invalid applicant list: {exc}")
    if problems:
        return VerifyResult(ok=False, problems=problems)

    expected_commitment = commitment(seed, names)
    expected_order = draw(seed, names)

    if not isinstance(published_commitment, str):
        problems.append("the published commitment is missing or not a string")
    elif not hmac.compare_digest(published_commitment.strip().lower(), expected_commitment):
        problems.append(
            "the commitment does not match: the seed and applicant list give "
            f"{expected_commitment}, the published commitment is {published_commitment.strip()}; "
            "the seed or the applicant list is not the one committed to before the draw"
        )

    if isinstance(published_order, (str, bytes)) or published_order is None:
        problems.append("the published order is missing or not a list of identifiers")
    else:
        order = list(published_order)
        if not all(isinstance(a, str) for a in order):
            problems.append("the published order contains entries that are not strings")
        elif order != expected_order:
            problems.extend(_describe_order_difference(expected_order, order))

    return VerifyResult(
        ok=not problems, problems=problems, commitment=expected_commitment, order=expected_order
    )
