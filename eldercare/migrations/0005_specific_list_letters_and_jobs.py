"""Danish letter templates of the specific lists (§ 21: the place on the list on request, the fee
reminder and the deletion for non-payment; § 19: the decision on a free-choice application, with
the appeal guidance of § 24) and the daily fee jobs of the specific lists."""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Breve om de specifikke ventelister til ældreboliger"

FOOTER = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os.</p>"
    "<p>Med venlig hilsen<br>{{ sender_name }}</p>"
)

TEMPLATES = {
    "elder_list_position": (
        "Din placering på ventelisten: {{ list_name }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du har bedt om at få oplyst din placering på den specifikke venteliste til {{ list_name }} "
        "(bekendtgørelsens § 21, stk. 5).</p>"
        "<p><strong>Den {{ as_of }} er du nummer {{ position }} af {{ total }}</strong> på ventelisten, "
        "regnet efter den dato, du blev optaget ({{ joined_on }}).</p>"
        "<p>Ledige boliger anvises til den, der har størst behov for boligen. I behovsvurderingen indgår "
        "den enkeltes sociale, fysiske, psykiske og økonomiske forhold (bekendtgørelsens § 20, stk. 2). "
        "Placeringen er derfor ikke en garanti for, hvornår du får tilbudt en bolig.</p>" + FOOTER,
    ),
    "elder_list_fee_reminder": (
        "Rykker: gebyr for optagelse på flere specifikke ventelister",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Vi har ikke modtaget gebyret på {{ amount }} kr. for din optagelse på ventelisten til "
        "{{ list_name }}, som forfaldt {{ due_date }}. Gebyret opkræves, fordi du er optaget på flere "
        "specifikke ventelister (bekendtgørelsens § 21, stk. 2).</p>"
        "<p><strong>Er gebyret ikke betalt senest {{ deadline }}, bliver du slettet fra ventelisten</strong> "
        "(bekendtgørelsens § 21, stk. 3 og 4).</p>" + FOOTER,
    ),
    "elder_list_deletion": (
        "Du er slettet fra ventelisten: {{ list_name }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du er den {{ deletion_date }} slettet fra den specifikke venteliste til {{ list_name }}, fordi "
        "gebyret på {{ amount }} kr. ikke er betalt trods rykker (bekendtgørelsens § 21, stk. 3 og 4).</p>"
        + FOOTER,
    ),
    "elder_free_choice_decision": (
        "Afgørelse om din ansøgning om ældrebolig efter reglerne om frit valg",
        "<p>Kære {{ recipient_name }}</p>"
        "{% if approved %}"
        "<p>Du har søgt om {{ list_name }} efter reglerne om frit valg (bekendtgørelsens § 19). "
        "Betingelserne er opfyldt både i din bopælskommune og i vores kommune, og du er "
        "den {{ decided_on }} optaget på den specifikke venteliste.</p>"
        "{% else %}"
        "<p>Du har søgt om {{ list_name }} efter reglerne om frit valg (bekendtgørelsens § 19). Retten til "
        "frit valg forudsætter, at betingelserne er opfyldt både i bopælskommunen og i tilflytningskommunen "
        "(§ 19, stk. 2). Vi har den {{ decided_on }} givet dig afslag. Begrundelse: {{ reason }}</p>"
        "{% endif %}"
        "<h2>Klagevejledning</h2><p>Du kan klage over afgørelsen til Ankestyrelsen (bekendtgørelsens § 24). "
        "Klagen sendes til kommunen inden 4 uger efter, at du har modtaget afgørelsen. Kommunen genvurderer "
        "sagen og sender den videre til Ankestyrelsen, hvis afgørelsen fastholdes.</p>" + FOOTER,
    ),
}

SCHEDULES = [
    (
        "Rykker for gebyr på specifikke ventelister",
        "eldercare.specific_list_fee_remind",
        {"minute": "40", "hour": "6"},
    ),
    (
        "Slet ubetalte gebyrer på specifikke ventelister",
        "eldercare.specific_list_fee_delete",
        {"minute": "50", "hour": "6"},
    ),
]


def seed(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system, _created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "System", "last_name": "(automatisk kørsel)", "is_active": False},
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
        ("eldercare", "0004_lists_fees_outsiders_free_choice"),
        ("letters", "0006_elder_list_letter_kinds"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
