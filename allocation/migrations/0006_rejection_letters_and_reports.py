"""Issue 7, rejections: a new version of the Danish rejection-decision letter (the ground, the
reasoning and the complaint guidance, R11) and the daily job that makes the R37.3 dispensation
reports from 1 July (idempotent; editable in the admin)."""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Afgørelse om afvisning med grund, begrundelse og klagevejledning"

FOOTER_CONTACT = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)

TEMPLATES = {
    "rejection_decision": (
        "Afgørelse: afvisning{% if dwelling_address %} – {{ dwelling_address }}{% endif %}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Vi har den {{ decided_on|default:today }} besluttet at afvise at udleje "
        "boligen{% if dwelling_address %} <strong>{{ dwelling_address }}</strong>{% endif %} "
        "til dig.</p>"
        "<h2>Begrundelse</h2><p>{{ decision_text }}</p>"
        "{% if reasoning %}<p>{{ reasoning|linebreaksbr }}</p>{% endif %}"
        "<p>Afgørelsen gælder kun denne bolig. Din plads på ventelisten og din anciennitet er uændret.</p>"
        "<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>" + FOOTER_CONTACT,
    ),
}

SCHEDULES = [
    (
        "Indberetning af dispensationer i hårde ghettoområder (1. juli)",
        "allocation.rejection_reports",
        {"minute": "40", "hour": "1"},
    ),
]


def seed(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system, _created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME, defaults={"first_name": "System", "is_active": False}
    )
    for kind, (subject, body) in TEMPLATES.items():
        last = LetterTemplate.objects.filter(kind=kind).order_by("-version").first()
        if last is not None and last.note == REASON:
            continue
        version = (last.version + 1) if last else 1
        template = LetterTemplate.objects.create(
            kind=kind, version=version, subject=subject, body=body, created_by=system, note=REASON
        )
        HistoricalLetterTemplate.objects.create(
            id=template.id,
            kind=kind,
            version=version,
            subject=subject,
            body=body,
            created_at=template.created_at,
            created_by_id=system.id,
            note=REASON,
            history_date=timezone.now(),
            history_type="+",
            history_user=system,
            history_change_reason=REASON,
        )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, job, spec in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            timezone=settings.TIME_ZONE, day_of_week="*", day_of_month="*", month_of_year="*", **spec
        )
        PeriodicTask.objects.create(
            name=name, task="letters.run_job", args=json.dumps([job]), enabled=True, crontab=crontab
        )


class Migration(migrations.Migration):
    dependencies = [
        ("allocation", "0005_approval_lapse_schedule"),
        ("letters", "0004_letting_letter_kinds"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
