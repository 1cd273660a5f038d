"""The identity on a generated year (issue 17, 4.): a year of lettings made month by month through the
services, while the lists change under them — new registrations, entries set passive and active
again, wishes changed, children born into households, a § 4 agreement coming into force in the
middle of the year. Replayed with no rule changed, every vacancy gives its actual winner: the replay
reads each candidate as it stood on the day the round was opened, not as it stands now."""

from __future__ import annotations

import contextlib
import datetime
import random
from unittest import mock

import pytest
from django.utils import timezone

from allocation.models import AgreementKind, Answer, LettingAgreement
from housing.audit import audited_save, system_user
from housing.models import HouseholdRelation
from simulation.models import Fidelity, ScenarioRunVacancy
from tests import scenarios
from tests.factories import HouseholdMemberFactory, PersonFactory
from tests.factories_waitinglists import WaitingListFactory
from waitinglists.models import Entry, EntryStatus
from waitinglists.services.registration import Wishes, entry_set_status, entry_update_wishes

from .support import applicant, family_dwelling, let, run, scenario_for

pytestmark = pytest.mark.django_db
REASON = "Test"
MONTHS = 12
LETTINGS_A_MONTH = 3


@contextlib.contextmanager
def at(moment: datetime.datetime):
    """The services, the history rows and the rounds' times as of ``moment`` (time moves forward)."""
    with mock.patch.object(timezone, "now", lambda: moment):
        yield


def _year(caseworker, org, department, kommune, rng: random.Random) -> tuple[datetime.date, int]:
    general = WaitingListFactory(controller=org.tenant, name="Alfa venteliste")
    start = timezone.now() - datetime.timedelta(days=30 * MONTHS - 5)
    with at(start):
        scenarios.letting_policy(org, offer_round_size=3)
        # § 4 comes into force half-way through the year: the rounds before it rank by seniority.
        audited_save(
            LettingAgreement(
                organisation=org,
                kommune=kommune,
                kind=AgreementKind.CHILDREN_PRIORITY,
                valid_from=(start + datetime.timedelta(days=30 * MONTHS // 2)).date(),
            ),
            actor=system_user(),
            reason=REASON,
        )
        for n in range(24):
            applicant(
                general,
                department,
                seniority=datetime.date(2005 + n % 15, 1 + n % 12, 1),
                children=n % 4 == 0,
            )
        dwellings = [
            family_dwelling(department, rooms=rng.choice([2, 3, 3, 4]))
            for _ in range(MONTHS * LETTINGS_A_MONTH)
        ]
    let_count = 0
    for month in range(MONTHS):
        base = start + datetime.timedelta(days=30 * month + 1)
        with at(base):
            for n in range(3):
                applicant(
                    general,
                    department,
                    seniority=base.date() - datetime.timedelta(days=rng.randrange(4000)),
                    children=n == 0,
                )
        with at(base + datetime.timedelta(hours=2)):
            living = list(
                Entry.objects.filter(waiting_list=general).exclude(status=EntryStatus.DELETED).order_by("pk")
            )
            passive = [e for e in living if e.status == EntryStatus.PASSIVE]
            active = [e for e in living if e.status == EntryStatus.ACTIVE]
            for entry in passive:
                entry_set_status(actor=caseworker, reason=REASON, entry=entry, status=EntryStatus.ACTIVE)
            for entry in rng.sample(active, 2):
                entry_set_status(
                    actor=caseworker, reason=REASON, entry=entry, status=EntryStatus.PASSIVE, note="Bortrejst"
                )
            # Wishes narrowed to small dwellings, and a child born into a household.
            changed = rng.choice(active)
            entry_update_wishes(
                actor=caseworker,
                reason=REASON,
                entry=changed,
                wishes=Wishes(departments=[department], rooms_max=2),
            )
            parent = rng.choice([e for e in active if e.household_id])
            HouseholdMemberFactory(
                household=parent.household,
                person=PersonFactory(
                    controller=org.tenant, birth_date=base.date() - datetime.timedelta(days=30)
                ),
                relation=HouseholdRelation.CHILD,
            )
        for k in range(LETTINGS_A_MONTH):
            with at(base + datetime.timedelta(days=3 + 8 * k)):
                answers = rng.choice([[Answer.ACCEPTED], [Answer.DECLINED, Answer.ACCEPTED]])
                let(caseworker, dwellings.pop(), answers)
                let_count += 1
    return start.date(), let_count


def test_a_generated_year_replays_to_every_actual_winner(caseworker_a, org_a, department_a, kommune_aarhus):
    _start, let_count = _year(caseworker_a, org_a, department_a, kommune_aarhus, random.Random(17))
    scenario = scenario_for(caseworker_a, org_a)
    result = run(caseworker_a, scenario)
    rows = list(ScenarioRunVacancy.objects.filter(run=result).order_by("position"))
    assert len(rows) == let_count == MONTHS * LETTINGS_A_MONTH
    assert {r.fidelity for r in rows} == {Fidelity.REPRODUCED}, [r.fidelity_reason for r in rows]
    assert result.summary["identity"] == {"let_from_lists_in_rounds": let_count, "reproduced": let_count}
    assert not any(r.changed for r in rows)
    # The § 4 agreement placed households with children in the second half of the year.
    assert result.summary["actual"]["per_rule"].get("R4", 0) >= 1


@pytest.mark.rule("R4")
def test_removing_the_agreement_from_the_generated_year_houses_fewer_households_with_children(
    caseworker_a, org_a, department_a, kommune_aarhus
):
    _year(caseworker_a, org_a, department_a, kommune_aarhus, random.Random(17))
    scenario = scenario_for(
        caseworker_a,
        org_a,
        changes=[
            {
                "kind": "children_agreement",
                "action": "remove",
                "organisation": org_a,
                "kommune": kommune_aarhus,
            }
        ],
    )
    figures = run(caseworker_a, scenario).summary
    assert figures["scenario"]["per_rule"].get("R4", 0) == 0
    assert figures["scenario"]["children_housed"] < figures["actual"]["children_housed"]
    assert figures["changed_hands"] >= 1
