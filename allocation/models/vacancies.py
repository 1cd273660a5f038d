"""Vacancies: a dwelling falling vacant, and the channel it is let through — with the reason — and
the stage its letting has reached (``Vacancy.stages``: stored, moved only by its state machine)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Dwelling, HousingOrganisation, Tenant
from housing.state_machine import StateMachine


class LettingChannel(models.TextChoices):
    LIST = "list", _("Letting from the waiting lists (§§ 2–11)")
    KOMMUNAL_ANVISNING = "kommunal_anvisning", _("Kommunal anvisning (R1.4)")
    ADVERTISING = "advertising", _("Letting by advertising (R1.6)")
    FLEXIBLE = "flexible", _("Flexible letting (R1.7)")
    REHOUSING = "rehousing", _("Rehousing (R1.5)")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the letting rules (R1.2–R1.3)")


class VacancyState(models.TextChoices):
    """Whether the vacancy is still to be let: follows the stage (``state_for_stage``)."""

    OPEN = "open", _("Open")
    LET = "let", _("Let")
    CANCELLED = "cancelled", _("Cancelled")


class VacancyStage(models.TextChoices):
    """Where the letting of the vacancy stands, from notice to lease."""

    OPEN = "open", _("Opened: no offers out")
    OFFERING = "offering", _("Offers out")
    WINNER_CHOSEN = "winner_chosen", _("Winner chosen")
    AWAITING_KOMMUNE = "awaiting_kommune", _("Awaiting the kommune's approval")
    READY = "ready", _("Ready for the lease")
    LET = "let", _("Let")
    CANCELLED = "cancelled", _("Cancelled")


def state_for_stage(stage: str) -> VacancyState:
    """The vacancy's state at a stage: let and cancelled end it, every other stage keeps it open."""
    if stage == VacancyStage.LET:
        return VacancyState.LET
    if stage == VacancyStage.CANCELLED:
        return VacancyState.CANCELLED
    return VacancyState.OPEN


# Every path the letting takes today (``allocation.services`` and ``letting.workflow``):
VACANCY_STAGES = StateMachine(
    field="stage",
    label=_("The vacancy's stage"),
    transitions={
        VacancyStage.OPEN: {
            VacancyStage.OFFERING,  # an offer round opens (offers.open_round_if_anyone)
            VacancyStage.WINNER_CHOSEN,  # the auditor draws the lots and names the winner (R38.3)
            VacancyStage.AWAITING_KOMMUNE,  # a tenant chosen outside a round is sent to the kommune
            VacancyStage.READY,  # the kommune names the tenant (R1.4); a refusal overturned (R24)
            VacancyStage.LET,  # a lease without a round and without an approval to wait for
            VacancyStage.CANCELLED,
        },
        VacancyStage.OFFERING: {
            VacancyStage.WINNER_CHOSEN,  # the round is decided
            VacancyStage.OPEN,  # the round closes without an acceptance
            VacancyStage.AWAITING_KOMMUNE,  # the organisation asks the kommune during a round
            VacancyStage.READY,  # a refused winner overturned (R24): the later round is cancelled
            VacancyStage.LET,  # a lease outside the lists (R2.5, R12.3) while a later round is open
            VacancyStage.CANCELLED,
        },
        VacancyStage.WINNER_CHOSEN: {
            VacancyStage.AWAITING_KOMMUNE,  # the letting needs the kommune's approval
            VacancyStage.READY,  # it needs none, or it is approved already
            VacancyStage.LET,
            VacancyStage.CANCELLED,
        },
        VacancyStage.AWAITING_KOMMUNE: {
            VacancyStage.READY,  # approved, or the R42.3 deadline lapsed
            VacancyStage.WINNER_CHOSEN,  # refused: the next acceptance in the round wins
            VacancyStage.OPEN,  # refused with nobody left in the round, or a tenant outside a round
            VacancyStage.LET,  # the lease of an approved applicant while another one's request waits
            VacancyStage.CANCELLED,
        },
        VacancyStage.READY: {
            VacancyStage.LET,  # the lease is signed (R1.10)
            VacancyStage.AWAITING_KOMMUNE,  # another applicant is sent to the kommune (R38.3 order)
            VacancyStage.CANCELLED,
        },
        VacancyStage.LET: set(),
        VacancyStage.CANCELLED: set(),
    },
)


class Vacancy(models.Model):
    """A dwelling that falls vacant when a tenancy ends. The channel is decided when the vacancy
    is opened (``allocation.services.vacancies.vacancy_open``) and the reason kept with it."""

    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT, related_name="vacancies"
    )
    organisation = models.ForeignKey(HousingOrganisation, on_delete=models.PROTECT, related_name="vacancies")
    # The organisation's data controller, on the row for tenant scoping.
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="vacancies")
    notice_date = models.DateField(_("notice given on"))
    move_out_date = models.DateField(_("vacant from"))
    state = models.CharField(
        _("state"), max_length=20, choices=VacancyState.choices, default=VacancyState.OPEN
    )
    stage = models.CharField(
        _("stage"),
        max_length=20,
        choices=VacancyStage.choices,
        default=VacancyStage.OPEN,
        help_text=_(
            "Where the letting stands: offers out (§§ 2–11), the winner chosen, awaiting the "
            "kommune's approval (R42.1, R36.1, R12.1, R12.4, R14.4; R42.3), ready for the lease "
            "(R1.10), let or cancelled. Changed only through the vacancy's state machine."
        ),
    )
    channel = models.CharField(_("letting channel"), max_length=30, choices=LettingChannel.choices)
    channel_reason = models.CharField(_("why this channel"), max_length=500)
    internal_turn = models.BooleanField(
        _("the internal list's turn (§ 7: every second vacant family dwelling)"), default=False
    )
    family_sequence = models.PositiveIntegerField(
        _("number among the organisation's list-let family vacancies"), null=True, blank=True
    )
    agreement = models.ForeignKey(
        "allocation.LettingAgreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vacancies",
    )
    previous_lease = models.ForeignKey(
        "allocation.Lease",
        verbose_name=_("the lease that ends"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ending_vacancies",
    )
    fallback_rule = models.CharField(
        _("let outside the eligible group under"),
        max_length=10,
        blank=True,
        help_text=_("R2.5, R12.3, R14.3 or R41: the next vacancy tries the eligible group again."),
    )
    fallback_reason = models.CharField(_("why outside the eligible group"), max_length=500, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    history = HistoricalRecords()

    stages = VACANCY_STAGES

    class Meta:
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        ordering = ["-move_out_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling"],
                condition=Q(state=VacancyState.OPEN),
                name="one_open_vacancy_per_dwelling",
            ),
            models.CheckConstraint(
                condition=Q(move_out_date__gte=models.F("notice_date")), name="vacancy_move_out_after_notice"
            ),
            # The state follows the stage (``state_for_stage``): they move together in one move().
            models.CheckConstraint(
                condition=Q(stage=VacancyStage.LET, state=VacancyState.LET)
                | Q(stage=VacancyStage.CANCELLED, state=VacancyState.CANCELLED)
                | (Q(state=VacancyState.OPEN) & ~Q(stage__in=[VacancyStage.LET, VacancyStage.CANCELLED])),
                name="vacancy_state_follows_stage",
            ),
        ]
        indexes = [
            models.Index(fields=["controller", "state"], name="vacancy_board_idx"),
            # The board: the user's organisations, one stage, the earliest vacant first.
            models.Index(fields=["organisation", "stage", "move_out_date"], name="vacancy_stage_board_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} ({self.move_out_date})"

    def get_absolute_url(self) -> str:
        return reverse("letting:vacancy_detail", args=[self.pk])
