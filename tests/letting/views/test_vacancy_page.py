"""The vacancy page (issue 15, item 3): the stage and the one step due now at the top, the ranking
with the applicants' names (within the caseworker's scope), the passed over folded by reason in
Danish, the open round's answers recorded in one form with one reason, and a query count that does
not grow with the number of candidates."""

from __future__ import annotations

import datetime
import inspect
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from allocation import explanations
from allocation.models import Answer, Offer, OfferRound, RoundState, Vacancy, VacancyStage
from allocation.rules import ranking as ranking_rules
from allocation.rules import youth_ranking
from allocation.services import offers
from approvals import services as approvals
from housing.models import Role
from letting import workflow
from tests import scenarios
from tests.factories import (
    DwellingFactory,
    HousingOrganisationFactory,
    MembershipFactory,
    SharedListAssociationFactory,
    UserFactory,
)
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import EntryStatus

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REASON = scenarios.REASON


@pytest.fixture
def general_list(org_a):
    return WaitingListFactory(controller=org_a.tenant, name="Alfa venteliste")


def _applicants(general_list, department, count: int, *, start: int = 0, **fields) -> list:
    """``count`` entries for the department, seniority one day apart from 1 January 2000 + ``start``."""
    entries = []
    for i in range(count):
        entry = EntryFactory(
            waiting_list=general_list,
            seniority_date=datetime.date(2000, 1, 1) + datetime.timedelta(days=start + i),
            **{"rooms_min": 1, "rooms_max": 6, **fields},
        )
        entry.departments.add(department)
        entries.append(entry)
    return entries


def _vacancy(caseworker, department, **dwelling) -> Vacancy:
    return scenarios.open_vacancy(caseworker, DwellingFactory(department=department, rooms=3, **dwelling))


def _page(client, vacancy) -> str:
    response = client.get(reverse("letting:vacancy_detail", args=[vacancy.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _action(page: str) -> str:
    return re.search(r'id="next-action" data-action="([a-z_]+)"', page).group(1)


def _panel(page: str) -> str:
    start = page.index('id="next-action"')
    return page[start : page.index("</section>", start)]


def _row(page: str, element_id: str) -> str:
    start = page.index(f'id="{element_id}"')
    return page[start : page.index("</tr>", start)]


# --- The stage and the step due now -------------------------------------------------------------


@pytest.mark.rule("R1.10", "R42.1", "R42.3")
def test_the_step_due_now_is_at_the_top_at_every_stage(
    caseworker_a, kommune_officer, kommune_aarhus, org_a, department_a, general_list, client_for
):
    """From the opening to the lease: the panel names the stage in Danish and offers the one
    primary button of the step that is due, with its deadline."""
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(org_a, offer_round_size=2)
    first, second, _third = _applicants(general_list, department_a, 3)
    vacancy = _vacancy(caseworker_a, department_a)
    client = client_for(caseworker_a)

    page = _page(client, vacancy)
    panel = _panel(page)
    assert _action(page) == "round_open" and "Åbnet: ingen tilbud ude" in panel
    assert 'id="round-open-form"' in panel and panel.count("button-primary") == 1
    # The one primary button of the page is the panel's, and it comes before the ranking.
    assert page.count("button-primary") == 1 and page.index('id="next-action"') < page.index('id="ranking"')
    assert 'value="Tilbud sendt til de øverste på ranglisten"' in panel  # the prefilled reason

    offer_round = workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    page = _page(client, vacancy)
    panel = _panel(page)
    assert _action(page) == "answers" and "Tilbud sendt" in panel
    assert offer_round.answer_deadline.strftime("%d.%m.%Y") in panel
    assert 'href="#answers-form"' in panel and 'id="answers-form"' in page
    # The one primary button is the answers form's own, right below the panel.
    assert "button-primary" not in panel and page.count("button-primary") == 1
    assert 'id="answers-submit"' in page[page.index("button-primary") - 200 :]

    top = offer_round.offers.get(rank=1)
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=top, answer=Answer.ACCEPTED)
    page = _page(client, vacancy)
    assert _action(page) == "round_close" and first.person.full_name in _panel(page)
    assert 'id="round-close-form"' in _panel(page)

    workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    page = _page(client, vacancy)
    panel = _panel(page)
    assert _action(page) == "await_kommune" and "Afventer kommunens godkendelse" in panel
    pending = vacancy.approval_requests.get()
    assert pending.deadline.strftime("%d.%m.%Y") in panel and "button-primary" not in panel

    approvals.approval_decide(actor=kommune_officer, reason=REASON, request=pending, approve=True)
    page = _page(client, vacancy)
    panel = _panel(page)
    assert _action(page) == "lease_sign" and "Klar til lejekontrakt" in panel
    assert 'id="lease-form"' in panel and first.person.full_name in panel

    top.refresh_from_db()
    workflow.lease_sign(
        actor=caseworker_a,
        reason=REASON,
        vacancy=vacancy,
        person=first.person,
        offer=top,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )
    page = _page(client, vacancy)
    assert _action(page) == "let" and "button-primary" not in page
    # The decided round is folded away, its rows still named.
    assert '<details class="app-details app-round" id="round-1">' in page
    assert second.person.full_name in page


def test_nobody_to_offer_makes_the_fallback_the_step_due(caseworker_a, department_a, client_for):
    vacancy = _vacancy(caseworker_a, department_a)
    page = _page(client_for(caseworker_a), vacancy)
    assert _action(page) == "fallback" and 'id="fallback-form"' in _panel(page)
    assert page.count('id="fallback-form"') == 1


def test_a_cancelled_vacancy_has_nothing_due(caseworker_a, department_a, client_for):
    from allocation.services import vacancies

    vacancy = _vacancy(caseworker_a, department_a)
    vacancies.vacancy_cancel(actor=caseworker_a, reason=REASON, vacancy=vacancy)
    page = _page(client_for(caseworker_a), vacancy)
    assert _action(page) == "cancelled" and "button-primary" not in page
    assert Vacancy.objects.get(pk=vacancy.pk).stage == VacancyStage.CANCELLED


def test_a_reader_sees_the_step_but_no_button(
    read_only_a, caseworker_a, department_a, general_list, client_for
):
    _applicants(general_list, department_a, 2)
    vacancy = _vacancy(caseworker_a, department_a)
    page = _page(client_for(read_only_a), vacancy)
    assert _action(page) == "round_open" and 'id="next-action-read-only"' in page
    assert "<form" not in _panel(page) and "button-primary" not in page


# --- Names, scoped --------------------------------------------------------------------------------


def test_the_ranking_names_each_applicant_with_a_link_position_and_seniority(
    caseworker_a, department_a, general_list, client_for
):
    first, second = _applicants(general_list, department_a, 2)
    vacancy = _vacancy(caseworker_a, department_a)
    page = _page(client_for(caseworker_a), vacancy)
    for rank, entry in ((1, first), (2, second)):
        row = _row(page, f"ranked-{entry.pk}")
        assert f'<td class="num">{rank}</td>' in row
        link = f'<a href="{entry.get_absolute_url()}" class="applicant-link">{entry.person.full_name}</a>'
        assert link in row
        assert entry.seniority_date.strftime("%d.%m.%Y") in row and "generel venteliste" in row
        assert entry.person.cpr_reveal() not in row  # no CPR, only the name and the number


@pytest.mark.rule("R3.2")
def test_names_only_where_the_caseworkers_scope_reaches_the_entry(kommune_aarhus, client_for):
    """A shared list's applicants belong to the association: a caseworker of only the organisation
    sees their numbers and places, not their names, and gets no link; the association's
    caseworker sees both."""
    from tests.factories import DepartmentFactory

    association = SharedListAssociationFactory(name="Fælles Venteliste")
    organisation = HousingOrganisationFactory(name="Første Bolig", shared_list=association)
    department = DepartmentFactory(organisation=organisation, kommune=kommune_aarhus)
    shared = WaitingListFactory(controller=association.tenant, name="Fælles liste")
    (entry,) = _applicants(shared, department, 1)
    insider = UserFactory(username="org-and-association")
    MembershipFactory(user=insider, tenant=organisation.tenant, role=Role.CASEWORKER)
    MembershipFactory(user=insider, tenant=association.tenant, role=Role.CASEWORKER)
    outsider = UserFactory(username="org-only")
    MembershipFactory(user=outsider, tenant=organisation.tenant, role=Role.CASEWORKER)
    vacancy = _vacancy(insider, department)

    inside = _row(_page(client_for(insider), vacancy), f"ranked-{entry.pk}")
    assert entry.person.full_name in inside and entry.get_absolute_url() in inside
    outside = _row(_page(client_for(outsider), vacancy), f"ranked-{entry.pk}")
    assert entry.person.full_name not in outside and entry.get_absolute_url() not in outside
    assert entry.person.applicant_number in outside


@pytest.mark.rule("R3.3", "R26")
def test_the_flags_are_shown_in_danish(caseworker_a, department_a, general_list, client_for):
    from housing.audit import audited_save, system_user
    from tests.factories import HouseholdFactory, HouseholdMemberFactory

    (big,) = _applicants(general_list, department_a, 1)
    household = HouseholdFactory(controller=big.controller)
    HouseholdMemberFactory(household=household, person=big.person, relation="applicant")
    for _ in range(6):
        HouseholdMemberFactory(household=household, relation="spouse")
    big.household = household
    audited_save(big, actor=system_user(), reason=REASON)
    vacancy = _vacancy(caseworker_a, department_a)
    row = _row(_page(client_for(caseworker_a), vacancy), f"ranked-{big.pk}")
    assert 'data-rule="R26"' in row and "R26: 7 personer i 3 beboelsesrum" in row
    assert "R3.3" not in row


# --- The passed over, by reason -----------------------------------------------------------------------


def _skip_codes_in_the_rules() -> set[str]:
    """Every code ``allocation.rules`` passes a candidate over with: the literal codes of
    ``_exclusion`` and the rule ids that open the reasons of the § 7 and youth conditions."""
    codes = set(re.findall(r'Excluded\(c, "(\w+)"', inspect.getsource(ranking_rules._exclusion)))
    for function in (ranking_rules._holds_transfer_priority, youth_ranking.youth_eligibility):
        codes |= set(re.findall(r'f?"(R\d+(?:\.\d+)?)[":]', inspect.getsource(function)))
    return codes


def test_every_skip_code_has_a_danish_label():
    codes = _skip_codes_in_the_rules()
    assert {"passive", "wishes", "R7", "R1.8", "R8.1", "R8.3", "R12.1", "R13"} <= codes
    assert codes <= set(explanations.SKIP_LABELS)
    from django.utils import translation

    with translation.override("en"):
        english = {code: explanations.skip_label(code) for code in codes}
    with translation.override("da"):
        for code in codes:
            assert explanations.skip_label(code) != english[code], code  # translated
        assert explanations.skip_label("passive") == "Tilmeldingen er passiv (i bero)"
        assert explanations.skip_label("R99") == "Anden grund (R99)"


def test_the_passed_over_are_counted_by_reason_in_danish(
    caseworker_a, department_a, general_list, client_for
):
    _applicants(general_list, department_a, 2, status=EntryStatus.PASSIVE)
    _applicants(general_list, department_a, 3, rooms_min=5)
    (placed,) = _applicants(general_list, department_a, 1, start=10)  # after all of them
    vacancy = _vacancy(caseworker_a, department_a)
    page = _page(client_for(caseworker_a), vacancy)
    start = page.index('id="skipped-summary"')
    summary = page[start : page.index("</section>", start)]
    assert re.search(r'data-code="passive" data-count="2"', summary)
    assert re.search(r'data-code="wishes" data-count="3"', summary)
    assert "Tilmeldingen er passiv (i bero): 2 ansøgere" in summary
    assert "Boligen passer ikke til ansøgerens ønsker: 3 ansøgere" in summary
    # One line per reason, each opened with <details>; the raw codes are not the labels.
    assert summary.count("<details") == 2 and ">passive<" not in summary and ">wishes<" not in summary
    assert f'id="ranked-{placed.pk}"' in page


# --- The answers in one form --------------------------------------------------------------------------


def _answers_url(vacancy, offer_round) -> str:
    return reverse("letting:round_answers", args=[vacancy.pk, offer_round.pk])


def _round(caseworker, org, department, general_list, size: int = 3):
    scenarios.letting_policy(org, offer_round_size=size)
    _applicants(general_list, department, size)
    vacancy = _vacancy(caseworker, department)
    offer_round = workflow.round_open(actor=caseworker, reason=REASON, vacancy=vacancy)
    return vacancy, offer_round, list(offer_round.offers.order_by("rank"))


def _history(offer) -> list[tuple]:
    return list(
        Offer.history.filter(id=offer.pk)
        .order_by("history_id")
        .values_list("answer", "history_user_id", "history_change_reason")
    )


def test_the_answers_are_recorded_in_one_form_with_one_reason(
    caseworker_a, org_a, department_a, general_list, client_for
):
    vacancy, offer_round, (first, second, third) = _round(caseworker_a, org_a, department_a, general_list)
    client = client_for(caseworker_a)
    form = _page(client, vacancy)
    assert f'name="answers-answer_{first.pk}"' in form and 'value="Ansøgernes svar modtaget"' in form
    data = {
        f"answers-answer_{first.pk}": Answer.DECLINED,
        f"answers-answered_on_{first.pk}": TODAY.isoformat(),
        f"answers-answer_{second.pk}": Answer.ACCEPTED,
        f"answers-answered_on_{second.pk}": TODAY.isoformat(),
        f"answers-answer_{third.pk}": "",
        f"answers-answered_on_{third.pk}": TODAY.isoformat(),
        "answers-change_reason": "Svar pr. telefon",
    }
    before = {o.pk: len(_history(o)) for o in (first, second, third)}
    response = client.post(_answers_url(vacancy, offer_round), data)
    assert response.status_code == 302 and response["Location"] == vacancy.get_absolute_url()
    for offer, answer in ((first, Answer.DECLINED), (second, Answer.ACCEPTED)):
        history = _history(offer)
        assert len(history) == before[offer.pk] + 1
        assert history[-1] == (answer, caseworker_a.pk, "Svar pr. telefon")
    assert len(_history(third)) == before[third.pk]
    assert Offer.objects.get(pk=third.pk).answer == Answer.PENDING

    # The same submit again (a double click, the back button): nothing more is recorded.
    again = client.post(_answers_url(vacancy, offer_round), data)
    assert again.status_code == 302
    assert {o.pk: len(_history(o)) for o in (first, second, third)} == {
        first.pk: before[first.pk] + 1,
        second.pk: before[second.pk] + 1,
        third.pk: before[third.pk],
    }


def test_an_invalid_row_shows_its_error_there_and_nothing_is_saved(
    caseworker_a, org_a, department_a, general_list, client_for
):
    vacancy, offer_round, (first, second, third) = _round(caseworker_a, org_a, department_a, general_list)
    client = client_for(caseworker_a)
    before = {o.pk: len(_history(o)) for o in (first, second, third)}
    tomorrow = TODAY + datetime.timedelta(days=1)
    response = client.post(
        _answers_url(vacancy, offer_round),
        {
            f"answers-answer_{first.pk}": Answer.ACCEPTED,
            f"answers-answered_on_{first.pk}": TODAY.isoformat(),
            f"answers-answer_{second.pk}": Answer.DECLINED,
            f"answers-answered_on_{second.pk}": tomorrow.isoformat(),
            f"answers-answer_{third.pk}": "maybe",
            "answers-change_reason": "Svar pr. brev",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Svardatoen kan ikke ligge i fremtiden." in _row(page, f"offer-{second.pk}")
    assert "form-error-message" in _row(page, f"offer-{third.pk}")
    assert "form-error-message" not in _row(page, f"offer-{first.pk}")
    assert {o.pk: len(_history(o)) for o in (first, second, third)} == before
    assert set(Offer.objects.filter(round=offer_round).values_list("answer", flat=True)) == {Answer.PENDING}


def test_the_service_checks_every_row_before_saving_any(caseworker_a, org_a, department_a, general_list):
    """``answers_record`` all or nothing: a row the service refuses (a date in the future) leaves
    the valid rows unsaved too; a closed round takes no answers."""
    from django.core.exceptions import ValidationError

    _vacancy, offer_round, (first, second, _third) = _round(caseworker_a, org_a, department_a, general_list)
    lines = [
        offers.AnswerLine(first.pk, Answer.ACCEPTED, TODAY),
        offers.AnswerLine(second.pk, Answer.DECLINED, TODAY + datetime.timedelta(days=3)),
    ]
    with pytest.raises(ValidationError) as error:
        offers.answers_record(actor=caseworker_a, reason="Svar", offer_round=offer_round, lines=lines)
    assert set(error.value.message_dict) == {f"answered_on_{second.pk}"}
    assert Offer.objects.get(pk=first.pk).answer == Answer.PENDING
    OfferRound.objects.filter(pk=offer_round.pk).update(state=RoundState.CANCELLED)
    with pytest.raises(ValidationError):
        offers.answers_record(actor=caseworker_a, reason="Svar", offer_round=offer_round, lines=lines[:1])


def test_only_a_caseworker_of_the_organisation_records_answers(
    caseworker_a, caseworker_b, read_only_a, org_a, department_a, general_list, client_for
):
    vacancy, offer_round, (first, *_rest) = _round(caseworker_a, org_a, department_a, general_list)
    data = {f"answers-answer_{first.pk}": Answer.ACCEPTED, "answers-change_reason": "Svar"}
    assert client_for(read_only_a).post(_answers_url(vacancy, offer_round), data).status_code == 403
    assert client_for(caseworker_b).post(_answers_url(vacancy, offer_round), data).status_code == 404
    assert Offer.objects.get(pk=first.pk).answer == Answer.PENDING


# --- The query count ----------------------------------------------------------------------------------


def _count(client, vacancy) -> int:
    client.get(reverse("letting:vacancy_detail", args=[vacancy.pk]))  # warm the session and the scope
    with CaptureQueriesContext(connection) as queries:
        _page(client, vacancy)
    return len(queries)


def test_the_page_costs_the_same_queries_for_5_and_50_candidates(
    caseworker_a, org_a, department_a, general_list, client_for, django_assert_max_num_queries
):
    client = client_for(caseworker_a)
    few = _vacancy(caseworker_a, department_a)
    _applicants(general_list, department_a, 5)
    small = _count(client, few)
    _applicants(general_list, department_a, 45, status=EntryStatus.ACTIVE)
    _applicants(general_list, department_a, 10, status=EntryStatus.PASSIVE)
    many = _vacancy(caseworker_a, department_a)
    with django_assert_max_num_queries(small):
        page = _page(client, many)
    assert page.count('id="ranked-') == 50 and 'data-code="passive"' in page


def test_the_open_round_costs_the_same_queries_for_2_and_8_offers(
    caseworker_a, org_a, department_a, general_list, client_for, django_assert_max_num_queries
):
    client = client_for(caseworker_a)
    _applicants(general_list, department_a, 10)
    scenarios.letting_policy(org_a, offer_round_size=2, valid_from=TODAY - datetime.timedelta(days=10))
    few = _vacancy(caseworker_a, department_a)
    workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=few)
    small = _count(client, few)
    scenarios.letting_policy(org_a, offer_round_size=8, valid_from=TODAY)
    many = _vacancy(caseworker_a, department_a)
    workflow.round_open(actor=caseworker_a, reason=REASON, vacancy=many)
    with django_assert_max_num_queries(small):
        page = _page(client, many)
    assert page.count('name="answers-answer_') == 8


def test_the_page_says_when_more_were_passed_over_than_it_counts(
    caseworker_a, department_a, general_list, client_for
):
    from allocation.services.ranking import EXCLUDED_LIMIT

    _applicants(general_list, department_a, EXCLUDED_LIMIT + 1, status=EntryStatus.PASSIVE)
    _applicants(general_list, department_a, 1, start=EXCLUDED_LIMIT + 5)
    page = _page(client_for(caseworker_a), _vacancy(caseworker_a, department_a))
    assert f'data-code="passive" data-count="{EXCLUDED_LIMIT}"' in page
    assert 'id="skipped-more"' in page and f"de første {EXCLUDED_LIMIT}" in page


def test_the_page_does_not_claim_more_when_all_are_counted(
    caseworker_a, department_a, general_list, client_for
):
    _applicants(general_list, department_a, 2, status=EntryStatus.PASSIVE)
    _applicants(general_list, department_a, 1, start=5)
    page = _page(client_for(caseworker_a), _vacancy(caseworker_a, department_a))
    assert 'data-count="2"' in page and 'id="skipped-more"' not in page


def test_answers_to_a_round_closed_meanwhile_are_refused_with_the_reason(
    caseworker_a, org_a, department_a, general_list, client_for
):
    vacancy, offer_round, (first, *_rest) = _round(caseworker_a, org_a, department_a, general_list)
    client = client_for(caseworker_a)
    client.get(vacancy.get_absolute_url())
    offers.offer_answer(actor=caseworker_a, reason=REASON, offer=first, answer=Answer.ACCEPTED)
    workflow.round_close(actor=caseworker_a, reason=REASON, offer_round=offer_round)
    response = client.post(
        _answers_url(vacancy, offer_round),
        {f"answers-answer_{first.pk}": Answer.DECLINED, "answers-change_reason": "Svar"},
    )
    assert response.status_code == 400
    assert "Tilbudsrunden er lukket" in response.content.decode()
    assert Offer.objects.get(pk=first.pk).answer == Answer.ACCEPTED


def test_the_vacancy_form_comes_with_its_reason(caseworker_a, department_a, client_for):
    page = client_for(caseworker_a).get(reverse("letting:vacancy_open")).content.decode()
    assert 'value="Lejeren har opsagt lejemålet"' in page
