"""Helpers for the elder-housing tests: elders of a kommune, needs decisions, elder dwellings,
facilities with a specific list. Rows are saved through the services where a service exists."""

from __future__ import annotations

import datetime
from decimal import Decimal

from eldercare.services import needs as need_services
from housing.audit import system_user
from housing.models import DwellingKind, Kommune, OwnerKind
from tests.factories import TEST_REASON, DepartmentFactory, DwellingFactory, PersonFactory


def elder(kommune: Kommune, **kwargs):
    """A citizen registered with the kommune (its tenant is the data controller)."""
    kwargs.setdefault("born", datetime.date(1938, 4, 2))
    return PersonFactory(controller=kommune.tenant, kommune=kommune, **kwargs)


def decide(
    officer,
    kommune: Kommune,
    person,
    *,
    kind: str = "nursing",
    decided_on: datetime.date | None = None,
    scores: tuple[int, int, int, int] = (2, 2, 2, 2),
    choice: str | None = None,
    partner: tuple[str, str] | None = None,
    far_reaching: bool = False,
    chosen_dwelling: str = "",
):
    if choice is None:
        choice = "general" if kind == "nursing" else ""
    social, physical, mental, economic = scores
    return need_services.need_decision_record(
        actor=officer,
        reason="Visitation",
        kommune=kommune,
        person=person,
        kind=kind,
        decided_on=decided_on or datetime.date.today(),
        assessment=need_services.Assessment(
            social=social,
            physical=physical,
            mental=mental,
            economic=economic,
            notes="Falder ofte; demens i let grad.",
            far_reaching_disability=far_reaching,
        ),
        household=need_services.Household(relation=partner[0], name=partner[1])
        if partner
        else need_services.Household(),
        guarantee_choice=choice,
        chosen_dwelling=chosen_dwelling,
    )


def elder_dwelling(kommune: Kommune, *, department=None, **kwargs):
    defaults = {
        "kind": DwellingKind.PLEJEBOLIG,
        "rooms": 2,
        "gross_floor_area": Decimal("55.0"),
        "monthly_rent": Decimal("5200.00"),
        "owner_kind": OwnerKind.ORGANISATION,
    }
    defaults.update(kwargs)
    if department is None:
        department = DepartmentFactory(kommune=kommune)
    return DwellingFactory(department=department, **defaults)


def saved(instance):
    """Save a configuration row (facility, list) the way the admin would: with user and reason."""
    instance._history_user = system_user()
    instance._change_reason = TEST_REASON
    instance.save()
    return instance


def facility_with_list(kommune: Kommune, dwellings, *, kind: str = "plejeboliger"):
    """A facility holding ``dwellings`` and its specific list (R20.1)."""
    from eldercare.models import Facility, FacilityDwelling, SpecificList

    facility = saved(
        Facility(
            kommune=kommune,
            name="Plejecenter Solbakken",
            kind=kind,
            owner_kind=OwnerKind.ORGANISATION,
            owner_name="Alfa Boligselskab",
            address_line="Solbakken 1",
            postal_code="8000",
            city="Aarhus C",
            dwelling_count=len(dwellings),
            size_and_layout="2 rum, 55 m²",
        )
    )
    for dwelling in dwellings:
        saved(FacilityDwelling(facility=facility, dwelling=dwelling))
    specific = saved(
        SpecificList(
            kommune=kommune, facility=facility, name="Solbakken", refusal_consequences="Du bliver stående."
        )
    )
    return facility, specific


def join_specific(specific_list, person, *, joined_on: datetime.date):
    from eldercare.models import SpecificListEntry

    return saved(
        SpecificListEntry(
            specific_list=specific_list,
            person=person,
            joined_on=joined_on,
            lives_inside=True,
            home_kommune=specific_list.kommune,
        )
    )
