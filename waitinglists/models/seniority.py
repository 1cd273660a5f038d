"""Seniority schemes (R3.7, R9.3) with their change limits, transfers (R32–R34), and the record
of lettings from the lists that the waiting-time estimate (R3.4) is computed from."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Department, HousingOrganisation, Person, Tenant

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


class KeepRule(models.TextChoices):
    ANDELS_2010 = (
        "r3_6",
        _("§ 3, stk. 6 — andels member on 1 January 2010 (R3.6)"),
    )
    SCHEME = "r3_7", _("§ 3, stk. 7 — the organisation's scheme for keeping the seniority (R3.7)")


class KeepSeniorityRight(models.Model):
    """The right a lease gave to keep one's place on the general list (§ 3, stk. 6–7, R3.6–R3.7).

    Made when the lease is signed and its entry deleted (§ 3, stk. 5, R3.5). The organisation
    informs the tenant in writing with the lease (``information_letter``); the tenant's wish must
    reach it "senest 8 dage efter lejeaftalens indgåelse" — postponed by as many days as the
    information left after the signing. The day the information counts from is the day the
    letter actually left (its delivery record), not the day it was queued. The wish, recorded by
    a caseworker with a reason, is the only way back onto the list with the seniority."""

    entry = models.ForeignKey(
        Entry, verbose_name=_("entry"), on_delete=models.PROTECT, related_name="keep_rights"
    )
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        HousingOrganisation, verbose_name=_("landlord"), on_delete=models.PROTECT, related_name="+"
    )
    rule = models.CharField(_("right under"), max_length=10, choices=KeepRule.choices)
    scheme = models.ForeignKey(
        SeniorityScheme,
        verbose_name=_("seniority scheme (R3.7)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    lease_signed_on = models.DateField(_("lease signed on"))
    information_letter = models.ForeignKey(
        "letters.Letter",
        verbose_name=_("written information (letter)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Set when the wish is recorded: the facts the decision was made on.
    informed_on = models.DateField(_("written information sent on"), null=True, blank=True)
    requested_on = models.DateField(_("the tenant's wish received on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("right to keep the seniority")
        verbose_name_plural = _("rights to keep the seniority")
        ordering = ["-lease_signed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "lease_signed_on"], name="one_keep_right_per_entry_and_lease"
            ),
            models.CheckConstraint(
                condition=~Q(rule="r3_7") | Q(scheme__isnull=False), name="keep_right_r3_7_names_the_scheme"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry} ({self.lease_signed_on})"
