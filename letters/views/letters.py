"""The outbox, one letter (overview, history, PDF, resend) and a person's correspondence tab."""

from __future__ import annotations

from csp.constants import SELF
from csp.decorators import csp_replace
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from housing import services as housing_services
from housing.audit import history_rows
from housing.models import AccessKind, AccessPurpose
from housing.views.common import apply_service_errors, object_tabs, ordered, paginate
from housing.views.persons import person_or_404, person_tabs

from .. import rendering, selectors, services
from ..filters import LetterFilter
from ..forms import ReasonForm
from ..models import Letter

# The sortable columns of the outbox and of a person's correspondence (housing.views.common.ordered).
LETTER_COLUMNS = (
    ("created_at", "created"),
    ("recipient_name", "recipient"),
    ("kind", "kind"),
    ("subject", "subject"),
    ("channel", "channel"),
    ("state", "state"),
    ("sender_name", "sender"),
)
# A person's correspondence has no recipient column (they are all to the person).
CORRESPONDENCE_COLUMNS = tuple(column for column in LETTER_COLUMNS if column[1] != "recipient")


def _letter(request, pk: int) -> Letter:
    try:
        return selectors.letter_detail(user=request.user, pk=pk)
    except Letter.DoesNotExist as exc:
        raise Http404 from exc


def outbox(request):
    queryset = selectors.outbox(user=request.user)
    filterset = LetterFilter(
        request.GET or None, queryset=queryset, senders=selectors.sender_choices(user=request.user)
    )
    rows = filterset.qs if filterset.is_bound and filterset.is_valid() else queryset
    rows = ordered(request, rows, LETTER_COLUMNS)
    return render(request, "letters/outbox.html", {"filter": filterset, "page_obj": paginate(request, rows)})


def _detail_context(request, letter: Letter, *, resend_form: ReasonForm | None = None) -> dict:
    can_resend = selectors.can_write_letter(request.user, letter)
    return {
        "letter": letter,
        "events": letter.events.all(),
        "resends": letter.resends.all(),
        "tabs": object_tabs(letter, "overview"),
        "can_resend": can_resend,
        "resend_form": (resend_form or ReasonForm()) if can_resend else None,
    }


@require_GET
def letter_detail(request, pk: int):
    letter = _letter(request, pk)
    return render(request, "letters/letter_detail.html", _detail_context(request, letter))


@require_GET
def letter_history(request, pk: int):
    letter = _letter(request, pk)
    return render(
        request,
        "housing/history.html",
        {"object": letter, "history_rows": history_rows(letter), "tabs": object_tabs(letter, "history")},
    )


@require_GET
@xframe_options_sameorigin  # shown in the letter page's preview frame
@csp_replace({"frame-ancestors": [SELF]})  # the same for browsers that follow only the CSP
def letter_pdf(request, pk: int):
    """The letter as PDF, inline. Reading a letter is reading personal data: logged every time —
    against the person it went to, or for a letter to an organisation the applicant it concerns."""
    letter = _letter(request, pk)
    person = letter.recipient or letter.concerns_person
    if person is not None:
        housing_services.access_log_record(
            actor=request.user,
            person=person,
            kind=AccessKind.SENSITIVE_READ,
            purpose=AccessPurpose.CASE_HANDLING,
            detail=f"letter {letter.pk}",
        )
    response = HttpResponse(rendering.letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="brev-{letter.pk}.pdf"'
    # Personal data: never kept in a shared cache or the browser's disk cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
def letter_resend(request, pk: int):
    letter = _letter(request, pk)
    if not selectors.can_write_letter(request.user, letter):
        raise PermissionDenied
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            resent = services.letter_resend(
                actor=request.user, reason=form.cleaned_data["change_reason"], letter=letter
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The letter was sent again as a new letter."))
            return redirect(resent)
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "letters/letter_detail.html",
        _detail_context(request, letter, resend_form=form),
        status=400,
    )


@require_GET
def person_correspondence(request, pk: int):
    """The person's *Korrespondance* tab: every letter to them that the user may see."""
    person = person_or_404(request, pk)
    return render(
        request,
        "letters/person_correspondence.html",
        {
            "person": person,
            "page_obj": paginate(
                request,
                ordered(
                    request,
                    selectors.person_letters(user=request.user, person=person),
                    CORRESPONDENCE_COLUMNS,
                ),
            ),
            "tabs": person_tabs(person, "correspondence"),
        },
    )
