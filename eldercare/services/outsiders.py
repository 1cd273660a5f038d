"""Refuse-outsiders decisions (§ 22, R22.1–R22.8; § 23, R23): the monitor, the decisions, the intake.

**The monitor** computes, per dwelling kind of a kommune, the level of its own citizens' waiting
time: the average time from joining a specific list to being housed, over the entries of applicants
living in the kommune (R21.1) who were housed in the preceding 3 months (Bilag 1: *niveauet for
ventetid … den gennemsnitlige ventetid inden for et tidsrum af de forudgående 3 måneder*).

* § 22, stk. 2 (a decision): that level against the level 3 months earlier (the average over the
  3 months before those) — a rise of at least 50 %.
* § 22, stk. 5 (an extension): the level over the 3 months before the extension against "den
  gennemsnitlige ventetid … på det tidspunkt, der ligger 3 måneder før kommunalbestyrelsens
  beslutning efter stk. 1" — the level at the point 3 months before the original decision, which is
  the comparison level stored on that decision — still at least 50 % above it.

The intake of applicants from other kommuner in the same windows (and how many of them were housed)
is shown as information. It is not a condition: the law asks that the rise is "som følge af tilgang
af borgere fra andre kommuner", and Bilag 1 asks the kommune to document that with qualified
reasons — that the influx, a circumstance outside its control, is a decisive obstacle; that the rise
is not short-term; and that it is not caused by demographic change or a more lenient assessment
practice. The officer records that documentation with each decision and extension (all four parts
are required). One aggregate query per kommune, all kinds at once, computed in the database.

**A decision** (R22.1) records its date; it takes effect 1 month later (R22.2) and lapses 6 months
after that (R22.3). It requires an increase of at least 50 %. **An extension** (R22.4–R22.7) may be
adopted at the earliest 1 month before the decision lapses, takes effect 1 month after adoption
and lasts 6 months; it requires the stk. 5 figure above. Both are published on the kommune's public
page (R22.8). While a decision is in force, the intake of the kind's specific lists refuses outside
applicants unless an exemption of § 23 is recorded (R23).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from housing.audit import audited_save, require_reason
from housing.fees import ui_date
from housing.models import Kommune

from ..models import FacilityKind, RefuseOutsidersDecision, SpecificListEntry
from ..rules import outsiders as rules
from .officers import require_officer

WAIT = ExpressionWrapper(F("housed_on") - F("joined_on"), output_field=DurationField())


def _days(value) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, datetime.timedelta):
        value = value.total_seconds() / 86400
    return Decimal(str(value)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class MonitorFigures:
    dwelling_kind: str
    windows: rules.Windows
    recent_average_days: Decimal | None
    recent_housed: int
    baseline_average_days: Decimal | None
    baseline_housed: int
    outsiders_joined_recent: int
    outsiders_joined_before: int
    outsiders_housed_recent: int

    @property
    def dwelling_kind_label(self) -> str:
        return FacilityKind(self.dwelling_kind).label

    @property
    def increase_percent(self) -> Decimal | None:
        return rules.increase_percent(self.recent_average_days, self.baseline_average_days)

    @property
    def increase_qualifies(self) -> bool:
        """R22.2: at least 50 %."""
        return rules.increase_qualifies(self.increase_percent)

    @property
    def outsider_influx(self) -> bool:
        """More applicants from other kommuner joined in the last 3 months than in the 3 before —
        information for the officer's Bilag 1 assessment, not a condition of § 22."""
        return self.outsiders_joined_recent > self.outsiders_joined_before


def outsiders_monitor(*, kommune_id: int, day: datetime.date) -> dict[str, MonitorFigures]:
    """The monitor's figures on ``day`` for every dwelling kind of the kommune (one query)."""
    w = rules.monitor_windows(day)
    own = Q(lives_inside=True)
    outside = Q(lives_inside=False)
    housed_recent = Q(housed_on__gte=w.recent_start, housed_on__lt=w.recent_end)
    housed_before = Q(housed_on__gte=w.baseline_start, housed_on__lt=w.baseline_end)
    joined_recent = Q(joined_on__gte=w.recent_start, joined_on__lt=w.recent_end)
    joined_before = Q(joined_on__gte=w.baseline_start, joined_on__lt=w.baseline_end)
    rows = (
        SpecificListEntry.objects.filter(specific_list__kommune_id=kommune_id)
        .filter(Q(housed_on__gte=w.baseline_start) | Q(joined_on__gte=w.baseline_start))
        .values(kind=F("specific_list__facility__kind"))
        .annotate(
            recent_avg=Avg(WAIT, filter=own & housed_recent),
            recent_n=Count("pk", filter=own & housed_recent),
            before_avg=Avg(WAIT, filter=own & housed_before),
            before_n=Count("pk", filter=own & housed_before),
            out_recent=Count("pk", filter=outside & joined_recent),
            out_before=Count("pk", filter=outside & joined_before),
            out_housed=Count("pk", filter=outside & housed_recent),
        )
        .order_by("kind")
    )
    figures = {kind: MonitorFigures(kind, w, None, 0, None, 0, 0, 0, 0) for kind in FacilityKind.values}
    for row in rows:
        figures[row["kind"]] = MonitorFigures(
            dwelling_kind=row["kind"],
            windows=w,
            recent_average_days=_days(row["recent_avg"]),
            recent_housed=row["recent_n"],
            baseline_average_days=_days(row["before_avg"]),
            baseline_housed=row["before_n"],
            outsiders_joined_recent=row["out_recent"],
            outsiders_joined_before=row["out_before"],
            outsiders_housed_recent=row["out_housed"],
        )
    return figures


@dataclass(frozen=True)
class ExtensionFigures:
    """§ 22, stk. 5 for a decision that can still be extended: the own citizens' level over the 3
    months before ``day`` against the level at the point 3 months before the original decision."""

    decision: RefuseOutsidersDecision
    original: RefuseOutsidersDecision
    comparison_on: datetime.date  # 3 months before the original decision (stk. 5, 2. pkt.)
    comparison_window: tuple[datetime.date, datetime.date]  # the 3 months before that point
    comparison_average_days: Decimal | None
    recent: MonitorFigures
    earliest_extension: datetime.date

    @property
    def increase_percent(self) -> Decimal | None:
        return rules.increase_percent(self.recent.recent_average_days, self.comparison_average_days)

    @property
    def increase_qualifies(self) -> bool:
        return rules.increase_qualifies(self.increase_percent)


def extension_monitor(*, kommune_id: int, day: datetime.date) -> list[ExtensionFigures]:
    """The stk. 5 figures on ``day`` for each decision (or extension) of the kommune not yet lapsed
    and not yet extended."""
    open_decisions = list(
        RefuseOutsidersDecision.objects.filter(
            kommune_id=kommune_id, lapses_on__gt=day, extension__isnull=True
        )
        .select_related("extends__extends__extends")
        .order_by("dwelling_kind", "-decided_on")
    )
    if not open_decisions:
        return []
    figures = outsiders_monitor(kommune_id=kommune_id, day=day)
    result = []
    for decision in open_decisions:
        original = _original(decision)
        comparison = rules.monitor_windows(original.decided_on)
        result.append(
            ExtensionFigures(
                decision=decision,
                original=original,
                comparison_on=comparison.recent_start,
                comparison_window=(comparison.baseline_start, comparison.baseline_end),
                comparison_average_days=original.baseline_average_wait_days,
                recent=figures[decision.dwelling_kind],
                earliest_extension=rules.earliest_extension(decision.lapses_on),
            )
        )
    return result


@dataclass(frozen=True)
class Bilag1Documentation:
    """The qualified reasons Bilag 1 asks for, recorded by the officer with each decision and
    extension (*kvalificeret begrundelse*; a general reference to the own citizens' needs is not
    enough)."""

    decisive_obstacle: str  # the influx of outside applicants is a decisive obstacle, outside control
    not_short_term: str  # "kortvarige forøgelser … ikke er en afgørende hindring"
    not_demographic: str  # "forøgede ventetider som følge af demografiske ændringer … ikke udefrakommende"
    not_lenient_assessment: str  # "… eller indførelse af lempeligere visitationspraksis"

    def cleaned(self) -> Bilag1Documentation:
        """The documentation with whitespace trimmed; every part is required (field errors)."""
        values = {name: (getattr(self, name) or "").strip() for name in self.__dataclass_fields__}
        messages = {
            "decisive_obstacle": _(
                "Document how the influx of applicants from other kommuner is a decisive obstacle to "
                "offering the kommune's own citizens a dwelling of this kind (Bilag 1)."
            ),
            "not_short_term": _("Document why the rise is not a short-term rise (Bilag 1)."),
            "not_demographic": _(
                "Document why the rise is not caused by demographic change in the kommune's population "
                "(Bilag 1)."
            ),
            "not_lenient_assessment": _(
                "Document why the rise is not caused by a more lenient assessment practice (Bilag 1)."
            ),
        }
        errors = {
            FORM_FIELDS[name]: ValidationError(messages[name], code="bilag_1")
            for name, value in values.items()
            if not value
        }
        if errors:
            raise ValidationError(errors)
        return Bilag1Documentation(**values)

    def apply_to(self, decision: RefuseOutsidersDecision) -> None:
        decision.justification = self.decisive_obstacle
        decision.not_short_term = self.not_short_term
        decision.not_demographic = self.not_demographic
        decision.not_lenient_assessment = self.not_lenient_assessment


#: The form (and model) field each part of the documentation is recorded in.
FORM_FIELDS = {
    "decisive_obstacle": "justification",
    "not_short_term": "not_short_term",
    "not_demographic": "not_demographic",
    "not_lenient_assessment": "not_lenient_assessment",
}


# --- Decisions -----------------------------------------------------------------------------------


def decision_in_force(
    *, kommune_id: int, dwelling_kind: str, day: datetime.date
) -> RefuseOutsidersDecision | None:
    """The decision (or extension) in force on ``day`` for the kind, if any."""
    return (
        RefuseOutsidersDecision.objects.filter(
            kommune_id=kommune_id, dwelling_kind=dwelling_kind, effective_from__lte=day, lapses_on__gt=day
        )
        .order_by("-effective_from")
        .first()
    )


def decisions_for_kommune(kommune_id: int) -> list[RefuseOutsidersDecision]:
    """Every decision and extension of the kommune, newest first — published (R22.8)."""
    return list(
        RefuseOutsidersDecision.objects.filter(kommune_id=kommune_id)
        .select_related("extends")
        .order_by("-decided_on", "-pk")
    )


def _reject_overlap(kommune: Kommune, dwelling_kind: str, period: rules.Period, *, extending=None) -> None:
    clash = RefuseOutsidersDecision.objects.filter(
        kommune=kommune, dwelling_kind=dwelling_kind, lapses_on__gt=period.decided_on
    )
    if extending is not None:
        clash = clash.exclude(pk=extending.pk)
    clash = clash.first()
    if clash is not None:
        raise _field_error(
            "decided_on",
            _(
                "A decision for this dwelling kind is already made and applies until %(end)s; "
                "extend it instead (§ 22, stk. 4)."
            )
            % {"end": ui_date(clash.last_day)},
            "overlap",
        )


@transaction.atomic
def decision_make(
    *,
    actor,
    reason: str,
    kommune: Kommune,
    dwelling_kind: str,
    decided_on: datetime.date,
    documentation: Bilag1Documentation,
) -> RefuseOutsidersDecision:
    """R22.1–R22.3: decide that outsiders cannot join the kind's specific lists. The condition the
    system checks is the figure of stk. 2 (a rise of at least 50 %); that the rise is caused by the
    influx of outside applicants is the kommune's documented assessment (Bilag 1), recorded here —
    the intake figures are stored beside it as information."""
    reason = require_reason(reason)
    require_officer(actor, kommune.pk)
    if dwelling_kind not in FacilityKind.values:
        raise ValidationError({"dwelling_kind": _("Choose a dwelling kind.")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The decision date cannot be in the future.")})
    documentation = documentation.cleaned()
    # Serialise decisions of the kommune, so two officers cannot make overlapping ones at once.
    Kommune.objects.select_for_update().get(pk=kommune.pk)
    period = rules.decision_period(decided_on)
    _reject_overlap(kommune, dwelling_kind, period)
    figures = outsiders_monitor(kommune_id=kommune.pk, day=decided_on)[dwelling_kind]
    if not figures.increase_qualifies:
        raise _field_error(
            "dwelling_kind",
            _(
                "The own citizens' average waiting time has not risen by at least 50 %% over the "
                "preceding 3 months (increase: %(increase)s) — the condition of § 22, stk. 2 is not met."
            )
            % {"increase": _increase_text(figures.increase_percent)},
            "condition_not_met",
        )
    decision = RefuseOutsidersDecision(
        kommune=kommune,
        dwelling_kind=dwelling_kind,
        decided_on=decided_on,
        effective_from=period.effective_from,
        lapses_on=period.lapses_on,
        own_average_wait_days=figures.recent_average_days,
        baseline_average_wait_days=figures.baseline_average_days,
        increase_percent=figures.increase_percent,
        outsiders_joined_recent=figures.outsiders_joined_recent,
        outsiders_joined_before=figures.outsiders_joined_before,
        outsiders_housed_recent=figures.outsiders_housed_recent,
        decided_by=actor,
    )
    documentation.apply_to(decision)
    return audited_save(decision, actor=actor, reason=reason)


def _field_error(field: str, message: str, code: str) -> ValidationError:
    """A field error that keeps its code (a plain dict of messages would drop it)."""
    return ValidationError({field: ValidationError(message, code=code)})


def _increase_text(percent: Decimal | None) -> str:
    return _("no basis") if percent is None else f"{percent} %"


def _original(decision: RefuseOutsidersDecision) -> RefuseOutsidersDecision:
    while decision.extends_id is not None:
        decision = decision.extends
    return decision


@transaction.atomic
def decision_extend(
    *,
    actor,
    reason: str,
    decision: RefuseOutsidersDecision,
    decided_on: datetime.date,
    documentation: Bilag1Documentation,
) -> RefuseOutsidersDecision:
    """R22.4–R22.7: extend a decision by 6 months from 1 month after the extension decision. Bilag 1
    applies to an extension as to the decision ("beslutning om forlængelse … må baseres på sikker
    viden"), so the documentation is recorded again."""
    reason = require_reason(reason)
    require_officer(actor, decision.kommune_id)
    Kommune.objects.select_for_update().get(pk=decision.kommune_id)
    decision = RefuseOutsidersDecision.objects.select_related("kommune").get(pk=decision.pk)
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The decision date cannot be in the future.")})
    documentation = documentation.cleaned()
    if RefuseOutsidersDecision.objects.filter(extends=decision).exists():
        raise ValidationError(_("The decision is already extended; extend the extension."), code="extended")
    if not rules.extension_allowed_on(decided_on, lapses_on=decision.lapses_on):
        raise _field_error(
            "decided_on",
            _(
                "An extension can be adopted from %(earliest)s (1 month before the decision lapses) "
                "until %(last)s (§ 22, stk. 6)."
            )
            % {
                "earliest": ui_date(rules.earliest_extension(decision.lapses_on)),
                "last": ui_date(decision.last_day),
            },
            "extension_window",
        )
    period = rules.decision_period(decided_on)
    figures = outsiders_monitor(kommune_id=decision.kommune_id, day=decided_on)[decision.dwelling_kind]
    # stk. 5: the comparison level is the one 3 months before the original decision (stk. 1).
    baseline = _original(decision).baseline_average_wait_days
    increase = rules.increase_percent(figures.recent_average_days, baseline)
    if not rules.increase_qualifies(increase):
        raise _field_error(
            "decided_on",
            _(
                "The own citizens' average waiting time over the last 3 months does not still exceed "
                "the level before the original decision by at least 50 %% (increase: %(increase)s; "
                "§ 22, stk. 5)."
            )
            % {"increase": _increase_text(increase)},
            "condition_not_met",
        )
    extension = RefuseOutsidersDecision(
        kommune_id=decision.kommune_id,
        dwelling_kind=decision.dwelling_kind,
        extends=decision,
        decided_on=decided_on,
        effective_from=period.effective_from,
        lapses_on=period.lapses_on,
        own_average_wait_days=figures.recent_average_days,
        baseline_average_wait_days=baseline,
        increase_percent=increase,
        outsiders_joined_recent=figures.outsiders_joined_recent,
        outsiders_joined_before=figures.outsiders_joined_before,
        outsiders_housed_recent=figures.outsiders_housed_recent,
        decided_by=actor,
    )
    documentation.apply_to(extension)
    return audited_save(extension, actor=actor, reason=reason)
