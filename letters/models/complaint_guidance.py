"""The complaint guidance (*klagevejledning*) each kind of decision letter carries.

Which body a decision can be complained to is the law's answer, not the caseworker's: the
bekendtgørelse names two routes —

* § 11: "Beboerklagenævnet træffer i medfør af § 101 i almenlejeloven afgørelse i tvister om anvisning
  af almene familieboliger …, medmindre anvisningen er omfattet af en kommunal godkendelsesordning
  efter § 61" (R11) — the organisation's allocation of a family dwelling, unless the kommune
  approves each letting (§ 42, stk. 1; R42.1);
* § 24: "Kommunalbestyrelsens afgørelser om anvisning af ledige boliger i henhold til … §§ 54, 57,
  58, 58 a, 58 b og 143 r i almenboligloven kan indbringes for Ankestyrelsen" (R24) — the kommune's
  allocation of elder dwellings.

For the other decisions (a § 42 refusal on income or of a refugee, the startbolig and out-of-kind
approvals, § 36, a § 37, stk. 2 dispensation, an organisation's decision on a youth or elder
dwelling, a family dwelling under a § 61 approval scheme) the bekendtgørelse names no route, and
the letter then carries no guidance rather than an invented one.

The texts are Danish (letters are) and versioned: an administrator changes a text by adding a new
version with a reason and the day it applies from; a letter uses the version in force on the day
of the decision, and every version stays as it was.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class DecisionType(models.TextChoices):
    FAMILY_ALLOCATION = (
        "family_allocation",
        _("The organisation's allocation of a family dwelling: offer or rejection (R11; R26–R30, R37)"),
    )
    FAMILY_ALLOCATION_APPROVAL_SCHEME = (
        "family_allocation_approval_scheme",
        _(
            "The organisation's allocation of a family dwelling under the kommune's approval of each "
            "letting (almenboligloven § 61; R11, R42.1)"
        ),
    )
    YOUTH_OR_ELDER_ALLOCATION = (
        "youth_or_elder_allocation",
        _("The organisation's allocation of a youth or elder dwelling: offer or rejection (R26–R30)"),
    )
    KOMMUNE_APPROVAL = (
        "kommune_approval",
        _(
            "The kommune approves a letting, or the deadline lapsed "
            "(R42.1, R42.3, R12.1, R12.4, R14.4, R36.1)"
        ),
    )
    KOMMUNE_INCOME_REFUSAL = "kommune_income_refusal", _("The kommune refuses a letting on income (R42.2)")
    KOMMUNE_REFUGEE_REFUSAL = (
        "kommune_refugee_refusal",
        _("The kommune refuses a letting to a refugee (R42.4)"),
    )
    KOMMUNE_BENEFITS_REFUSAL = (
        "kommune_benefits_refusal",
        _("The kommune refuses a letting under kombineret udlejning (R36.1)"),
    )
    KOMMUNE_STARTBOLIG_REFUSAL = (
        "kommune_startbolig_refusal",
        _("The kommune refuses to approve a startbolig letting (R12.1)"),
    )
    KOMMUNE_OUT_OF_KIND_REFUSAL = (
        "kommune_out_of_kind_refusal",
        _("The kommune refuses a letting out of kind (R12.4, R14.4)"),
    )
    KOMMUNE_DISPENSATION = "kommune_dispensation", _("The kommune's decision on a dispensation (R37.2)")
    ELDER_ALLOCATION = (
        "elder_allocation",
        _("The kommune's decision on allocating an elder or nursing dwelling (R24)"),
    )


class ComplaintGuidance(models.Model):
    """One version of the complaint guidance of one decision type. Never edited in place."""

    decision_type = models.CharField(_("decision type"), max_length=40, choices=DecisionType.choices)
    version = models.PositiveIntegerField(_("version"))
    valid_from = models.DateField(_("applies to decisions from"))
    text = models.TextField(
        _("complaint guidance (Danish)"),
        blank=True,
        help_text=_(
            "The text the decision letter carries. Leave it empty where the law names no complaint "
            "route: the letter then has no complaint guidance rather than an invented one."
        ),
    )
    legal_source = models.CharField(
        _("legal source"),
        max_length=300,
        help_text=_("Where the law gives the route, e.g. “bekendtgørelsens § 24”."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("why it changed"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("complaint guidance")
        verbose_name_plural = _("complaint guidance texts")
        ordering = ["decision_type", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision_type", "version"], name="unique_complaint_guidance_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_type_display()} v{self.version}"
