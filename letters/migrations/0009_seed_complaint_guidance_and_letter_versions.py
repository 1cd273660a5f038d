"""Issue 12, item 13: the complaint guidance of each decision type, version 1, with its legal source
(bekendtgørelsens § 11 and § 24; "ingen klageadgang angivet i bekendtgørelsen" where the order
names none, and the text is then empty so the letter invents no route). New versions of the
letters that carry guidance show the "Klagevejledning" section only when there is a text, and the
kommune's letter to a housing organisation (§ 42, stk. 3) gets its first version."""

import datetime

from django.conf import settings
from django.db import migrations
from django.utils import timezone

GUIDANCE_REASON = "Klagevejledning efter bekendtgørelsens § 11 og § 24 (første version)"
TEMPLATE_REASON = "Klagevejledning kun hvor loven angiver en klageadgang"
# The day BEK 1360/2018 came into force (§ 43).
VALID_FROM = datetime.date(2018, 12, 1)
NONE_NAMED = "ingen klageadgang angivet i bekendtgørelsen"

GUIDANCE = {
    "family_allocation": (
        "Er du uenig i afgørelsen om tildeling af boligen, kan du indbringe sagen for beboerklagenævnet "
        "i kommunen. Beboerklagenævnet træffer afgørelse i tvister om anvisning af almene familieboliger "
        "(bekendtgørelsens § 11, jf. almenlejelovens § 101).",
        "bekendtgørelsens § 11 / almenlejelovens § 101",
    ),
    "family_allocation_approval_scheme": (
        "",
        f"{NONE_NAMED} (§ 11 gælder ikke, når anvisningen er omfattet af en kommunal godkendelsesordning "
        "efter almenboliglovens § 61, bekendtgørelsens § 42, stk. 1)",
    ),
    "youth_or_elder_allocation": (
        "",
        f"{NONE_NAMED} (§ 11 gælder tvister om anvisning af almene familieboliger)",
    ),
    "kommune_approval": ("", f"{NONE_NAMED} (§ 12, stk. 1 og 4, § 14, stk. 4, § 36, § 42)"),
    "kommune_income_refusal": ("", f"{NONE_NAMED} (§ 42, stk. 2 og 3)"),
    "kommune_refugee_refusal": ("", f"{NONE_NAMED} (§ 42, stk. 4)"),
    "kommune_benefits_refusal": ("", f"{NONE_NAMED} (§ 36, stk. 1)"),
    "kommune_startbolig_refusal": ("", f"{NONE_NAMED} (§ 12, stk. 1)"),
    "kommune_out_of_kind_refusal": ("", f"{NONE_NAMED} (§ 12, stk. 4, og § 14, stk. 4)"),
    "kommune_dispensation": ("", f"{NONE_NAMED} (§ 37, stk. 2)"),
    "elder_allocation": (
        "Du kan klage over kommunens afgørelse til Ankestyrelsen (bekendtgørelsens § 24). Klagen sendes "
        "til kommunen senest 4 uger efter, at du har modtaget afgørelsen. Kommunen vurderer afgørelsen "
        "igen; fastholder kommunen den, sender den klagen videre til Ankestyrelsen (lov om retssikkerhed og "
        "administration på det sociale område, kapitel 10). Du kan klage skriftligt eller mundtligt.",
        "bekendtgørelsens § 24 (retssikkerhedslovens kapitel 10)",
    ),
}

UNCONDITIONAL = "<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>"
CONDITIONAL = "{% if complaint_guidance %}<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>{% endif %}"

FOOTER_CONTACT = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)
KOMMUNE_DECISION = (
    "Afgørelse fra kommunen{% if dwelling_address %} – {{ dwelling_address }}{% endif %}",
    "<p>Kære {{ recipient_name }}</p>{{ decision_text|linebreaks }}" + CONDITIONAL + FOOTER_CONTACT,
)
KOMMUNE_DECISION_ORGANISATION = (
    "Kommunens afgørelse om udlejning{% if dwelling_address %} – {{ dwelling_address }}{% endif %}",
    "<p>Til {{ recipient_name }}</p>{{ decision_text|linebreaks }}"
    "{% if applicant_reference %}<p>Sagen angår ansøger {{ applicant_reference }}.</p>{% endif %}"
    + CONDITIONAL
    + "<p>Med venlig hilsen<br>{{ sender_name }}</p>",
)


def _new_version(LetterTemplate, HistoricalLetterTemplate, system, kind, subject, body):
    last = LetterTemplate.objects.filter(kind=kind).order_by("-version").first()
    if last is not None and last.note == TEMPLATE_REASON:
        return
    version = (last.version + 1) if last else 1
    template = LetterTemplate.objects.create(
        kind=kind, version=version, subject=subject, body=body, created_by=system, note=TEMPLATE_REASON
    )
    HistoricalLetterTemplate.objects.create(
        id=template.id,
        kind=kind,
        version=version,
        subject=subject,
        body=body,
        created_at=template.created_at,
        created_by_id=system.id,
        note=TEMPLATE_REASON,
        history_date=timezone.now(),
        history_type="+",
        history_user=system,
        history_change_reason=TEMPLATE_REASON,
    )


def seed(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    ComplaintGuidance = apps.get_model("letters", "ComplaintGuidance")
    HistoricalComplaintGuidance = apps.get_model("letters", "HistoricalComplaintGuidance")
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system, _created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME, defaults={"first_name": "System", "is_active": False}
    )
    for decision_type, (text, source) in GUIDANCE.items():
        if ComplaintGuidance.objects.filter(decision_type=decision_type).exists():
            continue
        row = ComplaintGuidance.objects.create(
            decision_type=decision_type,
            version=1,
            valid_from=VALID_FROM,
            text=text,
            legal_source=source,
            created_by=system,
            note=GUIDANCE_REASON,
        )
        HistoricalComplaintGuidance.objects.create(
            id=row.id,
            decision_type=decision_type,
            version=1,
            valid_from=VALID_FROM,
            text=text,
            legal_source=source,
            created_at=row.created_at,
            created_by_id=system.id,
            note=GUIDANCE_REASON,
            history_date=timezone.now(),
            history_type="+",
            history_user=system,
            history_change_reason=GUIDANCE_REASON,
        )
    # The offer and the rejection decision keep their wording; the guidance becomes conditional.
    for kind in ("offer", "rejection_decision"):
        last = LetterTemplate.objects.filter(kind=kind).order_by("-version").first()
        if last is not None and UNCONDITIONAL in last.body:
            _new_version(
                LetterTemplate,
                HistoricalLetterTemplate,
                system,
                kind,
                last.subject,
                last.body.replace(UNCONDITIONAL, CONDITIONAL),
            )
    _new_version(LetterTemplate, HistoricalLetterTemplate, system, "kommune_decision", *KOMMUNE_DECISION)
    _new_version(
        LetterTemplate,
        HistoricalLetterTemplate,
        system,
        "kommune_decision_organisation",
        *KOMMUNE_DECISION_ORGANISATION,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0008_letters_to_organisations_and_complaint_guidance"),
        ("allocation", "0006_rejection_letters_and_reports"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
