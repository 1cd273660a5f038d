"""The organisation's written letting guidelines for youth dwellings (§ 12, stk. 2; R12.2).

"Udlejning af de boliger, der er nævnt i stk. 1, 1. og 2. pkt., skal ske efter retningslinjer, der
tager hensyn til de boligsøgendes uddannelsesmæssige, økonomiske og sociale forhold.
Kommunalbestyrelsen kan fastsætte nærmere regler herom."

A guideline is dated (in force from ``valid_from`` until the next one of the organisation), holds
the written text, notes any rules the kommune has set, and orders the eligible applicants into
priority groups, each defined by conditions on the educational, economic and social facts recorded
on the youth-list entry; inside each group the longest on the list goes first. The ranking uses
the guideline in force on the day it ranks (``services.youth.guideline_in_force``).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import HousingOrganisation
from waitinglists.models import EducationLevel


class YouthLettingGuideline(models.Model):
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        related_name="youth_guidelines",
    )
    valid_from = models.DateField(_("in force from"))
    decided_on = models.DateField(_("decided on"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(
        _("the written guideline"),
        help_text=_(
            "§ 12, stk. 2: the organisation's written guideline weighing the applicants' educational, "
            "economic and social circumstances (R12.2)."
        ),
    )
    kommune_rules = models.TextField(
        _("rules set by the kommune"),
        blank=True,
        help_text=_("§ 12, stk. 2, 2. pkt.: the kommune may set further rules; note them here."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("youth letting guideline (§ 12, stk. 2)")
        verbose_name_plural = _("youth letting guidelines (§ 12, stk. 2)")
        ordering = ["organisation", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "valid_from"], name="one_youth_guideline_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.title} ({self.valid_from:%d.%m.%Y})"


class YouthPriorityGroup(models.Model):
    """One priority group of a guideline. An applicant belongs to the first group (lowest
    ``position``) whose every condition they meet; a group with no condition holds everyone left.
    Applicants in no group come after all groups, by seniority."""

    guideline = models.ForeignKey(
        YouthLettingGuideline, verbose_name=_("guideline"), on_delete=models.CASCADE, related_name="groups"
    )
    position = models.PositiveSmallIntegerField(_("order"), validators=[MinValueValidator(1)])
    name = models.CharField(_("name"), max_length=100)
    education_levels = models.JSONField(
        _("in education at one of these levels"),
        default=list,
        blank=True,
        help_text=_("Empty: any level, or none. Chosen: the applicant must be in education at one of them."),
    )
    income_below = models.DecimalField(
        _("documented yearly income below (DKK)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Empty: income is not weighed. An applicant without documented income does not meet it."),
    )
    social_need = models.BooleanField(_("documented social circumstances"), default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("priority group")
        verbose_name_plural = _("priority groups")
        ordering = ["guideline", "position"]
        constraints = [
            models.UniqueConstraint(fields=["guideline", "position"], name="one_youth_group_per_position")
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.name}"

    def clean(self) -> None:
        unknown = set(self.education_levels or ()) - set(EducationLevel.values)
        if not isinstance(self.education_levels, list) or unknown:
            raise ValidationError(
                {
                    "education_levels": _("Choose among the education levels: %(levels)s.")
                    % {"levels": ", ".join(EducationLevel.values)}
                }
            )
