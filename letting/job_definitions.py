"""The daily job of the letting: close offer rounds past their answer deadline (the schedule is in
``allocation/migrations/0003_letting_letters_and_schedules.py``, editable in the admin; the job keeps
its name from when the letting was one app)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from letters.jobs import JobProgress, job

from . import workflow


@job(
    "allocation.offer_rounds_expire",
    label=_("Close offer rounds past their deadline"),
    description=_(
        "Marks unanswered offers, sets entries passive past the organisation's limit, lets to the "
        "best-ranked acceptance or opens the next round."
    ),
)
def offer_rounds_expire(progress: JobProgress) -> None:
    progress.count("closed", workflow.rounds_expire(today=timezone.localdate(), progress=progress))
