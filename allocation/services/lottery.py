"""The lottery among the qualified applicants of an advert (§ 38, R38.3): the auditor commits to a
secret seed and the published list, then reveals the seed; the order follows from both and anyone
can check it (``docs/lottery.md``, ``manage.py verify_lottery``)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from housing.audit import audited_save, require_reason

from ..models import Advert, LotteryDraw
from ..rules import lottery
from . import adverts


@transaction.atomic
def lottery_commit(*, actor, reason: str, advert: Advert) -> LotteryDraw:
    """The auditor closes the list of qualified applicants, draws a secret seed and publishes the
    commitment to both (``docs/lottery.md``, steps 1–3)."""
    require_reason(reason)
    advert = adverts.lock_advert(advert)
    vacancy = advert.vacancy
    adverts.require_auditor(actor, vacancy)
    adverts.require_open(vacancy)
    if adverts.lottery_of(advert) is not None:
        raise ValidationError(_("Lots have already been committed to for this advert."))
    if not adverts.interest_deadline_passed(advert):
        raise ValidationError(
            _("Lots are drawn after the deadline for written interest (%(day)s) has passed.")
            % {"day": adverts.short_date(advert.interest_deadline)}
        )
    pool = adverts.qualified_pool(
        advert,
        list(advert.interests.filter(qualified=True).select_related("person").order_by("id")),
        today=None,
    )
    if pool is None:
        raise ValidationError(
            _(
                "Only applicants outside the eligible group of this youth dwelling qualify: record first "
                "that the eligible group cannot take it (R12.3)."
            )
        )
    # § 12: for a youth dwelling the list holds the eligible group alone while any of it applied.
    applicants = [i.person.applicant_number for i in pool]
    if len(applicants) < 2:
        raise ValidationError(
            _("Lots are only drawn between several qualified applicants (R38.3); there are %(n)s.")
            % {"n": len(applicants)}
        )
    names = lottery.canonical_applicants(applicants)
    if len(names) != len(applicants):  # one controller: applicant numbers are unique
        raise ValidationError(_("Two applicants share an applicant number; correct the register first."))
    seed = lottery.new_seed()
    draw = LotteryDraw(
        advert=advert,
        algorithm=lottery.ALGORITHM,
        applicants=names,
        commitment=lottery.commitment(seed, names),
        committed_at=timezone.now(),
        committed_by=actor,
        seed=seed,
        seed_revealed=False,
    )
    try:
        with transaction.atomic():
            audited_save(draw, actor=actor, reason=reason)
    except IntegrityError as exc:
        raise ValidationError(_("Lots have already been committed to for this advert.")) from exc
    return draw


@transaction.atomic
def lottery_draw(*, actor, reason: str, advert: Advert) -> LotteryDraw:
    """The auditor reveals the seed; the order follows from it and the published list
    (``docs/lottery.md``, steps 4–5) and is checked against the commitment before it is stored."""
    require_reason(reason)
    advert = adverts.lock_advert(advert)
    vacancy = advert.vacancy
    adverts.require_auditor(actor, vacancy)
    adverts.require_open(vacancy)
    draw = LotteryDraw.objects.select_for_update().filter(advert=advert).first()
    if draw is None:
        raise ValidationError(_("Publish the commitment before drawing lots (R38.3)."))
    if draw.seed_revealed:
        raise ValidationError(_("Lots have already been drawn for this advert."))
    order = lottery.draw(draw.seed, draw.applicants)
    result = lottery.verify(draw.seed, draw.applicants, draw.commitment, order)
    if not result.ok:  # the stored seed or list no longer matches what was published
        raise ValidationError(
            _("The lottery does not verify: %(problems)s") % {"problems": "; ".join(result.problems)}
        )
    draw.order = order
    draw.seed_revealed = True
    draw.drawn_at = timezone.now()
    draw.drawn_by = actor
    audited_save(draw, actor=actor, reason=reason)
    # The winner is known once the lots are drawn: ``letting.workflow.lottery_draw`` sends a letting
    # that needs the kommune's approval to the kommune in this transaction, under this lock.
    return draw


def lottery_record(draw: LotteryDraw) -> dict:
    """The public record: before the draw the commitment and the list, afterwards also the seed
    and the order — the JSON ``manage.py verify_lottery FILE`` reads."""
    record = {
        "algorithm": draw.algorithm,
        "commitment": draw.commitment,
        "applicants": list(draw.applicants),
    }
    if draw.seed_revealed:
        record["seed"] = draw.seed
        record["order"] = list(draw.order or [])
    record["committed_at"] = draw.committed_at.isoformat()
    if draw.drawn_at:
        record["drawn_at"] = draw.drawn_at.isoformat()
    return record


def lottery_verify(draw: LotteryDraw) -> lottery.VerifyResult | None:
    """Re-run a drawn lottery from its published record; ``None`` before the draw."""
    if not draw.seed_revealed:
        return None
    return lottery.verify(draw.seed, draw.applicants, draw.commitment, draw.order or [])
