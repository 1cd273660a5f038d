"""Helpers for the specific-list tests: facilities, lists and entries with given dates."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from eldercare.models import Facility, SpecificEntryStatus, SpecificList, SpecificListEntry
from housing.models import Kommune, OwnerKind
from tests.eldercare_support import elder, saved
from tests.factories import PersonFactory

NURSING_FACTS = {
    "resident_count": 40,
    "permanent_staff_count": 32,
    "values_and_norms": "Respekt for den enkeltes vaner.",
    "daily_rhythm": "Morgenmad 7–10, middag 12, kaffe 15, aftensmad 18.",
    "dementia_effort": "Skærmet enhed med 10 boliger og demenskoordinator.",
    "supervision": "Kommunalt og Styrelsen for Patientsikkerhed, anmeldt og uanmeldt.",
}


def facility(kommune: Kommune, *, kind: str = "aeldreboliger", name: str | None = None, **kwargs) -> Facility:
    values = {
        "kommune": kommune,
        "name": name or f"{kind.capitalize()} {kommune.name} {Facility.objects.count() + 1}",
        "kind": kind,
        "owner_kind": OwnerKind.ORGANISATION,
        "owner_name": "Boligforeningen Ældrebo",
        "address_line": "Lindevej 4",
        "postal_code": "8000",
        "city": kommune.name,
        "dwelling_count": 20,
        "dwellings_for_two": 4,
        "size_and_layout": "2 værelser, 60 m², eget bad og køkken.",
        "shared_facilities": "Fælleshus med spisestue.",
        "attached_help": "Hjemmepleje efter visitation.",
        "quality_results": "Tilfredshedsundersøgelse 2025: 4,3 af 5.",
    }
    if kind in ("plejeboliger", "plejehjem"):
        values.update(NURSING_FACTS)
    values.update(kwargs)
    f = Facility(**values)
    f.full_clean()
    return saved(f)


def specific_list(fac: Facility, *, fee: Decimal | None = None, **kwargs) -> SpecificList:
    sl = SpecificList(
        kommune=fac.kommune,
        facility=fac,
        name=kwargs.pop("name", f"Venteliste {fac.name}"),
        fee_amount=fee,
        refusal_consequences=kwargs.pop(
            "refusal_consequences", "Du bliver stående på ventelisten; efter to afslag revurderes dit behov."
        ),
        **kwargs,
    )
    sl.full_clean()
    return saved(sl)


def entry(
    sl: SpecificList,
    *,
    joined_on: datetime.date,
    housed_on: datetime.date | None = None,
    inside: bool = True,
    home: Kommune | None = None,
    person=None,
    status: str | None = None,
) -> SpecificListEntry:
    """An entry with the given dates, saved as the admin would (for figures fixtures)."""
    if home is None:
        home = sl.kommune if inside else Kommune.objects.exclude(pk=sl.kommune_id).order_by("code").first()
    person = person or elder(sl.kommune)
    if status is None:
        status = SpecificEntryStatus.HOUSED if housed_on else SpecificEntryStatus.ACTIVE
    left_on = housed_on if housed_on else (None if status == SpecificEntryStatus.ACTIVE else joined_on)
    e = SpecificListEntry(
        specific_list=sl,
        person=person,
        joined_on=joined_on,
        housed_on=housed_on,
        left_on=left_on,
        status=status,
        lives_inside=home.pk == sl.kommune_id,
        home_kommune=home,
    )
    return saved(e)


def resident_elsewhere(kommune: Kommune, home: Kommune, **kwargs):
    """A citizen in ``kommune``'s register (the destination) who lives in ``home``."""
    kwargs.setdefault("born", datetime.date(1940, 3, 3))
    return PersonFactory(controller=kommune.tenant, kommune=home, **kwargs)


def on_day(monkeypatch, day: datetime.date) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)


def english(client):
    """The pages in English (the language switch's cookie), whatever the Danish catalogue says."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
