"""The daily job of the plejebolig guarantee: warn the kommune before a deadline (the schedule is in
``eldercare/migrations/0003_elder_letters_and_schedule.py``, editable in the admin)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letters.jobs import JobProgress, job

from .services import guarantee, specific_lists


@job(
    "eldercare.guarantee_warnings",
    label=_("Warn the kommune before plejebolig guarantee deadlines"),
    description=_(
        "A notice on the guarantee dashboard for each elder whose offer deadline is within the kommune's "
        "warning days, or passed: once per elder and deadline."
    ),
)
def guarantee_warnings(progress: JobProgress) -> None:
    created = guarantee.guarantee_warnings_send(
        today=timezone.localdate(), progress=progress, job_run=progress.run
    )
    progress.count("warned", created)


@job(
    "eldercare.specific_list_fee_remind",
    label=_("Remind unpaid specific list fees"),
    description=_(
        "Open fees for joining several specific lists whose reminder date has come get a reminder letter "
        "that warns of deletion (R21.3)."
    ),
)
def specific_list_fee_remind(progress: JobProgress) -> None:
    progress.count("reminded", specific_lists.fee_cycle_remind(today=timezone.localdate(), progress=progress))


@job(
    "eldercare.specific_list_fee_delete",
    label=_("Delete entries with unpaid specific list fees"),
    description=_("Entries whose fee is still unpaid after the reminder's deadline leave the list (R21.3)."),
)
def specific_list_fee_delete(progress: JobProgress) -> None:
    progress.count("deleted", specific_lists.fee_cycle_delete(today=timezone.localdate(), progress=progress))
