"""The daily job of the letting: close offer rounds past their answer deadline (the schedule is in
``allocation/migrations/0003_letting_letters_and_schedules.py``, editable in the admin)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letters.jobs import JobProgress, job

from .services import offers


@job(
    "allocation.offer_rounds_expire",
    label=_("Close offer rounds past their deadline"),
    description=_(
        "Marks unanswered offers, sets entries passive past the organisation's limit, lets to the "
        "best-ranked acceptance or opens the next round."
    ),
)
def offer_rounds_expire(progress: JobProgress) -> None:
    progress.count("closed", offers.rounds_expire(today=timezone.localdate(), progress=progress))


@job(
    "allocation.approvals_lapse",
    label=_("Approve lettings the kommune did not refuse in time"),
    description=_(
        "Marks kommune approval requests under R42.1 alone past their 5-working-day deadline as lapsed, "
        "which counts as approved (R42.3), and tells the applicant and the organisation in writing. "
        "R12.1, R12.4/R14.4 and R36.1 requests never lapse: they stay in the kommune's queue, overdue."
    ),
)
def approvals_lapse(progress: JobProgress) -> None:
    from .services import approvals

    progress.count("lapsed", approvals.approvals_lapse(today=timezone.localdate(), progress=progress))


@job(
    "allocation.rejection_reports",
    label=_("Make the yearly report of R37.2 dispensations (R37.3)"),
    description=_(
        "From 1 July: for each kommune with an omdannelsesområde (formerly: hårdt ghettoområde) or a "
        "dispensation, the number of "
        "dispensations granted and refused in the past year. Runs daily; one report per kommune and year."
    ),
)
def rejection_reports(progress: JobProgress) -> None:
    from .services import rejections

    progress.count(
        "reports", rejections.dispensation_reports_make(today=timezone.localdate(), progress=progress)
    )


@job(
    "allocation.r28_reports_send",
    label=_("Send the month's R28.2 reports to the kommune"),
    description=_(
        "For each kommune, the rejections under § 28 of each past month (only the fact of each "
        "rejection) are sent together as one report, which the kommune forwards to the ministry. Runs "
        "daily; one report per kommune and month."
    ),
)
def termination_reports_send(progress: JobProgress) -> None:
    from .services import rejections

    progress.count(
        "reports", rejections.termination_reports_send(today=timezone.localdate(), progress=progress)
    )
