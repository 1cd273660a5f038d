"""Seniority: schemes and their change limits (R3.9, R9.6), informing tenants (R9.5), internal
seniority from the general list (R9.3) with precedence (R9.4), andels members (R2.3–R2.4, R3.6),
keeping seniority on a lease (R3.5–R3.7), takeovers (R3.8), rehousing (R9.2) and the internal
list's use of the general machinery (R3.10)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from housing.audit import audited_save
from housing.models import NumberSeries
from letters import services as letters_services
from tests.factories import (
    HousingOrganisationFactory,
    MembershipFactory,
    PersonFactory,
    SharedListAssociationFactory,
)
from waitinglists.models import (
    ChargeKind,
    DeletionReason,
    Entry,
    EntryStatus,
    FeeCharge,
    FeeSchedule,
    KeepRule,
    KeepSeniorityRight,
    ListKind,
    SchemeKind,
    SeniorityBasis,
    WaitingList,
)
from waitinglists.positions import list_position
from waitinglists.services import fees, seniority, seniority_dates
from waitinglists.services.registration import Wishes, entry_register

pytestmark = pytest.mark.django_db

D = datetime.date
SIGNED = D(2026, 11, 1)


@pytest.fixture(autouse=True)
def _english_and_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("en"):
        yield


def _fees(tenant, actor):
    audited_save(
        FeeSchedule(
            controller=tenant,
            valid_from=D(2000, 1, 1),
            registration_fee=Decimal("200"),
            update_fee=Decimal("150"),
            due_month=2,
            due_day=1,
        ),
        actor=actor,
        reason="Gebyrer vedtaget",
    )


def _list(tenant, actor, kind, organisation=None, name=None):
    return audited_save(
        WaitingList(controller=tenant, kind=kind, organisation=organisation, name=name or kind),
        actor=actor,
        reason="Oprettet",
    )


@pytest.fixture
def general_list(org_a, caseworker_a):
    _fees(org_a.tenant, caseworker_a)
    return _list(org_a.tenant, caseworker_a, ListKind.GENERAL, name="Almindelig venteliste")


@pytest.fixture
def internal_list(org_a, caseworker_a, general_list):
    return _list(
        org_a.tenant, caseworker_a, ListKind.INTERNAL, organisation=org_a, name="Oprykningsventeliste"
    )


def _register(actor, waiting_list, person, on, **kwargs):
    return entry_register(
        actor=actor,
        reason="Skranken",
        waiting_list=waiting_list,
        person=person,
        wishes=Wishes(),
        registered_on=on,
        send_letter=False,
        **kwargs,
    )


def _person(org):
    return PersonFactory(controller=org.tenant, birth_date=D(1970, 5, 5))


def _decide(actor, org, kind, effective_from, enabled=True):
    return seniority.scheme_decide(
        actor=actor,
        reason="Bestyrelsesbeslutning",
        organisation=org,
        kind=kind,
        enabled=enabled,
        decided_on=effective_from - datetime.timedelta(days=30),
        effective_from=effective_from,
    )


# --- Scheme change limits (R3.9, R9.6) ---------------------------------------------------------


@pytest.mark.rule("R3.9")
def test_keep_scheme_first_change_at_5_years_later_changes_at_10(caseworker_a, org_a):
    kind = SchemeKind.KEEP_ON_LEASE
    _decide(caseworker_a, org_a, kind, D(2010, 1, 1))
    with pytest.raises(ValidationError) as error:
        _decide(caseworker_a, org_a, kind, D(2014, 12, 31), enabled=False)
    message = error.value.message_dict["effective_from"][0]
    assert "R3.9" in message and "§ 3, stk. 9" in message
    assert "01/01/2015" in message  # the earliest allowed date, named
    assert error.value.error_dict["effective_from"][0].code == "scheme_change_too_early"
    _decide(caseworker_a, org_a, kind, D(2015, 1, 1), enabled=False)  # exactly 5 years: allowed
    with pytest.raises(ValidationError) as error:
        _decide(caseworker_a, org_a, kind, D(2024, 12, 31))
    assert "R3.9" in str(error.value) and "01/01/2025" in str(error.value)
    _decide(caseworker_a, org_a, kind, D(2025, 1, 1))  # exactly 10 years after the last change


@pytest.mark.rule("R9.6")
def test_internal_scheme_first_change_at_5_years_later_changes_at_10(caseworker_a, org_a):
    kind = SchemeKind.INTERNAL_FROM_GENERAL
    _decide(caseworker_a, org_a, kind, D(2012, 3, 1))
    with pytest.raises(ValidationError) as error:
        _decide(caseworker_a, org_a, kind, D(2017, 2, 28), enabled=False)
    message = str(error.value)
    assert "R9.6" in message and "§ 9, stk. 6" in message and "2017" in message
    _decide(caseworker_a, org_a, kind, D(2017, 3, 1), enabled=False)
    with pytest.raises(ValidationError, match=r"R9\.6"):
        _decide(caseworker_a, org_a, kind, D(2027, 2, 28))
    _decide(caseworker_a, org_a, kind, D(2027, 3, 1))


@pytest.mark.rule("R3.9", "R9.6")
def test_the_two_scheme_kinds_have_separate_limits(caseworker_a, org_a):
    _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2020, 1, 1))
    # Another kind, another organisation: no earlier decision to count from.
    _decide(caseworker_a, org_a, SchemeKind.INTERNAL_FROM_GENERAL, D(2021, 1, 1))
    other = HousingOrganisationFactory()
    user = MembershipFactory(tenant=other.tenant).user
    _decide(user, other, SchemeKind.KEEP_ON_LEASE, D(2021, 1, 1))


def test_only_the_organisations_caseworkers_or_an_administrator_decide(caseworker_b, administrator, org_a):
    with pytest.raises(PermissionDenied):
        _decide(caseworker_b, org_a, SchemeKind.KEEP_ON_LEASE, D(2020, 1, 1))
    scheme = _decide(administrator, org_a, SchemeKind.KEEP_ON_LEASE, D(2020, 1, 1))
    record = scheme.history.get()
    assert record.history_user == administrator and record.history_change_reason == "Bestyrelsesbeslutning"


# --- Informing the tenants (R9.5) --------------------------------------------------------------


@pytest.mark.rule("R9.5")
def test_information_overdue_after_4_weeks(caseworker_a, org_a):
    scheme = seniority.scheme_decide(
        actor=caseworker_a,
        reason="Bestyrelsesbeslutning",
        organisation=org_a,
        kind=SchemeKind.INTERNAL_FROM_GENERAL,
        enabled=True,
        decided_on=D(2025, 3, 1),
        effective_from=D(2025, 4, 1),
    )
    assert not seniority.information_overdue(scheme, D(2025, 3, 29))  # the last day of the 4 weeks
    assert seniority.information_overdue(scheme, D(2025, 3, 30))
    seniority.scheme_record_information(
        actor=caseworker_a, reason="Brev til alle lejere", scheme=scheme, informed_on=D(2025, 4, 2)
    )
    scheme.refresh_from_db()
    assert scheme.tenants_informed_on == D(2025, 4, 2)
    assert not seniority.information_overdue(scheme, D(2025, 5, 1))
    with pytest.raises(ValidationError):
        seniority.scheme_record_information(
            actor=caseworker_a, reason="Fejl", scheme=scheme, informed_on=D(2025, 2, 1)
        )


@pytest.mark.rule("R9.5")
def test_keep_on_lease_schemes_have_no_4_week_duty(caseworker_a, org_a):
    scheme = _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2025, 4, 1))
    assert not seniority.information_overdue(scheme, D(2026, 1, 1))


# --- Internal seniority from the general list (R9.3, R9.4) --------------------------------------


@pytest.mark.rule("R9.3", "R9.4")
def test_r93_dates_and_r94_precedence(caseworker_a, org_a, general_list, internal_list):
    early_internal, no_general, late_internal, andels = (_person(org_a) for _ in range(4))
    _register(caseworker_a, general_list, early_internal, D(2015, 1, 1))
    _register(caseworker_a, general_list, late_internal, D(2010, 6, 1))
    _register(caseworker_a, general_list, andels, D(2010, 5, 1))
    e1 = _register(caseworker_a, internal_list, early_internal, D(2020, 5, 1))
    e2 = _register(caseworker_a, internal_list, no_general, D(2018, 1, 1))
    e4 = _register(
        caseworker_a,
        internal_list,
        andels,
        D(2019, 1, 1),
        andels_member_since=D(2005, 3, 1),
        andels_tenant_on_cutoff=True,
        andels_general_list_on=D(2010, 5, 1),
    )
    scheme = _decide(caseworker_a, org_a, SchemeKind.INTERNAL_FROM_GENERAL, D(2025, 1, 1))
    # Joined the internal list after the decision took effect: covered by R9.3 (registration
    # applies it at once), not by R9.4.
    e3 = _register(caseworker_a, internal_list, late_internal, D(2025, 6, 1))
    assert (e3.seniority_date, e3.seniority_basis) == (D(2010, 6, 1), SeniorityBasis.GENERAL_LIST_DATE)
    # Before the scheme is in force, the own date counts.
    assert seniority_dates.internal_seniority_date(entry=e1, on=D(2024, 12, 31)) == D(2020, 5, 1)

    assert (
        seniority.apply_internal_from_general_scheme(
            actor=caseworker_a, reason="R9.3 træder i kraft", scheme=scheme
        )
        == 3
    )
    for entry in (e1, e2, e3, e4):
        entry.refresh_from_db()
    assert (e1.seniority_date, e1.seniority_basis, e1.listed_before_seniority_scheme) == (
        D(2015, 1, 1),
        SeniorityBasis.GENERAL_LIST_DATE,
        True,
    )
    assert (e2.seniority_date, e2.seniority_basis, e2.listed_before_seniority_scheme) == (
        D(2018, 1, 1),
        SeniorityBasis.REGISTRATION,
        True,
    )
    assert (e3.seniority_date, e3.seniority_basis, e3.listed_before_seniority_scheme) == (
        D(2010, 6, 1),
        SeniorityBasis.GENERAL_LIST_DATE,
        False,
    )
    # The andels membership date (R2.3) is earlier than the general-list date: the earlier wins.
    assert (e4.seniority_date, e4.seniority_basis, e4.listed_before_seniority_scheme) == (
        D(2005, 3, 1),
        SeniorityBasis.ANDELS_2010,
        True,
    )
    # R9.4: the earliest date of all (2010) still comes after those who stood on the list already.
    assert [list_position(e) for e in (e4, e1, e2, e3)] == [1, 2, 3, 4]
    record = e1.history.order_by("-history_date").first()
    assert record.history_user == caseworker_a and record.history_change_reason == "R9.3 træder i kraft"
    # Running it again changes nothing (no new history rows).
    assert seniority.apply_internal_from_general_scheme(actor=caseworker_a, reason="Igen", scheme=scheme) == 0


@pytest.mark.rule("R9.3")
def test_r93_reads_the_shared_general_list_of_the_association(kommune_aarhus):
    association = SharedListAssociationFactory()
    org = HousingOrganisationFactory(shared_list=association)
    user = MembershipFactory(tenant=org.tenant).user
    MembershipFactory(user=user, tenant=association.tenant)
    _fees(org.tenant, user)
    _fees(association.tenant, user)
    # Payment references are unique across controllers but numbered per controller: start this
    # controller's series elsewhere so the two first registrations do not collide (reported).
    NumberSeries.objects.create(tenant=org.tenant, name="payment", next_value=500_000)
    shared = _list(association.tenant, user, ListKind.GENERAL, name="Fælles venteliste")
    internal = _list(org.tenant, user, ListKind.INTERNAL, organisation=org, name="Oprykning")
    # The same human is a person row of each controller.
    _register(user, shared, PersonFactory(controller=association.tenant, cpr="0505701111"), D(2011, 2, 2))
    entry = _register(user, internal, PersonFactory(controller=org.tenant, cpr="0505701111"), D(2024, 1, 1))
    scheme = _decide(user, org, SchemeKind.INTERNAL_FROM_GENERAL, D(2024, 6, 1))
    seniority.apply_internal_from_general_scheme(actor=user, reason="R9.3", scheme=scheme)
    entry.refresh_from_db()
    assert entry.seniority_date == D(2011, 2, 2) and entry.listed_before_seniority_scheme


@pytest.mark.rule("R9.3")
def test_r93_needs_a_scheme_in_use_in_force(caseworker_a, org_a, internal_list):
    keep = _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2025, 1, 1))
    with pytest.raises(ValidationError):
        seniority.apply_internal_from_general_scheme(actor=caseworker_a, reason="Fejl", scheme=keep)
    future = _decide(caseworker_a, org_a, SchemeKind.INTERNAL_FROM_GENERAL, D(2030, 1, 1))
    with pytest.raises(ValidationError):
        seniority.apply_internal_from_general_scheme(actor=caseworker_a, reason="For tidligt", scheme=future)


# --- Andels members of 2010 (R2.3, R2.4) -------------------------------------------------------


def _andels_internal(actor, internal_list, person, **facts):
    return _register(actor, internal_list, person, D(2012, 1, 1), **facts)


@pytest.mark.rule("R2.3", "R2.4")
def test_andels_members_count_internal_seniority_from_membership_without_registration_fee(
    caseworker_a, org_a, general_list, internal_list
):
    person = _person(org_a)
    general = _register(caseworker_a, general_list, person, D(2010, 5, 1), andels_member_since=D(1998, 4, 1))
    internal = _andels_internal(
        caseworker_a,
        internal_list,
        person,
        andels_member_since=D(1998, 4, 1),
        andels_tenant_on_cutoff=True,
        andels_general_list_on=D(2010, 5, 1),
    )
    assert (internal.seniority_date, internal.seniority_basis) == (D(1998, 4, 1), SeniorityBasis.ANDELS_2010)
    assert internal.fee_exempt_registration
    assert not FeeCharge.objects.filter(entry=internal, kind=ChargeKind.REGISTRATION).exists()
    # § 2, stk. 3–4 give the membership seniority "i relation til oprykningsventelisten" only.
    assert (general.seniority_date, general.seniority_basis) == (D(2010, 5, 1), SeniorityBasis.REGISTRATION)
    assert FeeCharge.objects.filter(entry=general, kind=ChargeKind.REGISTRATION).exists()


@pytest.mark.rule("R2.3", "R2.4")
def test_a_member_on_1_january_2010_is_accepted_a_member_from_2_january_refused(
    caseworker_a, org_a, internal_list
):
    """ "Personer, der den 1. januar 2010 var medlemmer": a member since that very day was one."""
    facts = {"andels_tenant_on_cutoff": True, "andels_general_list_on": D(2010, 3, 1)}
    with pytest.raises(ValidationError) as error:
        _andels_internal(
            caseworker_a, internal_list, _person(org_a), andels_member_since=D(2010, 1, 2), **facts
        )
    refusal = error.value.error_dict["andels_member_since"][0]
    assert refusal.code == "andels_member_too_late" and "1 January 2010" in refusal.message
    entry = _andels_internal(
        caseworker_a, internal_list, _person(org_a), andels_member_since=D(2010, 1, 1), **facts
    )
    assert (entry.seniority_date, entry.seniority_basis) == (D(2010, 1, 1), SeniorityBasis.ANDELS_2010)


@pytest.mark.rule("R2.3")
def test_on_the_general_list_by_1_june_2010_accepted_2_june_refused(caseworker_a, org_a, internal_list):
    """ "Det er en betingelse, at de pågældende senest den 1. juni 2010 er optaget på den
    almindelige venteliste." """
    facts = {"andels_member_since": D(2004, 9, 1), "andels_tenant_on_cutoff": True}
    person = _person(org_a)
    with pytest.raises(ValidationError) as error:
        _andels_internal(caseworker_a, internal_list, person, andels_general_list_on=D(2010, 6, 2), **facts)
    assert error.value.error_dict["andels_general_list_on"][0].code == "andels_general_list_too_late"
    assert not Entry.objects.filter(person=person).exists()  # nothing half-saved
    with pytest.raises(ValidationError) as error:
        _andels_internal(caseworker_a, internal_list, person, **facts)
    assert error.value.error_dict["andels_general_list_on"][0].code == "andels_general_list_missing"
    entry = _andels_internal(
        caseworker_a, internal_list, person, andels_general_list_on=D(2010, 6, 1), **facts
    )
    assert entry.seniority_date == D(2004, 9, 1) and entry.andels_general_list_on == D(2010, 6, 1)


@pytest.mark.rule("R2.3", "R2.4", "R3.6")
def test_not_a_tenant_on_1_january_2010_is_refused_unless_the_general_seniority_was_kept_after_a_lease(
    caseworker_a, org_a, general_list, internal_list, post_on
):
    """§ 2, stk. 3 asks for a tenant on 1 January 2010; § 2, stk. 4 gives the same seniority to
    a member who later signed a lease and kept the general-list seniority under § 3, stk. 6."""
    person = _person(org_a)
    general = _register(caseworker_a, general_list, person, D(2008, 1, 1), andels_member_since=D(2003, 1, 1))
    facts = {"andels_member_since": D(2003, 1, 1), "andels_general_list_on": D(2008, 1, 1)}
    with pytest.raises(ValidationError) as error:
        _andels_internal(caseworker_a, internal_list, person, **facts)
    refusal = error.value.error_dict["andels_tenant_on_cutoff"][0]
    assert refusal.code == "andels_not_tenant"
    assert "R2.3" in refusal.message and "R2.4" in refusal.message
    # The lease: the general place ends, the wish to keep it comes in time (§ 3, stk. 6).
    (right,) = _sign(caseworker_a, org_a, general)
    post_on(SIGNED)
    _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=8))
    entry = _register(caseworker_a, internal_list, person, SIGNED + datetime.timedelta(days=10), **facts)
    assert (entry.seniority_date, entry.seniority_basis) == (D(2003, 1, 1), SeniorityBasis.ANDELS_2010)
    assert not FeeCharge.objects.filter(entry=entry, kind=ChargeKind.REGISTRATION).exists()


@pytest.mark.rule("R2.3", "R2.4", "R3.3")
def test_andels_members_pay_update_fees_on_the_internal_list(caseworker_a, org_a, internal_list):
    """ "Ved optagelse på oprykningsventelisten betales ikke et optagelsesgebyr, men fra optagelse
    på oprykningsventelisten betales ajourføringsgebyr." """
    entry = _andels_internal(
        caseworker_a,
        internal_list,
        _person(org_a),
        andels_member_since=D(2009, 12, 1),
        andels_tenant_on_cutoff=True,
        andels_general_list_on=D(2010, 1, 15),
    )
    assert fees.fee_cycle_charge(today=D(2013, 2, 1)) == 1
    assert FeeCharge.objects.get(entry=entry, kind=ChargeKind.UPDATE, period=2013).amount == Decimal("150")


# --- Keeping seniority on a lease (R3.5, R3.6, R3.7) -------------------------------------------


def _sign(actor, org, entry, signed_on=SIGNED):
    """What signing a lease does to the lists (``allocation.services.leases`` calls these): the
    place ends, a right to keep it is made where there is one, and the lease's letter is the
    written information."""
    rights = seniority.lease_signed_leave_lists(
        actor=actor,
        reason="Lejekontrakt underskrevet",
        person=entry.person,
        organisation=org,
        lease_signed_on=signed_on,
        won_entry=entry,
    )
    letter = letters_services.letter_create(
        actor=actor,
        reason="Lejekontrakt underskrevet",
        sender=entry.controller,
        recipient=entry.person,
        kind="lease_confirmation",
        context={"dwelling_address": "Alfavej 2", "keep_seniority_until": "9. november 2026"},
        idempotency_key=f"test-lease:{entry.pk}:{signed_on}",
    )
    seniority.keep_rights_inform(actor=actor, reason="Skriftlig information", rights=rights, letter=letter)
    return rights


@pytest.fixture
def post_on(monkeypatch, caseworker_a):
    """Print the queued letters and confirm the batch posted on ``day`` (the delivery record)."""

    def post(day: datetime.date) -> None:
        noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        with monkeypatch.context() as patched:
            patched.setattr(timezone, "now", lambda: noon)
            for batch in letters_services.print_batches_create(actor=caseworker_a):
                letters_services.print_batch_confirm_posted(actor=caseworker_a, reason="Postet", batch=batch)

    return post


def _keep(actor, right, requested_on):
    return seniority.lease_keep_seniority(
        actor=actor, reason="Ønsker at blive stående", right=right, requested_on=requested_on
    )


@pytest.fixture
def andels_entry(caseworker_a, org_a, general_list):
    return _register(
        caseworker_a, general_list, _person(org_a), D(2009, 1, 1), andels_member_since=D(2001, 1, 1)
    )


@pytest.mark.rule("R3.6")
def test_andels_member_keeps_seniority_on_day_8_not_day_9(caseworker_a, org_a, andels_entry, post_on):
    (right,) = _sign(caseworker_a, org_a, andels_entry)
    assert right.rule == KeepRule.ANDELS_2010
    post_on(SIGNED)  # informed at the signing
    with pytest.raises(ValidationError) as error:
        _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=9))
    assert error.value.error_dict["requested_on"][0].code == "too_late"
    assert "R3.6" in str(error.value)
    entry = _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=8))
    assert entry.seniority_basis == SeniorityBasis.KEPT_ON_LEASE
    assert entry.seniority_date == D(2009, 1, 1) and entry.status == EntryStatus.ACTIVE
    right.refresh_from_db()
    assert (right.informed_on, right.requested_on, right.recorded_by) == (
        SIGNED,
        SIGNED + datetime.timedelta(days=8),
        caseworker_a,
    )
    assert right.history.latest().history_change_reason == "Ønsker at blive stående"


@pytest.mark.rule("R3.6")
def test_information_sent_3_days_after_signing_moves_the_end_of_the_window_to_day_11(
    caseworker_a, org_a, andels_entry, post_on
):
    """ "Overholder boligorganisationen ikke den nævnte frist, udsættes den pågældende lejers frist
    … tilsvarende": the letter left 3 days late, so the 8 days end 3 days later — day 11."""
    (right,) = _sign(caseworker_a, org_a, andels_entry)
    post_on(SIGNED + datetime.timedelta(days=3))
    window = seniority.keep_window(right)
    assert (window.informed_on, window.deadline) == (
        SIGNED + datetime.timedelta(days=3),
        SIGNED + datetime.timedelta(days=11),
    )
    with pytest.raises(ValidationError, match=r"R3\.6"):
        _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=12))
    _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=11))


@pytest.mark.rule("R3.6")
def test_information_still_in_the_outbox_has_not_started_the_8_days(caseworker_a, org_a, andels_entry):
    """The information day is the day the letter left, never the day it was queued: while it
    waits, the tenant's deadline has not begun to run."""
    (right,) = _sign(caseworker_a, org_a, andels_entry)
    window = seniority.keep_window(right)
    assert (window.informed_on, window.deadline, window.sending) == (None, None, "waiting")
    entry = _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=20))
    assert entry.status == EntryStatus.ACTIVE
    right.refresh_from_db()
    assert right.informed_on is None


@pytest.fixture
def plain_entry(caseworker_a, org_a, general_list):
    return _register(caseworker_a, general_list, _person(org_a), D(2016, 1, 1))


@pytest.mark.rule("R3.7", "R3.5")
def test_others_keep_seniority_only_under_a_scheme(caseworker_a, org_a, plain_entry):
    # A scheme taking effect after the signing does not help.
    _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, SIGNED + datetime.timedelta(days=1))
    assert _sign(caseworker_a, org_a, plain_entry) == []
    plain_entry.refresh_from_db()
    assert (plain_entry.status, plain_entry.deletion_reason, plain_entry.deleted_on) == (
        EntryStatus.DELETED,
        DeletionReason.LEASE_SIGNED,
        SIGNED,
    )
    assert not KeepSeniorityRight.objects.filter(entry=plain_entry).exists()


@pytest.mark.rule("R3.7")
def test_scheme_keeps_seniority_day_8_not_day_9(caseworker_a, org_a, plain_entry, post_on):
    scheme = _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2020, 1, 1))
    (right,) = _sign(caseworker_a, org_a, plain_entry)
    assert (right.rule, right.scheme) == (KeepRule.SCHEME, scheme)
    post_on(SIGNED)
    with pytest.raises(ValidationError) as error:
        _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=9))
    assert "R3.7" in str(error.value)
    entry = _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=8))
    assert entry.seniority_basis == SeniorityBasis.KEPT_ON_LEASE and entry.seniority_date == D(2016, 1, 1)


@pytest.mark.rule("R3.7", "R3.9")
def test_an_abolished_scheme_keeps_nobody(caseworker_a, org_a, plain_entry):
    _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2015, 1, 1))
    _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2020, 1, 1), enabled=False)
    assert _sign(caseworker_a, org_a, plain_entry) == []


@pytest.mark.rule("R3.5", "R3.6")
def test_reinstating_cannot_bypass_the_8_days(caseworker_a, org_a, andels_entry, post_on):
    """A place a lease ended comes back only through a wish recorded in time — not by the
    reinstatement meant for a wrongful fee deletion, and not after the deadline."""
    (right,) = _sign(caseworker_a, org_a, andels_entry)
    post_on(SIGNED)
    with pytest.raises(ValidationError) as error:
        fees.entry_reinstate(actor=caseworker_a, reason="Genoptag", entry=andels_entry)
    assert error.value.code == "lease_signed"
    with pytest.raises(ValidationError):
        _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=9))
    andels_entry.refresh_from_db()
    assert andels_entry.status == EntryStatus.DELETED
    _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=2))
    with pytest.raises(ValidationError) as error:
        _keep(caseworker_a, right, SIGNED + datetime.timedelta(days=3))
    assert error.value.code == "already_recorded"


def test_keep_seniority_is_refused_for_another_controllers_caseworker(
    caseworker_a, caseworker_b, org_a, andels_entry
):
    (right,) = _sign(caseworker_a, org_a, andels_entry)
    with pytest.raises(PermissionDenied):
        _keep(caseworker_b, right, SIGNED)


# --- Takeover (R3.8) ---------------------------------------------------------------------------


@pytest.mark.rule("R3.8")
def test_takeover_gives_seniority_from_the_takeover_under_a_scheme(caseworker_a, org_a, general_list):
    person = _person(org_a)

    def takeover():
        return seniority.takeover_seniority(
            actor=caseworker_a,
            reason="Overtaget bolig ved bytte",
            waiting_list=general_list,
            person=person,
            taken_over_on=D(2023, 8, 15),
            wishes=Wishes(rooms_min=2, rooms_max=3),
        )

    with pytest.raises(ValidationError) as error:
        takeover()
    assert error.value.code == "no_scheme" and "R3.8" in str(error.value)
    assert not Entry.objects.filter(person=person).exists()
    _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2020, 1, 1))
    entry = takeover()
    entry.refresh_from_db()
    assert (entry.seniority_date, entry.seniority_basis) == (D(2023, 8, 15), SeniorityBasis.TAKEOVER)
    assert entry.history.count() == 2 and all(h.history_user == caseworker_a for h in entry.history.all())


# --- Rehousing (R9.2) --------------------------------------------------------------------------


@pytest.mark.rule("R9.2")
def test_rehoused_tenant_keeps_the_internal_place(caseworker_a, org_a, general_list, internal_list):
    entry = _register(caseworker_a, internal_list, _person(org_a), D(2019, 1, 1))
    entry = seniority.mark_rehoused(actor=caseworker_a, reason="Genhuset efter § 86", entry=entry)
    entry.refresh_from_db()
    assert entry.rehoused_outside and entry.seniority_date == D(2019, 1, 1)
    assert list_position(entry) == 1
    general = _register(caseworker_a, general_list, _person(org_a), D(2019, 1, 1))
    with pytest.raises(ValidationError, match=r"R9\.2"):
        seniority.mark_rehoused(actor=caseworker_a, reason="Fejl", entry=general)


# --- The internal list uses the general machinery (R3.10) ---------------------------------------


@pytest.mark.rule("R3.10", "R3.3")
def test_internal_list_registration_charges_the_fee(caseworker_a, org_a, internal_list):
    entry = _register(caseworker_a, internal_list, _person(org_a), D(2024, 3, 1))
    assert entry.seniority_date == D(2024, 3, 1)
    assert FeeCharge.objects.get(entry=entry, kind=ChargeKind.REGISTRATION).amount == Decimal("200")


@pytest.mark.rule("R3.10")
def test_internal_list_refuses_a_second_place(caseworker_a, org_a, internal_list):
    person = _person(org_a)
    first = _register(caseworker_a, internal_list, person, D(2024, 3, 1))
    with pytest.raises(ValidationError) as error:
        _register(caseworker_a, internal_list, person, D(2024, 4, 1))
    assert str(first.pk) in str(error.value)


@pytest.mark.rule("R3.10", "R3.5", "R3.6")
def test_internal_list_place_ends_with_a_lease_and_cannot_be_kept(
    caseworker_a, org_a, general_list, internal_list
):
    """§ 3, stk. 10 applies stk. 2–5 to the internal list, not stk. 6–7: the lease ends the
    internal place for good, even for a 2010 andels member under a scheme."""
    _decide(caseworker_a, org_a, SchemeKind.KEEP_ON_LEASE, D(2020, 1, 1))
    person = _person(org_a)
    general = _register(caseworker_a, general_list, person, D(2009, 6, 1), andels_member_since=D(2001, 1, 1))
    entry = _register(
        caseworker_a,
        internal_list,
        person,
        D(2021, 1, 1),
        andels_member_since=D(2001, 1, 1),
        andels_tenant_on_cutoff=True,
        andels_general_list_on=D(2009, 6, 1),
    )
    rights = _sign(caseworker_a, org_a, entry)
    assert [right.entry for right in rights] == [general]
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED and entry.deletion_reason == DeletionReason.LEASE_SIGNED
