"""Specific lists (*specifikke ventelister*, §§ 20–21): one per kommune and facility or dwelling group.

An applicant joins the specific list of the kommune where the wanted dwelling lies (R20.1); the
entry records whether the applicant lived inside or outside the kommune when joining (R21.1) and,
for an outsider, their home kommune. A vacant dwelling goes to the greatest need (R20.2, decided in
the allocation part); when that happens ``housed_on`` is set and the entry leaves the list.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.fees import AbstractFeeCharge, FeeTermsMixin, reminded_has_deadline
from housing.models import Kommune, Person

from .facilities import Facility


class SpecificList(FeeTermsMixin, models.Model):
    """The kommune's specific list for one facility or dwelling group (R20.1)."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="specific_lists"
    )
    facility = models.ForeignKey(
        Facility, verbose_name=_("facility or dwelling group"), on_delete=models.PROTECT, related_name="lists"
    )
    name = models.CharField(_("name"), max_length=200)
    is_open = models.BooleanField(_("open for new applicants"), default=True)
    # § 21, stk. 2–4 (R21.2–R21.4): a fee when joining several specific lists; § 25, stk. 4 nr. 6.
    fee_amount = models.DecimalField(
        _("fee for joining several specific lists (DKK)"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty when no fee is charged. It may not exceed the cost of running the list."),
    )
    fee_due_after_days = models.PositiveSmallIntegerField(
        _("the fee falls due this many days after joining"), default=30
    )
    # reminder_after_days, pay_within_days: FeeTermsMixin (the same terms as the family lists' fees).
    # § 25, stk. 4 nr. 5
    refusal_consequences = models.TextField(
        _("consequences of refusing an offer"),
        help_text=_("Published with the list (§ 25, stk. 4, nr. 5)."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("specific list")
        verbose_name_plural = _("specific lists")
        ordering = ["kommune__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["facility"], name="one_specific_list_per_facility"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("eldercare:specific_list_detail", args=[self.pk])

    def clean(self) -> None:
        if self.facility_id and self.kommune_id and self.facility.kommune_id != self.kommune_id:
            # R20.1: the list belongs to the kommune where the dwellings lie.
            raise ValidationError({"facility": _("The facility must lie in the list's kommune (R20.1).")})


class SpecificEntryStatus(models.TextChoices):
    ACTIVE = "active", _("On the list")
    HOUSED = "housed", _("Housed")
    REMOVED = "removed", _("Removed")
    DELETED_NON_PAYMENT = "deleted_non_payment", _("Deleted for non-payment of the fee (R21.3)")


class OutsiderExemption(models.TextChoices):
    """§ 23: grounds on which a refuse-outsiders decision does not apply."""

    NONE = "", _("None")
    CLOSE_RELATIVES = (
        "close_relatives",
        _("To keep close contact with close relatives in the kommune (§ 23, nr. 1)"),
    )
    RELIGIOUS = "religious", _("Religious community housing (§ 23, nr. 2)")
    SIGN_LANGUAGE = "sign_language", _("Sign-language environment for the deaf (§ 23, nr. 3)")
    OCCUPATION_VICTIMS = "occupation_victims", _("Dwelling for victims of the occupation (§ 23, nr. 4)")
    SPOUSE = "spouse", _("As spouse, registered partner or cohabitant (§ 23, nr. 5, § 19, stk. 3)")


class SpecificListEntry(models.Model):
    """One applicant on one specific list."""

    specific_list = models.ForeignKey(
        SpecificList, verbose_name=_("specific list"), on_delete=models.PROTECT, related_name="entries"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="specific_list_entries"
    )
    joined_on = models.DateField(_("joined on"))
    status = models.CharField(
        _("status"), max_length=20, choices=SpecificEntryStatus.choices, default=SpecificEntryStatus.ACTIVE
    )
    # R21.1: fixed at joining, so a later move does not rewrite what the list showed.
    lives_inside = models.BooleanField(_("lives inside the kommune when joining (R21.1)"))
    home_kommune = models.ForeignKey(
        Kommune,
        verbose_name=_("applicant's kommune of residence when joining"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    outsider_exemption = models.CharField(
        _("exemption from a refuse-outsiders decision (§ 23)"),
        max_length=30,
        choices=OutsiderExemption.choices,
        default=OutsiderExemption.NONE,
        blank=True,
    )
    outsider_exemption_note = models.CharField(
        _("basis of the exemption"), max_length=300, blank=True, help_text=_("E.g. the relative's name.")
    )
    housed_on = models.DateField(_("housed on"), null=True, blank=True)
    left_on = models.DateField(_("left the list on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("specific list entry")
        verbose_name_plural = _("specific list entries")
        ordering = ["specific_list", "joined_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["specific_list", "person"],
                condition=Q(status="active"),
                name="one_active_specific_entry_per_person",
            ),
            models.CheckConstraint(
                condition=Q(status="housed", housed_on__isnull=False)
                | (~Q(status="housed") & Q(housed_on__isnull=True)),
                name="specific_entry_housed_on_iff_housed",
            ),
            models.CheckConstraint(
                condition=Q(status="active", left_on__isnull=True)
                | (~Q(status="active") & Q(left_on__isnull=False)),
                name="specific_entry_left_on_iff_inactive",
            ),
            models.CheckConstraint(
                condition=Q(housed_on__isnull=True) | Q(housed_on__gte=models.F("joined_on")),
                name="specific_entry_housed_after_joining",
            ),
        ]
        indexes = [
            models.Index(fields=["specific_list", "status", "joined_on"], name="specific_entry_queue"),
            models.Index(fields=["specific_list", "housed_on"], name="specific_entry_housed"),
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name} – {self.specific_list}"

    def clean(self) -> None:
        errors = {}
        if self.status == SpecificEntryStatus.HOUSED and not self.housed_on:
            errors["housed_on"] = _("Give the date the applicant was housed.")
        if self.housed_on and self.joined_on and self.housed_on < self.joined_on:
            errors["housed_on"] = _("Cannot be before the applicant joined the list.")
        if self.specific_list_id and self.home_kommune_id:
            inside = self.home_kommune_id == self.specific_list.kommune_id
            if self.lives_inside is not None and self.lives_inside != inside:
                errors["lives_inside"] = _("Inside/outside must match the applicant's kommune of residence.")
        if self.outsider_exemption and self.lives_inside:
            errors["outsider_exemption"] = _("Only applicants from other kommuner need an exemption.")
        if self.outsider_exemption and not self.outsider_exemption_note.strip():
            errors["outsider_exemption_note"] = _("State the basis of the exemption (§ 23).")
        if errors:
            raise ValidationError(errors)


class SpecificListFeeCharge(AbstractFeeCharge):
    """The fee for joining one more specific list (§ 21, stk. 2–4, R21.2–R21.4): one per entry.

    The charge follows the family lists' course (``housing.fees``): due, reminded, and — still
    unpaid after the reminder's deadline — the entry is deleted (*sletning på ventelisten*)."""

    entry = models.OneToOneField(
        SpecificListEntry, verbose_name=_("entry"), on_delete=models.CASCADE, related_name="fee_charge"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("specific list fee")
        verbose_name_plural = _("specific list fees")
        ordering = ["-due_date", "-pk"]
        constraints = [reminded_has_deadline("specific_fee_reminded_has_deadline")]
        indexes = [models.Index(fields=["state", "due_date"], name="specific_fee_cycle_idx")]

    def __str__(self) -> str:
        return f"{self.amount} ({self.due_date})"
