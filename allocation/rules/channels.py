"""Which channel a vacant dwelling is let through (§ 1), as a pure function.

In this order: leases outside the rules (R1.2 mixed leases; R1.3 single rooms marked as family
dwellings and staff dwellings), rehousing (R1.5: §§ 2–11 and 26–30 do not apply), a family dwelling
reserved or fitted for elderly and disabled persons (§ 5, stk. 1) when the kommune has decided that
such dwellings are let like elder dwellings (R5.5: the kommune nominates, R14.1), the kommune's
share under a kommunal-anvisning agreement (R1.4), letting by advertising (R1.6) and flexible
letting by agreed criteria (R1.7); otherwise the waiting lists (§§ 2–11).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChannelFacts:
    dwelling_kind: str
    lease_scope: str = ""  # "" | "mixed" | "single_room" | "staff"
    rehousing: bool = False
    kommune_share_due: bool = False  # this vacancy is the kommune's n-th under a share agreement
    kommune_share_nth: int | None = None
    advertising_agreement: bool = False
    flexible_agreement: bool = False
    # § 5, stk. 1: the family dwelling was reserved (klausuleret) or fitted for elderly and disabled
    # persons; and the kommune's decision under § 5, stk. 5 (R5.5) is in force.
    fitted_elderly_disabled: bool = False
    r5_5_let_as_elder: bool = False


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    rule: str
    reason: str


def choose_channel(facts: ChannelFacts) -> ChannelChoice:
    if facts.lease_scope == "mixed":
        return ChannelChoice(
            "out_of_scope",
            "R1.2",
            "R1.2: a mixed lease with non-residential premises is not covered by the letting rules.",
        )
    if facts.lease_scope in ("single_room", "staff"):
        what = (
            "a single room marked as a family dwelling"
            if facts.lease_scope == "single_room"
            else "a staff dwelling"
        )
        return ChannelChoice("out_of_scope", "R1.3", f"R1.3: {what} is not covered by the letting rules.")
    if facts.rehousing:
        return ChannelChoice("rehousing", "R1.5", "R1.5: used for rehousing; §§ 2–11 and 26–30 do not apply.")
    if facts.dwelling_kind == "family" and facts.fitted_elderly_disabled and facts.r5_5_let_as_elder:
        # § 5, stk. 5 names the dwellings of stk. 1 — whether or not the kommune has also decided
        # on the R5.1 priority — and lets them "like elder dwellings": the kommune nominates (§ 14,
        # stk. 1; almenboligloven §§ 54–58). Before the share count, so it does not use a share turn.
        return ChannelChoice(
            "kommunal_anvisning",
            "R5.5",
            "R5.5: the kommune has decided that dwellings reserved or fitted for elderly and disabled "
            "persons (R5.1) are let like elder dwellings; the kommune nominates the tenant (R14.1).",
        )
    if facts.dwelling_kind == "family" and facts.kommune_share_due:
        return ChannelChoice(
            "kommunal_anvisning",
            "R1.4",
            f"R1.4: under the agreement every {facts.kommune_share_nth}. vacant family dwelling goes to "
            "the kommune, and this is one; §§ 2–11 and 26–30 do not bind the kommune.",
        )
    if facts.dwelling_kind in ("family", "youth") and facts.advertising_agreement:
        return ChannelChoice(
            "advertising",
            "R1.6",
            "R1.6: let by advertising under the agreement with the kommune; §§ 2–11 do not apply (see § 38).",
        )
    if facts.dwelling_kind in ("family", "youth") and facts.flexible_agreement:
        return ChannelChoice(
            "flexible", "R1.7", "R1.7: let by the criteria agreed with the kommune (fleksibel udlejning)."
        )
    return ChannelChoice("list", "R2.1", "Let from the waiting lists (§§ 2–11).")
