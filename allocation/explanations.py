"""The ranking's explanations in the user's language.

``allocation.rules.ranking`` writes its reasons in English, from fixed fragments and facts
(numbers, dates) — the same text the API returns and the offer keeps. The pages show them
translated: each fragment is matched here and rendered through gettext with its facts; dates
follow the locale. A fragment not known here is shown as it is (a test checks that every
fragment the ranking can produce is known)."""

from __future__ import annotations

import datetime
import re

from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

RULE_TITLES = {
    "R2.1": _("the general list's order (§ 2)"),
    "R4": _("households with children (§ 4)"),
    "R5.1": _("elderly and disabled persons (§ 5, stk. 1)"),
    "R5.2": _("severely mobility-impaired persons (§ 5, stk. 2)"),
    "R5.3": _("large households with a mobility-impaired member (§ 5, stk. 3)"),
    "R6": _("boliggarantibevis (§ 6)"),
    "R8.2": _("priority after a separation (§ 8, stk. 2)"),
    "R9": _("the internal list's order (§ 9)"),
    "R9.2": _("rehoused outside the organisation, internal seniority kept (§ 9, stk. 2)"),
    "R10.1": _("gives up a dwelling in the same department (§ 10, stk. 1)"),
    "R10.2": _("elderly or disabled on the internal list (§ 10, stk. 2)"),
    "R10.3": _("severely mobility-impaired on the internal list (§ 10, stk. 3)"),
    "R10.4": _("large household with a mobility-impaired member on the internal list (§ 10, stk. 4)"),
    "R12.1": _("youth dwelling (§ 12)"),
    "R13": _("youth dwelling of a self-governing institution (§ 13)"),
}

# Why a candidate was passed over (``Excluded.rule`` of ``allocation.rules``), one line per code on
# the vacancy page: "passive" and "wishes" (``ranking._exclusion``), the § 7 conditions
# (``ranking._holds_transfer_priority``) and the youth dwellings' eligible groups
# (``youth_ranking.youth_eligibility``). A test checks that every code the rules write is here.
SKIP_LABELS = {
    "passive": _("The entry is passive (i bero)"),
    "wishes": _("The dwelling does not match the applicant's wishes"),
    "R7": _("Gives up no dwelling in the organisation (§ 7)"),
    "R1.8": _("The lease of an udslusnings- or inklusionsbolig sets §§ 6–7 aside (R1.8)"),
    "R8.1": _("Tenant of a youth or elder dwelling: no § 7 priority by the organisation's decision (R8.1)"),
    "R8.3": _("Has not yet lived the required time in the current dwelling (R8.3)"),
    "R12.1": _("Outside the eligible group of the youth dwelling (§ 12)"),
    "R13": _("Outside the eligible group of the institution's youth dwelling (§ 13)"),
}


def skip_label(code: str) -> str:
    """The Danish (active language) label of a skip code; an unknown code is named as it is."""
    label = SKIP_LABELS.get(code)
    return str(label) if label is not None else str(_("Other reason (%(code)s)")) % {"code": code}


_DATE = r"(\d{4}-\d{2}-\d{2})"
_FRAGMENTS: list[tuple[re.Pattern, object]] = [
    (re.compile(rf"^(internal|general) seniority {_DATE}$"), None),  # handled in _seniority
    (re.compile(rf"^seniority {_DATE}$"), _("seniority %(date)s")),
    (
        re.compile(r"^household of (\d+) with a severely mobility-impaired member$"),
        _("household of %(n)s with a severely mobility-impaired member"),
    ),
    (re.compile(r"^severely mobility-impaired$"), _("severely mobility-impaired")),
    (re.compile(r"^elderly or disabled$"), _("elderly or disabled")),
    (
        re.compile(r"^elderly or disabled \(the kommune has decided on the priority\)$"),
        _("elderly or disabled (the kommune has decided on the priority)"),
    ),
    (
        re.compile(r"^gives up a dwelling in the same department$"),
        _("gives up a dwelling in the same department"),
    ),
    (re.compile(r"^gives up a dwelling elsewhere$"), _("gives up a dwelling elsewhere in the organisation")),
    (re.compile(r"^rehoused outside the organisation$"), _("rehoused outside the organisation")),
    (
        re.compile(r"^rehoused outside the organisation \(almenlejeloven § 86\)$"),
        _("rehoused outside the organisation (almenlejeloven § 86)"),
    ),
    (re.compile(r"^§ 7 priority$"), _("§ 7 priority")),
    (re.compile(r"^longest on the internal list$"), _("longest on the internal list")),
    (re.compile(r"^longest on the general list$"), _("longest on the general list")),
    (
        re.compile(r"^R5\.4: the § 4 priority does not apply to this letting$"),
        _("R5.4: the § 4 priority does not apply to this letting"),
    ),
    (
        re.compile(r"^fitted for this need: before internal-list tenants without it$"),
        _("the dwelling is fitted for this need: before tenants on the internal list without it"),
    ),
    (
        re.compile(r"^fitted for this need: before general-list applicants without it$"),
        _("the dwelling is fitted for this need: before applicants on the general list without it"),
    ),
    (
        re.compile(r"^R6\.3: no children — after households with children \(§ 4 agreement\)$"),
        _("R6.3: no children — after households with children (§ 4 agreement)"),
    ),
    (
        re.compile(rf"^boliggarantibevis for this department, valid until {_DATE}$"),
        _("boliggarantibevis for this department, valid until %(date)s"),
    ),
    (
        re.compile(r"^R6\.2: boliggarantibevis not applied: to be rejected under almenboligloven § 51 b$"),
        _(
            "R6.2: the boliggarantibevis does not apply to this dwelling: the holder must be rejected under "
            "almenboligloven § 51 b (kombineret udlejning)"
        ),
    ),
    (
        re.compile(r"^R6\.2: boliggarantibevis not applied: to be rejected under almenboligloven § 51 c$"),
        _(
            "R6.2: the boliggarantibevis does not apply to this dwelling: the holder must be rejected under "
            "almenboligloven § 51 c (omdannelsesområde)"
        ),
    ),
    (re.compile(r"^left a dwelling after a separation$"), _("left a dwelling after a separation")),
    (re.compile(rf"^priority until {_DATE}$"), _("priority until %(date)s")),
    (re.compile(r"^household with children$"), _("household with children")),
    (re.compile(r"^the dwelling has 3 or more rooms$"), _("the dwelling has 3 or more rooms")),
    (
        re.compile(r"^R4: household with children, larger dwelling$"),
        _("R4: household with children, larger dwelling"),
    ),
    (re.compile(r"^in education$"), _("in education")),
    (re.compile(r"^special need$"), _("special need")),
    (re.compile(r"^aged 18–24 with a support need$"), _("aged 18–24 with a support need")),
    (re.compile(r"^approved by the kommune$"), _("approved by the kommune")),
    (
        re.compile(r"^the kommune must approve the nomination before the lease$"),
        _("the kommune must approve the nomination before the lease"),
    ),
    # § 12, stk. 2 (R12.2): the priority group of the organisation's letting guidelines.
    (re.compile(r"^§ 12, stk\. 2: group (\d+) '(.*)'$"), None),  # handled in translate_fragment
    (
        re.compile(r"^§ 12, stk\. 2: in no priority group of the letting guidelines$"),
        _("§ 12, stk. 2: in no priority group of the letting guidelines"),
    ),
    (
        re.compile(r"^§ 12, stk\. 2: no letting guidelines in force — ordered by seniority only\.$"),
        _("§ 12, stk. 2: no letting guidelines in force — ordered by seniority only."),
    ),
    # Exclusions
    (re.compile(r"^The entry is passive \(i bero\)\.$"), _("The entry is passive (i bero).")),
    (re.compile(r"^Wishes: does not want this department\.$"), _("Wishes: does not want this department.")),
    (
        re.compile(r"^Wishes: does not want a (\w+) dwelling\.$"),
        _("Wishes: does not want this kind of dwelling."),
    ),
    (
        re.compile(r"^Wishes: wants (\d+)–(\d+) rooms, the dwelling has (\d+)\.$"),
        _("Wishes: wants %(n)s–%(m)s rooms, the dwelling has %(k)s."),
    ),
    (
        re.compile(r"^Wishes: rent (\d+) kr\. is above the wished maximum (\d+) kr\.\.$"),
        _("Wishes: the rent %(n)s kr. is above the wished maximum %(m)s kr."),
    ),
    (
        re.compile(r"^Wishes: floor (-?\d+) is above the wished highest floor (-?\d+)\.$"),
        _("Wishes: floor %(n)s is above the wished highest floor %(m)s."),
    ),
    (
        re.compile(r"^Wishes: needs an elevator; the dwelling has none\.$"),
        _("Wishes: needs an elevator; the dwelling has none."),
    ),
    # Flags beside a placed candidate (they change no rank)
    (
        re.compile(r"^R3\.3: an unpaid fee; the applicant keeps the place until deleted after a reminder\.$"),
        _("R3.3: an unpaid fee; the applicant keeps the place until deleted after a reminder."),
    ),
    (
        re.compile(
            r"^R26: (\d+) persons in (\d+) rooms is more than 2 persons per room; "
            r"the organisation may reject\.$"
        ),
        _("R26: %(n)s persons in %(m)s rooms is more than 2 persons per room; the organisation may reject."),
    ),
    (
        re.compile(r"^R7: does not give up a dwelling in the organisation\.$"),
        _("R7: does not give up a dwelling in the organisation."),
    ),
    (
        re.compile(
            r"^R8\.1: by the organisation's decision, tenants of youth and elder dwellings "
            r"lack § 7 priority\.$"
        ),
        _("R8.1: by the organisation's decision, tenants of youth and elder dwellings lack § 7 priority."),
    ),
    (
        re.compile(
            rf"^R8\.3: has not yet lived (\d+) months in the current dwelling \(moved in {_DATE}\)\.$"
        ),
        _("R8.3: has not yet lived %(n)s months in the current dwelling (moved in %(date)s)."),
    ),
    (
        re.compile(rf"^R1\.8: the lease sets §§ 6–7 aside until {_DATE}\.$"),
        _("R1.8: the lease sets §§ 6–7 aside until %(date)s."),
    ),
    (
        re.compile(r"^R12\.1: startboliger are for persons aged 18–24\.$"),
        _("R12.1: startboliger are for persons aged 18–24."),
    ),
    (
        re.compile(r"^R12\.1: startboliger are for young people who need support\.$"),
        _("R12.1: startboliger are for young people who need support."),
    ),
    (
        re.compile(r"^(R12\.1|R13): this youth dwelling is for young people in education\.$"),
        _("%(rule)s: this youth dwelling is for young people in education."),
    ),
    (
        re.compile(r"^R12\.1: youth dwellings are for young people in education or with a special need\.$"),
        _("R12.1: youth dwellings are for young people in education or with a special need."),
    ),
]


def _day(iso: str) -> str:
    return date_format(datetime.date.fromisoformat(iso), "SHORT_DATE_FORMAT")


def _values(groups: tuple[str, ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    numbers = [g for g in groups if re.fullmatch(r"-?\d+", g)]
    for key, value in zip(("n", "m", "k"), numbers, strict=False):
        values[key] = value
    dates = [g for g in groups if re.fullmatch(r"\d{4}-\d{2}-\d{2}", g)]
    if dates:
        values["date"] = _day(dates[0])
    rules = [g for g in groups if g.startswith("R")]
    if rules:
        values["rule"] = rules[0]
    return values


def translate_fragment(fragment: str) -> str | None:
    """The fragment in the active language, or None if it is not a known fragment."""
    for pattern, template in _FRAGMENTS:
        match = pattern.match(fragment)
        if not match:
            continue
        if template is None and fragment.startswith("§ 12"):
            number, name = match.groups()
            return str(_("§ 12, stk. 2: group %(n)s '%(name)s'")) % {"n": number, "name": name}
        if template is None:
            kind, iso = match.groups()
            label = (
                _("internal seniority %(date)s") if kind == "internal" else _("general seniority %(date)s")
            )
            return str(label) % {"date": _day(iso)}
        return str(template) % _values(match.groups())
    return None


def translate(text: str) -> str:
    """Translate a placement explanation (``R… — facts; …; seniority …``), an exclusion reason or
    a flag."""
    rule, sep, rest = text.partition(" — ")
    if not sep:
        rest, rule = text, ""
    whole = translate_fragment(rest)
    parts = [whole] if whole is not None else [translate_fragment(p) or p for p in rest.split("; ")]
    body = "; ".join(parts)
    return f"{rule} — {body}" if rule else body


def unknown_fragments(text: str) -> list[str]:
    """The parts of an explanation this module cannot translate (used by the tests)."""
    _rule, sep, rest = text.partition(" — ")
    rest = rest if sep else text
    if translate_fragment(rest) is not None:
        return []
    return [part for part in rest.split("; ") if translate_fragment(part) is None]
