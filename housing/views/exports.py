"""An export job's page (its progress, then the file) and the file itself (``housing.exports``).

While the job is queued or running, the page refreshes its summary every two seconds with htmx
(the polls do not renew the idle session); without JavaScript a meta refresh does the same, and
there is a link to refresh by hand. Only the user who asked sees the job or gets the file.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .. import exports
from ..middleware import polled
from ..models import ExportJob, ExportState


def _job_or_404(request, pk: int) -> ExportJob:
    try:
        return exports.export_job_detail(user=request.user, pk=pk)
    except ExportJob.DoesNotExist as exc:
        raise Http404 from exc


@require_GET
@polled
def export_job(request, pk: int):
    job = _job_or_404(request, pk)
    kind = exports.export_kind(job.kind)
    return render(
        request,
        "housing/export_job.html",
        {
            "job": job,
            "label": kind.label,
            "source_url": kind.source_url(job),
            "failure": exports.failure_text() if job.state == ExportState.FAILED else "",
            "retention_days": exports.retention_days(),
        },
    )


@require_GET
def export_download(request, pk: int):
    """The file, as an attachment that no cache keeps; fetching it is written to the access log."""
    job = _job_or_404(request, pk)
    try:
        handle = exports.export_open(actor=request.user, job=job)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=job.file_name,
        content_type=exports.export_kind(job.kind).content_type,
    )
    response["Cache-Control"] = "private, no-store"
    return response
