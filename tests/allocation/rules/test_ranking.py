"""The priority ranking, clause by clause (§§ 2–10, 12–13, 26, 31). Pure: no database."""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal

import pytest

from allocation.rules.ranking import (
    NO_GUIDELINE_NOTE,
    Candidate,
    CurrentDwelling,
    DwellingFacts,
    LettingRules,
    YouthGroup,
    YouthGuideline,
    rank,
)

TODAY = datetime.date(2026, 11, 21)
DEPT, OTHER_DEPT, ORG, KOMMUNE = 10, 11, 1, 751

DWELLING = DwellingFacts(
    department_id=DEPT,
    organisation_id=ORG,
    kommune_id=KOMMUNE,
    kind="family",
    rooms=3,
    gross_floor_area=80,
    monthly_rent=7000,
    floor=1,
    has_elevator=True,
)
GENERAL = LettingRules(today=TODAY, internal_turn=False)
INTERNAL = LettingRules(today=TODAY, internal_turn=True)


def applicant(entry_id: int, seniority: str, **kw) -> Candidate:
    return Candidate(
        entry_id=entry_id,
        applicant_number=f"{entry_id:07d}",
        list_kind="general",
        seniority_date=datetime.date.fromisoformat(seniority),
        **kw,
    )


def tenant(entry_id: int, seniority: str, *, department=OTHER_DEPT, area=60.0, moved_in="2015-01-01", **kw):
    current = CurrentDwelling(
        department_id=department,
        organisation_id=ORG,
        kind=kw.pop("current_kind", "family"),
        gross_floor_area=area,
        moved_in=datetime.date.fromisoformat(moved_in),
        **kw.pop("current_fittings", {}),
    )
    return Candidate(
        entry_id=entry_id,
        applicant_number=f"{entry_id:07d}",
        list_kind="internal",
        seniority_date=datetime.date.fromisoformat(seniority),
        gives_up=current,
        **kw,
    )


def order(ranking) -> list[int]:
    return [placed.candidate.entry_id for placed in ranking.placed]


def rules_of(ranking) -> list[str]:
    return [placed.rule for placed in ranking.placed]


# --- The general list -------------------------------------------------------------------------------


@pytest.mark.rule("R2.1")
def test_longest_on_the_general_list_first():
    ranking = rank(
        DWELLING,
        [applicant(2, "2015-05-05"), applicant(1, "2010-01-01"), applicant(3, "2020-02-02")],
        GENERAL,
    )
    assert order(ranking) == [1, 2, 3]
    assert ranking.placed[0].explanation == "R2.1 — longest on the general list; general seniority 2010-01-01"


@pytest.mark.rule("R2.5")
def test_nobody_eligible_on_the_list_allows_letting_to_others():
    ranking = rank(DWELLING, [applicant(1, "2010-01-01", status="passive")], GENERAL)
    assert ranking.placed == [] and ranking.fallback == "R2.5"


@pytest.mark.rule("R4")
def test_children_first_for_three_rooms_under_an_agreement():
    candidates = [applicant(1, "2010-01-01"), applicant(2, "2015-01-01", has_children=True, household_size=3)]
    assert order(rank(DWELLING, candidates, GENERAL)) == [1, 2]  # no agreement: seniority
    with_agreement = replace(GENERAL, children_agreement=True)
    assert order(rank(DWELLING, candidates, with_agreement)) == [2, 1]
    two_rooms = replace(DWELLING, rooms=2)
    assert order(rank(two_rooms, candidates, with_agreement)) == [1, 2]  # only 3 rooms or more


@pytest.mark.rule("R5.1")
def test_elderly_first_to_reserved_dwellings_only_if_the_kommune_decided():
    fitted = replace(DWELLING, fitted_elderly_disabled=True)
    candidates = [applicant(1, "2010-01-01"), applicant(2, "2018-01-01", elderly_or_disabled=True)]
    assert order(rank(fitted, candidates, GENERAL)) == [1, 2]
    ranking = rank(fitted, candidates, replace(GENERAL, elder_disabled_priority_decided=True))
    assert order(ranking) == [2, 1] and rules_of(ranking)[0] == "R5.1"


@pytest.mark.rule("R5.2")
def test_mobility_impaired_first_to_fitted_dwellings():
    fitted = replace(DWELLING, fitted_mobility_impaired=True)
    ranking = rank(
        fitted, [applicant(1, "2010-01-01"), applicant(2, "2019-01-01", mobility_impaired=True)], GENERAL
    )
    assert order(ranking) == [2, 1] and rules_of(ranking) == ["R5.2", "R2.1"]


@pytest.mark.rule("R5.3")
def test_large_household_with_mobility_impaired_member_first():
    fitted = replace(DWELLING, rooms=4, fitted_large_household_mobility=True, fitted_mobility_impaired=True)
    family = applicant(3, "2021-01-01", household_size=4, household_member_mobility_impaired=True)
    single = applicant(2, "2019-01-01", mobility_impaired=True)
    ranking = rank(fitted, [applicant(1, "2010-01-01"), single, family], GENERAL)
    assert order(ranking) == [3, 2, 1] and rules_of(ranking) == ["R5.3", "R5.2", "R2.1"]


@pytest.mark.rule("R5.4", "R4")
def test_ved_udlejning_efter_stk_1_3_ses_bort_fra_fortrinsret_efter_4():
    """§ 5, stk. 4: the § 4 priority is set aside for a letting *to* an R5.1–R5.3 holder. The
    holder goes first although the family with children is covered by the agreement; the others
    are reached only when no R5 holder takes it, and then § 4 applies as usual."""
    fitted = replace(DWELLING, fitted_mobility_impaired=True)
    rules = replace(GENERAL, children_agreement=True)
    plain = applicant(1, "2010-01-01")
    with_children = applicant(2, "2015-01-01", has_children=True, household_size=3)
    holder = applicant(3, "2019-01-01", mobility_impaired=True)
    ranking = rank(fitted, [plain, with_children, holder], rules)
    assert order(ranking) == [3, 2, 1] and rules_of(ranking) == ["R5.2", "R4", "R2.1"]
    assert "R5.4" in ranking.placed[0].explanation


@pytest.mark.rule("R5.4", "R4")
def test_with_no_r5_holder_wanting_the_fitted_dwelling_the_4_agreement_applies():
    fitted = replace(DWELLING, fitted_mobility_impaired=True)
    with_children = applicant(2, "2015-01-01", has_children=True, household_size=3)
    ranking = rank(
        fitted, [applicant(1, "2010-01-01"), with_children], replace(GENERAL, children_agreement=True)
    )
    assert order(ranking) == [2, 1] and rules_of(ranking) == ["R4", "R2.1"]
    assert not any("R5.4" in p.explanation for p in ranking.placed)


@pytest.mark.rule("R6.1")
def test_boliggarantibevis_gives_priority_to_the_department_left():
    holder = applicant(
        2, "2020-01-01", guarantee_department_id=DEPT, guarantee_valid_until=datetime.date(2027, 1, 1)
    )
    expired = applicant(
        3, "2019-01-01", guarantee_department_id=DEPT, guarantee_valid_until=datetime.date(2026, 1, 1)
    )
    rules = replace(GENERAL, issues_housing_guarantees=True)
    ranking = rank(DWELLING, [applicant(1, "2010-01-01"), holder, expired], rules)
    assert order(ranking) == [2, 1, 3] and rules_of(ranking)[0] == "R6"
    elsewhere = replace(DWELLING, department_id=OTHER_DEPT)
    assert order(rank(elsewhere, [applicant(1, "2010-01-01"), holder], rules)) == [1, 2]


@pytest.mark.rule("R40")
def test_the_kommune_can_switch_off_r6_and_r8_2():
    holder = applicant(
        2, "2020-01-01", guarantee_department_id=DEPT, guarantee_valid_until=datetime.date(2027, 1, 1)
    )
    separated = applicant(
        3, "2021-01-01", separation_priority_until=datetime.date(2027, 1, 1), separation_kommune_id=KOMMUNE
    )
    rules = replace(GENERAL, issues_housing_guarantees=True, separation_priority=True)
    assert order(rank(DWELLING, [applicant(1, "2010-01-01"), holder, separated], rules)) == [2, 3, 1]
    off = replace(rules, switched_off_by_kommune=frozenset({"R6", "R8.2"}))
    assert order(rank(DWELLING, [applicant(1, "2010-01-01"), holder, separated], off)) == [1, 2, 3]


@pytest.mark.rule("R8.2")
def test_separation_priority_in_the_same_kommune_for_a_year():
    separated = applicant(
        2, "2021-01-01", separation_priority_until=datetime.date(2027, 1, 1), separation_kommune_id=KOMMUNE
    )
    other_kommune = replace(separated, entry_id=3, separation_kommune_id=461)
    rules = replace(GENERAL, separation_priority=True)
    ranking = rank(DWELLING, [applicant(1, "2010-01-01"), separated, other_kommune], rules)
    assert order(ranking) == [2, 1, 3] and rules_of(ranking)[0] == "R8.2"
    assert order(rank(DWELLING, [applicant(1, "2010-01-01"), separated], GENERAL)) == [1, 2]  # not decided


# --- Exclusions -----------------------------------------------------------------------------------


@pytest.mark.rule("R26")
def test_flere_end_2_personer_pr_beboelsesrum_is_flagged_not_excluded():
    """§ 26: the organisation "kan … afvise" — a discretion. 7 persons in 3 rooms appear in their
    place by seniority, flagged with the figures; 6 in 3 rooms (exactly 2 per room) are not."""
    seven = applicant(1, "2010-01-01", household_size=7)
    six = applicant(2, "2011-01-01", household_size=6)
    ranking = rank(DWELLING, [seven, six], GENERAL)
    assert order(ranking) == [1, 2] and ranking.excluded == []
    first, second = ranking.placed
    assert [f.rule for f in first.flags] == ["R26"] and "7 persons in 3 rooms" in first.flags[0].text
    assert second.flags == ()


@pytest.mark.rule("R26")
def test_naar_reglerne_om_beboermaksimum_anvendes_gives_no_r26_flag():
    """§ 26 applies only "Når reglerne om beboermaksimum i §§ 52 a-52 c … ikke anvendes"."""
    applied = replace(DWELLING, beboermaksimum_applied=True)
    ranking = rank(applied, [applicant(1, "2010-01-01", household_size=7)], GENERAL)
    assert order(ranking) == [1] and ranking.placed[0].flags == ()


@pytest.mark.rule("R3.3")
def test_an_unpaid_fee_keeps_the_place_and_is_shown_as_a_flag():
    """§ 3, stk. 3: non-payment leads to a reminder and then deletion — nothing else. Until
    deleted the applicant is offered dwellings like anyone else, in his place by seniority."""
    ranking = rank(
        DWELLING, [applicant(1, "2010-01-01", fee_arrears=True), applicant(2, "2011-01-01")], GENERAL
    )
    assert order(ranking) == [1, 2] and ranking.excluded == []
    assert [f.rule for f in ranking.placed[0].flags] == ["R3.3"] and ranking.placed[1].flags == ()


def test_passive_and_wishes_are_excluded_with_reasons():
    candidates = [
        applicant(1, "2010-01-01", status="passive"),
        applicant(3, "2010-01-03", departments=frozenset({OTHER_DEPT})),
        applicant(4, "2010-01-04", rooms_min=4, rooms_max=5),
        applicant(5, "2010-01-05", max_rent=6000),
        applicant(6, "2010-01-06", floor_max=0),
        applicant(7, "2010-01-07", departments=frozenset({DEPT})),
    ]
    ranking = rank(DWELLING, candidates, GENERAL)
    assert order(ranking) == [7]
    reasons = {e.candidate.entry_id: e.rule for e in ranking.excluded}
    assert reasons == {1: "passive", 3: "wishes", 4: "wishes", 5: "wishes", 6: "wishes"}


# --- R6.3: R6 and R8.2 "under iagttagelse af en eventuel aftale efter § 4" ----------------------------


def _holder(entry_id, seniority, **kw):
    return applicant(
        entry_id,
        seniority,
        guarantee_department_id=DEPT,
        guarantee_valid_until=datetime.date(2027, 1, 1),
        **kw,
    )


@pytest.mark.rule("R6.3", "R6.1", "R4")
def test_a_guarantee_holder_without_children_does_not_pass_a_family_the_4_agreement_favours():
    rules = replace(GENERAL, children_agreement=True, issues_housing_guarantees=True)
    no_children = _holder(1, "2000-01-01")
    holder_children = _holder(2, "2020-01-01", has_children=True, household_size=3)
    family = applicant(3, "2015-01-01", has_children=True, household_size=4)
    plain = applicant(4, "2005-01-01")
    ranking = rank(DWELLING, [no_children, holder_children, family, plain], rules)
    # Holder with children → family (R4) → holder without children → the rest.
    assert order(ranking) == [2, 3, 1, 4] and rules_of(ranking) == ["R6", "R4", "R6", "R2.1"]
    assert "R6.3" in ranking.placed[2].explanation
    # No agreement, or a dwelling it does not cover (2 rooms): the guarantee goes first as before.
    # (then the family has no priority either: seniority after the guarantee).
    no_agreement = replace(rules, children_agreement=False)
    assert order(rank(DWELLING, [no_children, family, plain], no_agreement)) == [1, 4, 3]
    two_rooms = replace(DWELLING, rooms=2)
    assert order(rank(two_rooms, [no_children, family, plain], rules)) == [1, 4, 3]


@pytest.mark.rule("R6.3", "R8.2", "R4")
def test_a_separation_holder_without_children_does_not_pass_a_family_the_4_agreement_favours():
    rules = replace(GENERAL, children_agreement=True, separation_priority=True)
    separated = applicant(
        1, "2000-01-01", separation_priority_until=datetime.date(2027, 1, 1), separation_kommune_id=KOMMUNE
    )
    family = applicant(3, "2015-01-01", has_children=True, household_size=4)
    ranking = rank(DWELLING, [separated, family, applicant(4, "2005-01-01")], rules)
    assert order(ranking) == [3, 1, 4] and rules_of(ranking) == ["R4", "R8.2", "R2.1"]
    # On the internal turn too: behind the holders the agreement does not put back.
    internal_separated = replace(separated, list_kind="internal")
    with_children = tenant(5, "2012-01-01", area=90, has_children=True, household_size=3)
    internal = rank(DWELLING, [internal_separated, with_children], replace(rules, internal_turn=True))
    assert order(internal) == [5, 1] and "R6.3" in internal.placed[1].explanation


# --- The internal turn (§§ 7–10) --------------------------------------------------------------------


@pytest.mark.rule("R7")
def test_the_internal_turn_goes_to_tenants_who_give_up_a_dwelling():
    candidates = [
        applicant(1, "2000-01-01"),
        tenant(2, "2020-01-01"),
        Candidate(
            entry_id=3, applicant_number="3", list_kind="internal", seniority_date=datetime.date(2005, 1, 1)
        ),
    ]
    ranking = rank(DWELLING, candidates, INTERNAL)
    assert ranking.turn == "internal" and order(ranking) == [2]
    assert {e.candidate.entry_id: e.rule for e in ranking.excluded} == {3: "R7"}
    # The other turn: the general list.
    assert order(rank(DWELLING, candidates, GENERAL)) == [1]


@pytest.mark.rule("R7")
def test_r7_alternation_over_ten_vacancies():
    """Every second vacancy is the internal turn; with tenants and applicants waiting, the
    internal list and the general list take turns over a sequence of 10 vacancies."""
    candidates = [applicant(1, "2000-01-01"), tenant(2, "2020-01-01")]
    winners = []
    for number in range(10):
        rules = replace(GENERAL, internal_turn=number % 2 == 0)
        winners.append(rank(DWELLING, candidates, rules).placed[0].candidate.list_kind)
    assert winners == ["internal", "general"] * 5


@pytest.mark.rule("R7")
def test_no_internal_priority_holder_sends_the_dwelling_to_the_general_list():
    ranking = rank(DWELLING, [applicant(1, "2000-01-01")], INTERNAL)
    assert ranking.turn == "general" and order(ranking) == [1]
    assert any("R7" in note for note in ranking.notes)


@pytest.mark.rule("R7", "R4")
def test_a_larger_dwelling_follows_the_r4_agreement():
    no_children = tenant(1, "2010-01-01", area=60)
    children = tenant(2, "2015-01-01", area=60, has_children=True, household_size=3)
    rules = replace(INTERNAL, children_agreement=True)
    assert order(rank(DWELLING, [no_children, children], rules)) == [2, 1]
    smaller = replace(DWELLING, gross_floor_area=50)  # not larger than 60 m²: R4 does not apply
    assert order(rank(smaller, [no_children, children], rules)) == [1, 2]


@pytest.mark.rule("R8.1")
def test_tenants_of_youth_and_elder_dwellings_can_be_excluded_from_r7():
    youth_tenant = tenant(1, "2010-01-01", current_kind="youth")
    rules = replace(INTERNAL, no_transfer_priority_for_youth_elder_tenants=True)
    ranking = rank(DWELLING, [youth_tenant, tenant(2, "2015-01-01")], rules)
    assert order(ranking) == [2] and ranking.excluded[0].rule == "R8.1"


@pytest.mark.rule("R8.3")
def test_residence_period_before_using_r7():
    recent = tenant(1, "2010-01-01", moved_in="2025-06-01")
    settled = tenant(2, "2015-01-01", moved_in="2024-11-21")
    rules = replace(INTERNAL, transfer_residence_months=24)
    ranking = rank(DWELLING, [recent, settled], rules)
    assert order(ranking) == [2]  # exactly 24 months on the day: allowed
    assert ranking.excluded[0].rule == "R8.3"
    limited = replace(
        rules, transfer_residence_departments=frozenset({99})
    )  # the decision covers other departments only
    assert order(rank(DWELLING, [recent, settled], limited)) == [1, 2]


@pytest.mark.rule("R9.1")
def test_longest_on_the_internal_list_wins_among_r7_holders():
    ranking = rank(DWELLING, [tenant(2, "2019-01-01"), tenant(1, "2012-01-01")], INTERNAL)
    assert order(ranking) == [1, 2] and rules_of(ranking) == ["R9", "R9"]


@pytest.mark.rule("R9.4")
def test_those_on_the_list_when_r93_took_effect_go_first():
    covered = tenant(1, "2005-01-01")  # general-list date under R9.3
    earlier = tenant(2, "2018-01-01", listed_before_seniority_scheme=True)
    assert order(rank(DWELLING, [covered, earlier], INTERNAL)) == [2, 1]


@pytest.mark.rule("R10.1")
def test_same_department_before_r9():
    ranking = rank(DWELLING, [tenant(1, "2010-01-01"), tenant(2, "2020-01-01", department=DEPT)], INTERNAL)
    assert order(ranking) == [2, 1] and rules_of(ranking) == ["R10.1", "R9"]


@pytest.mark.rule("R10.2")
def test_elderly_and_disabled_first_to_suitable_dwellings():
    fitted = replace(DWELLING, fitted_elderly_disabled=True)
    ranking = rank(
        fitted,
        [tenant(1, "2010-01-01", department=DEPT), tenant(2, "2020-01-01", elderly_or_disabled=True)],
        INTERNAL,
    )
    assert order(ranking) == [2, 1] and rules_of(ranking) == ["R10.2", "R10.1"]


@pytest.mark.rule("R10.3", "R10.4", "R10.2")
def test_r10_4_beats_r10_3_beats_r10_2_and_same_department_first():
    fitted = replace(
        DWELLING,
        rooms=4,
        fitted_elderly_disabled=True,
        fitted_mobility_impaired=True,
        fitted_large_household_mobility=True,
    )
    elderly = tenant(1, "2005-01-01", elderly_or_disabled=True)
    impaired_here = tenant(2, "2019-01-01", mobility_impaired=True, department=DEPT)
    impaired_elsewhere = tenant(3, "2010-01-01", mobility_impaired=True)
    family = tenant(4, "2021-01-01", household_size=4, household_member_mobility_impaired=True)
    ranking = rank(fitted, [elderly, impaired_elsewhere, impaired_here, family], INTERNAL)
    assert order(ranking) == [4, 2, 3, 1]
    assert rules_of(ranking) == ["R10.4", "R10.3", "R10.3", "R10.2"]
    assert ranking.placed[1].explanation == (
        "R10.3 — severely mobility-impaired; gives up a dwelling in the same department; "
        "internal seniority 2019-01-01"
    )


@pytest.mark.rule("R10.5")
def test_special_priority_only_when_the_dwelling_is_better_suited():
    fitted = replace(DWELLING, fitted_mobility_impaired=True)
    already_fitted = tenant(
        1, "2019-01-01", mobility_impaired=True, current_fittings={"fitted_mobility_impaired": True}
    )
    ordinary = tenant(2, "2010-01-01")
    ranking = rank(fitted, [already_fitted, ordinary], INTERNAL)
    assert order(ranking) == [2, 1] and rules_of(ranking) == ["R9", "R9"]


@pytest.mark.rule("R10.5", "R10.4")
def test_r10_4_needs_no_better_suited_dwelling():
    """§ 10, stk. 5 names "stk. 2 og 3": a household of 4+ with a severely mobility-impaired member
    keeps the R10.4 priority even when its current dwelling has the same fitting."""
    fitted = replace(DWELLING, rooms=4, fitted_large_household_mobility=True)
    family = tenant(
        1,
        "2021-01-01",
        household_size=4,
        household_member_mobility_impaired=True,
        current_fittings={"fitted_large_household_mobility": True},
    )
    ranking = rank(fitted, [tenant(2, "2010-01-01"), family], INTERNAL)
    assert order(ranking) == [1, 2] and rules_of(ranking) == ["R10.4", "R9"]


@pytest.mark.rule("R5.2", "R10.3", "R7")
def test_fitted_dwelling_on_the_internal_turn_goes_to_a_general_list_r5_2_holder_before_r9():
    """§ 5, stk. 2: "forud for andre boligsøgende". With no internal-list R10.3/R10.4 holder, the
    general list's R5.2 holder goes before the internal holders without the need."""
    fitted = replace(DWELLING, fitted_mobility_impaired=True)
    impaired = applicant(1, "2020-01-01", mobility_impaired=True)
    r9 = tenant(2, "2005-01-01")
    same = tenant(3, "2006-01-01", department=DEPT)
    ranking = rank(fitted, [impaired, r9, same, applicant(4, "2000-01-01")], INTERNAL)
    assert ranking.turn == "internal"
    assert order(ranking) == [1, 3, 2] and rules_of(ranking) == ["R5.2", "R10.1", "R9"]
    # An internal R10.3 holder goes first on the internal turn, the general R5.2 holder next.
    internal_impaired = tenant(5, "2022-01-01", mobility_impaired=True)
    ranking = rank(fitted, [impaired, r9, same, internal_impaired], INTERNAL)
    assert order(ranking) == [5, 1, 3, 2] and rules_of(ranking) == ["R10.3", "R5.2", "R10.1", "R9"]
    # Not fitted: the general list does not come into the internal turn.
    assert order(rank(DWELLING, [impaired, r9, same], INTERNAL)) == [3, 2]


@pytest.mark.rule("R10.3", "R5.2")
def test_fitted_dwelling_on_the_general_turn_goes_to_an_internal_r10_3_holder_before_r2_1():
    fitted = replace(DWELLING, fitted_mobility_impaired=True)
    internal_impaired = tenant(5, "2022-01-01", mobility_impaired=True)
    ranking = rank(fitted, [applicant(1, "2000-01-01"), internal_impaired, tenant(2, "2001-01-01")], GENERAL)
    assert ranking.turn == "general"
    assert order(ranking) == [5, 1] and rules_of(ranking) == ["R10.3", "R2.1"]
    general_impaired = applicant(6, "2023-01-01", mobility_impaired=True)
    ranking = rank(fitted, [applicant(1, "2000-01-01"), internal_impaired, general_impaired], GENERAL)
    assert order(ranking) == [6, 5, 1]


@pytest.mark.rule("R9.2", "R9.1")
def test_lejere_der_genhuses_uden_for_boligorganisationen_bibeholder_ancienniteten_and_can_win():
    """§ 9, stk. 2 keeps the rehoused tenant's internal seniority; § 9, stk. 1 ranks the § 7 and
    § 8 holders by it. He gives up no dwelling of the organisation, yet competes like the others."""
    rehoused = Candidate(
        entry_id=1,
        applicant_number="1",
        list_kind="internal",
        seniority_date=datetime.date(2008, 1, 1),
        rehoused_outside=True,
    )
    ranking = rank(DWELLING, [tenant(2, "2010-01-01"), rehoused], INTERNAL)
    assert ranking.turn == "internal" and order(ranking) == [1, 2]
    assert rules_of(ranking) == ["R9.2", "R9"]
    # Rehoused into another organisation's dwelling: that is no dwelling of ours to give up, and
    # the R9.2 seniority still counts.
    elsewhere = replace(
        rehoused,
        gives_up=CurrentDwelling(
            department_id=99, organisation_id=2, kind="family", gross_floor_area=50,
            moved_in=datetime.date(2024, 1, 1),
        ),
    )  # fmt: skip
    assert rules_of(rank(DWELLING, [tenant(2, "2010-01-01"), elsewhere], INTERNAL)) == ["R9.2", "R9"]
    # Without the R9.2 status, no dwelling given up: no § 7 priority.
    plain = replace(rehoused, rehoused_outside=False)
    ranking = rank(DWELLING, [tenant(2, "2010-01-01"), plain], INTERNAL)
    assert order(ranking) == [2] and ranking.excluded[0].rule == "R7"


@pytest.mark.rule("R31")
def test_no_priority_beyond_the_law():
    """Facts the law does not make a priority (here: a long-standing tenant of another organisation
    on the general list, an applicant with children without an R4 agreement) change nothing:
    seniority decides."""
    candidates = [
        applicant(2, "2015-01-01", has_children=True, household_size=4),
        applicant(1, "2014-12-31", elderly_or_disabled=True),
    ]
    ranking = rank(DWELLING, candidates, GENERAL)
    assert order(ranking) == [1, 2] and rules_of(ranking) == ["R2.1", "R2.1"]


# --- Youth dwellings (§§ 12–13) ---------------------------------------------------------------------


YOUTH = replace(DWELLING, kind="youth", rooms=1, gross_floor_area=30)


def young(entry_id, seniority, **kw):
    return replace(applicant(entry_id, seniority, **kw), list_kind="youth")


@pytest.mark.rule("R12.1")
def test_youth_dwellings_for_education_or_special_need_by_seniority():
    ranking = rank(
        YOUTH,
        [
            young(1, "2020-01-01"),
            young(2, "2022-01-01", in_education=True),
            young(3, "2021-01-01", special_need=True),
        ],
        LettingRules(today=TODAY, internal_turn=False),
    )
    assert order(ranking) == [3, 2]
    assert ranking.excluded[0].rule == "R12.1"


# § 12, stk. 2: "Udlejning … skal ske efter retningslinjer, der tager hensyn til de boligsøgendes
# uddannelsesmæssige, økonomiske og sociale forhold."
GUIDELINE = YouthGuideline(
    title="Udlejningsretningslinjer for ungdomsboliger",
    valid_from=datetime.date(2026, 1, 1),
    groups=(
        YouthGroup(
            number=1,
            name="Studerende med lav indkomst",
            education_levels=frozenset({"medium_higher", "long_higher"}),
            income_below=Decimal("150000.00"),
        ),
        YouthGroup(number=2, name="Dokumenteret socialt behov", social_need=True),
    ),
)
STUDENT = {"in_education": True, "education_level": "long_higher"}


@pytest.mark.rule("R12.2")
def test_the_letting_guidelines_order_by_priority_group_then_seniority():
    candidates = [
        young(1, "2015-01-01", **STUDENT),  # in no group (no documented income): after the groups
        young(2, "2020-01-01", special_need=True, social_need=True),  # group 2
        young(3, "2022-01-01", **STUDENT, annual_income=Decimal("90000")),  # group 1
        # "below" 150,000: exactly 150,000 is not below — no group.
        young(4, "2018-01-01", **STUDENT, annual_income=Decimal("150000.00")),
        young(5, "2023-01-01", **STUDENT, annual_income=Decimal("149999.99")),  # group 1
        # Group 1 asks for a medium- or long-cycle higher education; a youth education is not one.
        young(
            6, "2010-01-01", in_education=True, education_level="youth_education", annual_income=Decimal(1)
        ),
    ]
    ranking = rank(
        YOUTH, candidates, LettingRules(today=TODAY, internal_turn=False, youth_guideline=GUIDELINE)
    )
    assert order(ranking) == [3, 5, 2, 6, 1, 4]
    assert ranking.placed[0].explanation == (
        "R12.1 — in education; § 12, stk. 2: group 1 'Studerende med lav indkomst'; seniority 2022-01-01"
    )
    assert "§ 12, stk. 2: group 2 'Dokumenteret socialt behov'" in ranking.placed[2].explanation
    assert "in no priority group" in ranking.placed[3].explanation
    assert NO_GUIDELINE_NOTE not in ranking.notes


@pytest.mark.rule("R12.2")
def test_an_education_level_counts_only_while_in_education():
    ended = young(1, "2010-01-01", in_education=False, special_need=True, education_level="long_higher")
    ranking = rank(
        YOUTH,
        [ended, young(2, "2020-01-01", **STUDENT, annual_income=Decimal(0))],
        LettingRules(today=TODAY, internal_turn=False, youth_guideline=GUIDELINE),
    )
    assert order(ranking) == [2, 1]


@pytest.mark.rule("R12.2")
def test_without_letting_guidelines_the_ranking_says_it_orders_by_seniority_only():
    ranking = rank(
        YOUTH, [young(1, "2020-01-01", in_education=True)], LettingRules(today=TODAY, internal_turn=False)
    )
    assert NO_GUIDELINE_NOTE in ranking.notes
    assert NO_GUIDELINE_NOTE == "§ 12, stk. 2: no letting guidelines in force — ordered by seniority only."


@pytest.mark.rule("R12.1", "R12.2")
def test_startboliger_are_not_let_by_the_letting_guidelines():
    """§ 12, stk. 2 names the dwellings of stk. 1, 1. and 2. pkt.: a startbolig (3. pkt.) is let
    to 18–24-year-olds with a support need, without a guideline and without the warning."""
    startbolig = replace(YOUTH, youth_kind="startbolig")
    people = [
        young(1, "2020-01-01", birth_date=datetime.date(2004, 1, 1), needs_support=True),
        young(2, "2021-01-01", birth_date=datetime.date(2004, 1, 1), needs_support=True, social_need=True),
    ]
    for rules in (
        LettingRules(today=TODAY, internal_turn=False),
        LettingRules(today=TODAY, internal_turn=False, youth_guideline=GUIDELINE),
    ):
        ranking = rank(startbolig, people, rules)
        assert order(ranking) == [1, 2] and NO_GUIDELINE_NOTE not in ranking.notes
        assert "§ 12, stk. 2" not in ranking.placed[1].explanation


@pytest.mark.rule("R13", "R12.2")
def test_university_near_youth_dwellings_follow_the_letting_guidelines_too():
    """§ 13, stk. 1 applies § 12, stk. 1–3 to a self-governing institution's youth dwellings; stk. 2
    only narrows the group of the university-near ones to young people in education."""
    near = replace(YOUTH, youth_kind="university_near")
    ranking = rank(
        near,
        [young(1, "2020-01-01", **STUDENT), young(2, "2024-01-01", **STUDENT, annual_income=Decimal(10))],
        LettingRules(today=TODAY, internal_turn=False, youth_guideline=GUIDELINE),
    )
    assert order(ranking) == [2, 1] and rules_of(ranking) == ["R13", "R13"]


@pytest.mark.rule("R12.1")
def test_startbolig_age_18_to_24_with_support_and_kommune_approval():
    startbolig = replace(YOUTH, youth_kind="startbolig")
    ok = {"needs_support": True, "kommune_approved_startbolig": True}
    eighteen_today = young(1, "2024-01-01", birth_date=datetime.date(2008, 11, 21), **ok)
    seventeen = young(2, "2024-01-01", birth_date=datetime.date(2008, 11, 22), **ok)
    twenty_four = young(3, "2023-01-01", birth_date=datetime.date(2001, 11, 22), **ok)
    twenty_five = young(4, "2023-01-01", birth_date=datetime.date(2001, 11, 21), **ok)
    not_approved = young(5, "2020-01-01", birth_date=datetime.date(2005, 1, 1), needs_support=True)
    ranking = rank(
        startbolig,
        [eighteen_today, seventeen, twenty_four, twenty_five, not_approved],
        LettingRules(today=TODAY, internal_turn=False),
    )
    # Eligible without the approval yet: placed, and told the kommune must approve before the lease.
    assert order(ranking) == [5, 3, 1]
    assert {e.candidate.entry_id for e in ranking.excluded} == {2, 4}
    assert "must approve" in ranking.placed[0].explanation
    assert "approved by the kommune" in ranking.placed[1].explanation


@pytest.mark.rule("R13")
def test_university_near_youth_dwellings_for_students_only():
    near = replace(YOUTH, youth_kind="university_near")
    ranking = rank(
        near,
        [young(1, "2020-01-01", special_need=True), young(2, "2021-01-01", in_education=True)],
        LettingRules(today=TODAY, internal_turn=False),
    )
    assert order(ranking) == [2] and rules_of(ranking) == ["R13"]


@pytest.mark.rule("R12.3")
def test_no_eligible_young_person_allows_letting_to_others():
    ranking = rank(YOUTH, [young(1, "2020-01-01")], LettingRules(today=TODAY, internal_turn=False))
    assert ranking.fallback == "R12.3" and ranking.placed == []
