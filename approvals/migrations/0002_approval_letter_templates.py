"""Issue 14, item 4: the words of the kommune approvals' letters live in versioned letter templates,
one kind per letter, instead of in the code; the code passes only data (the dwelling's address, the
grounds and the refusal ground as rule codes, dates written out, the officer's reasons, and the
choice key ``approval`` of the promoted applicant's letter). Version 1 of each template has the
wording the code wrote until now.

The applicant's letters of a decision (approved, refused, lapsed) carry the complaint guidance of
the decision type when there is one (empty for these decisions: the bekendtgørelse names no route);
the organisation is told of a refusal and of a lapse by letters of its own (§ 42, stk. 3)."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Brevets tekst flyttet fra koden til en brevskabelon"

FOOTER_CONTACT = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)
GUIDANCE = "{% if complaint_guidance %}<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>{% endif %}"
APPLICANT_REFERENCE = "{% if applicant_reference %}<p>Sagen angår ansøger {{ applicant_reference }}.</p>{% endif %}"
ORGANISATION_FOOTER = "<p>Med venlig hilsen<br>{{ sender_name }}</p>"

# The grounds of the request (``grounds``, rule codes), as the letters name them, "; " between them.
GROUNDS = (
    "{% for ground in grounds %}{% if not forloop.first %}; {% endif %}"
    "{% if ground == 'R42.1' %}kommunen godkender hver udlejning (bekendtgørelsens § 42, stk. 1)"
    "{% elif ground == 'R36.1' %}kombineret udlejning (bekendtgørelsens § 36, stk. 1)"
    "{% elif ground == 'R12.1' %}boligen er en startbolig (bekendtgørelsens § 12, stk. 1)"
    "{% elif ground == 'R12.4' %}en ungdomsbolig udlejes som familie- eller ældrebolig "
    "(bekendtgørelsens § 12, stk. 4)"
    "{% elif ground == 'R14.4' %}en ældrebolig udlejes som familie- eller ungdomsbolig "
    "(bekendtgørelsens § 14, stk. 4)"
    "{% else %}{{ ground }}{% endif %}{% endfor %}"
)

# The refusal ground (``refusal_ground``, a rule code) as the applicant's letter states it.
REFUSAL_TO_APPLICANT = (
    "{% if refusal_ground == 'R42.2' %}der er et åbenbart misforhold mellem husstandens indkomst og "
    "huslejen (bekendtgørelsens § 42, stk. 2)"
    "{% elif refusal_ground == 'R42.4' %}kommunen afviser udlejning til flygtninge efter "
    "almenboliglovens § 62, stk. 1 (bekendtgørelsens § 42, stk. 4)"
    "{% elif refusal_ground == 'R36.1' %}du og din eventuelle ægtefælle (eller samlever gennem mindst 2 "
    "år) modtager selvforsørgelses- og hjemrejseydelse, overgangsydelse, uddannelseshjælp eller "
    "kontanthjælp og hver især har modtaget en af disse ydelser i 6 sammenhængende kalendermåneder, og "
    "kommunen har besluttet kombineret udlejning (almenboliglovens § 51 b, stk. 1 og 2, og "
    "bekendtgørelsens § 36, stk. 1)"
    "{% elif refusal_ground == 'R12.1' %}betingelserne for en startbolig er ikke opfyldt "
    "(bekendtgørelsens § 12, stk. 1)"
    "{% elif refusal_ground == 'R12.4' %}kommunen godkender ikke, at boligen udlejes som en anden "
    "boligtype (bekendtgørelsens § 12, stk. 4, eller § 14, stk. 4)"
    "{% else %}{{ refusal_ground }}{% endif %}"
)

# The refusal ground as the organisation's letter states it (third person).
REFUSAL_TO_ORGANISATION = (
    "{% if refusal_ground == 'R42.2' %}der er et åbenbart misforhold mellem husstandens indkomst og "
    "huslejen (bekendtgørelsens § 42, stk. 2)"
    "{% elif refusal_ground == 'R42.4' %}kommunen afviser udlejning til flygtninge efter "
    "almenboliglovens § 62, stk. 1 (bekendtgørelsens § 42, stk. 4)"
    "{% elif refusal_ground == 'R36.1' %}ansøgeren og en eventuel ægtefælle modtager en af de ydelser, "
    "der er nævnt i almenboliglovens § 51 b, stk. 1, og kommunen har besluttet kombineret udlejning "
    "(bekendtgørelsens § 36, stk. 1)"
    "{% elif refusal_ground == 'R12.1' %}betingelserne for en startbolig er ikke opfyldt "
    "(bekendtgørelsens § 12, stk. 1)"
    "{% elif refusal_ground == 'R12.4' %}kommunen godkender ikke, at boligen udlejes som en anden "
    "boligtype (bekendtgørelsens § 12, stk. 4, eller § 14, stk. 4)"
    "{% else %}{{ refusal_ground }}{% endif %}"
)

DECISION_SUBJECT = "Afgørelse fra kommunen{% if dwelling_address %} – {{ dwelling_address }}{% endif %}"
ORGANISATION_SUBJECT = (
    "Kommunens afgørelse om udlejning{% if dwelling_address %} – {{ dwelling_address }}{% endif %}"
)
LAPSE = (
    "inden fristen den {{ deadline }} (5 hverdage efter, at kommunen modtog sagen, "
    "bekendtgørelsens § 42, stk. 3)."
)

TEMPLATES = {
    "approval_approved": (
        DECISION_SUBJECT,
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Kommunen har godkendt udlejningen af {{ dwelling_address }} til dig (" + GROUNDS + "). "
        "Boligorganisationen kan nu indgå lejekontrakten med dig.</p>" + GUIDANCE + FOOTER_CONTACT,
    ),
    "approval_refused": (
        DECISION_SUBJECT,
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Kommunen afviser udlejningen af {{ dwelling_address }} til dig, fordi "
        + REFUSAL_TO_APPLICANT
        + ".</p><p>Begrundelse: {{ decision_reasons|linebreaksbr }}</p>"
        + GUIDANCE
        + FOOTER_CONTACT,
    ),
    "approval_lapsed": (
        DECISION_SUBJECT,
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Kommunen har ikke afvist udlejningen af {{ dwelling_address }} til dig " + LAPSE + " "
        "Udlejningen er derfor godkendt, og boligorganisationen kan indgå lejekontrakten med dig.</p>"
        + GUIDANCE
        + FOOTER_CONTACT,
    ),
    "approval_refused_organisation": (
        ORGANISATION_SUBJECT,
        "<p>Til {{ recipient_name }}</p>"
        "<p>Kommunen har den {{ decided_on }} afvist udlejningen af {{ dwelling_address }} til ansøgeren "
        "nedenfor, fordi " + REFUSAL_TO_ORGANISATION + ".</p>"
        "<p>Begrundelse: {{ decision_reasons|linebreaksbr }}</p>"
        "<p>Ansøgeren har fået afgørelsen skriftligt. Boligen kan ikke udlejes til ansøgeren.</p>"
        + APPLICANT_REFERENCE
        + GUIDANCE
        + ORGANISATION_FOOTER,
    ),
    "approval_lapsed_organisation": (
        ORGANISATION_SUBJECT,
        "<p>Til {{ recipient_name }}</p>"
        "<p>Kommunen har ikke afvist udlejningen af {{ dwelling_address }} til ansøgeren nedenfor "
        + LAPSE
        + " Kommunens mulighed for at afvise ansøgeren er dermed bortfaldet, og boligorganisationen kan "
        "indgå lejekontrakten.</p>" + APPLICANT_REFERENCE + GUIDANCE + ORGANISATION_FOOTER,
    ),
    "approval_promoted": (
        "Boligen {{ dwelling_address }} skal udlejes til dig",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Du har takket ja til boligen {{ dwelling_address }}. Kommunen har afvist udlejningen til den "
        "ansøger, der stod før dig, og boligen skal derfor nu udlejes til dig.</p>"
        "{% if approval == 'pending' %}"
        "<p>Udlejningen skal godkendes af kommunen (" + GROUNDS + "). Vi kontakter dig om lejekontrakten, "
        "når kommunen har godkendt udlejningen.</p>"
        "{% elif approval == 'pending_until_deadline' %}"
        "<p>Udlejningen skal godkendes af kommunen (" + GROUNDS + "). Kommunen kan afvise den senest den "
        "{{ deadline }} (bekendtgørelsens § 42, stk. 3). Vi kontakter dig om lejekontrakten, når kommunen "
        "har godkendt udlejningen, eller fristen er udløbet.</p>"
        "{% else %}<p>Vi kontakter dig om lejekontrakten.</p>{% endif %}" + FOOTER_CONTACT,
    ),
    "approval_overturned": (
        "Boligen {{ dwelling_address }} skal udlejes til dig",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Ankestyrelsen har omgjort kommunens afvisning af udlejningen af {{ dwelling_address }} til dig. "
        "Udlejningen er dermed godkendt, og boligen skal udlejes til dig. Vi kontakter dig om "
        "lejekontrakten.</p>" + FOOTER_CONTACT,
    ),
    "approval_overturned_stepped_back": (
        "Boligen {{ dwelling_address }} udlejes ikke til dig",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Ankestyrelsen har omgjort kommunens afvisning af den ansøger, der stod før dig til boligen "
        "{{ dwelling_address }}. Boligen skal derfor udlejes til denne ansøger og ikke til dig. Din plads "
        "på ventelisten og din anciennitet er uændret.</p>" + FOOTER_CONTACT,
    ),
}


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


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0001_initial"),
        ("letters", "0013_decision_letter_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
