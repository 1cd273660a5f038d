"""A kommune's closing days (*lukkedage*): days on which the kommune's offices are closed although
they are hverdage (e.g. a bridge day). They are shown beside a legal deadline as information, but
they never move it: *hverdage* have one national definition (Monday–Friday except public holidays,
Grundlovsdag, 24 and 31 December; ``housing.deadlines``), so the 5 hverdage in which a kommune may
refuse a letting (bekendtgørelsens § 42, stk. 3, R42.3) run on a closing day too."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .register import Kommune


class KommuneClosingDay(models.Model):
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="closing_days"
    )
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kommune closing day")
        verbose_name_plural = _("kommune closing days")
        ordering = ["kommune", "day"]
        constraints = [
            models.UniqueConstraint(fields=["kommune", "day"], name="one_closing_day_per_kommune_and_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kommune.name}: {self.day.isoformat()}"
