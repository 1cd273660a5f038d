"""The organisation's agreements with the kommune that decide a vacancy's letting channel."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Department, Dwelling, HousingOrganisation, Kommune


class AgreementKind(models.TextChoices):
    KOMMUNE_SHARE = "kommune_share", _("Kommunal anvisning of a share of the vacancies (R1.4)")
    ADVERTISING = "advertising", _("Letting by advertising (R1.6)")
    FLEXIBLE = "flexible", _("Flexible letting by agreed criteria (R1.7)")
    CHILDREN_PRIORITY = "children_priority", _("Households with children first to 3+ rooms (R4)")
    UDSLUSNING = "udslusning", _("Udslusningsbolig: §§ 6–7 may be set aside (R1.8)")
    INKLUSION = "inklusion", _("Inklusionsbolig: §§ 6–7 may be set aside (R1.8)")


#: § 1, stk. 8 (R1.8): agreements approved by the nominating authority or the kommune.
SET_ASIDE_AGREEMENT_KINDS = frozenset({AgreementKind.UDSLUSNING, AgreementKind.INKLUSION})


class LettingAgreement(models.Model):
    """An agreement between an organisation and a kommune, for all its departments in the
    kommune or for one, valid for a period. For kommunal anvisning it names the share: every
    n-th vacant family dwelling is placed at the kommune's disposal.

    Udslusnings- and inklusionsboliger (§ 1, stk. 8, R1.8): the agreement names the department (and
    possibly one dwelling) and who approved it — for an udslusningsbolig the authority that nominates
    the tenants to it, for an inklusionsbolig the kommune. Under it the lease may set §§ 6–7 aside and
    states for how long."""

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
    dwelling = models.ForeignKey(
        Dwelling,
        verbose_name=_("dwelling"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="letting_agreements",
        help_text=_("For an udslusnings- or inklusionsbolig: empty means every dwelling of the department."),
    )
    kind = models.CharField(_("agreement"), max_length=20, choices=AgreementKind.choices)
    approved_by = models.CharField(
        _("approved by"),
        max_length=200,
        blank=True,
        help_text=_(
            "R1.8: the authority that nominates tenants to the udslusningsbolig, or the kommune for an "
            "inklusionsbolig."
        ),
    )
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
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
            models.CheckConstraint(
                condition=~Q(kind__in=["udslusning", "inklusion"])
                | (Q(approved_on__isnull=False) & ~Q(approved_by="")),
                name="r1_8_agreement_is_approved",
            ),
            models.CheckConstraint(
                condition=Q(dwelling__isnull=True) | Q(department__isnull=False),
                name="agreement_dwelling_has_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.organisation} / {self.kommune.name}"

    def clean(self) -> None:
        errors = {}
        if self.kind in SET_ASIDE_AGREEMENT_KINDS:
            if not (self.approved_by or "").strip():
                errors["approved_by"] = _(
                    "Name who approved the agreement: the nominating authority (udslusningsbolig) or the "
                    "kommune (inklusionsbolig), R1.8."
                )
            if self.approved_on is None:
                errors["approved_on"] = _("Give the date of the approval (R1.8).")
        if self.dwelling_id is not None:
            if self.kind not in SET_ASIDE_AGREEMENT_KINDS:
                errors["dwelling"] = _("Only udslusnings- and inklusionsbolig agreements name a dwelling.")
            elif self.department_id is None or self.dwelling.department_id != self.department_id:
                errors["dwelling"] = _("The dwelling must belong to the department of the agreement.")
        if errors:
            raise ValidationError(errors)

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
