"""The elder-housing part of the demo world (found by ``manage.py seed_demo``).

For Aarhus Kommune, acting as its demo officer (user ``kommune``): needs decisions for the
kommune's oldest demo citizens through the real services — most on the general list with deadlines
spread so the guarantee dashboard shows one overdue, one due soon and some with time left, one after
a refusal, one who chose a specific dwelling (R15.2) and one needing an elder dwelling — and a vacant
plejebolig with its ranked candidates. Idempotent: nothing is added when the kommune already has
needs decisions.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from housing.models import Dwelling, DwellingKind, Kommune, Person

from .demo_lists import seed as seed_lists  # the specific lists and the § 25 information
from .models import NeedDecision
from .services import allocation, guarantee, needs

REASON = "Demodata"
AARHUS = "0751"

# (kind, days before today, scores, choice) for the kommune's oldest demo citizens.
PLANS = [
    ("nursing", 72, (3, 4, 3, 2), "general"),
    ("nursing", 52, (2, 4, 2, 1), "general"),
    ("nursing", 30, (2, 3, 4, 2), "general"),
    ("nursing", 12, (4, 4, 4, 3), "general"),
    ("nursing", 3, (1, 3, 2, 1), "general"),
    ("nursing", 40, (2, 2, 3, 2), "general"),
    ("nursing", 8, (2, 3, 2, 2), "specific"),
    ("elder_dwelling", 20, (1, 2, 1, 1), ""),
]
REFUSED = 5  # the sixth elder refused an offer 6 days ago (R17)


def _partner(person) -> needs.Household:
    """R19.3: the citizen's spouse, partner or cohabitant in the demo household moves along."""
    membership = getattr(person, "household_membership", None)
    if membership is None:
        return needs.Household()
    for member in membership.household.members.select_related("person"):
        if member.relation in ("spouse", "partner", "cohabitant") and member.person_id != person.pk:
            return needs.Household(relation=member.relation, name=member.person.full_name)
    return needs.Household()


def seed(*, command) -> dict[str, int]:
    kommune = Kommune.objects.filter(code=AARHUS).first()
    officer = get_user_model().objects.filter(username="kommune").first()

    lists_created = seed_lists(command=command)
    if kommune is None or officer is None or NeedDecision.objects.filter(kommune=kommune).exists():
        return lists_created
    today = timezone.localdate()
    created = {"needs decisions": 0, "elder vacancies": 0}
    entries = []
    elders = list(
        Person.objects.filter(controller=kommune.tenant, birth_date__lte=datetime.date(1950, 1, 1))
        .select_related("household_membership__household")
        .order_by("birth_date", "pk")[: len(PLANS)]
    )
    for person, (kind, days, scores, choice) in zip(elders, PLANS, strict=False):
        decision = needs.need_decision_record(
            actor=officer,
            reason=REASON,
            kommune=kommune,
            person=person,
            kind=kind,
            decided_on=today - datetime.timedelta(days=days),
            assessment=needs.Assessment(
                social=scores[0],
                physical=scores[1],
                mental=scores[2],
                economic=scores[3],
                notes="Visiteret efter hjemmebesøg og samtale med pårørende.",
            ),
            household=_partner(person),
            guarantee_choice=choice,
            chosen_dwelling="Plejecenter Møllehaven" if choice == "specific" else "",
        )
        created["needs decisions"] += 1
        entries.append(getattr(decision, "guarantee_entry", None) if choice == "general" else None)
    if len(entries) > REFUSED and entries[REFUSED] is not None:
        guarantee.guarantee_refusal_received(
            actor=officer,
            reason=REASON,
            entry=entries[REFUSED],
            received_on=today - datetime.timedelta(days=6),
        )
    dwelling = (
        Dwelling.objects.filter(department__kommune=kommune, kind=DwellingKind.PLEJEBOLIG)
        .exclude(elder_vacancies__state="open")
        .order_by("fitted_far_reaching_disability", "-suitable_for_two", "pk")
        .first()
    )
    if dwelling is not None:
        try:
            allocation.vacancy_open(
                actor=officer,
                reason=REASON,
                dwelling=dwelling,
                vacant_from=today,
                ready_on=today + datetime.timedelta(days=10),
            )
            created["elder vacancies"] += 1
        except ValidationError as exc:
            command.stderr.write(f"No demo elder vacancy: {exc}")
    return {**lists_created, **{what: n for what, n in created.items() if n}}
