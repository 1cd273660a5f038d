"""Needs decisions (*visitation*): the kommune decides that a citizen needs an elder dwelling, a
plejebolig / plejehjem place, or a *botilbud* for persons with significantly and permanently
reduced function (§§ 14–15, § 18, § 20, stk. 2).

The assessment of social, physical, mental and economic conditions (§ 20, stk. 2: *sociale,
fysiske, psykiske og økonomiske forhold*) is health and social data (GDPR art. 9): it is read
only through ``eldercare.services.needs``, which writes every read to the access log. The kommune
is the data controller: the citizen is a ``housing.Person`` of the kommune's tenant.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from housing.models import Kommune, Person, Tenant

#: The scale of each assessed condition: 0 no special need … 4 very great need.
SCORE_MIN, SCORE_MAX = 0, 4


class NeedKind(models.TextChoices):
    ELDER_DWELLING = "elder_dwelling", _("Elder dwelling (ældrebolig)")
    NURSING = "nursing", _("Nursing dwelling or nursing-home place (plejebolig / plejehjem)")
    BOTILBUD = "botilbud", _("Botilbud for significantly and permanently reduced function")


class NeedState(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    CHANGED = "changed", _("Replaced by a changed need")
    HOUSED = "housed", _("Housed")
    ENDED = "ended", _("Ended")


class PartnerRelation(models.TextChoices):
    NONE = "", _("Nobody moves along")
    SPOUSE = "spouse", _("Spouse")
    PARTNER = "partner", _("Registered partner")
    COHABITANT = "cohabitant", _("Cohabitant")


class GuaranteeChoice(models.TextChoices):
    """§ 15: an elder needing a plejebolig goes on the general list unless a specific one is chosen."""

    GENERAL_LIST = "general", _("General list: the 2-month guarantee applies (R15.1)")
    SPECIFIC = "specific", _("Chose a specific dwelling: told the guarantee does not apply (R15.2)")
    NOT_APPLICABLE = "", _("Not a plejebolig need")


def _score_field(label):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
    )


class NeedDecision(models.Model):
    """One needs decision (*afgørelse om behov*) for one citizen."""

    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="need_decisions"
    )
    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("citizen"), on_delete=models.PROTECT, related_name="need_decisions"
    )
    kind = models.CharField(_("need"), max_length=20, choices=NeedKind.choices)
    decided_on = models.DateField(_("decision date"))
    # § 20, stk. 2: the assessment (sensitive; scores 0–4 and notes).
    social_score = _score_field(_("social conditions"))
    physical_score = _score_field(_("physical conditions"))
    mental_score = _score_field(_("mental conditions"))
    economic_score = _score_field(_("economic conditions"))
    need_score = models.PositiveSmallIntegerField(_("assessed need (total)"), default=0, editable=False)
    assessment_notes = models.TextField(_("assessment notes"), blank=True)
    far_reaching_disability = models.BooleanField(
        _("far-reaching physical or mental disability (R14.2)"), default=False
    )
    # R19.3: a spouse, registered partner or cohabitant moving along needs a dwelling for 2.
    partner_relation = models.CharField(
        _("moving along (R19.3)"), max_length=20, choices=PartnerRelation.choices, blank=True, default=""
    )
    partner_name = models.CharField(
        _("name of the spouse, partner or cohabitant"), max_length=200, blank=True
    )
    guarantee_choice = models.CharField(
        _("general list or specific dwelling"),
        max_length=10,
        choices=GuaranteeChoice.choices,
        blank=True,
        default=GuaranteeChoice.NOT_APPLICABLE,
    )
    # R15.2: the elder chose a specific dwelling and was told (by letter) the guarantee does not apply.
    chosen_dwelling = models.CharField(_("the specific dwelling chosen"), max_length=200, blank=True)
    told_no_guarantee_on = models.DateField(
        _("told the guarantee does not apply on (R15.2)"), null=True, blank=True
    )
    no_guarantee_letter = models.ForeignKey(
        "letters.Letter", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    state = models.CharField(
        _("state"), max_length=10, choices=NeedState.choices, default=NeedState.IN_FORCE, db_index=True
    )
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaced_by",
    )
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("needs decision")
        verbose_name_plural = _("needs decisions")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(state="in_force"), name="one_need_decision_in_force_per_person"
            ),
            models.CheckConstraint(
                condition=Q(kind="nursing") & ~Q(guarantee_choice="")
                | ~Q(kind="nursing") & Q(guarantee_choice=""),
                name="need_guarantee_choice_iff_nursing",
            ),
            models.CheckConstraint(
                condition=Q(partner_relation="") | ~Q(partner_name=""), name="need_partner_named"
            ),
        ]
        indexes = [models.Index(fields=["kommune", "state", "kind"], name="need_kommune_state_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.decided_on}"

    def get_absolute_url(self) -> str:
        return reverse("eldercare:need_detail", args=[self.pk])

    @property
    def needs_two_persons(self) -> bool:
        return bool(self.partner_relation)

    def clean(self) -> None:
        errors = {}
        if self.person_id and self.controller_id and self.person.controller_id != self.controller_id:
            errors["person"] = _("The citizen must be registered with the kommune that decides.")
        if self.partner_relation and not self.partner_name.strip():
            errors["partner_name"] = _("Name the spouse, partner or cohabitant who moves along.")
        if not self.partner_relation and self.partner_name.strip():
            errors["partner_relation"] = _("Choose how the person named is related to the citizen.")
        if self.kind == NeedKind.NURSING and not self.guarantee_choice:
            errors["guarantee_choice"] = _("Choose the general list or a specific dwelling (§ 15).")
        if self.kind != NeedKind.NURSING and self.guarantee_choice:
            errors["guarantee_choice"] = _("Only a plejebolig need goes on the general list (§ 15).")
        if errors:
            raise ValidationError(errors)
