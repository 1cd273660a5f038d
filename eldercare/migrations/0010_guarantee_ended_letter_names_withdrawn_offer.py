"""Version 2 of the letter that the plejebolig guarantee has ended (§ 18): since a changed need can now
be recorded while an offer awaits the answer, the letter says that a general-list offer awaiting the
answer, made on the plejebolig need the new decision replaced, is withdrawn. Earlier versions stay
as they were (letters keep the version they were rendered from)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

KIND = "elder_guarantee_ended"
REASON = "Brevet om ophør af plejeboliggarantien nævner et tilbud, der trækkes tilbage (§ 18)"

FOOTER = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os.</p>"
    "<p>Med venlig hilsen<br>{{ sender_name }}</p>"
)
GUIDANCE = "<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>"
SUBJECT = "Plejeboliggarantien er ophørt"
BODY = (
    "<p>Kære {{ recipient_name }}</p>"
    "<p>Kommunen har den {{ decided_on }} truffet ny afgørelse om dit behov: du har nu behov for "
    "{{ new_need }}.</p>"
    "<p>Da dit behov er ændret, før du har modtaget et tilbud om en plejebolig, er du ikke længere "
    "omfattet af garantien for tilbud inden for 2 måneder (bekendtgørelsens § 18). Du er slettet fra "
    "den generelle venteliste den {{ ended_on }}.</p>"
    "{% if withdrawn_offer %}<p>Kommunens tilbud om en plejebolig ({{ withdrawn_offer }}) blev givet ud fra "
    "dit tidligere behov. Tilbuddet er derfor trukket tilbage.</p>"
    "{% endif %}" + GUIDANCE + FOOTER
)


def add_version(apps, schema_editor):
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
        ("eldercare", "0009_r18_offer_received_need_changed_after_offer"),
        ("letters", "0007_elder_general_list_left_kind"),
    ]

    operations = [migrations.RunPython(add_version, migrations.RunPython.noop)]
