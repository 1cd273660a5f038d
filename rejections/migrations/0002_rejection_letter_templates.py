"""Issue 14, item 4: the words of the rejections' letters live in versioned letter templates instead
of in the code, which passes only data.

* ``rejection_decision``, a new version: the legal ground is stated from the ground's rule code
  (``ground``) and an R27 debt's amount (``debt_amount``), in the words the code wrote until now.
  A letter written before this version carried the ground's text as ``decision_text``; a resend of
  it (``letters.services.letter_resend`` renders the stored context with the current version) shows
  that text as it was.
* ``rejection_certificate_request`` (version 1): the request for criminal-record certificates (§ 29,
  stk. 1), until now a general letter.
* ``dispensation_decision`` (version 1): the kommune's R37.2 decision (``decision``: granted or
  refused) with its reasoning, until now a general kommune decision letter.
"""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

REASON = "Brevets tekst flyttet fra koden til en brevskabelon"

FOOTER_CONTACT = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)
GUIDANCE = "{% if complaint_guidance %}<h2>Klagevejledning</h2><p>{{ complaint_guidance }}</p>{% endif %}"

# The ground as the decision letter states it (the letter quotes the law).
GROUND = (
    "{% if decision_text %}{{ decision_text }}"
    "{% elif ground == 'R26' %}Boligen vil blive beboet af flere end 2 personer pr. beboelsesrum "
    "(bekendtgørelsens § 26)."
    "{% elif ground == 'R27' %}Du har forfalden gæld til boligorganisationen fra et tidligere eller "
    "nuværende lejeforhold (bekendtgørelsens § 27).{% if debt_amount %} Gælden er {{ debt_amount }} kr."
    "{% endif %}"
    "{% elif ground == 'R28' %}Du eller et medlem af din husstand har inden for to år før "
    "overtagelsesdagen fået opsagt eller ophævet et lejemål i det samme boligområde (bekendtgørelsens "
    "§ 28, stk. 1). Afvisningen indberettes til kommunen; indberetningen indeholder alene oplysning om, "
    "at en boligsøgende er afvist efter bestemmelsen."
    "{% elif ground == 'R29' %}Straffeattesterne indeholder tilførsler om kriminalitet, der vurderes at "
    "have betydning for trygheden i boligområdet (bekendtgørelsens § 29, stk. 2)."
    "{% elif ground == 'R30' %}Boligorganisationen har i et ganske særligt tilfælde rimelig grund til at "
    "modsætte sig udlejningen (bekendtgørelsens § 30)."
    "{% elif ground == 'R37' %}Boligen ligger i en afdeling, der er en del af et omdannelsesområde "
    "(tidligere: hårdt ghettoområde), og du og din eventuelle ægtefælle (eller samlever gennem mindst "
    "2 år) modtager selvforsørgelses- og hjemrejseydelse, overgangsydelse, uddannelseshjælp eller "
    "kontanthjælp (almenboliglovens § 51 c). Boligorganisationen skal derfor afvise udlejningen "
    "(bekendtgørelsens § 37, stk. 1). Kommunen kan i helt særlige tilfælde dispensere (§ 37, stk. 2)."
    "{% endif %}"
)
DECISION_TEXT = "{{ decision_text }}"

# The version in force when the text moved (allocation 0006, its guidance made conditional by
# letters 0009): used when an administrator has rewritten the template so that it no longer shows
# ``decision_text`` where the ground goes.
REJECTION_DECISION = (
    "Afgørelse: afvisning{% if dwelling_address %} – {{ dwelling_address }}{% endif %}",
    "<p>Kære {{ recipient_name }}</p>"
    "<p>Vi har den {{ decided_on|default:today }} besluttet at afvise at udleje "
    "boligen{% if dwelling_address %} <strong>{{ dwelling_address }}</strong>{% endif %} "
    "til dig.</p>"
    "<h2>Begrundelse</h2><p>" + DECISION_TEXT + "</p>"
    "{% if reasoning %}<p>{{ reasoning|linebreaksbr }}</p>{% endif %}"
    "<p>Afgørelsen gælder kun denne bolig. Din plads på ventelisten og din anciennitet er uændret.</p>"
    + GUIDANCE
    + FOOTER_CONTACT,
)

NEW_KINDS = {
    "rejection_certificate_request": (
        "Straffeattest: {{ dwelling_address }}",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>Boligen {{ dwelling_address }} ligger i et udsat boligområde. Før der kan indgås lejekontrakt, "
        "skal du fremlægge straffeattest for dig selv og for hvert medlem af din husstand "
        "(bekendtgørelsens § 29, stk. 1).</p>"
        "<p>Straffeattesten bestilles på politi.dk. Indeholder attesterne tilførsler om kriminalitet, der "
        "vurderes at have betydning for trygheden i boligområdet, kan vi afvise udlejningen (§ 29, "
        "stk. 2).</p>" + FOOTER_CONTACT,
    ),
    "dispensation_decision": (
        "Afgørelse fra kommunen",
        "<p>Kære {{ recipient_name }}</p>"
        "<p>{% if decision == 'granted' %}Kommunen dispenserer fra afvisningen efter bekendtgørelsens § 37, "
        "stk. 2.{% else %}Kommunen dispenserer ikke fra afvisningen efter bekendtgørelsens § 37, stk. 2."
        "{% endif %} {{ decision_reasoning|linebreaksbr }}</p>" + GUIDANCE + FOOTER_CONTACT,
    ),
}


def _new_version(LetterTemplate, HistoricalLetterTemplate, system, kind, subject, body):
    last = LetterTemplate.objects.filter(kind=kind).order_by("-version").first()
    if last is not None and last.note == REASON:
        return
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


def seed(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    system, _created = User.objects.get_or_create(
        username=settings.SYSTEM_USERNAME,
        defaults={"first_name": "System", "last_name": "(automatisk kørsel)", "is_active": False},
    )
    # The decision letter keeps an administrator's wording where it still shows ``decision_text``.
    last = LetterTemplate.objects.filter(kind="rejection_decision").order_by("-version").first()
    subject, body = REJECTION_DECISION
    if last is not None and DECISION_TEXT in last.body:
        subject, body = last.subject, last.body
    _new_version(
        LetterTemplate,
        HistoricalLetterTemplate,
        system,
        "rejection_decision",
        subject,
        body.replace(DECISION_TEXT, GROUND, 1),
    )
    for kind, (subject, body) in NEW_KINDS.items():
        _new_version(LetterTemplate, HistoricalLetterTemplate, system, kind, subject, body)


class Migration(migrations.Migration):
    dependencies = [
        ("rejections", "0001_initial"),
        ("letters", "0013_decision_letter_kinds"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
