"""Danish letter templates of the plejebolig guarantee (§§ 15–18) and of the kommune's allocation of
elder dwellings with the appeal guidance to Ankestyrelsen (§ 24), and the daily deadline warning job."""

import json

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Breve om ældreboliger og plejeboliggarantien"

FOOTER = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os.</p>"
    "<p>Med venlig hilsen<br>{{ sender_name }}</p>"
)
GUIDANCE = "<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>"

TEMPLATES = {
    "elder_general_list": (
        "Du står på den generelle venteliste til plejebolig",
        "<p>Kære {{ recipient_name }}</p>"
        "{% if after_refusal %}"
        "<p>Kommunen modtog den {{ clock_started_on }} dit afslag på tilbuddet om en plejebolig. Du står "
        "fortsat på den generelle venteliste. Den hidtidige frist er annulleret, og en ny frist på 2 måneder "
        "løber fra den dag, kommunen modtog afslaget (bekendtgørelsens § 17).</p>"
        "{% else %}"
        "<p>Kommunen har den {{ decided_on }} truffet afgørelse om, at du har behov for en plejebolig eller "
        "en plads på plejehjem. Du er derfor optaget på den generelle venteliste (bekendtgørelsens § 15, "
        "stk. 1).</p>"
        "{% endif %}"
        "<p><strong>Kommunen skal tilbyde dig en plejebolig eller plejehjemsplads senest den {{ deadline }}"
        "</strong>, og boligen skal være klar til indflytning senest den {{ ready_by }} "
        "(bekendtgørelsens § 16).</p>"
        "<p>Siger du nej tak til et tilbud, bliver du stående på ventelisten, og en ny frist på 2 måneder "
        "løber fra den dag, kommunen modtager dit afslag.</p>" + FOOTER,
    ),
    "elder_no_guarantee": (
        "Plejeboliggarantien gælder ikke, når du vælger en bestemt bolig",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du har valgt at søge en bestemt plejebolig eller plejehjemsplads{% if chosen %} ({{ chosen }})"
        "{% endif %} efter reglerne om frit valg.</p>"
        "<p><strong>Vi skal oplyse dig om, at garantien for at få tilbudt en plejebolig eller "
        "plejehjemsplads inden for 2 måneder (almenboliglovens § 54 a, stk. 1, og servicelovens § 140 a, "
        "stk. 1) ikke gælder, når du vælger en bestemt bolig</strong> (bekendtgørelsens § 15, stk. 2).</p>"
        "<p>Ønsker du i stedet at stå på den generelle venteliste med garantien, kan du kontakte os.</p>"
        + FOOTER,
    ),
    "elder_guarantee_ended": (
        "Plejeboliggarantien er ophørt",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Kommunen har den {{ decided_on }} truffet ny afgørelse om dit behov: du har nu behov for "
        "{{ new_need }}.</p>"
        "<p>Da dit behov er ændret, før du har modtaget et tilbud om en plejebolig, er du ikke længere "
        "omfattet af garantien for tilbud inden for 2 måneder (bekendtgørelsens § 18). Du er slettet fra "
        "den generelle venteliste den {{ ended_on }}.</p>" + GUIDANCE + FOOTER,
    ),
    "elder_offer": (
        "Tilbud om bolig: {{ dwelling_address }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Kommunen tilbyder dig {{ dwelling_kind }} <strong>{{ dwelling_address }}</strong> "
        "({{ rooms }} værelser, {{ area }} m², husleje {{ rent }} kr. om måneden). Boligen er klar til "
        "indflytning den {{ ready_on }}. Lejekontrakten indgås med {{ landlord }}.</p>"
        "<p>Kommunen anviser ledige boliger til dem, der har størst behov for den pågældende bolig, ud fra en "
        "vurdering af sociale, fysiske, psykiske og økonomiske forhold (bekendtgørelsens § 20, stk. 2). "
        "Begrundelse: {{ reason }}</p>"
        "<p><strong>Svar senest den {{ answer_by }}.</strong></p>"
        "{% if on_general_list %}<p>Du står på den generelle venteliste. Siger du nej tak, bliver du stående "
        "på ventelisten, og en ny frist på 2 måneder for et nyt tilbud løber fra den dag, kommunen modtager "
        "dit afslag (bekendtgørelsens § 17).</p>{% endif %}" + GUIDANCE + FOOTER,
    ),
    "elder_allocation_decision": (
        "Afgørelse om anvisning af bolig: {{ dwelling_address }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du har takket ja til {{ dwelling_kind }} {{ dwelling_address }}. Kommunen har derfor truffet "
        "afgørelse om at anvise dig boligen fra den {{ ready_on }}. Lejekontrakten indgås med "
        "{{ landlord }}.</p>"
        "<p>Begrundelse: {{ reason }}</p>" + GUIDANCE + FOOTER,
    ),
}

SCHEDULES = [
    (
        "Advar kommunen før plejeboliggarantiens frister",
        "eldercare.guarantee_warnings",
        {"minute": "30", "hour": "6"},
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
        ("eldercare", "0002_needs_guarantee_allocation"),
        ("letters", "0005_elder_letter_kinds"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
