"""The decisions' state machines and letters (issue 14, items 3 and 4) for the kommune approvals, the
rejections and the complaints against them.

* Each machine — ``ApprovalRequest.states``, ``CombinedLettingPetition.states``,
  ``RejectionCase.states``, ``Dispensation.states`` — is walked pair by pair on real rows, and the
  services' paths leave one ``housing.StateChange`` per move (the overturns of a complaint included).
* The letters' words are the versioned templates' (one kind per letter): the code of the three apps
  passes only data, and the templates say what the code said before, word for word.
"""

from __future__ import annotations

import ast
import datetime
import html
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from allocation.services import vacancies
from approvals import petitions
from approvals import services as approvals
from approvals.models import (
    ApprovalRequest,
    ApprovalState,
    CombinedLettingPetition,
    PetitionState,
    RefusalGround,
)
from complaints import services as complaint_services
from complaints.models import ComplaintOutcome
from housing.audit import audited_save
from housing.models import StateChange
from housing.selectors import state_changes_of
from letters.models import LetterKind, LetterTemplate
from rejections import dispensations
from rejections.models import (
    Dispensation,
    DispensationState,
    RejectionCase,
    RejectionGround,
    RejectionState,
)
from tests.factories import DwellingFactory, PersonFactory
from tests.state_machine_support import assert_machine_walk

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
APPS = ("approvals", "rejections", "complaints")
REASON = "Kommunens afgørelse"
TODAY = datetime.date.today()


def _vacancy(actor, department):
    return vacancies.vacancy_open(
        actor=actor,
        reason=REASON,
        dwelling=DwellingFactory(department=department, rooms=2, monthly_rent=Decimal("6000")),
        notice_date=TODAY - datetime.timedelta(days=30),
        move_out_date=TODAY + datetime.timedelta(days=30),
    )


# --- The machines, walked -------------------------------------------------------------------------

REFUSAL = {"refusal_ground": RefusalGround.INCOME, "decision_reasons": "Huslejen er for høj."}


def test_the_approval_request_machine(caseworker_a, kommune_officer, department_a, kommune_aarhus):
    def make(state: str) -> ApprovalRequest:
        vacancy = _vacancy(caseworker_a, department_a)  # one pending request per vacancy
        return audited_save(
            ApprovalRequest(
                vacancy=vacancy,
                kommune=kommune_aarhus,
                organisation_id=vacancy.organisation_id,
                controller_id=vacancy.controller_id,
                person=PersonFactory(controller=vacancy.controller),
                grounds=["R42.1"],
                received_on=TODAY,
                deadline=TODAY + datetime.timedelta(days=7),
                monthly_rent=Decimal("6000"),
                state=state,
                **(REFUSAL if state == ApprovalState.REFUSED else {}),
            ),
            actor=caseworker_a,
            reason=REASON,
        )

    tried = assert_machine_walk(
        ApprovalRequest.states,
        make,
        actor=kommune_officer,
        changes_for=lambda source, target: REFUSAL if target == ApprovalState.REFUSED else {},
    )
    assert tried == len(ApprovalState.values) ** 2
    assert ApprovalRequest.states.pairs() == {
        (ApprovalState.PENDING, ApprovalState.APPROVED),
        (ApprovalState.PENDING, ApprovalState.REFUSED),
        (ApprovalState.PENDING, ApprovalState.LAPSED),
        (ApprovalState.PENDING, ApprovalState.WITHDRAWN),
        (ApprovalState.REFUSED, ApprovalState.APPROVED),  # overturned on complaint (R24)
    }


def test_the_petition_machine(org_a, kommune_aarhus, kommune_officer):
    def make(state: str) -> CombinedLettingPetition:
        return audited_save(
            CombinedLettingPetition(
                organisation=org_a,
                kommune=kommune_aarhus,
                requested_on=TODAY,
                request_text="Vi anmoder kommunen om at beslutte kombineret udlejning.",
                state=state,
                reasons="Området er i bedring." if state == PetitionState.REFUSED else "",
            ),
            actor=kommune_officer,
            reason=REASON,
        )

    assert_machine_walk(
        CombinedLettingPetition.states,
        make,
        actor=kommune_officer,
        changes_for=lambda source, target: (
            {"reasons": "Området er i bedring."} if target == PetitionState.REFUSED else {}
        ),
    )
    assert CombinedLettingPetition.states.terminal == {PetitionState.GRANTED, PetitionState.REFUSED}


def test_the_rejection_case_machine(caseworker_a, department_a):
    vacancy = _vacancy(caseworker_a, department_a)

    def make(state: str) -> RejectionCase:
        return audited_save(
            RejectionCase(
                vacancy=vacancy,
                organisation_id=vacancy.organisation_id,
                controller_id=vacancy.controller_id,
                person=PersonFactory(controller=vacancy.controller),  # one live case per candidate
                ground=RejectionGround.R30,
                takeover_date=vacancy.move_out_date,
                reasoning="Et ganske særligt tilfælde.",
                state=state,
                decided_on=None if state in (RejectionState.OPEN, RejectionState.NOT_REJECTED) else TODAY,
                opened_by=caseworker_a,
            ),
            actor=caseworker_a,
            reason=REASON,
        )

    assert_machine_walk(
        RejectionCase.states,
        make,
        actor=caseworker_a,
        changes_for=lambda source, target: {"decided_on": TODAY} if target == RejectionState.DECIDED else {},
    )
    assert RejectionCase.states.pairs() == {
        (RejectionState.OPEN, RejectionState.DECIDED),
        (RejectionState.OPEN, RejectionState.NOT_REJECTED),
        (RejectionState.DECIDED, RejectionState.OVERTURNED),  # complaint (R11)
        (RejectionState.DECIDED, RejectionState.DISPENSED),  # R37.2 granted
    }


def test_the_dispensation_machine(caseworker_a, kommune_officer, department_a, kommune_aarhus):
    vacancy = _vacancy(caseworker_a, department_a)

    def make(state: str) -> Dispensation:
        return audited_save(
            Dispensation(
                vacancy=vacancy,
                person=PersonFactory(controller=vacancy.controller),  # one live request per candidate
                organisation_id=vacancy.organisation_id,
                kommune=kommune_aarhus,
                request_text="Ansøgeren begynder på en uddannelse.",
                requested_by=caseworker_a,
                requested_on=TODAY,
                state=state,
            ),
            actor=caseworker_a,
            reason=REASON,
        )

    assert_machine_walk(Dispensation.states, make, actor=kommune_officer)
    assert Dispensation.states.allowed(make(DispensationState.REFUSED)) == {DispensationState.GRANTED}


# --- The services move through the machines --------------------------------------------------------


def _moves(obj) -> list[tuple[str, str]]:
    return [(change.from_state, change.to_state) for change in state_changes_of(obj)]


@pytest.mark.rule("R24", "R37.2")
def test_an_overturned_dispensation_refusal_grants_it_and_lifts_the_rejection_as_two_moves(
    caseworker_a, kommune_officer, department_a, kommune_aarhus
):
    vacancy = _vacancy(caseworker_a, department_a)
    person = PersonFactory(controller=vacancy.controller)
    case = audited_save(
        RejectionCase(
            vacancy=vacancy,
            organisation_id=vacancy.organisation_id,
            controller_id=vacancy.controller_id,
            person=person,
            ground=RejectionGround.R37,
            takeover_date=vacancy.move_out_date,
            state=RejectionState.OPEN,
            opened_by=caseworker_a,
        ),
        actor=caseworker_a,
        reason=REASON,
    )
    RejectionCase.states.move(
        case, RejectionState.DECIDED, actor=caseworker_a, reason=REASON, decided_on=TODAY
    )
    dispensation = dispensations.dispensation_request(
        actor=caseworker_a, reason=REASON, case=case, request_text="Ansøgeren får arbejde om en måned."
    )
    dispensations.dispensation_decide(
        actor=kommune_officer,
        reason=REASON,
        dispensation=dispensation,
        grant=False,
        work_or_education_prospect="Ikke relevant",
        pension_prospect="Ikke relevant",
        housing_elsewhere_prospect="Ikke relevant",
        other_circumstances="Ikke relevant",
        decision_reasoning="Ingen særlige forhold.",
    )
    dispensation.refresh_from_db()
    assert dispensation.letter.kind == LetterKind.DISPENSATION_DECISION
    assert "Kommunen dispenserer ikke fra afvisningen" in dispensation.letter.body_html
    complaint = complaint_services.complaint_record(
        actor=kommune_officer, reason=REASON, dispensation=dispensation, received_on=TODAY, summary="Klage"
    )
    complaint_services.complaint_outcome_record(
        actor=kommune_officer,
        reason=REASON,
        complaint=complaint,
        outcome=ComplaintOutcome.OVERTURNED,
        outcome_on=TODAY,
        outcome_text="Ankestyrelsen giver dispensation.",
    )
    assert _moves(dispensation) == [("requested", "refused"), ("refused", "granted")]
    assert _moves(case) == [("open", "decided"), ("decided", "dispensed")]
    assert {change.actor_id for change in StateChange.objects.all()} == {caseworker_a.pk, kommune_officer.pk}


@pytest.mark.rule("R42.3")
def test_the_lapse_is_one_move_with_its_letter_in_the_same_save(
    caseworker_a, department_a, kommune_aarhus, system_user
):
    vacancy = _vacancy(caseworker_a, department_a)
    request = audited_save(
        ApprovalRequest(
            vacancy=vacancy,
            kommune=kommune_aarhus,
            organisation_id=vacancy.organisation_id,
            controller_id=vacancy.controller_id,
            person=PersonFactory(controller=vacancy.controller),
            grounds=["R42.1"],
            received_on=TODAY - datetime.timedelta(days=10),
            deadline=TODAY - datetime.timedelta(days=2),
            monthly_rent=Decimal("6000"),
        ),
        actor=caseworker_a,
        reason=REASON,
    )
    history_before = request.history.count()

    assert approvals.approvals_lapse(today=TODAY) == 1
    assert approvals.approvals_lapse(today=TODAY) == 0  # nothing left

    request.refresh_from_db()
    assert (
        request.state == ApprovalState.LAPSED and request.applicant_letter.kind == LetterKind.APPROVAL_LAPSED
    )
    assert request.history.count() == history_before + 1
    assert _moves(request) == [("pending", "lapsed")]
    assert state_changes_of(request).get().actor == system_user


@pytest.mark.rule("R36.3")
def test_a_petition_answered_in_the_admin_moves_through_its_machine(
    org_a, kommune_aarhus, administrator, client_for
):
    petition = audited_save(
        CombinedLettingPetition(
            organisation=org_a, kommune=kommune_aarhus, requested_on=TODAY, request_text="Vi anmoder om …"
        ),
        actor=administrator,
        reason=REASON,
    )
    url = reverse("admin:approvals_combinedlettingpetition_change", args=[petition.pk])
    client = client_for(administrator)
    choices = client.get(url).context["adminform"].form.fields["state"].choices
    assert {value for value, _label in choices} == set(PetitionState.values)
    form = {
        "organisation": org_a.pk,
        "kommune": kommune_aarhus.pk,
        "requested_on": TODAY.isoformat(),
        "request_text": petition.request_text,
        "state": PetitionState.REFUSED,
        "reasons": "Området er i bedring.",
        "change_reason": "Kommunens svar på anmodningen",
    }
    assert client.post(url, form).status_code == 302
    petition.refresh_from_db()
    assert (petition.state, petition.decided_by, petition.decided_on) == (
        PetitionState.REFUSED,
        administrator,
        TODAY,
    )
    assert _moves(petition) == [("pending", "refused")]
    # Answered, the petition offers no other state (both answers are final).
    choices = client.get(url).context["adminform"].form.fields["state"].choices
    assert [value for value, _label in choices] == [PetitionState.REFUSED]
    assert client.post(url, {**form, "state": PetitionState.GRANTED}).status_code == 200
    petition.refresh_from_db()
    assert petition.state == PetitionState.REFUSED


def test_the_petition_service_moves_through_its_machine(org_a, kommune_aarhus, kommune_officer):
    petition = audited_save(
        CombinedLettingPetition(
            organisation=org_a, kommune=kommune_aarhus, requested_on=TODAY, request_text="Vi anmoder om …"
        ),
        actor=kommune_officer,
        reason=REASON,
    )
    petitions.petition_decide(actor=kommune_officer, reason=REASON, petition=petition, grant=True)
    assert _moves(petition) == [("pending", "granted")]


# --- The letters: data in the code, words in the templates ----------------------------------------

CODE_KINDS = {"general", "kommune_decision", "kommune_decision_organisation"}
PROSE_KEYS = {"text", "decision_text", "subject"}


def _letter_calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "letter_create":
            yield node


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.relative_to(ROOT).parts:
                yield path


def _letter_kinds(node: ast.expr, tree: ast.AST) -> list[str]:
    """The kinds a ``kind=`` argument names: ``LetterKind.X``, or a lookup in a module-level table
    of them (``KINDS[state]``)."""
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "LetterKind":
        return [LetterKind[node.attr]]
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        for statement in getattr(tree, "body", []):
            if (
                isinstance(statement, ast.Assign)
                and [getattr(target, "id", None) for target in statement.targets] == [node.value.id]
                and isinstance(statement.value, ast.Dict)
            ):
                return [kind for value in statement.value.values for kind in _letter_kinds(value, tree)]
    raise AssertionError(f"A letter kind the test cannot read: {ast.unparse(node)}")


def test_the_three_apps_pass_only_data_to_their_letters():
    """No letter of these apps is a general letter whose text the code writes: each names its own
    kind, and its context has no prose keys."""
    found = []
    for path in _python_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call in _letter_calls(tree):
            keywords = {keyword.arg: keyword.value for keyword in call.keywords}
            kinds = _letter_kinds(keywords["kind"], tree)
            assert kinds and not set(kinds) & CODE_KINDS, (path, call.lineno, kinds)
            context = keywords.get("context")
            keys = set()
            for node in ast.walk(context) if context is not None else ():
                if isinstance(node, ast.Dict):
                    keys |= {key.value for key in node.keys if isinstance(key, ast.Constant)}
            assert not keys & PROSE_KEYS, (path, call.lineno, keys & PROSE_KEYS)
            found += kinds
    assert set(found) == {
        LetterKind.APPROVAL_APPROVED,
        LetterKind.APPROVAL_REFUSED,
        LetterKind.APPROVAL_LAPSED,
        LetterKind.APPROVAL_REFUSED_ORGANISATION,
        LetterKind.APPROVAL_LAPSED_ORGANISATION,
        LetterKind.APPROVAL_PROMOTED,
        LetterKind.APPROVAL_OVERTURNED,
        LetterKind.APPROVAL_OVERTURNED_STEPPED_BACK,
        LetterKind.REJECTION_DECISION,
        LetterKind.REJECTION_CERTIFICATE_REQUEST,
        LetterKind.DISPENSATION_DECISION,
    }


def _rendered(kind: str, **context) -> str:
    """The body of the template in force, as plain text with one line per paragraph."""
    template = LetterTemplate.objects.filter(kind=kind).order_by("-version").first()
    # What ``letters.services.letter_create`` adds to every letter's context.
    context = {
        "recipient_name": "Anna",
        "applicant_number": "A-1",
        "sender_name": "Afsender",
        "today": DAY,
    } | context
    body = Template(template.body).render(Context(context, autoescape=True))
    body = re.sub(r"<br\s*/?>", " ", re.sub(r"</p>|</h2>", "\n", body))
    return html.unescape(re.sub(r"<[^>]+>", "", body))


ADDRESS, DEADLINE, DAY = "Parkvej 1, 1. tv", "8. marts 2026", "2. marts 2026"
GROUNDS_DA = (
    "kommunen godkender hver udlejning (bekendtgørelsens § 42, stk. 1); "
    "kombineret udlejning (bekendtgørelsens § 36, stk. 1)"
)
# What the code wrote before the words moved to the templates (approvals and rejections services).
BEFORE = {
    (LetterKind.APPROVAL_APPROVED, ""): [
        f"Kommunen har godkendt udlejningen af {ADDRESS} til dig ({GROUNDS_DA}). "
        "Boligorganisationen kan nu indgå lejekontrakten med dig."
    ],
    (LetterKind.APPROVAL_REFUSED, RefusalGround.REFUGEE): [
        f"Kommunen afviser udlejningen af {ADDRESS} til dig, fordi kommunen afviser udlejning til "
        "flygtninge efter almenboliglovens § 62, stk. 1 (bekendtgørelsens § 42, stk. 4).",
        "Begrundelse: Boligplacering.",
    ],
    (LetterKind.APPROVAL_REFUSED_ORGANISATION, RefusalGround.OUT_OF_KIND): [
        f"Kommunen har den {DAY} afvist udlejningen af {ADDRESS} til ansøgeren nedenfor, fordi kommunen "
        "godkender ikke, at boligen udlejes som en anden boligtype (bekendtgørelsens § 12, stk. 4, eller "
        "§ 14, stk. 4).",
        "Begrundelse: Boligplacering.",
        "Ansøgeren har fået afgørelsen skriftligt. Boligen kan ikke udlejes til ansøgeren.",
    ],
    (LetterKind.APPROVAL_LAPSED, ""): [
        f"Kommunen har ikke afvist udlejningen af {ADDRESS} til dig inden fristen den {DEADLINE} (5 "
        "hverdage efter, at kommunen modtog sagen, bekendtgørelsens § 42, stk. 3). Udlejningen er derfor "
        "godkendt, og boligorganisationen kan indgå lejekontrakten med dig."
    ],
    (LetterKind.APPROVAL_LAPSED_ORGANISATION, ""): [
        f"Kommunen har ikke afvist udlejningen af {ADDRESS} til ansøgeren nedenfor inden fristen den "
        f"{DEADLINE} (5 hverdage efter, at kommunen modtog sagen, bekendtgørelsens § 42, stk. 3). "
        "Kommunens mulighed for at afvise ansøgeren er dermed bortfaldet, og boligorganisationen kan "
        "indgå lejekontrakten."
    ],
    (LetterKind.APPROVAL_OVERTURNED, ""): [
        f"Ankestyrelsen har omgjort kommunens afvisning af udlejningen af {ADDRESS} til dig. Udlejningen "
        "er dermed godkendt, og boligen skal udlejes til dig. Vi kontakter dig om lejekontrakten."
    ],
    (LetterKind.APPROVAL_OVERTURNED_STEPPED_BACK, ""): [
        f"Ankestyrelsen har omgjort kommunens afvisning af den ansøger, der stod før dig til boligen "
        f"{ADDRESS}. Boligen skal derfor udlejes til denne ansøger og ikke til dig. Din plads på "
        "ventelisten og din anciennitet er uændret."
    ],
    (LetterKind.REJECTION_CERTIFICATE_REQUEST, ""): [
        f"Boligen {ADDRESS} ligger i et udsat boligområde. Før der kan indgås lejekontrakt, skal du "
        "fremlægge straffeattest for dig selv og for hvert medlem af din husstand (bekendtgørelsens "
        "§ 29, stk. 1).",
        "Straffeattesten bestilles på politi.dk. Indeholder attesterne tilførsler om kriminalitet, der "
        "vurderes at have betydning for trygheden i boligområdet, kan vi afvise udlejningen (§ 29, stk. 2).",
    ],
}


@pytest.mark.parametrize(("kind", "refusal_ground"), list(BEFORE))
def test_the_templates_say_what_the_code_said(kind, refusal_ground):
    text = _rendered(
        kind,
        dwelling_address=ADDRESS,
        grounds=["R42.1", "R36.1"],
        refusal_ground=refusal_ground,
        decision_reasons="Boligplacering.",
        decided_on=DAY,
        deadline=DEADLINE,
    )
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    for paragraph in BEFORE[(kind, refusal_ground)]:
        assert paragraph in paragraphs


@pytest.mark.parametrize(
    ("approval", "expected"),
    [
        (
            "pending",
            f"Udlejningen skal godkendes af kommunen ({GROUNDS_DA}). Vi kontakter dig om lejekontrakten, når "
            "kommunen har godkendt udlejningen.",
        ),
        (
            "pending_until_deadline",
            f"Udlejningen skal godkendes af kommunen ({GROUNDS_DA}). Kommunen kan afvise den senest den "
            f"{DEADLINE} (bekendtgørelsens § 42, stk. 3). Vi kontakter dig om lejekontrakten, når kommunen "
            "har godkendt udlejningen, eller fristen er udløbet.",
        ),
        ("none", "Vi kontakter dig om lejekontrakten."),
    ],
)
def test_the_promoted_applicants_letter_says_what_the_code_said(approval, expected):
    text = _rendered(
        LetterKind.APPROVAL_PROMOTED,
        dwelling_address=ADDRESS,
        approval=approval,
        grounds=["R42.1", "R36.1"],
        deadline=DEADLINE,
    )
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    assert paragraphs[1:3] == [
        f"Du har takket ja til boligen {ADDRESS}. Kommunen har afvist udlejningen til den ansøger, der stod "
        "før dig, og boligen skal derfor nu udlejes til dig.",
        expected,
    ]


@pytest.mark.parametrize(
    ("ground", "debt_amount", "expected"),
    [
        (
            RejectionGround.R27,
            "1.250,00",
            "Du har forfalden gæld til boligorganisationen fra et tidligere eller nuværende lejeforhold "
            "(bekendtgørelsens § 27). Gælden er 1.250,00 kr.",
        ),
        (
            RejectionGround.R26,
            "",
            "Boligen vil blive beboet af flere end 2 personer pr. beboelsesrum (bekendtgørelsens § 26).",
        ),
    ],
)
def test_the_rejection_decision_states_the_ground_from_its_code(ground, debt_amount, expected):
    text = _rendered(LetterKind.REJECTION_DECISION, ground=ground, debt_amount=debt_amount)
    assert expected in [line.strip() for line in text.splitlines()]


def test_a_rejection_letter_written_before_keeps_its_words_when_resent():
    """Letters written before the move carry the ground's text as ``decision_text``."""
    text = _rendered(
        LetterKind.REJECTION_DECISION, ground=RejectionGround.R26, decision_text="Den gamle tekst."
    )
    assert "Den gamle tekst." in text and "beboelsesrum" not in text


@pytest.mark.parametrize(
    ("decision", "verdict"), [("granted", "dispenserer fra"), ("refused", "dispenserer ikke fra")]
)
def test_the_dispensation_letter_says_what_the_code_said(decision, verdict):
    text = _rendered(
        LetterKind.DISPENSATION_DECISION, decision=decision, decision_reasoning="Særlige forhold."
    )
    assert f"Kommunen {verdict} afvisningen efter bekendtgørelsens § 37, stk. 2. Særlige forhold." in text
