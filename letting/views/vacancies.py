"""The vacancy board and the vacancy page: the channel and why, the ranking with every reason,
offer rounds with their answers, the lease, letting outside the eligible group, and the old
tenant's boliggarantibevis. Every action is a POST with a reason, handled by a service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allocation import explanations, selectors
from allocation.forms_vacancies import (
    FallbackForm,
    GuaranteeForm,
    LeaseForm,
    LeaseOutsideForm,
    ReasonOnlyForm,
    RoundAnswersForm,
    VacancyOpenForm,
)
from allocation.models import (
    Answer,
    LettingChannel,
    Offer,
    OfferRound,
    RoundState,
    Vacancy,
    VacancyStage,
    VacancyState,
)
from allocation.rules.ranking import NO_GUIDELINE_NOTE, guideline_applies
from allocation.services import leases, offers, vacancies
from allocation.services import ranking as ranking_service
from allocation.views.actions import post_action
from approvals import selectors as approval_selectors
from housing import permissions, scoping
from housing.audit import history_rows
from housing.views.common import apply_service_errors, object_tabs, ordered, paginate
from waitinglists import selectors as list_selectors

from .. import workflow
from . import vacancy_status

# The channel groups the board can pick out within a stage (``selectors.BOARD_CHANNELS``).
CHANNEL_LABELS = {
    "": gettext_lazy("All channels"),
    "kommune": LettingChannel.KOMMUNAL_ANVISNING.label,
    "advert": gettext_lazy("Advertised"),
    "outside": gettext_lazy("Outside the lists"),
}

# The board's sortable columns (housing.views.common.ordered); by default the earliest vacant first.
BOARD_COLUMNS = (
    ("dwelling__address_line", "dwelling"),
    (("dwelling__department__number", "dwelling__address_line"), "department"),
    ("dwelling__rooms", "rooms"),
    ("move_out_date", "vacant_from"),
    ("channel", "channel"),
    ("internal_turn", "turn"),
)


# The reasons the forms of the letting's steps come with: the step itself is the reason for the
# history (the caseworker may write another). Only a cancellation, a letting outside the eligible
# group and the boliggarantibevis ask for one to be written.
DEFAULT_REASONS = {
    "vacancy_open": gettext_lazy("The tenant has given notice"),
    "round_open": gettext_lazy("Offers sent to the top of the ranking"),
    "answers": gettext_lazy("The applicants' answers received"),
    "round_close": gettext_lazy("The offer round is decided"),
    "lease": gettext_lazy("The lease is signed"),
}


def _vacancy_or_404(request, pk: int) -> Vacancy:
    try:
        return selectors.vacancy_detail(user=request.user, pk=pk)
    except Vacancy.DoesNotExist as exc:
        raise Http404 from exc


def _require_write(request, vacancy: Vacancy) -> None:
    if not selectors.can_write_vacancy(request.user, vacancy):
        raise PermissionDenied


@require_GET
def board(request):
    """The vacancies by the stage stored on them (``Vacancy.stages``): a tab per stage with its
    count, and within the stage a filter by channel group — the counts in one grouped query."""
    stage = request.GET.get("stage") or VacancyStage.OPEN
    if stage not in selectors.BOARD_STAGES:
        stage = VacancyStage.OPEN
    channel = request.GET.get("channel") or ""
    if channel not in selectors.BOARD_CHANNELS:
        channel = ""
    counts = selectors.board_counts(user=request.user)
    labels = dict(VacancyStage.choices)
    stages = [
        {"key": key, "label": str(labels[key]), "count": counts[key]["all"], "active": key == stage}
        for key in selectors.BOARD_STAGES
    ]
    channels = [
        {
            "key": key,
            "label": str(label),
            "count": counts[stage][key or "all"],
            "active": key == channel,
        }
        for key, label in CHANNEL_LABELS.items()
    ]
    return render(
        request,
        "allocation/board.html",
        {
            "stages": stages,
            "stage": stage,
            "stage_label": labels[stage],
            "channels": channels,
            "channel_label": CHANNEL_LABELS[channel] if channel else "",
            "page": paginate(
                request,
                ordered(
                    request, selectors.board(user=request.user, stage=stage, channel=channel), BOARD_COLUMNS
                ),
            ),
            "can_open": bool(scoping.scope_for(request.user).writable_organisation_ids),
        },
    )


@require_http_methods(["GET", "POST"])
def vacancy_open(request):
    if not scoping.scope_for(request.user).writable_organisation_ids:
        raise PermissionDenied
    form = VacancyOpenForm(
        request.POST or None, user=request.user, initial={"change_reason": DEFAULT_REASONS["vacancy_open"]}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            vacancy = workflow.vacancy_open(
                actor=request.user,
                reason=data["change_reason"],
                dwelling=data["dwelling"],
                notice_date=data["notice_date"],
                move_out_date=data["move_out_date"],
                rehousing=data["rehousing"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request, _("The vacancy is opened: %(reason)s") % {"reason": vacancy.channel_reason}
            )
            return redirect("letting:vacancy_detail", vacancy.pk)
    status = 400 if form.errors else 200
    return render(request, "allocation/vacancy_open.html", {"form": form}, status=status)


def _ranking_rows(request, vacancy: Vacancy):
    """The ranking for the page, translated, with health reads logged (they reveal R5/R10 facts)."""
    if vacancy.state != VacancyState.OPEN or vacancy.channel != LettingChannel.LIST:
        return None
    result = workflow.ranking(vacancy)
    ranked = getattr(result, "ranking", result)
    ranking_service.health_reads_log(
        request.user, result, purpose_text=_("Ranking of vacancy %(id)s") % {"id": vacancy.pk}
    )
    placed = [
        {
            "placed": p,
            "text": explanations.translate(p.explanation),
            "title": explanations.RULE_TITLES.get(p.rule, ""),
            # R3.3 and R26 change no rank; R26 may lead to a rejection case (a discretion, § 26).
            "flags": [{"rule": f.rule, "text": explanations.translate(f.text)} for f in p.flags],
        }
        for p in ranked.placed
    ]
    excluded = [{"excluded": e, "text": explanations.translate(e.reason)} for e in ranked.excluded]
    # The § 12, stk. 2 note is shown as a warning of its own (below); the others as they come.
    notes = [explanations.translate_fragment(n) or n for n in ranked.notes if n != NO_GUIDELINE_NOTE]
    facts = getattr(result, "facts", None)
    rules = getattr(result, "rules", None)
    # § 12, stk. 2 (R12.2): which letting guideline orders a youth dwelling — or, plainly, none.
    youth_guidelines = facts is not None and guideline_applies(facts)
    return {
        "result": result,
        "ranking": ranked,
        "placed": placed,
        "excluded": excluded,
        "notes": notes,
        "youth_guidelines": youth_guidelines,
        "youth_guideline": rules.youth_guideline if youth_guidelines and rules is not None else None,
        # More were passed over than were read (``EXCLUDED_LIMIT`` per list): counting them all
        # would cost a query that walks the lists, so the page says so instead.
        "more_skipped": not getattr(result, "excluded_total_known", True),
        "skipped_limit": ranking_service.EXCLUDED_LIMIT,
    }


def _detail_context(request, vacancy: Vacancy, **bound) -> dict:
    """The vacancy page: the stage and the step due now at the top (``vacancy_status``), the open
    round's answers in one form, the ranking with the applicants' names (where the user's scope
    reaches them) and the passed over folded by reason. The queries do not grow with the number of
    candidates or offers."""
    can_write = selectors.can_write_vacancy(request.user, vacancy)
    rounds = list(vacancy.rounds.all())
    open_round = next((r for r in rounds if r.state == RoundState.OPEN), None)
    decided = next((r for r in rounds if r.state == RoundState.DECIDED), None)
    winner = None
    if decided is not None:
        winner = next((o for o in decided.offers.all() if o.answer == Answer.ACCEPTED), None)
    today = timezone.localdate()
    lease = getattr(vacancy, "lease", None)
    is_open = vacancy.state == VacancyState.OPEN
    outcome = workflow.round_outcome(open_round, today=today) if open_round else None
    ranking = _ranking_rows(request, vacancy) if not open_round and not winner else None
    approval_requests = approval_selectors.vacancy_requests(request.user, vacancy)

    # Names and links where the user may open the entry (one query for the ranking and the rounds).
    entry_ids = {o.entry_id for r in rounds for o in r.offers.all()}
    if ranking:
        entry_ids |= {row["placed"].candidate.entry_id for row in ranking["placed"]}
        entry_ids |= {row["excluded"].candidate.entry_id for row in ranking["excluded"]}
    visible = vacancy_status.visible_entries(request.user, entry_ids)
    if ranking:
        for row in [*ranking["placed"], *ranking["excluded"]]:
            item = row.get("placed") or row.get("excluded")
            row["entry"] = visible.get(item.candidate.entry_id)
        ranking["skipped"] = vacancy_status.skipped_summary(ranking["excluded"])
    for offer_round in rounds:
        offer_round.rows = [{"offer": o, "entry": visible.get(o.entry_id)} for o in offer_round.offers.all()]

    action = vacancy_status.next_action(
        vacancy=vacancy,
        open_round=open_round,
        outcome=outcome,
        winner=winner,
        lease=lease,
        approval_requests=approval_requests,
        ranked_anyone=bool(ranking and ranking["ranking"].placed),
        today=today,
    )
    context = {
        "vacancy": vacancy,
        "dwelling": vacancy.dwelling,
        "tabs": object_tabs(vacancy, "overview"),
        "can_write": can_write,
        "is_open": is_open,
        "rounds": rounds,
        "open_round": open_round,
        "past_rounds": [r for r in rounds if r is not open_round],
        "outcome": outcome,
        "winner": winner,
        "lease": lease,
        "ranking": ranking,
        "approval_requests": approval_requests,
        "action": action,
        "rule_titles": explanations.RULE_TITLES,
        "today": today,
        # The choices the page compares with (a TextChoices class is not called by the template).
        "Answer": Answer,
        "LettingChannel": LettingChannel,
        "RoundState": RoundState,
    }
    answers_form = None
    if can_write and open_round is not None:
        answers_form = bound.get("answers_form") or _answers_form(open_round, today=today)
        fields = {offer.pk: (answer, day) for offer, answer, day in answers_form.rows()}
        for row in open_round.rows:
            row["answer"], row["day"] = fields.get(row["offer"].pk, (None, None))
    if can_write:
        context.update(
            {
                "reason_form": bound.get("reason_form")
                or ReasonOnlyForm(
                    prefix="round",
                    initial={"change_reason": DEFAULT_REASONS["round_close" if open_round else "round_open"]},
                ),
                "answers_form": answers_form,
                "lease_form": bound.get("lease_form")
                or LeaseForm(
                    prefix="lease",
                    initial={
                        "signed_on": today,
                        "starts_on": vacancy.move_out_date,
                        "change_reason": DEFAULT_REASONS["lease"],
                    },
                ),
                "outside_form": bound.get("outside_form")
                or LeaseOutsideForm(
                    prefix="outside",
                    initial={
                        "signed_on": today,
                        "starts_on": vacancy.move_out_date,
                        "change_reason": DEFAULT_REASONS["lease"],
                    },
                ),
                "fallback_form": bound.get("fallback_form") or FallbackForm(prefix="fallback"),
                "guarantee_form": bound.get("guarantee_form")
                or GuaranteeForm(prefix="guarantee", initial={"moved_out_on": vacancy.move_out_date}),
                "cancel_form": bound.get("cancel_form") or ReasonOnlyForm(prefix="cancel"),
            }
        )
    return context


def _answers_form(offer_round: OfferRound, *, today, data=None) -> RoundAnswersForm:
    return RoundAnswersForm(
        data,
        prefix="answers",
        offers=list(offer_round.offers.all()),
        today=today,
        initial={"change_reason": DEFAULT_REASONS["answers"]},
    )


@require_GET
def vacancy_detail(request, pk: int):
    vacancy = _vacancy_or_404(request, pk)
    return render(request, "allocation/vacancy_detail.html", _detail_context(request, vacancy))


@require_GET
def vacancy_history(request, pk: int):
    vacancy = _vacancy_or_404(request, pk)
    return render(
        request,
        "allocation/vacancy_history.html",
        {"vacancy": vacancy, "tabs": object_tabs(vacancy, "history"), "history_rows": history_rows(vacancy)},
    )


def _action(request, pk: int, *, context_key: str, **action):
    """The shared POST flow (``actions.post_action``): validate, call the service, show its errors
    next to the fields."""
    return post_action(
        request,
        load=lambda: _vacancy_or_404(request, pk),
        allowed=lambda vacancy: selectors.can_write_vacancy(request.user, vacancy),
        page=lambda vacancy, *, status, **bound: render(
            request,
            "allocation/vacancy_detail.html",
            _detail_context(request, vacancy, **bound),
            status=status,
        ),
        key=context_key,
        **action,
    )


@require_POST
def round_open(request, pk: int):
    return _action(
        request,
        pk,
        form_class=ReasonOnlyForm,
        prefix="round",
        context_key="reason_form",
        run=lambda v, d: workflow.round_open(actor=request.user, reason=d["change_reason"], vacancy=v),
        success=_("The offer round is open and the offer letters are queued."),
    )


@require_POST
def round_close(request, pk: int, round_pk: int):
    def run(vacancy, data):
        offer_round = get_object_or_404(OfferRound, pk=round_pk, vacancy=vacancy)
        workflow.round_close(actor=request.user, reason=data["change_reason"], offer_round=offer_round)

    return _action(
        request,
        pk,
        form_class=ReasonOnlyForm,
        prefix="round",
        context_key="reason_form",
        run=run,
        success=_("The offer round is closed."),
    )


@require_POST
def round_answers(request, pk: int, round_pk: int):
    """The answers of the open round in one form, with one reason (``offers.answers_record``): all
    rows or none; an error stands next to its row; a repeated submit records nothing twice."""
    vacancy = _vacancy_or_404(request, pk)
    _require_write(request, vacancy)
    offer_round = get_object_or_404(OfferRound, pk=round_pk, vacancy=vacancy)
    form = _answers_form(offer_round, today=timezone.localdate(), data=request.POST)
    if form.is_valid():
        lines = [offers.AnswerLine(pk, answer, day) for pk, answer, day in form.lines()]
        try:
            changed = offers.answers_record(
                actor=request.user,
                reason=form.cleaned_data["change_reason"],
                offer_round=offer_round,
                lines=lines,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                ngettext("%(n)s answer is recorded.", "%(n)s answers are recorded.", len(changed))
                % {"n": len(changed)},
            )
            return redirect(vacancy.get_absolute_url())
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    context = _detail_context(request, _vacancy_or_404(request, pk), answers_form=form)
    if context["open_round"] is None or context["open_round"].pk != offer_round.pk:
        # The round was closed meanwhile: the form is not shown again, so its errors are said here.
        for error in form.non_field_errors():
            messages.error(request, error)
    return render(request, "allocation/vacancy_detail.html", context, status=400)


@require_POST
def lease_sign(request, pk: int):
    def run(vacancy, data):
        winner = Offer.objects.filter(
            round__vacancy=vacancy, round__state=RoundState.DECIDED, answer=Answer.ACCEPTED
        ).first()
        if winner is None:
            raise ValidationError(_("The vacancy has no winner of an offer round yet."))
        workflow.lease_sign(
            actor=request.user,
            reason=data["change_reason"],
            vacancy=vacancy,
            person=winner.entry.person,
            offer=winner,
            signed_on=data["signed_on"],
            starts_on=data["starts_on"],
        )

    return _action(
        request,
        pk,
        form_class=LeaseForm,
        prefix="lease",
        context_key="lease_form",
        run=run,
        success=_("The lease is signed."),
    )


@require_POST
def lease_sign_outside(request, pk: int):
    def run(vacancy, data):
        person = (
            scoping.persons_for(request.user)
            .filter(applicant_number=data["applicant_number"].strip())
            .first()
        )
        if person is None:
            raise ValidationError(
                {"applicant_number": _("No person with this applicant number in your register.")}
            )
        workflow.lease_sign_outside(
            actor=request.user,
            reason=data["change_reason"],
            vacancy=vacancy,
            person=person,
            signed_on=data["signed_on"],
            starts_on=data["starts_on"],
        )

    return _action(
        request,
        pk,
        form_class=LeaseOutsideForm,
        prefix="outside",
        context_key="outside_form",
        run=run,
        success=_("The lease is signed."),
    )


@require_POST
def vacancy_fallback(request, pk: int):
    return _action(
        request,
        pk,
        form_class=FallbackForm,
        prefix="fallback",
        context_key="fallback_form",
        run=lambda v, d: workflow.vacancy_let_outside(
            actor=request.user, reason=d["change_reason"], vacancy=v, rule=d["rule"], why=d["why"]
        ),
        success=_("Recorded: the dwelling may be let outside the eligible group."),
    )


@require_POST
def vacancy_cancel(request, pk: int):
    return _action(
        request,
        pk,
        form_class=ReasonOnlyForm,
        prefix="cancel",
        context_key="cancel_form",
        run=lambda v, d: vacancies.vacancy_cancel(actor=request.user, reason=d["change_reason"], vacancy=v),
        success=_("The vacancy is cancelled."),
    )


@require_POST
def guarantee_issue(request, pk: int):
    def run(vacancy, data):
        if vacancy.previous_lease is None:
            raise ValidationError(_("No earlier tenancy of this dwelling is recorded."))
        leases.guarantee_issue(
            actor=request.user,
            reason=data["change_reason"],
            lease=vacancy.previous_lease,
            moved_out_on=data["moved_out_on"],
            relocation_grant=data["relocation_grant"],
        )

    return _action(
        request,
        pk,
        form_class=GuaranteeForm,
        prefix="guarantee",
        context_key="guarantee_form",
        run=run,
        success=_("The boliggarantibevis is issued and the letter queued."),
    )


@require_GET
def lease_detail(request, pk: int):
    try:
        lease = selectors.lease_detail(user=request.user, pk=pk)
    except Exception as exc:
        raise Http404 from exc
    return render(
        request,
        "allocation/lease_detail.html",
        {
            "lease": lease,
            "history_rows": history_rows(lease),
            "can_write": permissions.can_write_organisation(request.user, lease.landlord_id),
            "keep_rights": list_selectors.letter_keep_rights(
                user=request.user, letter_id=lease.seniority_information_letter_id
            ),
        },
    )
