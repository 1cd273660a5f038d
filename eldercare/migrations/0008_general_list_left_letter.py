"""The Danish letter telling an elder that the place on the general list has ended because the elder
withdrew, moved to another kommune, or no longer needs a plejebolig (the last with the appeal
guidance of § 24, as it is a decision). No letter is written when the elder has died."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Brev om ophør af pladsen på den generelle venteliste"

FOOTER = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os.</p>"
    "<p>Med venlig hilsen<br>{{ sender_name }}</p>"
)

KIND = "elder_general_list_left"
SUBJECT = "Du står ikke længere på den generelle venteliste til plejebolig"
BODY = (
    "<p>Kære {{ recipient_name }}</p>"
    "{% if cause == 'withdrawn' %}"
    "<p>Vi bekræfter, at du har bedt om at blive slettet fra den generelle venteliste til plejebolig "
    "eller plejehjemsplads. Du er slettet den {{ ended_on }}, og garantien for tilbud inden for 2 måneder "
    "(bekendtgørelsens § 16) gælder derfor ikke længere for dig.</p>"
    "<p>Får du igen brug for en plejebolig, kan du kontakte kommunen og få dit behov vurderet på ny.</p>"
    "{% elif cause == 'moved' %}"
    "<p>Du er flyttet til en anden kommune. Du er derfor den {{ ended_on }} slettet fra vores generelle "
    "venteliste til plejebolig eller plejehjemsplads, og vores garanti for tilbud inden for 2 måneder "
    "(bekendtgørelsens § 16) gælder ikke længere.</p>"
    "<p>Har du fortsat brug for en plejebolig, skal du kontakte din nye bopælskommune.</p>"
    "{% else %}"
    "<p>Kommunen har vurderet, at du ikke længere har behov for en plejebolig eller plejehjemsplads. "
    "Du er derfor den {{ ended_on }} slettet fra den generelle venteliste, og garantien for tilbud inden "
    "for 2 måneder (bekendtgørelsens § 16) gælder ikke længere.</p>"
    "{% endif %}"
    "{% if note %}<p>{{ note }}</p>{% endif %}"
    "{% if complaint_guidance %}<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>{% endif %}" + FOOTER
)


def seed(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system, _created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "System", "last_name": "(automatisk kørsel)", "is_active": False},
    )
    last = LetterTemplate.objects.filter(kind=KIND).order_by("-version").first()
    if last is not None and last.note == REASON:
        return
    version = (last.version + 1) if last else 1
    template = LetterTemplate.objects.create(
        kind=KIND, version=version, subject=SUBJECT, body=BODY, created_by=system, note=REASON
    )
    HistoricalLetterTemplate.objects.create(
        id=template.id,
        kind=KIND,
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
    dependencies = [
        ("eldercare", "0007_end_cause_meets_guarantee"),
        ("letters", "0007_elder_general_list_left_kind"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
