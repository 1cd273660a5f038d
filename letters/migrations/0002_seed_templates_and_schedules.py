"""Seed version 1 of the Danish letter templates and the job schedules (editable in the admin)."""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Første version indlæst ved installation"

FOOTER_CONTACT = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)

TEMPLATES = {
    "registration_confirmation": (
        "Bekræftelse af din opskrivning på venteliste",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du er nu skrevet op på {{ list_name|default:'ventelisten' }} med anciennitet fra "
        "{{ seniority_date|default:today }}. Dit ansøgernummer er {{ applicant_number }}.</p>"
        "<h2>Gebyrer</h2>"
        "<p>Opskrivningsgebyret er {{ registration_fee|default:'—' }} kr. For at blive stående på listen skal du "
        "hvert år betale et opdateringsgebyr på {{ update_fee|default:'—' }} kr. "
        "(forfald {{ update_due|default:'—' }}).</p>"
        "<h2>Rykker og sletning</h2>"
        "<p>Betaler du ikke opdateringsgebyret til tiden, sender vi en rykker. Rykkeren fortæller, hvornår "
        "gebyret senest skal være betalt. Er det ikke betalt inden da, bliver du slettet fra ventelisten og "
        "mister din anciennitet (bekendtgørelse om udlejning af almene boliger § 3, stk. 3).</p>" + FOOTER_CONTACT,
    ),
    "fee_reminder": (
        "Rykker: opdateringsgebyr for din plads på ventelisten",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Vi har ikke modtaget opdateringsgebyret på {{ amount|default:'—' }} kr., som forfaldt "
        "{{ due_date|default:'—' }}.</p>"
        "<p><strong>Er gebyret ikke betalt senest {{ deadline|default:'—' }}, bliver du slettet fra "
        "ventelisten og mister din anciennitet</strong> (bekendtgørelse om udlejning af almene boliger § 3, "
        "stk. 3).</p>" + FOOTER_CONTACT,
    ),
    "deletion_notice": (
        "Du er slettet fra ventelisten",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du er den {{ deletion_date|default:today }} slettet fra {{ list_name|default:'ventelisten' }}, "
        "fordi {{ deletion_reason|default:'opdateringsgebyret ikke er betalt' }}. Din anciennitet er "
        "bortfaldet.</p>" + FOOTER_CONTACT,
    ),
    "waiting_time": (
        "Forventet ventetid",
        "<p>Kære {{ recipient_name }}</p><p>{{ waiting_time_text|default:'' }}</p>" + FOOTER_CONTACT,
    ),
    "offer": (
        "Tilbud om bolig: {{ dwelling_address|default:'' }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Vi kan tilbyde dig boligen {{ dwelling_address|default:'' }}. Svar senest "
        "{{ answer_deadline|default:'—' }}.</p>" + FOOTER_CONTACT,
    ),
    "rejection_decision": (
        "Afgørelse om afvisning",
        "<p>Kære {{ recipient_name }}</p><p>{{ decision_text|default:'' }}</p>"
        "<h2>Klagevejledning</h2><p>{{ complaint_guidance|default:'' }}</p>" + FOOTER_CONTACT,
    ),
    "kommune_decision": (
        "Afgørelse fra kommunen",
        "<p>Kære {{ recipient_name }}</p><p>{{ decision_text|default:'' }}</p>"
        "<h2>Klagevejledning</h2><p>{{ complaint_guidance|default:'Du kan klage over afgørelsen til "
        "Ankestyrelsen. Klagen sendes til kommunen inden 4 uger.' }}</p>" + FOOTER_CONTACT,
    ),
    "guarantee_information": (
        "Information om plejeboliggarantien",
        "<p>Kære {{ recipient_name }}</p><p>{{ information_text|default:'' }}</p>" + FOOTER_CONTACT,
    ),
    "paakrav": (
        "Påkrav",
        "<p>Kære {{ recipient_name }}</p><p>{{ demand_text|default:'' }}</p>" + FOOTER_CONTACT,
    ),
    "opsigelse": (
        "Opsigelse af lejemål",
        "<p>Kære {{ recipient_name }}</p><p>{{ termination_text|default:'' }}</p>" + FOOTER_CONTACT,
    ),
    "general": (
        "{{ subject|default:'Brev' }}",
        "<p>Kære {{ recipient_name }}</p>{{ text|linebreaks }}" + FOOTER_CONTACT,
    ),
}

SCHEDULES = [
    # (name, job, kind, schedule)
    ("Send breve med Digital Post", "letters.dispatch", "interval", {"every": 1, "period": "minutes"}),
    ("Dagens udskriftsbundter (fysisk post)", "letters.print_batch", "crontab",
     {"minute": "0", "hour": "14", "day_of_week": "1-5", "day_of_month": "*", "month_of_year": "*"}),
]


def seed(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system, _ = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "System", "last_name": "(automatisk kørsel)", "is_active": False},
    )
    now = timezone.now()
    for kind, (subject, body) in TEMPLATES.items():
        if LetterTemplate.objects.filter(kind=kind).exists():
            continue
        template = LetterTemplate.objects.create(
            kind=kind, version=1, subject=subject, body=body, created_by=system, note=REASON
        )
        HistoricalLetterTemplate.objects.create(
            id=template.id, kind=kind, version=1, subject=subject, body=body, created_at=template.created_at,
            created_by_id=system.id, note=REASON, history_date=now, history_type="+", history_user=system,
            history_change_reason=REASON,
        )

    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, job, kind, spec in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        fields = {"name": name, "task": "letters.run_job", "args": json.dumps([job]), "enabled": True}
        if kind == "interval":
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(**spec)
        else:
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(timezone=settings.TIME_ZONE, **spec)
        PeriodicTask.objects.create(**fields)


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
