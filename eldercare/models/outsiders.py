"""Refuse-outsiders decisions (§ 22, R22.1–R22.8) and their extensions.

A decision is made per kommune and dwelling kind (Bilag 1: an increased influx of outside applicants
to one kind of dwelling can only justify refusing outsiders to that kind). Its dates are computed
once with ``housing.deadlines.add_calendar_months`` and stored on the row: it takes effect 1 month
after the decision (stk. 2) and lapses 6 months after taking effect (stk. 3). An extension (stk. 4)
points at the decision it extends, may be adopted at the earliest 1 month before that one lapses
(stk. 6), takes effect 1 month after adoption and lasts 6 months (stk. 7). The monitor's figures
the decision was based on are kept on the row, with the officer's documentation of Bilag 1 (the
qualified reasons; the Bilag 1 fields are blank on rows made before they were recorded separately).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Kommune

from .facilities import FacilityKind


class RefuseOutsidersDecision(models.Model):
    """*Beslutning om at afslå udefrakommende optagelse på venteliste* (§ 22, stk. 1) or its
    extension (§ 22, stk. 4)."""

    kommune = models.ForeignKey(
        Kommune,
        verbose_name=_("kommune"),
        on_delete=models.PROTECT,
        related_name="refuse_outsiders_decisions",
    )
    dwelling_kind = models.CharField(_("dwelling kind"), max_length=20, choices=FacilityKind.choices)
    extends = models.OneToOneField(
        "self",
        verbose_name=_("extends the decision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="extension",
    )
    decided_on = models.DateField(_("decided on"))
    effective_from = models.DateField(_("takes effect on"))
    lapses_on = models.DateField(_("lapses on"), help_text=_("The first day the decision no longer applies."))
    # The monitor's figures at the decision (the documentation Bilag 1 asks for).
    own_average_wait_days = models.DecimalField(
        _("own citizens' average waiting time, last 3 months (days)"), max_digits=8, decimal_places=1
    )
    baseline_average_wait_days = models.DecimalField(
        _("own citizens' average waiting time, comparison level (days)"), max_digits=8, decimal_places=1
    )
    increase_percent = models.DecimalField(_("increase (%)"), max_digits=8, decimal_places=1)
    outsiders_joined_recent = models.PositiveIntegerField(_("outside applicants joined, last 3 months"))
    outsiders_joined_before = models.PositiveIntegerField(_("outside applicants joined, the 3 months before"))
    outsiders_housed_recent = models.PositiveIntegerField(
        _("outside applicants housed, last 3 months"), null=True, blank=True
    )
    # Bilag 1: "en kvalificeret begrundelse" — documentation that the influx of outside applicants,
    # a circumstance outside the kommune's control, is a decisive obstacle to offering its own
    # citizens a dwelling of this kind; that the rise is no short-term rise; and that it is not
    # caused by demographic change or a more lenient assessment (visitation) practice.
    justification = models.TextField(
        _("the influx of outside applicants is a decisive obstacle (Bilag 1)"),
        help_text=_(
            "Documentation that applicants from other kommuner joining the lists for this dwelling kind, "
            "a circumstance outside the kommune's control, is a decisive obstacle to offering the "
            "kommune's own citizens a dwelling. A general reference to the own citizens' needs is not "
            "enough (Bilag 1)."
        ),
    )
    not_short_term = models.TextField(
        _("not a short-term rise (Bilag 1)"),
        blank=True,
        help_text=_("Why the rise in the own citizens' waiting time is not short-term (Bilag 1)."),
    )
    not_demographic = models.TextField(
        _("not caused by demographic change (Bilag 1)"),
        blank=True,
        help_text=_(
            "Why the rise is not caused by demographic change in the kommune's population (Bilag 1)."
        ),
    )
    not_lenient_assessment = models.TextField(
        _("not caused by a more lenient assessment practice (Bilag 1)"),
        blank=True,
        help_text=_(
            "Why the rise is not caused by a more lenient assessment (visitation) practice (Bilag 1)."
        ),
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("refuse-outsiders decision")
        verbose_name_plural = _("refuse-outsiders decisions")
        ordering = ["kommune", "dwelling_kind", "-decided_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_from__gt=models.F("decided_on"))
                & Q(lapses_on__gt=models.F("effective_from")),
                name="refuse_outsiders_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(
                fields=["kommune", "dwelling_kind", "effective_from", "lapses_on"],
                name="refuse_outsiders_force",
            )
        ]

    def __str__(self) -> str:
        return (
            f"{self.kommune.name}: {self.get_dwelling_kind_display()} {self.effective_from}–{self.lapses_on}"
        )

    @property
    def is_extension(self) -> bool:
        return self.extends_id is not None

    @property
    def last_day(self) -> datetime.date:
        return self.lapses_on - datetime.timedelta(days=1)

    def in_force_on(self, day: datetime.date) -> bool:
        return self.effective_from <= day < self.lapses_on

    def clean(self) -> None:
        if self.extends_id and (
            self.extends.kommune_id != self.kommune_id or self.extends.dwelling_kind != self.dwelling_kind
        ):
            raise ValidationError({"extends": _("An extension is for the same kommune and dwelling kind.")})
