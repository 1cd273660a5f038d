"""The register: kommuner, housing organisations, shared lists, departments and dwellings."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from stdnum.dk import cvr as stdnum_cvr

from .tenants import Tenant


def validate_cvr(value: str) -> None:
    if not stdnum_cvr.is_valid(value):
        raise ValidationError(_("A CVR number has 8 digits with a valid check digit."), code="cvr")


class Kommune(models.Model):
    """One of the 98 kommuner, with the official four-digit code (CPR, DAGI, Danmarks Statistik)."""

    code = models.CharField(_("kommune code"), max_length=4, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=100)
    # A kommune is a public Digital Post sender by law; its CVR is the sender ID in MeMo messages.
    cvr = models.CharField(_("CVR number"), max_length=8, blank=True, validators=[validate_cvr])
    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="kommune")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("kommune")
        verbose_name_plural = _("kommuner")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SharedListAssociation(models.Model):
    """Several organisations sharing one general waiting list (*fælles venteliste*, § 3, stk. 2)."""

    name = models.CharField(_("name"), max_length=200)
    cvr = models.CharField(
        _("CVR number"),
        max_length=8,
        blank=True,
        validators=[validate_cvr],
        help_text=_("The sender ID in Digital Post messages from the shared list."),
    )
    digital_post_connected_from = models.DateField(_("connected to Digital Post from"), null=True, blank=True)
    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="association")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("shared-list association")
        verbose_name_plural = _("shared-list associations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class HousingOrganisation(models.Model):
    """An *almen boligorganisation* (the landlord and, for its lists, the data controller)."""

    name = models.CharField(_("name"), max_length=200)
    cvr = models.CharField(_("CVR number"), max_length=8, unique=True, validators=[validate_cvr])
    address_line = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=4, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # DP1: påkrav and opsigelse may go by Digital Post only once the landlord is connected.
    digital_post_connected_from = models.DateField(_("connected to Digital Post from"), null=True, blank=True)
    shared_list = models.ForeignKey(
        SharedListAssociation,
        verbose_name=_("shared waiting list"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="organisations",
    )
    tenant = models.OneToOneField(Tenant, on_delete=models.PROTECT, related_name="organisation")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("housing organisation")
        verbose_name_plural = _("housing organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("housing:organisation_detail", args=[self.pk])

    def digital_post_connected_on(self, day: datetime.date) -> bool:
        return self.digital_post_connected_from is not None and self.digital_post_connected_from <= day

    @property
    def list_tenant_id(self) -> int:
        """The controller of this organisation's waiting list: the association when shared."""
        return self.shared_list.tenant_id if self.shared_list_id else self.tenant_id


class HousingArea(models.Model):
    """A combined housing area as assessed by the kommune (*samme boligområde*, § 28)."""

    kommune = models.ForeignKey(Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT)
    name = models.CharField(_("name"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("combined housing area")
        verbose_name_plural = _("combined housing areas")
        ordering = ["kommune__name", "name"]
        constraints = [models.UniqueConstraint(fields=["kommune", "name"], name="unique_housing_area_name")]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """An *afdeling*: an estate of the organisation, in one kommune."""

    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="departments",
    )
    number = models.CharField(_("department number"), max_length=10)
    name = models.CharField(_("name"), max_length=200)
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="departments"
    )
    address_line = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=4)
    city = models.CharField(_("city"), max_length=100)
    # § 26 ("Når reglerne om beboermaksimum i §§ 52 a-52 c i lov om midlertidig regulering af
    # boligforholdene ikke anvendes"): where they are applied, the R26 rejection does not exist.
    beboermaksimum_applied = models.BooleanField(
        _("beboermaksimum rules (§§ 52 a–52 c) applied"),
        default=False,
        help_text=_(
            "The kommune applies the beboermaksimum rules of §§ 52 a–52 c of the lov om midlertidig "
            "regulering af boligforholdene to this department: then § 26 (rejection of more than 2 "
            "persons per room, R26) does not apply and the ranking shows no R26 flag."
        ),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["organisation__name", "number"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "number"], name="unique_department_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("housing:department_detail", args=[self.pk])


class AreaStatusKind(models.TextChoices):
    # The stored value keeps the 2018 word; since the amendment of almenboligloven in force 30 November
    # 2021 the law says *omdannelsesområde* for *hårdt ghettoområde* (and *parallelsamfund* for
    # *ghettoområde*): the label uses today's word with the old one beside it.
    HARD_GHETTO = "hard_ghetto", _("Part of an omdannelsesområde (formerly: hårdt ghettoområde; R2.2, R37)")
    VULNERABLE = "vulnerable", _("Udsat boligområde (R29)")
    COMBINED_AREA = "combined_area", _("Part of a combined housing area (R28)")
    HIGH_OUTSIDE_LABOUR = "high_outside_labour", _("High share outside the labour market (R35)")


class DepartmentAreaStatus(models.Model):
    """A dated status of a department's area. Lists are published yearly (1 December), so a
    status has a start and possibly an end; rules ask for the status on a given date."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="area_statuses"
    )
    kind = models.CharField(
        _("status"),
        max_length=30,
        choices=AreaStatusKind.choices,
        help_text=_(
            "Omdannelsesområde: formerly hårdt ghettoområde, renamed by the amendment of almenboligloven in "
            "force 30 November 2021. A status keeps the dates of the list it came from."
        ),
    )
    housing_area = models.ForeignKey(
        HousingArea, verbose_name=_("combined housing area"), on_delete=models.PROTECT, null=True, blank=True
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("area status")
        verbose_name_plural = _("area statuses")
        ordering = ["department", "kind", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="area_status_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind="combined_area", housing_area__isnull=False)
                | (~Q(kind="combined_area") & Q(housing_area__isnull=True)),
                name="area_status_housing_area_iff_combined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.valid_from}–{self.valid_until or ''}"

    def clean(self) -> None:
        errors = {}
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date cannot be before the start date.")
        if self.kind == AreaStatusKind.COMBINED_AREA and not self.housing_area_id:
            errors["housing_area"] = _("Choose the combined housing area the department belongs to.")
        if self.kind != AreaStatusKind.COMBINED_AREA and self.housing_area_id:
            errors["housing_area"] = _("A housing area is only given for the combined-area status.")
        if errors:
            raise ValidationError(errors)

    def in_force_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class DwellingKind(models.TextChoices):
    FAMILY = "family", _("Family dwelling")
    YOUTH = "youth", _("Youth dwelling")
    ELDER = "elder", _("Elder dwelling")
    PLEJEBOLIG = "plejebolig", _("Nursing dwelling (plejebolig)")
    PLEJEHJEM = "plejehjem", _("Nursing home place (plejehjem)")
    URBAN_RENEWAL_ELDER = "urban_renewal_elder", _("Urban-renewal dwelling for elderly/disabled")


class YouthKind(models.TextChoices):
    ORDINARY = "", _("Ordinary")
    STARTBOLIG = "startbolig", _("Startbolig (R12.1)")
    RELABELLED = "relabelled", _("Relabelled youth dwelling (R12.1)")
    UNIVERSITY_NEAR = "university_near", _("University-near youth dwelling (R13)")


class LeaseScope(models.TextChoices):
    """Whether the letting rules apply to the dwelling's lease at all (§ 1, stk. 2–3)."""

    COVERED = "", _("Covered by the letting rules")
    MIXED = "mixed", _("Mixed lease with non-residential premises (R1.2)")
    SINGLE_ROOM = "single_room", _("Single room marked as a family dwelling (R1.3)")
    STAFF = "staff", _("Staff dwelling (R1.3)")


class OwnerKind(models.TextChoices):
    ORGANISATION = "organisation", _("Housing organisation")
    KOMMUNE = "kommune", _("Kommune")
    REGION = "region", _("Region")
    INSTITUTION = "institution", _("Self-governing institution")
    PRIVATE = "private", _("Private (unsupported plejebolig)")


class Dwelling(models.Model):
    """A *bolig* (lejemål) in a department, with the fittings the priority rules ask about."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="dwellings"
    )
    number = models.CharField(_("tenancy number"), max_length=20)
    address_line = models.CharField(_("address"), max_length=200)
    floor = models.SmallIntegerField(_("floor"), null=True, blank=True, help_text=_("0 is the ground floor."))
    has_elevator = models.BooleanField(_("elevator"), default=False)
    kind = models.CharField(
        _("kind"), max_length=30, choices=DwellingKind.choices, default=DwellingKind.FAMILY
    )
    rooms = models.PositiveSmallIntegerField(_("rooms"), validators=[MinValueValidator(1)])
    gross_floor_area = models.DecimalField(
        _("gross floor area (m²)"), max_digits=6, decimal_places=1, validators=[MinValueValidator(1)]
    )
    monthly_rent = models.DecimalField(
        _("monthly rent (DKK)"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    # Fittings and reservations used by the priority rules.
    fitted_elderly_disabled = models.BooleanField(
        _("reserved for or fitted for elderly/disabled persons (R5.1)"), default=False
    )
    fitted_mobility_impaired = models.BooleanField(
        _("fitted for severely mobility-impaired persons (R5.2)"), default=False
    )
    fitted_large_household_mobility = models.BooleanField(
        _("fitted for households of 4 or more with a severely mobility-impaired member (R5.3)"), default=False
    )
    fitted_far_reaching_disability = models.BooleanField(
        _("fitted for far-reaching physical or mental disabilities (R14.2)"), default=False
    )
    suitable_for_two = models.BooleanField(_("suitable for 2 persons (R19.3)"), default=False)
    youth_kind = models.CharField(
        _("youth dwelling kind"),
        max_length=20,
        choices=YouthKind.choices,
        default=YouthKind.ORDINARY,
        blank=True,
    )
    owner_kind = models.CharField(
        _("owner"), max_length=20, choices=OwnerKind.choices, default=OwnerKind.ORGANISATION
    )
    owner_name = models.CharField(
        _("owner name"), max_length=200, blank=True, help_text=_("When the owner is not the organisation.")
    )
    lease_scope = models.CharField(
        _("letting rules apply"),
        max_length=20,
        choices=LeaseScope.choices,
        default=LeaseScope.COVERED,
        blank=True,
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("dwelling")
        verbose_name_plural = _("dwellings")
        ordering = ["department", "number"]
        constraints = [
            models.UniqueConstraint(fields=["department", "number"], name="unique_dwelling_number"),
            models.CheckConstraint(
                condition=Q(kind="youth") | Q(youth_kind=""), name="youth_kind_only_for_youth_dwellings"
            ),
            models.CheckConstraint(condition=Q(rooms__gte=1), name="dwelling_has_rooms"),
        ]

    def __str__(self) -> str:
        return f"{self.address_line} ({self.number})"

    def get_absolute_url(self) -> str:
        return reverse("housing:dwelling_detail", args=[self.pk])

    def clean(self) -> None:
        errors = {}
        if self.youth_kind and self.kind != DwellingKind.YOUTH:
            errors["youth_kind"] = _("Only youth dwellings can be startbolig, relabelled or university-near.")
        if self.owner_kind != OwnerKind.ORGANISATION and not self.owner_name:
            errors["owner_name"] = _("Name the owner when it is not the housing organisation.")
        if errors:
            raise ValidationError(errors)
