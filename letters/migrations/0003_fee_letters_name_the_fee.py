"""Version 2 of the fee reminder: it names the fee that is unpaid (the registration fee or the
yearly update fee), since both are reminded and both lead to deletion (§ 3, stk. 3)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Rykkeren nævner hvilket gebyr der mangler (opskrivnings- eller opdateringsgebyr)"
SUBJECT = "Rykker: {{ fee_name|default:'opdateringsgebyret'|capfirst }} for din plads på ventelisten"
BODY = (
    "<p>Kære {{ recipient_name }}</p>"
    "<p>Vi har ikke modtaget {{ fee_name|default:'opdateringsgebyret' }} på {{ amount|default:'—' }} kr., "
    "som forfaldt {{ due_date|default:'—' }}.</p>"
    "<p><strong>Er gebyret ikke betalt senest {{ deadline|default:'—' }}, bliver du slettet fra "
    "ventelisten og mister din anciennitet</strong> (bekendtgørelse om udlejning af almene boliger § 3, "
    "stk. 3).</p>"
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)


def add_version(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system = User.objects.get(username=settings.SYSTEM_USERNAME)
    last = LetterTemplate.objects.filter(kind="fee_reminder").order_by("-version").first()
    if last is not None and "fee_name" in last.body:
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
        history_type="+",
        history_user=system,
        history_change_reason=REASON,
    )


class Migration(migrations.Migration):
    dependencies = [("letters", "0002_seed_templates_and_schedules")]

    operations = [migrations.RunPython(add_version, migrations.RunPython.noop)]
