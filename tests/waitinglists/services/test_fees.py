"""Fees (R3.3): payments and prepayment, the bank file, the yearly cycle (charge → reminder →
deletion), reinstating, and the fee rules of R2.2, R2.3–R2.4 and R9.2.

The fee rules used (``FeeScheduleFactory``): 100 kr. at registration, 150 kr. a year due 1 March,
the reminder 14 days after the due date (15 March), 21 days to pay after it (5 April 2026): the
entry is deleted on 6 April.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from housing.audit import audited_save, system_user
from letters import services as letters_services
from letters.jobs import registered_jobs, run_job
from letters.models import Channel, JobRun, Letter, LetterState
from tests.factories import MembershipFactory, PersonFactory
from tests.factories_waitinglists import EntryFactory, FeeScheduleFactory, WaitingListFactory
from waitinglists.models import (
    ChargeKind,
    ChargeState,
    DeletionReason,
    Entry,
    EntryStatus,
    FeeCharge,
    ListKind,
    Payment,
    PaymentSource,
    SeniorityBasis,
)
from waitinglists.services import fees
from waitinglists.services.registration import Wishes, entry_register

pytestmark = pytest.mark.django_db

D = datetime.date
DUE = D(2026, 3, 1)
REMIND = D(2026, 3, 15)
DEADLINE = D(2026, 4, 5)
AFTER_DEADLINE = D(2026, 4, 6)


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LETTERS_OUTBOX_DIR = tmp_path / "outbox"


@pytest.fixture
def set_today(monkeypatch):
    """Move "today" (``timezone.localdate``) for the services, the jobs and the letters."""

    def move(day: datetime.date) -> datetime.date:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)
        # The letters record when they were sent with ``timezone.now``: noon of the same day.
        noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
        monkeypatch.setattr(timezone, "now", lambda: noon)
        return day

    move(DUE)
    return move


@pytest.fixture
def schedule(org_a):
    return FeeScheduleFactory(controller=org_a.tenant)


@pytest.fixture
def general_list(org_a, schedule):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa Boligselskabs venteliste")


@pytest.fixture
def internal_list(org_a, schedule):
    return WaitingListFactory(
        controller=org_a.tenant, kind=ListKind.INTERNAL, organisation=org_a, name="Alfa oprykning"
    )


def _send_letters() -> None:
    """What the letter jobs and the print room do on a day: Digital Post sent, the day's print
    batches made and confirmed as posted."""
    letters_services.letters_dispatch()
    for batch in letters_services.print_batches_create(actor=system_user()):
        print_room = MembershipFactory(tenant=batch.controller).user
        letters_services.print_batch_confirm_posted(actor=print_room, reason="Posted", batch=batch)


def _cycle(day: datetime.date, *, send: bool = True) -> tuple[int, int, int]:
    charged, reminded = fees.fee_cycle_charge(today=day), fees.fee_cycle_remind(today=day)
    if send:
        _send_letters()
    return charged, reminded, fees.fee_cycle_delete(today=day)


def _update_charge(entry: Entry, year: int = 2026) -> FeeCharge:
    return FeeCharge.objects.get(entry=entry, kind=ChargeKind.UPDATE, period=year)


def _pay(actor, entry, amount, paid_on, years=1, **kwargs):
    return fees.payment_register(
        actor=actor,
        reason="Indbetaling registreret",
        entry=entry,
        amount=Decimal(amount),
        paid_on=paid_on,
        years=years,
        **kwargs,
    )


def _letters(kind: str) -> list[str]:
    return sorted(Letter.objects.filter(kind=kind).values_list("idempotency_key", flat=True))


# --- The yearly cycle -------------------------------------------------------------------------


@pytest.mark.rule("R3.3")
def test_the_cycle_run_twice_a_day_charges_reminds_and_deletes_exactly_once(general_list, set_today):
    active = EntryFactory(waiting_list=general_list)
    passive = EntryFactory(waiting_list=general_list, status=EntryStatus.PASSIVE)
    prepaid = EntryFactory(waiting_list=general_list, paid_until=D(2027, 2, 28))
    EntryFactory(
        waiting_list=general_list,
        status=EntryStatus.DELETED,
        deleted_on=D(2025, 5, 1),
        deletion_reason=DeletionReason.OWN_REQUEST,
    )
    EntryFactory(waiting_list=general_list, registered_on=D(2026, 1, 10))  # first update fee in 2027

    set_today(D(2026, 2, 28))
    assert _cycle(D(2026, 2, 28)) == (0, 0, 0)  # not due yet

    set_today(DUE)
    assert _cycle(DUE) == (2, 0, 0)
    assert _cycle(DUE) == (0, 0, 0)
    charged = set(FeeCharge.objects.values_list("entry_id", flat=True))
    assert charged == {active.pk, passive.pk}
    assert prepaid.pk not in charged
    charge = _update_charge(active)
    assert (charge.amount, charge.due_date, charge.state) == (Decimal("150.00"), DUE, ChargeState.OPEN)

    set_today(D(2026, 3, 14))
    assert _cycle(D(2026, 3, 14)) == (0, 0, 0)  # the reminder is due on the 15th

    set_today(REMIND)
    assert _cycle(REMIND) == (0, 2, 0)
    assert _cycle(REMIND) == (0, 0, 0)
    assert _letters("fee_reminder") == sorted(f"fee-reminder:{c.pk}" for c in FeeCharge.objects.all())
    charge.refresh_from_db()
    assert (charge.state, charge.reminded_on, charge.reminder_deadline) == (
        ChargeState.REMINDED,
        REMIND,
        DEADLINE,
    )

    set_today(AFTER_DEADLINE)
    assert _cycle(AFTER_DEADLINE) == (0, 0, 2)
    assert _cycle(AFTER_DEADLINE) == (0, 0, 0)
    assert FeeCharge.objects.count() == 2
    assert len(_letters("fee_reminder")) == 2
    assert _letters("deletion_notice") == sorted(
        f"deletion:{c.entry_id}:{c.pk}" for c in FeeCharge.objects.all()
    )
    active.refresh_from_db()
    assert (active.status, active.deleted_on, active.deletion_reason) == (
        EntryStatus.DELETED,
        AFTER_DEADLINE,
        DeletionReason.UNPAID_FEE,
    )
    assert _update_charge(active).state == ChargeState.DELETED
    # One history row per change, all by the system user with a reason.
    system = system_user()
    for record in FeeCharge.history.filter(id=charge.pk):
        assert record.history_user == system and record.history_change_reason
    assert list(
        FeeCharge.history.filter(id=charge.pk).order_by("history_id").values_list("state", flat=True)
    ) == [
        "open",
        "reminded",  # the reminder letter made
        "reminded",  # the reminder sent: the day and the deadline recorded
        "deleted",
    ]
    assert active.history.filter(history_user=system, status="deleted").count() == 1


@pytest.mark.rule("R3.3")
def test_the_jobs_run_twice_do_the_work_once_and_report_counts(general_list, set_today):
    EntryFactory(waiting_list=general_list)
    EntryFactory(waiting_list=general_list)
    names = ("waitinglists.fee_charge", "waitinglists.fee_remind", "waitinglists.fee_delete")
    assert set(names) <= set(registered_jobs())

    def run_all():
        return [run_job(name, trigger=JobRun.Trigger.MANUAL).counts for name in names]

    assert run_all() == [{"charged": 2}, {"reminded": 0}, {"deleted": 0}]
    assert run_all() == [{"charged": 0}, {"reminded": 0}, {"deleted": 0}]
    set_today(REMIND)
    # The reminders are made but not sent yet: the deletion run reports them as waiting.
    assert run_all() == [{"charged": 0}, {"reminded": 2}, {"reminders_waiting": 2, "deleted": 0}]
    _send_letters()
    assert run_all() == [{"charged": 0}, {"reminded": 0}, {"reminders_sent": 2, "deleted": 0}]
    assert run_all() == [{"charged": 0}, {"reminded": 0}, {"deleted": 0}]
    set_today(AFTER_DEADLINE)
    assert run_all() == [{"charged": 0}, {"reminded": 0}, {"deleted": 2}]
    assert run_all() == [{"charged": 0}, {"reminded": 0}, {"deleted": 0}]
    assert Letter.objects.filter(kind="fee_reminder").count() == 2
    assert Letter.objects.filter(kind="deletion_notice").count() == 2
    assert FeeCharge.objects.count() == 2
    run = JobRun.objects.filter(job="waitinglists.fee_remind").order_by("id")[2]
    assert JobRun.objects.filter(job="waitinglists.fee_delete").order_by("id")[2].attention
    assert (run.state, run.total, run.done) == (JobRun.State.SUCCEEDED, 2, 2)


# --- The reminder must actually have been sent (R3.3) -----------------------------------------


@pytest.fixture
def digital_entry(org_a, caseworker_a, general_list):
    """An entry whose letters go by Digital Post: org A connected, the applicant consented."""
    org_a.digital_post_connected_from = D(2022, 3, 1)
    audited_save(org_a, actor=caseworker_a, reason="Tilsluttet Digital Post")
    person = PersonFactory(
        controller=org_a.tenant, digital_post_consent_date=D(2024, 1, 1), digital_post_consent_method="form"
    )
    return EntryFactory(waiting_list=general_list, person=person)


class _BrokenTransport:
    name = "broken"

    def send(self, *, message_uuid, memo_xml):
        raise OSError("Digital Post refused the message")

    def flush(self):
        pass


def _fee_delete_run() -> JobRun:
    return run_job("waitinglists.fee_delete", trigger=JobRun.Trigger.MANUAL)


@pytest.mark.rule("R3.3")
def test_a_reminder_still_waiting_in_the_outbox_does_not_lead_to_deletion(digital_entry, set_today):
    """ "Betaler den boligsøgende ikke trods påmindelsen, slettes den boligsøgende": without a
    reminder sent, nobody is deleted — however long ago the reminder letter was queued."""
    _cycle(DUE)
    set_today(REMIND)
    _cycle(REMIND, send=False)
    charge = _update_charge(digital_entry)
    assert (charge.state, charge.reminded_on, charge.reminder_deadline) == (ChargeState.REMINDED, None, None)
    assert charge.reminder_letter.state == LetterState.QUEUED
    set_today(AFTER_DEADLINE + datetime.timedelta(days=30))
    run = _fee_delete_run()
    digital_entry.refresh_from_db()
    assert digital_entry.status == EntryStatus.ACTIVE
    assert run.counts == {"reminders_waiting": 1, "deleted": 0}
    assert len(run.attention) == 1 and str(charge.reminder_letter_id) in run.attention[0]


@pytest.mark.rule("R3.3")
def test_the_deletion_deadline_counts_from_the_day_the_reminder_was_sent(digital_entry, set_today):
    """Queued on 15 March, sent by Digital Post on 18 March: 21 days from the 18th is 8 April,
    which still counts; deleted on 9 April — not on 6 April as counted from the queueing."""
    _cycle(DUE)
    set_today(REMIND)
    _cycle(REMIND, send=False)
    sent_on = set_today(D(2026, 3, 18))
    _send_letters()
    charge = _update_charge(digital_entry)
    assert charge.reminder_letter.channel == Channel.DIGITAL_POST
    assert charge.reminder_letter.state in (LetterState.SENT, LetterState.DELIVERED)
    set_today(AFTER_DEADLINE)
    assert _fee_delete_run().counts == {"reminders_sent": 1, "deleted": 0}
    charge.refresh_from_db()
    assert (charge.reminded_on, charge.reminder_deadline) == (sent_on, D(2026, 4, 8))
    set_today(D(2026, 4, 8))
    assert fees.fee_cycle_delete(today=D(2026, 4, 8)) == 0
    set_today(D(2026, 4, 9))
    assert fees.fee_cycle_delete(today=D(2026, 4, 9)) == 1
    digital_entry.refresh_from_db()
    assert (digital_entry.status, digital_entry.deleted_on) == (EntryStatus.DELETED, D(2026, 4, 9))


@pytest.mark.rule("R3.3")
def test_a_physical_reminder_counts_from_the_day_its_print_batch_was_confirmed_posted(
    caseworker_a, general_list, set_today
):
    entry = EntryFactory(waiting_list=general_list)
    _cycle(DUE)
    set_today(REMIND)
    _cycle(REMIND, send=False)
    batches = letters_services.print_batches_create(actor=system_user())
    assert _update_charge(entry).reminder_letter.channel == Channel.PHYSICAL
    set_today(D(2026, 3, 20))
    assert fees.fee_cycle_delete(today=D(2026, 3, 20)) == 0  # printed, not yet posted: no deadline
    assert _update_charge(entry).reminder_deadline is None
    letters_services.print_batch_confirm_posted(
        actor=caseworker_a, reason="Sendt med posten", batch=batches[0]
    )
    set_today(D(2026, 4, 10))
    assert fees.fee_cycle_delete(today=D(2026, 4, 10)) == 0  # 20 March + 21 days = 10 April still counts
    assert _update_charge(entry).reminded_on == D(2026, 3, 20)
    set_today(D(2026, 4, 11))
    assert fees.fee_cycle_delete(today=D(2026, 4, 11)) == 1


@pytest.mark.rule("R3.3")
def test_a_failed_reminder_holds_back_the_deletion_and_needs_attention_until_resent(
    caseworker_a, digital_entry, set_today, monkeypatch, client_for
):
    _cycle(DUE)
    set_today(REMIND)
    monkeypatch.setattr("letters.services.get_transport", lambda: _BrokenTransport())
    _cycle(REMIND)
    charge = _update_charge(digital_entry)
    assert charge.reminder_letter.state == LetterState.FAILED
    set_today(AFTER_DEADLINE)
    run = _fee_delete_run()
    assert run.counts == {"reminders_failed": 1, "deleted": 0}
    assert "R3.3" in run.attention[0] and str(charge.reminder_letter_id) in run.attention[0]
    page = client_for(caseworker_a).get(run.get_absolute_url()).content.decode()
    assert 'id="attention"' in page and str(charge.reminder_letter_id) in page
    digital_entry.refresh_from_db()
    assert digital_entry.status == EntryStatus.ACTIVE
    # The caseworker resends it; it leaves on 7 April, so the 21 days run from then.
    monkeypatch.undo()
    set_today(D(2026, 4, 7))
    letters_services.letter_resend(actor=caseworker_a, reason="Ny afsendelse", letter=charge.reminder_letter)
    _send_letters()
    assert fees.fee_cycle_delete(today=D(2026, 4, 7)) == 0
    charge.refresh_from_db()
    assert (charge.reminded_on, charge.reminder_deadline) == (D(2026, 4, 7), D(2026, 4, 28))
    set_today(D(2026, 4, 29))
    assert fees.fee_cycle_delete(today=D(2026, 4, 29)) == 1


def test_the_fee_cycle_is_scheduled_daily():
    tasks = {task.args: task for task in PeriodicTask.objects.filter(task="letters.run_job")}
    for name in ("waitinglists.fee_charge", "waitinglists.fee_remind", "waitinglists.fee_delete"):
        task = tasks[f'["{name}"]']
        assert task.enabled and task.crontab is not None
        assert (task.crontab.day_of_week, task.crontab.day_of_month) == ("*", "*")


@pytest.mark.rule("R3.3")
def test_the_reminder_states_the_deletion_rule_and_the_deadline(general_list, org_a, set_today):
    # A new version of the fee rules from 2026 (the 2020 version stays for older charges).
    FeeScheduleFactory(controller=org_a.tenant, valid_from=D(2026, 1, 1), update_fee=Decimal("1234.50"))
    entry = EntryFactory(waiting_list=general_list)
    _cycle(DUE)
    set_today(REMIND)
    _cycle(REMIND)
    letter = Letter.objects.get(kind="fee_reminder")
    assert letter.recipient_id == entry.person_id
    assert letter.idempotency_key == f"fee-reminder:{_update_charge(entry).pk}"
    assert "slettet fra ventelisten" in letter.body_html
    assert "05.04.2026" in letter.body_html  # the deadline
    assert "01.03.2026" in letter.body_html  # the due date
    assert "1.234,50" in letter.body_html
    assert letter.legal_notice


@pytest.mark.rule("R3.3")
def test_the_deadline_day_still_counts_the_day_after_deletes(general_list, set_today):
    entry = EntryFactory(waiting_list=general_list)
    _cycle(DUE)
    set_today(REMIND)
    _cycle(REMIND)
    set_today(DEADLINE)
    assert _cycle(DEADLINE) == (0, 0, 0)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE
    set_today(AFTER_DEADLINE)
    assert _cycle(AFTER_DEADLINE) == (0, 0, 1)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED
    letter = Letter.objects.get(kind="deletion_notice")
    assert "06.04.2026" in letter.body_html and "anciennitet" in letter.body_html


@pytest.mark.rule("R3.3")
def test_a_payment_on_the_deadline_day_prevents_deletion(caseworker_a, general_list, set_today):
    entry = EntryFactory(waiting_list=general_list)
    _cycle(DUE)
    set_today(REMIND)
    _cycle(REMIND)
    set_today(DEADLINE)
    payment = _pay(caseworker_a, entry, "150.00", DEADLINE)
    charge = _update_charge(entry)
    assert (charge.state, charge.paid_on) == (ChargeState.PAID, DEADLINE)
    entry.refresh_from_db()
    assert entry.paid_until == D(2027, 2, 28)  # the day before the next due date
    assert (payment.years, payment.source, payment.registered_by) == (1, PaymentSource.MANUAL, caseworker_a)
    set_today(AFTER_DEADLINE)
    assert _cycle(AFTER_DEADLINE) == (0, 0, 0)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ACTIVE
    # Next year the fee is due again.
    set_today(D(2027, 3, 1))
    assert _cycle(D(2027, 3, 1)) == (1, 0, 0)


@pytest.mark.rule("R3.3")
def test_a_prepaid_entry_gets_no_charge(general_list, set_today):
    covered = EntryFactory(waiting_list=general_list, paid_until=DUE)  # covers the due date itself
    not_covered = EntryFactory(waiting_list=general_list, paid_until=DUE - datetime.timedelta(days=1))
    assert fees.fee_cycle_charge(today=DUE) == 1
    assert not FeeCharge.objects.filter(entry=covered).exists()
    assert FeeCharge.objects.filter(entry=not_covered).exists()


# --- Payments and prepayment ------------------------------------------------------------------


@pytest.mark.rule("R3.3")
def test_prepayment_for_5_years_is_accepted_6_refused(caseworker_a, general_list, set_today):
    entry = EntryFactory(waiting_list=general_list)
    _cycle(DUE)  # this year's fee is open: it is the first of the years paid for
    with pytest.raises(ValidationError) as refused:
        _pay(caseworker_a, entry, "900.00", DUE, years=6)
    assert "§ 3, stk. 3" in refused.value.message_dict["years"][0]
    assert not Payment.objects.exists()

    payment = _pay(caseworker_a, entry, "750.00", DUE, years=5)  # 150 open + 4 × 150
    entry.refresh_from_db()
    assert (payment.years, entry.paid_until) == (5, D(2031, 2, 28))
    assert _update_charge(entry).state == ChargeState.PAID
    for year in range(2027, 2031):
        assert fees.fee_cycle_charge(today=D(year, 3, 1)) == 0
    assert fees.fee_cycle_charge(today=D(2031, 3, 1)) == 1


@pytest.mark.rule("R3.3")
def test_prepayment_with_nothing_open_pays_every_year_at_the_update_fee(
    caseworker_a, general_list, set_today
):
    entry = EntryFactory(waiting_list=general_list, paid_until=D(2027, 2, 28))
    _pay(caseworker_a, entry, "300.00", DUE, years=2)  # 2027 and 2028
    entry.refresh_from_db()
    assert entry.paid_until == D(2029, 2, 28)


@pytest.mark.rule("R3.3")
def test_a_wrong_amount_is_refused_with_the_expected_amount(caseworker_a, general_list, set_today):
    entry = EntryFactory(waiting_list=general_list)
    _cycle(DUE)
    with pytest.raises(ValidationError) as refused:
        _pay(caseworker_a, entry, "400.00", DUE, years=3)
    message = refused.value.message_dict["amount"][0]
    assert "450,00" in message or "450.00" in message
    assert not Payment.objects.exists()
    assert _update_charge(entry).state == ChargeState.OPEN


@pytest.mark.rule("R3.3")
def test_payment_settles_the_registration_fee_first(caseworker_a, general_list, person_a, set_today):
    set_today(D(2025, 6, 1))
    entry = entry_register(
        actor=caseworker_a,
        reason="Opskrivning",
        waiting_list=general_list,
        person=person_a,
        wishes=Wishes(),
        send_letter=False,
    )
    registration = FeeCharge.objects.get(entry=entry, kind=ChargeKind.REGISTRATION)
    _pay(caseworker_a, entry, "100.00", D(2025, 6, 1))
    registration.refresh_from_db()
    entry.refresh_from_db()
    assert registration.state == ChargeState.PAID
    assert entry.paid_until == D(2026, 2, 28)  # until the first update fee, in the next year
    set_today(DUE)
    assert fees.fee_cycle_charge(today=DUE) == 1


def test_payments_need_write_rights_and_a_living_entry(
    caseworker_a, caseworker_b, read_only_a, general_list, set_today
):
    entry = EntryFactory(waiting_list=general_list)
    _cycle(DUE)
    for actor in (caseworker_b, read_only_a):
        with pytest.raises(PermissionDenied):
            _pay(actor, entry, "150.00", DUE)
    with pytest.raises(ValidationError):
        _pay(caseworker_a, entry, "150.00", DUE + datetime.timedelta(days=1))  # in the future
    set_today(REMIND)
    _cycle(REMIND)
    set_today(AFTER_DEADLINE)
    fees.fee_cycle_delete(today=AFTER_DEADLINE)
    with pytest.raises(ValidationError, match=r"(reinstate|genindsæt)"):
        _pay(caseworker_a, entry, "150.00", AFTER_DEADLINE)


# --- The bank file ----------------------------------------------------------------------------


@pytest.fixture
def bank_entries(general_list, org_b, set_today):
    """Two entries of org A with this year's fee open, one of org B (also open)."""
    FeeScheduleFactory(controller=org_b.tenant)
    list_b = WaitingListFactory(controller=org_b.tenant, name="Beta venteliste")
    first = EntryFactory(waiting_list=general_list)
    second = EntryFactory(waiting_list=general_list)
    foreign = EntryFactory(waiting_list=list_b)
    fees.fee_cycle_charge(today=DUE)
    set_today(D(2026, 3, 10))
    return first, second, foreign


def _bank_file(*lines: str) -> str:
    return "\n".join(["date;amount;reference;transaction_id", *lines]) + "\n"


@pytest.mark.rule("R3.3")
def test_bank_file_matched_unmatched_and_foreign_references(caseworker_a, bank_entries):
    first, second, foreign = bank_entries
    text = _bank_file(
        f"2026-03-02;150,00;{first.payment_reference};TX-1",
        "2026-03-02;150.00;0000099999;TX-2",
        f"2026-03-03;150,00;{foreign.payment_reference};TX-3",
        "",
        f'2026-03-04;"300,00";{second.payment_reference};TX-4',
    )
    result = fees.bank_file_import(actor=caseworker_a, file_text=text)
    assert result.imported and not result.errors and not result.rejected
    assert [(line.line_no, line.transaction_id) for line in result.matched] == [(2, "TX-1"), (6, "TX-4")]
    assert [line.line_no for line in result.unmatched] == [3, 4]
    # The other tenant's entry is reported exactly like an unknown reference.
    assert result.unmatched[1].entry_id is None and result.unmatched[1].message == ""
    assert _update_charge(foreign).state == ChargeState.OPEN
    assert not Payment.objects.filter(entry=foreign).exists()
    payment = Payment.objects.get(bank_reference="TX-1")
    assert (payment.entry, payment.amount, payment.source) == (
        first,
        Decimal("150.00"),
        PaymentSource.BANK_FILE,
    )
    assert payment.paid_on == D(2026, 3, 2)
    second.refresh_from_db()
    assert Payment.objects.get(bank_reference="TX-4").years == 2
    assert second.paid_until == D(2028, 2, 29)  # 2026 and 2027 paid; due again 1 March 2028 (leap year)

    # The same file again registers nothing twice.
    again = fees.bank_file_import(actor=caseworker_a, file_text=text)
    assert [line.line_no for line in again.duplicates] == [2, 6]
    assert not again.matched
    assert Payment.objects.count() == 2


@pytest.mark.rule("R3.3")
def test_bank_file_with_a_malformed_line_imports_nothing(caseworker_a, bank_entries):
    first, second, _foreign = bank_entries
    text = _bank_file(
        f"2026-03-02;150,00;{first.payment_reference};TX-1",
        f"2026-02-30;150,00;{second.payment_reference};TX-2",
        f"2026-03-02;15O,00;{second.payment_reference};TX-3",
        "2026-03-02;150,00",
    )
    result = fees.bank_file_import(actor=caseworker_a, file_text=text)
    assert not result.imported
    assert [line.line_no for line in result.errors] == [3, 4, 5]
    assert result.errors[0].message.startswith("Line 3") or "3" in result.errors[0].message
    assert "2026-02-30" in result.errors[0].message
    assert not Payment.objects.exists()
    assert _update_charge(first).state == ChargeState.OPEN

    bad_header = fees.bank_file_import(actor=caseworker_a, file_text="dato,beløb\n2026-03-02,150\n")
    assert [line.line_no for line in bad_header.errors] == [1]


@pytest.mark.rule("R3.3")
def test_bank_file_dry_run_changes_nothing(caseworker_a, bank_entries):
    first, _second, _foreign = bank_entries
    text = _bank_file(f"2026-03-02;150,00;{first.payment_reference};TX-1")
    result = fees.bank_file_import(actor=caseworker_a, file_text=text, dry_run=True)
    assert result.dry_run and not result.imported
    assert [line.transaction_id for line in result.matched] == ["TX-1"]
    assert result.matched[0].payment_id is None
    assert not Payment.objects.exists()
    first.refresh_from_db()
    assert first.paid_until is None
    assert _update_charge(first).state == ChargeState.OPEN
    assert _update_charge(first).history.count() == 1
    # The real import afterwards registers it.
    assert fees.bank_file_import(actor=caseworker_a, file_text=text).matched


@pytest.mark.rule("R3.3")
def test_bank_file_line_with_a_wrong_amount_is_rejected_for_manual_handling(caseworker_a, bank_entries):
    first, second, _foreign = bank_entries
    text = _bank_file(
        f"2026-03-02;150,00;{first.payment_reference};TX-1",
        f"2026-03-02;120,00;{second.payment_reference};TX-2",
    )
    result = fees.bank_file_import(actor=caseworker_a, file_text=text)
    assert result.imported
    assert [line.transaction_id for line in result.matched] == ["TX-1"]
    assert [line.line_no for line in result.rejected] == [3]
    assert "150" in result.rejected[0].message
    assert list(Payment.objects.values_list("bank_reference", flat=True)) == ["TX-1"]


# --- Reinstating ------------------------------------------------------------------------------


def _deleted_for_non_payment(general_list, set_today, **kwargs) -> Entry:
    entry = EntryFactory(waiting_list=general_list, seniority_date=D(2019, 8, 1), **kwargs)
    _cycle(DUE)
    set_today(REMIND)
    _cycle(REMIND)
    set_today(AFTER_DEADLINE)
    _cycle(AFTER_DEADLINE)
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED
    return entry


@pytest.mark.rule("R3.3")
def test_reinstating_restores_the_entry_with_its_seniority(caseworker_a, general_list, set_today):
    entry = _deleted_for_non_payment(general_list, set_today)
    set_today(D(2026, 4, 10))
    fees.entry_reinstate(actor=caseworker_a, reason="Betalingen var modtaget rettidigt", entry=entry)
    entry.refresh_from_db()
    assert (entry.status, entry.deleted_on, entry.deletion_reason) == (EntryStatus.ACTIVE, None, "")
    assert entry.seniority_date == D(2019, 8, 1)
    charge = _update_charge(entry)
    assert charge.state == ChargeState.REMINDED
    assert charge.reminder_deadline == D(2026, 5, 1)  # a fresh deadline: not deleted again tonight
    latest = entry.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        caseworker_a,
        "Betalingen var modtaget rettidigt",
    )
    set_today(D(2026, 4, 11))
    assert _cycle(D(2026, 4, 11)) == (0, 0, 0)
    _pay(caseworker_a, entry, "150.00", D(2026, 4, 11))
    assert _update_charge(entry).state == ChargeState.PAID


@pytest.mark.rule("R3.3")
def test_reinstating_is_refused_when_a_newer_place_exists(
    caseworker_a, caseworker_b, general_list, set_today
):
    entry = _deleted_for_non_payment(general_list, set_today)
    newer = EntryFactory(waiting_list=general_list, person=entry.person, registered_on=D(2026, 4, 7))
    with pytest.raises(PermissionDenied):
        fees.entry_reinstate(actor=caseworker_b, reason="Fejl", entry=entry)
    with pytest.raises(ValidationError) as refused:
        fees.entry_reinstate(actor=caseworker_a, reason="Fejl", entry=entry)
    assert str(newer.pk) in refused.value.messages[0]
    assert "one place per list" in refused.value.messages[0] or "én plads" in refused.value.messages[0]
    entry.refresh_from_db()
    assert entry.status == EntryStatus.DELETED
    with pytest.raises(ValidationError):
        fees.entry_reinstate(actor=caseworker_a, reason="Fejl", entry=newer)  # not deleted


# --- The fee rules of §§ 2 and 9 --------------------------------------------------------------


@pytest.mark.rule("R9.2")
def test_rehoused_outside_keeps_internal_seniority_while_paying(caseworker_a, internal_list, set_today):
    paying = EntryFactory(waiting_list=internal_list, rehoused_outside=True, seniority_date=D(2015, 1, 1))
    not_paying = EntryFactory(waiting_list=internal_list, rehoused_outside=True, seniority_date=D(2015, 1, 1))
    assert fees.fee_cycle_charge(today=DUE) == 2  # charged like anyone
    set_today(D(2026, 3, 5))
    _pay(caseworker_a, paying, "150.00", D(2026, 3, 5))
    set_today(REMIND)
    _cycle(REMIND)
    set_today(AFTER_DEADLINE)
    _cycle(AFTER_DEADLINE)
    paying.refresh_from_db()
    not_paying.refresh_from_db()
    assert (paying.status, paying.seniority_date) == (EntryStatus.ACTIVE, D(2015, 1, 1))
    assert (not_paying.status, not_paying.deletion_reason) == (EntryStatus.DELETED, DeletionReason.UNPAID_FEE)


@pytest.mark.rule("R2.2")
def test_ghetto_area_internal_admission_without_registration_fee(
    caseworker_a, internal_list, person_a, set_today
):
    set_today(D(2025, 6, 1))
    entry = entry_register(
        actor=caseworker_a,
        reason="Optaget på oprykningsventelisten uden gebyr (hårdt ghettoområde)",
        waiting_list=internal_list,
        person=person_a,
        wishes=Wishes(),
        fee_exempt_registration=True,
        send_letter=False,
    )
    assert not FeeCharge.objects.filter(entry=entry, kind=ChargeKind.REGISTRATION).exists()
    set_today(DUE)
    assert fees.fee_cycle_charge(today=DUE) == 1  # the update fee is not exempt
    assert _update_charge(entry).amount == Decimal("150.00")


@pytest.mark.rule("R2.3", "R2.4")
def test_andels_members_no_registration_fee_but_update_fees(caseworker_a, internal_list, person_a, set_today):
    set_today(D(2025, 6, 1))
    entry = entry_register(
        actor=caseworker_a,
        reason="Andelsmedlem pr. 1. januar 2010",
        waiting_list=internal_list,
        person=person_a,
        wishes=Wishes(),
        andels_member_since=D(2008, 9, 1),
        andels_tenant_on_cutoff=True,
        andels_general_list_on=D(2010, 2, 1),
        send_letter=False,
    )
    assert (entry.seniority_date, entry.seniority_basis) == (D(2008, 9, 1), SeniorityBasis.ANDELS_2010)
    assert entry.fee_exempt_registration
    assert not FeeCharge.objects.filter(entry=entry, kind=ChargeKind.REGISTRATION).exists()
    set_today(DUE)
    assert fees.fee_cycle_charge(today=DUE) == 1
    _pay(caseworker_a, entry, "150.00", DUE)
    entry.refresh_from_db()
    assert entry.paid_until == D(2027, 2, 28)


def test_each_controller_follows_its_own_fee_rules(general_list, org_b, set_today):
    FeeScheduleFactory(controller=org_b.tenant, due_month=6, due_day=1, update_fee=Decimal("75.00"))
    list_b = WaitingListFactory(controller=org_b.tenant)
    entry_a = EntryFactory(waiting_list=general_list)
    entry_b = EntryFactory(waiting_list=list_b, person=PersonFactory(controller=org_b.tenant))
    assert fees.fee_cycle_charge(today=DUE) == 1
    assert not FeeCharge.objects.filter(entry=entry_b).exists()
    assert fees.fee_cycle_charge(today=D(2026, 6, 1)) == 1
    assert _update_charge(entry_a).amount == Decimal("150.00")
    charge_b = _update_charge(entry_b)
    assert (charge_b.amount, charge_b.due_date) == (Decimal("75.00"), D(2026, 6, 1))
