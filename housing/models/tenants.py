"""Data controllers (*dataansvarlige*): the tenants every row of personal data belongs to."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class Tenant(models.Model):
    """A data controller: a housing organisation, a shared-list association or a kommune.

    Staff are members of tenants, and every row with personal data points at exactly one tenant,
    so one join decides what a user may see (see ``housing.scoping``).
    """

    class Kind(models.TextChoices):
        ORGANISATION = "organisation", _("Housing organisation")
        ASSOCIATION = "association", _("Shared-list association")
        KOMMUNE = "kommune", _("Kommune")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data controller")
        verbose_name_plural = _("data controllers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class NumberSeries(models.Model):
    """A per-tenant counter (applicant numbers), taken under ``select_for_update`` so two
    caseworkers registering at the same moment never get the same number."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="number_series")
    name = models.CharField(max_length=40)
    next_value = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "name"], name="unique_number_series")]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.name}={self.next_value}"
