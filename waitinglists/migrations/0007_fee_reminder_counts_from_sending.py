"""R3.3: the reminder of an unpaid fee counts from the day it was actually sent.

* Version 3 of the fee reminder says that the deadline runs from the day the letter is sent.
* Charges reminded before this change get their reminder letter named; their reminder day and
  deadline move to the day the letter (or a resend of it) actually left — Digital Post, or a
  print batch confirmed as posted. A reminder that has not left yet has no deadline until it
  does, so it cannot lead to deletion. Each changed charge gets a history row with the reason.
"""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Rykkerens frist regnes fra den dag, rykkeren faktisk er sendt (§ 3, stk. 3)"
SUBJECT = "Rykker: {{ fee_name|default:'opdateringsgebyret'|capfirst }} for din plads på ventelisten"
BODY = (
    "<p>Kære {{ recipient_name }}</p>"
    "<p>Vi har ikke modtaget {{ fee_name|default:'opdateringsgebyret' }} på {{ amount|default:'—' }} kr., "
    "som forfaldt {{ due_date|default:'—' }}.</p>"
    "<p><strong>Er gebyret ikke betalt senest {{ deadline|default:'—' }}, bliver du slettet fra "
    "ventelisten og mister din anciennitet</strong> (bekendtgørelse om udlejning af almene boliger § 3, "
    "stk. 3).</p>"
    "{% if pay_within_days %}<p>Fristen er {{ pay_within_days }} dage fra den dag, dette brev bliver sendt "
    "til dig. Sendes brevet senere end den dag, det er dateret, rykkes fristen tilsvarende.</p>{% endif %}"
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)
LEFT = {"sent", "delivered", "printed"}


def _system(apps):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    return User.objects.get(username=settings.SYSTEM_USERNAME)


def add_template_version(apps, system):
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    last = LetterTemplate.objects.filter(kind="fee_reminder").order_by("-version").first()
    if last is not None and "pay_within_days" in last.body:
        return
    version = (last.version + 1) if last else 1
    template = LetterTemplate.objects.create(
        kind="fee_reminder", version=version, subject=SUBJECT, body=BODY, created_by=system, note=REASON
    )
    HistoricalLetterTemplate.objects.create(
        id=template.id,
        kind="fee_reminder",
        version=version,
        subject=SUBJECT,
        body=BODY,
        created_at=template.created_at,
        created_by_id=system.id,
        note=REASON,
        history_date=timezone.now(),
        history_type="~" if last else "+",
        history_user=system,
        history_change_reason=REASON,
    )


def _left_on(letter) -> datetime.date | None:
    if letter.state in ("sent", "delivered") and letter.sent_at:
        return timezone.localtime(letter.sent_at).date()
    if letter.state == "printed" and letter.printed_at:
        return timezone.localtime(letter.printed_at).date()
    return None


def _sent_day(Letter, letter) -> datetime.date | None:
    """The first day the letter or a resend of it left (resends followed through resends)."""
    days, layer = [], [letter]
    while layer:
        days.extend(day for day in (_left_on(item) for item in layer) if day)
        layer = list(Letter.objects.filter(resend_of__in=layer))
    return min(days) if days else None


def move_reminders(apps, system):
    FeeCharge = apps.get_model("waitinglists", "FeeCharge")
    HistoricalFeeCharge = apps.get_model("waitinglists", "HistoricalFeeCharge")
    Letter = apps.get_model("letters", "Letter")
    for charge in FeeCharge.objects.filter(state="reminded", reminder_letter__isnull=True).iterator():
        letter = Letter.objects.filter(idempotency_key=f"fee-reminder:{charge.pk}").first()
        if letter is None:  # reminded outside the system (an import): its dates stand
            continue
        sent_on = _sent_day(Letter, letter)
        charge.reminder_letter = letter
        if sent_on is None:
            charge.reminded_on = charge.reminder_deadline = None
        elif charge.reminded_on and charge.reminder_deadline:
            shift = sent_on - charge.reminded_on
            charge.reminded_on, charge.reminder_deadline = sent_on, charge.reminder_deadline + shift
        charge.save(update_fields=["reminder_letter", "reminded_on", "reminder_deadline"])
        HistoricalFeeCharge.objects.create(
            id=charge.id,
            entry_id=charge.entry_id,
            kind=charge.kind,
            period=charge.period,
            amount=charge.amount,
            due_date=charge.due_date,
            state=charge.state,
            reminded_on=charge.reminded_on,
            reminder_deadline=charge.reminder_deadline,
            paid_on=charge.paid_on,
            reminder_letter_id=letter.id,
            history_date=timezone.now(),
            history_type="~",
            history_user=system,
            history_change_reason=REASON,
        )


def forwards(apps, schema_editor):
    system = _system(apps)
    add_template_version(apps, system)
    move_reminders(apps, system)


class Migration(migrations.Migration):
    dependencies = [("waitinglists", "0006_fee_reminder_sent_from_letter")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
