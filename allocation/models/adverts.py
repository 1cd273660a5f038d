"""Letting by advertising (R1.6, § 38): the advert with what R38.2 requires, the 8-day DanmarkBolig
deadline (R38.1), written expressions of interest, and the auditor's verifiable lottery (R38.3)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Person


class Advert(models.Model):
    vacancy = models.OneToOneField(
        "allocation.Vacancy", verbose_name=_("vacancy"), on_delete=models.PROTECT, related_name="advert"
    )
    agreed_on = models.DateField(
        _("letting by advertising agreed on"),
        help_text=_("R38.1: the advert must be on DanmarkBolig.dk within 8 days of this date."),
    )
    danmarkbolig_published_on = models.DateField(_("published on DanmarkBolig.dk on"), null=True, blank=True)
    other_media = models.CharField(_("also advertised in"), max_length=300, blank=True)
    dwelling_description = models.TextField(_("the dwelling(s)"))
    criteria = models.TextField(_("criteria"), blank=True)
    interest_deadline = models.DateField(_("deadline for written interest"))
    viewing_at = models.DateTimeField(_("viewing time"))
    viewing_place = models.CharField(_("viewing place"), max_length=200)
    decision_expected_on = models.DateField(_("decision expected on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("advert")
        verbose_name_plural = _("adverts")
        constraints = [
            models.CheckConstraint(
                condition=Q(decision_expected_on__gte=models.F("interest_deadline")),
                name="advert_decision_after_deadline",
            )
        ]

    def __str__(self) -> str:
        return str(self.vacancy)


class Interest(models.Model):
    """A written expression of interest in an advertised dwelling."""

    advert = models.ForeignKey(
        Advert, verbose_name=_("advert"), on_delete=models.CASCADE, related_name="interests"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("applicant"), on_delete=models.PROTECT, related_name="+"
    )
    received_on = models.DateField(_("received on"))
    qualified = models.BooleanField(_("meets the criteria"), default=True)
    assessment = models.CharField(_("assessment"), max_length=300, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ["received_on", "id"]
        constraints = [models.UniqueConstraint(fields=["advert", "person"], name="one_interest_per_person")]

    def __str__(self) -> str:
        return f"{self.advert_id}: {self.person_id}"


class LotteryDraw(models.Model):
    """R38.3: lots drawn by the organisation's auditor. The commitment is published before the
    draw; the seed after it; ``manage.py verify_lottery`` re-runs it (docs/lottery.md)."""

    advert = models.OneToOneField(Advert, on_delete=models.PROTECT, related_name="lottery")
    algorithm = models.CharField(_("algorithm"), max_length=40)
    applicants = models.JSONField(_("published applicant list"))
    commitment = models.CharField(_("commitment (SHA-256)"), max_length=64)
    committed_at = models.DateTimeField(_("commitment published"))
    committed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Kept secret until the draw: only the auditor's draw reveals it.
    seed = models.CharField(_("seed"), max_length=64)
    seed_revealed = models.BooleanField(_("seed published"), default=False)
    order = models.JSONField(_("order drawn"), null=True, blank=True)
    drawn_at = models.DateTimeField(_("drawn"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(excluded_fields=["seed"])

    class Meta:
        verbose_name = _("lottery (R38.3)")
        verbose_name_plural = _("lotteries (R38.3)")

    def __str__(self) -> str:
        return f"{self.advert_id}: {self.commitment[:12]}…"
