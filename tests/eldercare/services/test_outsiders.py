"""Refuse-outsiders decisions (§ 22, R22.1–R22.8) and their exemptions (§ 23, R23): the monitor computed
in the database, the dates (1 month's notice, 6 months' validity, an extension from 1 month before
expiry), the intake that refuses outsiders while a decision is in force, and the publication."""

from __future__ import annotations

import dataclasses
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from eldercare.models import OutsiderExemption, RefuseOutsidersDecision, SpecificEntryStatus
from eldercare.rules import outsiders as rules
from eldercare.services import outsiders as services
from eldercare.services import specific_lists as list_services
from tests.eldercare_lists_support import english, entry, facility, on_day, resident_elsewhere, specific_list
from tests.eldercare_support import elder

pytestmark = pytest.mark.django_db

D = datetime.date
DAY = datetime.timedelta(days=1)
DECIDED = D(2026, 7, 1)  # recent window 1 Apr–30 Jun, comparison window 1 Jan–31 Mar
JUSTIFICATION = (
    "Tilgangen fra nabokommunerne er tredoblet efter lukningen af to plejecentre dér; "
    "befolkningsudviklingen og visitationspraksis er uændret."
)
# Bilag 1: the qualified reasons, each part.
DOCUMENTATION = services.Bilag1Documentation(
    decisive_obstacle=JUSTIFICATION,
    not_short_term="Ventetiden er steget måned for måned siden januar og falder ikke.",
    not_demographic="Antallet af borgere over 80 år er uændret (Danmarks Statistik, BY1).",
    not_lenient_assessment="Visitationsretningslinjerne er uændrede siden 2024; samme antal bevillinger.",
)


def housed(sl, *, on: datetime.date, waited: int, inside: bool = True):
    return entry(sl, joined_on=on - datetime.timedelta(days=waited), housed_on=on, inside=inside)


@pytest.fixture
def aeldre(kommune_aarhus):
    return specific_list(facility(kommune_aarhus, kind="aeldreboliger"))


def rising_waits(sl, *, recent=(80, 100), before=(40, 80), outsiders_recent=3, outsiders_before=1):
    """Own citizens housed in the comparison window and in the recent window with the given waits;
    outsiders joining in each window; noise that must not count."""
    for i, wait in enumerate(before):
        housed(sl, on=D(2026, 2, 10) + i * DAY, waited=wait)
    for i, wait in enumerate(recent):
        housed(sl, on=D(2026, 5, 10) + i * DAY, waited=wait)
    for i in range(outsiders_before):
        entry(sl, joined_on=D(2026, 2, 1) + i * DAY, inside=False)
    for i in range(outsiders_recent):
        entry(sl, joined_on=D(2026, 5, 1) + i * DAY, inside=False)
    # Noise: an outsider housed after a long wait (not an own citizen), an own citizen housed on
    # 1 July (outside the window) and one of another dwelling kind.
    housed(sl, on=D(2026, 5, 20), waited=900, inside=False)
    housed(sl, on=DECIDED, waited=900)
    other_kind = specific_list(facility(sl.kommune, kind="plejeboliger"))
    housed(other_kind, on=D(2026, 5, 20), waited=900)


# --- The monitor (R22.2) ---------------------------------------------------------------------


@pytest.mark.rule("R22.2")
def test_the_monitor_computes_the_own_citizens_waiting_level_in_one_query(
    aeldre, kommune_aarhus, django_assert_num_queries
):
    rising_waits(aeldre)
    with django_assert_num_queries(1):
        figures = services.outsiders_monitor(kommune_id=kommune_aarhus.pk, day=DECIDED)
    f = figures["aeldreboliger"]
    assert (f.recent_average_days, f.recent_housed) == (Decimal("90.0"), 2)
    assert (f.baseline_average_days, f.baseline_housed) == (Decimal("60.0"), 2)
    assert f.increase_percent == Decimal("50.0")
    assert (f.outsiders_joined_recent, f.outsiders_joined_before, f.outsiders_housed_recent) == (3, 1, 1)
    assert f.increase_qualifies and f.outsider_influx
    assert figures["plejeboliger"].recent_average_days == Decimal("900.0")
    assert figures["plejehjem"].recent_average_days is None


@pytest.mark.rule("R22.2")
@pytest.mark.parametrize(("recent", "qualifies"), [((80, 100), True), ((80, 98), False)])
def test_at_least_50_percent_increase(recent, qualifies):
    percent = rules.increase_percent(Decimal(sum(recent)) / 2, Decimal("60"))
    assert rules.increase_qualifies(percent) is qualifies
    assert rules.increase_qualifies(None) is False  # no comparison level: no decision


@pytest.mark.rule("R22.1", "R22.2")
def test_a_decision_needs_a_rise_of_at_least_50_percent(kommune_officer, kommune_aarhus, aeldre, monkeypatch):
    on_day(monkeypatch, DECIDED)
    rising_waits(aeldre, recent=(80, 98))
    with pytest.raises(ValidationError) as error:
        services.decision_make(
            actor=kommune_officer,
            reason="Byrådsbeslutning",
            kommune=kommune_aarhus,
            dwelling_kind="aeldreboliger",
            decided_on=DECIDED,
            documentation=DOCUMENTATION,
        )
    assert error.value.error_dict["dwelling_kind"][0].code == "condition_not_met"
    assert "50 %" in str(error.value)
    assert not RefuseOutsidersDecision.objects.exists()


@pytest.mark.rule("R22.1", "R22.2")
def test_a_rise_in_outside_applicants_is_shown_not_demanded(
    kommune_officer, kommune_aarhus, aeldre, monkeypatch
):
    """§ 22, stk. 2 asks for the rise "som følge af tilgang af borgere fra andre kommuner"; Bilag 1 has
    the kommune document that cause. The count of outside applicants is information: as many joined
    in the last 3 months as in the 3 before, and the decision can still be made on the documentation."""
    on_day(monkeypatch, DECIDED)
    rising_waits(aeldre, outsiders_recent=1, outsiders_before=1)
    figures = services.outsiders_monitor(kommune_id=kommune_aarhus.pk, day=DECIDED)["aeldreboliger"]
    assert figures.increase_qualifies and not figures.outsider_influx
    made = services.decision_make(
        actor=kommune_officer,
        reason="Byrådsbeslutning",
        kommune=kommune_aarhus,
        dwelling_kind="aeldreboliger",
        decided_on=DECIDED,
        documentation=DOCUMENTATION,
    )
    assert (made.outsiders_joined_recent, made.outsiders_joined_before, made.outsiders_housed_recent) == (
        1,
        1,
        1,
    )


@pytest.mark.rule("R22.1")
@pytest.mark.parametrize(
    "missing", ["decisive_obstacle", "not_short_term", "not_demographic", "not_lenient_assessment"]
)
def test_the_bilag_1_documentation_is_required_and_recorded(
    kommune_officer, kommune_aarhus, aeldre, monkeypatch, missing
):
    on_day(monkeypatch, DECIDED)
    rising_waits(aeldre)
    field = services.FORM_FIELDS[missing]

    def make(documentation):
        return services.decision_make(
            actor=kommune_officer,
            reason="Byrådsbeslutning",
            kommune=kommune_aarhus,
            dwelling_kind="aeldreboliger",
            decided_on=DECIDED,
            documentation=documentation,
        )

    with translation.override("en"), pytest.raises(ValidationError) as error:
        make(dataclasses.replace(DOCUMENTATION, **{missing: "  "}))
    assert list(error.value.error_dict) == [field] and "Bilag 1" in str(error.value)
    assert not RefuseOutsidersDecision.objects.exists()
    made = make(DOCUMENTATION)
    assert made.justification == DOCUMENTATION.decisive_obstacle
    assert (made.not_short_term, made.not_demographic, made.not_lenient_assessment) == (
        DOCUMENTATION.not_short_term,
        DOCUMENTATION.not_demographic,
        DOCUMENTATION.not_lenient_assessment,
    )


@pytest.mark.rule("R22.2", "R22.5")
def test_the_monitor_shows_the_figures_of_stk_2_and_stk_5_on_a_hand_built_case(
    kommune_officer, kommune_aarhus, client_for, monkeypatch
):
    """Computed by hand from the law's definitions. The level of waiting time is the own citizens'
    average wait over the preceding 3 months (Bilag 1).

    Decision on 1 October 2026 — stk. 2: housed 1 July–30 September waited 70, 90 and 110 days (level
    90); housed 1 April–30 June waited 30, 50 and 70 days (level 50): 90 is 80 % above 50.

    Extension considered on 1 April 2027 — stk. 5: housed 1 January–31 March 2027 waited 80 and 70 days
    (level 75). The comparison level is the level "på det tidspunkt, der ligger 3 måneder før" the
    decision, i.e. on 1 July 2026: the 3 months before it, 50 days. 75 is exactly 50 % above 50 —
    enough. (Against the level at the decision itself, 90, it would be a fall.)"""
    sl = specific_list(facility(kommune_aarhus, kind="aeldreboliger"))
    for on, wait in ((D(2026, 4, 20), 30), (D(2026, 5, 20), 50), (D(2026, 6, 30), 70)):
        housed(sl, on=on, waited=wait)
    for on, wait in ((D(2026, 7, 1), 70), (D(2026, 8, 15), 90), (D(2026, 9, 30), 110)):
        housed(sl, on=on, waited=wait)
    for on, wait in ((D(2027, 1, 1), 80), (D(2027, 3, 31), 70)):
        housed(sl, on=on, waited=wait)
    housed(sl, on=D(2026, 10, 1), waited=999)  # the decision day itself is not in the preceding 3 months
    housed(sl, on=D(2026, 8, 1), waited=999, inside=False)  # not an own citizen
    for day in (D(2026, 5, 1), D(2026, 8, 1)):  # one outsider joined in each window: information only
        entry(sl, joined_on=day, inside=False)

    decided = D(2026, 10, 1)
    on_day(monkeypatch, decided)
    stk2 = services.outsiders_monitor(kommune_id=kommune_aarhus.pk, day=decided)["aeldreboliger"]
    assert (stk2.recent_average_days, stk2.recent_housed) == (Decimal("90.0"), 3)
    assert (stk2.baseline_average_days, stk2.baseline_housed) == (Decimal("50.0"), 3)
    assert stk2.increase_percent == Decimal("80.0") and stk2.increase_qualifies
    assert (stk2.outsiders_joined_recent, stk2.outsiders_joined_before) == (1, 1) and not stk2.outsider_influx
    decision = services.decision_make(
        actor=kommune_officer,
        reason="Byrådsbeslutning",
        kommune=kommune_aarhus,
        dwelling_kind="aeldreboliger",
        decided_on=decided,
        documentation=DOCUMENTATION,
    )
    assert (decision.effective_from, decision.lapses_on) == (D(2026, 11, 1), D(2027, 5, 1))

    on_day(monkeypatch, D(2027, 4, 1))
    [stk5] = services.extension_monitor(kommune_id=kommune_aarhus.pk, day=D(2027, 4, 1))
    assert stk5.decision == decision and stk5.comparison_on == D(2026, 7, 1)
    assert stk5.comparison_window == (D(2026, 4, 1), D(2026, 7, 1))
    assert stk5.comparison_average_days == Decimal("50.0")
    assert stk5.recent.recent_average_days == Decimal("75.0")
    assert stk5.increase_percent == Decimal("50.0") and stk5.increase_qualifies

    page = english(client_for(kommune_officer)).get(reverse("eldercare:outsiders")).content.decode()
    row = page.split(f'id="stk5-{decision.pk}"')[1].split("</tr>")[0]
    assert "50.0" in row and "75.0" in row and "50.0 %" in row and "Yes" in row
    extension = services.decision_extend(
        actor=kommune_officer,
        reason="Forlængelse",
        decision=decision,
        decided_on=D(2027, 4, 1),
        documentation=DOCUMENTATION,
    )
    assert (
        extension.baseline_average_wait_days,
        extension.own_average_wait_days,
        extension.increase_percent,
    ) == (
        Decimal("50.0"),
        Decimal("75.0"),
        Decimal("50.0"),
    )


# --- Dates (R22.2, R22.3) --------------------------------------------------------------------


@pytest.mark.rule("R22.2", "R22.3")
@pytest.mark.parametrize(
    ("decided", "effective", "lapses"),
    [
        (D(2026, 7, 1), D(2026, 8, 1), D(2027, 2, 1)),
        (D(2026, 1, 31), D(2026, 2, 28), D(2026, 8, 28)),  # no 31 February: the month's last day
        (D(2027, 12, 31), D(2028, 1, 31), D(2028, 7, 31)),
    ],
)
def test_in_force_one_month_after_the_decision_for_six_months(decided, effective, lapses):
    period = rules.decision_period(decided)
    assert (period.effective_from, period.lapses_on) == (effective, lapses)


@pytest.fixture
def decision(kommune_officer, kommune_aarhus, aeldre, monkeypatch):
    on_day(monkeypatch, DECIDED)
    rising_waits(aeldre)
    return services.decision_make(
        actor=kommune_officer,
        reason="Byrådsbeslutning",
        kommune=kommune_aarhus,
        dwelling_kind="aeldreboliger",
        decided_on=DECIDED,
        documentation=DOCUMENTATION,
    )


@pytest.mark.rule("R22.1", "R22.2", "R22.3")
def test_the_decision_records_its_dates_and_documentation(decision):
    assert (decision.decided_on, decision.effective_from, decision.lapses_on) == (
        D(2026, 7, 1),
        D(2026, 8, 1),
        D(2027, 2, 1),
    )
    assert (
        decision.own_average_wait_days,
        decision.baseline_average_wait_days,
        decision.increase_percent,
    ) == (
        Decimal("90.0"),
        Decimal("60.0"),
        Decimal("50.0"),
    )
    assert not decision.in_force_on(D(2026, 7, 31))  # the month's notice
    assert decision.in_force_on(D(2026, 8, 1))
    assert decision.in_force_on(D(2027, 1, 31))
    assert not decision.in_force_on(D(2027, 2, 1))  # lapsed
    assert decision.history.get().history_change_reason == "Byrådsbeslutning"


@pytest.mark.rule("R22.1")
def test_a_second_decision_while_one_applies_is_refused(
    decision, kommune_officer, kommune_aarhus, monkeypatch
):
    on_day(monkeypatch, D(2026, 9, 1))
    with pytest.raises(ValidationError) as error:
        services.decision_make(
            actor=kommune_officer,
            reason="Ny beslutning",
            kommune=kommune_aarhus,
            dwelling_kind="aeldreboliger",
            decided_on=D(2026, 9, 1),
            documentation=DOCUMENTATION,
        )
    assert "decided_on" in error.value.message_dict


# --- The intake (R22.1, R23) -----------------------------------------------------------------


def _apply(officer, sl, home, day, **kwargs):
    return list_services.entry_join(
        actor=officer,
        reason="Ansøgning",
        specific_list=sl,
        person=resident_elsewhere(sl.kommune, home),
        joined_on=day,
        home_kommune=home,
        **kwargs,
    )


@pytest.mark.rule("R22.1", "R22.3")
def test_the_intake_refuses_outsiders_while_the_decision_is_in_force(
    decision, kommune_officer, aeldre, kommune_odense, kommune_aarhus, monkeypatch
):
    on_day(monkeypatch, D(2027, 3, 1))
    # The day before it takes effect: admitted.
    assert _apply(kommune_officer, aeldre, kommune_odense, D(2026, 7, 31)).lives_inside is False
    # On the day it takes effect and on its last day: refused.
    for day in (D(2026, 8, 1), D(2027, 1, 31)):
        with translation.override("en"), pytest.raises(ValidationError) as error:
            _apply(kommune_officer, aeldre, kommune_odense, day)
        assert "home_kommune" in error.value.message_dict
        assert "§ 22" in error.value.message_dict["home_kommune"][0]
    # The day it lapses: admitted again.
    assert _apply(kommune_officer, aeldre, kommune_odense, D(2027, 2, 1)).pk
    # Own citizens are never refused.
    own = list_services.entry_join(
        actor=kommune_officer,
        reason="Ansøgning",
        specific_list=aeldre,
        person=elder(kommune_aarhus),
        joined_on=D(2026, 9, 1),
        home_kommune=kommune_aarhus,
    )
    assert own.lives_inside is True
    # Only the kind the decision is for: an outsider may join the plejeboliger list.
    pleje = specific_list(facility(kommune_aarhus, kind="plejeboliger"))
    assert _apply(kommune_officer, pleje, kommune_odense, D(2026, 9, 1)).pk


@pytest.mark.rule("R23")
@pytest.mark.parametrize("ground", [g for g in OutsiderExemption.values if g])
def test_an_exempt_outsider_is_admitted(
    decision, kommune_officer, aeldre, kommune_odense, monkeypatch, ground
):
    on_day(monkeypatch, D(2026, 9, 2))
    e = _apply(
        kommune_officer,
        aeldre,
        kommune_odense,
        D(2026, 9, 1),
        outsider_exemption=ground,
        outsider_exemption_note="Datteren bor i Aarhus (Viby J).",
    )
    assert (e.status, e.outsider_exemption) == (SpecificEntryStatus.ACTIVE, ground)


@pytest.mark.rule("R23")
def test_an_exemption_needs_its_basis(decision, kommune_officer, aeldre, kommune_odense, monkeypatch):
    on_day(monkeypatch, D(2026, 9, 2))
    with pytest.raises(ValidationError) as error:
        _apply(kommune_officer, aeldre, kommune_odense, D(2026, 9, 1), outsider_exemption="close_relatives")
    assert "outsider_exemption_note" in error.value.message_dict


# --- Extension (R22.4–R22.7) -----------------------------------------------------------------


def _still_high(sl, waits=(95, 100)):
    for i, wait in enumerate(waits):
        housed(sl, on=D(2026, 11, 10) + i * DAY, waited=wait)


def _extend(officer, decision, day):
    return services.decision_extend(
        actor=officer, reason="Forlængelse", decision=decision, decided_on=day, documentation=DOCUMENTATION
    )


@pytest.mark.rule("R22.6")
def test_an_extension_32_days_before_expiry_is_too_early_30_days_is_in_time(
    decision, kommune_officer, aeldre, monkeypatch
):
    on_day(monkeypatch, D(2027, 1, 20))
    _still_high(aeldre)
    expiry = decision.lapses_on  # 1 February 2027; 1 month before: 1 January 2027
    assert rules.earliest_extension(expiry) == D(2027, 1, 1)
    with pytest.raises(ValidationError) as error:
        _extend(kommune_officer, decision, expiry - datetime.timedelta(days=32))  # 31 December
    assert error.value.error_dict["decided_on"][0].code == "extension_window"
    extension = _extend(kommune_officer, decision, expiry - datetime.timedelta(days=30))  # 2 January
    assert extension.extends == decision


@pytest.mark.rule("R22.4", "R22.7")
def test_an_extension_takes_effect_one_month_after_adoption_for_six_months(
    decision, kommune_officer, aeldre, monkeypatch
):
    on_day(monkeypatch, D(2027, 1, 20))
    _still_high(aeldre)
    extension = _extend(kommune_officer, decision, D(2027, 1, 2))
    assert (extension.effective_from, extension.lapses_on) == (D(2027, 2, 2), D(2027, 8, 2))
    # stk. 5: compared with the level 3 months before the original decision (60 days).
    assert (extension.baseline_average_wait_days, extension.own_average_wait_days) == (
        Decimal("60.0"),
        Decimal("97.5"),
    )
    assert services.decision_in_force(
        kommune_id=decision.kommune_id, dwelling_kind="aeldreboliger", day=D(2027, 5, 1)
    )
    assert (
        services.decision_in_force(
            kommune_id=decision.kommune_id, dwelling_kind="aeldreboliger", day=D(2027, 8, 2)
        )
        is None
    )
    with pytest.raises(ValidationError):  # one extension per decision; extend the extension instead
        _extend(kommune_officer, decision, D(2027, 1, 3))


@pytest.mark.rule("R22.5")
def test_no_extension_when_the_waiting_time_has_come_down(decision, kommune_officer, aeldre, monkeypatch):
    on_day(monkeypatch, D(2027, 1, 20))
    _still_high(aeldre, waits=(70, 80))  # 75 days: 25 % above the level before the decision
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _extend(kommune_officer, decision, D(2027, 1, 2))
    assert "stk. 5" in str(error.value)


@pytest.mark.rule("R22.6")
def test_a_lapsed_decision_cannot_be_extended(decision, kommune_officer, aeldre, monkeypatch):
    on_day(monkeypatch, D(2027, 3, 1))
    _still_high(aeldre)
    with pytest.raises(ValidationError):
        _extend(kommune_officer, decision, D(2027, 2, 1))


# --- Publication (R22.8) and the page --------------------------------------------------------


@pytest.mark.rule("R22.8")
def test_decisions_are_published_on_the_kommunes_public_page(decision, kommune_aarhus, client, monkeypatch):
    on_day(monkeypatch, D(2026, 9, 1))
    page = english(client).get(reverse("eldercare_public:kommune", args=[kommune_aarhus.code]))
    body = page.content.decode()
    assert page.status_code == 200
    table = body.split('id="public-decisions"')[1].split("</table>")[0]
    assert 'datetime="2026-07-01"' in table and 'datetime="2026-08-01"' in table
    assert 'datetime="2027-01-31"' in table
    assert 'datetime="2027-01-31">Yes, until' in body  # the list's R25.4 nr. 7 figure


@pytest.mark.rule("R22.1", "R22.2")
def test_the_officer_makes_a_decision_on_the_page(
    kommune_officer, kommune_aarhus, aeldre, client_for, monkeypatch
):
    on_day(monkeypatch, DECIDED)
    rising_waits(aeldre)
    client = english(client_for(kommune_officer))
    url = reverse("eldercare:outsiders")
    page = client.get(url)
    assert page.status_code == 200
    assert "Yes: the figure of § 22, stk. 2 is met; document the cause (Bilag 1)" in page.content.decode()
    data = {
        "kommune": kommune_aarhus.pk,
        "dwelling_kind": "aeldreboliger",
        "decided_on": "2026-07-01",
        "justification": JUSTIFICATION,
        "not_short_term": DOCUMENTATION.not_short_term,
        "not_demographic": "",
        "not_lenient_assessment": DOCUMENTATION.not_lenient_assessment,
        "change_reason": "Byrådsbeslutning",
    }
    response = client.post(url, data)
    assert response.status_code == 400 and 'id="id_not_demographic_error"' in response.content.decode()
    assert not RefuseOutsidersDecision.objects.exists()
    assert client.post(url, {**data, "not_demographic": DOCUMENTATION.not_demographic}).status_code == 302
    made = RefuseOutsidersDecision.objects.get()
    assert made.effective_from == D(2026, 8, 1)
    extend_page = client.get(reverse("eldercare:outsiders_extend", args=[made.pk]))
    assert extend_page.status_code == 200
