"""Allocation of a vacant elder or nursing dwelling by the kommune (§ 14, § 20, stk. 2, § 24).

The kommune has the right to nominate (*anvisningsret*, R14.1): for each vacancy the officer sees
the candidates from the general list and the facility's specific list, ranked by assessed need and
then by waiting time (R20.2), decides with a reason, and offers the dwelling. The offer and the
decision letters carry the appeal guidance to Ankestyrelsen (R24). An acceptance leads to the lease
with the owner; a refusal starts a new guarantee period (R17). When the eligible group cannot be
found, the dwelling may be let to others (R14.3), or — with the kommune's approval — as a family
or youth dwelling (R14.4; not kommune- or institution-owned ones, R14.5).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Dwelling, Kommune, Person, Tenant

from .guarantee import GuaranteeEntry
from .needs import NeedDecision
from .specific_lists import SpecificListEntry


class ElderVacancyState(models.TextChoices):
    OPEN = "open", _("Open")
    LET = "let", _("Let to the person nominated")
    LET_TO_OTHERS = "let_to_others", _("Let outside the eligible group (R14.3–R14.4)")
    CANCELLED = "cancelled", _("Cancelled")


class OtherLettingBasis(models.TextChoices):
    NONE = "", _("—")
    OTHERS = "r14_3", _("Let to others: the eligible group could not be found (R14.3)")
    FAMILY = "r14_4_family", _("Let as a family dwelling with the kommune's approval (R14.4)")
    YOUTH = "r14_4_youth", _("Let as a youth dwelling with the kommune's approval (R14.4)")


class ElderVacancy(models.Model):
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="elder_vacancies"
    )
    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="+"
    )
    dwelling = models.ForeignKey(
        Dwelling, verbose_name=_("dwelling"), on_delete=models.PROTECT, related_name="elder_vacancies"
    )
    vacant_from = models.DateField(_("vacant from"))
    ready_on = models.DateField(_("ready to move into on"))
    state = models.CharField(
        _("state"), max_length=20, choices=ElderVacancyState.choices, default=ElderVacancyState.OPEN
    )
    # R14.3: the officer records that nobody of the eligible group (for an R14.2 dwelling: nobody with
    # a far-reaching disability) can be found; for an R14.2 dwelling that only widens the candidates
    # to the R14.1 group.
    eligible_not_found_on = models.DateField(_("eligible group not found on (R14.3)"), null=True, blank=True)
    eligible_not_found_note = models.CharField(
        _("how the eligible group was sought"), max_length=300, blank=True
    )
    other_letting_basis = models.CharField(
        _("let outside the eligible group"),
        max_length=20,
        choices=OtherLettingBasis.choices,
        blank=True,
        default=OtherLettingBasis.NONE,
    )
    other_letting_approved_on = models.DateField(_("kommune's approval on (R14.4)"), null=True, blank=True)
    other_letting_approval_ref = models.CharField(_("approval reference"), max_length=200, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("vacant elder dwelling")
        verbose_name_plural = _("vacant elder dwellings")
        ordering = ["vacant_from", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["dwelling"], condition=Q(state="open"), name="one_open_elder_vacancy_per_dwelling"
            ),
            models.CheckConstraint(
                condition=Q(ready_on__gte=models.F("vacant_from")), name="elder_vacancy_ready_after_vacant"
            ),
            models.CheckConstraint(
                condition=Q(state="let_to_others") & ~Q(other_letting_basis="")
                | ~Q(state="let_to_others") & Q(other_letting_basis=""),
                name="elder_vacancy_basis_iff_let_to_others",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling} ({self.vacant_from})"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:vacancy_detail", args=[self.pk])


class OfferSource(models.TextChoices):
    GENERAL = "general", _("General list (guarantee)")
    SPECIFIC = "specific", _("Specific list")


class ElderOfferState(models.TextChoices):
    PENDING = "pending", _("Awaiting answer")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ElderOffer(models.Model):
    vacancy = models.ForeignKey(
        ElderVacancy, verbose_name=_("vacancy"), on_delete=models.PROTECT, related_name="offers"
    )
    person = models.ForeignKey(Person, verbose_name=_("elder"), on_delete=models.PROTECT, related_name="+")
    need_decision = models.ForeignKey(
        NeedDecision, verbose_name=_("needs decision"), on_delete=models.PROTECT, related_name="offers"
    )
    source = models.CharField(_("from"), max_length=10, choices=OfferSource.choices)
    guarantee_entry = models.ForeignKey(
        GuaranteeEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    specific_entry = models.ForeignKey(
        SpecificListEntry, on_delete=models.PROTECT, null=True, blank=True, related_name="elder_offers"
    )
    rank = models.PositiveIntegerField(_("rank"))
    need_score = models.PositiveSmallIntegerField(_("assessed need"))
    waiting_since = models.DateField(_("waiting since"))
    decision_reason = models.TextField(_("the kommune's reasons (R20.2)"))
    offered_on = models.DateField(_("offered on"))
    answer_by = models.DateField(_("answer by"))
    # R16.2: an offer from the general list of a dwelling ready after the elder's ready-by date
    # (2 weeks after the deadline) does not fulfil the guarantee; None for specific-list offers.
    meets_guarantee = models.BooleanField(_("fulfils the guarantee (R16.2)"), null=True, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=ElderOfferState.choices, default=ElderOfferState.PENDING
    )
    answered_on = models.DateField(_("answer received on"), null=True, blank=True)
    # R18: the day the elder received the offer (recorded by the officer, or the day the offer letter
    # was delivered by Digital Post); a changed need before this day ends the guarantee, one on or
    # after it does not.
    received_on = models.DateField(_("the elder received the offer on"), null=True, blank=True)
    offer_letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    offered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("offer of an elder dwelling")
        verbose_name_plural = _("offers of elder dwellings")
        ordering = ["vacancy", "offered_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["vacancy"], condition=Q(state="pending"), name="one_pending_elder_offer_per_vacancy"
            ),
            models.CheckConstraint(
                condition=Q(source="general", guarantee_entry__isnull=False, specific_entry__isnull=True)
                | Q(source="specific", specific_entry__isnull=False),
                name="elder_offer_source_matches_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vacancy} → {self.person_id}"


class ElderLease(models.Model):
    """The lease the owner makes with the person the kommune nominated (recorded here)."""

    vacancy = models.OneToOneField(ElderVacancy, on_delete=models.PROTECT, related_name="lease")
    offer = models.OneToOneField(ElderOffer, on_delete=models.PROTECT, related_name="lease")
    person = models.ForeignKey(Person, verbose_name=_("tenant"), on_delete=models.PROTECT, related_name="+")
    landlord = models.CharField(_("landlord (owner)"), max_length=200)
    signed_on = models.DateField(_("lease signed on"))
    starts_on = models.DateField(_("tenancy starts on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("lease of an elder dwelling")
        verbose_name_plural = _("leases of elder dwellings")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__gte=models.F("signed_on")), name="elder_lease_starts_after_signing"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vacancy} – {self.starts_on}"
