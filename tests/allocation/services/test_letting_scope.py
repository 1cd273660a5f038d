"""The order's scope (§ 1): the dwelling kinds it covers (R1.1), udslusnings- and inklusionsboliger
whose leases may set §§ 6–7 aside for at most 2 years (R1.8), and urban-renewal dwellings for
elderly and disabled persons outside §§ 2–13, 15–18 and 26–40 (R1.9)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from allocation.models import AgreementKind, LettingAgreement, LettingChannel, OrganisationLettingPolicy
from allocation.rules.channels import (
    ChannelFacts,
    choose_channel,
    letting_scope,
    set_aside_latest_end,
    set_aside_problem,
)
from allocation.services import leases
from housing.audit import audited_save, system_user
from letting import workflow
from letting.workflow import vacancy_open
from tests.factories import DwellingFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
REASON = "Test"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


# --- R1.1: which dwellings the order covers ---------------------------------------------------------------


@pytest.mark.rule("R1.1")
@pytest.mark.parametrize(
    ("kind", "owner", "clause"),
    [
        ("family", "organisation", "§ 1, stk. 1, nr. 1"),
        ("youth", "organisation", "§ 1, stk. 1, nr. 1"),
        ("elder", "organisation", "§ 1, stk. 1, nr. 1"),
        ("plejebolig", "organisation", "§ 1, stk. 1, nr. 1"),
        ("elder", "kommune", "§ 1, stk. 1, nr. 2"),
        ("elder", "region", "§ 1, stk. 1, nr. 2"),
        ("plejebolig", "institution", "§ 1, stk. 1, nr. 2"),
        ("plejebolig", "private", "§ 1, stk. 1, nr. 3"),
        ("youth", "institution", "§ 1, stk. 1, nr. 4"),
        ("urban_renewal_elder", "organisation", "§ 1, stk. 1, nr. 5"),
        ("urban_renewal_elder", "private", "§ 1, stk. 1, nr. 5"),
    ],
)
def test_the_five_kinds_of_dwelling_the_order_covers(kind, owner, clause):
    decision = letting_scope(dwelling_kind=kind, owner_kind=owner)
    assert decision.covered and decision.clause == clause


@pytest.mark.rule("R1.1")
@pytest.mark.parametrize(
    ("kind", "owner"),
    [
        ("family", "kommune"),  # a kommune's family dwelling is not an almen family dwelling
        ("family", "private"),
        ("youth", "kommune"),  # only a self-governing institution's youth dwellings (nr. 4)
        ("youth", "region"),
        ("elder", "private"),  # only unsupported private *plejeboliger* (nr. 3)
        ("family", "institution"),
        ("plejehjem", "kommune"),  # a plejehjem place is not a dwelling of § 1, stk. 1
    ],
)
def test_other_dwellings_are_not_covered_and_go_outside_the_rules(kind, owner):
    decision = letting_scope(dwelling_kind=kind, owner_kind=owner)
    assert not decision.covered and decision.rule == "R1.1"
    choice = choose_channel(ChannelFacts(dwelling_kind=kind, owner_kind=owner, kommune_share_due=True))
    assert (choice.channel, choice.rule) == ("out_of_scope", "R1.1")


@pytest.mark.rule("R1.1", "R1.2", "R1.3")
def test_a_covered_kind_with_a_mixed_lease_or_as_a_staff_dwelling_is_still_outside():
    assert letting_scope(dwelling_kind="family", lease_scope="mixed").rule == "R1.2"
    assert letting_scope(dwelling_kind="elder", owner_kind="kommune", lease_scope="staff").rule == "R1.3"


@pytest.mark.rule("R1.1")
def test_a_vacancy_of_a_kommune_owned_family_dwelling_is_opened_outside_the_rules(caseworker_a, department_a):
    dwelling = DwellingFactory(department=department_a, owner_kind="kommune", owner_name="Aarhus Kommune")
    vacancy = _open(caseworker_a, dwelling)
    assert vacancy.channel == LettingChannel.OUT_OF_SCOPE and vacancy.channel_reason.startswith("R1.1")
    assert vacancy.family_sequence is None  # no turn of § 7 used


# --- R1.9: urban-renewal dwellings for elderly and disabled persons -----------------------------------------


@pytest.mark.rule("R1.9")
def test_an_urban_renewal_elder_dwelling_is_not_let_from_the_lists(caseworker_a, department_a, org_a):
    _agreement(org_a, department_a, AgreementKind.ADVERTISING)  # §§ 26–40 (incl. § 38) do not apply either
    dwelling = DwellingFactory(department=department_a, kind="urban_renewal_elder", rooms=2)
    vacancy = _open(caseworker_a, dwelling)
    assert vacancy.channel == LettingChannel.KOMMUNAL_ANVISNING
    assert vacancy.channel_reason.startswith("R1.9")
    assert "§§ 2–13, 15–18 and 26–40 do not apply" in vacancy.channel_reason
    assert not vacancy.internal_turn and vacancy.family_sequence is None
    # The pure function says the same, before any agreement.
    choice = choose_channel(ChannelFacts(dwelling_kind="urban_renewal_elder", advertising_agreement=True))
    assert (choice.channel, choice.rule) == ("kommunal_anvisning", "R1.9")


# --- R1.8: udslusnings- and inklusionsboliger --------------------------------------------------------------


def _agreement(org, department, kind, *, dwelling=None, **extra) -> LettingAgreement:
    if kind in (AgreementKind.UDSLUSNING, AgreementKind.INKLUSION):
        extra.setdefault("approved_by", "Kriminalforsorgen Østjylland")
        extra.setdefault("approved_on", datetime.date(2025, 6, 1))
    return audited_save(
        LettingAgreement(
            organisation=org,
            kommune=department.kommune,
            department=department,
            dwelling=dwelling,
            kind=kind,
            valid_from=datetime.date(2020, 1, 1),
            **extra,
        ),
        actor=system_user(),
        reason=REASON,
    )


def _open(actor, dwelling, **extra):
    return vacancy_open(
        actor=actor,
        reason=REASON,
        dwelling=dwelling,
        notice_date=TODAY - datetime.timedelta(days=30),
        move_out_date=TODAY,
        **extra,
    )


def _sign(actor, vacancy, person, *, starts_on, until):
    return workflow.lease_sign(
        actor=actor,
        reason=REASON,
        vacancy=vacancy,
        person=person,
        signed_on=TODAY,
        starts_on=starts_on,
        sections_6_7_set_aside_until=until,
    )


@pytest.mark.rule("R1.8")
def test_an_r1_8_agreement_needs_the_approval_of_the_nominating_authority(org_a, department_a):
    with pytest.raises(ValidationError) as caught:
        _agreement(org_a, department_a, AgreementKind.UDSLUSNING, approved_by="", approved_on=None)
    assert {"approved_by", "approved_on"} <= set(caught.value.message_dict)
    other = DwellingFactory(department=DwellingFactory().department)
    with pytest.raises(ValidationError, match="department of the agreement"):
        _agreement(org_a, department_a, AgreementKind.INKLUSION, dwelling=other)


@pytest.mark.rule("R1.8")
def test_the_channel_decision_names_the_udslusningsbolig_agreement(caseworker_a, org_a, department_a):
    named = DwellingFactory(department=department_a)
    _agreement(org_a, department_a, AgreementKind.UDSLUSNING, dwelling=named)
    vacancy = _open(caseworker_a, named)
    assert vacancy.channel == LettingChannel.LIST  # the channel itself is unchanged
    assert "R1.8: an udslusningsbolig" in vacancy.channel_reason
    assert "Kriminalforsorgen Østjylland" in vacancy.channel_reason
    # A dwelling of the same department that the agreement does not name is an ordinary one.
    ordinary = _open(caseworker_a, DwellingFactory(department=department_a))
    assert "R1.8" not in ordinary.channel_reason


@pytest.mark.rule("R1.8")
def test_the_lease_sets_6_7_aside_for_at_most_2_years_from_its_start(
    caseworker_a, org_a, department_a, person_a
):
    named = DwellingFactory(department=department_a)
    agreement = _agreement(org_a, department_a, AgreementKind.UDSLUSNING, dwelling=named)
    starts_on = TODAY + datetime.timedelta(days=3)
    limit = set_aside_latest_end(starts_on)
    if (starts_on.month, starts_on.day) != (2, 29):
        assert limit == starts_on.replace(year=starts_on.year + 2)  # 2 years to the day
    vacancy = _open(caseworker_a, named, rehousing=True)
    # One day more than 2 years: refused with the last allowed day in the message.
    with pytest.raises(ValidationError, match="at most 2 years") as caught:
        _sign(caseworker_a, vacancy, person_a, starts_on=starts_on, until=limit + datetime.timedelta(days=1))
    assert "sections_6_7_set_aside_until" in caught.value.message_dict
    vacancy.refresh_from_db()
    assert vacancy.state == "open" and not vacancy.dwelling.leases.exists()  # nothing half-saved
    # Exactly 2 years: allowed, and the lease states it.
    lease = _sign(caseworker_a, vacancy, person_a, starts_on=starts_on, until=limit)
    assert lease.set_aside_agreement == agreement and lease.sections_6_7_set_aside_until == limit
    assert lease.history.get().history_change_reason == REASON
    # A lease recorded under an udslusningsbolig agreement must state the period (e.g. in the admin).
    lease.sections_6_7_set_aside_until = None
    with pytest.raises(ValidationError, match="must state until when"):
        lease.full_clean()


@pytest.mark.rule("R1.8")
def test_no_set_aside_without_an_agreement_and_inklusion_has_no_fixed_period(
    caseworker_a, org_a, department_a, person_a
):
    plain = _open(caseworker_a, DwellingFactory(department=department_a), rehousing=True)
    with pytest.raises(ValidationError, match="only be set aside under"):
        _sign(caseworker_a, plain, person_a, starts_on=TODAY, until=TODAY + datetime.timedelta(days=30))
    inklusion = DwellingFactory(department=department_a)
    _agreement(org_a, department_a, AgreementKind.INKLUSION, dwelling=inklusion, approved_by="Aarhus Kommune")
    vacancy = _open(caseworker_a, inklusion, rehousing=True)
    assert "R1.8: an inklusionsbolig" in vacancy.channel_reason
    with pytest.raises(ValidationError, match="before the tenancy starts"):
        _sign(caseworker_a, vacancy, person_a, starts_on=TODAY, until=TODAY - datetime.timedelta(days=1))
    # § 1, stk. 8 limits only the udslusningsbolig's period to 2 years; an inklusionsbolig's is as agreed.
    three_years = TODAY.replace(year=TODAY.year + 3) if (TODAY.month, TODAY.day) != (2, 29) else TODAY
    lease = _sign(caseworker_a, vacancy, person_a, starts_on=TODAY, until=three_years)
    assert (
        lease.set_aside_agreement.kind == AgreementKind.INKLUSION
        and lease.sections_6_7_set_aside_until == three_years
    )


@pytest.mark.rule("R1.8")
def test_without_a_period_the_lease_sets_nothing_aside(caseworker_a, org_a, department_a, person_a):
    """The deviation is agreed lease by lease (between the tenant and the organisation)."""
    named = DwellingFactory(department=department_a)
    _agreement(org_a, department_a, AgreementKind.UDSLUSNING, dwelling=named)
    lease = _sign(
        caseworker_a, _open(caseworker_a, named, rehousing=True), person_a, starts_on=TODAY, until=None
    )
    assert lease.set_aside_agreement is None and lease.sections_6_7_set_aside_until is None
    assert not lease.sets_aside_6_7_on(TODAY)


@pytest.mark.rule("R1.8", "R6.1")
def test_no_boliggarantibevis_while_6_is_set_aside(caseworker_a, org_a, department_a, person_a):
    audited_save(
        OrganisationLettingPolicy(
            organisation=org_a,
            valid_from=datetime.date(2020, 1, 1),
            decided_on=datetime.date(2020, 1, 1),
            issues_housing_guarantees=True,
            housing_guarantee_months=36,
        ),
        actor=system_user(),
        reason=REASON,
    )
    named = DwellingFactory(department=department_a)
    _agreement(org_a, department_a, AgreementKind.UDSLUSNING, dwelling=named)
    vacancy = _open(caseworker_a, named, rehousing=True)
    until = TODAY + datetime.timedelta(days=200)
    lease = _sign(caseworker_a, vacancy, person_a, starts_on=TODAY, until=until)
    lease.ends_on = TODAY + datetime.timedelta(days=100)
    audited_save(lease, actor=caseworker_a, reason=REASON)
    with pytest.raises(ValidationError, match="sets § 6 aside"):
        leases.guarantee_issue(actor=caseworker_a, reason=REASON, lease=lease, moved_out_on=lease.ends_on)


@pytest.mark.rule("R1.8")
@pytest.mark.parametrize(
    ("starts_on", "until", "problem"),
    [
        (datetime.date(2026, 3, 1), datetime.date(2028, 3, 1), ""),  # exactly 2 years
        (datetime.date(2026, 3, 1), datetime.date(2028, 3, 2), "too_long"),  # one day more
        (datetime.date(2024, 2, 29), datetime.date(2026, 2, 28), ""),  # from a leap day
        (datetime.date(2024, 2, 29), datetime.date(2026, 3, 1), "too_long"),
        (datetime.date(2026, 3, 1), datetime.date(2026, 2, 28), "before_start"),
        (datetime.date(2026, 3, 1), None, "missing"),
    ],
)
def test_the_2_year_limit_of_an_udslusningsbolig(starts_on, until, problem):
    assert set_aside_problem(kind="udslusning", starts_on=starts_on, set_aside_until=until) == problem
    if problem in ("too_long", "missing"):  # an inklusionsbolig has no period fixed by the order
        assert set_aside_problem(kind="inklusion", starts_on=starts_on, set_aside_until=until) == ""
