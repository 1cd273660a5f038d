"""The organisation's agreements with the kommune that decide a vacancy's letting channel."""

from __future__ import annotations

import datetime

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Department, HousingOrganisation, Kommune


class AgreementKind(models.TextChoices):
    KOMMUNE_SHARE = "kommune_share", _("Kommunal anvisning of a share of the vacancies (R1.4)")
    ADVERTISING = "advertising", _("Letting by advertising (R1.6)")
    FLEXIBLE = "flexible", _("Flexible letting by agreed criteria (R1.7)")
    CHILDREN_PRIORITY = "children_priority", _("Households with children first to 3+ rooms (R4)")


class LettingAgreement(models.Model):
    """An agreement between an organisation and a kommune, for all its departments in the
    kommune or for one, valid for a period. For kommunal anvisning it names the share: every
    n-th vacant family dwelling is placed at the kommune's disposal."""

    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="letting_agreements",
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letting_agreements",
        help_text=_("Empty: every department of the organisation in the kommune."),
    )
    kind = models.CharField(_("agreement"), max_length=20, choices=AgreementKind.choices)
    every_nth = models.PositiveSmallIntegerField(
        _("every n-th vacant family dwelling"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("For kommunal anvisning: e.g. 4 places every 4th vacancy at the kommune's disposal."),
    )
    criteria = models.TextField(_("agreed criteria"), blank=True, help_text=_("For flexible letting (R1.7)."))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letting agreement with the kommune")
        verbose_name_plural = _("letting agreements with the kommune")
        ordering = ["organisation", "kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="kommune_share") | Q(every_nth__isnull=False),
                name="share_agreement_has_nth",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="letting_agreement_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.organisation} / {self.kommune.name}"

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class VacancyCounter(models.Model):
    """A running count of vacancies, taken under ``select_for_update`` so vacancies opened at the
    same moment never get the same number: ``family:<organisation>`` counts the family dwellings
    let from the lists (§ 7's internal turn is every second), ``share:<agreement>`` the family
    vacancies under a kommunal-anvisning agreement (every n-th goes to the kommune, R1.4).
    Bookkeeping, not audited data."""

    key = models.CharField(max_length=40, unique=True)
    counted = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.counted}"
