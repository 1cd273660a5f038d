"""Elder-housing facilities: the kommune's ældreboliger, plejeboliger, plejehjem and botilbud.

A facility is a building or a group of dwellings the kommune lets as one kind (a *plejecenter*,
a group of *ældreboliger* in an afdeling, a *botilbud*). It carries the user information that
§ 25, stk. 2–3 (R25.2–R25.3) demands be published, and links the register's dwellings
(``housing.Dwelling``) through ``FacilityDwelling`` so the register itself is not changed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Dwelling, Kommune, OwnerKind


class FacilityKind(models.TextChoices):
    ELDER_DWELLINGS = "aeldreboliger", _("Elder dwellings (ældreboliger)")
    NURSING_DWELLINGS = "plejeboliger", _("Nursing dwellings (plejeboliger)")
    NURSING_HOME = "plejehjem", _("Nursing home (plejehjem)")
    BOTILBUD = "botilbud", _("Residential care (botilbud)")


#: Kinds whose user information follows § 25, stk. 3 (plejeboliger incl. unsupported private ones).
NURSING_KINDS = frozenset({FacilityKind.NURSING_DWELLINGS, FacilityKind.NURSING_HOME})


class Facility(models.Model):
    """An elder-housing facility or dwelling group of a kommune, with its § 25 user information."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="elder_facilities"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=FacilityKind.choices)
    owner_kind = models.CharField(_("owner"), max_length=20, choices=OwnerKind.choices)
    owner_name = models.CharField(_("owner name"), max_length=200)
    private_unsupported = models.BooleanField(
        _("unsupported private nursing dwellings (ustøttede private plejeboliger, R19.4)"), default=False
    )
    address_line = models.CharField(_("address"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=4)
    city = models.CharField(_("city"), max_length=100)
    published = models.BooleanField(
        _("shown on the public page"),
        default=True,
        help_text=_("§ 25: the information must be easy to find."),
    )
    # § 25, stk. 2 nr. 1 / stk. 3 nr. 1: the dwellings, incl. those suitable for 2 persons.
    dwelling_count = models.PositiveIntegerField(_("number of dwellings"))
    dwellings_for_two = models.PositiveIntegerField(_("dwellings suitable for 2 persons"), default=0)
    # stk. 2 nr. 2 / stk. 3 nr. 8
    size_and_layout = models.TextField(_("size and layout of the dwellings"))
    # stk. 2 nr. 3
    shared_facilities = models.TextField(_("shared facilities"), blank=True)
    # stk. 2 nr. 4
    attached_help = models.TextField(_("attached help"), blank=True)
    # stk. 2 nr. 5 / stk. 3 nr. 9
    quality_results = models.TextField(_("results of quality surveys"), blank=True)
    # stk. 3 nr. 2–7 (plejeboliger and plejehjem)
    resident_count = models.PositiveIntegerField(_("number of residents"), null=True, blank=True)
    permanent_staff_count = models.PositiveIntegerField(
        _("number of permanently attached care staff"), null=True, blank=True
    )
    values_and_norms = models.TextField(_("the care centre's values and norms"), blank=True)
    daily_rhythm = models.TextField(_("the rhythm of daily life"), blank=True)
    dementia_effort = models.TextField(_("the effort for residents with dementia"), blank=True)
    supervision = models.TextField(_("how the care centre is supervised"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("elder-housing facility")
        verbose_name_plural = _("elder-housing facilities")
        ordering = ["kommune__name", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["kommune", "name"], name="unique_elder_facility_name"),
            models.CheckConstraint(
                condition=models.Q(dwellings_for_two__lte=models.F("dwelling_count")),
                name="elder_facility_for_two_within_count",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def is_nursing(self) -> bool:
        return self.kind in NURSING_KINDS

    def clean(self) -> None:
        errors = {}
        counts = (self.dwelling_count, self.dwellings_for_two)
        if None not in counts and self.dwellings_for_two > self.dwelling_count:
            errors["dwellings_for_two"] = _("Cannot exceed the number of dwellings.")
        if self.private_unsupported and self.kind not in NURSING_KINDS:
            errors["private_unsupported"] = _("Only nursing dwellings can be unsupported private ones.")
        if self.is_nursing:
            # § 25, stk. 3 nr. 2–7 are the minimum for plejeboliger.
            for name in ("resident_count", "permanent_staff_count"):
                if getattr(self, name) is None:
                    errors[name] = _("Required for nursing dwellings and nursing homes (§ 25, stk. 3).")
            for name in ("values_and_norms", "daily_rhythm", "dementia_effort", "supervision"):
                if not getattr(self, name):
                    errors[name] = _("Required for nursing dwellings and nursing homes (§ 25, stk. 3).")
        if errors:
            raise ValidationError(errors)


class FacilityDwelling(models.Model):
    """A register dwelling belonging to a facility (a dwelling is in at most one facility)."""

    facility = models.ForeignKey(
        Facility, verbose_name=_("facility"), on_delete=models.CASCADE, related_name="dwelling_links"
    )
    dwelling = models.OneToOneField(
        Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT, related_name="elder_facility_link"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("facility dwelling")
        verbose_name_plural = _("facility dwellings")
        ordering = ["facility", "dwelling"]

    def __str__(self) -> str:
        return f"{self.facility.name}: {self.dwelling}"

    def clean(self) -> None:
        linked = self.facility_id and self.dwelling_id
        if linked and self.dwelling.department.kommune_id != self.facility.kommune_id:
            raise ValidationError({"dwelling": _("The dwelling must lie in the facility's kommune.")})
