"""Which channel a vacant dwelling is let through (§ 1), as pure functions.

First the scope (``letting_scope``): whether the order covers the dwelling at all — the five kinds of
§ 1, stk. 1 (R1.1), not mixed leases (R1.2), single rooms marked as family dwellings or staff
dwellings (R1.3) — and whether it is an urban-renewal dwelling for elderly and disabled persons, to
which §§ 2–13, 15–18 and 26–40 do not apply (R1.9).

Then, in this order: rehousing (R1.5: §§ 2–11 and 26–30 do not apply), the urban-renewal dwelling
(R1.9: not let from the lists; the kommune nominates under § 14), a family dwelling reserved or
fitted for elderly and disabled persons (§ 5, stk. 1) when the kommune has decided that such
dwellings are let like elder dwellings (R5.5: the kommune nominates, R14.1), the kommune's share
under a kommunal-anvisning agreement (R1.4), letting by advertising (R1.6) and flexible letting by
agreed criteria (R1.7); otherwise the waiting lists (§§ 2–11). An udslusnings- or inklusionsbolig
agreement (R1.8) does not change the channel; the reason says that §§ 6–7 may be set aside in the
lease.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from housing.deadlines import add_calendar_months

# --- Scope (§ 1, stk. 1–3 and 9) --------------------------------------------------------------------

ORGANISATION, KOMMUNE, REGION, INSTITUTION, PRIVATE = (
    "organisation",
    "kommune",
    "region",
    "institution",
    "private",
)
ELDER_KINDS = frozenset({"elder", "plejebolig"})  # an almen plejebolig is an almen ældrebolig
URBAN_RENEWAL_ELDER = "urban_renewal_elder"


@dataclass(frozen=True)
class ScopeDecision:
    """Whether the order covers the dwelling's letting, under which rule, and why. ``clause`` names
    the number of § 1, stk. 1 the dwelling falls under ("" when not covered)."""

    covered: bool
    rule: str
    clause: str
    reason: str


def letting_scope(
    *, dwelling_kind: str, owner_kind: str = ORGANISATION, lease_scope: str = ""
) -> ScopeDecision:
    """§ 1, stk. 1 (R1.1): the order covers

    1) almene familie-, ungdoms- og ældreboliger owned by an almen boligorganisation;
    2) almene ældreboliger owned by a kommune, a region or a self-governing institution;
    3) ustøttede private plejeboliger;
    4) almene ungdomsboliger owned by a self-governing institution;
    5) urban-renewal dwellings specially fitted for elderly and disabled persons (any owner) —
       to which §§ 2–13, 15–18 and 26–40 do not apply (stk. 9, R1.9).

    and not mixed leases (stk. 2, R1.2; a garage with the dwelling is still a dwelling lease), nor
    single rooms marked as family dwellings or staff dwellings (stk. 3, R1.3). A plejehjem place
    (serviceloven § 192) is not a dwelling of § 1, stk. 1: the order reaches it only through the
    nursing-dwelling guarantee (§§ 15–18)."""
    if lease_scope == "mixed":
        return ScopeDecision(
            False,
            "R1.2",
            "",
            "R1.2: a mixed lease with non-residential premises is not covered by the letting rules.",
        )
    if lease_scope in ("single_room", "staff"):
        what = (
            "a single room marked as a family dwelling"
            if lease_scope == "single_room"
            else "a staff dwelling"
        )
        return ScopeDecision(False, "R1.3", "", f"R1.3: {what} is not covered by the letting rules.")
    if dwelling_kind == URBAN_RENEWAL_ELDER:
        return ScopeDecision(
            True,
            "R1.9",
            "§ 1, stk. 1, nr. 5",
            "R1.9: an urban-renewal dwelling fitted for elderly and disabled persons (§ 1, stk. 1, nr. 5); "
            "§§ 2–13, 15–18 and 26–40 do not apply.",
        )
    if owner_kind == ORGANISATION and dwelling_kind in ({"family", "youth"} | ELDER_KINDS):
        return ScopeDecision(
            True, "R1.1", "§ 1, stk. 1, nr. 1", "R1.1: an almen dwelling owned by a housing organisation."
        )
    if owner_kind in (KOMMUNE, REGION, INSTITUTION) and dwelling_kind in ELDER_KINDS:
        return ScopeDecision(
            True,
            "R1.1",
            "§ 1, stk. 1, nr. 2",
            "R1.1: an almen elder dwelling owned by a kommune, a region or a self-governing institution.",
        )
    if owner_kind == PRIVATE and dwelling_kind == "plejebolig":
        return ScopeDecision(True, "R1.1", "§ 1, stk. 1, nr. 3", "R1.1: an unsupported private plejebolig.")
    if owner_kind == INSTITUTION and dwelling_kind == "youth":
        return ScopeDecision(
            True,
            "R1.1",
            "§ 1, stk. 1, nr. 4",
            "R1.1: an almen youth dwelling owned by a self-governing institution.",
        )
    if dwelling_kind == "plejehjem":
        return ScopeDecision(
            False,
            "R1.1",
            "",
            "R1.1: a plejehjem place is not a dwelling covered by the letting rules; it counts only in the "
            "nursing-dwelling guarantee (§§ 15–18).",
        )
    return ScopeDecision(
        False,
        "R1.1",
        "",
        "R1.1: the letting rules do not cover this kind of dwelling with this owner (§ 1, stk. 1).",
    )


# --- Udslusnings- and inklusionsboliger (§ 1, stk. 8) ----------------------------------------------------

UDSLUSNING, INKLUSION = "udslusning", "inklusion"
UDSLUSNING_MAX_MONTHS = 24  # "inden for en periode på højst 2 år fra lejeforholdets begyndelse"


def set_aside_latest_end(starts_on: datetime.date) -> datetime.date:
    """The last day §§ 6–7 may be set aside in an udslusningsbolig's lease: 2 years from the start
    of the tenancy (a tenancy starting 1 March 2026 may set them aside until 1 March 2028)."""
    return add_calendar_months(starts_on, UDSLUSNING_MAX_MONTHS)


def set_aside_problem(*, kind: str, starts_on: datetime.date, set_aside_until: datetime.date | None) -> str:
    """Why the lease's statement of how long §§ 6–7 are set aside is not allowed ("" when it is).

    Udslusningsbolig (almenboligloven § 63): the lease must state it, within at most 2 years of the
    tenancy's start. Inklusionsbolig (§ 62 a): the order sets no period, but a period stated must not
    end before the tenancy starts."""
    if set_aside_until is None:
        return "missing" if kind == UDSLUSNING else ""
    if set_aside_until < starts_on:
        return "before_start"
    if kind == UDSLUSNING and set_aside_until > set_aside_latest_end(starts_on):
        return "too_long"
    return ""


# --- The channel -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelFacts:
    dwelling_kind: str
    lease_scope: str = ""  # "" | "mixed" | "single_room" | "staff"
    owner_kind: str = ORGANISATION
    rehousing: bool = False
    kommune_share_due: bool = False  # this vacancy is the kommune's n-th under a share agreement
    kommune_share_nth: int | None = None
    advertising_agreement: bool = False
    flexible_agreement: bool = False
    # § 5, stk. 1: the family dwelling was reserved (klausuleret) or fitted for elderly and disabled
    # persons; and the kommune's decision under § 5, stk. 5 (R5.5) is in force.
    fitted_elderly_disabled: bool = False
    priority_dwellings_let_as_elder: bool = False
    # § 1, stk. 8 (R1.8): an approved udslusnings- or inklusionsbolig agreement covers the dwelling.
    set_aside_kind: str = ""  # "" | "udslusning" | "inklusion"
    set_aside_approved_by: str = ""


@dataclass(frozen=True)
class ChannelChoice:
    channel: str
    rule: str
    reason: str


def _set_aside_note(facts: ChannelFacts) -> str:
    if facts.set_aside_kind == UDSLUSNING:
        by = facts.set_aside_approved_by or "the nominating authority"
        return (
            f" R1.8: an udslusningsbolig under an agreement approved by {by}: §§ 6–7 may be set aside "
            "in the lease, which states for how long (at most 2 years from its start)."
        )
    if facts.set_aside_kind == INKLUSION:
        by = facts.set_aside_approved_by or "the kommune"
        return f" R1.8: an inklusionsbolig under an agreement approved by {by}: §§ 6–7 may be set aside."
    return ""


def choose_channel(facts: ChannelFacts) -> ChannelChoice:
    choice = _choose(facts)
    note = _set_aside_note(facts) if choice.channel != "out_of_scope" else ""
    return ChannelChoice(choice.channel, choice.rule, choice.reason + note) if note else choice


def _choose(facts: ChannelFacts) -> ChannelChoice:
    scope = letting_scope(
        dwelling_kind=facts.dwelling_kind, owner_kind=facts.owner_kind, lease_scope=facts.lease_scope
    )
    if not scope.covered:
        return ChannelChoice("out_of_scope", scope.rule, scope.reason)
    if facts.rehousing:
        return ChannelChoice("rehousing", "R1.5", "R1.5: used for rehousing; §§ 2–11 and 26–30 do not apply.")
    if scope.rule == "R1.9":
        # § 1, stk. 9 leaves § 14 in force: the kommune nominates (almenboligloven §§ 54–58).
        return ChannelChoice(
            "kommunal_anvisning",
            "R1.9",
            f"{scope.reason} Not let from the waiting lists: the kommune nominates the tenant (§ 14).",
        )
    if (
        facts.dwelling_kind == "family"
        and facts.fitted_elderly_disabled
        and facts.priority_dwellings_let_as_elder
    ):
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
