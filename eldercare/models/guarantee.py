"""The general list (*generel venteliste*) and the plejebolig guarantee (§§ 15–18).

An elder whose needs decision says plejebolig / plejehjem and who has not chosen a specific
dwelling is on the general list (R15.1). The kommune must offer a place within 2 calendar months
of the decision (R16.1), ready to move into at the latest 2 weeks after that (R16.2). A refusal
keeps the elder on the list and starts a new 2-month period from the day the kommune received the
refusal (R17). A changed need before an offer ends the guarantee (R18).

Each 2-month period is a ``GuaranteePeriod`` row with its deadlines computed once (through
``housing.deadlines``) and stored, so the dashboard and the daily warning job only compare stored
dates with today, and a breach stays countable after the elder was housed.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Kommune, Person, Tenant

from .needs import NeedDecision


class GuaranteeState(models.TextChoices):
    WAITING = "waiting", _("On the general list")
    HOUSED = "housed", _("Housed")
    NEED_CHANGED = "need_changed", _("Guarantee ended: the need changed (R18)")
    CHOSE_SPECIFIC = "chose_specific", _("Guarantee does not apply: chose a specific dwelling (R15.2)")
    ENDED = "ended", _("Ended")


class EndCause(models.TextChoices):
    """Why a place on the general list ended other than by housing, R18 or R15.2 (``state=ended``)."""

    NONE = "", _("—")
    WITHDRAWN = "withdrawn", _("The elder withdrew from the list")
    DIED = "died", _("The elder has died")
    MOVED = "moved", _("The elder moved to another kommune")
    NEED_LAPSED = "need_lapsed", _("The need for a plejebolig has lapsed")


class GuaranteeEntry(models.Model):
    """One elder on the kommune's general list; the current period's deadlines are copied here
    so the dashboard reads one row per elder."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="guarantee_entries"
    )
    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("elder"), on_delete=models.PROTECT, related_name="guarantee_entries"
    )
    need_decision = models.OneToOneField(
        NeedDecision,
        verbose_name=_("needs decision"),
        on_delete=models.PROTECT,
        related_name="guarantee_entry",
    )
    admitted_on = models.DateField(_("on the general list from"))
    state = models.CharField(
        _("state"), max_length=20, choices=GuaranteeState.choices, default=GuaranteeState.WAITING
    )
    clock_started_on = models.DateField(_("2 months counted from"))
    deadline = models.DateField(_("offer at the latest (R16.1)"))
    ready_by = models.DateField(_("ready to move into at the latest (R16.2)"))
    refusals = models.PositiveSmallIntegerField(_("refused offers"), default=0)
    reassessment_due = models.BooleanField(_("reassessment due (local practice)"), default=False)
    ended_on = models.DateField(_("left the list on"), null=True, blank=True)
    end_letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    end_cause = models.CharField(
        _("why the place ended"), max_length=20, choices=EndCause.choices, blank=True, default=EndCause.NONE
    )
    end_note = models.CharField(_("note on the end"), max_length=300, blank=True)
    # R18: the need changed on this day, after the elder had received an offer under § 16: the
    # guarantee was not ended by the change (it ends only for a change before an offer is received).
    need_changed_after_offer_on = models.DateField(
        _("need changed after an offer was received (R18 does not apply)"), null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("general-list entry")
        verbose_name_plural = _("general-list entries")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="waiting"), name="one_waiting_guarantee_entry_per_person"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("clock_started_on")), name="guarantee_deadline_after_start"
            ),
            models.CheckConstraint(
                condition=Q(state="waiting", ended_on__isnull=True)
                | (~Q(state="waiting") & Q(ended_on__isnull=False)),
                name="guarantee_ended_on_iff_not_waiting",
            ),
            models.CheckConstraint(
                condition=Q(state="ended") & ~Q(end_cause="") | ~Q(state="ended") & Q(end_cause=""),
                name="guarantee_end_cause_iff_ended",
            ),
        ]
        indexes = [models.Index(fields=["kommune", "state", "deadline"], name="guarantee_dashboard")]

    def __str__(self) -> str:
        return f"{self.person.full_name} – {self.deadline}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:guarantee_detail", args=[self.pk])


class PeriodOutcome(models.TextChoices):
    RUNNING = "running", _("Running")
    REFUSED = "refused", _("Offer refused: a new period runs (R17)")
    ACCEPTED = "accepted", _("Offer accepted")
    ENDED = "ended", _("Guarantee ended")


class GuaranteePeriod(models.Model):
    """One 2-month period of an entry: the first from the decision date, one more after each
    refusal (from the day the refusal was received, R17). ``offered_on`` is the first offer made
    in the period; the guarantee is breached when no offer came by ``deadline`` (R16.1) or the
    dwelling offered was not ready by ``ready_by`` (R16.2)."""

    entry = models.ForeignKey(GuaranteeEntry, on_delete=models.CASCADE, related_name="periods")
    kommune = models.ForeignKey(Kommune, on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(_("period"))
    started_on = models.DateField(_("counted from"))
    deadline = models.DateField(_("offer at the latest"))
    ready_by = models.DateField(_("ready to move into at the latest"))
    offered_on = models.DateField(_("offered on"), null=True, blank=True)
    offered_ready_on = models.DateField(_("offered dwelling ready on"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=PeriodOutcome.choices, default=PeriodOutcome.RUNNING
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("guarantee period")
        verbose_name_plural = _("guarantee periods")
        ordering = ["entry", "number"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "number"], name="guarantee_period_number_unique"),
            models.UniqueConstraint(
                fields=["entry"], condition=Q(outcome="running"), name="one_running_period_per_entry"
            ),
        ]
        indexes = [models.Index(fields=["kommune", "deadline"], name="guarantee_period_deadline")]

    def __str__(self) -> str:
        return f"{self.entry_id}/{self.number}: {self.started_on}–{self.deadline}"

    def breached_on(self, today) -> bool:
        """R16: no offer by the deadline (and the deadline has passed), or an offer of a dwelling
        not ready to move into by ``ready_by``."""
        if self.offered_on is None:
            left_in_time = self.closed_on is not None and self.closed_on <= self.deadline
            return self.deadline < today and not left_in_time
        if self.offered_on > self.deadline:
            return True
        return self.offered_ready_on is not None and self.offered_ready_on > self.ready_by


class EldercarePolicy(models.Model):
    """A kommune's local practice for the general list, dated (admin option, off by default)."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="eldercare_policies"
    )
    valid_from = models.DateField(_("valid from"))
    second_refusal_reassessment = models.BooleanField(
        _("a second refusal leads to a reassessment of the need"),
        default=False,
        help_text=_("Local practice; the elder stays on the list and a new period runs all the same (§ 17)."),
    )
    warning_days = models.PositiveSmallIntegerField(
        _("warn the kommune this many days before a deadline"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    decided_note = models.CharField(_("decided by / reference"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("elder-housing policy")
        verbose_name_plural = _("elder-housing policies")
        ordering = ["kommune", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["kommune", "valid_from"], name="one_eldercare_policy_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.kommune.name} {self.valid_from}"

    def clean(self) -> None:
        if self.warning_days is not None and not 1 <= self.warning_days <= 60:
            raise ValidationError({"warning_days": _("Between 1 and 60 days.")})


class DeadlineWarning(models.Model):
    """A notice to the kommune that a guarantee deadline is near (the daily job); one per entry
    and deadline, so a second run of the job warns nobody twice. Append-only, like the access
    log: the job run that wrote it is its record."""

    entry = models.ForeignKey(GuaranteeEntry, on_delete=models.CASCADE, related_name="warnings")
    kommune = models.ForeignKey(Kommune, on_delete=models.PROTECT, related_name="+")
    deadline = models.DateField(_("deadline"))
    warned_on = models.DateField(_("warned on"))
    days_left = models.SmallIntegerField(_("days left"))
    job_run = models.ForeignKey(
        "letters.JobRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("deadline warning")
        verbose_name_plural = _("deadline warnings")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["entry", "deadline"], name="one_warning_per_entry_and_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.deadline}"
