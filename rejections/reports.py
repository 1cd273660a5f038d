"""The reports of the rejections (counts only, no personal data):

* R37.3 (§ 37, stk. 3): each 1 July the kommune reports the number of R37.2 dispensations of the
  past year — made by the daily job ``allocation.rejection_reports`` (``dispensation_reports_make``).
* R28.2 (§ 28, stk. 2): the rejections under § 28 of each past month go to the kommune together
  (``termination_reports_send``, the daily job ``allocation.r28_reports_send``), which records that
  it forwarded them to the ministry (``termination_report_forward``).

The jobs are idempotent: the database allows one report per kommune and period, and a report row
is claimed under a row lock while unsent."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from housing import permissions
from housing.audit import audited_save, require_reason, system_user
from housing.deadlines import add_calendar_months
from housing.models import AreaStatusKind, DepartmentAreaStatus, Kommune
from rejections import rules
from rejections.models import (
    Dispensation,
    DispensationReport,
    DispensationState,
    TerminationRejectionReport,
    TerminationRejectionReportBatch,
)


def dispensation_counts(*, kommune_id: int, start: datetime.date, end: datetime.date) -> tuple[int, int]:
    decided = Dispensation.objects.filter(kommune_id=kommune_id, decided_on__gte=start, decided_on__lte=end)
    return (
        decided.filter(state=DispensationState.GRANTED).count(),
        decided.filter(state=DispensationState.REFUSED).count(),
    )


def dispensation_reports_make(*, today: datetime.date, progress=None) -> int:
    """R37.3, the job: from 1 July, the report of the past year for every kommune with a
    department in a hårdt ghettoområde or a dispensation in that year. Idempotent: one report per
    kommune and year (the database refuses a second)."""
    start, end = rules.dispensation_report_period(today)
    if today < datetime.date(end.year, 7, 1):
        return 0
    kommune_ids = set(
        DepartmentAreaStatus.objects.filter(kind=AreaStatusKind.HARD_GHETTO, valid_from__lte=end)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=start))
        .values_list("department__kommune_id", flat=True)
    ) | set(
        Dispensation.objects.filter(decided_on__gte=start, decided_on__lte=end).values_list(
            "kommune_id", flat=True
        )
    )
    actor = system_user()
    made = 0
    for kommune in Kommune.objects.filter(pk__in=kommune_ids).order_by("name"):
        if DispensationReport.objects.filter(kommune=kommune, period_start=start).exists():
            continue
        granted, refused = dispensation_counts(kommune_id=kommune.pk, start=start, end=end)
        try:
            with transaction.atomic():
                audited_save(
                    DispensationReport(
                        kommune=kommune, period_start=start, period_end=end, granted=granted, refused=refused
                    ),
                    actor=actor,
                    reason=_("R37.3: the yearly report of dispensations (1 July)"),
                )
        except IntegrityError:
            continue  # another run made it
        made += 1
        if progress is not None:
            progress.advance()
    return made


# --- R28.2 ------------------------------------------------------------------------------------


@transaction.atomic
def termination_report_forward(
    *, actor, reason: str, report: TerminationRejectionReport, forwarded_on: datetime.date
) -> TerminationRejectionReport:
    """The kommune records that it forwarded the report to the ministry (R28.2)."""
    require_reason(reason)
    report = TerminationRejectionReport.objects.select_for_update().get(pk=report.pk)
    permissions.require_act_for_kommune(actor, report.kommune_id)
    if report.forwarded_on is not None:
        raise ValidationError(_("The forwarding is already recorded."))
    if forwarded_on < report.reported_on or forwarded_on > timezone.localdate():
        raise ValidationError(
            {"forwarded_on": _("The forwarding date lies between the report date and today.")}
        )
    report.forwarded_on = forwarded_on
    report.forwarded_by = actor
    return audited_save(report, actor=actor, reason=reason)


def termination_reports_send(*, today: datetime.date, progress=None) -> int:
    """R28.2, the daily job: the reports of each past calendar month go to the kommune together,
    as one report per kommune and month (``TerminationRejectionReportBatch``, counts only) that the
    kommune sees on its R28.2 page and forwards to the ministry. Idempotent: the database allows
    one report per kommune and month, and each report row is claimed under a row lock while unsent — a second
    run, or a second worker, finds nothing left. Returns the number of reports to kommuner made."""
    month_start = today.replace(day=1)
    unsent = TerminationRejectionReport.objects.filter(
        batch__isnull=True, rejected_on__lt=month_start
    ).values_list("kommune_id", "rejected_on")
    periods = sorted({(kommune_id, day.replace(day=1)) for kommune_id, day in unsent})
    actor = system_user()
    reason = _("R28.2: the month's reports of rejections under § 28 sent to the kommune")
    made = 0
    for kommune_id, start in periods:
        end = add_calendar_months(start, 1) - datetime.timedelta(days=1)
        with transaction.atomic():
            batch = (
                TerminationRejectionReportBatch.objects.select_for_update()
                .filter(kommune_id=kommune_id, period_start=start)
                .first()
            )
            if batch is None:
                try:
                    with transaction.atomic():
                        batch = audited_save(
                            TerminationRejectionReportBatch(
                                kommune_id=kommune_id,
                                period_start=start,
                                period_end=end,
                                rejections=0,
                                sent_on=today,
                            ),
                            actor=actor,
                            reason=reason,
                        )
                except IntegrityError:
                    continue  # another worker made it and sends the reports
                made += 1
            claimed = TerminationRejectionReport.objects.select_for_update(skip_locked=True).filter(
                kommune_id=kommune_id, batch__isnull=True, rejected_on__gte=start, rejected_on__lte=end
            )
            added = 0
            for report in claimed:
                report.batch = batch
                audited_save(report, actor=actor, reason=reason)
                added += 1
            if added:
                batch.rejections += added
                audited_save(batch, actor=actor, reason=reason)
        if progress is not None:
            progress.advance()
    return made
