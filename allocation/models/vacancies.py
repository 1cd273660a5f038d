"""Vacancies: a dwelling falling vacant, and the channel it is let through — with the reason."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Dwelling, HousingOrganisation, Tenant


class LettingChannel(models.TextChoices):
    LIST = "list", _("Letting from the waiting lists (§§ 2–11)")
    KOMMUNAL_ANVISNING = "kommunal_anvisning", _("Kommunal anvisning (R1.4)")
    ADVERTISING = "advertising", _("Letting by advertising (R1.6)")
    FLEXIBLE = "flexible", _("Flexible letting (R1.7)")
    REHOUSING = "rehousing", _("Rehousing (R1.5)")
    OUT_OF_SCOPE = "out_of_scope", _("Outside the letting rules (R1.2–R1.3)")


class VacancyState(models.TextChoices):
    OPEN = "open", _("Open")
    LET = "let", _("Let")
    CANCELLED = "cancelled", _("Cancelled")


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

    class Meta:
        verbose_name = _("vacancy")
        verbose_name_plural = _("vacancies")
        ordering = ["-move_out_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling"], condition=Q(state="open"), name="one_open_vacancy_per_dwelling"
            ),
            models.CheckConstraint(
                condition=Q(move_out_date__gte=models.F("notice_date")), name="vacancy_move_out_after_notice"
            ),
        ]
        indexes = [models.Index(fields=["controller", "state"], name="vacancy_board_idx")]

    def __str__(self) -> str:
        return f"{self.dwelling} ({self.move_out_date})"

    def get_absolute_url(self) -> str:
        return reverse("letting:vacancy_detail", args=[self.pk])
