"""Benefit status: a dated record that a person receives a public benefit.

Benefit data is sensitive personal data: it is read only through ``housing.benefits``, which
writes every read to the access log. Two rules ask for it:

* R36.1 (bekendtgørelsens § 36, almenboligloven § 51 b): where the kommune has decided on
  *kombineret udlejning*, it rejects recipients of integrationsydelse, uddannelseshjælp and
  kontanthjælp;
* R37.1 (§ 37, almenboligloven § 51 c): in a department of a *hårdt ghettoområde* the organisation
  must reject list applicants who do not already have a dwelling in the department when the
  applicant and any spouse receive integrationsydelse, uddannelseshjælp or kontanthjælp.

The other kinds (§ 35, stk. 3) are recorded for completeness but never count under R36.1/R37.1.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .persons import Person
from .tenants import Tenant


class BenefitKind(models.TextChoices):
    # The benefits listed in almenboligloven §§ 51 b and 51 c (R36.1, R37.1).
    KONTANTHJAELP = "kontanthjaelp", _("Kontanthjælp")
    UDDANNELSESHJAELP = "uddannelseshjaelp", _("Uddannelseshjælp")
    INTEGRATIONSYDELSE = "integrationsydelse", _("Integrationsydelse")
    # Further benefits of bekendtgørelsens § 35, stk. 3: recorded, but not a ground for rejection.
    REVALIDERINGSYDELSE = "revalideringsydelse", _("Revalideringsydelse")
    LEDIGHEDSYDELSE = "ledighedsydelse", _("Ledighedsydelse")
    DAGPENGE = "dagpenge", _("Arbejdsløshedsdagpenge")
    SYGEDAGPENGE = "sygedagpenge", _("Sygedagpenge")
    FOERTIDSPENSION = "foertidspension", _("Førtidspension")


# The kinds that count under almenboligloven §§ 51 b and 51 c (R36.1, R37.1).
LISTED_BENEFIT_KINDS = frozenset(
    {BenefitKind.KONTANTHJAELP, BenefitKind.UDDANNELSESHJAELP, BenefitKind.INTEGRATIONSYDELSE}
)


class BenefitSource(models.TextChoices):
    KOMMUNE = "kommune", _("Information from the kommune (jobcenter)")
    APPLICANT = "applicant", _("The applicant's own statement, documented")
    DOCUMENT = "document", _("Payment statement or decision letter seen")
    OTHER = "other", _("Other (described in the note)")


class BenefitStatus(models.Model):
    """One period in which ``person`` receives ``kind``. A new row per period; an ended period gets
    its end date. Owned by the person's data controller."""

    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="benefit_statuses"
    )
    kind = models.CharField(_("benefit"), max_length=30, choices=BenefitKind.choices)
    valid_from = models.DateField(_("received from"))
    valid_until = models.DateField(_("received until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=BenefitSource.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("benefit status")
        verbose_name_plural = _("benefit statuses")
        ordering = ["person", "-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="benefit_status_period_ordered",
            ),
        ]
        indexes = [models.Index(fields=["person", "valid_from"], name="benefit_person_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_until or ''}"

    def clean(self) -> None:
        errors = {}
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date cannot be before the start date.")
        if self.source == BenefitSource.OTHER and not (self.note or "").strip():
            errors["note"] = _("Describe the source in the note when you choose 'Other'.")
        if self.person_id and self.controller_id and self.person.controller_id != self.controller_id:
            errors["person"] = _("The benefit status belongs to the person's data controller.")
        if errors:
            raise ValidationError(errors)

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    @property
    def is_listed(self) -> bool:
        """Counts under almenboligloven §§ 51 b and 51 c (R36.1, R37.1)."""
        return self.kind in LISTED_BENEFIT_KINDS
