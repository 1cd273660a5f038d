"""R3.6: the lease names the letter that informs the tenant of the right to keep the seniority;
the rights themselves become ``waitinglists.KeepSeniorityRight`` rows.

Before, the lease stored "informed on" as the signing day although the letter was only queued,
and a deadline counted from it. Leases that gave such a right get a ``KeepSeniorityRight`` for
the entry the lease was won from, naming the lease's confirmation letter (``lease:<pk>``) as the
information: the 8 days now count from the day that letter actually left. The lease
confirmation template gets a version that says so.
"""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.utils import timezone

REASON = "Fristen på 8 dage regnes fra den dag, den skriftlige information faktisk er sendt (§ 3, stk. 6)"
FOOTER_CONTACT = (
    "<p>Har du spørgsmål, er du velkommen til at kontakte os. Husk at oplyse dit ansøgernummer "
    "{{ applicant_number }}.</p><p>Med venlig hilsen<br>{{ sender_name }}</p>"
)
SUBJECT = "Lejekontrakt: {{ dwelling_address }}"
BODY = (
    "<p>Kære {{ recipient_name }}</p>"
    "<p>Lejekontrakten om {{ dwelling_address }} er underskrevet den {{ signed_on }} med "
    "{{ landlord }}. Lejemålet begynder den {{ starts_on }}.</p>"
    "<p>Når du indgår en lejeaftale, bliver du slettet fra ventelisten, og din anciennitet bortfalder "
    "(bekendtgørelsens § 3, stk. 5).</p>"
    "{% if keep_seniority_until %}<h2>Du kan beholde din anciennitet</h2>"
    "<p>Efter {{ keep_rule }} kan du blive stående på {{ keep_lists }} med din anciennitet, hvis du "
    "ønsker det. Det er en betingelse, at du giver os besked senest {{ keep_days|default:8 }} dage efter, "
    "at lejeaftalen er indgået, og at du fremover betaler opdateringsgebyret.</p>"
    "<p><strong>Giv os besked senest den {{ keep_seniority_until }}.</strong> Fristen regnes fra den "
    "dag, dette brev er sendt til dig, hvis det er senere end den dag, lejeaftalen blev indgået; sendes "
    "brevet senere end den dag, det er dateret, rykkes fristen tilsvarende (§ 3, stk. 6, 4. pkt.).</p>"
    "{% endif %}" + FOOTER_CONTACT
)


def forwards(apps, schema_editor):
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    system = User.objects.get(username=settings.SYSTEM_USERNAME)
    LetterTemplate = apps.get_model("letters", "LetterTemplate")
    HistoricalLetterTemplate = apps.get_model("letters", "HistoricalLetterTemplate")
    last = LetterTemplate.objects.filter(kind="lease_confirmation").order_by("-version").first()
    if last is None or "keep_days" not in last.body:
        version = (last.version + 1) if last else 1
        template = LetterTemplate.objects.create(
            kind="lease_confirmation",
            version=version,
            subject=SUBJECT,
            body=BODY,
            created_by=system,
            note=REASON,
        )
        HistoricalLetterTemplate.objects.create(
            id=template.id,
            kind="lease_confirmation",
            version=version,
            subject=SUBJECT,
            body=BODY,
            created_at=template.created_at,
            created_by_id=system.id,
            note=REASON,
            history_date=timezone.now(),
            history_type="~" if last else "+",
            history_user=system,
            history_change_reason=REASON,
        )
    Lease = apps.get_model("allocation", "Lease")
    Letter = apps.get_model("letters", "Letter")
    Right = apps.get_model("waitinglists", "KeepSeniorityRight")
    HistoricalRight = apps.get_model("waitinglists", "HistoricalKeepSeniorityRight")
    SeniorityScheme = apps.get_model("waitinglists", "SeniorityScheme")
    for lease in Lease.objects.filter(keep_seniority_until__isnull=False, entry__isnull=False).select_related(
        "entry"
    ):
        letter = Letter.objects.filter(idempotency_key=f"lease:{lease.pk}").first()
        entry = lease.entry
        andels = entry.andels_member_since is not None and entry.andels_member_since <= _cutoff()
        scheme = (
            None
            if andels
            else SeniorityScheme.objects.filter(
                organisation_id=lease.landlord_id, kind="keep_on_lease", effective_from__lte=lease.signed_on
            )
            .order_by("-effective_from")
            .first()
        )
        if not andels and scheme is None:
            continue
        if Right.objects.filter(entry=entry, lease_signed_on=lease.signed_on).exists():
            continue
        right = Right.objects.create(
            entry=entry,
            controller_id=entry.controller_id,
            organisation_id=lease.landlord_id,
            rule="r3_6" if andels else "r3_7",
            scheme=scheme,
            lease_signed_on=lease.signed_on,
            information_letter=letter,
        )
        HistoricalRight.objects.create(
            id=right.id,
            entry_id=entry.id,
            controller_id=entry.controller_id,
            organisation_id=lease.landlord_id,
            rule=right.rule,
            scheme_id=scheme.id if scheme else None,
            lease_signed_on=lease.signed_on,
            information_letter_id=letter.id if letter else None,
            history_date=timezone.now(),
            history_type="+",
            history_user=system,
            history_change_reason=REASON,
        )
        if letter is not None:
            lease.seniority_information_letter = letter
            lease.save(update_fields=["seniority_information_letter"])


def _cutoff():
    # § 3, stk. 6: members of an almen andelsboligorganisation on 1 January 2010.
    return datetime.date(2010, 1, 1)


class Migration(migrations.Migration):
    dependencies = [
        ('allocation', '0015_youth_letting_guidelines'),
        ("letters", "0010_job_run_attention"),
        ("waitinglists", "0008_keep_seniority_right"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicallease",
            name="seniority_information_letter",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                null=True,
                on_delete=django.db.models.deletion.DO_NOTHING,
                related_name="+",
                to="letters.letter",
                verbose_name="written information on keeping the seniority (R3.6)",
            ),
        ),
        migrations.AddField(
            model_name="lease",
            name="seniority_information_letter",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="letters.letter",
                verbose_name="written information on keeping the seniority (R3.6)",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="historicallease",
            name="keep_seniority_until",
        ),
        migrations.RemoveField(
            model_name="historicallease",
            name="seniority_informed_on",
        ),
        migrations.RemoveField(
            model_name="lease",
            name="keep_seniority_until",
        ),
        migrations.RemoveField(
            model_name="lease",
            name="seniority_informed_on",
        ),
    ]
