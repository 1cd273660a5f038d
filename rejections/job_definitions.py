"""The daily jobs of the rejections: the R37.3 yearly dispensation report and the monthly R28.2
reports. The jobs keep the names they were scheduled under when rejections were part of the
allocation app."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letters.jobs import JobProgress, job

from . import reports as rejections


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
    progress.count(
        "reports", rejections.termination_reports_send(today=timezone.localdate(), progress=progress)
    )
