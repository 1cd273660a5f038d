"""Kommunal anvisning (R1.4): the kommune names the tenant for a vacancy placed at its disposal;
§§ 2–11 and 26–30 do not bind it. The organisation then makes the lease with the person named."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Kommune


class Nomination(models.Model):
    vacancy = models.OneToOneField(
        "allocation.Vacancy", verbose_name=_("vacancy"), on_delete=models.PROTECT, related_name="nomination"
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    # The person named, kept encrypted like every CPR number; the lease creates or finds the person
    # in the organisation's register.
    cpr_encrypted = models.TextField(editable=False)
    cpr_hash = models.CharField(max_length=64, editable=False)
    first_name = models.CharField(_("first name(s)"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    household_size = models.PositiveSmallIntegerField(_("persons in the household"), default=1)
    ground = models.CharField(_("ground"), max_length=300)
    follows_children_agreement = models.BooleanField(
        _("the § 4 agreement was followed where possible (R4)"), default=True
    )
    nominated_on = models.DateField(_("named on"))
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(excluded_fields=["cpr_encrypted"])

    class Meta:
        verbose_name = _("kommunal anvisning")
        verbose_name_plural = _("kommunale anvisninger")

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"
