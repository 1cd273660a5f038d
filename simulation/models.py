"""Letting scenarios (issue 17): a named set of changes to the letting rules in force, replayed over
the lettings of a past period to show what the change would have done before it is adopted.

* ``Scenario`` — who it belongs to (the data controller, as every scoped row), its scope (an
  organisation, a shared list's organisations, or a kommune's departments) and its period.
* ``ScenarioChange`` — one rule change of a small, explicit set of kinds, each an override on the
  ``LettingRules`` / letting channel the live system derives from the dated decisions in force
  (``allocation.services.ranking.letting_rules_for``, ``allocation.services.vacancies``):
  a § 4 agreement (R4) added or removed, a kommunal anvisning share (R1.4, § 1, stk. 4 / § 59 of
  almenboligloven: "hver n'te ledige familiebolig") added or removed.
* ``ScenarioRun`` — one replay of the scenario (a job: queued → running → done | failed, with its
  progress and timings) and its summary figures.
* ``ScenarioRunVacancy`` — per vacancy let in the period: the actual winner, the winner the replay
  under the rules in force gives, the scenario's winner, with the channel, rule and explanation of
  each, and the fidelity code that says whether (and if not, why not) the replay reproduces the
  actual winner.
* ``ScenarioRunElderVacancy`` — per elder vacancy let in the period (``simulation.elder``): the
  actual tenant, the replay's first ranked and the scenario's tenant, each with the list, need and
  wait that placed them and whether they joined the specific list from another kommune (R21.1).

The scenario and its changes are edited by people: audited (django-simple-history, through
``simulation.services``). A run and its rows are the output of a job: written once by the job,
never edited, so they carry no history of their own.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from eldercare.models import FacilityKind
from housing.models import Department, HousingOrganisation, Kommune, SharedListAssociation, Tenant


class ScopeKind(models.TextChoices):
    ORGANISATION = "organisation", _("One housing organisation")
    SHARED_LIST = "shared_list", _("The organisations of a shared waiting list")
    KOMMUNE = "kommune", _("The departments in a kommune")


class Scenario(models.Model):
    """A named set of rule changes (``changes``) against the rules in force, for a period and a
    scope. Belongs to one data controller (``controller``): the organisation's, the shared list
    association's or the kommune's — who may see and run it follows from that
    (``simulation.services.can_use``)."""

    name = models.CharField(_("name"), max_length=200)
    controller = models.ForeignKey(
        Tenant, verbose_name=_("data controller"), on_delete=models.PROTECT, related_name="scenarios"
    )
    scope = models.CharField(_("scope"), max_length=20, choices=ScopeKind.choices)
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    association = models.ForeignKey(
        SharedListAssociation,
        verbose_name=_("shared list association"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("letting scenario")
        verbose_name_plural = _("letting scenarios")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="scenario_period_ordered"
            ),
            models.CheckConstraint(
                condition=Q(scope="organisation", organisation__isnull=False)
                | Q(scope="shared_list", association__isnull=False)
                | Q(scope="kommune", kommune__isnull=False),
                name="scenario_scope_named",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("The period cannot end before it starts.")
        named = {
            ScopeKind.ORGANISATION: ("organisation", self.organisation_id),
            ScopeKind.SHARED_LIST: ("association", self.association_id),
            ScopeKind.KOMMUNE: ("kommune", self.kommune_id),
        }.get(self.scope)
        if named is not None and named[1] is None:
            errors[named[0]] = _("Choose what the scenario covers.")
        if errors:
            raise ValidationError(errors)


class ChangeKind(models.TextChoices):
    """The decisions a scenario can add or take away: the organisation's and the kommune's dated
    letting decisions and agreements, each named by its paragraph."""

    CHILDREN_AGREEMENT = (
        "children_agreement",
        _("§ 4 agreement: households with children first to 3+ rooms (R4)"),
    )
    KOMMUNE_SHARE = "kommune_share", _("Kommunal anvisning of every n-th family vacancy (R1.4)")
    HOUSING_GUARANTEES = (
        "housing_guarantees",
        _("§ 6: the organisation's boliggarantibeviser honoured (R6.1)"),
    )
    TRANSFER_YOUTH_ELDER = (
        "transfer_youth_elder",
        _("§ 8, nr. 1: no § 7 priority for tenants of youth and elder dwellings (R8.1)"),
    )
    SEPARATION_PRIORITY = (
        "separation_priority",
        _("§ 8, nr. 2: priority after a separation, divorce or broken relationship (R8.2)"),
    )
    TRANSFER_RESIDENCE = (
        "transfer_residence",
        _("§ 8, nr. 3: § 7 priority only after a residence period (R8.3)"),
    )
    INTERNAL_FROM_GENERAL = (
        "internal_from_general",
        _("§ 9, stk. 3: internal-list seniority from the general-list date (R9.3)"),
    )
    YOUTH_GUIDELINE = (
        "youth_guideline",
        _("§ 12, stk. 2: another written letting guideline for the youth dwellings (R12.2)"),
    )
    ELDER_DISABLED_PRIORITY = (
        "elder_disabled_priority",
        _("§ 5, stk. 1: the kommune's priority for elderly and disabled persons (R5.1)"),
    )
    KOMMUNE_OFF_GUARANTEES = (
        "kommune_off_guarantees",
        _("§ 40: the kommune decides that § 6 (boliggarantibeviser) is not applied (R40)"),
    )
    KOMMUNE_OFF_SEPARATION = (
        "kommune_off_separation",
        _("§ 40: the kommune decides that § 8, nr. 2 (separation) is not applied (R40)"),
    )
    REFUSE_OUTSIDERS = (
        "refuse_outsiders",
        _("§ 22: the kommune refuses applicants from other kommuner on a specific list (R22.1)"),
    )


#: The organisation's decisions (§§ 4, 6, 8 and the share agreement): they name the organisation.
ORGANISATION_KINDS = frozenset(
    {
        ChangeKind.CHILDREN_AGREEMENT,
        ChangeKind.KOMMUNE_SHARE,
        ChangeKind.HOUSING_GUARANTEES,
        ChangeKind.TRANSFER_YOUTH_ELDER,
        ChangeKind.SEPARATION_PRIORITY,
        ChangeKind.TRANSFER_RESIDENCE,
        ChangeKind.INTERNAL_FROM_GENERAL,
        ChangeKind.YOUTH_GUIDELINE,
    }
)
#: The kommune's decisions (§ 5, stk. 1, § 40, § 22): every organisation in the kommune, or one.
KOMMUNE_KINDS = frozenset(
    {
        ChangeKind.ELDER_DISABLED_PRIORITY,
        ChangeKind.KOMMUNE_OFF_GUARANTEES,
        ChangeKind.KOMMUNE_OFF_SEPARATION,
        ChangeKind.REFUSE_OUTSIDERS,
    }
)
#: The kinds limited to one department: the vacancies of that department (§ 4, the share) or, for
#: § 8, nr. 3, the applicants moving from it ("kan begrænses til at gælde for boligsøgende fra en
#: eller enkelte afdelinger").
DEPARTMENT_KINDS = frozenset(
    {ChangeKind.CHILDREN_AGREEMENT, ChangeKind.KOMMUNE_SHARE, ChangeKind.TRANSFER_RESIDENCE}
)
#: § 8, nr. 3: "Boperiodens længde kan højst fastsættes til 2 år."
MAX_RESIDENCE_MONTHS = 24
#: § 22, stk. 3: a refuse-outsiders decision is valid for at most 6 months from taking effect.
REFUSE_OUTSIDERS_MONTHS = 6


class ChangeAction(models.TextChoices):
    ADD = "add", _("Add (as if in force)")
    REMOVE = "remove", _("Remove (as if not in force)")


class ScenarioChange(models.Model):
    """One change to the rules in force, for one organisation and kommune (and perhaps one
    department), from ``valid_from`` (empty: the whole period).

    * ``children_agreement`` (R4, § 4): add — the ranking of the organisation's family dwellings of
      3+ rooms in the kommune (or the department) reads ``LettingRules.children_agreement = True``;
      remove — ``False`` (whatever agreement was in force).
    * ``kommune_share`` (R1.4): add — counting the organisation's family vacancies in the kommune (or
      the department) let from the lists or by kommunal anvisning from the start of the change,
      every ``every_nth`` goes to the kommune; remove — the vacancies the kommune actually
      nominated to under an agreement (``Vacancy.agreement``) go to the lists instead."""

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("scenario"), on_delete=models.CASCADE, related_name="changes"
    )
    kind = models.CharField(_("change"), max_length=30, choices=ChangeKind.choices)
    action = models.CharField(_("add or remove"), max_length=10, choices=ChangeAction.choices)
    organisation = models.ForeignKey(
        HousingOrganisation,
        verbose_name=_("housing organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A kommune's decision: empty for every organisation in the kommune."),
    )
    kommune = models.ForeignKey(
        Kommune, verbose_name=_("kommune"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Empty: every department of the organisation in the kommune. For § 8, nr. 3: the "
            "department the applicants move from."
        ),
    )
    every_nth = models.PositiveSmallIntegerField(
        _("every n-th vacant family dwelling"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    months = models.PositiveSmallIntegerField(
        _("residence period (months)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RESIDENCE_MONTHS)],
        help_text=_("§ 8, nr. 3: at most 2 years (24 months)."),
    )
    facility_kind = models.CharField(
        _("kind of elder housing"),
        max_length=20,
        choices=FacilityKind.choices,
        blank=True,
        help_text=_("§ 22: a decision covers one kind of dwelling (Bilag 1)."),
    )
    youth_guideline = models.ForeignKey(
        "allocation.YouthLettingGuideline",
        verbose_name=_("letting guideline"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "§ 12, stk. 2: one of the organisation's written guidelines — e.g. one decided for a later "
            "date — applied to the youth dwellings instead of the one in force."
        ),
    )
    valid_from = models.DateField(_("from"), null=True, blank=True, help_text=_("Empty: the whole period."))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("rule change")
        verbose_name_plural = _("rule changes")
        ordering = ["scenario", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="kommune_share", action="add") | Q(every_nth__isnull=False),
                name="scenario_share_has_nth",
            ),
            models.CheckConstraint(
                condition=~Q(kind="transfer_residence", action="add")
                | Q(months__gte=1, months__lte=MAX_RESIDENCE_MONTHS),
                name="scenario_residence_has_months",
            ),
            models.CheckConstraint(
                condition=~Q(kind="refuse_outsiders") | (~Q(facility_kind="") & Q(organisation__isnull=True)),
                name="scenario_refuse_outsiders_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()}: {self.get_kind_display()}"

    def clean(self) -> None:
        errors = {}
        adding = self.action == ChangeAction.ADD
        if self.kind == ChangeKind.KOMMUNE_SHARE and adding and not self.every_nth:
            errors["every_nth"] = _("Say which vacancies go to the kommune: every n-th.")
        if self.kind != ChangeKind.KOMMUNE_SHARE and self.every_nth:
            errors["every_nth"] = _("Only a kommunal anvisning share names every n-th vacancy.")
        if self.kind == ChangeKind.TRANSFER_RESIDENCE and adding and not self.months:
            errors["months"] = _("Give the residence period in months (at most 24).")
        if self.kind != ChangeKind.TRANSFER_RESIDENCE and self.months:
            errors["months"] = _("Only a § 8, nr. 3 decision names a residence period.")
        if self.kind in ORGANISATION_KINDS and self.organisation_id is None:
            errors["organisation"] = _("This is the organisation's decision: choose the organisation.")
        if self.kind == ChangeKind.REFUSE_OUTSIDERS:
            if not self.facility_kind:
                errors["facility_kind"] = _("A § 22 decision covers one kind of elder housing: choose it.")
            if self.organisation_id is not None:
                errors["organisation"] = _(
                    "The specific lists are the kommune's: leave the organisation empty."
                )
            if not adding:
                errors["action"] = _(
                    "Only adding a § 22 decision can be replayed: applicants refused at the intake "
                    "never joined a list, so the system cannot know when they would have."
                )
        elif self.facility_kind:
            errors["facility_kind"] = _("Only a § 22 decision names a kind of elder housing.")
        if self.kind == ChangeKind.YOUTH_GUIDELINE:
            if self.youth_guideline_id is None:
                errors["youth_guideline"] = _("Choose the written guideline to apply.")
            elif self.organisation_id and self.youth_guideline.organisation_id != self.organisation_id:
                errors["youth_guideline"] = _("The guideline must be the organisation's.")
            if not adding:
                errors["action"] = _(
                    "The youth dwellings are always let by a written guideline (§ 12, stk. 2): add the "
                    "guideline to apply instead of the one in force."
                )
        elif self.youth_guideline_id is not None:
            errors["youth_guideline"] = _("Only a § 12, stk. 2 change names a letting guideline.")
        if self.kind == ChangeKind.INTERNAL_FROM_GENERAL and not adding:
            errors["action"] = _(
                "Only adding a § 9, stk. 3 decision can be replayed: when one took effect, the "
                "internal entries' own dates were replaced by the general-list dates."
            )
        if self.department_id is not None and self.kind not in DEPARTMENT_KINDS:
            errors["department"] = _("This decision covers every department: leave the department empty.")
        if self.department_id is not None and self.organisation_id is not None:
            department = self.department
            if department.organisation_id != self.organisation_id:
                errors["department"] = _("The department must belong to the organisation.")
            elif self.kommune_id is not None and department.kommune_id != self.kommune_id:
                errors["department"] = _("The department must lie in the kommune.")
        if errors:
            raise ValidationError(errors)


class RunState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ScenarioRun(models.Model):
    """One replay of a scenario: a job with its progress (``done`` of ``total`` vacancies), its
    timings (seconds per phase) and, when done, its summary figures (``summary``: the actual, the
    replay under the rules in force and the scenario, side by side; see
    ``simulation.figures``). ``changes`` keeps the changes as they were when the run started, so a
    result still says what it replayed after the scenario is edited."""

    scenario = models.ForeignKey(
        Scenario, verbose_name=_("scenario"), on_delete=models.CASCADE, related_name="runs"
    )
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"))
    changes = models.JSONField(_("changes replayed"), default=list)
    done = models.PositiveIntegerField(_("vacancies replayed"), default=0)
    total = models.PositiveIntegerField(_("vacancies in all"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    timings = models.JSONField(_("timings (seconds)"), default=dict)
    summary = models.JSONField(_("figures"), default=dict)
    # For the administrators: the exception's type and message (no personal data in it).
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("scenario run")
        verbose_name_plural = _("scenario runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.scenario} #{self.pk}"


class Fidelity(models.TextChoices):
    """Whether the replay under the rules in force gives the actual winner, and if not, why."""

    REPRODUCED = "reproduced", _("Reproduced: the replay gives the actual winner")
    DIFFERS = "differs", _("Not reproduced: the replay ranks another applicant first")
    NOT_FROM_LISTS = "not_from_lists", _("Not let from the waiting lists (another channel)")
    OUTSIDE_ELIGIBLE = "outside_eligible", _("Let outside the eligible group (R2.5, R12.3, R14.3, R41)")
    MANUAL = "manual", _("Let without an offer round (a manual decision)")
    NO_CANDIDATE = "no_candidate", _("The replay finds nobody on the lists")
    KOMMUNE_DECISION = (
        "kommune_decision",
        _("Let by the kommune's concrete assessment to another than the first ranked (§ 20, stk. 2)"),
    )


class ScenarioRunVacancy(models.Model):
    """One vacancy of a run, in the order replayed. The winners are waiting-list entries (the
    person behind each is shown masked and its reading logged, as every personal-data read);
    ``*_kommune`` says the scenario gave the vacancy to the kommune (kommunal anvisning: no
    applicant from the lists)."""

    run = models.ForeignKey(ScenarioRun, on_delete=models.CASCADE, related_name="vacancies")
    vacancy = models.ForeignKey("allocation.Vacancy", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("replayed as no."))
    ranked_at = models.DateTimeField(_("ranked as of"))
    ranked_on = models.DateField(_("ranking day"))
    rooms = models.PositiveSmallIntegerField(_("rooms"))
    dwelling_kind = models.CharField(_("dwelling kind"), max_length=20)
    # The actual letting.
    actual_channel = models.CharField(_("actual channel"), max_length=30)
    actual_entry = models.ForeignKey(
        "waitinglists.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actual_person = models.ForeignKey(
        "housing.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actual_rule = models.CharField(_("actual rule"), max_length=10, blank=True)
    actual_explanation = models.CharField(_("actual explanation"), max_length=500, blank=True)
    # The replay under the rules in force.
    replay_entry = models.ForeignKey(
        "waitinglists.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replay_rule = models.CharField(_("replay rule"), max_length=10, blank=True)
    replay_explanation = models.CharField(_("replay explanation"), max_length=500, blank=True)
    fidelity = models.CharField(_("fidelity"), max_length=20, choices=Fidelity.choices)
    fidelity_reason = models.CharField(_("why"), max_length=500, blank=True)
    # The scenario.
    scenario_channel = models.CharField(_("scenario channel"), max_length=30)
    scenario_entry = models.ForeignKey(
        "waitinglists.Entry", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scenario_person = models.ForeignKey(
        "housing.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scenario_rule = models.CharField(_("scenario rule"), max_length=10, blank=True)
    scenario_explanation = models.CharField(_("scenario explanation"), max_length=500, blank=True)
    changed = models.BooleanField(_("the winner changes"), default=False)
    # The facts the figures count, of each winner (None: no applicant from the lists).
    actual_list_kind = models.CharField(max_length=10, blank=True)
    actual_has_children = models.BooleanField(null=True)
    actual_waited_days = models.IntegerField(null=True)
    scenario_list_kind = models.CharField(max_length=10, blank=True)
    scenario_has_children = models.BooleanField(null=True)
    scenario_waited_days = models.IntegerField(null=True)

    class Meta:
        verbose_name = _("replayed vacancy")
        verbose_name_plural = _("replayed vacancies")
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "vacancy"], name="one_row_per_run_vacancy"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/{self.vacancy_id}"


class ScenarioRunElderVacancy(models.Model):
    """One elder vacancy of a run (``simulation.elder``), in the order replayed: the actual tenant (with
    the list, need and waiting time the kommune's offer recorded), the replay's first ranked under the
    lists as they stood, the scenario's tenant, and whether each had joined the specific list from
    another kommune (R21.1) — the outsider share the figures count. The persons are shown masked and
    their reading logged, as the family rows'."""

    run = models.ForeignKey(ScenarioRun, on_delete=models.CASCADE, related_name="elder_vacancies")
    elder_vacancy = models.ForeignKey("eldercare.ElderVacancy", on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField(_("replayed as no."))
    ranked_on = models.DateField(_("ranking day"))
    dwelling_kind = models.CharField(_("dwelling kind"), max_length=20)
    facility_kind = models.CharField(_("kind of elder housing"), max_length=20, blank=True)
    # The actual letting, as the kommune's offer recorded it.
    actual_person = models.ForeignKey("housing.Person", on_delete=models.PROTECT, related_name="+")
    actual_source = models.CharField(_("actual list"), max_length=10)
    actual_list = models.CharField(_("actual specific list"), max_length=200, blank=True)
    actual_outsider = models.BooleanField(_("actual tenant from another kommune"), default=False)
    actual_need_score = models.PositiveSmallIntegerField(_("actual tenant's assessed need"), null=True)
    actual_waiting_since = models.DateField(_("actual tenant waiting since"), null=True)
    actual_rank = models.PositiveIntegerField(_("the kommune's rank of the tenant"), null=True)
    # The replay under the rules in force.
    replay_person = models.ForeignKey(
        "housing.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    replay_outsider = models.BooleanField(null=True)
    replay_rank_of_tenant = models.PositiveIntegerField(_("the replay's rank of the tenant"), null=True)
    fidelity = models.CharField(_("fidelity"), max_length=20, choices=Fidelity.choices)
    fidelity_reason = models.CharField(_("why"), max_length=500, blank=True)
    # The scenario.
    scenario_person = models.ForeignKey(
        "housing.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scenario_source = models.CharField(_("scenario list"), max_length=10, blank=True)
    scenario_list = models.CharField(_("scenario specific list"), max_length=200, blank=True)
    scenario_outsider = models.BooleanField(_("scenario tenant from another kommune"), null=True)
    scenario_need_score = models.PositiveSmallIntegerField(_("scenario tenant's assessed need"), null=True)
    scenario_waiting_since = models.DateField(_("scenario tenant waiting since"), null=True)
    changed = models.BooleanField(_("the tenant changes"), default=False)

    class Meta:
        verbose_name = _("replayed elder vacancy")
        verbose_name_plural = _("replayed elder vacancies")
        ordering = ["run", "position"]
        constraints = [
            models.UniqueConstraint(fields=["run", "elder_vacancy"], name="one_row_per_run_elder_vacancy"),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}/elder {self.elder_vacancy_id}"
