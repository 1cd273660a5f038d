"""Persons and households: the personal data, each row owned by one data controller."""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .. import cpr
from .register import Kommune
from .tenants import Tenant


class DigitalPostConsentMethod(models.TextChoices):
    FORM = "form", _("Signed form")
    SELF_SERVICE = "self_service", _("Self-service with MitID")
    LEASE = "lease", _("In the lease contract")
    COUNTER = "counter", _("At the counter")
    PHONE = "phone", _("By phone, confirmed in writing")


class Person(models.Model):
    """A person known to one data controller: applicant, tenant or household member.

    The CPR number is never stored in clear text (see ``housing.cpr``). The same human may be
    known to several controllers; each keeps its own row, so controllers never share data.
    """

    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="persons"
    )
    applicant_number = models.CharField(_("applicant number"), max_length=20)
    cpr_encrypted = models.TextField(editable=False)
    cpr_hash = models.CharField(max_length=64, editable=False, db_index=True)
    birth_date = models.DateField(_("birth date"), editable=False)
    first_name = models.CharField(_("first name(s)"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    kommune = models.ForeignKey(
        Kommune,
        verbose_name=_("kommune of residence"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    wants_email_notice = models.BooleanField(
        _("wants an e-mail when a letter is sent"),
        default=False,
        help_text=_("Only a notice that a letter has been sent; letters themselves never go by e-mail."),
    )
    # DP2: CPR is not integrated for housing organisations, so Digital Post needs recorded consent.
    digital_post_consent_date = models.DateField(_("Digital Post consent given on"), null=True, blank=True)
    digital_post_consent_method = models.CharField(
        _("how consent was given"), max_length=20, choices=DigitalPostConsentMethod.choices, blank=True
    )
    digital_post_exempt = models.BooleanField(_("exempt from Digital Post"), default=False)
    history = HistoricalRecords(excluded_fields=["cpr_hash"])

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["controller", "cpr_hash"], name="unique_person_cpr_per_controller"
            ),
            models.UniqueConstraint(
                fields=["controller", "applicant_number"], name="unique_applicant_number_per_controller"
            ),
            models.CheckConstraint(
                condition=models.Q(digital_post_consent_date__isnull=True, digital_post_consent_method="")
                | models.Q(digital_post_consent_date__isnull=False)
                & ~models.Q(digital_post_consent_method=""),
                name="digital_post_consent_date_and_method_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.cpr_masked})"

    def get_absolute_url(self) -> str:
        return reverse("housing:person_detail", args=[self.pk])

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def cpr_masked(self) -> str:
        return cpr.mask(self.birth_date)

    def cpr_reveal(self) -> str:
        """The full CPR number. Call only through ``services.person_reveal_cpr``, which logs it."""
        number = cpr.decrypt(self.cpr_encrypted)
        return f"{number[:6]}-{number[6:]}"

    def set_cpr(self, number: str) -> None:
        normalised = cpr.normalise(number)
        self.cpr_encrypted = cpr.encrypt(normalised)
        self.cpr_hash = cpr.lookup_hash(normalised)
        self.birth_date = cpr.birth_date(normalised)

    def age_on(self, day: datetime.date) -> int:
        """Whole years on ``day``; the birthday itself counts (age 15 on the 15th birthday)."""
        return relativedelta(day, self.birth_date).years

    def has_digital_post_consent(self) -> bool:
        return self.digital_post_consent_date is not None and not self.digital_post_exempt


class Household(models.Model):
    """A household (*husstand*): the persons who will live together in the dwelling."""

    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="households"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return str(_("Household %(id)s") % {"id": self.pk})


class HouseholdRelation(models.TextChoices):
    APPLICANT = "applicant", _("Applicant")
    SPOUSE = "spouse", _("Spouse")
    PARTNER = "partner", _("Registered partner")
    COHABITANT = "cohabitant", _("Cohabitant")
    CHILD = "child", _("Child")
    OTHER = "other", _("Other household member")


class HouseholdMember(models.Model):
    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="household_membership"
    )
    relation = models.CharField(_("relation"), max_length=20, choices=HouseholdRelation.choices)
    # Almenboligloven § 51 b, stk. 1, 4. pkt. and § 51 c, stk. 2: "Med ægtefæller sidestilles andre
    # personer, som i mindst 2 år har været samlevende med den boligsøgende" (R36.1, R37.1).
    cohabiting_since = models.DateField(
        _("cohabiting with the applicant since"),
        null=True,
        blank=True,
        help_text=_(
            "For a cohabitant: the day the cohabitation began. After 2 years the cohabitant counts as "
            "a spouse under almenboligloven §§ 51 b and 51 c (R36.1, R37.1)."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=models.Q(relation="applicant"),
                name="one_applicant_per_household",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person.full_name} ({self.get_relation_display()})"

    def get_absolute_url(self) -> str:
        return self.person.get_absolute_url()

    def clean(self) -> None:
        if self.cohabiting_since is not None and self.relation != HouseholdRelation.COHABITANT:
            raise ValidationError(
                {"cohabiting_since": _("Only a cohabitant has a date from which the cohabitation counts.")}
            )

    def is_child_on(self, day: datetime.date) -> bool:
        """Children are members under 18 on the day in question."""
        return self.person.age_on(day) < 18
