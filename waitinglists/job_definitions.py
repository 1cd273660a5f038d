"""The yearly fee cycle (R3.3) as daily jobs: charge the update fee, remind, delete; and the jobs
that keep the queue positions cheap to read (``waitinglists.queue``).

Each job acts as the system user and asks its service for today's work; the services are
idempotent, so a job run twice on the same day (a redelivered task, a manual run) does nothing
the second time. Schedules: ``waitinglists/migrations/0003_fee_cycle_schedules.py`` (editable in
the admin); the queue jobs': ``0013_queue_schedules.py``.
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letters.jobs import JobProgress, job

from . import queue
from .services import fees


@job(
    "waitinglists.fee_charge",
    label=_("Charge the yearly update fees"),
    description=_(
        "Charges this year's update fee to entries whose due date has come and that are not prepaid."
    ),
)
def fee_charge(progress: JobProgress) -> None:
    progress.count("charged", fees.fee_cycle_charge(today=timezone.localdate(), progress=progress))


@job(
    "waitinglists.fee_remind",
    label=_("Send reminders for unpaid fees"),
    description=_("Sends a reminder, stating the deletion rule and the deadline, for every unpaid fee."),
)
def fee_remind(progress: JobProgress) -> None:
    progress.count("reminded", fees.fee_cycle_remind(today=timezone.localdate(), progress=progress))


@job(
    "waitinglists.fee_delete",
    label=_("Delete entries with fees unpaid despite a reminder"),
    description=_("Deletes entries whose fee is still unpaid after the reminder's deadline, with a notice."),
)
def fee_delete(progress: JobProgress) -> None:
    progress.count("deleted", fees.fee_cycle_delete(today=timezone.localdate(), progress=progress))


@job(
    "waitinglists.queue_refresh",
    label=_("Fold the queue changes of busy lists into their positions"),
    description=_(
        "Rebuilds the kept queue positions of every list that has gathered many changes since its last "
        "rebuild, so a page reads a place in line with a few index reads. Positions are exact either way."
    ),
)
def queue_refresh(progress: JobProgress) -> None:
    progress.count("rebuilt", queue.refresh())


@job(
    "waitinglists.queue_rebuild",
    label=_("Rebuild the queue positions of every list"),
    description=_("Rebuilds the kept queue positions and counts of every waiting list (nightly)."),
)
def queue_rebuild(progress: JobProgress) -> None:
    progress.count("rebuilt", queue.rebuild_all())
