"""The person page's *Priority* tab: caseworkers record the facts the ranking places applicants by —
the documented need (R5.1–R5.3, R10.2–R10.4; health data, every reading and change logged), the
separation priority (R8.2) — and see the boliggarantibeviser (R6). Each fact recorded on the page
is then shown to change the ranking of a vacancy the way the rule says."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from allocation.models import (
    GuaranteeState,
    HousingGuarantee,
    KommuneLettingDecision,
    LettingChannel,
    PriorityNeed,
    SeparationPriority,
)
from allocation.rules.channels import ChannelFacts, choose_channel
from allocation.services import needs, nominations
from allocation.services import ranking as service
from housing.audit import system_user
from housing.deadlines import add_calendar_months
from housing.models import AccessKind, HouseholdRelation, PersonalDataAccess
from letting import workflow
from tests.allocation.services.test_ranking_db import (
    _lease,
    save,
    set_kommune,
    set_policy,
    set_r4,
    vacancy_for,
)
from tests.factories import (
    DepartmentFactory,
    DwellingFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    PersonFactory,
)
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import ListKind

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
REASON = "Lægeerklæring modtaget"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


#: Pages in English, the source language (see ``client_for`` in conftest).
PAGE_LANGUAGE = "en"


@pytest.fixture
def general(org_a):
    return WaitingListFactory(controller=org_a.tenant, kind=ListKind.GENERAL)


def _entry(waiting_list, seniority: str):
    return EntryFactory(waiting_list=waiting_list, seniority_date=datetime.date.fromisoformat(seniority))


def _url(person, suffix: str = "") -> str:
    return f"/personer/{person.pk}/fortrin/{suffix}"


def _need_data(**fields) -> dict:
    data = {
        "need-documentation": "Lægeerklæring",
        "need-documented_on": (TODAY - datetime.timedelta(days=3)).isoformat(),
        "need-change_reason": REASON,
    }
    data.update({f"need-{name}": "on" for name, on in fields.items() if on})
    return data


def _record_need(client, person, **fields):
    response = client.post(_url(person, "behov/"), _need_data(**fields))
    assert response.status_code == 302, response.content.decode()[:2000]
    return PriorityNeed.objects.get(person=person)


def _ranking(vacancy):
    return service.vacancy_ranking(vacancy, day=TODAY).ranking


def _with_children(entry, children: int = 1, adults: int = 0):
    household = HouseholdFactory(controller=entry.controller)
    HouseholdMemberFactory(household=household, person=entry.person, relation=HouseholdRelation.APPLICANT)
    for _ in range(children):
        HouseholdMemberFactory(
            household=household,
            person=PersonFactory(controller=entry.controller, born=TODAY - datetime.timedelta(days=3000)),
            relation=HouseholdRelation.CHILD,
        )
    for _ in range(adults):
        HouseholdMemberFactory(
            household=household,
            person=PersonFactory(controller=entry.controller, born=datetime.date(1980, 1, 1)),
            relation=HouseholdRelation.SPOUSE,
        )
    entry.household = household
    save(entry)
    return entry


# --- The tab ----------------------------------------------------------------------------------------


def test_the_tab_is_on_the_person_page_and_an_empty_one_logs_nothing(caseworker_a, client_for, person_a):
    client = client_for(caseworker_a)
    assert _url(person_a) in client.get(f"/personer/{person_a.pk}/").content.decode()
    body = client.get(_url(person_a)).content.decode()
    assert "No documented need is recorded." in body
    assert "No separation priority is recorded." in body
    assert "No boliggarantibevis is recorded." in body
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.rule("R5.2", "R5.4")
def test_a_need_recorded_on_the_page_places_the_person_before_r4_and_seniority(
    caseworker_a, client_for, org_a, department_a, general
):
    """R5.2 first; R5.4: a letting *to* the R5.2 holder ignores the § 4 priority ("Ved udlejning efter
    stk. 1-3 ses bort fra …"); the family behind the holder is still ordered by the § 4 agreement."""
    set_r4(org_a, department_a.kommune, on=True)
    family = _with_children(_entry(general, "2001-01-01"))
    impaired = _entry(general, "2020-01-01")
    client = client_for(caseworker_a)
    need = _record_need(client, impaired.person, mobility_impaired=True)
    assert need.controller_id == impaired.person.controller_id
    # One history row with the user and the reason; the write is in the access log.
    record = need.history.get()
    assert (record.history_user, record.history_change_reason) == (caseworker_a, REASON)
    logged = PersonalDataAccess.objects.get(person=impaired.person)
    assert logged.kind == AccessKind.SENSITIVE_WRITE and "recorded" in logged.detail

    plain = _ranking(vacancy_for(DwellingFactory(department=department_a, rooms=3)))
    assert [(p.candidate.entry_id, p.rule) for p in plain.placed] == [
        (family.pk, "R4"),
        (impaired.pk, "R2.1"),
    ]
    fitted = _ranking(
        vacancy_for(DwellingFactory(department=department_a, rooms=3, fitted_mobility_impaired=True))
    )
    assert [(p.candidate.entry_id, p.rule) for p in fitted.placed] == [
        (impaired.pk, "R5.2"),
        (family.pk, "R4"),
    ]


@pytest.mark.rule("R5.1")
def test_elderly_or_disabled_counts_only_where_the_kommune_has_decided_so(
    caseworker_a, client_for, department_a, general
):
    older = _entry(general, "2001-01-01")
    elderly = _entry(general, "2020-01-01")
    _record_need(client_for(caseworker_a), elderly.person, elderly_or_disabled=True)
    dwelling = DwellingFactory(department=department_a, fitted_elderly_disabled=True)
    assert [p.candidate.entry_id for p in _ranking(vacancy_for(dwelling)).placed] == [older.pk, elderly.pk]
    set_kommune(department_a.kommune, elder_disabled_priority=True)
    placed = _ranking(
        vacancy_for(DwellingFactory(department=department_a, fitted_elderly_disabled=True))
    ).placed
    assert [(p.candidate.entry_id, p.rule) for p in placed] == [(elderly.pk, "R5.1"), (older.pk, "R2.1")]


@pytest.mark.rule("R5.3")
def test_a_household_of_four_with_a_mobility_impaired_member(caseworker_a, client_for, department_a, general):
    older = _entry(general, "2001-01-01")
    three = _with_children(_entry(general, "2010-01-01"), children=2)
    four = _with_children(_entry(general, "2020-01-01"), children=2, adults=1)
    client = client_for(caseworker_a)
    for entry in (three, four):
        _record_need(client, entry.person, household_member_mobility_impaired=True)
    dwelling = DwellingFactory(department=department_a, rooms=4, fitted_large_household_mobility=True)
    placed = _ranking(vacancy_for(dwelling)).placed
    # Only the household of at least 4 has the priority; the household of 3 waits by seniority.
    assert [(p.candidate.entry_id, p.rule) for p in placed] == [
        (four.pk, "R5.3"),
        (older.pk, "R2.1"),
        (three.pk, "R2.1"),
    ]


@pytest.mark.rule("R10.2", "R10.3", "R10.4", "R9.1")
@pytest.mark.parametrize(
    ("flag", "fitted", "rule", "size"),
    [
        ("elderly_or_disabled", "fitted_elderly_disabled", "R10.2", 0),
        ("mobility_impaired", "fitted_mobility_impaired", "R10.3", 0),
        ("household_member_mobility_impaired", "fitted_large_household_mobility", "R10.4", 3),
    ],
)
def test_on_the_internal_list_a_recorded_need_goes_before_internal_seniority(
    caseworker_a, client_for, org_a, department_a, flag, fitted, rule, size
):
    internal = WaitingListFactory(controller=org_a.tenant, kind=ListKind.INTERNAL, organisation=org_a)
    elsewhere = DepartmentFactory(organisation=org_a, kommune=department_a.kommune)
    senior = _entry(internal, "2001-01-01")
    needy = _entry(internal, "2020-01-01")
    if size:
        _with_children(needy, children=size)
    for entry in (senior, needy):
        _lease(entry.person, DwellingFactory(department=elsewhere, rooms=4))
    _record_need(client_for(caseworker_a), needy.person, **{flag: True})
    dwelling = DwellingFactory(department=department_a, rooms=4, **{fitted: True})
    ranking = service.vacancy_ranking(vacancy_for(dwelling, internal_turn=True), day=TODAY).ranking
    assert ranking.turn == "internal"
    # R9.1 orders the rest by internal seniority; the need goes before it.
    assert [(p.candidate.entry_id, p.rule) for p in ranking.placed] == [(needy.pk, rule), (senior.pk, "R9")]


# --- Health data: reading, changing, removing -------------------------------------------------------


@pytest.mark.rule("R5.2")
def test_every_showing_and_change_of_the_need_is_logged_and_has_history(
    caseworker_a, read_only_a, client_for, person_a
):
    client = client_for(caseworker_a)
    need = _record_need(client, person_a, mobility_impaired=True)
    body = client_for(read_only_a).get(_url(person_a)).content.decode()
    assert "Lægeerklæring" in body and 'id="need-form"' not in body
    reads = PersonalDataAccess.objects.filter(person=person_a, user=read_only_a)
    assert reads.count() == 1 and "read" in reads.get().detail
    # Change it: a second history row; then remove it: a third, with who and why.
    data = _need_data(mobility_impaired=True, elderly_or_disabled=True)
    data["need-change_reason"] = "Ny vurdering"
    assert client.post(_url(person_a, "behov/"), data).status_code == 302
    need.refresh_from_db()
    assert need.elderly_or_disabled and need.mobility_impaired
    assert (
        client.post(_url(person_a, "behov/fjern/"), {"remove-change_reason": "Trukket tilbage"}).status_code
        == 302
    )
    assert not PriorityNeed.objects.filter(person=person_a).exists()
    rows = list(PriorityNeed.history.filter(person_id=person_a.pk).order_by("history_id"))
    assert [(r.history_type, r.history_change_reason, r.history_user) for r in rows] == [
        ("+", REASON, caseworker_a),
        ("~", "Ny vurdering", caseworker_a),
        ("-", "Trukket tilbage", caseworker_a),
    ]
    details = list(
        PersonalDataAccess.objects.filter(person=person_a, user=caseworker_a)
        .order_by("id")
        .values_list("detail", flat=True)
    )
    assert [d.split(") ")[-1] for d in details] == ["recorded", "changed", "removed"]


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (_need_data(), None, "Tick at least one need"),
        (
            {**_need_data(mobility_impaired=True), "need-documented_on": "2099-01-01"},
            "documented_on",
            "cannot be dated in the future",
        ),
        ({**_need_data(mobility_impaired=True), "need-documentation": ""}, "documentation", "required"),
        ({**_need_data(mobility_impaired=True), "need-change_reason": " "}, "change_reason", "required"),
        (
            {**_need_data(mobility_impaired=True), "need-documented_on": "31-02-2026"},
            "documented_on",
            "valid",
        ),
    ],
)
def test_bad_input_is_shown_next_to_the_field_and_nothing_is_saved(
    caseworker_a, client_for, person_a, data, field, message
):
    response = client_for(caseworker_a).post(_url(person_a, "behov/"), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert message in body
    if field:
        assert f'id="id_need-{field}"' in body
    assert not PriorityNeed.objects.exists() and not PriorityNeed.history.exists()
    assert not PersonalDataAccess.objects.exists()


def test_removing_a_need_that_is_not_there_is_a_message_not_an_error(caseworker_a, client_for, person_a):
    response = client_for(caseworker_a).post(_url(person_a, "behov/fjern/"), {"remove-change_reason": "x"})
    assert response.status_code == 400
    assert "No documented need is recorded for this person." in response.content.decode()


# --- The separation priority (R8.2) -----------------------------------------------------------------


def _separation_data(department, **overrides) -> dict:
    data = {
        "separation-child_department": department.pk,
        "separation-left_on": (TODAY - datetime.timedelta(days=30)).isoformat(),
        "separation-child_under_18_with_other_parent": "on",
        "separation-note": "Skilsmissebevilling",
        "separation-change_reason": "Skilsmisse",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.mark.rule("R8.2")
def test_a_separation_recorded_on_the_page_places_the_person_for_one_year(
    caseworker_a, client_for, org_a, department_a, general
):
    set_policy(org_a, separation_priority=True)
    older = _entry(general, "2001-01-01")
    separated = _entry(general, "2020-01-01")
    response = client_for(caseworker_a).post(
        _url(separated.person, "samlivsophaevelse/"), _separation_data(department_a)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    separation = SeparationPriority.objects.get(person=separated.person)
    left_on = TODAY - datetime.timedelta(days=30)
    assert separation.valid_until == add_calendar_months(left_on, 12)
    assert (separation.organisation_id, separation.kommune_id) == (org_a.pk, department_a.kommune_id)
    assert separation.history.get().history_user == caseworker_a
    # Any dwelling of the organisation in that kommune, not only the child's department.
    other = DepartmentFactory(organisation=org_a, kommune=department_a.kommune)
    placed = _ranking(vacancy_for(DwellingFactory(department=other))).placed
    assert [(p.candidate.entry_id, p.rule) for p in placed] == [(separated.pk, "R8.2"), (older.pk, "R2.1")]
    # After the year, the priority is gone.
    later = service.vacancy_ranking(
        vacancy_for(DwellingFactory(department=other)),
        day=separation.valid_until + datetime.timedelta(days=1),
    ).ranking
    assert [p.rule for p in later.placed] == ["R2.1", "R2.1"]


@pytest.mark.rule("R8.2")
def test_a_separation_priority_can_be_ended_early(caseworker_a, client_for, org_a, department_a, person_a):
    set_policy(org_a, separation_priority=True)
    client = client_for(caseworker_a)
    assert (
        client.post(_url(person_a, "samlivsophaevelse/"), _separation_data(department_a)).status_code == 302
    )
    separation = SeparationPriority.objects.get()
    response = client.post(
        _url(person_a, "samlivsophaevelse/afslut/"),
        {
            "end-separation": separation.pk,
            "end-ends_on": TODAY.isoformat(),
            "end-change_reason": "Barnet flyttet",
        },
    )
    assert response.status_code == 302
    separation.refresh_from_db()
    assert separation.valid_until == TODAY
    assert separation.history.latest().history_change_reason == "Barnet flyttet"
    body = client.get(_url(person_a)).content.decode()
    assert "Barnet flyttet" in body and "Skilsmisse" in body


@pytest.mark.rule("R8.2")
@pytest.mark.parametrize(
    ("setup", "overrides", "message"),
    [
        ("policy", {"separation-valid_until": "2099-01-01"}, "at most 1 year"),
        ("policy", {"separation-child_under_18_with_other_parent": None}, "child under 18"),
        ("policy", {"separation-left_on": "2099-01-01"}, "cannot be in the future"),
        ("none", {}, "has not decided to give priority after a separation"),
        ("r40", {}, "does not apply (R40)"),
        ("policy", {"separation-child_department": "0"}, 'href="#id_separation-child_department"'),
    ],
)
def test_a_separation_priority_the_law_does_not_give_is_refused(
    caseworker_a, client_for, org_a, department_a, person_a, setup, overrides, message
):
    if setup in ("policy", "r40"):
        set_policy(org_a, separation_priority=True)
    if setup == "r40":
        set_kommune(department_a.kommune, separation_priority_off=True)
    response = client_for(caseworker_a).post(
        _url(person_a, "samlivsophaevelse/"), _separation_data(department_a, **overrides)
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SeparationPriority.objects.exists()


@pytest.mark.rule("R8.2")
def test_a_second_overlapping_separation_priority_is_refused(caseworker_a, org_a, department_a, person_a):
    set_policy(org_a, separation_priority=True)
    args = {
        "actor": caseworker_a,
        "reason": "Skilsmisse",
        "person": person_a,
        "child_department": department_a,
        "left_on": TODAY - datetime.timedelta(days=10),
        "child_under_18_with_other_parent": True,
    }
    needs.separation_priority_add(**args)
    with pytest.raises(Exception, match="already recorded"):
        needs.separation_priority_add(**args)
    assert SeparationPriority.objects.count() == 1


# --- The boliggarantibeviser (R6) ---------------------------------------------------------------------


@pytest.mark.rule("R6.1")
def test_the_persons_boliggarantibeviser_are_listed(caseworker_a, client_for, org_a, department_a, person_a):
    lease = _lease(person_a, DwellingFactory(department=department_a))
    lease.ends_on = TODAY - datetime.timedelta(days=10)
    save(lease)
    save(
        HousingGuarantee(
            person=person_a,
            controller=org_a.tenant,
            organisation=org_a,
            department=department_a,
            lease=lease,
            moved_out_on=lease.ends_on,
            valid_until=add_calendar_months(lease.ends_on, 36),
            state=GuaranteeState.VALID,
            issued_by=system_user(),
        )
    )
    guarantee = HousingGuarantee.objects.get(person=person_a)
    body = client_for(caseworker_a).get(_url(person_a)).content.decode()
    assert f'id="guarantee-{guarantee.pk}"' in body and department_a.name in body
    assert f"/lejemaal/{lease.pk}/" in body


# --- Tenancy ------------------------------------------------------------------------------------------


def test_other_tenants_and_read_only_staff_cannot_change_anything(
    caseworker_a, caseworker_b, read_only_a, kommune_officer, client_for, org_a, department_a, person_a
):
    set_policy(org_a, separation_priority=True)
    _record_need(client_for(caseworker_a), person_a, mobility_impaired=True)
    before = PersonalDataAccess.objects.count()
    posts = {
        "behov/": _need_data(elderly_or_disabled=True),
        "behov/fjern/": {"remove-change_reason": "x"},
        "samlivsophaevelse/": _separation_data(department_a),
        "samlivsophaevelse/afslut/": {"end-change_reason": "x"},
    }
    for outsider in (caseworker_b, kommune_officer):
        client = client_for(outsider)
        response = client.get(_url(person_a))
        assert response.status_code == 404 and "Lægeerklæring" not in response.content.decode()
        for suffix, data in posts.items():
            assert client.post(_url(person_a, suffix), data).status_code == 404
    reader = client_for(read_only_a)
    for suffix, data in posts.items():
        assert reader.post(_url(person_a, suffix), data).status_code == 403
    need = PriorityNeed.objects.get(person=person_a)
    assert need.mobility_impaired and not need.elderly_or_disabled
    assert not SeparationPriority.objects.exists()
    # The outsiders read nothing, so nothing more is logged.
    assert PersonalDataAccess.objects.count() == before


# --- R5.5: dwellings of § 5, stk. 1 let like elder dwellings ------------------------------------------


def _r5_5_decision(kommune, *, valid_from=datetime.date(2020, 1, 1), on=True):
    return save(
        KommuneLettingDecision(
            kommune=kommune, valid_from=valid_from, decided_on=valid_from, priority_dwellings_let_as_elder=on
        )
    )


@pytest.mark.rule("R5.5", "R14.1")
@pytest.mark.parametrize(
    ("kind", "fitted", "decided", "share_due", "advertising", "expected"),
    [
        ("family", True, True, True, True, ("kommunal_anvisning", "R5.5")),
        ("family", True, True, False, True, ("kommunal_anvisning", "R5.5")),
        ("family", True, False, True, False, ("kommunal_anvisning", "R1.4")),
        ("family", True, False, False, False, ("list", "R2.1")),
        ("family", False, True, False, False, ("list", "R2.1")),
        ("youth", True, True, False, False, ("list", "R2.1")),
    ],
)
def test_the_channel_of_a_dwelling_reserved_for_elderly_and_disabled(
    kind, fitted, decided, share_due, advertising, expected
):
    choice = choose_channel(
        ChannelFacts(
            dwelling_kind=kind,
            fitted_elderly_disabled=fitted,
            priority_dwellings_let_as_elder=decided,
            advertising_agreement=advertising,
            kommune_share_due=share_due,
            kommune_share_nth=4 if share_due else None,
        )
    )
    assert (choice.channel, choice.rule) == expected
    assert choice.reason.startswith(expected[1]) or expected[1] == "R2.1"


def _open(actor, dwelling):
    return workflow.vacancy_open(
        actor=actor,
        reason="Opsagt",
        dwelling=dwelling,
        notice_date=TODAY - datetime.timedelta(days=30),
        move_out_date=TODAY + datetime.timedelta(days=30),
    )


@pytest.mark.rule("R5.5", "R14.1")
def test_with_the_kommunes_r5_5_decision_the_vacancy_goes_to_the_kommunes_nomination_queue(
    caseworker_a, kommune_officer, client_for, department_a, general
):
    _entry(general, "2001-01-01")  # somebody waits on the list: the list is not asked
    _r5_5_decision(department_a.kommune)
    vacancy = _open(caseworker_a, DwellingFactory(department=department_a, fitted_elderly_disabled=True))
    assert vacancy.channel == LettingChannel.KOMMUNAL_ANVISNING
    assert vacancy.channel_reason.startswith("R5.5") and "R14.1" in vacancy.channel_reason
    assert vacancy.family_sequence is None and not vacancy.internal_turn  # no § 7 turn used
    assert list(nominations.kommune_queue(kommune_officer)) == [vacancy]
    assert nominations.children_agreement_hint(vacancy) == ""
    body = client_for(kommune_officer).get(f"/kommune/anvisning/{vacancy.pk}/").content.decode()
    assert vacancy.channel_reason in body and 'id="r5-5-note"' in body
    # The kommune names the tenant; the organisation signs with the person named.
    nomination = nominations.nomination_record(
        actor=kommune_officer,
        reason="Visiteret",
        vacancy=vacancy,
        cpr_number="1503401234",
        first_name="Ellen",
        last_name="Ældresen",
        household_size=1,
        ground="Gangbesvær, visiteret til ældrebolig",
    )
    lease = workflow.nomination_lease(
        actor=caseworker_a,
        reason="Underskrevet",
        nomination=nomination,
        signed_on=TODAY,
        starts_on=vacancy.move_out_date,
    )
    assert "R5.5" in lease.basis and lease.person.last_name == "Ældresen"


@pytest.mark.rule("R5.5", "R5.1")
def test_without_the_decision_in_force_the_dwelling_is_let_from_the_lists(caseworker_a, department_a):
    _r5_5_decision(department_a.kommune, valid_from=TODAY + datetime.timedelta(days=1))
    fitted = _open(caseworker_a, DwellingFactory(department=department_a, fitted_elderly_disabled=True))
    assert fitted.channel == LettingChannel.LIST
    # An ordinary family dwelling is not touched by the decision.
    _r5_5_decision(department_a.kommune, valid_from=TODAY)
    plain = _open(caseworker_a, DwellingFactory(department=department_a))
    assert plain.channel == LettingChannel.LIST


@pytest.mark.rule("R5.5", "R14.3")
def test_a_dwelling_let_like_an_elder_dwelling_may_be_let_to_others_under_r14_3(caseworker_a, department_a):
    _r5_5_decision(department_a.kommune)
    vacancy = _open(caseworker_a, DwellingFactory(department=department_a, fitted_elderly_disabled=True))
    workflow.vacancy_let_outside(
        actor=caseworker_a, reason="Ingen visiteret", vacancy=vacancy, rule="R14.3", why="Ingen med behov"
    )
    vacancy.refresh_from_db()
    assert vacancy.fallback_rule == "R14.3"
    # An ordinary family dwelling cannot use R14.3.
    ordinary = _open(caseworker_a, DwellingFactory(department=department_a))
    with pytest.raises(ValidationError):
        workflow.vacancy_let_outside(
            actor=caseworker_a, reason="x", vacancy=ordinary, rule="R14.3", why="Ingen med behov"
        )


def test_the_tab_costs_the_same_number_of_queries_however_many_facts(
    caseworker_a, client_for, org_a, department_a, person_a
):
    set_policy(org_a, separation_priority=True)
    client = client_for(caseworker_a)
    _record_need(client, person_a, mobility_impaired=True)

    def add_separation(days_ago: int) -> None:
        left_on = TODAY - datetime.timedelta(days=days_ago)
        needs.separation_priority_add(
            actor=caseworker_a,
            reason="Skilsmisse",
            person=person_a,
            child_department=DepartmentFactory(organisation=org_a, kommune=department_a.kommune),
            left_on=left_on,
            valid_until=left_on + datetime.timedelta(days=30),
            child_under_18_with_other_parent=True,
        )

    def cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(_url(person_a)).status_code == 200
        return len(queries)

    add_separation(10)
    one = cost()
    for days_ago in (100, 200, 300):  # earlier ones, each over before the next began
        add_separation(days_ago)
    assert cost() == one
