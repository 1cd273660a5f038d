"""Seniority schemes (R3.7, R9.3) with their change limits, transfers (R32–R34), and the record
of lettings from the lists that the waiting-time estimate (R3.4) is computed from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Department, HousingOrganisation, Person

from .lists import Entry, WaitingList


class SchemeKind(models.TextChoices):
    KEEP_ON_LEASE = "keep_on_lease", _("Applicants keep their seniority on signing a lease (R3.7)")
    INTERNAL_FROM_GENERAL = (
        "internal_from_general",
        _("Internal seniority counts from the general-list date (R9.3)"),
    )


class SeniorityScheme(models.Model):
    """One decision on a seniority scheme, effective from a date. A later decision on the same
    kind is a change, allowed 10 years after the last change took effect — the first change
    after 5 years (R3.9, R9.6). ``services`` refuses anything earlier, citing the rule."""

    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="seniority_schemes",
    )
    kind = models.CharField(_("scheme"), max_length=30, choices=SchemeKind.choices)
    enabled = models.BooleanField(_("in use"), default=True)
    decided_on = models.DateField(_("decided on"))
    effective_from = models.DateField(_("in force from"))
    tenants_informed_on = models.DateField(
        _("tenants informed on (R9.5: within 4 weeks of the decision)"), null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("seniority scheme")
        verbose_name_plural = _("seniority schemes")
        ordering = ["organisation", "kind", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "effective_from"], name="one_scheme_decision_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(effective_from__gte=models.F("decided_on")),
                name="scheme_effective_after_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.effective_from})"


class TransferKind(models.TextChoices):
    TAKEOVER = "takeover", _("Permanent takeover of the right of use (R32)")
    DEATH = "death", _("Death of the applicant (R33.1)")
    CARE_MOVE = "care_move", _("The applicant moved to a nursing home or elder dwelling (R33.2)")


class SeniorityTransfer(models.Model):
    """A waiting-list place passed from one person to another — only on the grounds of §§ 32–33."""

    kind = models.CharField(_("ground"), max_length=20, choices=TransferKind.choices)
    from_entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="transfers_out")
    to_entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="transfer_in")
    occurred_on = models.DateField(_("date of the event"))
    relation = models.CharField(_("relation to the applicant"), max_length=100, blank=True)
    note = models.CharField(_("documentation"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("seniority transfer")
        verbose_name_plural = _("seniority transfers")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.from_entry_id} → {self.to_entry_id}"


class LettingRecord(models.Model):
    """A dwelling let from a waiting list: what the waiting-time estimate (R3.4) learns from.
    Written when a lease is signed (allocation), or imported with the legacy data."""

    waiting_list = models.ForeignKey(WaitingList, on_delete=models.PROTECT, related_name="lettings")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="list_lettings")
    rooms = models.PositiveSmallIntegerField(_("rooms"))
    let_on = models.DateField(_("let on"))
    winner_seniority_date = models.DateField(_("the winner's seniority date"))
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letting from the list")
        verbose_name_plural = _("lettings from the lists")
        indexes = [
            models.Index(
                fields=["waiting_list", "department", "rooms", "let_on"], name="letting_estimate_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.rooms} ({self.let_on})"
