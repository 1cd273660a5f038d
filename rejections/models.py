"""Rejection cases (*afvisning*, bekendtgørelsens §§ 26–30 and § 37), the R28.2 report to the
kommune, and the kommune's R37.2 dispensations with the R37.3 yearly report. Complaints against
these decisions are the ``complaints`` app's.

A rejection case is opened by a caseworker against one candidate for one vacancy, on one legal
ground, with the facts that ground needs; ``rejections.rules`` checks them and
``rejections.services`` refuses a rejection the law does not allow."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Department, HousingOrganisation, Kommune, Person, Tenant
from housing.state_machine import StateMachine


class RejectionSettings(models.Model):
    """The organisation's settings for rejections, configured in the admin."""

    organisation = models.OneToOneField(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.CASCADE,
        related_name="rejection_settings",
    )
    insignificant_debt_threshold = models.DecimalField(
        _("debt below this amount is insignificant (R27.2, DKK)"),
        max_digits=9,
        decimal_places=2,
        default=Decimal("1000.00"),
        validators=[MinValueValidator(0)],
        help_text=_("A debt under this amount cannot ground a rejection; a debt of exactly this amount can."),
    )
    history = HistoricalRecords(table_name="allocation_historicalrejectionsettings")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_rejectionsettings"
        verbose_name = _("rejection settings")
        verbose_name_plural = _("rejection settings")

    def __str__(self) -> str:
        return str(self.organisation)


class RejectionGround(models.TextChoices):
    R26 = "R26", _("R26 – more than 2 persons per room (§ 26)")
    R27 = "R27", _("R27 – overdue debt to the organisation (§ 27)")
    R28 = "R28", _("R28 – tenancy terminated in the same housing area (§ 28)")
    R29 = "R29", _("R29 – criminal record in an udsat boligområde (§ 29)")
    R30 = "R30", _("R30 – very special case with reasonable grounds (§ 30)")
    R37 = (
        "R37",
        _("R37 – omdannelsesområde (formerly: hårdt ghettoområde), listed benefits (§ 37, mandatory)"),
    )


class RejectionState(models.TextChoices):
    OPEN = "open", _("Open: awaiting facts")
    DECIDED = "decided", _("Decided: rejected")
    NOT_REJECTED = "not_rejected", _("Closed without rejection")
    OVERTURNED = "overturned", _("Overturned on complaint")
    DISPENSED = "dispensed", _("Lifted: the kommune granted a dispensation (R37.2)")


# The grounds of termination listed in § 28, stk. 1 (almenlejeloven).
class TerminationGround(models.TextChoices):
    S85_3 = "85.1.3", _("Almenlejeloven § 85, stk. 1, nr. 3")
    S85_4 = "85.1.4", _("Almenlejeloven § 85, stk. 1, nr. 4")
    S90_7 = "90.1.7", _("Almenlejeloven § 90, stk. 1, nr. 7")
    S90_8 = "90.1.8", _("Almenlejeloven § 90, stk. 1, nr. 8")
    S90_9 = "90.1.9", _("Almenlejeloven § 90, stk. 1, nr. 9")
    S90_10 = "90.1.10", _("Almenlejeloven § 90, stk. 1, nr. 10")
    S90_13 = "90.1.13", _("Almenlejeloven § 90, stk. 1, nr. 13")
    OTHER = "other", _("Another ground (not listed in § 28)")


class DebtOrigin(models.TextChoices):
    FORMER = "former", _("A former tenancy with the organisation")
    CURRENT = "current", _("A current tenancy with the organisation")
    OTHER = "other", _("Something else (not a tenancy with the organisation)")


class RejectionCase(models.Model):
    vacancy = models.ForeignKey(
        "allocation.Vacancy", verbose_name=_("vacancy"), on_delete=models.PROTECT, related_name="rejections"
    )
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The organisation's data controller, for tenant scoping (as on the vacancy).
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="rejection_cases")
    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="rejection_cases"
    )
    entry = models.ForeignKey(
        "waitinglists.Entry",
        verbose_name=_("waiting-list entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rejection_cases",
    )
    ground = models.CharField(_("legal ground"), max_length=5, choices=RejectionGround.choices)
    state = models.CharField(
        _("state"), max_length=20, choices=RejectionState.choices, default=RejectionState.OPEN
    )
    takeover_date = models.DateField(_("takeover date (overtagelsesdag)"))
    reasoning = models.TextField(_("written reasoning"), blank=True)
    # R26
    household_size = models.PositiveSmallIntegerField(_("persons in the household"), null=True, blank=True)
    rooms = models.PositiveSmallIntegerField(_("rooms in the dwelling"), null=True, blank=True)
    # R27
    debt_amount = models.DecimalField(
        _("debt (DKK)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    debt_due_date = models.DateField(_("debt due on"), null=True, blank=True)
    debt_origin = models.CharField(
        _("origin of the debt"), max_length=10, choices=DebtOrigin.choices, blank=True
    )
    debt_origin_text = models.CharField(_("the tenancy the debt comes from"), max_length=300, blank=True)
    debt_threshold = models.DecimalField(
        _("insignificance threshold applied (DKK)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    debt_time_barred = models.BooleanField(_("the claim is time-barred (forældet)"), default=False)
    debt_plan_kept = models.BooleanField(
        _("a kept instalment plan or settlement (afdragsordning/akkord)"), default=False
    )
    debt_restructuring_kept = models.BooleanField(
        _("a kept debt restructuring (gældssanering)"), default=False
    )
    # R28
    termination_date = models.DateField(_("date of the termination or cancellation"), null=True, blank=True)
    termination_ground = models.CharField(
        _("ground of the termination"), max_length=10, choices=TerminationGround.choices, blank=True
    )
    terminating_department = models.ForeignKey(
        Department,
        verbose_name=_("department of the terminated tenancy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    terminated_person_text = models.CharField(
        _("whose tenancy was terminated (applicant or household member)"), max_length=200, blank=True
    )
    court_found_unmet = models.BooleanField(
        _("a court found the grounds for termination unmet"), default=False
    )
    tenant_objected_no_court = models.BooleanField(
        _("the tenant objected and the landlord did not bring the case to court in time"), default=False
    )
    # R29 (criminal-record data: every read is access-logged)
    certificates_requested_on = models.DateField(
        _("criminal-record certificates requested on"), null=True, blank=True
    )
    certificates_received_on = models.DateField(_("certificates received on"), null=True, blank=True)
    record_relevant = models.BooleanField(
        _("the records are relevant to safety in the area"), null=True, blank=True
    )
    record_assessment = models.TextField(_("assessment of the records"), blank=True)
    # R37
    benefit_summary = models.CharField(_("benefits found (R37.1)"), max_length=300, blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    history = HistoricalRecords(table_name="allocation_historicalrejectioncase")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_rejectioncase"
        verbose_name = _("rejection case")
        verbose_name_plural = _("rejection cases")
        ordering = ["-opened_at", "-id"]
        constraints = [
            # One live case per candidate and vacancy: a second would contradict the first.
            models.UniqueConstraint(
                fields=["vacancy", "person"],
                condition=Q(state__in=[RejectionState.OPEN, RejectionState.DECIDED]),
                name="one_live_rejection_per_candidate",
            ),
            models.CheckConstraint(
                condition=~Q(state=RejectionState.DECIDED) | Q(decided_on__isnull=False),
                name="decided_rejection_has_date",
            ),
        ]
        indexes = [models.Index(fields=["controller", "state"], name="rejection_controller_idx")]

    # The case's course (``rejections.services``): decided when the ground's facts hold, closed
    # without a rejection (the R29 records are not relevant, or the caseworker closes it). A decided
    # rejection is overturned on complaint (R11, ``complaints.services``) or lifted by the kommune's
    # R37.2 dispensation — granted by the kommune or on complaint to Ankestyrelsen (R24).
    states = StateMachine(
        field="state",
        transitions={
            RejectionState.OPEN: {RejectionState.DECIDED, RejectionState.NOT_REJECTED},
            RejectionState.DECIDED: {RejectionState.OVERTURNED, RejectionState.DISPENSED},
            RejectionState.NOT_REJECTED: set(),
            RejectionState.OVERTURNED: set(),
            RejectionState.DISPENSED: set(),
        },
        label=_("The state of the rejection case"),
    )

    def __str__(self) -> str:
        return f"{self.get_ground_display()} – {self.person.full_name}"

    def get_absolute_url(self) -> str:
        return reverse("rejections:rejection_detail", args=[self.pk])


class TerminationRejectionReportBatch(models.Model):
    """R28.2: the reports of one kommune for one calendar month, sent to the kommune together by
    the job ``allocation.r28_reports_send`` for it to forward to the ministry. Counts only — the
    law allows nothing but the fact of each rejection. One per kommune and month."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    rejections = models.PositiveIntegerField(_("rejections under § 28"))
    sent_on = models.DateField(_("sent to the kommune on"))
    generated_at = models.DateTimeField(_("generated"), auto_now_add=True)
    history = HistoricalRecords(table_name="allocation_historicalterminationrejectionreportbatch")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_terminationrejectionreportbatch"
        verbose_name = _("R28.2 report to the kommune")
        verbose_name_plural = _("R28.2 reports to the kommune")
        ordering = ["-period_start", "kommune__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kommune", "period_start"], name="one_r28_batch_per_kommune_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kommune} {self.period_start}–{self.period_end}"


class TerminationRejectionReport(models.Model):
    """R28.2: the report to the kommune of a rejection under § 28 — only the fact that an
    applicant was rejected on that ground (no name, no CPR), which the kommune forwards to the
    ministry (Trafik-, Bygge- og Boligstyrelsen)."""

    rejection = models.OneToOneField(
        RejectionCase,
        verbose_name=_("rejection case"),
        on_delete=models.PROTECT,
        related_name="termination_report",
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    rejected_on = models.DateField(_("rejected on"))
    reported_on = models.DateField(_("reported to the kommune on"))
    forwarded_on = models.DateField(_("forwarded to the ministry on"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    batch = models.ForeignKey(
        TerminationRejectionReportBatch,
        verbose_name=_("sent to the kommune in"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reports",
    )
    history = HistoricalRecords(table_name="allocation_historicalterminationrejectionreport")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_terminationrejectionreport"
        verbose_name = _("R28.2 report")
        verbose_name_plural = _("R28.2 reports")
        ordering = ["-rejected_on", "-id"]

    def __str__(self) -> str:
        return f"§ 28 {self.organisation} {self.rejected_on}"


class DispensationState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    REFUSED = "refused", _("Refused")


class Dispensation(models.Model):
    """R37.2: the kommune may in very special cases dispense from the mandatory R37.1 rejection,
    weighing (among other things) the four considerations of § 37, stk. 2."""

    vacancy = models.ForeignKey(
        "allocation.Vacancy",
        verbose_name=_("vacancy"),
        on_delete=models.PROTECT,
        related_name="dispensations",
    )
    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    rejection = models.ForeignKey(
        RejectionCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="dispensations"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=DispensationState.choices, default=DispensationState.REQUESTED
    )
    request_text = models.TextField(_("the organisation's request"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField(_("requested on"))
    # § 37, stk. 2, nr. 1–4
    work_or_education_prospect = models.TextField(
        _("1) prospect of work or education within a short period"), blank=True
    )
    pension_prospect = models.TextField(
        _("2) expected transfer to early retirement or state pension soon"), blank=True
    )
    housing_elsewhere_prospect = models.TextField(_("3) prospect of a dwelling outside the area"), blank=True)
    other_circumstances = models.TextField(
        _("4) other special circumstances making a rejection disproportionately hard"), blank=True
    )
    decision_reasoning = models.TextField(_("reasoning of the decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(table_name="allocation_historicaldispensation")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_dispensation"
        verbose_name = _("R37.2 dispensation")
        verbose_name_plural = _("R37.2 dispensations")
        ordering = ["-requested_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vacancy", "person"],
                condition=Q(state__in=[DispensationState.REQUESTED, DispensationState.GRANTED]),
                name="one_live_dispensation_per_candidate",
            ),
        ]

    # R37.2: the kommune grants or refuses the request; a refusal overturned on complaint to
    # Ankestyrelsen (R24, ``complaints.services``) grants it.
    states = StateMachine(
        field="state",
        transitions={
            DispensationState.REQUESTED: {DispensationState.GRANTED, DispensationState.REFUSED},
            DispensationState.REFUSED: {DispensationState.GRANTED},
            DispensationState.GRANTED: set(),
        },
        label=_("The state of the dispensation request"),
    )

    def __str__(self) -> str:
        return f"{self.kommune} {self.requested_on} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("rejections:dispensation_detail", args=[self.pk])


class DispensationReport(models.Model):
    """R37.3: each 1 July the kommune reports the number of dispensations in the past year.
    Made by the job ``allocation.rejection_reports``; one per kommune and year."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    granted = models.PositiveIntegerField(_("dispensations granted"))
    refused = models.PositiveIntegerField(_("requests refused"))
    generated_at = models.DateTimeField(_("generated"), auto_now_add=True)
    history = HistoricalRecords(table_name="allocation_historicaldispensationreport")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_dispensationreport"
        verbose_name = _("R37.3 dispensation report")
        verbose_name_plural = _("R37.3 dispensation reports")
        ordering = ["-period_end", "kommune__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kommune", "period_start"], name="one_dispensation_report_per_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kommune} {self.period_start}–{self.period_end}"
