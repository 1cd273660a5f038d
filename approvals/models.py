"""Kommune approval of a letting (*kommunens godkendelse af udlejningen*).

A request is created automatically when a letting needs the kommune's approval — R42.1 (the kommune
approves each letting of family and/or youth dwellings), R36.1 (*kombineret udlejning* in areas on the
ministry's list), R12.1 (a startbolig) and R12.4 / R14.4 (a youth or elder dwelling let out of kind).
The kommune receives it the day it is created; it may refuse on income (R42.2) or a refugee (R42.4)
only within 5 hverdage of receipt (bekendtgørelsens § 42, stk. 3–4, R42.3; hverdage by the one
national definition of ``housing.deadlines`` — a kommune's closing days do not move it). The
deadline is computed once and stored here; a daily job marks a request past it as lapsed, which
counts as approved, only when the § 42 scheme (R42.1) is its one ground — the R12.1, R12.4/R14.4
and R36.1 approvals never lapse.

The organisation's petition that the kommune decide on kombineret udlejning (§ 36, stk. 3, R36.3) is
``CombinedLettingPetition``: a refusal must give reasons.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Dwelling, DwellingKind, HousingOrganisation, Kommune, Person, Tenant
from housing.state_machine import StateMachine


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("Awaiting the kommune")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")
    LAPSED = "lapsed", _("Approved: the deadline lapsed (R42.3)")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# The states in which the lease may be signed.
LETTING_ALLOWED_STATES = frozenset({ApprovalState.APPROVED, ApprovalState.LAPSED})


class RefusalGround(models.TextChoices):
    INCOME = "R42.2", _("Household income obviously out of proportion to the rent (R42.2)")
    REFUGEE = "R42.4", _("Refugee (almenboligloven § 62, stk. 1; R42.4)")
    BENEFITS = "R36.1", _("Receives integrationsydelse, uddannelseshjælp or kontanthjælp (R36.1)")
    STARTBOLIG = "R12.1", _("Does not meet the startbolig conditions (R12.1)")
    OUT_OF_KIND = "R12.4", _("Letting out of kind not approved (R12.4 / R14.4)")


class BenefitFinding(models.TextChoices):
    NOT_CHECKED = "", _("Not checked (R36.1 does not apply)")
    NONE = "none", _("No listed benefit recorded")
    LISTED = (
        "listed",
        _("The applicant and any spouse receive a listed benefit, each for 6 whole calendar months (§ 51 b)"),
    )
    PARTLY = "partly", _("A listed benefit is received, but not as § 51 b requires of applicant and spouse")
    # § 51 b, stk. 1, 4. pkt.: whether a cohabitant counts as a spouse turns on 2 years of
    # cohabitation; the kommune obtains the date (§ 36, stk. 1: "om nødvendigt efter indhentning af
    # oplysninger") before it refuses on this ground.
    UNKNOWN = "unknown", _("The applicant meets the condition; the cohabitant's start date is not recorded")


class ApprovalRequest(models.Model):
    vacancy = models.ForeignKey(
        "allocation.Vacancy",
        verbose_name=_("vacancy"),
        on_delete=models.PROTECT,
        related_name="approval_requests",
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="approval_requests"
    )
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The organisation's data controller (the vacancy's), on the row for tenant scoping.
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="approval_requests"
    )
    offer = models.ForeignKey(
        "allocation.Offer",
        verbose_name=_("offer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approval_requests",
    )
    grounds = models.JSONField(_("approval needed under"), default=list)
    let_as = models.CharField(
        _("let as (out of kind)"), max_length=30, choices=DwellingKind.choices, blank=True
    )
    received_on = models.DateField(_("received by the kommune"))
    deadline = models.DateField(_("refusal deadline (5 working days, R42.3)"))
    state = models.CharField(
        _("state"), max_length=10, choices=ApprovalState.choices, default=ApprovalState.PENDING
    )
    monthly_rent = models.DecimalField(_("monthly rent (DKK)"), max_digits=9, decimal_places=2)
    household_income = models.DecimalField(
        _("household income per year (DKK)"),
        max_digits=11,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    income_assessment = models.TextField(_("the kommune's assessment of income and rent (R42.2)"), blank=True)
    is_refugee = models.BooleanField(_("refugee (R42.4)"), default=False)
    benefit_finding = models.CharField(
        _("benefit status (R36.1)"), max_length=10, choices=BenefitFinding.choices, blank=True
    )
    benefit_checked_on = models.DateField(_("benefit status checked on"), null=True, blank=True)
    refusal_ground = models.CharField(
        _("refusal ground"), max_length=10, choices=RefusalGround.choices, blank=True
    )
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    applicant_letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(table_name="allocation_historicalapprovalrequest")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_approvalrequest"
        verbose_name = _("kommune approval request")
        verbose_name_plural = _("kommune approval requests")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vacancy"],
                condition=Q(state=ApprovalState.PENDING),
                name="one_pending_approval_per_vacancy",
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("received_on")), name="approval_deadline_after_receipt"
            ),
            models.CheckConstraint(
                condition=~Q(state=ApprovalState.REFUSED) | (~Q(decision_reasons="") & ~Q(refusal_ground="")),
                name="approval_refusal_has_ground_and_reasons",
            ),
        ]
        indexes = [models.Index(fields=["state", "deadline"], name="approval_deadline_idx")]

    # The request's course (``approvals.services``): the kommune approves or refuses it (R42.1,
    # R42.2, R42.4, R36.1, R12.1, R12.4/R14.4), the § 42 deadline lapses into approval (R42.3), or it
    # is withdrawn — the vacancy closed before the kommune decided, or Ankestyrelsen gave the
    # dwelling back to an applicant refused before (``approval_overturn``), who is then approved.
    states = StateMachine(
        field="state",
        transitions={
            ApprovalState.PENDING: {
                ApprovalState.APPROVED,
                ApprovalState.REFUSED,
                ApprovalState.LAPSED,
                ApprovalState.WITHDRAWN,
            },
            ApprovalState.REFUSED: {ApprovalState.APPROVED},
            ApprovalState.APPROVED: set(),
            ApprovalState.LAPSED: set(),
            ApprovalState.WITHDRAWN: set(),
        },
        label=_("The state of the kommune approval request"),
    )

    def __str__(self) -> str:
        return f"{self.vacancy} – {self.person}"

    def get_absolute_url(self) -> str:
        return reverse("approvals:approval_detail", args=[self.pk])

    @property
    def allows_letting(self) -> bool:
        return self.state in LETTING_ALLOWED_STATES


class PetitionState(models.TextChoices):
    PENDING = "pending", _("Awaiting the kommune")
    GRANTED = "granted", _("Granted: the kommune decides on kombineret udlejning")
    REFUSED = "refused", _("Refused (with reasons, R36.3)")


class CombinedLettingPetition(models.Model):
    """The organisation asks the kommune to decide on rejection of applicants on the waiting list
    (almenboligloven § 51 b, stk. 1); a kommune that does not grant it gives reasons (§ 36, stk. 3)."""

    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    requested_on = models.DateField(_("requested on"))
    request_text = models.TextField(_("the organisation's request"))
    state = models.CharField(
        _("state"), max_length=10, choices=PetitionState.choices, default=PetitionState.PENDING
    )
    reasons = models.TextField(_("the kommune's reasons"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(table_name="allocation_historicalcombinedlettingpetition")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_combinedlettingpetition"
        verbose_name = _("petition for kombineret udlejning")
        verbose_name_plural = _("petitions for kombineret udlejning")
        ordering = ["-requested_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state=PetitionState.REFUSED) | ~Q(reasons=""),
                name="petition_refusal_has_reasons",
            ),
        ]

    # R36.3: the kommune grants the petition or refuses it with reasons; either is final.
    states = StateMachine(
        field="state",
        transitions={
            PetitionState.PENDING: {PetitionState.GRANTED, PetitionState.REFUSED},
            PetitionState.GRANTED: set(),
            PetitionState.REFUSED: set(),
        },
        label=_("The state of the petition for kombineret udlejning"),
    )

    def __str__(self) -> str:
        return f"{self.organisation} → {self.kommune} ({self.requested_on})"

    def clean(self) -> None:
        if self.state == PetitionState.REFUSED and not (self.reasons or "").strip():
            raise ValidationError(
                {"reasons": _("A kommune that refuses the organisation's request gives its reasons (R36.3).")}
            )


class YouthReversion(models.Model):
    """R12.5 (§ 12, stk. 5, 2. pkt.): the kommune decides that a youth dwelling let as a family or
    elder dwelling under § 12, stk. 4 (R12.4) is let as a youth dwelling again when it falls
    vacant. From ``valid_from`` the kommune approves no more letting of it out of kind, and its next
    vacancy goes to the youth lists."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    dwelling = models.OneToOneField(
        Dwelling, verbose_name=_("youth dwelling"), on_delete=models.PROTECT, related_name="youth_reversion"
    )
    # The organisation's data controller (the dwelling's), so the organisation sees the decision.
    controller = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+")
    approval = models.ForeignKey(
        ApprovalRequest,
        verbose_name=_("the approval of the letting out of kind"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    valid_from = models.DateField(_("applies from"))
    reasons = models.TextField(_("the kommune's reasons"))
    decided_on = models.DateField(_("decided on"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords(table_name="allocation_historicalyouthreversion")

    class Meta:
        # The table kept its name when the model moved here from allocation (no rows moved).
        db_table = "allocation_youthreversion"
        verbose_name = _("R12.5 reversion to youth letting")
        verbose_name_plural = _("R12.5 reversions to youth letting")
        ordering = ["-decided_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.dwelling} ({self.valid_from})"
