"""Pages of the kommune's allocation of vacant elder and nursing dwellings: the open vacancies (and
opening one), and one vacancy with the ranked candidates, the offer, the answer, the lease and the
letting outside the eligible group (R14, R17, R20.2, R24)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from housing.audit import history_rows
from housing.models import Person
from housing.views.common import apply_service_errors, ordered, paginate

from .. import selectors
from ..forms_allocation import (
    AnswerForm,
    EligibleNotFoundForm,
    LeaseForm,
    LetToOthersForm,
    OfferForm,
    VacancyOpenForm,
)
from ..models import ElderOffer, ElderOfferState, ElderVacancy, ElderVacancyState, OfferSource
from ..services import allocation as services
from ..services.needs import assessments_read_log
from .needs import NAV, require_officer_page

# The open vacancies' sortable columns (housing.views.common.ordered); by default the earliest first.
VACANCY_COLUMNS = (
    ("vacant_from", "vacant_from"),
    ("dwelling__address_line", "dwelling"),
    ("dwelling__kind", "kind"),
    ("ready_on", "ready_on"),
    ("pending_offer", "offer"),
)


def _vacancy_or_404(request, pk: int) -> ElderVacancy:
    require_officer_page(request)
    try:
        return selectors.vacancy_detail(request.user, pk)
    except ElderVacancy.DoesNotExist as exc:
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
def vacancy_list(request):
    require_officer_page(request)
    dwellings = services.elder_dwellings_for(request.user)
    status = 200
    if request.method == "POST":
        form = VacancyOpenForm(request.POST, dwellings=dwellings)
        if form.is_valid():
            data = form.cleaned_data
            try:
                vacancy = services.vacancy_open(
                    actor=request.user,
                    reason=data["change_reason"],
                    dwelling=data["dwelling"],
                    vacant_from=data["vacant_from"],
                    ready_on=data["ready_on"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The vacancy was opened."))
                return redirect(vacancy.get_absolute_url())
        messages.error(request, _("The form has errors. Correct the fields marked below."))
        status = 400
    else:
        today = timezone.localdate()
        form = VacancyOpenForm(dwellings=dwellings, initial={"vacant_from": today, "ready_on": today})
    return render(
        request,
        "eldercare/allocation/list.html",
        {
            "page_obj": paginate(
                request, ordered(request, selectors.open_vacancies(request.user), VACANCY_COLUMNS)
            ),
            "form": form,
            "nav_section": NAV,
        },
        status=status,
    )


def _candidate_label(ranked, names: dict, ready_on=None) -> str:
    c = ranked.candidate
    source = _("general list") if c.source == OfferSource.GENERAL else _("specific list")
    text = _("%(name)s – need %(score)s, waiting since %(since)s (%(source)s)") % {
        "name": names.get(c.person_id, "?"),
        "score": c.need_score,
        "since": c.waiting_since.strftime("%d.%m.%Y"),
        "source": source,
    }
    if c.deadline:
        text += " – " + _("guarantee deadline %(deadline)s") % {"deadline": c.deadline.strftime("%d.%m.%Y")}
    if c.ready_too_late(ready_on):
        text += " – " + _("the dwelling is ready too late for the guarantee (R16.2)")
    return text


def _names(person_ids) -> dict:
    return {
        p.pk: p.full_name
        for p in Person.objects.filter(pk__in=list(person_ids)).only("pk", "first_name", "last_name")
    }


def _offer_choices(ranking, names: dict, ready_on=None) -> list[tuple[str, str]]:
    return [(r.candidate.key, _candidate_label(r, names, ready_on)) for r in ranking.placed]


def _page(request, vacancy: ElderVacancy, *, status: int = 200, forms: dict | None = None):
    forms = forms or {}
    today = timezone.localdate()
    offers = selectors.vacancy_offers(vacancy)
    pending = next((o for o in offers if o.state == ElderOfferState.PENDING), None)
    accepted = next((o for o in offers if o.state == ElderOfferState.ACCEPTED), None)
    is_open = vacancy.state == ElderVacancyState.OPEN
    ranking, notes = services.vacancy_ranking(vacancy) if is_open else (None, [])
    rows = []
    if ranking is not None:
        shown = [*ranking.placed, *ranking.unfit]
        names = _names(r.candidate.person_id for r in shown)
        # The assessed need of each candidate shown is health and social data: log the reads.
        assessments_read_log(
            actor=request.user,
            person_ids=[r.candidate.person_id for r in shown],
            detail=_("Assessed need in the candidates for elder vacancy %(id)s") % {"id": vacancy.pk},
        )
        for r in shown:
            c = r.candidate
            rows.append(
                {
                    "ranked": r,
                    "name": names.get(c.person_id, "?"),
                    "days_left": (c.deadline - today).days if c.deadline else None,
                    "ready_too_late": c.ready_too_late(vacancy.ready_on),
                }
            )
        can_offer = pending is None and accepted is None and bool(ranking.placed)
        if can_offer and "offer" not in forms:
            forms["offer"] = OfferForm(
                prefix="offer",
                choices=_offer_choices(ranking, names, vacancy.ready_on),
                initial={
                    "candidate": ranking.placed[0].candidate.key,
                    "answer_by": today + datetime.timedelta(days=services.ANSWER_DAYS),
                },
            )
        elif not can_offer:
            forms.pop("offer", None)
    if is_open and pending is not None and "answer" not in forms:
        forms["answer"] = AnswerForm(prefix="answer", initial={"answered_on": today})
    if is_open and accepted is not None and "lease" not in forms:
        start = max(today, vacancy.ready_on)
        forms["lease"] = LeaseForm(prefix="lease", initial={"signed_on": today, "starts_on": start})
    nobody_fits = ranking is not None and not ranking.placed and pending is None and accepted is None
    if (
        nobody_fits
        and vacancy.dwelling.fitted_far_reaching_disability
        and vacancy.eligible_not_found_on is None
    ):
        forms.setdefault("eligible", EligibleNotFoundForm(prefix="eligible"))
    if nobody_fits and not vacancy.dwelling.fitted_far_reaching_disability:
        forms.setdefault("others", LetToOthersForm(prefix="others"))
    lease = getattr(vacancy, "lease", None) if vacancy.state == ElderVacancyState.LET else None
    return render(
        request,
        "eldercare/allocation/vacancy.html",
        {
            "vacancy": vacancy,
            "dwelling": vacancy.dwelling,
            "landlord": services.landlord_of(vacancy.dwelling),
            "rows": rows,
            "notes": notes,
            "offers": offers,
            "pending": pending,
            "accepted": accepted,
            "lease": lease,
            "forms": forms,
            "history_rows": history_rows(vacancy),
            "nav_section": NAV,
        },
        status=status,
    )


@require_GET
def vacancy_detail(request, pk: int):
    return _page(request, _vacancy_or_404(request, pk))


def _done(request, vacancy, message):
    messages.success(request, message)
    return redirect("eldercare:vacancy_detail", pk=vacancy.pk)


def _failed(request, vacancy, key, form):
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    for error in form.non_field_errors():
        messages.error(request, error)
    return _page(request, vacancy, status=400, forms={key: form})


def _submit(request, vacancy, key: str, form, call, success):
    """The POST of one form on the vacancy page: valid input goes to the service ``call(data)``; a
    ``ValidationError`` lands on the form, re-rendered with status 400; success redirects back with
    ``success`` (a message, or a function of the data giving one)."""
    if form.is_valid():
        data = form.cleaned_data
        try:
            call(data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return _done(request, vacancy, success(data) if callable(success) else success)
    return _failed(request, vacancy, key, form)


@require_POST
def vacancy_offer(request, pk: int):
    vacancy = _vacancy_or_404(request, pk)
    ranking, _notes = services.vacancy_ranking(vacancy)
    names = _names(r.candidate.person_id for r in ranking.placed)
    form = OfferForm(request.POST, prefix="offer", choices=_offer_choices(ranking, names, vacancy.ready_on))
    return _submit(
        request,
        vacancy,
        "offer",
        form,
        lambda data: services.offer_make(
            actor=request.user,
            reason=data["change_reason"],
            vacancy=vacancy,
            candidate_key=data["candidate"],
            answer_by=data["answer_by"],
            offer_not_ready_in_time=data.get("offer_not_ready_in_time", False),
        ),
        _("The offer was made and the letter sent."),
    )


@require_POST
def offer_answer(request, pk: int, offer_pk: int):
    vacancy = _vacancy_or_404(request, pk)
    try:
        offer = ElderOffer.objects.get(pk=offer_pk, vacancy=vacancy)
    except ElderOffer.DoesNotExist as exc:
        raise Http404 from exc

    def answer(data):
        record = services.offer_accept if data["answer"] == "accepted" else services.offer_refuse
        record(actor=request.user, reason=data["change_reason"], offer=offer, received_on=data["answered_on"])

    return _submit(
        request,
        vacancy,
        "answer",
        AnswerForm(request.POST, prefix="answer"),
        answer,
        lambda data: (
            _("The acceptance and the allocation decision were recorded.")
            if data["answer"] == "accepted"
            else _("The refusal was recorded.")
        ),
    )


@require_POST
def vacancy_lease(request, pk: int):
    vacancy = _vacancy_or_404(request, pk)
    accepted = ElderOffer.objects.filter(vacancy=vacancy, state=ElderOfferState.ACCEPTED).first()

    def lease(data):
        if accepted is None:
            raise ValidationError(_("The lease is made with the person who accepted the offer."))
        services.lease_record(
            actor=request.user,
            reason=data["change_reason"],
            offer=accepted,
            signed_on=data["signed_on"],
            starts_on=data["starts_on"],
        )

    return _submit(
        request,
        vacancy,
        "lease",
        LeaseForm(request.POST, prefix="lease"),
        lease,
        _("The lease was recorded; the dwelling is let."),
    )


@require_POST
def vacancy_eligible_not_found(request, pk: int):
    vacancy = _vacancy_or_404(request, pk)
    return _submit(
        request,
        vacancy,
        "eligible",
        EligibleNotFoundForm(request.POST, prefix="eligible"),
        lambda data: services.vacancy_eligible_not_found(
            actor=request.user, reason=data["change_reason"], vacancy=vacancy, note=data["note"]
        ),
        _("Recorded: the eligible group could not be found (R14.3)."),
    )


@require_POST
def vacancy_let_to_others(request, pk: int):
    vacancy = _vacancy_or_404(request, pk)
    return _submit(
        request,
        vacancy,
        "others",
        LetToOthersForm(request.POST, prefix="others"),
        lambda data: services.vacancy_let_to_others(
            actor=request.user,
            reason=data["change_reason"],
            vacancy=vacancy,
            basis=data["basis"],
            note=data.get("note", ""),
            approved_on=data.get("approved_on"),
            approval_ref=data.get("approval_ref", ""),
        ),
        _("The dwelling is let outside the eligible group."),
    )
