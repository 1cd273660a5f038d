"""The kommune officer's decision form (issue 15, item 4): the fields a refusal requires say so
("required for a refusal") and a refusal without them is refused next to them (R36.3, R42.2–R42.3);
the error summary on top links to each field; amounts take the Danish decimal comma."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import translation

from allocation.models import Answer
from approvals.models import ApprovalRequest, ApprovalState, RefusalGround
from tests import scenarios
from tests.factories import DwellingFactory
from tests.factories_waitinglists import EntryFactory, WaitingListFactory

PAGE_LANGUAGE = "en"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def approval(caseworker_a, org_a, kommune_aarhus, department_a):
    """A family dwelling in Aarhus, which approves each letting (R42.1): the round's winner waits."""
    scenarios.kommune_decision(kommune_aarhus, approves_each_letting=True)
    scenarios.letting_policy(org_a, offer_round_size=1)
    waiting_list = WaitingListFactory(controller=org_a.tenant)
    entry = EntryFactory(waiting_list=waiting_list, rooms_min=1, rooms_max=6)
    entry.departments.add(department_a)
    dwelling = DwellingFactory(department=department_a, rooms=3, monthly_rent=Decimal("7500.00"))
    vacancy = scenarios.open_vacancy(caseworker_a, dwelling)
    scenarios.decided_round(caseworker_a, vacancy, [Answer.ACCEPTED])
    return ApprovalRequest.objects.get(vacancy=vacancy)


def _url(approval) -> str:
    return f"/kommune/godkendelser/{approval.pk}/"


def _label(body: str, field: str) -> str:
    """The text of the field's <label>."""
    start = body.index(f'<label class="form-label" for="id_{field}"')
    return body[start : body.index("</label>", start)]


@pytest.mark.rule("R36.3", "R42.3")
def test_the_fields_a_refusal_requires_say_so(approval, kommune_officer, client_for):
    body = client_for(kommune_officer).get(_url(approval)).content.decode()
    for field in ("refusal_ground", "decision_reasons"):
        label = _label(body, field)
        assert "required for a refusal" in label and "optional" not in label
    for field in ("household_income", "income_assessment"):
        assert "required for a refusal on income" in _label(body, field)
    # Shown only while "refuse" is chosen (static/js/app.js); without JavaScript they show.
    assert body.count('data-app-show-if="decision=refuse"') == 2
    # The reasons go into the letter: their limit is stated and carried by the widget.
    assert "At most 2000 characters." in body and 'maxlength="2000"' in body


@pytest.mark.rule("R36.3", "R42.2", "R42.3")
def test_a_refusal_without_its_required_fields_gives_errors_next_to_them(
    approval, kommune_officer, client_for
):
    client = client_for(kommune_officer)
    response = client.post(
        _url(approval),
        {"decision": "refuse", "refusal_ground": RefusalGround.INCOME, "change_reason": "Afgørelse"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    for field in ("decision_reasons", "household_income", "income_assessment"):
        assert f'id="id_{field}_error"' in body
        assert f'href="#id_{field}"' in body  # the error summary links to the field
    assert body.index("app-error-summary") < body.index('id="id_household_income"')
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING
    # Approving needs none of them.
    response = client.post(_url(approval), {"decision": "approve", "change_reason": "Afgørelse"})
    assert response.status_code == 302
    approval.refresh_from_db()
    assert approval.state == ApprovalState.APPROVED


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("200,50", "200.50"),
        ("200.50", "200.50"),
        ("1.200,50", "1200.50"),
        ("1.200.000", "1200000"),
        ("250 000", "250000"),
    ],
)
def test_amounts_take_the_danish_decimal_comma(approval, kommune_officer, client_for, typed, amount):
    response = client_for(kommune_officer).post(
        _url(approval),
        {"decision": "approve", "household_income": typed, "change_reason": "Afgørelse"},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    approval.refresh_from_db()
    assert approval.household_income == Decimal(amount)


def test_the_amount_field_is_a_text_field_for_decimals(approval, kommune_officer, client_for):
    body = client_for(kommune_officer).get(_url(approval)).content.decode()
    widget = re.search(r'<input[^>]*name="household_income"[^>]*>', body).group(0)
    assert 'type="text"' in widget and 'inputmode="decimal"' in widget and "step=" not in widget


def test_a_garbled_amount_is_a_field_error(approval, kommune_officer, client_for):
    response = client_for(kommune_officer).post(
        _url(approval), {"decision": "approve", "household_income": "2,00,0", "change_reason": "Afgørelse"}
    )
    assert response.status_code == 400 and 'id="id_household_income_error"' in response.content.decode()


def test_an_over_long_refusal_reason_is_refused_and_nothing_saved(approval, kommune_officer, client_for):
    response = client_for(kommune_officer).post(
        _url(approval),
        {
            "decision": "refuse",
            "refusal_ground": RefusalGround.INCOME,
            "household_income": "100000",
            "income_assessment": "Konkret vurdering.",
            "decision_reasons": "x" * 2001,
            "change_reason": "Afgørelse",
        },
    )
    assert response.status_code == 400
    assert "at most 2000 characters (it has 2001)" in response.content.decode()
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING and approval.decision_reasons == ""
