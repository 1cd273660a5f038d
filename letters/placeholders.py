"""The placeholders of the letter templates: for each kind of letter, the names its template may use,
what each means (shown in the admin next to the template) and a demo value (for the preview).

One source of truth: ``services.letter_create`` fills the common placeholders with
``common_context`` and warns of any value it is handed that is not declared here for the kind;
the tests check that every caller's context and every seeded template keep to this list.
The values the apps hand over are plain text already written as a Danish letter writes them
(``letters.formatting``: dates, amounts), so the demo values are too.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.template import Template
from django.template.base import Node, Variable, VariableNode
from django.template.defaulttags import ForNode, IfNode, TemplateLiteral, WithNode
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .models import LetterKind

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placeholder:
    name: str
    description: str | Promise
    demo: Any

    @property
    def tag(self) -> str:
        return "{{ " + self.name + " }}"

    @property
    def demo_text(self) -> str:
        """The demo value as the admin shows it (yes/no, a list joined)."""
        if isinstance(self.demo, bool):
            return str(_("yes") if self.demo else _("no"))
        if isinstance(self.demo, list | tuple):
            return ", ".join(str(v) for v in self.demo)
        return str(self.demo)


_COMPLAINT_GUIDANCE_DEMO = (
    "Du kan klage over afgørelsen til Ankestyrelsen. Klagen skal sendes til kommunen inden 4 uger "
    "efter, at du har modtaget afgørelsen."
)

# Every placeholder by name: what it means and its demo value. A name means the same in every kind.
PLACEHOLDERS: dict[str, Placeholder] = {
    p.name: p
    for p in (
        # Filled by letter_create for every letter.
        Placeholder("recipient_name", _("The recipient's name"), "Karen Jensen"),
        Placeholder(
            "applicant_number", _("The applicant number (empty for a letter to an organisation)"), "A-104527"
        ),
        Placeholder(
            "sender_name", _("The sender's name (the organisation or kommune)"), "Boligforeningen Demo"
        ),
        Placeholder("today", _("The day the letter is made (YYYY-MM-DD)"), "2026-03-02"),
        # Waiting lists and fees.
        Placeholder("list_name", _("The name of the waiting list"), "Fællesventelisten i Demoby"),
        Placeholder("seniority_date", _("The date the seniority counts from"), "2. marts 2026"),
        Placeholder("registration_fee", _("The registration fee in kroner"), "200,00"),
        Placeholder("update_fee", _("The yearly update fee in kroner"), "150,00"),
        Placeholder("update_due", _("When the update fee falls due (day and month)"), "1. februar"),
        Placeholder("reminder_days", _("Days to pay after a reminder"), 14),
        Placeholder("fee_name", _("The name of the fee"), "opdateringsgebyret"),
        Placeholder("amount", _("The amount in kroner"), "150,00"),
        Placeholder("due_date", _("The day the fee fell due"), "1. februar 2026"),
        Placeholder("deadline", _("The deadline"), "16. marts 2026"),
        Placeholder("pay_within_days", _("Days to pay after the reminder"), 14),
        Placeholder("deletion_date", _("The day of the deletion"), "17. marts 2026"),
        Placeholder(
            "deletion_reason", _("Why the applicant was deleted"), "opdateringsgebyret ikke er betalt"
        ),
        Placeholder(
            "waiting_time_text",
            _("The expected waiting time, written out"),
            "Din forventede ventetid er 2–4 år på de boliger, du er skrevet op til.",
        ),
        # Dwellings, offers and leases.
        Placeholder("dwelling_address", _("The dwelling's address"), "Demovej 12, 2. tv., 8000 Aarhus C"),
        Placeholder("rooms", _("Number of rooms"), 3),
        Placeholder("area", _("Gross floor area in m²"), "78"),
        Placeholder("rent", _("Monthly rent in kroner"), "6.450,00"),
        Placeholder("vacant_from", _("The day the dwelling is vacant"), "1. april 2026"),
        Placeholder("rank", _("The applicant's place in the order of offers"), 2),
        Placeholder("basis", _("The rule the offer is made under"), "R4.1"),
        Placeholder("answer_deadline", _("The deadline for answering the offer"), "16. marts 2026"),
        Placeholder("passive_after", _("Offers left unanswered before the applicant becomes passive"), 3),
        Placeholder(
            "complaint_guidance", _("The complaint guidance of the decision"), _COMPLAINT_GUIDANCE_DEMO
        ),
        Placeholder("landlord", _("The landlord"), "Boligforeningen Demo"),
        Placeholder("signed_on", _("The day the lease was signed"), "2. marts 2026"),
        Placeholder("starts_on", _("The day the lease starts"), "1. april 2026"),
        Placeholder(
            "keep_seniority_until", _("The last day to keep the seniority (empty if none)"), "10. marts 2026"
        ),
        Placeholder("keep_days", _("Days to ask to keep the seniority"), 8),
        Placeholder(
            "keep_rule",
            _("The rule that lets the applicant keep the seniority"),
            "bekendtgørelsens § 3, stk. 6",
        ),
        Placeholder(
            "keep_lists", _("The lists on which the seniority can be kept"), "Fællesventelisten i Demoby"
        ),
        Placeholder("moved_out_on", _("The day the tenant moved out"), "31. marts 2026"),
        Placeholder("department", _("The department (afdeling)"), "Afdeling 7, Demoparken"),
        Placeholder("valid_until", _("The last day the certificate is valid"), "31. marts 2028"),
        Placeholder(
            "terms", _("The terms of the housing guarantee"), "Garantien gælder en bolig af samme størrelse."
        ),
        # Decisions.
        Placeholder("ground", _("The ground of the rejection (its rule, e.g. R27)"), "R27"),
        Placeholder("debt_amount", _("The debt in kroner (empty if none)"), "12.500,00"),
        Placeholder(
            "reasoning", _("The reasons for the decision"), "Du har en ubetalt gæld til boligorganisationen."
        ),
        Placeholder("decided_on", _("The day of the decision"), "2. marts 2026"),
        Placeholder(
            "decision_text", _("The text of the decision"), "Kommunen har besluttet at godkende udlejningen."
        ),
        Placeholder(
            "information_text",
            _("The information to the applicant"),
            "Du er optaget på den generelle venteliste.",
        ),
        Placeholder(
            "demand_text",
            _("The text of the påkrav"),
            "Huslejen for marts 2026 på 6.450,00 kr. er ikke betalt.",
        ),
        Placeholder(
            "termination_text",
            _("The text of the opsigelse"),
            "Lejemålet opsiges til fraflytning 30. juni 2026.",
        ),
        Placeholder("grounds", _("The rules the kommune's approval is needed under (a list)"), ["R42.1"]),
        Placeholder("refusal_ground", _("The ground of the kommune's refusal (empty unless refused)"), ""),
        Placeholder(
            "decision_reasons", _("The kommune's reasons"), "Betingelserne for udlejningen er opfyldt."
        ),
        Placeholder(
            "applicant_reference",
            _("The applicant the letter is about (name and number)"),
            "Karen Jensen (A-104527)",
        ),
        Placeholder(
            "approval",
            _("What the kommune's approval stands at: pending, pending_until_deadline or none"),
            "none",
        ),
        Placeholder("decision", _("The kommune's decision: approved or refused"), "approved"),
        Placeholder(
            "decision_reasoning",
            _("The kommune's reasons for the decision"),
            "Dispensationen er givet af hensyn til boligsøgendes arbejde.",
        ),
        # Elder housing.
        Placeholder("clock_started_on", _("The day the guarantee's 2 months started"), "2. marts 2026"),
        Placeholder("ready_by", _("The last day a dwelling must be offered"), "2. maj 2026"),
        Placeholder("after_refusal", _("Whether the 2 months restarted after a refusal (yes/no)"), False),
        Placeholder(
            "chosen", _("The dwelling the applicant chose (empty if none)"), "Plejecentret Solgården"
        ),
        Placeholder("new_need", _("The applicant's new need"), "ældrebolig"),
        Placeholder("ended_on", _("The day it ended"), "2. marts 2026"),
        Placeholder("withdrawn_offer", _("The offer that was withdrawn (empty if none)"), ""),
        Placeholder("cause", _("Why the place ended"), "withdrawn"),
        Placeholder("note", _("A note from the caseworker"), ""),
        Placeholder("dwelling_kind", _("The kind of dwelling"), "plejebolig"),
        Placeholder("ready_on", _("The day the dwelling is ready"), "1. april 2026"),
        Placeholder("answer_by", _("The deadline for answering"), "9. marts 2026"),
        Placeholder("reason", _("The reason given"), "Boligen opfylder dit behov for pleje."),
        Placeholder("on_general_list", _("Whether the offer is under the guarantee (yes/no)"), True),
        Placeholder("position", _("The place on the list"), 4),
        Placeholder("total", _("How many are on the list"), 37),
        Placeholder("as_of", _("The day the place was counted"), "2. marts 2026"),
        Placeholder("joined_on", _("The day the applicant joined the list"), "1. juni 2024"),
        Placeholder("approved", _("Whether the application is approved (yes/no)"), True),
        # The general letter.
        Placeholder("subject", _("The subject of the letter"), "Din plads på ventelisten"),
        Placeholder(
            "text",
            _("The text of the letter"),
            "Vi har modtaget din henvendelse om din plads på ventelisten.",
        ),
    )
}

COMMON = ("recipient_name", "applicant_number", "sender_name", "today")

_APPROVAL = (
    "dwelling_address",
    "grounds",
    "refusal_ground",
    "decision_reasons",
    "decided_on",
    "deadline",
    "complaint_guidance",
)

# The placeholders each kind of letter gets from the code that creates it (beside ``COMMON``).
KIND_PLACEHOLDERS: dict[str, tuple[str, ...]] = {
    LetterKind.REGISTRATION_CONFIRMATION: (
        "list_name",
        "seniority_date",
        "registration_fee",
        "update_fee",
        "update_due",
        "reminder_days",
    ),
    LetterKind.FEE_REMINDER: ("fee_name", "amount", "due_date", "deadline", "pay_within_days", "list_name"),
    LetterKind.DELETION_NOTICE: ("deletion_date", "list_name", "deletion_reason"),
    LetterKind.WAITING_TIME: ("waiting_time_text",),
    LetterKind.OFFER: (
        "dwelling_address",
        "rooms",
        "area",
        "rent",
        "vacant_from",
        "rank",
        "basis",
        "answer_deadline",
        "passive_after",
        "complaint_guidance",
    ),
    LetterKind.OFFER_OUTCOME: ("dwelling_address",),
    LetterKind.LEASE_CONFIRMATION: (
        "dwelling_address",
        "landlord",
        "signed_on",
        "starts_on",
        "keep_seniority_until",
        "keep_days",
        "keep_rule",
        "keep_lists",
        "list_name",
    ),
    LetterKind.HOUSING_GUARANTEE: (
        "dwelling_address",
        "moved_out_on",
        "landlord",
        "department",
        "valid_until",
        "terms",
    ),
    LetterKind.REJECTION_DECISION: (
        "dwelling_address",
        "ground",
        "debt_amount",
        "reasoning",
        "decided_on",
        "complaint_guidance",
    ),
    LetterKind.KOMMUNE_DECISION: ("dwelling_address", "decision_text", "complaint_guidance"),
    LetterKind.KOMMUNE_DECISION_ORGANISATION: (
        "dwelling_address",
        "decision_text",
        "applicant_reference",
        "complaint_guidance",
    ),
    LetterKind.GUARANTEE_INFORMATION: ("information_text",),
    LetterKind.PAAKRAV: ("demand_text",),
    LetterKind.OPSIGELSE: ("termination_text",),
    LetterKind.ELDER_GENERAL_LIST: (
        "decided_on",
        "clock_started_on",
        "deadline",
        "ready_by",
        "after_refusal",
    ),
    LetterKind.ELDER_NO_GUARANTEE: ("chosen",),
    LetterKind.ELDER_GUARANTEE_ENDED: (
        "decided_on",
        "new_need",
        "ended_on",
        "withdrawn_offer",
        "complaint_guidance",
    ),
    LetterKind.ELDER_GENERAL_LIST_LEFT: ("cause", "ended_on", "note", "complaint_guidance"),
    LetterKind.ELDER_OFFER: (
        "dwelling_kind",
        "dwelling_address",
        "rooms",
        "area",
        "rent",
        "ready_on",
        "landlord",
        "answer_by",
        "reason",
        "on_general_list",
        "complaint_guidance",
    ),
    LetterKind.ELDER_ALLOCATION_DECISION: (
        "dwelling_kind",
        "dwelling_address",
        "ready_on",
        "landlord",
        "reason",
        "complaint_guidance",
    ),
    LetterKind.ELDER_LIST_POSITION: ("list_name", "position", "total", "as_of", "joined_on"),
    LetterKind.ELDER_LIST_FEE_REMINDER: ("amount", "due_date", "deadline", "list_name"),
    LetterKind.ELDER_LIST_DELETION: ("deletion_date", "amount", "list_name"),
    LetterKind.ELDER_FREE_CHOICE_DECISION: ("approved", "list_name", "decided_on", "reason"),
    LetterKind.APPROVAL_APPROVED: _APPROVAL,
    LetterKind.APPROVAL_REFUSED: _APPROVAL,
    LetterKind.APPROVAL_LAPSED: _APPROVAL,
    LetterKind.APPROVAL_REFUSED_ORGANISATION: (*_APPROVAL, "applicant_reference"),
    LetterKind.APPROVAL_LAPSED_ORGANISATION: (*_APPROVAL, "applicant_reference"),
    LetterKind.APPROVAL_PROMOTED: ("dwelling_address", "approval", "grounds", "deadline"),
    LetterKind.APPROVAL_OVERTURNED: ("dwelling_address",),
    LetterKind.APPROVAL_OVERTURNED_STEPPED_BACK: ("dwelling_address",),
    LetterKind.REJECTION_CERTIFICATE_REQUEST: ("dwelling_address",),
    LetterKind.DISPENSATION_DECISION: ("decision", "decision_reasoning", "complaint_guidance"),
    LetterKind.GENERAL: ("subject", "text"),
}

# Demo values that differ by kind (a refusal has a refusal ground, an approval none).
_KIND_DEMO: dict[str, dict[str, Any]] = {
    LetterKind.APPROVAL_REFUSED: {"refusal_ground": "income"},
    LetterKind.APPROVAL_REFUSED_ORGANISATION: {"refusal_ground": "income"},
    LetterKind.APPROVAL_PROMOTED: {"approval": "pending_until_deadline"},
}


def names_for(kind: str) -> tuple[str, ...]:
    """Every placeholder a letter of ``kind`` is rendered with: the common ones first."""
    return (*COMMON, *KIND_PLACEHOLDERS.get(kind, ()))


def placeholders_for(kind: str) -> list[Placeholder]:
    return [PLACEHOLDERS[name] for name in names_for(kind)]


def demo_context(kind: str) -> dict[str, Any]:
    """The context of a preview letter of ``kind``: every placeholder with its demo value."""
    context = {name: PLACEHOLDERS[name].demo for name in names_for(kind)}
    context.update({k: v for k, v in _KIND_DEMO.get(kind, {}).items() if k in context})
    return context


def common_context(
    *, recipient_name: str, applicant_number: str, sender_name: str, today: str
) -> dict[str, str]:
    """The placeholders ``letter_create`` adds to every letter (``COMMON``)."""
    return {
        "recipient_name": recipient_name,
        "applicant_number": applicant_number,
        "sender_name": sender_name,
        "today": today,
    }


def undeclared(kind: str, names: Iterable[str]) -> list[str]:
    """The names among ``names`` that are no placeholders of ``kind``."""
    declared = set(names_for(kind))
    return sorted(name for name in names if name not in declared)


def warn_undeclared(kind: str, names: Iterable[str]) -> None:
    """Log (names only, never values) a context value the admin's list of placeholders lacks."""
    missing = undeclared(kind, names)
    if missing:
        logger.warning("letter kind %s was given undeclared placeholders: %s", kind, ", ".join(missing))


def _expression_names(expression) -> set[str]:
    """The context names a template ``FilterExpression`` (and its filters' arguments) reads."""
    names: set[str] = set()
    variables = [expression.var, *(arg for _func, args in expression.filters for _lookup, arg in args)]
    for variable in variables:
        if isinstance(variable, Variable) and variable.lookups:
            names.add(variable.lookups[0])
    return names


def _condition_names(condition) -> set[str]:
    if condition is None:
        return set()
    if isinstance(condition, TemplateLiteral):
        return _expression_names(condition.value)
    return _condition_names(getattr(condition, "first", None)) | _condition_names(
        getattr(condition, "second", None)
    )


def template_names(source: str) -> set[str]:
    """The context names a template reads (the first part of each ``{{ a.b }}``), loop variables
    and names it sets itself left out. Raises ``TemplateSyntaxError`` like ``Template``."""
    names: set[str] = set()
    own: set[str] = {"forloop", "block"}
    for node in Template(source).nodelist.get_nodes_by_type(Node):
        if isinstance(node, VariableNode):
            names |= _expression_names(node.filter_expression)
        elif isinstance(node, IfNode):
            for condition, _nodelist in node.conditions_nodelists:
                names |= _condition_names(condition)
        elif isinstance(node, ForNode):
            names |= _expression_names(node.sequence)
            own.update(node.loopvars)
        elif isinstance(node, WithNode):
            for expression in node.extra_context.values():
                names |= _expression_names(expression)
            own.update(node.extra_context)
    return names - own
