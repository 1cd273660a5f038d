"""The specific lists' part of the elder-housing demo world (called from ``eldercare.demo``).

For Aarhus Kommune, acting as its demo officer (user ``kommune``): two facilities with their § 25
information — Plejecenter Møllehaven (plejeboliger) and Ældreboligerne Lindevang (ældreboliger, with a
fee for joining several lists) — linked to the kommune's demo elder dwellings, a specific list each, and
a dozen applicants through the real services: some waiting, some housed over the past year (so the public
page has waiting times and a chart), one from Odense, one on both lists (charged the fee). Idempotent:
nothing is added when Aarhus already has facilities.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone

from housing.audit import audited_save
from housing.models import Dwelling, DwellingKind, Kommune, OwnerKind, Person

from .models import Facility, FacilityDwelling, SpecificList
from .services import specific_lists

REASON = "Demodata"
AARHUS, ODENSE = "0751", "0461"

FACILITIES = [
    {
        "name": "Plejecenter Møllehaven",
        "kind": "plejeboliger",
        "owner_kind": OwnerKind.ORGANISATION,
        "owner_name": "Boligforeningen Kattegat",
        "address_line": "Møllevej 12",
        "postal_code": "8210",
        "city": "Aarhus V",
        "dwelling_count": 40,
        "dwellings_for_two": 8,
        "size_and_layout": (
            "1½ og 2 værelser, 38–62 m², med eget bad og tekøkken; alle boliger med lift i loftet."
        ),
        "shared_facilities": "Café, sansehave, træningssal og frisør.",
        "attached_help": "Døgnbemandet pleje, sygepleje, ergo- og fysioterapi.",
        "quality_results": "Tilsyn 2025: ingen anmærkninger. Pårørendeundersøgelse: 4,4 af 5.",
        "resident_count": 44,
        "permanent_staff_count": 38,
        "values_and_norms": "Beboerens vaner og ønsker er udgangspunktet; vi kalder det hjem, ikke afdeling.",
        "daily_rhythm": "Morgenmad når man vågner, middag kl. 12, eftermiddagskaffe, aftensmad kl. 17.30.",
        "dementia_effort": "Skærmet enhed med 10 boliger, demenskoordinator og faste medarbejdere.",
        "supervision": "Kommunalt tilsyn hvert år og Styrelsen for Patientsikkerhed (risikobaseret).",
    },
    {
        "name": "Ældreboligerne Lindevang",
        "kind": "aeldreboliger",
        "owner_kind": OwnerKind.ORGANISATION,
        "owner_name": "Boligforeningen Kattegat",
        "address_line": "Lindevang 1–24",
        "postal_code": "8200",
        "city": "Aarhus N",
        "dwelling_count": 24,
        "dwellings_for_two": 6,
        "size_and_layout": "2 værelser, 62–70 m², niveaufri, med altan eller terrasse.",
        "shared_facilities": "Fælleshus med spisestue og vaskeri.",
        "attached_help": "Hjemmepleje og madservice efter visitation; nødkald.",
        "quality_results": "Beboerundersøgelse 2025: 4,2 af 5.",
    },
]
LISTS = {
    "Plejecenter Møllehaven": {
        "fee_amount": None,
        "refusal_consequences": (
            "Siger du nej tak til en bolig, bliver du stående på ventelisten. Har du sagt nej tak to gange, "
            "vurderer kommunen dit behov igen."
        ),
    },
    "Ældreboligerne Lindevang": {
        "fee_amount": Decimal("150.00"),
        "refusal_consequences": "Siger du nej tak til en bolig, bliver du stående på ventelisten.",
    },
}
# (list, joined days ago, housed days ago or None, from Odense)
ENTRIES = [
    ("Plejecenter Møllehaven", 420, 300, False),
    ("Plejecenter Møllehaven", 380, 230, False),
    ("Plejecenter Møllehaven", 300, 160, True),
    ("Plejecenter Møllehaven", 250, 95, False),
    ("Plejecenter Møllehaven", 150, 40, False),
    ("Plejecenter Møllehaven", 120, None, False),
    ("Plejecenter Møllehaven", 60, None, True),
    ("Plejecenter Møllehaven", 20, None, False),
    ("Ældreboligerne Lindevang", 500, 200, False),
    ("Ældreboligerne Lindevang", 260, 70, False),
    ("Ældreboligerne Lindevang", 90, None, False),
    ("Ældreboligerne Lindevang", 45, None, False),
]


def seed(*, command) -> dict[str, int]:
    kommune = Kommune.objects.filter(code=AARHUS).first()
    odense = Kommune.objects.filter(code=ODENSE).first()
    officer = get_user_model().objects.filter(username="kommune").first()
    if kommune is None or officer is None or Facility.objects.filter(kommune=kommune).exists():
        return {}
    today = timezone.localdate()
    created = {"elder facilities": 0, "specific lists": 0, "specific list entries": 0}
    lists: dict[str, SpecificList] = {}
    for spec in FACILITIES:
        facility = audited_save(Facility(kommune=kommune, **spec), actor=officer, reason=REASON)
        created["elder facilities"] += 1
        kind = DwellingKind.PLEJEBOLIG if spec["kind"] == "plejeboliger" else DwellingKind.ELDER
        for dwelling in Dwelling.objects.filter(
            department__kommune=kommune, kind=kind, elder_facility_link__isnull=True
        ).order_by("pk")[:10]:
            audited_save(FacilityDwelling(facility=facility, dwelling=dwelling), actor=officer, reason=REASON)
        lists[spec["name"]] = audited_save(
            SpecificList(kommune=kommune, facility=facility, name=spec["name"], **LISTS[spec["name"]]),
            actor=officer,
            reason=REASON,
        )
        created["specific lists"] += 1
    # The kommune's demo citizens after the oldest (those have needs decisions in eldercare.demo).
    people = list(
        Person.objects.filter(controller=kommune.tenant).order_by("birth_date", "pk")[8 : 8 + len(ENTRIES)]
    )
    for person, (name, joined, housed, from_odense) in zip(people, ENTRIES, strict=False):
        entry = specific_lists.entry_join(
            actor=officer,
            reason=REASON,
            specific_list=lists[name],
            person=person,
            joined_on=today - datetime.timedelta(days=joined),
            home_kommune=odense if from_odense and odense else kommune,
        )
        created["specific list entries"] += 1
        if housed is not None:
            specific_lists.entry_mark_housed(
                actor=officer, reason=REASON, entry=entry, housed_on=today - datetime.timedelta(days=housed)
            )
    # One applicant also wants Lindevang: joining a second list costs the fee (R21.2).
    waiting = [p for p, (_n, _j, housed, _o) in zip(people, ENTRIES, strict=False) if housed is None]
    if waiting and waiting[0].specific_list_entries.count() == 1:
        specific_lists.entry_join(
            actor=officer,
            reason=REASON,
            specific_list=lists["Ældreboligerne Lindevang"],
            person=waiting[0],
            joined_on=today - datetime.timedelta(days=10),
            home_kommune=kommune,
        )
        created["specific list entries"] += 1
    return {what: n for what, n in created.items() if n}
