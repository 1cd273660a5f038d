"""Danish letter templates for the letting (offers, the outcome, the lease with the R3.6 information,
the boliggarantibevis) and the daily job that closes offer rounds past their deadline."""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Breve til udlejning af ledige boliger"

FOOTER_CONTACT = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)

TEMPLATES = {
    "offer": (
        "Tilbud om bolig: {{ dwelling_address }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Vi kan tilbyde dig boligen <strong>{{ dwelling_address }}</strong> ({{ rooms }} værelser, "
        "{{ area }} m², husleje {{ rent }} kr. om måneden), ledig fra {{ vacant_from }}.</p>"
        "<p>Du er nr. {{ rank }} blandt dem, der får tilbuddet nu ({{ basis }}). Takker flere ja, får den "
        "bedst placerede boligen.</p>"
        "<p><strong>Svar senest {{ answer_deadline }}.</strong> Svarer du ikke, tæller det som et "
        "ubesvaret tilbud; efter {{ passive_after }} ubesvarede tilbud sættes din plads i bero.</p>"
        "<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>" + FOOTER_CONTACT,
    ),
    "offer_outcome": (
        "Boligen {{ dwelling_address }} er udlejet",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Tak for dit svar. Boligen {{ dwelling_address }} er udlejet til en ansøger, der stod før dig "
        "på listen. Din plads på ventelisten og din anciennitet er uændret.</p>" + FOOTER_CONTACT,
    ),
    "lease_confirmation": (
        "Lejekontrakt: {{ dwelling_address }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Lejekontrakten om {{ dwelling_address }} er underskrevet den {{ signed_on }} med "
        "{{ landlord }}. Lejemålet begynder den {{ starts_on }}.</p>"
        "{% if keep_seniority_until %}<p><strong>Du kan beholde din anciennitet på ventelisten.</strong> "
        "Giv os besked senest den {{ keep_seniority_until }} (8 dage efter underskriften), og betal fortsat "
        "opdateringsgebyret ({{ keep_rule }}). Ellers bortfalder din anciennitet.</p>"
        "{% else %}<p>Med lejekontrakten er du slettet fra {{ list_name }}, og din anciennitet er "
        "bortfaldet (bekendtgørelsens § 3, stk. 5).</p>{% endif %}" + FOOTER_CONTACT,
    ),
    "housing_guarantee": (
        "Boliggarantibevis",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du er fraflyttet {{ dwelling_address }} den {{ moved_out_on }}. {{ landlord }} giver dig et "
        "boliggarantibevis: står du på den almindelige venteliste, har du fortrinsret til en ledig bolig i "
        "afdelingen {{ department }} til og med den {{ valid_until }} (bekendtgørelsens § 6).</p>"
        "<p>{{ terms }}</p>" + FOOTER_CONTACT,
    ),
}

SCHEDULES = [
    ("Luk tilbudsrunder efter svarfristen", "allocation.offer_rounds_expire", {"minute": "15", "hour": "1"}),
]


def seed(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system = User.objects.get(username=settings.SYSTEM_USERNAME)
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
        ("allocation", "0002_letting"),
        ("letters", "0004_letting_letter_kinds"),
        ("waitinglists", "0003_fee_cycle_schedules"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
