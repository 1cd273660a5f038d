"""The organisation's and the kommune's letting decisions, each dated: the ranking of a vacancy
uses the decisions in force on the day it is ranked (R4, R5.1, R5.5, R6, R8.1–R8.3, R40)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Department, HousingOrganisation, Kommune


class OrganisationLettingPolicy(models.Model):
    """The organisation's decisions on priorities and offers, in force from ``valid_from`` until
    the next decision. The R4 agreement with the kommune is a ``LettingAgreement``."""

    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="letting_policies",
    )
    valid_from = models.DateField(_("in force from"))
    decided_on = models.DateField(_("decided on"))
    no_transfer_priority_for_youth_elder_tenants = models.BooleanField(
        _("tenants of youth and elder dwellings have no § 7 priority (R8.1)"), default=False
    )
    separation_priority = models.BooleanField(
        _("priority after a separation for up to 1 year (R8.2)"), default=False
    )
    transfer_residence_months = models.PositiveSmallIntegerField(
        _("months in the current dwelling before § 7 priority (R8.3)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text=_("At most 24 months. Empty: no residence period."),
    )
    transfer_residence_departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments the residence period applies to (R8.3)"),
        blank=True,
        related_name="+",
        help_text=_("Empty: all departments."),
    )
    issues_housing_guarantees = models.BooleanField(_("issues boliggarantibeviser (R6.1)"), default=False)
    housing_guarantee_months = models.PositiveSmallIntegerField(
        _("a boliggarantibevis is valid for (months)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(36)],
        help_text=_("At most 3 years from the move-out (R6.1)."),
    )
    housing_guarantee_departments = models.ManyToManyField(
        Department,
        verbose_name=_("departments whose departing tenants may get a boliggarantibevis (R6.2)"),
        blank=True,
        related_name="+",
        help_text=_("Empty: all departments."),
    )
    housing_guarantee_terms = models.TextField(_("terms for boliggarantibeviser (R6.2)"), blank=True)
    offer_round_size = models.PositiveSmallIntegerField(
        _("offers per round"), default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    answer_days = models.PositiveSmallIntegerField(
        _("days to answer an offer"), default=7, validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    passive_after_unanswered = models.PositiveSmallIntegerField(
        _("unanswered offers before the entry is set passive"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords(m2m_fields=[transfer_residence_departments, housing_guarantee_departments])

    class Meta:
        verbose_name = _("the organisation's letting decisions")
        verbose_name_plural = _("the organisations' letting decisions")
        ordering = ["organisation", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "valid_from"], name="one_policy_per_day"),
            models.CheckConstraint(
                condition=models.Q(valid_from__gte=models.F("decided_on")),
                name="policy_in_force_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.valid_from})"


class KommuneLettingDecision(models.Model):
    """The kommune's decisions on the family-dwelling rules, in force from ``valid_from``."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="letting_decisions"
    )
    valid_from = models.DateField(_("in force from"))
    decided_on = models.DateField(_("decided on"))
    elder_disabled_priority = models.BooleanField(
        _("elderly and disabled persons have priority to dwellings fitted or reserved for them (R5.1)"),
        default=False,
    )
    priority_dwellings_let_as_elder = models.BooleanField(
        _("R5.1 dwellings are let like elder dwellings, nominated by the kommune (R5.5)"), default=False
    )
    housing_guarantees_off = models.BooleanField(_("boliggarantibeviser do not apply (R40)"), default=False)
    separation_priority_off = models.BooleanField(
        _("the separation priority does not apply (R40)"), default=False
    )
    approves_each_letting = models.BooleanField(
        _("approves each letting of family dwellings (R42.1; complaints go to the kommune, R11)"),
        default=False,
    )
    # The rest of the kommune's approval duties, dated like the above.
    # R12.1 (startboliger) and R12.4/R14.4 (letting out of kind) need no decision: the law demands
    # the approval, so ``approvals.rules`` always asks for it.
    approves_each_youth_letting = models.BooleanField(
        _("approves each letting of youth dwellings (R42.1)"), default=False
    )
    combined_letting = models.BooleanField(
        _(
            "has decided on kombineret udlejning: approves each letting of family dwellings in areas on "
            "the ministry's list and refuses recipients of the listed benefits (R36.1)"
        ),
        default=False,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("the kommune's letting decisions")
        verbose_name_plural = _("the kommuners' letting decisions")
        ordering = ["kommune", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["kommune", "valid_from"], name="one_kommune_decision_per_day"),
            models.CheckConstraint(
                condition=models.Q(valid_from__gte=models.F("decided_on")),
                name="kommune_decision_in_force_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kommune} ({self.valid_from})"
