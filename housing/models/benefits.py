"""Benefit status: a dated record that a person receives a public benefit, and the dated list of
the benefits almenboligloven §§ 51 b and 51 c name.

Benefit data is sensitive personal data: it is read only through ``housing.benefits``, which
writes every read to the access log. Two rules ask for it:

* R36.1 (bekendtgørelsens § 36, almenboligloven § 51 b): where the kommune has decided on
  *kombineret udlejning*, applicants are rejected when they and any spouse have received a listed
  benefit in 6 consecutive calendar months;
* R37.1 (§ 37, almenboligloven § 51 c): in a department of an *omdannelsesområde* (2018 text:
  *hårdt ghettoområde*) the organisation must reject list applicants who do not already have a
  dwelling in the department when the applicant and any spouse receive a listed benefit.

Which benefits are "listed" is not fixed in code: the law renamed integrationsydelse
(selvforsørgelses- og hjemrejseydelse / overgangsydelse), and may change the list again. Each
``ListedBenefit`` row says that a kind counts under a provision from one date to another, so a
case is judged by the list in force on its own date, and a correction of a date is an
administrator's recorded change rather than a deployment.
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
    # The benefits almenboligloven §§ 51 b and 51 c name (R36.1, R37.1); which of them count on a
    # given day is ``ListedBenefit``'s answer.
    KONTANTHJAELP = "kontanthjaelp", _("Kontanthjælp")
    UDDANNELSESHJAELP = "uddannelseshjaelp", _("Uddannelseshjælp")
    SELVFORSOERGELSESYDELSE = "selvforsoergelsesydelse", _("Selvforsørgelses- og hjemrejseydelse")
    OVERGANGSYDELSE = "overgangsydelse", _("Overgangsydelse")
    # The benefit's name until lov nr. 174 af 27. februar 2019 replaced it (from 1 July 2019) by
    # selvforsørgelses- og hjemrejseydelse and overgangsydelse; kept for periods before that.
    INTEGRATIONSYDELSE = "integrationsydelse", _("Integrationsydelse (until 30 June 2019)")
    # Further benefits of bekendtgørelsens § 35, stk. 3: recorded, but not a ground for rejection
    # unless a ``ListedBenefit`` row lists them.
    REVALIDERINGSYDELSE = "revalideringsydelse", _("Revalideringsydelse")
    LEDIGHEDSYDELSE = "ledighedsydelse", _("Ledighedsydelse")
    DAGPENGE = "dagpenge", _("Arbejdsløshedsdagpenge")
    SYGEDAGPENGE = "sygedagpenge", _("Sygedagpenge")
    FOERTIDSPENSION = "foertidspension", _("Førtidspension")


class BenefitProvision(models.TextChoices):
    """The provision under which a benefit leads to a rejection."""

    COMBINED_LETTING = "51b", _("Almenboligloven § 51 b, stk. 1 (kombineret udlejning, R36.1)")
    OMDANNELSESOMRAADE = "51c", _("Almenboligloven § 51 c, stk. 1 (omdannelsesområde, R37.1)")


class ListedBenefit(models.Model):
    """One benefit kind named by a provision, from ``valid_from`` to ``valid_until`` (the dates
    of the law that named it). A case dated D counts exactly the kinds of the rows in force on D
    for its provision. Reference data kept by the administrators, with the legal source."""

    provision = models.CharField(_("provision"), max_length=3, choices=BenefitProvision.choices)
    kind = models.CharField(_("benefit"), max_length=30, choices=BenefitKind.choices)
    valid_from = models.DateField(_("listed from"))
    valid_until = models.DateField(_("listed until"), null=True, blank=True)
    legal_source = models.CharField(
        _("legal source"),
        max_length=300,
        help_text=_("The law and its wording that names the benefit, e.g. the amending act."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("listed benefit (§§ 51 b, 51 c)")
        verbose_name_plural = _("listed benefits (§§ 51 b, 51 c)")
        ordering = ["provision", "valid_from", "kind"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="listed_benefit_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provision}: {self.get_kind_display()} {self.valid_from}–{self.valid_until or ''}"

    def clean(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The end date cannot be before the start date.")})
        overlapping = ListedBenefit.objects.filter(provision=self.provision, kind=self.kind).exclude(
            pk=self.pk
        )
        if self.valid_until is not None:
            overlapping = overlapping.filter(valid_from__lte=self.valid_until)
        if self.valid_from is not None and overlapping.exclude(valid_until__lt=self.valid_from).exists():
            raise ValidationError(
                {
                    "valid_from": _(
                        "This benefit is already listed under the provision for part of the period."
                    )
                }
            )


def listed_kinds_on(provision: str, day: datetime.date) -> frozenset[str]:
    """The benefit kinds the provision names on ``day`` (one query)."""
    return frozenset(
        ListedBenefit.objects.filter(provision=provision, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .values_list("kind", flat=True)
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
