"""The letters jobs: dispatching Digital Post and the daily print batch."""

from django.utils.translation import gettext_lazy as _

from housing.audit import system_user
from housing.exports import exports_purge
from housing.idempotency import form_submissions_purge

from . import services
from .jobs import JobProgress, job


@job(
    "letters.dispatch",
    label=_("Send queued Digital Post letters"),
    release=services.dispatch_claims_release,
)
def dispatch(progress: JobProgress) -> None:
    services.letters_dispatch(progress=progress)


@job("letters.print_batch", label=_("Make today's print batches for physical post"))
def print_batch(progress: JobProgress) -> None:
    batches = services.print_batches_create(actor=system_user(), progress=progress)
    progress.count("batches", len(batches))


# Registered here because the job machinery lives in letters and housing may not import upwards.
@job("housing.form_submissions_purge", label=_("Delete form submission keys older than a week"))
def form_submissions_purge_job(progress: JobProgress) -> None:
    progress.count("deleted", form_submissions_purge())


# Likewise: the export files (housing.exports) are personal data, kept EXPORT_RETENTION_DAYS days.
@job(
    "housing.exports_purge",
    label=_("Delete export files older than a week"),
    description=_(
        "Deletes the files of exports older than the retention period and closes exports that stopped."
    ),
)
def exports_purge_job(progress: JobProgress) -> None:
    progress.count("deleted", exports_purge())
