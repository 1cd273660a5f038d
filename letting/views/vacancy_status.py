"""What the vacancy page shows at its top and in its ranking: the stage and the one next step that
is due (``next_action``), the applicants' names where the user's scope reaches them
(``visible_entries``) and the candidates passed over, one line per reason (``skipped_summary``).

The next step follows the letting as ``letting.workflow`` directs it: the offers go out (a round
opens), the answers are recorded, the round is closed, the kommune decides on the winner where its
approval is needed (R42.1, R36.1, R12.1 — the request is made by the round's close), the lease is
signed (R1.10). Advertised dwellings (§ 38) and the kommune's nominations (R1.4) have their own
pages; a letting outside the eligible group (R2.5, R12.3, R14.3, R41) signs the lease here."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from allocation import explanations
from allocation.models import LettingChannel, Vacancy, VacancyStage
from approvals.models import ApprovalState
from waitinglists import selectors as list_selectors

# The channels whose lease is signed here outside the offer rounds.
OUTSIDE_CHANNELS = frozenset({"rehousing", "flexible", "out_of_scope"})


@dataclass
class NextAction:
    """``key`` names the step (the page renders its form or link; tests read it as
    ``data-action``); ``text`` says what is due; ``deadlines`` are (label, day) pairs."""

    key: str
    text: str
    deadlines: list[tuple[str, datetime.date]] = field(default_factory=list)


def _round_due(open_round, outcome, today: datetime.date) -> NextAction:
    deadline = [(_("Answer deadline"), open_round.answer_deadline)]
    past = today > open_round.answer_deadline
    if outcome is not None and outcome.winner is not None:
        text = _(
            "%(name)s (rank %(rank)s) has accepted and nobody better-ranked is waiting: close the round "
            "to let to them."
        ) % {"name": outcome.winner.entry.person.full_name, "rank": outcome.winner.rank}
        return NextAction("round_close", text, deadline)
    if past:
        text = _(
            "The answer deadline has passed: close the round. Offers without an answer count as "
            "unanswered; without an acceptance the next round opens."
        )
        return NextAction("round_close", text, deadline)
    waiting = outcome.waiting_for if outcome is not None else []
    if not waiting:
        text = _("Every applicant has answered and nobody accepted: close the round; the next round opens.")
        return NextAction("round_close", text, deadline)
    ranks = ", ".join(str(o.rank) for o in waiting)
    text = _("Offers are out. Record the answers as they come in — waiting for ranks %(ranks)s.") % {
        "ranks": ranks
    }
    return NextAction("answers", text, deadline)


def next_action(
    *,
    vacancy: Vacancy,
    open_round,
    outcome,
    winner,
    lease,
    approval_requests: list,
    ranked_anyone: bool,
    today: datetime.date,
) -> NextAction:
    """The one step due now on the vacancy, by its stored stage (``Vacancy.stages``) and channel."""
    pending = [r for r in approval_requests if r.state == ApprovalState.PENDING]
    kommune_deadlines = [(_("The kommune may refuse until"), r.deadline) for r in pending]
    if vacancy.stage == VacancyStage.LET or lease is not None:
        return NextAction("let", _("The dwelling is let; the lease is signed."))
    if vacancy.stage == VacancyStage.CANCELLED:
        return NextAction("cancelled", _("The vacancy is cancelled; nothing is due."))
    if open_round is not None:
        action = _round_due(open_round, outcome, today)
        action.deadlines += kommune_deadlines
        return action
    if vacancy.stage == VacancyStage.AWAITING_KOMMUNE or pending:
        text = _(
            "The letting is with the kommune for approval. Without a refusal by the deadline the "
            "letting is approved (R42.3) and the lease can be signed."
        )
        return NextAction("await_kommune", text, kommune_deadlines)
    if winner is not None:
        text = _("Winner: %(name)s (rank %(rank)s). Sign the lease.") % {
            "name": winner.entry.person.full_name,
            "rank": winner.rank,
        }
        return NextAction("lease_sign", text)
    if vacancy.channel == LettingChannel.ADVERTISING:
        return NextAction(
            "advert", _("The dwelling is advertised (§ 38): interest, lottery and lease on its page.")
        )
    if vacancy.channel == LettingChannel.KOMMUNAL_ANVISNING:
        return NextAction(
            "nomination", _("The kommune names the tenant (R1.4): the lease is made on its page.")
        )
    if vacancy.fallback_rule or vacancy.channel in OUTSIDE_CHANNELS:
        return NextAction("outside", _("Sign the lease with the tenant chosen outside the lists."))
    if ranked_anyone:
        return NextAction(
            "round_open",
            _("Nobody has been offered the dwelling yet: send offers to the top of the ranking."),
        )
    return NextAction(
        "fallback",
        _(
            "Nobody on the lists can be offered the dwelling: record that it may be let outside the "
            "eligible group."
        ),
    )


def visible_entries(user, entry_ids) -> dict:
    """The entries among ``entry_ids`` the user may open (``waitinglists.selectors.entries_for``),
    with their persons, by id — one query. Names and links are shown for these only."""
    ids = set(entry_ids)
    if not ids:
        return {}
    entries = list_selectors.entries_for(user=user).filter(pk__in=ids).select_related("person")
    return {e.pk: e for e in entries}


@dataclass
class SkipGroup:
    code: str
    label: str
    rows: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.rows)


def skipped_summary(excluded_rows: list[dict]) -> list[SkipGroup]:
    """The candidates passed over, grouped by their reason's code in the order first met (the list's
    order), each group labelled in the active language (``explanations.SKIP_LABELS``)."""
    groups: dict[str, SkipGroup] = {}
    for row in excluded_rows:
        code = row["excluded"].rule
        group = groups.get(code)
        if group is None:
            group = groups[code] = SkipGroup(code, explanations.skip_label(code))
        group.rows.append(row)
    return list(groups.values())
