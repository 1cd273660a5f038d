"""Leases (R1.10): the tenancy made between the applicant and the organisation. A current lease
(not yet ended) is also what an internal-list applicant gives up (§ 7).

In an udslusnings- or inklusionsbolig (§ 1, stk. 8, R1.8) the lease may set §§ 6–7 aside under an
approved agreement; it then states until when — for an udslusningsbolig at most 2 years from the
start of the tenancy."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Dwelling, Household, HousingOrganisation, Person, Tenant

from ..rules.channels import set_aside_latest_end, set_aside_problem


class Lease(models.Model):
    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT, related_name="leases"
    )
    landlord = models.ForeignKey(
        HousingOrganisation, verbose_name=_("landlord"), on_delete=models.PROTECT, related_name="leases"
    )
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="leases")
    person = models.ForeignKey(
        Person, verbose_name=_("tenant"), on_delete=models.PROTECT, related_name="leases"
    )
    household = models.ForeignKey(
        Household,
        verbose_name=_("household"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # One lease per vacancy: the database refuses a second, whatever happens in the application.
    vacancy = models.OneToOneField(
        "allocation.Vacancy",
        verbose_name=_("vacancy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lease",
    )
    offer = models.OneToOneField(
        "allocation.Offer", on_delete=models.PROTECT, null=True, blank=True, related_name="lease"
    )
    entry = models.ForeignKey(
        "waitinglists.Entry",
        verbose_name=_("let from the waiting-list entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leases",
    )
    basis = models.CharField(_("let by"), max_length=300, blank=True)
    signed_on = models.DateField(_("signed on"))
    starts_on = models.DateField(_("tenancy starts"))
    notice_given_on = models.DateField(_("notice given on"), null=True, blank=True)
    ends_on = models.DateField(_("tenancy ends (moved out)"), null=True, blank=True)
    # § 3, stk. 6, 3. pkt. (R3.6–R3.7): the written information on keeping the seniority, sent
    # with the lease. The 8 days count from the day it actually left (its delivery record); the
    # rights themselves are ``waitinglists.KeepSeniorityRight`` rows naming the same letter.
    seniority_information_letter = models.ForeignKey(
        "letters.Letter",
        verbose_name=_("written information on keeping the seniority (R3.6)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    set_aside_agreement = models.ForeignKey(
        "allocation.LettingAgreement",
        verbose_name=_("udslusnings- or inklusionsbolig agreement (R1.8)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="leases",
    )
    sections_6_7_set_aside_until = models.DateField(_("§§ 6–7 set aside until (R1.8)"), null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lease")
        verbose_name_plural = _("leases")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling"], condition=Q(ends_on__isnull=True), name="one_current_lease_per_dwelling"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="lease_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(sections_6_7_set_aside_until__isnull=True) | Q(set_aside_agreement__isnull=False),
                name="lease_set_aside_needs_agreement",
            ),
        ]
        indexes = [models.Index(fields=["person", "ends_on"], name="lease_person_current_idx")]

    def __str__(self) -> str:
        return f"{self.dwelling} ({self.starts_on})"

    def get_absolute_url(self) -> str:
        return reverse("letting:lease_detail", args=[self.pk])

    def clean(self) -> None:
        """R1.8: how long §§ 6–7 are set aside, checked against the agreement's kind."""
        if self.set_aside_agreement_id is None:
            if self.sections_6_7_set_aside_until is not None:
                raise ValidationError(
                    {
                        "sections_6_7_set_aside_until": _(
                            "§§ 6–7 can only be set aside under an udslusnings- or inklusionsbolig "
                            "agreement (R1.8)."
                        )
                    }
                )
            return
        if self.starts_on is None:
            return
        problem = set_aside_problem(
            kind=self.set_aside_agreement.kind,
            starts_on=self.starts_on,
            set_aside_until=self.sections_6_7_set_aside_until,
        )
        messages = {
            "missing": _(
                "The lease of an udslusningsbolig must state until when §§ 6–7 are set aside (R1.8)."
            ),
            "before_start": _("§§ 6–7 cannot be set aside until a day before the tenancy starts."),
            "too_long": _(
                "§§ 6–7 can be set aside for at most 2 years from the start of the tenancy (R1.8): "
                "at the latest until %(day)s."
            )
            % {"day": date_format(set_aside_latest_end(self.starts_on), "SHORT_DATE_FORMAT")},
        }
        if problem:
            raise ValidationError({"sections_6_7_set_aside_until": messages[problem]})

    def sets_aside_6_7_on(self, day) -> bool:
        """R1.8: whether §§ 6–7 are set aside for this tenancy on ``day``."""
        return self.sections_6_7_set_aside_until is not None and day <= self.sections_6_7_set_aside_until
