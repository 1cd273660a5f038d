"""Offer rounds: the top N of the ranking offered the dwelling at once, with an answer deadline.
Among those who accept, the best-ranked wins; one open round per vacancy, enforced by the database."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.state_machine import StateMachine


class RoundState(models.TextChoices):
    OPEN = "open", _("Open for answers")
    DECIDED = "decided", _("Decided: let to the best-ranked acceptance")
    EXHAUSTED = "exhausted", _("Closed without an acceptance")
    CANCELLED = "cancelled", _("Cancelled")


class OfferRound(models.Model):
    vacancy = models.ForeignKey(
        "allocation.Vacancy", verbose_name=_("vacancy"), on_delete=models.PROTECT, related_name="rounds"
    )
    number = models.PositiveSmallIntegerField(_("round"))
    state = models.CharField(_("state"), max_length=10, choices=RoundState.choices, default=RoundState.OPEN)
    turn = models.CharField(_("turn"), max_length=10, blank=True)
    answer_deadline = models.DateField(_("answer by"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    history = HistoricalRecords()

    # A decided round loses its winner when the kommune refuses them and nobody else accepted
    # (``offers.winner_refused``), and is decided again when Ankestyrelsen overturns the refusal
    # (``offers.winner_restored``, R24): decided and exhausted are where a round ends, but not for good.
    states = StateMachine(
        field="state",
        label=_("The offer round's state"),
        transitions={
            RoundState.OPEN: {RoundState.DECIDED, RoundState.EXHAUSTED, RoundState.CANCELLED},
            RoundState.DECIDED: {RoundState.EXHAUSTED},
            RoundState.EXHAUSTED: {RoundState.DECIDED},
            RoundState.CANCELLED: set(),
        },
        final={RoundState.DECIDED, RoundState.EXHAUSTED},
    )

    class Meta:
        verbose_name = _("offer round")
        verbose_name_plural = _("offer rounds")
        ordering = ["vacancy", "number"]
        constraints = [
            models.UniqueConstraint(fields=["vacancy", "number"], name="offer_round_number_unique"),
            models.UniqueConstraint(
                fields=["vacancy"], condition=Q(state=RoundState.OPEN), name="one_open_round_per_vacancy"
            ),
        ]
        indexes = [models.Index(fields=["state", "answer_deadline"], name="round_deadline_idx")]

    def __str__(self) -> str:
        return f"{self.vacancy} – {self.number}"


class Answer(models.TextChoices):
    PENDING = "pending", _("Awaiting answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    NO_ANSWER = "no_answer", _("No answer by the deadline")
    WITHDRAWN = "withdrawn", _("Withdrawn (another applicant was let the dwelling)")
    # The kommune refused to approve the letting to this winner (R42.2, R42.4, R36.1, R12.1).
    KOMMUNE_REFUSED = "refused", _("The kommune refused to approve the letting")


class Offer(models.Model):
    round = models.ForeignKey(
        OfferRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="offers"
    )
    entry = models.ForeignKey(
        "waitinglists.Entry",
        verbose_name=_("waiting-list entry"),
        on_delete=models.PROTECT,
        related_name="offers",
    )
    rank = models.PositiveIntegerField(_("rank"))
    rule = models.CharField(_("placed by"), max_length=10)
    explanation = models.CharField(_("why"), max_length=500)
    answer = models.CharField(_("answer"), max_length=10, choices=Answer.choices, default=Answer.PENDING)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    # The applicant's answer while the round is open (a different answer corrects it), what the
    # round's close makes of it, and what the kommune's refusal of the winner (R42.2, R42.4, R36.1,
    # R12.1) and Ankestyrelsen's overturning of it (R24) change afterwards. An accepted, declined,
    # withdrawn or refused offer may rest there for good, though a later decision can move it on.
    answers = StateMachine(
        field="answer",
        label=_("The offer's answer"),
        transitions={
            Answer.PENDING: {
                Answer.ACCEPTED,
                Answer.DECLINED,
                Answer.NO_ANSWER,  # the deadline passed (``offers.close_locked_round``)
                Answer.WITHDRAWN,  # another applicant won the round
            },
            Answer.ACCEPTED: {
                Answer.DECLINED,  # corrected while the round is open
                Answer.WITHDRAWN,  # a better-ranked acceptance won, or a refused winner was restored
                Answer.KOMMUNE_REFUSED,
            },
            Answer.DECLINED: {Answer.ACCEPTED},  # corrected while the round is open
            Answer.NO_ANSWER: set(),
            Answer.WITHDRAWN: {Answer.ACCEPTED},  # the winner was refused: the next acceptance wins
            Answer.KOMMUNE_REFUSED: {Answer.ACCEPTED},  # the refusal was overturned (R24)
        },
        final={Answer.ACCEPTED, Answer.DECLINED, Answer.WITHDRAWN, Answer.KOMMUNE_REFUSED},
    )

    class Meta:
        verbose_name = _("offer")
        verbose_name_plural = _("offers")
        ordering = ["round", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["round", "entry"], name="one_offer_per_entry_and_round"),
        ]
        indexes = [models.Index(fields=["entry", "answer"], name="offer_entry_answer_idx")]

    def __str__(self) -> str:
        return f"{self.round} #{self.rank}"
