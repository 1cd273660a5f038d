"""An applicant's grounds for priority: documented health needs (R5, R10 — sensitive data, read only
through the access log), the separation priority (R8.2) and the boliggarantibevis (R6)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import BenefitProvision, Department, HousingOrganisation, Kommune, Person, Tenant
from housing.state_machine import StateMachine


class PriorityNeed(models.Model):
    """The documented need behind a priority of §§ 5 and 10. Health data (GDPR art. 9): shown only
    through ``allocation.services.needs``, which logs every reading."""

    person = models.OneToOneField(
        Person, verbose_name=_("applicant"), on_delete=models.CASCADE, related_name="priority_need"
    )
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    elderly_or_disabled = models.BooleanField(_("elderly or disabled (R5.1, R10.2)"), default=False)
    mobility_impaired = models.BooleanField(_("severely mobility-impaired (R5.2, R10.3)"), default=False)
    household_member_mobility_impaired = models.BooleanField(
        _("a household member is severely mobility-impaired (R5.3, R10.4)"), default=False
    )
    documentation = models.CharField(_("documentation"), max_length=300)
    documented_on = models.DateField(_("documented on"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("documented priority need")
        verbose_name_plural = _("documented priority needs")

    def __str__(self) -> str:
        return str(_("Priority need of %(person)s") % {"person": self.person_id})


class SeparationPriority(models.Model):
    """R8.2: the applicant left a dwelling of the organisation after a separation and their child
    lives with the other parent in one of its departments in the kommune — priority for up to 1 year."""

    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="separation_priorities"
    )
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(HousingOrganisation, on_delete=models.PROTECT, related_name="+")
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    left_on = models.DateField(_("left the dwelling on"))
    valid_until = models.DateField(_("priority until"))
    child_department = models.ForeignKey(
        Department,
        verbose_name=_("the child lives in department"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("documentation"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("separation priority (R8.2)")
        verbose_name_plural = _("separation priorities (R8.2)")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("left_on")), name="separation_ordered"
            )
        ]

    def __str__(self) -> str:
        return f"R8.2 {self.person_id} → {self.valid_until}"


class GuaranteeState(models.TextChoices):
    VALID = "valid", _("Valid")
    USED = "used", _("Used")
    EXPIRED = "expired", _("Expired")


class HousingGuarantee(models.Model):
    """A *boliggarantibevis* (R6.1): priority on the general list to a vacant dwelling in the
    department the tenant left, within at most 3 years of moving out."""

    person = models.ForeignKey(
        Person, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="housing_guarantees"
    )
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(HousingOrganisation, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, verbose_name=_("department left"), on_delete=models.PROTECT, related_name="+"
    )
    lease = models.OneToOneField(
        "allocation.Lease",
        verbose_name=_("the lease given up"),
        on_delete=models.PROTECT,
        related_name="guarantee",
    )
    moved_out_on = models.DateField(_("moved out on"))
    valid_until = models.DateField(_("valid until"))
    state = models.CharField(
        _("state"), max_length=10, choices=GuaranteeState.choices, default=GuaranteeState.VALID
    )
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    # A boliggarantibevis is used up by the lease it gave priority to (R6, ``leases.lease_sign``)
    # or runs out after at most 3 years (R6.1).
    states = StateMachine(
        field="state",
        label=_("The boliggarantibevis's state"),
        transitions={
            GuaranteeState.VALID: {GuaranteeState.USED, GuaranteeState.EXPIRED},
            GuaranteeState.USED: set(),
            GuaranteeState.EXPIRED: set(),
        },
    )

    class Meta:
        verbose_name = _("boliggarantibevis")
        verbose_name_plural = _("boliggarantibeviser")

    def __str__(self) -> str:
        return f"{self.department} → {self.valid_until}"


class GuaranteeSetAside(models.Model):
    """R6.2 (§ 6, stk. 2, 2. pkt.): "Fortrinsretten kan ikke gælde … for boligsøgende, der skal
    afvises efter almenboliglovens § 51 b eller § 51 c." Asked when the guarantee would be used —
    its holder placed by R6 for one vacancy — on that day's facts for that dwelling. When the
    holder must be rejected, the priority does not apply to this vacancy (the ranking places the
    holder by seniority, where the normal R36.1/R37.1 path meets them); the guarantee stays valid
    for other dwellings. Records no benefit facts: only the provision and the day."""

    guarantee = models.ForeignKey(
        HousingGuarantee,
        verbose_name=_("boliggarantibevis"),
        on_delete=models.PROTECT,
        related_name="set_asides",
    )
    vacancy = models.ForeignKey(
        "allocation.Vacancy", verbose_name=_("vacancy"), on_delete=models.CASCADE, related_name="+"
    )
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    provision = models.CharField(_("provision"), max_length=3, choices=BenefitProvision.choices)
    judged_on = models.DateField(_("judged on"))
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("boliggarantibevis not applied (R6.2)")
        verbose_name_plural = _("boliggarantibeviser not applied (R6.2)")
        constraints = [
            models.UniqueConstraint(
                fields=["guarantee", "vacancy"], name="one_set_aside_per_guarantee_vacancy"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guarantee} ✕ {self.vacancy_id} ({self.get_provision_display()})"
