"""Complaints against the decisions of the letting (R11 beboerklagenævnet, R24 Ankestyrelsen): a
rejection (§§ 26–30, § 37), a kommune's R37.2 dispensation decision, or a kommune's refusal to
approve a letting (§ 42, § 36, § 12). The complaint records the body that handles it and its
outcome; an overturned decision is carried out by ``complaints.services``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from approvals.models import ApprovalRequest
from housing.models import Tenant
from rejections.models import Dispensation, RejectionCase


class ComplaintBody(models.TextChoices):
    BEBOERKLAGENAEVN = "beboerklagenaevn", _("Beboerklagenævnet (R11)")
    ANKESTYRELSEN = "ankestyrelsen", _("Ankestyrelsen (R24)")


class ComplaintOutcome(models.TextChoices):
    PENDING = "", _("Pending")
    UPHELD = "upheld", _("The decision stands")
    OVERTURNED = "overturned", _("The decision is overturned")
    DISMISSED = "dismissed", _("Dismissed (not considered)")


class Complaint(models.Model):
    """A complaint against a decision, with the body that handles it and its outcome. An overturned
    rejection gives the candidate their place back (the case state becomes *overturned*); an
    overturned kommune refusal of a letting makes the request approved and the applicant the one
    to be let to again."""

    rejection = models.ForeignKey(
        RejectionCase,
        verbose_name=_("rejection case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    dispensation = models.ForeignKey(
        Dispensation,
        verbose_name=_("dispensation decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    # The kommune's refusal to approve a letting (R42.2, R42.4, R36.1, R12.1, R12.4/R14.4): to
    # Ankestyrelsen (R24). An overturned refusal makes the request approved.
    approval = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("kommune approval refusal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    body = models.CharField(_("complaint body"), max_length=20, choices=ComplaintBody.choices)
    received_on = models.DateField(_("complaint received on"))
    sent_to_body_on = models.DateField(_("sent to the body on"), null=True, blank=True)
    summary = models.TextField(_("the complaint"))
    outcome = models.CharField(
        _("outcome"),
        max_length=12,
        choices=ComplaintOutcome.choices,
        default=ComplaintOutcome.PENDING,
        blank=True,
    )
    outcome_on = models.DateField(_("outcome on"), null=True, blank=True)
    outcome_text = models.TextField(_("the body's decision"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(table_name="allocation_historicalcomplaint")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_complaint"
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["-received_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rejection__isnull=False, dispensation__isnull=True, approval__isnull=True)
                | Q(rejection__isnull=True, dispensation__isnull=False, approval__isnull=True)
                | Q(rejection__isnull=True, dispensation__isnull=True, approval__isnull=False),
                name="complaint_against_one_decision",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome_on__isnull=False), name="complaint_outcome_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_body_display()} {self.received_on}"
