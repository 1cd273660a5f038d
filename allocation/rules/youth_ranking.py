"""The order of a youth dwelling (§ 12, § 13): who is in the eligible group (R12.1, R13), the
organisation's letting guidelines and their priority groups (R12.2), and R12.3 when nobody in the
group can take the dwelling. Pure functions on the ranking's facts."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta

from .facts import Candidate, DwellingFacts, Excluded, LettingRules, Placed, Ranking, YouthGuideline


def youth_eligibility(dwelling: DwellingFacts, c: Candidate, today: datetime.date) -> str | None:
    """Why the candidate is outside the group a youth dwelling goes to (R12.1, R13), or None.
    § 12 holds in every channel the order governs: § 1, stk. 6 (advertising) sets aside §§ 2–11
    only, and § 1, stk. 7 (flexible letting) § 2, stk. 1–2 and §§ 4–10 only."""
    if dwelling.youth_kind == "startbolig":
        age = relativedelta(today, c.birth_date).years if c.birth_date else None
        if age is None or not 18 <= age <= 24:
            return "R12.1: startboliger are for persons aged 18–24."
        if not c.needs_support:
            return "R12.1: startboliger are for young people who need support."
        return None
    if dwelling.youth_kind in ("relabelled", "university_near"):
        rule = "R12.1" if dwelling.youth_kind == "relabelled" else "R13"
        return None if c.in_education else f"{rule}: this youth dwelling is for young people in education."
    if not (c.in_education or c.special_need):
        return "R12.1: youth dwellings are for young people in education or with a special need."
    return None


GUIDELINE_KINDS = ("", "relabelled", "university_near")
NO_GUIDELINE_NOTE = "§ 12, stk. 2: no letting guidelines in force — ordered by seniority only."


def guideline_applies(dwelling: DwellingFacts) -> bool:
    """§ 12, stk. 2 names the dwellings of stk. 1, 1. and 2. pkt. (ordinary and relabelled youth
    dwellings) — not startboliger (3. pkt.); § 13, stk. 1 applies it to a self-governing
    institution's youth dwellings, the university-near ones (§ 13, stk. 2) included."""
    return dwelling.kind == "youth" and dwelling.youth_kind in GUIDELINE_KINDS


def youth_group(guideline: YouthGuideline, c: Candidate) -> int | None:
    """The index of the first priority group whose every condition the candidate meets."""
    for index, group in enumerate(guideline.groups):
        if group.education_levels and not (c.in_education and c.education_level in group.education_levels):
            continue
        income = c.annual_income
        if group.income_below is not None and (income is None or income >= group.income_below):
            continue
        if group.social_need and not c.social_need:
            continue
        return index
    return None


def rank_youth(
    dwelling: DwellingFacts, eligible: list[Candidate], rules: LettingRules, result: Ranking
) -> Ranking:
    result.turn = "youth"
    guideline = rules.youth_guideline if guideline_applies(dwelling) else None
    if guideline_applies(dwelling) and guideline is None:
        # R12.2: seniority alone is not a guideline weighing educational, economic and social
        # circumstances — say so rather than present the order as the law's.
        result.notes.append(NO_GUIDELINE_NOTE)
    keyed = []
    for c in eligible:
        problem = youth_eligibility(dwelling, c, rules.today)
        if problem:
            result.excluded.append(Excluded(c, problem.split(":")[0], problem))
            continue
        basis = "in education" if c.in_education else "special need"
        if dwelling.youth_kind == "startbolig":
            # R12.1: the kommune approves each nomination; the lease waits for that approval.
            approval = (
                "approved by the kommune"
                if c.kommune_approved_startbolig
                else "the kommune must approve the nomination before the lease"
            )
            basis = f"aged 18–24 with a support need; {approval}"
        group = 0
        if guideline is not None:
            index = youth_group(guideline, c)
            group = len(guideline.groups) if index is None else index
            if index is None:
                basis += "; § 12, stk. 2: in no priority group of the letting guidelines"
            else:
                chosen = guideline.groups[index]
                # "; " separates the parts of an explanation: a group name must not add one.
                name = chosen.name.replace(";", ",")
                basis += f"; § 12, stk. 2: group {chosen.number} '{name}'"
        keyed.append(((group, c.seniority_date, c.entry_id), c, basis))
    keyed.sort(key=lambda item: item[0])
    rule = "R13" if dwelling.youth_kind == "university_near" else "R12.1"
    for position, (_key, c, basis) in enumerate(keyed, start=1):
        result.placed.append(
            Placed(position, c, rule, f"{rule} — {basis}; seniority {c.seniority_date.isoformat()}")
        )
    if not keyed:
        result.fallback = "R12.3"
        result.notes.append(
            "R12.3: nobody in the eligible group can take the dwelling; it may be let to others, and the "
            "eligible group is tried again at the next vacancy."
        )
    return result
