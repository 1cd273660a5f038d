"""The advert page of a vacancy let by advertising (R1.6, § 38): the advert's facts (R38.2), the
DanmarkBolig.dk deadline (R38.1), the written interests, the auditor's lottery (R38.3) with its
public record, and the letting to the applicant whose turn it is.

Who sees what: every member of the organisation's data controller sees the page; caseworkers get
the forms that change the advert, the interests and the letting; the auditor (revisor) gets only
the lottery's two actions; read-only members get no forms. Anyone else gets 404."""

from __future__ import annotations

import shlex

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation.forms_adverts import (
    AdvertForm,
    AssessmentForm,
    DeclineForm,
    InterestForm,
    LetForm,
    LotteryForm,
    PublicationForm,
)
from allocation.models import Advert, LettingChannel, LotteryDraw, Vacancy, VacancyState
from allocation.services import adverts as services
from allocation.services import lottery
from housing import confirmation, permissions, scoping
from housing.audit import history_rows
from housing.views.common import apply_service_errors

from .. import workflow

TEMPLATE = "allocation/adverts/advert_detail.html"


# --- Lookups ---------------------------------------------------------------------------------------


def _vacancy_or_404(request, vacancy_pk: int) -> Vacancy:
    """An advertised vacancy of a data controller the user is a member of (the interests name
    persons, so membership of the controller is what lets a user see the page)."""
    scope = scoping.scope_for(request.user)
    return get_object_or_404(
        Vacancy.objects.select_related("dwelling__department__organisation", "dwelling__department__kommune"),
        pk=vacancy_pk,
        controller_id__in=scope.tenant_ids,
        channel=LettingChannel.ADVERTISING,
    )


def _advert(vacancy: Vacancy) -> Advert | None:
    return Advert.objects.select_related("created_by").filter(vacancy=vacancy).first()


def _advert_or_404(vacancy: Vacancy) -> Advert:
    advert = _advert(vacancy)
    if advert is None:
        raise Http404
    return advert


def _can_write(request, vacancy: Vacancy) -> bool:
    return permissions.can_write_organisation(request.user, vacancy.organisation_id)


def _require_write(request, vacancy: Vacancy) -> None:
    if not _can_write(request, vacancy):
        raise PermissionDenied


def _require_auditor(request, vacancy: Vacancy) -> None:
    if not services.is_auditor_for(request.user, vacancy):
        raise PermissionDenied


def _detail_url(vacancy: Vacancy) -> str:
    return reverse("letting:advert_detail", args=[vacancy.pk])


def _tabs(vacancy: Vacancy, active: str) -> list[dict]:
    tabs = [
        ("overview", _("Advert"), _detail_url(vacancy)),
        ("history", _("History"), reverse("letting:advert_history", args=[vacancy.pk])),
    ]
    return [{"url": url, "label": label, "active": key == active} for key, label, url in tabs]


# --- The page --------------------------------------------------------------------------------------


def _record_filename(vacancy: Vacancy) -> str:
    return f"lodtraekning-ledig-{vacancy.pk}.json"


def _lottery_context(vacancy: Vacancy, draw: LotteryDraw | None, interests: list) -> dict:
    if draw is None:
        return {"draw": None}
    by_number = {i.person.applicant_number: i for i in interests}
    context = {
        "draw": draw,
        "published_applicants": [(ident, by_number.get(ident)) for ident in draw.applicants],
        "record_filename": _record_filename(vacancy),
    }
    if draw.seed_revealed:
        context["verification"] = lottery.lottery_verify(draw)
        context["order_rows"] = [
            (place, ident, by_number.get(ident)) for place, ident in enumerate(draw.order or [], start=1)
        ]
        context["verify_file_command"] = "python manage.py verify_lottery " + shlex.quote(
            _record_filename(vacancy)
        )
        context["verify_draw_command"] = (
            "python manage.py verify_lottery --draw --seed "
            + shlex.quote(draw.seed)
            + " --applicants "
            + shlex.quote(",".join(draw.applicants))
        )
    return context


def _context(request, vacancy: Vacancy, **bound) -> dict:
    advert = _advert(vacancy)
    can_write = _can_write(request, vacancy)
    is_auditor = services.is_auditor_for(request.user, vacancy)
    context = {
        "vacancy": vacancy,
        "dwelling": vacancy.dwelling,
        "advert": advert,
        "can_write": can_write,
        "is_auditor": is_auditor,
        "tabs": _tabs(vacancy, "overview"),
        "is_open": vacancy.state == VacancyState.OPEN,
    }
    if advert is None:
        return context
    interests = list(advert.interests.select_related("person").order_by("received_on", "id"))
    draw = LotteryDraw.objects.filter(advert=advert).first()
    turn = services.advert_turn(advert)
    standings = services.youth_standings(advert)
    for interest in interests:
        interest.youth_standing = standings.get(interest.pk) if standings is not None else None
    context.update(
        interests=interests,
        # § 12 (R12.1, R13): each applicant's place in or outside the eligible group of a youth dwelling.
        youth_rows=standings is not None,
        qualified_count=sum(1 for i in interests if i.qualified),
        publication=services.advert_publication_status(advert),
        deadline_passed=services.interest_deadline_passed(advert),
        turn=turn,
        # Where the advert's letting stands (R38.3), not the vacancy's stage.
        lottery_stage=turn.stage,
        lottery_stages=services.Stage,
        lease=getattr(vacancy, "lease", None) if vacancy.state == VacancyState.LET else None,
        **_lottery_context(vacancy, draw, interests),
    )
    forms = {}
    if can_write and context["is_open"]:
        forms["publication_form"] = PublicationForm(
            prefix="publication",
            initial={
                "danmarkbolig_published_on": advert.danmarkbolig_published_on,
                "other_media": advert.other_media,
            },
        )
        if draw is None:
            forms["interest_form"] = InterestForm(
                prefix="interest",
                user=request.user,
                controller_id=vacancy.controller_id,
                initial={
                    "received_on": min(timezone.localdate(), advert.interest_deadline),
                    "qualified": True,
                },
            )
        if interests:
            forms["assessment_form"] = AssessmentForm(prefix="assessment", advert=advert)
        if turn.interest is not None:
            forms["decline_form"] = DeclineForm(
                prefix="decline", advert=advert, initial={"interest": turn.interest.pk}
            )
            forms["let_form"] = LetForm(
                prefix="let",
                advert=advert,
                initial={
                    "interest": turn.interest.pk,
                    "signed_on": timezone.localdate(),
                    "starts_on": max(vacancy.move_out_date, timezone.localdate()),
                },
            )
    if is_auditor and context["is_open"]:
        if turn.stage == services.Stage.LOTTERY_NEEDED:
            forms["commit_form"] = LotteryForm(prefix="commit")
        elif turn.stage == services.Stage.COMMITTED:
            forms["draw_form"] = LotteryForm(prefix="draw")
    forms.update(bound)
    context.update(forms)
    return context


@require_GET
def advert_detail(request, vacancy_pk: int):
    vacancy = _vacancy_or_404(request, vacancy_pk)
    return render(request, TEMPLATE, _context(request, vacancy))


@require_GET
def advert_history(request, vacancy_pk: int):
    vacancy = _vacancy_or_404(request, vacancy_pk)
    advert = _advert_or_404(vacancy)
    draw = LotteryDraw.objects.filter(advert=advert).first()
    interests = list(advert.interests.select_related("person").order_by("received_on", "id"))
    return render(
        request,
        "allocation/adverts/advert_history.html",
        {
            "vacancy": vacancy,
            "advert": advert,
            "tabs": _tabs(vacancy, "history"),
            "advert_history": history_rows(advert),
            "lottery_history": history_rows(draw) if draw else [],
            "interest_histories": [(interest, history_rows(interest)) for interest in interests],
        },
    )


@require_http_methods(["GET", "POST"])
def advert_edit(request, vacancy_pk: int):
    """Create the advert, or change it until lots are committed to."""
    vacancy = _vacancy_or_404(request, vacancy_pk)
    _require_write(request, vacancy)
    advert = _advert(vacancy)
    if advert is None:
        dwelling = vacancy.dwelling
        initial = {
            "agreed_on": timezone.localdate(),
            "dwelling_description": _(
                "%(address)s: %(rooms)s rooms, %(area)s m², monthly rent %(rent)s kr., vacant from %(day)s."
            )
            % {
                "address": dwelling.address_line,
                "rooms": dwelling.rooms,
                "area": dwelling.gross_floor_area,
                "rent": dwelling.monthly_rent,
                "day": vacancy.move_out_date.isoformat(),
            },
        }
    else:
        initial = {name: getattr(advert, name) for name in services.ADVERT_FIELDS}
        if advert.viewing_at:
            initial["viewing_at"] = timezone.localtime(advert.viewing_at)
    form = AdvertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["change_reason"]
        try:
            if advert is None:
                services.advert_create(
                    actor=request.user, reason=reason, vacancy=vacancy, **form.advert_fields()
                )
            else:
                services.advert_update(
                    actor=request.user, reason=reason, advert=advert, **form.advert_fields()
                )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The advert was saved."))
            return redirect(_detail_url(vacancy))
    if request.method == "POST":
        messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "allocation/adverts/advert_form.html",
        {
            "vacancy": vacancy,
            "dwelling": vacancy.dwelling,
            "advert": advert,
            "form": form,
            "title": _("Create the advert") if advert is None else _("Change the advert"),
        },
        status=400 if form.errors else 200,
    )


def _action(
    request,
    vacancy_pk: int,
    *,
    prefix: str,
    make_form,
    call,
    success: str,
    auditor: bool = False,
    confirm=None,
):
    """One of the page's small forms: check the role, bind the form, hand the cleaned data with
    the user and the reason to one service, then back to the page — errors next to the fields.
    ``confirm(request, vacancy, advert)`` renders a confirmation page shown before the service
    runs until the user confirms (``housing.confirmation``)."""
    vacancy = _vacancy_or_404(request, vacancy_pk)
    if auditor:
        _require_auditor(request, vacancy)
    else:
        _require_write(request, vacancy)
    advert = _advert_or_404(vacancy)
    form = make_form(request.POST, prefix=prefix, vacancy=vacancy, advert=advert)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if confirm is not None and not confirmation.is_confirmed(request):
                confirmation.dry_run(
                    lambda: call(actor=request.user, reason=data["change_reason"], advert=advert, data=data)
                )
                return confirm(request, vacancy, advert)
            call(actor=request.user, reason=data["change_reason"], advert=advert, data=data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(_detail_url(vacancy))
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    vacancy.refresh_from_db()
    return render(request, TEMPLATE, _context(request, vacancy, **{f"{prefix}_form": form}), status=400)


def _plain(form_class):
    """A form that needs neither the vacancy nor the advert."""
    return lambda data, *, prefix, vacancy, advert: form_class(data, prefix=prefix)


def _for_advert(form_class):
    """A form choosing among the advert's interests."""
    return lambda data, *, prefix, vacancy, advert: form_class(data, prefix=prefix, advert=advert)


@require_POST
def advert_publication(request, vacancy_pk: int):
    return _action(
        request,
        vacancy_pk,
        prefix="publication",
        make_form=_plain(PublicationForm),
        success=_("The publication was recorded."),
        call=lambda *, data, **kw: services.advert_record_publication(
            danmarkbolig_published_on=data["danmarkbolig_published_on"], other_media=data["other_media"], **kw
        ),
    )


@require_POST
def advert_interest_add(request, vacancy_pk: int):
    return _action(
        request,
        vacancy_pk,
        prefix="interest",
        make_form=lambda data, *, prefix, vacancy, advert: InterestForm(
            data, prefix=prefix, user=request.user, controller_id=vacancy.controller_id
        ),
        success=_("The written interest was recorded."),
        call=lambda *, data, **kw: services.interest_record(
            person=data["person"],
            received_on=data["received_on"],
            qualified=data["qualified"],
            assessment=data["assessment"],
            **kw,
        ),
    )


@require_POST
def advert_interest_assess(request, vacancy_pk: int):
    return _action(
        request,
        vacancy_pk,
        prefix="assessment",
        make_form=_for_advert(AssessmentForm),
        success=_("The assessment was saved."),
        call=lambda *, data, advert, **kw: services.interest_assess(
            interest=data["interest"], qualified=data["qualified"], assessment=data["assessment"], **kw
        ),
    )


@require_POST
def advert_decline(request, vacancy_pk: int):
    return _action(
        request,
        vacancy_pk,
        prefix="decline",
        make_form=_for_advert(DeclineForm),
        success=_("The decline was recorded; the turn passes to the next applicant."),
        call=lambda *, data, advert, **kw: services.interest_decline(
            interest=data["interest"], note=data["note"], **kw
        ),
    )


@require_POST
def advert_let(request, vacancy_pk: int):
    return _action(
        request,
        vacancy_pk,
        prefix="let",
        make_form=_for_advert(LetForm),
        success=_("The lease was signed."),
        call=_let,
    )


def _let(*, actor, reason: str, advert: Advert, data: dict):
    """Two services, each one transaction: the winner's letting goes to the kommune first when it
    needs the approval (R42.1, R12.1), and that request stands while the lease is refused until
    the approval; then the lease."""
    person = data["interest"].person
    workflow.send_to_kommune(actor=actor, reason=reason, vacancy=advert.vacancy, person=person)
    return workflow.advert_let(
        actor=actor,
        reason=reason,
        advert=advert,
        person=person,
        signed_on=data["signed_on"],
        starts_on=data["starts_on"],
    )


@require_POST
def advert_lottery_commit(request, vacancy_pk: int):
    return _action(
        request,
        vacancy_pk,
        prefix="commit",
        make_form=_plain(LotteryForm),
        auditor=True,
        success=_("The applicant list is closed and the commitment published. Draw the lots next."),
        call=lambda *, data, **kw: lottery.lottery_commit(**kw),
    )


@require_POST
def advert_lottery_draw(request, vacancy_pk: int):
    return _action(
        request,
        vacancy_pk,
        prefix="draw",
        make_form=_plain(LotteryForm),
        auditor=True,
        success=_("The lots were drawn; the seed and the order are published."),
        call=lambda *, data, **kw: workflow.lottery_draw(**kw),
        confirm=_confirm_draw,
    )


def _confirm_draw(request, vacancy: Vacancy, advert: Advert):
    """Drawing the lots cannot be undone (R38.3): the auditor confirms first."""
    draw = LotteryDraw.objects.filter(advert=advert).first()
    applicants = len(draw.applicants) if draw is not None else 0
    return confirmation.confirmation_page(
        request,
        title=_("Confirm the draw"),
        consequences=[
            _(
                "The seed is revealed and the order of the %(count)s published applicants is drawn "
                "for %(address)s."
            )
            % {"count": applicants, "address": vacancy.dwelling.address_line},
            _("The order is final and published: the first qualified applicant gets the turn."),
            _("A letting that needs the kommune's approval is sent to the kommune at once (R42.1, R12.1)."),
            _("No letter is sent by the draw itself."),
        ],
        action_url=request.path,
        cancel_url=_detail_url(vacancy),
        confirm_label=_("Draw the lots"),
    )


@require_GET
def advert_lottery_record(request, vacancy_pk: int):
    """The public record of the lottery as JSON: ``manage.py verify_lottery FILE`` verifies it."""
    vacancy = _vacancy_or_404(request, vacancy_pk)
    advert = _advert_or_404(vacancy)
    draw = LotteryDraw.objects.filter(advert=advert).first()
    if draw is None:
        raise Http404
    response = JsonResponse(
        lottery.lottery_record(draw), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="{_record_filename(vacancy)}"'
    return response
