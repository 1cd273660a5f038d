"""The organisation's and the kommune's dated decisions as scenario changes (issue 17, 1.), each on a
small world built through the services, with the direction the law gives it:

* § 6 (R6.1) boliggarantibeviser: honoured, the holder goes first to the department left; not, by
  seniority again;
* § 8, nr. 1 (R8.1): a tenant of a youth or elder dwelling loses the § 7 priority;
* § 8, nr. 2 (R8.2): the applicant who left after a separation goes first in that kommune;
* § 8, nr. 3 (R8.3): § 7 only after a residence period (at most 2 years), perhaps only for the
  applicants from one department;
* § 5, stk. 1 (R5.1): the kommune's decision puts the elderly and disabled first to the dwellings
  fitted for them;
* § 40 (R40): the kommune switches § 6 or § 8, nr. 2 off.

Each test lets the vacancy under the decisions in force, then replays it under the scenario: the
replay under the rules in force reproduces the actual winner, the scenario gives the one the changed
decision names."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from allocation.models import GuaranteeState, HousingGuarantee, Lease, PriorityNeed, SeparationPriority
from housing.audit import audited_save, system_user
from housing.models import DwellingKind
from simulation.models import ChangeKind, Fidelity, ScenarioRunVacancy
from tests import scenarios
from tests.factories_waitinglists import WaitingListFactory
from waitinglists.models import ListKind

from .support import applicant, family_dwelling, let, run, scenario_for

pytestmark = pytest.mark.django_db
D = datetime.date
REASON = "Test"


def save(instance):
    return audited_save(instance, actor=system_user(), reason=REASON)


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


@pytest.fixture
def first(general_list, department_a):
    """The longest on the general list, without any priority."""
    return applicant(general_list, department_a, seniority=D(2015, 1, 1))


@pytest.fixture
def holder(general_list, department_a, first):
    """Behind ``first`` on the general list: the one a priority would put first."""
    return applicant(general_list, department_a, seniority=D(2018, 1, 1))


def _only_row(caseworker, org, changes) -> ScenarioRunVacancy:
    result = run(caseworker, scenario_for(caseworker, org, changes=changes))
    assert result.error == ""
    rows = list(ScenarioRunVacancy.objects.filter(run=result).order_by("position"))
    return rows[-1]


SETTLED_SINCE = D(2015, 1, 1)


def _lease(entry, dwelling, *, starts_on=SETTLED_SINCE, ends_on=None) -> Lease:
    """The applicant's tenancy of ``dwelling`` with its organisation (what § 7 and § 6 read)."""
    organisation = dwelling.department.organisation
    return save(
        Lease(
            dwelling=dwelling,
            landlord=organisation,
            controller=organisation.tenant,
            person=entry.person,
            signed_on=starts_on,
            starts_on=starts_on,
            ends_on=ends_on,
            signed_by=system_user(),
        )
    )


def _also_on_general_list(general_list, tenant, general_date):
    """The tenant on the general list too, from ``general_date``, wanting 4 rooms (so not a candidate
    for the 3-room dwellings let here): what § 9, stk. 3 reads."""
    from tests.factories_waitinglists import EntryFactory  # lazy: only the § 9, stk. 3 tests use it

    return EntryFactory(
        waiting_list=general_list,
        person=tenant.person,
        household=tenant.household,
        seniority_date=general_date,
        registered_on=general_date,
        rooms_min=4,
        rooms_max=4,
    )


def _guarantee(holder, department):
    """A boliggarantibevis for the department ``holder`` moved out of (R6.1: at most 3 years)."""
    org = department.organisation
    left = family_dwelling(department)
    lease = _lease(holder, left, ends_on=D(2026, 6, 1))
    return save(
        HousingGuarantee(
            person=holder.person,
            controller=holder.person.controller,
            organisation=org,
            department=department,
            lease=lease,
            moved_out_on=D(2026, 6, 1),
            valid_until=D(2029, 1, 1),
            state=GuaranteeState.VALID,
            issued_by=system_user(),
        )
    )


def _separation(holder, org, kommune, child_department):
    return save(
        SeparationPriority(
            person=holder.person,
            controller=holder.person.controller,
            organisation=org,
            kommune=kommune,
            left_on=scenarios.today() - datetime.timedelta(days=60),
            valid_until=scenarios.today() + datetime.timedelta(days=300),
            child_department=child_department,
        )
    )


# --- § 6 and § 40 ------------------------------------------------------------------------------------


@pytest.mark.rule("R6.1")
def test_boliggarantibeviser_no_longer_honoured_let_by_seniority_again(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    scenarios.letting_policy(org_a, offer_round_size=3, issues_housing_guarantees=True)
    _guarantee(holder, department_a)
    let(caseworker_a, family_dwelling(department_a))
    row = _only_row(
        caseworker_a,
        org_a,
        [
            {
                "kind": "housing_guarantees",
                "action": "remove",
                "organisation": org_a,
                "kommune": kommune_aarhus,
            }
        ],
    )
    assert (row.actual_entry_id, row.actual_rule, row.fidelity) == (holder.pk, "R6", Fidelity.REPRODUCED)
    assert (row.scenario_entry_id, row.scenario_rule) == (first.pk, "R2.1")
    assert row.changed


@pytest.mark.rule("R6.1")
def test_boliggarantibeviser_honoured_put_the_holder_first_to_the_department_left(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    scenarios.letting_policy(org_a, offer_round_size=3)
    _guarantee(holder, department_a)
    let(caseworker_a, family_dwelling(department_a))
    row = _only_row(
        caseworker_a,
        org_a,
        [{"kind": "housing_guarantees", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}],
    )
    assert (row.actual_entry_id, row.fidelity) == (first.pk, Fidelity.REPRODUCED)
    assert (row.scenario_entry_id, row.scenario_rule) == (holder.pk, "R6")


@pytest.mark.rule("R6.1")
def test_a_boliggarantibevis_for_another_department_gives_no_priority_here(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    """§ 6: "fortrinsret … til en ledig bolig i den afdeling, som indehaveren er fraflyttet"."""
    from tests.factories import DepartmentFactory  # lazy: only this test needs a second department

    scenarios.letting_policy(org_a, offer_round_size=3)
    _guarantee(holder, DepartmentFactory(organisation=org_a, kommune=kommune_aarhus))
    let(caseworker_a, family_dwelling(department_a))
    row = _only_row(
        caseworker_a,
        org_a,
        [{"kind": "housing_guarantees", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}],
    )
    assert row.scenario_entry_id == first.pk and not row.changed


@pytest.mark.rule("R40")
def test_the_kommune_switching_6_off_lets_by_seniority_for_every_organisation_in_it(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    scenarios.letting_policy(org_a, offer_round_size=3, issues_housing_guarantees=True)
    _guarantee(holder, department_a)
    let(caseworker_a, family_dwelling(department_a))
    # A kommune's decision names no organisation: it covers all of them in the kommune.
    row = _only_row(
        caseworker_a, org_a, [{"kind": "kommune_off_guarantees", "action": "add", "kommune": kommune_aarhus}]
    )
    assert (row.actual_entry_id, row.actual_rule) == (holder.pk, "R6")
    assert (row.scenario_entry_id, row.scenario_rule) == (first.pk, "R2.1")


@pytest.mark.rule("R40")
def test_the_kommunes_switch_off_removed_honours_the_boliggarantibevis_again(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    scenarios.letting_policy(org_a, offer_round_size=3, issues_housing_guarantees=True)
    scenarios.kommune_decision(kommune_aarhus, housing_guarantees_off=True)
    _guarantee(holder, department_a)
    let(caseworker_a, family_dwelling(department_a))
    row = _only_row(
        caseworker_a,
        org_a,
        [{"kind": "kommune_off_guarantees", "action": "remove", "kommune": kommune_aarhus}],
    )
    assert (row.actual_entry_id, row.fidelity) == (first.pk, Fidelity.REPRODUCED)
    assert (row.scenario_entry_id, row.scenario_rule) == (holder.pk, "R6")


# --- § 8, nr. 2 and § 40 -----------------------------------------------------------------------------


@pytest.mark.rule("R8.2")
def test_the_separation_priority_decided_puts_the_separated_parent_first_in_the_kommune(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    scenarios.letting_policy(org_a, offer_round_size=3)
    _separation(holder, org_a, kommune_aarhus, department_a)
    let(caseworker_a, family_dwelling(department_a))
    row = _only_row(
        caseworker_a,
        org_a,
        [{"kind": "separation_priority", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}],
    )
    assert (row.actual_entry_id, row.fidelity) == (first.pk, Fidelity.REPRODUCED)
    assert (row.scenario_entry_id, row.scenario_rule) == (holder.pk, "R8.2")


@pytest.mark.rule("R8.2")
def test_a_separation_priority_for_another_kommune_gives_none_here(
    caseworker_a, org_a, department_a, kommune_aarhus, kommune_odense, first, holder
):
    """§ 8, nr. 2: "fortrinsret til ledige boliger i boligorganisationens afdelinger i den pågældende
    kommune"."""
    scenarios.letting_policy(org_a, offer_round_size=3)
    _separation(holder, org_a, kommune_odense, department_a)
    let(caseworker_a, family_dwelling(department_a))
    row = _only_row(
        caseworker_a,
        org_a,
        [{"kind": "separation_priority", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}],
    )
    assert row.scenario_entry_id == first.pk and not row.changed


@pytest.mark.rule("R40")
def test_the_kommune_switching_8_nr_2_off_lets_by_seniority(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    scenarios.letting_policy(org_a, offer_round_size=3, separation_priority=True)
    _separation(holder, org_a, kommune_aarhus, department_a)
    let(caseworker_a, family_dwelling(department_a))
    row = _only_row(
        caseworker_a, org_a, [{"kind": "kommune_off_separation", "action": "add", "kommune": kommune_aarhus}]
    )
    assert (row.actual_entry_id, row.actual_rule) == (holder.pk, "R8.2")
    assert (row.scenario_entry_id, row.scenario_rule) == (first.pk, "R2.1")


# --- § 5, stk. 1 ---------------------------------------------------------------------------------------


@pytest.mark.rule("R5.1")
def test_the_kommunes_elder_priority_puts_the_elderly_first_to_a_dwelling_fitted_for_them(
    caseworker_a, org_a, department_a, kommune_aarhus, first, holder
):
    scenarios.letting_policy(org_a, offer_round_size=3)
    save(
        PriorityNeed(
            person=holder.person,
            controller=holder.person.controller,
            elderly_or_disabled=True,
            documentation="Lægeerklæring",
            documented_on=D(2024, 1, 1),
        )
    )
    let(caseworker_a, family_dwelling(department_a, fitted_elderly_disabled=True))
    let(caseworker_a, family_dwelling(department_a))  # not fitted: no R5.1 here
    result = run(
        caseworker_a,
        scenario_for(
            caseworker_a,
            org_a,
            changes=[{"kind": "elder_disabled_priority", "action": "add", "kommune": kommune_aarhus}],
        ),
    )
    fitted, plain = ScenarioRunVacancy.objects.filter(run=result).order_by("position")
    assert (fitted.actual_entry_id, fitted.fidelity) == (first.pk, Fidelity.REPRODUCED)
    assert (fitted.scenario_entry_id, fitted.scenario_rule) == (holder.pk, "R5.1")
    # Carried forward: the elderly applicant housed in the first is no longer on the list; the first
    # in line, passed over there, takes the plain dwelling.
    assert (plain.actual_entry_id, plain.scenario_entry_id) == (holder.pk, first.pk)
    assert result.summary["scenario"]["per_rule"] == {"R5.1": 1, "R2.1": 1}


# --- § 8, nr. 1 and nr. 3: the internal list's turn (§ 7) ---------------------------------------------


@pytest.fixture
def internal(org_a, department_a, first):
    """The internal list with two tenants giving up a dwelling in the organisation: ``recent``, the
    longest on the list, moved in 6 months ago into a youth dwelling; ``settled`` has lived in a family
    dwelling since 2015."""
    internal_list = WaitingListFactory(controller=org_a.tenant, kind=ListKind.INTERNAL, organisation=org_a)
    recent = applicant(internal_list, department_a, seniority=D(2012, 1, 1))
    settled = applicant(internal_list, department_a, seniority=D(2014, 1, 1))
    moved_in = scenarios.today() - datetime.timedelta(days=182)
    for entry, dwelling, starts_on in (
        (recent, family_dwelling(department_a, kind=DwellingKind.YOUTH, rooms=1), moved_in),
        (settled, family_dwelling(department_a, rooms=2), D(2015, 1, 1)),
    ):
        _lease(entry, dwelling, starts_on=starts_on)
    return {"recent": recent, "settled": settled}


def _internal_turn_let(caseworker, department):
    """The organisation's 1st family vacancy is the general list's, the 2nd the internal list's (§ 7)."""
    let(caseworker, family_dwelling(department, rooms=3))
    lease = let(caseworker, family_dwelling(department, rooms=3))
    assert lease.vacancy.internal_turn
    return lease


@pytest.mark.rule("R8.3")
def test_a_residence_period_puts_back_the_tenant_who_moved_in_too_recently(
    caseworker_a, org_a, department_a, kommune_aarhus, internal
):
    scenarios.letting_policy(org_a, offer_round_size=3)
    _internal_turn_let(caseworker_a, department_a)
    # 6 months lived, 7 asked: R8.3 keeps the recent tenant from § 7 (both give up a dwelling in
    # the department: R10.1); 5 asked: lived long enough.
    seven = _only_row(
        caseworker_a,
        org_a,
        [
            {
                "kind": "transfer_residence",
                "action": "add",
                "organisation": org_a,
                "kommune": kommune_aarhus,
                "months": 7,
            }
        ],
    )
    assert (seven.actual_entry_id, seven.fidelity) == (internal["recent"].pk, Fidelity.REPRODUCED)
    assert (seven.scenario_entry_id, seven.scenario_rule) == (internal["settled"].pk, "R10.1")
    five = _only_row(
        caseworker_a,
        org_a,
        [
            {
                "kind": "transfer_residence",
                "action": "add",
                "organisation": org_a,
                "kommune": kommune_aarhus,
                "months": 5,
            }
        ],
    )
    assert five.scenario_entry_id == internal["recent"].pk and not five.changed


@pytest.mark.rule("R8.3")
def test_a_residence_period_limited_to_another_department_leaves_these_tenants_alone(
    caseworker_a, org_a, department_a, kommune_aarhus, internal
):
    """§ 8, nr. 3: "Beslutningen kan begrænses til at gælde for boligsøgende fra en eller enkelte
    afdelinger": the department named is the one the applicant moves from."""
    from tests.factories import DepartmentFactory  # lazy: only this test needs a second department

    scenarios.letting_policy(org_a, offer_round_size=3)
    _internal_turn_let(caseworker_a, department_a)
    elsewhere = DepartmentFactory(organisation=org_a, kommune=kommune_aarhus)
    change = {
        "kind": "transfer_residence",
        "action": "add",
        "organisation": org_a,
        "kommune": kommune_aarhus,
        "months": 24,
    }
    assert not _only_row(caseworker_a, org_a, [{**change, "department": elsewhere}]).changed
    here = _only_row(caseworker_a, org_a, [{**change, "department": department_a}])
    assert here.scenario_entry_id == internal["settled"].pk


@pytest.mark.rule("R8.1")
def test_no_transfer_priority_for_youth_tenants_puts_back_the_youth_tenant(
    caseworker_a, org_a, department_a, kommune_aarhus, internal
):
    scenarios.letting_policy(org_a, offer_round_size=3)
    _internal_turn_let(caseworker_a, department_a)
    row = _only_row(
        caseworker_a,
        org_a,
        [{"kind": "transfer_youth_elder", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}],
    )
    assert (row.actual_entry_id, row.fidelity) == (internal["recent"].pk, Fidelity.REPRODUCED)
    assert row.scenario_entry_id == internal["settled"].pk


@pytest.mark.rule("R8.1")
def test_the_decision_removed_gives_the_youth_tenant_the_priority_back(
    caseworker_a, org_a, department_a, kommune_aarhus, internal
):
    scenarios.letting_policy(org_a, offer_round_size=3, no_transfer_priority_for_youth_elder_tenants=True)
    _internal_turn_let(caseworker_a, department_a)
    row = _only_row(
        caseworker_a,
        org_a,
        [
            {
                "kind": "transfer_youth_elder",
                "action": "remove",
                "organisation": org_a,
                "kommune": kommune_aarhus,
            }
        ],
    )
    assert (row.actual_entry_id, row.fidelity) == (internal["settled"].pk, Fidelity.REPRODUCED)
    assert row.scenario_entry_id == internal["recent"].pk


# --- What each change must say ------------------------------------------------------------------------


@pytest.mark.rule("R8.3")
@pytest.mark.parametrize("months", [None, 0, 25])
def test_a_residence_period_needs_its_months_at_most_2_years(caseworker_a, org_a, kommune_aarhus, months):
    """§ 8, nr. 3: "Boperiodens længde kan højst fastsættes til 2 år."""
    with pytest.raises(ValidationError) as raised:
        scenario_for(
            caseworker_a,
            org_a,
            changes=[
                {
                    "kind": "transfer_residence",
                    "action": "add",
                    "organisation": org_a,
                    "kommune": kommune_aarhus,
                    "months": months,
                }
            ],
        )
    assert "months" in raised.value.message_dict


def test_an_organisations_decision_names_the_organisation(caseworker_a, org_a, kommune_aarhus):
    with pytest.raises(ValidationError) as raised:
        scenario_for(
            caseworker_a,
            org_a,
            changes=[{"kind": "separation_priority", "action": "add", "kommune": kommune_aarhus}],
        )
    assert "organisation" in raised.value.message_dict


def test_a_decision_for_every_department_takes_no_department(
    caseworker_a, org_a, department_a, kommune_aarhus
):
    with pytest.raises(ValidationError) as raised:
        scenario_for(
            caseworker_a,
            org_a,
            changes=[
                {
                    "kind": "separation_priority",
                    "action": "add",
                    "organisation": org_a,
                    "kommune": kommune_aarhus,
                    "department": department_a,
                }
            ],
        )
    assert "department" in raised.value.message_dict


@pytest.mark.rule("R22.1")
def test_a_refuse_outsiders_decision_can_only_be_added_and_names_its_kind(
    caseworker_a, org_a, kommune_aarhus
):
    with pytest.raises(ValidationError) as raised:
        scenario_for(
            caseworker_a,
            org_a,
            changes=[{"kind": ChangeKind.REFUSE_OUTSIDERS, "action": "remove", "kommune": kommune_aarhus}],
        )
    assert {"action", "facility_kind"} <= set(raised.value.message_dict)


def test_the_scenario_page_offers_every_kind(client, caseworker_a, org_a, kommune_aarhus):
    from django.urls import reverse  # lazy: the one page test of this module

    scenario = scenario_for(caseworker_a, org_a)
    client.force_login(caseworker_a)
    page = client.get(reverse("simulation:scenario_detail", args=[scenario.pk]))
    assert page.status_code == 200
    for kind in ChangeKind:
        assert f'value="{kind.value}"' in page.content.decode()


# --- § 9, stk. 3–4 -------------------------------------------------------------------------------------


@pytest.mark.rule("R9.3")
@pytest.mark.rule("R9.4")
def test_internal_seniority_from_the_general_list_and_those_listed_before_first(
    caseworker_a, org_a, department_a, kommune_aarhus, general_list, first
):
    """§ 9, stk. 3: "lejere får anciennitet i relation til oprykningsventelisten fra det tidspunkt,
    hvor de er optaget på den almindelige venteliste"; stk. 4: "Lejere, der ved ikrafttrædelsen af
    den i stk. 3 nævnte beslutning står på oprykningsventelisten, har fortrinsret forud for de i
    stk. 3 omtalte lejere." The decision takes effect yesterday: A and B stood on the internal list
    then, C registered today."""
    scenarios.letting_policy(org_a, offer_round_size=3)
    internal_list = WaitingListFactory(controller=org_a.tenant, kind=ListKind.INTERNAL, organisation=org_a)
    a = applicant(internal_list, department_a, seniority=D(2017, 6, 1))
    b = applicant(internal_list, department_a, seniority=D(2019, 1, 1))
    c = applicant(internal_list, department_a, seniority=scenarios.today())
    assert c.registered_on == scenarios.today()
    for tenant, general_date in ((b, D(2016, 1, 1)), (c, D(2015, 6, 1))):
        # On the general list too, behind ``first`` (who takes the general list's turn).
        _also_on_general_list(general_list, tenant, general_date)
    for tenant in (a, b, c):
        _lease(tenant, family_dwelling(department_a, rooms=2))
    _internal_turn_let(caseworker_a, department_a)
    row = _only_row(
        caseworker_a,
        org_a,
        [
            {
                "kind": "internal_from_general",
                "action": "add",
                "organisation": org_a,
                "kommune": kommune_aarhus,
                "valid_from": scenarios.today() - datetime.timedelta(days=1),
            }
        ],
    )
    assert (row.actual_entry_id, row.fidelity) == (a.pk, Fidelity.REPRODUCED)
    # B counts from 2016 (the general list), before A's 2017; C's 2015 comes after both (stk. 4).
    assert row.scenario_entry_id == b.pk and row.changed


@pytest.mark.rule("R9.4")
def test_a_tenant_registered_after_the_decision_goes_behind_those_listed_before(
    caseworker_a, org_a, department_a, kommune_aarhus, general_list, first
):
    """The same world with only C and A: C's general-list date (2015) is the earliest, but A stood on
    the internal list when the decision took effect."""
    scenarios.letting_policy(org_a, offer_round_size=3)
    internal_list = WaitingListFactory(controller=org_a.tenant, kind=ListKind.INTERNAL, organisation=org_a)
    a = applicant(internal_list, department_a, seniority=D(2017, 6, 1))
    c = applicant(internal_list, department_a, seniority=scenarios.today())
    _also_on_general_list(general_list, c, D(2015, 6, 1))
    for tenant in (a, c):
        _lease(tenant, family_dwelling(department_a, rooms=2))
    _internal_turn_let(caseworker_a, department_a)
    change = {
        "kind": "internal_from_general",
        "action": "add",
        "organisation": org_a,
        "kommune": kommune_aarhus,
    }
    later = _only_row(
        caseworker_a, org_a, [{**change, "valid_from": scenarios.today() - datetime.timedelta(days=1)}]
    )
    assert later.scenario_entry_id == a.pk and not later.changed
    # In force over the whole period: it took effect when the period began, before C registered.
    whole = _only_row(caseworker_a, org_a, [change])
    assert whole.scenario_entry_id == a.pk


def test_removing_an_internal_seniority_decision_is_refused_with_the_reason(
    caseworker_a, org_a, kommune_aarhus
):
    with pytest.raises(ValidationError) as raised:
        scenario_for(
            caseworker_a,
            org_a,
            changes=[
                {
                    "kind": "internal_from_general",
                    "action": "remove",
                    "organisation": org_a,
                    "kommune": kommune_aarhus,
                }
            ],
        )
    assert "action" in raised.value.message_dict


# --- § 12, stk. 2 ---------------------------------------------------------------------------------------


@pytest.mark.rule("R12.2")
def test_a_guideline_decided_for_later_applied_to_the_past_year_houses_its_first_group(
    caseworker_a, org_a, department_a, kommune_aarhus
):
    """The board has written a new guideline, in force from next year, that puts students in a long
    higher education with a low income first. Replayed over the past year: the student goes before
    the applicant longer on the list, whom the guideline in force (no groups: the longest on the
    list) housed."""
    from allocation.models import YouthLettingGuideline, YouthPriorityGroup  # lazy: the youth test only
    from tests.factories import PersonFactory
    from tests.factories_waitinglists import EntryFactory

    scenarios.letting_policy(org_a, offer_round_size=3)
    youth_list = WaitingListFactory(controller=org_a.tenant, kind=ListKind.YOUTH)

    def young(seniority, **facts):
        person = PersonFactory(controller=org_a.tenant, born=D(2004, 3, 1))
        return EntryFactory(
            waiting_list=youth_list,
            person=person,
            seniority_date=seniority,
            registered_on=seniority,
            rooms_min=1,
            rooms_max=2,
            education_institution="VIA University College",
            **facts,
        )

    longer = young(D(2022, 8, 1), education_level="youth_education")
    student = young(D(2023, 8, 1), education_level="long_higher", annual_income=50000)

    def guideline(valid_from, groups=()):
        made = save(
            YouthLettingGuideline(
                organisation=org_a,
                valid_from=valid_from,
                decided_on=D(2020, 1, 1),
                title=f"Retningslinjer {valid_from.year}",
                text="Ungdomsboligerne udlejes efter uddannelse, økonomi og sociale forhold.",
            )
        )
        for position, (name, levels, income_below) in enumerate(groups, start=1):
            save(
                YouthPriorityGroup(
                    guideline=made,
                    position=position,
                    name=name,
                    education_levels=list(levels),
                    income_below=income_below,
                )
            )
        return made

    guideline(D(2020, 1, 1))
    proposed = guideline(
        scenarios.today().replace(month=1, day=1) + datetime.timedelta(days=366),
        [("Studerende med lav indkomst", ("medium_higher", "long_higher"), 100000)],
    )
    let(caseworker_a, family_dwelling(department_a, kind=DwellingKind.YOUTH, rooms=1))
    row = _only_row(
        caseworker_a,
        org_a,
        [
            {
                "kind": "youth_guideline",
                "action": "add",
                "organisation": org_a,
                "kommune": kommune_aarhus,
                "youth_guideline": proposed,
            }
        ],
    )
    assert (row.actual_entry_id, row.fidelity) == (longer.pk, Fidelity.REPRODUCED)
    # The live youth ranking names the eligible group's rule and the guideline's group in its facts.
    assert row.scenario_entry_id == student.pk and row.changed
    assert "§ 12, stk. 2: group 1 'Studerende med lav indkomst'" in row.scenario_explanation
    assert "§ 12, stk. 2: group" not in row.actual_explanation


def test_a_guideline_change_names_one_of_the_organisations_guidelines(
    caseworker_a, org_a, org_b, kommune_aarhus
):
    from allocation.models import YouthLettingGuideline  # lazy: the youth test only

    theirs = save(
        YouthLettingGuideline(
            organisation=org_b, valid_from=D(2027, 1, 1), decided_on=D(2026, 1, 1), title="B", text="B"
        )
    )
    change = {"kind": "youth_guideline", "action": "add", "organisation": org_a, "kommune": kommune_aarhus}
    for extra in ({}, {"youth_guideline": theirs}):
        with pytest.raises(ValidationError) as raised:
            scenario_for(caseworker_a, org_a, changes=[{**change, **extra}])
        assert "youth_guideline" in raised.value.message_dict
