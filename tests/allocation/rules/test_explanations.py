"""The ranking's reasons are shown in the user's language: every fragment the pure ranking can
write is known to ``allocation.explanations`` and comes out in Danish."""

from __future__ import annotations

import datetime
from dataclasses import replace

from django.utils import translation

from allocation import explanations
from allocation.rules.ranking import LettingRules, rank
from tests.allocation.rules.test_ranking import (
    DWELLING,
    GENERAL,
    GUIDELINE,
    INTERNAL,
    OTHER_DEPT,
    STUDENT,
    TODAY,
    applicant,
    tenant,
)

FITTED = replace(
    DWELLING,
    fitted_elderly_disabled=True,
    fitted_mobility_impaired=True,
    fitted_large_household_mobility=True,
)
YOUTH = replace(DWELLING, kind="youth", rooms=1)


def _texts() -> list[str]:
    rankings = [
        rank(
            FITTED,
            [
                applicant(1, "2010-01-01", household_member_mobility_impaired=True, household_size=4),
                applicant(2, "2011-01-01", mobility_impaired=True),
                applicant(3, "2012-01-01", elderly_or_disabled=True),
                applicant(4, "2013-01-01"),
            ],
            replace(GENERAL, elder_disabled_priority_decided=True, children_agreement=True),
        ),
        rank(
            DWELLING,
            [
                applicant(
                    1,
                    "2010-01-01",
                    guarantee_department_id=DWELLING.department_id,
                    guarantee_valid_until=TODAY,
                ),
                applicant(
                    2,
                    "2011-01-01",
                    separation_priority_until=TODAY,
                    separation_kommune_id=DWELLING.kommune_id,
                ),
                applicant(3, "2012-01-01", has_children=True),
                applicant(4, "2013-01-01", status="passive"),
                applicant(5, "2013-01-01", fee_arrears=True),
                applicant(6, "2013-01-01", departments=frozenset({OTHER_DEPT})),
                applicant(7, "2013-01-01", dwelling_kinds=frozenset({"youth"})),
                applicant(8, "2013-01-01", rooms_max=2),
                applicant(9, "2013-01-01", max_rent=100),
                applicant(10, "2013-01-01", floor_max=0),
                applicant(11, "2013-01-01", needs_elevator=True),
                applicant(12, "2013-01-01", household_size=7),
            ],
            replace(
                GENERAL, issues_housing_guarantees=True, separation_priority=True, children_agreement=True
            ),
        ),
        rank(
            replace(FITTED, floor=0, has_elevator=False),
            [
                tenant(1, "2010-01-01", household_member_mobility_impaired=True, household_size=4),
                tenant(2, "2011-01-01", mobility_impaired=True, department=DWELLING.department_id),
                tenant(3, "2012-01-01", elderly_or_disabled=True),
                tenant(4, "2013-01-01", department=DWELLING.department_id),
                tenant(5, "2014-01-01", area=40, has_children=True),
                tenant(6, "2014-01-01", moved_in=TODAY.isoformat()),
                tenant(7, "2014-01-01", current_kind="youth"),
                replace(tenant(8, "2015-01-01"), gives_up=None),
            ],
            replace(
                INTERNAL,
                children_agreement=True,
                transfer_residence_months=12,
                no_transfer_priority_for_youth_elder_tenants=True,
            ),
        ),
        rank(DWELLING, [applicant(1, "2010-01-01", dwelling_kinds=frozenset({"youth"}))], GENERAL),
        # R9.2, R6.3, R5.4 and a dwelling fitted for mobility across the lists' turns.
        rank(
            replace(DWELLING, fitted_mobility_impaired=True),
            [
                replace(tenant(1, "2010-01-01"), gives_up=None, rehoused_outside=True),
                replace(
                    tenant(2, "2011-01-01", mobility_impaired=True), gives_up=None, rehoused_outside=True
                ),
                applicant(3, "2012-01-01", mobility_impaired=True),
                replace(
                    applicant(4, "2013-01-01", separation_priority_until=TODAY),
                    list_kind="internal",
                    separation_kommune_id=DWELLING.kommune_id,
                ),
            ],
            replace(INTERNAL, children_agreement=True, separation_priority=True),
        ),
        rank(
            replace(DWELLING, fitted_mobility_impaired=True),
            [
                tenant(1, "2010-01-01", mobility_impaired=True),
                applicant(
                    2,
                    "2011-01-01",
                    guarantee_department_id=DWELLING.department_id,
                    guarantee_valid_until=TODAY,
                ),
                applicant(3, "2012-01-01", household_size=7, fee_arrears=True),
            ],
            replace(GENERAL, children_agreement=True, issues_housing_guarantees=True),
        ),
        rank(
            YOUTH,
            [
                applicant(1, "2010-01-01", in_education=True),
                applicant(2, "2011-01-01", special_need=True),
                applicant(3, "2012-01-01"),
            ],
            LettingRules(today=TODAY, internal_turn=False),
        ),
        rank(
            replace(YOUTH, youth_kind="startbolig"),
            [
                applicant(1, "2010-01-01", birth_date=datetime.date(2004, 1, 1), needs_support=True),
                applicant(
                    2,
                    "2010-01-01",
                    birth_date=datetime.date(2004, 1, 1),
                    needs_support=True,
                    kommune_approved_startbolig=True,
                ),
                applicant(3, "2010-01-01", birth_date=datetime.date(1990, 1, 1), needs_support=True),
                applicant(4, "2010-01-01", birth_date=datetime.date(2004, 1, 1)),
            ],
            LettingRules(today=TODAY, internal_turn=False),
        ),
        rank(
            YOUTH,
            [
                applicant(1, "2010-01-01", special_need=True, social_need=True),
                applicant(2, "2011-01-01", **STUDENT),
            ],
            LettingRules(today=TODAY, internal_turn=False, youth_guideline=GUIDELINE),
        ),
        rank(
            replace(YOUTH, youth_kind="university_near"),
            [applicant(1, "2010-01-01", special_need=True)],
            LettingRules(today=TODAY, internal_turn=False),
        ),
    ]
    texts = []
    for ranking in rankings:
        texts += [p.explanation for p in ranking.placed] + [e.reason for e in ranking.excluded]
        texts += [flag.text for p in ranking.placed for flag in p.flags]
    return texts


def test_the_new_reasons_and_flags_are_among_the_texts():
    """The R3.3/R26 flags, R5.4, R6.3, R9.2 and the mobility tiers are written and known."""
    joined = "\n".join(_texts())
    for part in ("R3.3: an unpaid fee", "R26: 7 persons in 3 rooms", "R5.4", "R6.3", "R9.2 — rehoused"):
        assert part in joined, part
    assert "fitted for this need: before internal-list" in joined
    assert "fitted for this need: before general-list" in joined


def test_every_fragment_of_the_ranking_is_known():
    texts = _texts()
    assert len(texts) > 30
    unknown = {fragment for text in texts for fragment in explanations.unknown_fragments(text)}
    assert not unknown


def test_the_reasons_read_in_danish():
    with translation.override("da"):
        text = explanations.translate(
            "R10.3 — severely mobility-impaired; gives up a dwelling in the same department; "
            "internal seniority 2014-03-02"
        )
        reason = explanations.translate("R7: does not give up a dwelling in the organisation.")
    assert text.startswith("R10.3 — ") and "mobility" not in text and "02.03.2014" in text
    assert reason.startswith("R7: ") and "organisation." not in reason
