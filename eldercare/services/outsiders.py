"""Refuse-outsiders decisions (§ 22, R22.1–R22.8; § 23, R23): the monitor, the decisions, the intake.

**The monitor** computes, per dwelling kind of a kommune, the level of its own citizens' waiting
time: the average time from joining a specific list to being housed, over the entries of applicants
living in the kommune (R21.1) who were housed in the preceding 3 months — and the same level for the
3 months before those (Bilag 1: *niveauet for ventetid ... den gennemsnitlige ventetid inden for et
tidsrum af de forudgående 3 måneder*). The increase between the two is what R22.2 measures. Whether
outsiders caused it is indicated by the intake of applicants from other kommuner in the same two
windows (and how many of them were housed); the kommune states in the decision's justification why
the influx — and not demographics or a more lenient assessment practice — is the cause (Bilag 1).
One aggregate query per kommune, all kinds at once, computed in the database.

**A decision** (R22.1) records its date; it takes effect 1 month later (R22.2) and lapses 6 months
after that (R22.3). It requires an increase of at least 50 %. **An extension** (R22.4–R22.7) may be
adopted at the earliest 1 month before the decision lapses, takes effect 1 month after adoption
and lasts 6 months; it requires that the own citizens' level over the 3 months before the extension
still exceeds by at least 50 % the level 3 months before the original decision (stk. 5). Both are
published on the kommune's public page (R22.8). While a decision is in force, the intake of the
kind's specific lists refuses outside applicants unless an exemption of § 23 is recorded (R23).
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
from .needs import require_officer

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
        """More applicants from other kommuner joined in the last 3 months than in the 3 before."""
        return self.outsiders_joined_recent > self.outsiders_joined_before

    @property
    def outsiders_indicated(self) -> bool:
        """The figures point at outsiders as the cause: the level rose by 50 % and the influx rose."""
        return self.increase_qualifies and self.outsider_influx


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
    justification: str,
) -> RefuseOutsidersDecision:
    """R22.1–R22.3: decide that outsiders cannot join the kind's specific lists."""
    reason = require_reason(reason)
    require_officer(actor, kommune.pk)
    if dwelling_kind not in FacilityKind.values:
        raise ValidationError({"dwelling_kind": _("Choose a dwelling kind.")})
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The decision date cannot be in the future.")})
    if not (justification or "").strip():
        raise ValidationError({"justification": _("Give the qualified justification Bilag 1 asks for.")})
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
    if not figures.outsider_influx:
        raise _field_error(
            "dwelling_kind",
            _(
                "No increased influx of applicants from other kommuner in the preceding 3 months "
                "(%(recent)s against %(before)s): the increase is not shown to be caused by outsiders."
            )
            % {"recent": figures.outsiders_joined_recent, "before": figures.outsiders_joined_before},
            "not_outsiders",
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
        justification=justification.strip(),
        decided_by=actor,
    )
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
    justification: str,
) -> RefuseOutsidersDecision:
    """R22.4–R22.7: extend a decision by 6 months from 1 month after the extension decision."""
    reason = require_reason(reason)
    require_officer(actor, decision.kommune_id)
    Kommune.objects.select_for_update().get(pk=decision.kommune_id)
    decision = RefuseOutsidersDecision.objects.select_related("kommune").get(pk=decision.pk)
    if decided_on > timezone.localdate():
        raise ValidationError({"decided_on": _("The decision date cannot be in the future.")})
    if not (justification or "").strip():
        raise ValidationError({"justification": _("Give the qualified justification Bilag 1 asks for.")})
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
        justification=justification.strip(),
        decided_by=actor,
    )
    return audited_save(extension, actor=actor, reason=reason)
