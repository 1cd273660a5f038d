"""Free choice of elder dwellings across kommuner (*frit valg*, § 19, R19.1–R19.4).

An elder or disabled person may choose an elder dwelling anywhere (stk. 1), also unsupported
private plejeboliger (stk. 4). The conditions must be met in both the home kommune and the
destination kommune, and the destination kommune assesses the outsider by the same guidelines as
its own citizens (stk. 2). The application therefore records both kommuners' assessments; the
destination kommune's own assessment is its needs decision (``NeedDecision``), which also records a
spouse, registered partner or cohabitant moving along (stk. 3, ``NeedDecision.partner_relation``).
When both assessments are positive the applicant joins the specific list as an outsider.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Kommune, Person

from .needs import NeedDecision
from .specific_lists import OutsiderExemption, SpecificList, SpecificListEntry


class FreeChoiceState(models.TextChoices):
    RECEIVED = "received", _("Received, awaiting assessments")
    APPROVED = "approved", _("Approved: on the specific list")
    REFUSED = "refused", _("Refused")


class FreeChoiceApplication(models.Model):
    """An application from another kommune's citizen for an elder dwelling in this kommune."""

    specific_list = models.ForeignKey(
        SpecificList,
        verbose_name=_("wanted specific list"),
        on_delete=models.PROTECT,
        related_name="free_choice",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="free_choice_applications"
    )
    home_kommune = models.ForeignKey(
        Kommune, verbose_name=_("home kommune (bopælskommune)"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    # § 19, stk. 2: the home kommune's assessment.
    home_conditions_met = models.BooleanField(
        _("conditions met in the home kommune"), null=True, blank=True, help_text=_("Empty until assessed.")
    )
    home_assessed_on = models.DateField(_("home kommune assessed on"), null=True, blank=True)
    home_case_reference = models.CharField(_("home kommune's case reference"), max_length=100, blank=True)
    home_assessment_note = models.TextField(_("home kommune's assessment"), blank=True)
    # § 19, stk. 2: the destination kommune's assessment, by its own guidelines.
    destination_conditions_met = models.BooleanField(
        _("conditions met in this kommune"), null=True, blank=True, help_text=_("Empty until assessed.")
    )
    destination_assessed_on = models.DateField(_("this kommune assessed on"), null=True, blank=True)
    destination_need_decision = models.ForeignKey(
        NeedDecision,
        verbose_name=_("this kommune's needs decision (own guidelines)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    same_guidelines_confirmed = models.BooleanField(
        _("assessed by the same guidelines as the kommune's own citizens (§ 19, stk. 2)"), default=False
    )
    destination_assessment_note = models.TextField(_("this kommune's assessment"), blank=True)
    outsider_exemption = models.CharField(
        _("exemption from a refuse-outsiders decision (§ 23)"),
        max_length=30,
        choices=OutsiderExemption.choices,
        default=OutsiderExemption.NONE,
        blank=True,
    )
    outsider_exemption_note = models.CharField(_("basis of the exemption"), max_length=300, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=FreeChoiceState.choices, default=FreeChoiceState.RECEIVED
    )
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    entry = models.OneToOneField(
        SpecificListEntry,
        verbose_name=_("entry on the specific list"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="free_choice_application",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("free-choice application")
        verbose_name_plural = _("free-choice applications")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="approved")
                | Q(home_conditions_met=True, destination_conditions_met=True, entry__isnull=False),
                name="free_choice_approved_needs_both_assessments",
            ),
            models.CheckConstraint(
                condition=Q(state="received", decided_on__isnull=True)
                | (~Q(state="received") & Q(decided_on__isnull=False)),
                name="free_choice_decided_on_iff_decided",
            ),
            # One open application per person and list: a repeated or concurrent submit of the
            # same application is refused by the database, not recorded twice (R19.1).
            models.UniqueConstraint(
                fields=["person", "specific_list"],
                condition=Q(state="received"),
                name="one_open_free_choice_application_per_person_and_list",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name} → {self.specific_list}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:free_choice_detail", args=[self.pk])

    @property
    def partner_moves_along(self) -> bool:
        """R19.3: the spouse, partner or cohabitant recorded on this kommune's needs decision."""
        decision = self.destination_need_decision
        return bool(decision and decision.partner_relation)

    def clean(self) -> None:
        errors = {}
        if self.specific_list_id and self.home_kommune_id == self.specific_list.kommune_id:
            errors["home_kommune"] = _("Free choice across kommuner is for citizens of another kommune.")
        if self.destination_conditions_met is not None and not self.same_guidelines_confirmed:
            errors["same_guidelines_confirmed"] = _(
                "This kommune assesses applicants from other kommuner by the same guidelines as its own "
                "citizens (§ 19, stk. 2)."
            )
        if self.destination_conditions_met and not self.destination_need_decision_id:
            errors["destination_need_decision"] = _("Link this kommune's needs decision for the applicant.")
        if self.home_conditions_met is not None and not self.home_assessed_on:
            errors["home_assessed_on"] = _("Give the date of the home kommune's assessment.")
        if self.destination_conditions_met is not None and not self.destination_assessed_on:
            errors["destination_assessed_on"] = _("Give the date of this kommune's assessment.")
        if errors:
            raise ValidationError(errors)
