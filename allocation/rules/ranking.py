"""The priority ranking for a vacant family or youth dwelling, as a pure function.

``rank(dwelling, candidates, rules)`` orders the candidates and says, for every one, which rule
placed them and on which facts — and, for every candidate left out, why. It reads like the
executive order, tier by tier:

Internal turn (§ 7: every second vacant family dwelling of the organisation; ``rules.internal_turn``
says whether this vacancy is one, the alternation is kept by the caller):
  R10.4 → R10.3 → [general-list R5.3 → R5.2, see "fitted for mobility" below] → R10.2 →
  R10.1 (gives up a dwelling in the same department) → R9.1 (longest on the internal list; R9.4:
  those on it when an R9.3 decision took effect first), with the R4 agreement for a larger dwelling
  (§ 7, 3. pkt.). R10.4 and R10.3 put the same department first; R10.5 (the dwelling better
  suited than the current one) is a condition of R10.2 and R10.3 only — § 10, stk. 5 names
  "stk. 2 og 3". R8.1 and R8.3 limit who holds the § 7 priority; R8.2 holders join them (R6.3
  below). R9.2: a tenant rehoused outside the organisation under almenlejeloven § 86 keeps the
  internal seniority (§ 9, stk. 2) and competes by it like any § 7 holder, although the dwelling
  he gives up is not the organisation's — the kept seniority is what § 9, stk. 1 ranks § 7
  holders by, and it would mean nothing if he could not use it. When no one holds an internal
  priority, the dwelling goes to the general turn.
General turn:
  R5.3 → R5.2 → [internal-list R10.4 → R10.3] → R5.1 (only when the kommune has decided so) →
  R6 boliggarantibevis for the department left → R8.2 → R4 (households with children to dwellings
  of 3+ rooms) → R2.1 (longest on the general list). Nobody eligible: R2.5.

R5.4 (§ 5, stk. 4: "Ved udlejning efter stk. 1-3 ses bort fra en eventuel fortrinsret efter § 4"):
  the § 4 priority is set aside for a letting *to* an R5.1–R5.3 holder — they go first and their
  order ignores children. Everyone after them is reached only when no R5 holder takes the dwelling,
  and that letting is not one "efter stk. 1-3", so the § 4 agreement orders them as usual.
R6.3 (§ 6, stk. 1 and § 8, nr. 2: the R6 and R8.2 priorities hold "under iagttagelse af en
  eventuel aftale efter § 4"): where a § 4 agreement covers the dwelling (3+ rooms), the holders
  keep their priority only within it. On the general turn: R6/R8.2 holders with children →
  households with children (R4) → R6/R8.2 holders without children → the rest. A holder with
  children is in the group the agreement favours and uses his priority inside it; a holder without
  children still goes before everyone the agreement does not favour, but never before a family it
  does. On the internal turn an R8.2 holder without children goes behind the holders the agreement
  does not put back, as § 7, 3. pkt. puts back a § 7 holder without children.
Fitted for mobility (§ 5, stk. 2–3 and § 10, stk. 3–4: "forud for andre boligsøgende" / "forud for
  andre"): a dwelling fitted for severely mobility-impaired persons, or for households of 4+ with
  such a member, is not let to someone without that need while someone with it on either list
  wants it. The turn decides only who of them goes first: on the internal turn the internal
  R10.4/R10.3 holders, then the general list's R5.3/R5.2 holders, then the internal priority holders
  without the need; on the general turn the other way round.
Youth dwellings (§§ 12–13): only the eligible group (R12.1, R13); ordinary, relabelled and
  university-near youth dwellings by the organisation's written letting guidelines in force (§ 12,
  stk. 2, R12.2: its priority groups in order, seniority inside each group; without guidelines the
  ranking says so and falls back on seniority alone); startboliger need age 18–24 and a support need,
  and the kommune approves each nomination before the lease; nobody eligible: R12.3.

No other priority exists (R31): a candidate's rank is decided by these tiers and seniority only.
Exclusions come first and are final: passive entries and wishes that do not fit — each with its
reason. Facts that allow a discretionary rejection or have their own consequence are shown as
flags beside the placed candidate, never as an exclusion: an unpaid fee (R3.3: § 3, stk. 3 gives it
one consequence, the reminder and then deletion) and more than 2 persons per room (R26: the
organisation "kan … afvise", and only where the department does not apply the beboermaksimum rules
of §§ 52 a–52 c; a caseworker decides in a rejection case).
"""

from __future__ import annotations

from dateutil.relativedelta import relativedelta

# The facts and results, and the youth order, live in modules of their own; they are named here
# too, where the ranking's callers have always found them.
from .facts import (
    Candidate,
    CurrentDwelling,
    DwellingFacts,
    Excluded,
    Flag,
    LettingRules,
    Placed,
    Ranking,
    YouthGroup,
    YouthGuideline,
)
from .youth_ranking import (
    GUIDELINE_KINDS,
    NO_GUIDELINE_NOTE,
    guideline_applies,
    rank_youth,
    youth_eligibility,
    youth_group,
)

__all__ = [
    "GUIDELINE_KINDS",
    "NO_GUIDELINE_NOTE",
    "Candidate",
    "CurrentDwelling",
    "DwellingFacts",
    "Excluded",
    "Flag",
    "LettingRules",
    "Placed",
    "Ranking",
    "YouthGroup",
    "YouthGuideline",
    "guideline_applies",
    "rank",
    "youth_eligibility",
    "youth_group",
]

# --- Exclusions -----------------------------------------------------------------------------------


def _wish_problem(dwelling: DwellingFacts, c: Candidate) -> str | None:
    if c.departments and dwelling.department_id not in c.departments:
        return "does not want this department"
    if c.dwelling_kinds and dwelling.kind not in c.dwelling_kinds:
        return f"does not want a {dwelling.kind} dwelling"
    if not c.rooms_min <= dwelling.rooms <= c.rooms_max:
        return f"wants {c.rooms_min}–{c.rooms_max} rooms, the dwelling has {dwelling.rooms}"
    if c.max_rent is not None and dwelling.monthly_rent > c.max_rent:
        return f"rent {dwelling.monthly_rent:.0f} kr. is above the wished maximum {c.max_rent:.0f} kr."
    if c.floor_max is not None and dwelling.floor is not None and dwelling.floor > c.floor_max:
        return f"floor {dwelling.floor} is above the wished highest floor {c.floor_max}"
    if c.needs_elevator and not dwelling.has_elevator and (dwelling.floor or 0) > 0:
        return "needs an elevator; the dwelling has none"
    return None


def _exclusion(dwelling: DwellingFacts, c: Candidate) -> Excluded | None:
    if c.status != "active":
        return Excluded(c, "passive", "The entry is passive (i bero).")
    problem = _wish_problem(dwelling, c)
    if problem:
        return Excluded(c, "wishes", f"Wishes: {problem}.")
    return None


def overcrowded(dwelling: DwellingFacts, c: Candidate) -> bool:
    """R26: more than 2 persons per room, where § 26 applies at all (no beboermaksimum rules)."""
    return not dwelling.beboermaksimum_applied and c.household_size > 2 * dwelling.rooms


def _flags(dwelling: DwellingFacts, c: Candidate) -> tuple[Flag, ...]:
    flags = []
    if c.fee_arrears:
        flags.append(
            Flag("R3.3", "R3.3: an unpaid fee; the applicant keeps the place until deleted after a reminder.")
        )
    if overcrowded(dwelling, c):
        flags.append(
            Flag(
                "R26",
                f"R26: {c.household_size} persons in {dwelling.rooms} rooms is more than 2 persons per room; "
                "the organisation may reject.",
            )
        )
    return tuple(flags)


def _flagged(dwelling: DwellingFacts, result: Ranking) -> Ranking:
    result.placed = [
        Placed(p.rank, p.candidate, p.rule, p.explanation, _flags(dwelling, p.candidate))
        for p in result.placed
    ]
    return result


# --- Tiers ----------------------------------------------------------------------------------------

# The internal turn's tiers, lower first. The general list's R5.3/R5.2 holders stand between the
# internal holders of the same need and those without it (§ 5, stk. 2–3: "forud for andre").
(
    I_LARGE_HOUSEHOLD_MOBILITY_SAME,
    I_LARGE_HOUSEHOLD_MOBILITY,
    I_MOBILITY_SAME,
    I_MOBILITY,
    I_GENERAL_LARGE_HOUSEHOLD_MOBILITY,
    I_GENERAL_MOBILITY,
    I_ELDER_DISABLED_SAME,
    I_ELDER_DISABLED,
    I_SAME_DEPARTMENT,
    I_TRANSFER,
) = range(10)
# The general turn's tiers. R6.3: with a § 4 agreement covering the dwelling, R6/R8.2 holders with
# children go before R4, those without children after it (``_general_tier``).
(
    G_LARGE_HOUSEHOLD_MOBILITY,
    G_MOBILITY,
    G_INTERNAL_MOBILITY,
    G_ELDER_DISABLED,
    G_GUARANTEE,
    G_SEPARATION,
    G_CHILDREN,
    G_GUARANTEE_NO_CHILDREN,
    G_SEPARATION_NO_CHILDREN,
    G_GENERAL,
) = range(10)
MOBILITY_RULES = frozenset({"R5.2", "R5.3", "R10.3", "R10.4"})
NO_CHILDREN_PRIORITY_NOTE = "; R5.4: the § 4 priority does not apply to this letting"


def _seniority_key(c: Candidate) -> tuple:
    # R9.4: on the internal list, those already on it when an R9.3 decision took effect go first.
    return (not c.listed_before_seniority_scheme, c.seniority_date, c.entry_id)


def _better_suited(dwelling: DwellingFacts, current: CurrentDwelling | None, fitting: str) -> bool:
    """R10.5: the special priority of R10.2 and R10.3 needs the wanted dwelling to be better suited
    (access or fittings) than the current one — here: the dwelling has the fitting the current
    one lacks."""
    if current is None:
        return True
    return getattr(dwelling, fitting) and not getattr(current, fitting)


def children_agreement_covers(dwelling: DwellingFacts, rules: LettingRules) -> bool:
    """A § 4 agreement in force covers this dwelling: it has 3 or more rooms."""
    return rules.children_agreement and dwelling.rooms >= 3


def fitted_for_mobility(dwelling: DwellingFacts) -> bool:
    """Fitted for severely mobility-impaired persons or for their households of 4+ (§ 5, stk. 2–3)."""
    return dwelling.fitted_mobility_impaired or dwelling.fitted_large_household_mobility


def _given_up_here(c: Candidate, dwelling: DwellingFacts) -> CurrentDwelling | None:
    """The dwelling of the organisation the candidate gives up (None for a tenant rehoused outside
    it, R9.2)."""
    current = c.gives_up
    return current if current is not None and current.organisation_id == dwelling.organisation_id else None


def _holds_transfer_priority(c: Candidate, dwelling: DwellingFacts, rules: LettingRules) -> tuple[bool, str]:
    """Whether an internal-list candidate holds the § 7 priority, and if not, why."""
    current = c.gives_up
    if current is None or current.organisation_id != dwelling.organisation_id:
        if c.rehoused_outside:
            # R9.2 (§ 9, stk. 2): rehoused outside the organisation under almenlejeloven § 86, the
            # tenant keeps the internal seniority while paying — to compete with it under § 9, stk. 1.
            return True, ""
        return False, "R7: does not give up a dwelling in the organisation."
    set_aside = current.sections_6_7_set_aside_until
    if set_aside is not None and set_aside >= rules.today:
        return False, f"R1.8: the lease sets §§ 6–7 aside until {set_aside}."
    if rules.no_transfer_priority_for_youth_elder_tenants and current.kind in (
        "youth",
        "elder",
        "plejebolig",
    ):
        return (
            False,
            "R8.1: by the organisation's decision, tenants of youth and elder dwellings lack § 7 priority.",
        )
    months = rules.transfer_residence_months
    applies = (
        rules.transfer_residence_departments is None
        or current.department_id in rules.transfer_residence_departments
    )
    if months and applies and current.moved_in + relativedelta(months=months) > rules.today:
        return (
            False,
            f"R8.3: has not yet lived {months} months in the current dwelling (moved in {current.moved_in}).",
        )
    return True, ""


def _holds_separation_priority(c: Candidate, dwelling: DwellingFacts, rules: LettingRules) -> bool:
    return (
        rules.separation_priority
        and "R8.2" not in rules.switched_off_by_kommune
        and c.separation_priority_until is not None
        and c.separation_priority_until >= rules.today
        and c.separation_kommune_id == dwelling.kommune_id
    )


def _internal_tier(c: Candidate, dwelling: DwellingFacts) -> tuple[int, str, str]:
    """(tier, rule, facts) for a § 7 priority holder; lower tiers go first."""
    current = _given_up_here(c, dwelling)
    same = current is not None and current.department_id == dwelling.department_id
    if current is None:
        where = "rehoused outside the organisation"
    elif same:
        where = "gives up a dwelling in the same department"
    else:
        where = "gives up a dwelling elsewhere"
    # R10.5 names only stk. 2 and 3: the R10.4 priority needs no better-suited comparison.
    if (
        dwelling.fitted_large_household_mobility
        and c.household_member_mobility_impaired
        and c.household_size >= 4
    ):
        return (
            (I_LARGE_HOUSEHOLD_MOBILITY_SAME if same else I_LARGE_HOUSEHOLD_MOBILITY),
            "R10.4",
            f"household of {c.household_size} with a severely mobility-impaired member; {where}",
        )
    if (
        dwelling.fitted_mobility_impaired
        and c.mobility_impaired
        and _better_suited(dwelling, current, "fitted_mobility_impaired")
    ):
        return (I_MOBILITY_SAME if same else I_MOBILITY), "R10.3", f"severely mobility-impaired; {where}"
    if (
        dwelling.fitted_elderly_disabled
        and c.elderly_or_disabled
        and _better_suited(dwelling, current, "fitted_elderly_disabled")
    ):
        return (I_ELDER_DISABLED_SAME if same else I_ELDER_DISABLED), "R10.2", f"elderly or disabled; {where}"
    if same:
        return I_SAME_DEPARTMENT, "R10.1", "gives up a dwelling in the same department"
    if current is None:
        return (
            I_TRANSFER,
            "R9.2",
            "rehoused outside the organisation (almenlejeloven § 86); longest on the internal list",
        )
    return I_TRANSFER, "R9", "§ 7 priority; longest on the internal list"


def _general_tier(c: Candidate, dwelling: DwellingFacts, rules: LettingRules) -> tuple[int, str, str]:
    if (
        dwelling.fitted_large_household_mobility
        and c.household_member_mobility_impaired
        and c.household_size >= 4
    ):
        return (
            G_LARGE_HOUSEHOLD_MOBILITY,
            "R5.3",
            f"household of {c.household_size} with a severely mobility-impaired member",
        )
    if dwelling.fitted_mobility_impaired and c.mobility_impaired:
        return G_MOBILITY, "R5.2", "severely mobility-impaired"
    if dwelling.fitted_elderly_disabled and rules.elder_disabled_priority_decided and c.elderly_or_disabled:
        return G_ELDER_DISABLED, "R5.1", "elderly or disabled (the kommune has decided on the priority)"
    covered = children_agreement_covers(dwelling, rules)
    # R6.3: under a § 4 agreement the R6 and R8.2 priorities are used within it.
    after_children_note = "; R6.3: no children — after households with children (§ 4 agreement)"
    if (
        rules.issues_housing_guarantees
        and "R6" not in rules.switched_off_by_kommune
        and c.guarantee_department_id == dwelling.department_id
        and c.guarantee_valid_until is not None
        and c.guarantee_valid_until >= rules.today
        and not c.guarantee_set_aside
    ):
        facts = f"boliggarantibevis for this department, valid until {c.guarantee_valid_until}"
        if covered and not c.has_children:
            return G_GUARANTEE_NO_CHILDREN, "R6", facts + after_children_note
        return G_GUARANTEE, "R6", facts + ("; household with children" if covered else "")
    if _holds_separation_priority(c, dwelling, rules):
        facts = f"left a dwelling after a separation; priority until {c.separation_priority_until}"
        if covered and not c.has_children:
            return G_SEPARATION_NO_CHILDREN, "R8.2", facts + after_children_note
        return G_SEPARATION, "R8.2", facts + ("; household with children" if covered else "")
    if covered and c.has_children:
        return G_CHILDREN, "R4", "household with children; the dwelling has 3 or more rooms"
    return G_GENERAL, "R2.1", "longest on the general list"


# --- The ranking ----------------------------------------------------------------------------------


def rank(dwelling: DwellingFacts, candidates: list[Candidate], rules: LettingRules) -> Ranking:
    """Order the candidates for one vacant dwelling, each with the rule and the facts that placed
    them; every candidate left out carries its reason, every placed one its flags."""
    result = Ranking()
    eligible: list[Candidate] = []
    for c in candidates:
        excluded = _exclusion(dwelling, c)
        if excluded:
            result.excluded.append(excluded)
        else:
            eligible.append(c)

    if dwelling.kind == "youth":
        return _flagged(dwelling, rank_youth(dwelling, eligible, rules, result))

    covered = children_agreement_covers(dwelling, rules)
    mobility = fitted_for_mobility(dwelling)
    keyed: list[tuple[tuple, Candidate, str, str]] = []
    if rules.internal_turn:
        for c in eligible:
            if c.list_kind != "internal":
                continue
            holds, why = _holds_transfer_priority(c, dwelling, rules)
            if not holds and not _holds_separation_priority(c, dwelling, rules):
                result.excluded.append(Excluded(c, why.split(":")[0], why))
                continue
            if holds:
                tier, rule, facts = _internal_tier(c, dwelling)
                # § 7, 3. pkt.: a larger dwelling than the current one follows the R4 agreement.
                # (A tenant rehoused outside gives up no dwelling of ours to compare: not larger.)
                current = _given_up_here(c, dwelling)
                larger = current is not None and dwelling.gross_floor_area > current.gross_floor_area
                r4 = covered and larger and tier >= I_SAME_DEPARTMENT
                children_key = 0 if (not r4 or c.has_children) else 1
                if r4 and c.has_children:
                    facts += "; R4: household with children, larger dwelling"
            else:
                tier, rule, facts, children_key = I_TRANSFER, "R8.2", "left a dwelling after a separation", 0
                if covered and not c.has_children:
                    # R6.3 (§ 8, nr. 2): the separation priority holds within the § 4 agreement.
                    children_key = 1
                    facts += "; R6.3: no children — after households with children (§ 4 agreement)"
            keyed.append(((tier, children_key, *_seniority_key(c)), c, rule, facts))
        if keyed:
            result.turn = "internal"
            if mobility:
                # § 5, stk. 2–3: before everyone without the need, the general list's holders too.
                for c in eligible:
                    if c.list_kind != "general":
                        continue
                    _tier, rule, facts = _general_tier(c, dwelling, rules)
                    if rule in MOBILITY_RULES:
                        tier = I_GENERAL_LARGE_HOUSEHOLD_MOBILITY if rule == "R5.3" else I_GENERAL_MOBILITY
                        if covered:
                            facts += NO_CHILDREN_PRIORITY_NOTE
                        facts += "; fitted for this need: before internal-list tenants without it"
                        keyed.append(((tier, 0, False, c.seniority_date, c.entry_id), c, rule, facts))
        else:
            result.notes.append(
                "R7: no candidate holds an internal priority; the dwelling goes to the general list."
            )

    if not keyed:
        result.turn = "general"
        for c in eligible:
            if c.list_kind == "general":
                tier, rule, facts = _general_tier(c, dwelling, rules)
                if covered and rule in ("R5.1", "R5.2", "R5.3"):
                    facts += NO_CHILDREN_PRIORITY_NOTE
                if c.guarantee_set_aside:
                    section = "§ 51 c" if c.guarantee_set_aside == "51c" else "§ 51 b"
                    facts += (
                        "; R6.2: boliggarantibevis not applied: to be rejected under almenboligloven "
                        f"{section}"
                    )
                keyed.append(((tier, 0, c.seniority_date, c.entry_id), c, rule, facts))
            elif c.list_kind == "internal" and mobility and not rules.internal_turn:
                # § 10, stk. 3–4: the internal list's holders of the need go before applicants
                # without it, after the general list's own R5.3/R5.2 holders on its turn.
                if not _holds_transfer_priority(c, dwelling, rules)[0]:
                    continue
                itier, rule, facts = _internal_tier(c, dwelling)
                if rule in MOBILITY_RULES:
                    facts += "; fitted for this need: before general-list applicants without it"
                    keyed.append(((G_INTERNAL_MOBILITY, itier, *_seniority_key(c)), c, rule, facts))
        if not keyed:
            result.fallback = "R2.5"
            result.notes.append(
                "R2.5: nobody on the general list can take the dwelling; it may be let to others."
            )

    keyed.sort(key=lambda item: item[0])
    for position, (_key, c, rule, facts) in enumerate(keyed, start=1):
        list_name = "internal" if c.list_kind == "internal" else "general"
        explanation = f"{rule} — {facts}; {list_name} seniority {c.seniority_date.isoformat()}"
        result.placed.append(Placed(position, c, rule, explanation))
    return _flagged(dwelling, result)
