"""The rejection case pages: the organisation's list of cases, the caseworker's rejection form
(choose the ground, then its facts), the case page with the R29 assessment, the R37.2 request and
the complaints, and its history. Views are thin: form → service → redirect or render, and a
service's ValidationError is shown next to the fields."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation import selectors
from allocation.forms_vacancies import ReasonOnlyForm
from allocation.models import Offer, Vacancy, VacancyState
from allocation.views.actions import history_page, post_action
from housing import confirmation, permissions, scoping
from housing.models import Person
from housing.views.common import apply_service_errors, ordered, paginate
from letters.models import Letter, LetterKind
from rejections import dispensations, services
from rejections import selectors as selectors_rejections
from rejections.forms import (
    CriminalRecordAssessForm,
    DispensationRequestForm,
    GroundChoiceForm,
    RejectionOpenForm,
)
from rejections.models import RejectionCase, RejectionGround, RejectionState
from waitinglists.models import Entry, EntryStatus


def case_or_404(request, pk: int) -> RejectionCase:
    try:
        return selectors_rejections.rejection_detail(user=request.user, pk=pk)
    except RejectionCase.DoesNotExist as exc:
        raise Http404 from exc


def _case_tabs(case: RejectionCase, active: str) -> list[dict]:
    url = reverse("rejections:rejection_detail", args=[case.pk])
    return [
        {"url": url, "label": _("Overview"), "active": active == "overview"},
        {"url": url + "historik/", "label": _("History"), "active": active == "history"},
    ]


# --- The list -------------------------------------------------------------------------------------

# Sortable columns (housing.views.common.ordered); by default the newest case first.
REJECTION_COLUMNS = (
    ("opened_at", "opened"),
    (("person__last_name", "person__first_name"), "applicant"),
    ("vacancy__dwelling__address_line", "dwelling"),
    ("ground", "ground"),
    ("state", "state"),
)


@require_GET
def rejection_list(request):
    scope = scoping.scope_for(request.user)
    if not scope.organisation_ids:
        raise PermissionDenied
    state = request.GET.get("state") or ""
    ground = request.GET.get("ground") or ""
    if state not in RejectionState.values:
        state = ""
    if ground not in RejectionGround.values:
        ground = ""
    return render(
        request,
        "allocation/rejections/list.html",
        {
            "page": paginate(
                request,
                ordered(
                    request,
                    selectors_rejections.rejection_list(user=request.user, state=state, ground=ground),
                    REJECTION_COLUMNS,
                ),
            ),
            "states": RejectionState.choices,
            "grounds": RejectionGround.choices,
            "state": state,
            "ground": ground,
            "nav_section": "allocation",
        },
    )


# --- Opening a case --------------------------------------------------------------------------------


def _vacancy_for_write(request, pk: int) -> Vacancy:
    try:
        vacancy = selectors.vacancy_detail(user=request.user, pk=pk)
    except Vacancy.DoesNotExist as exc:
        raise Http404 from exc
    if not selectors.can_write_vacancy(request.user, vacancy):
        raise PermissionDenied
    return vacancy


def _candidates(vacancy: Vacancy, ranked: Entry | None = None) -> list[tuple[int, str]]:
    """The applicants offered the dwelling in its rounds (entry id, label), best rank first, and
    the candidate the caseworker came from the ranking with (``ranked``: an R26 flag)."""
    offers = (
        Offer.objects.filter(round__vacancy=vacancy)
        .select_related("entry__person", "round")
        .order_by("round__number", "rank")
    )
    seen, choices = set(), []
    for offer in offers:
        if offer.entry_id in seen:
            continue
        seen.add(offer.entry_id)
        person = offer.entry.person
        label = _("%(name)s (%(number)s), round %(round)s, rank %(rank)s") % {
            "name": person.full_name,
            "number": person.applicant_number,
            "round": offer.round.number,
            "rank": offer.rank,
        }
        choices.append((offer.entry_id, label))
    if ranked is not None and ranked.pk not in seen:
        label = _("%(name)s (%(number)s), from the ranking") % {
            "name": ranked.person.full_name,
            "number": ranked.person.applicant_number,
        }
        choices.insert(0, (ranked.pk, label))
    return choices


def _ranked_entry(request, vacancy: Vacancy) -> Entry | None:
    """The entry named in ``?entry=`` by the ranking's R26 link: an entry, not deleted, on a
    waiting list the user reaches (``housing.scoping``); anything else is ignored."""
    raw = request.GET.get("entry") or ""
    if not raw.isdigit():
        return None
    return (
        Entry.objects.select_related("person")
        .filter(pk=int(raw), controller_id__in=scoping.scope_for(request.user).tenant_ids)
        .exclude(status=EntryStatus.DELETED)
        .first()
    )


def _resolve_candidate(
    request, form: RejectionOpenForm, vacancy: Vacancy, ranked: Entry | None = None
) -> tuple[Person, Entry | None]:
    data = form.cleaned_data
    if data.get("candidate"):
        offered = {entry_id for entry_id, _label in _candidates(vacancy, ranked)}
        if data["candidate"] not in offered:
            raise ValidationError({"candidate": _("Choose one of the candidates of this vacancy.")})
        entry = Entry.objects.select_related("person").get(pk=data["candidate"])
        return entry.person, entry
    number = data["applicant_number"].strip()
    person = scoping.persons_for(request.user).filter(applicant_number=number).first()
    if person is None:
        raise ValidationError(
            {"applicant_number": _("No person with this applicant number in your register.")}
        )
    entry = Entry.objects.filter(person=person).order_by("seniority_date").first()
    return person, entry


@require_http_methods(["GET", "POST"])
def rejection_open(request, pk: int):
    vacancy = _vacancy_for_write(request, pk)
    if vacancy.state != VacancyState.OPEN:
        messages.error(request, _("The vacancy is no longer open."))
        return redirect("letting:vacancy_detail", vacancy.pk)
    ground_form = GroundChoiceForm(request.GET or None)
    ground = ground_form.cleaned_data["ground"] if ground_form.is_valid() else None
    if request.method == "POST":
        ground = request.POST.get("ground")
        if ground not in RejectionGround.values:
            ground = None
    form = None
    status = 200
    # From the ranking's R26 flag: the candidate is named and chosen already.
    ranked = _ranked_entry(request, vacancy)
    if ground:
        form = RejectionOpenForm(
            request.POST if request.method == "POST" else None,
            ground=ground,
            candidates=_candidates(vacancy, ranked),
            vacancy=vacancy,
            initial={
                "takeover_date": vacancy.move_out_date,
                "certificates_requested_on": timezone.localdate(),
                "candidate": ranked.pk if ranked is not None else None,
            },
        )
        if request.method == "POST":
            if form.is_valid():
                try:
                    person, entry = _resolve_candidate(request, form, vacancy, ranked)

                    def open_case():
                        return services.rejection_open(
                            actor=request.user,
                            reason=form.cleaned_data["change_reason"],
                            vacancy=vacancy,
                            person=person,
                            entry=entry,
                            ground=ground,
                            takeover_date=form.cleaned_data["takeover_date"],
                            reasoning=form.cleaned_data.get("reasoning") or "",
                            facts=form.facts(),
                        )

                    if ground != RejectionGround.R29 and not confirmation.is_confirmed(request):
                        letter = confirmation.dry_run(lambda: _decision_letter(open_case()))
                        return _confirm_decision(request, vacancy, person, ground, letter)
                    case = open_case()
                except ValidationError as error:
                    apply_service_errors(form, error)
                else:
                    if case.state == RejectionState.DECIDED:
                        messages.success(
                            request, _("The rejection is decided and the decision letter queued.")
                        )
                    else:
                        messages.success(
                            request, _("The case is opened: record the certificates when they arrive.")
                        )
                    return redirect(case.get_absolute_url())
            messages.error(request, _("The form has errors. Correct the fields marked below."))
            status = 400
    elif request.method == "POST":
        messages.error(request, _("Choose the legal ground."))
        status = 400
    return render(
        request,
        "allocation/rejections/open.html",
        {
            "vacancy": vacancy,
            "dwelling": vacancy.dwelling,
            "ground_form": ground_form if not ground else GroundChoiceForm(initial={"ground": ground}),
            "ground": ground,
            "ground_label": RejectionGround(ground).label if ground else "",
            "form": form,
            "ranked": ranked,
            "nav_section": "allocation",
        },
        status=status,
    )


def _decision_letter(case: RejectionCase) -> Letter | None:
    """The decision letter the service wrote for ``case`` (in a dry run: before it is undone)."""
    return Letter.objects.filter(
        kind=LetterKind.REJECTION_DECISION, idempotency_key=f"rejection:{case.pk}"
    ).first()


def _confirm_decision(request, vacancy: Vacancy, person: Person, ground: str, letter: Letter | None):
    """R26, R27, R28, R30 and R37 are decided at once and the decision letter is sent: the
    caseworker sees the letter first and confirms (``housing.confirmation``)."""
    return confirmation.confirmation_page(
        request,
        title=_("Confirm the rejection"),
        consequences=[
            _("%(name)s (%(number)s) is rejected for %(address)s on the ground: %(ground)s.")
            % {
                "name": person.full_name,
                "number": person.applicant_number,
                "address": vacancy.dwelling.address_line,
                "ground": RejectionGround(ground).label,
            },
            *(
                [
                    _("The decision letter below is sent to the applicant."),
                    _("The decision cannot be taken back here; the applicant may complain (R11)."),
                ]
                if letter is not None
                else [_("The case is opened; no letter is sent now.")]
            ),
        ],
        action_url=request.get_full_path(),
        cancel_url=vacancy.get_absolute_url(),
        confirm_label=_("Reject and send the letter") if letter is not None else _("Open the case"),
        letter=letter,
        nav_section="allocation",
    )


# --- The case page ---------------------------------------------------------------------------------


def case_page(request, case: RejectionCase, *, status: int = 200, **bound):
    can_write = permissions.can_write_organisation(request.user, case.organisation_id)
    services.log_sensitive_read(actor=request.user, case=case)
    today = timezone.localdate()
    context = {
        "case": case,
        "tabs": _case_tabs(case, "overview"),
        "can_write": can_write,
        "dispensations": list(case.dispensations.order_by("-requested_on")),
        "termination_report": getattr(case, "termination_report", None),
        "nav_section": "allocation",
    }
    if can_write:
        context.update(
            {
                "criminal_record_form": bound.get("criminal_record_form")
                or CriminalRecordAssessForm(prefix="r29", initial={"received_on": today}),
                "dispensation_form": bound.get("dispensation_form") or DispensationRequestForm(prefix="disp"),
                # A failed complaint or outcome submit (``complaints.views``) brings its bound form;
                # otherwise the complaints template tags give blank ones.
                "complaint_form": bound.get("complaint_form"),
                "outcome_form": bound.get("outcome_form"),
                "withdraw_form": bound.get("withdraw_form") or ReasonOnlyForm(prefix="withdraw"),
            }
        )
    return render(request, "allocation/rejections/detail.html", context, status=status)


@require_GET
def rejection_detail(request, pk: int):
    return case_page(request, case_or_404(request, pk))


@require_GET
def rejection_history(request, pk: int):
    case = case_or_404(request, pk)
    return history_page(
        request,
        "allocation/rejections/history.html",
        name="case",
        obj=case,
        tabs=_case_tabs(case, "history"),
        nav_section="allocation",
    )


def case_action(request, pk: int, **action):
    return post_action(
        request,
        load=lambda: case_or_404(request, pk),
        allowed=lambda case: permissions.can_write_organisation(request.user, case.organisation_id),
        page=lambda case, **bound: case_page(request, case, **bound),
        **action,
    )


@require_POST
def rejection_criminal_record(request, pk: int):
    return case_action(
        request,
        pk,
        form_class=CriminalRecordAssessForm,
        prefix="r29",
        key="criminal_record_form",
        run=lambda case, d: services.rejection_criminal_record_assess(
            actor=request.user,
            reason=d["change_reason"],
            case=case,
            received_on=d["received_on"],
            relevant=d["relevant"],
            assessment=d["assessment"],
        ),
        success=_("The assessment is recorded."),
    )


@require_POST
def rejection_dispensation(request, pk: int):
    return case_action(
        request,
        pk,
        form_class=DispensationRequestForm,
        prefix="disp",
        key="dispensation_form",
        run=lambda case, d: dispensations.dispensation_request(
            actor=request.user, reason=d["change_reason"], case=case, request_text=d["request_text"]
        ),
        success=_("The request for a dispensation is sent to the kommune."),
    )


@require_POST
def rejection_withdraw(request, pk: int):
    return case_action(
        request,
        pk,
        form_class=ReasonOnlyForm,
        prefix="withdraw",
        key="withdraw_form",
        run=lambda case, d: services.rejection_withdraw(
            actor=request.user, reason=d["change_reason"], case=case
        ),
        success=_("The case is closed without a rejection."),
    )
