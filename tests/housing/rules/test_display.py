"""``housing.display``: stored codes and English sentences shown in the user's language, counters
with plurals, shares as percentages, and history diffs with field names and dates for a person."""

from __future__ import annotations

import datetime

import pytest
from django.utils import translation

from allocation.models import Lease, Vacancy
from allocation.rules.channels import ChannelFacts, choose_channel
from housing import display
from housing.audit import _display


@pytest.fixture(autouse=True)
def _danish():
    with translation.override("da"):
        yield


def test_a_channel_reason_of_several_sentences_is_translated_sentence_by_sentence():
    stored = "Let from the waiting lists (§§ 2–11). Family vacancy no. 3: the internal list's turn (§ 7)."
    assert display.stored_text(stored) == (
        "Udlejes fra ventelisterne (§§ 2–11). Ledig familiebolig nr. 3: oprykningsventelistens tur (§ 7)."
    )


@pytest.mark.parametrize(
    "facts",
    [
        ChannelFacts(dwelling_kind="family"),
        ChannelFacts(dwelling_kind="family", rehousing=True),
        ChannelFacts(dwelling_kind="family", kommune_share_due=True, kommune_share_nth=4),
        ChannelFacts(dwelling_kind="youth", advertising_agreement=True),
        ChannelFacts(dwelling_kind="youth", flexible_agreement=True),
        ChannelFacts(dwelling_kind="urban_renewal_elder", owner_kind="private"),
        ChannelFacts(
            dwelling_kind="family", fitted_elderly_disabled=True, priority_dwellings_let_as_elder=True
        ),
        ChannelFacts(dwelling_kind="family", set_aside_kind="udslusning"),
        ChannelFacts(
            dwelling_kind="family", set_aside_kind="inklusion", set_aside_approved_by="Aarhus Kommune"
        ),
        ChannelFacts(dwelling_kind="family", lease_scope="mixed"),
        ChannelFacts(dwelling_kind="family", lease_scope="staff"),
        ChannelFacts(dwelling_kind="plejehjem"),
    ],
)
def test_every_channel_reason_the_rules_write_comes_out_in_danish(facts):
    """R1.1–R1.9, R2.1, R5.5: whatever § 1 decides, the stored reason reads in Danish."""
    reason = choose_channel(facts).reason
    shown = display.stored_text(reason)
    assert shown != reason
    for english in ("the letting rules", "waiting lists", "agreement", "apply", "kommune nominates"):
        assert english not in shown, (reason, shown)


def test_facts_inside_a_sentence_are_kept_and_known_phrases_translated():
    shown = display.stored_text(
        "R1.8: an inklusionsbolig under an agreement approved by the kommune: §§ 6–7 may be set aside."
    )
    assert shown == "R1.8: en inklusionsbolig efter en aftale godkendt af kommunen: §§ 6–7 kan fraviges."
    assert "Aarhus Kommune" in display.stored_text(
        "R1.8: an inklusionsbolig under an agreement approved by Aarhus Kommune: §§ 6–7 may be set aside."
    )


def test_text_a_person_wrote_is_shown_as_it_is():
    assert display.stored_text("Lejer ønsker at flytte hurtigt.") == "Lejer ønsker at flytte hurtigt."
    assert display.stored_text("") == ""
    assert display.stored_text(None) == ""


def test_a_lease_basis_names_its_ranking_explanation_in_danish():
    shown = display.stored_text("Offer round 2, rank 1: R2.1 — seniority 2020-03-01")
    assert shown == "Tilbudsrunde 2, placering 1: R2.1 — anciennitet 01.03.2020"


def test_codes_and_counters():
    assert display.code_label("passive") == "Passiv (i bero)"
    assert display.code_label("R8.3") == "R8.3"
    assert display.counter_text("sent", 1) == "1 sendt"
    assert display.counter_text("failed", 0) == "0 fejlede"
    assert display.counter_text("failed", 1) == "1 fejlet"
    assert display.counter_text("batches", 2) == "2 udskrifter"
    assert display.counter_text("unknown_key", 3) == "unknown_key: 3"


def test_a_share_is_a_percentage():
    assert display.percent(0.219) == "21,9\u00a0%"
    assert display.percent(None) == ""


def test_history_names_fields_and_shows_values_for_a_person():
    signed_by = Lease._meta.get_field("signed_by")
    assert display.field_label(signed_by) == "Underskrevet af"
    assert display.field_label(Lease._meta.get_field("controller")) == "Dataansvarlig"
    assert display.field_label(Vacancy._meta.get_field("channel_reason")) == "Begrundelse for kanal"
    starts = Lease._meta.get_field("starts_on")
    assert _display(Lease, starts, datetime.date(2026, 3, 1), {}) == "1. marts 2026"
    stage = Vacancy._meta.get_field("stage")
    assert _display(Vacancy, stage, "awaiting_kommune", {}) != "awaiting_kommune"
    reason = Vacancy._meta.get_field("channel_reason")
    assert _display(Vacancy, reason, "Let from the waiting lists (§§ 2–11).", {}) == (
        "Udlejes fra ventelisterne (§§ 2–11)."
    )
