"""The daily job of the kommune approvals: requests under R42.1 alone lapse into approval (R42.3).
The job keeps the name it was scheduled under when approvals were part of the allocation app."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letters.jobs import JobProgress, job

from . import services as approvals


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
    progress.count("lapsed", approvals.approvals_lapse(today=timezone.localdate(), progress=progress))
