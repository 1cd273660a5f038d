"""Helpers for the elder-list replay tests: facilities with their specific lists, applicants with a
needs decision joined on past days, lettings offered, accepted and let through the eldercare
services, and the refuse-outsiders change (§ 22)."""

from __future__ import annotations

import datetime

from eldercare.models import Facility, FacilityDwelling, SpecificList
from eldercare.services import allocation as elder_services
from eldercare.services import specific_lists as list_services
from housing.models import OwnerKind
from tests.eldercare_support import decide, elder, saved

TODAY = datetime.date.today()
REASON = "Test"


def ago(days: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=days)


# --- Building the past --------------------------------------------------------------------------------


def facility(kommune, name: str, kind: str, dwellings) -> SpecificList:
    """A facility of ``kind`` holding the dwellings, and its specific list (R20.1)."""
    made = saved(
        Facility(
            kommune=kommune,
            name=name,
            kind=kind,
            owner_kind=OwnerKind.ORGANISATION,
            owner_name="Alfa Boligselskab",
            address_line=f"{name} 1",
            postal_code="8000",
            city="Aarhus C",
            dwelling_count=len(dwellings),
            size_and_layout="2 rum, 55 m²",
            resident_count=len(dwellings),
            permanent_staff_count=4,
            values_and_norms="Tryghed",
            daily_rhythm="Fast",
            dementia_effort="Særlig indsats",
            supervision="Kommunalt tilsyn",
        )
    )
    for dwelling in dwellings:
        saved(FacilityDwelling(facility=made, dwelling=dwelling))
    return saved(
        SpecificList(kommune=kommune, facility=made, name=name, refusal_consequences="Du bliver stående.")
    )


def applicant(
    officer,
    kommune,
    lists,
    *,
    need: int,
    joined: datetime.date,
    home=None,
    exemption: str = "",
    name: str = "",
):
    """A citizen with a plejebolig need (a specific dwelling chosen: no general list, R15.2) of total
    ``need`` who joined ``lists`` on ``joined``, from ``home`` (another kommune: an outsider, R21.1)."""
    person = elder(kommune, first_name=name or "Borger")
    if home is not None:
        type(person).objects.filter(pk=person.pk).update(kommune=home)
        person.refresh_from_db()
    base, extra = divmod(need, 4)
    scores = tuple(base + (1 if i < extra else 0) for i in range(4))
    decide(officer, kommune, person, scores=scores, choice="specific", decided_on=joined)
    for specific_list in lists:
        list_services.entry_join(
            actor=officer,
            reason=REASON,
            specific_list=specific_list,
            person=person,
            joined_on=joined,
            home_kommune=home,
            outsider_exemption=exemption,
            outsider_exemption_note="Datter bor i kommunen" if exemption else "",
        )
    return person


def let(officer, dwelling, day: datetime.date, *, choose: int = 1):
    """Open a vacancy, offer it on ``day`` to the no. ``choose`` of the live ranking (a choice other
    than the first is the kommune's concrete assessment, § 20, stk. 2), accept and sign the lease."""
    vacancy = elder_services.vacancy_open(
        actor=officer, reason=REASON, dwelling=dwelling, vacant_from=day, ready_on=day
    )
    ranking, _notes = elder_services.vacancy_ranking(vacancy)
    chosen = ranking.placed[choose - 1].candidate
    offer = elder_services.offer_make(
        actor=officer,
        reason="Størst behov" if choose == 1 else "Konkret vurdering: nær familie",
        vacancy=vacancy,
        candidate_key=chosen.key,
        answer_by=day + datetime.timedelta(days=7),
        day=day,
    )
    elder_services.offer_accept(actor=officer, reason=REASON, offer=offer, received_on=day)
    elder_services.lease_record(actor=officer, reason=REASON, offer=offer, signed_on=day, starts_on=day)
    return chosen.person_id


def refuse(kommune, *, valid_from: datetime.date | None, kind: str = "plejeboliger") -> dict:
    return {
        "kind": "refuse_outsiders",
        "action": "add",
        "kommune": kommune,
        "facility_kind": kind,
        "valid_from": valid_from,
    }
