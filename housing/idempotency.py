"""Idempotent form submits: a repeated or concurrent POST of the same rendered form has one effect.

Every POST form carries a fresh submission key next to its CSRF token
(``housing.templatetags.submission``). For a signed-in user's POST with a key, the middleware

1. opens a transaction and inserts ``FormSubmission(user, key)`` — the unique constraint makes a
   second request with the same key *wait* for the first one's transaction (PostgreSQL blocks the
   insert of an equal key until the first commits or rolls back);
2. runs the view inside that transaction;
3. on a redirect (the view's success) stores where it led and commits effect and key together;
   the waiting duplicate then fails to insert, reads the stored redirect and returns it: the
   second submit gets the first one's result and changes nothing;
4. on any other answer (a form shown again with errors, a refusal) forgets the key but keeps the
   view's outcome, so the user can correct the form and submit again; on a server error
   everything rolls back.

A POST without a key (API clients, the bank-file import, forms built by scripts) is handled as
before; natural unique constraints and row locks in the services guard those. So are the views in
``OWN_TRANSACTIONS``, which must not run inside the request's transaction.
"""

from __future__ import annotations

import datetime
import re

from django.db import IntegrityError, transaction
from django.http import HttpResponse, HttpResponseBadRequest, HttpResponseRedirect
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import FormSubmission

FIELD_NAME = "submission_key"
HEADER_NAME = "HTTP_IDEMPOTENCY_KEY"
_KEY = re.compile(r"^[0-9A-Za-z_-]{16,64}$")

# Starting a job runs it in-process when there is no worker; the job commits its own claims and
# progress (and records its failure) in transactions of its own, and is idempotent itself.
OWN_TRANSACTIONS = frozenset({"letters:job_run_start"})


def submission_key(request) -> str:
    """The request's submission key ('' when it carries none or a malformed one)."""
    key = request.META.get(HEADER_NAME, "")
    if not key and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        key = request.POST.get(FIELD_NAME, "")
    return key if _KEY.match(key or "") else ""


def _view_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _replay(request, submission: FormSubmission) -> HttpResponse:
    if submission.path != request.path:
        # The key belongs to another form: a forged or mixed-up submit, not a repeat.
        return HttpResponseBadRequest(_("This form was submitted to another address."))
    response = HttpResponseRedirect(submission.location)
    response.status_code = submission.status_code
    response["X-Repeated-Submission"] = "1"
    return response


class IdempotentSubmitMiddleware:
    """See the module docstring. Placed after authentication and messages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or not getattr(request.user, "is_authenticated", False):
            return self.get_response(request)
        key = submission_key(request)
        if not key or _view_name(request) in OWN_TRANSACTIONS:
            return self.get_response(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    submission = FormSubmission.objects.create(
                        user=request.user, key=key, path=request.path[:500], status_code=0, location=""
                    )
            except IntegrityError:
                return _replay(request, FormSubmission.objects.get(user=request.user, key=key))
            response = self.get_response(request)
            if response.status_code >= 500:
                transaction.set_rollback(True)
            elif 300 <= response.status_code < 400 and response.has_header("Location"):
                submission.status_code = response.status_code
                submission.location = response["Location"][:2000]
                submission.save(update_fields=["status_code", "location"])
            else:
                submission.delete()
            return response


# A key only has to outlive the double click, the browser's retry and the impatient second submit
# (seconds to minutes); a week leaves room for a tab left open over a weekend.
FORM_SUBMISSION_RETENTION = datetime.timedelta(days=7)


def form_submissions_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the submission keys older than ``FORM_SUBMISSION_RETENTION``; returns how many.

    The rows are technical (user, path, redirect; no personal data, no history of their own), so a
    plain delete is right. A form submitted again after its key was purged is simply a new submit."""
    cutoff = (now or timezone.now()) - FORM_SUBMISSION_RETENTION
    deleted, _by_model = FormSubmission.objects.filter(submitted_at__lt=cutoff).delete()
    return deleted
