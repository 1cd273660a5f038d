"""Rejection pages: the caseworker's rejection form (choose the ground, then its facts), the list of
the organisation's cases, the case page with the R29 assessment, the R37.2 request and complaints,
its history; the kommune officer's R37.2 dispensations; the R28.2 and R37.3 reports (page, CSV and
PDF); the benefit status of a person. Views are thin: form → service → redirect or render, and a
service's ValidationError is shown next to the fields."""

from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation import selectors
from allocation.forms_vacancies import ReasonOnlyForm
from allocation.models import Offer, Vacancy, VacancyState
from allocation.views.actions import history_page, post_action
from housing import benefits as benefit_services
from housing import csv_export, permissions, scoping
from housing.models import AccessPurpose, BenefitKind, BenefitProvision, Person, listed_kinds_on
from housing.views.common import apply_service_errors, paginate
from housing.views.persons import person_or_404, person_tabs
from letters.rendering import render_pdf
from rejections import selectors as selectors_rejections
from rejections import services as services
from rejections.forms import (
    BenefitStatusForm,
    CriminalRecordAssessForm,
    DispensationDecideForm,
    DispensationRequestForm,
    ForwardForm,
    GroundChoiceForm,
    RejectionOpenForm,
)
from rejections.models import Dispensation, DispensationState, RejectionCase, RejectionGround, RejectionState
from waitinglists.models import Entry, EntryStatus

FORM_ERRORS = gettext_lazy("The form has errors. Correct the fields marked below.")


def case_or_404(request, pk: int) -> RejectionCase:
    try:
        return selectors_rejections.rejection_detail(user=request.user, pk=pk)
    except RejectionCase.DoesNotExist as exc:
        raise Http404 from exc


def dispensation_or_404(request, pk: int) -> Dispensation:
    try:
        return selectors_rejections.dispensation_detail(user=request.user, pk=pk)
    except Dispensation.DoesNotExist as exc:
        raise Http404 from exc


def _case_tabs(case: RejectionCase, active: str) -> list[dict]:
    url = reverse("rejections:rejection_detail", args=[case.pk])
    return [
        {"url": url, "label": _("Overview"), "active": active == "overview"},
        {"url": url + "historik/", "label": _("History"), "active": active == "history"},
    ]


def _dispensation_tabs(dispensation: Dispensation, active: str) -> list[dict]:
    url = reverse("rejections:dispensation_detail", args=[dispensation.pk])
    return [
        {"url": url, "label": _("Overview"), "active": active == "overview"},
        {"url": url + "historik/", "label": _("History"), "active": active == "history"},
    ]


# --- The list -------------------------------------------------------------------------------------


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
                request, selectors_rejections.rejection_list(user=request.user, state=state, ground=ground)
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
                    case = services.rejection_open(
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
            messages.error(request, FORM_ERRORS)
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
        run=lambda case, d: services.dispensation_request(
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


# --- R37.2 dispensations --------------------------------------------------------------------------


@require_GET
def dispensation_list(request):
    scope = scoping.scope_for(request.user)
    if not (scope.organisation_ids or scope.kommune_ids):
        raise PermissionDenied
    state = request.GET.get("state") or ""
    if state not in DispensationState.values:
        state = ""
    return render(
        request,
        "allocation/rejections/dispensation_list.html",
        {
            "page": paginate(request, selectors_rejections.dispensation_list(user=request.user, state=state)),
            "states": DispensationState.choices,
            "state": state,
            "nav_section": "dispensations" if scope.is_kommune_officer else "allocation",
        },
    )


def dispensation_page(request, dispensation: Dispensation, *, status: int = 200, **bound):
    can_decide = services.can_decide_dispensation(request.user, dispensation)
    context = {
        "dispensation": dispensation,
        "tabs": _dispensation_tabs(dispensation, "overview"),
        "can_decide": can_decide,
        "nav_section": "dispensations" if permissions.is_kommune_officer(request.user) else "allocation",
    }
    if can_decide:
        context.update(
            {
                "decide_form": bound.get("decide_form") or DispensationDecideForm(prefix="decide"),
                # A failed complaint or outcome submit (``complaints.views``) brings its bound form;
                # otherwise the complaints template tags give blank ones.
                "complaint_form": bound.get("complaint_form"),
                "outcome_form": bound.get("outcome_form"),
            }
        )
    return render(request, "allocation/rejections/dispensation_detail.html", context, status=status)


@require_GET
def dispensation_detail(request, pk: int):
    return dispensation_page(request, dispensation_or_404(request, pk))


@require_GET
def dispensation_history(request, pk: int):
    dispensation = dispensation_or_404(request, pk)
    return history_page(
        request,
        "allocation/rejections/dispensation_history.html",
        name="dispensation",
        obj=dispensation,
        tabs=_dispensation_tabs(dispensation, "history"),
    )


def dispensation_action(request, pk: int, **action):
    return post_action(
        request,
        load=lambda: dispensation_or_404(request, pk),
        allowed=lambda dispensation: services.can_decide_dispensation(request.user, dispensation),
        page=lambda dispensation, **bound: dispensation_page(request, dispensation, **bound),
        **action,
    )


@require_POST
def dispensation_decide(request, pk: int):
    def run(dispensation, d):
        services.dispensation_decide(
            actor=request.user,
            reason=d["change_reason"],
            dispensation=dispensation,
            grant=d["decision"] == "grant",
            work_or_education_prospect=d["work_or_education_prospect"],
            pension_prospect=d["pension_prospect"],
            housing_elsewhere_prospect=d["housing_elsewhere_prospect"],
            other_circumstances=d["other_circumstances"],
            decision_reasoning=d["decision_reasoning"],
        )

    return dispensation_action(
        request,
        pk,
        form_class=DispensationDecideForm,
        prefix="decide",
        key="decide_form",
        run=run,
        success=_("The decision is recorded and the letter queued."),
    )


# --- Reports ------------------------------------------------------------------------------------


def _csv_response(header: list[str], rows: list[list], filename: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv_export.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _pdf_response(request, template: str, context: dict, filename: str) -> HttpResponse:
    pdf, _pages = render_pdf(render_to_string(template, context, request=request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def termination_reports(request):
    """R28.2: the reports of § 28 rejections — only the fact of the rejection on that ground."""
    scope = scoping.scope_for(request.user)
    if not (scope.kommune_ids or scope.organisation_ids):
        raise PermissionDenied
    reports = list(selectors_rejections.termination_reports_for(request.user))
    header = [
        _("Kommune"),
        _("Housing organisation"),
        _("Ground"),
        _("Rejected on"),
        _("Reported on"),
        _("Forwarded on"),
    ]
    rows = [
        [
            r.kommune.name,
            r.organisation.name,
            "§ 28, stk. 1",
            r.rejected_on.isoformat(),
            r.reported_on.isoformat(),
            r.forwarded_on.isoformat() if r.forwarded_on else "",
        ]
        for r in reports
    ]
    context = {"header": header, "rows": rows, "title": _("R28.2 reports of rejections under § 28")}
    fmt = request.GET.get("format")
    if fmt == "csv":
        return _csv_response(header, rows, "indberetning-28-2.csv")
    if fmt == "pdf":
        return _pdf_response(
            request, "allocation/rejections/report_pdf.html", context, "indberetning-28-2.pdf"
        )
    forwardable = {
        r.pk
        for r in reports
        if r.forwarded_on is None and permissions.can_act_for_kommune(request.user, r.kommune_id)
    }
    return render(
        request,
        "allocation/rejections/termination_reports.html",
        {
            "reports": reports,
            "batches": list(selectors_rejections.termination_report_batches_for(request.user)[:24]),
            "forwardable": forwardable,
            "forward_form": ForwardForm(prefix="forward", initial={"forwarded_on": timezone.localdate()}),
            "nav_section": "approvals" if scope.is_kommune_officer else "allocation",
        },
    )


@require_POST
def termination_report_forward_view(request, pk: int):
    report = selectors_rejections.termination_reports_for(request.user).filter(pk=pk).first()
    if report is None:
        raise Http404
    permissions.require_act_for_kommune(request.user, report.kommune_id)
    form = ForwardForm(request.POST, prefix="forward")
    if form.is_valid():
        try:
            services.termination_report_forward(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                report=report,
                forwarded_on=form.cleaned_data["forwarded_on"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The forwarding is recorded."))
            return redirect("rejections:termination_reports")
    for message in [m for errors in form.errors.values() for m in errors]:
        messages.error(request, message)
    return redirect("rejections:termination_reports")


@require_GET
def dispensation_reports(request):
    """R37.3: the yearly reports of dispensations (made by the job from 1 July)."""
    permissions.require_kommune_officer(request.user)
    reports = list(selectors_rejections.dispensation_reports_for(request.user))
    header = [_("Kommune"), _("From"), _("To"), _("Dispensations granted"), _("Requests refused")]
    rows = [
        [r.kommune.name, r.period_start.isoformat(), r.period_end.isoformat(), r.granted, r.refused]
        for r in reports
    ]
    context = {"header": header, "rows": rows, "title": _("R37.3 reports of dispensations")}
    fmt = request.GET.get("format")
    if fmt == "csv":
        return _csv_response(header, rows, "indberetning-37-3.csv")
    if fmt == "pdf":
        return _pdf_response(
            request, "allocation/rejections/report_pdf.html", context, "indberetning-37-3.pdf"
        )
    return render(
        request,
        "allocation/rejections/dispensation_reports.html",
        {"reports": reports, "nav_section": "dispensations"},
    )


# --- Benefit status --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_benefits(request, pk: int):
    """The person's *Ydelser* tab: the benefit periods (a logged read) and the form to record one
    (R36.1, R37.1)."""
    person = person_or_404(request, pk)
    can_write = permissions.can_write_person(request.user, person)
    form = BenefitStatusForm(request.POST or None) if can_write else None
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                benefit_services.benefit_status_record(
                    actor=request.user,
                    reason=d["change_reason"],
                    person=person,
                    kind=d["kind"],
                    valid_from=d["valid_from"],
                    valid_until=d["valid_until"],
                    source=d["source"],
                    note=d["note"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The benefit status is recorded."))
                back = request.GET.get("next", "")
                if back.startswith("/") and not back.startswith("//"):
                    return redirect(back)
                return redirect("rejections:person_benefits", person.pk)
        messages.error(request, FORM_ERRORS)
        status = 400
    statuses = benefit_services.person_benefits(
        actor=request.user,
        person=person,
        purpose=AccessPurpose.CASE_HANDLING,
        purpose_text=_("Benefit status page"),
    )
    # Which benefits count is dated reference data (``ListedBenefit``): show today's list.
    today, labels = timezone.localdate(), dict(BenefitKind.choices)
    listed = [
        (label, sorted(str(labels.get(k, k)) for k in listed_kinds_on(value, today)))
        for value, label in BenefitProvision.choices
    ]
    return render(
        request,
        "allocation/rejections/benefits.html",
        {
            "person": person,
            "tabs": person_tabs(person, "benefits"),
            "statuses": statuses,
            "form": form,
            "listed": listed,
        },
        status=status,
    )
