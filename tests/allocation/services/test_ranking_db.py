"""The ranking read from the database (``allocation.services.ranking``) against the pure function.

Every test builds a world with factories, reads every candidate with plain, slow ORM code written
here (``reference_candidates``: no shared SQL with the service), ranks them all with the pure
``rank`` and demands the service's top ``limit``, its passed-over candidates and its counts be the
same — for small limits too, which is what proves the slices' cut exact.
"""

from __future__ import annotations

import datetime
import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from allocation.models import (
    AgreementKind,
    GuaranteeState,
    HousingGuarantee,
    KommuneLettingDecision,
    Lease,
    LettingAgreement,
    LettingChannel,
    OrganisationLettingPolicy,
    PriorityNeed,
    SeparationPriority,
    Vacancy,
    YouthLettingGuideline,
    YouthPriorityGroup,
)
from allocation.rules.ranking import Candidate, CurrentDwelling, rank
from allocation.services import ranking as service
from allocation.services.candidates import queue_key
from housing.audit import audited_save, system_user
from housing.models import AccessKind, HouseholdRelation, PersonalDataAccess
from tests.factories import (
    DepartmentFactory,
    DwellingFactory,
    HouseholdFactory,
    HouseholdMemberFactory,
    HousingOrganisationFactory,
    PersonFactory,
    SharedListAssociationFactory,
    aarhus,
    odense,
)
from tests.factories_waitinglists import EntryFactory, WaitingListFactory
from waitinglists.models import ChargeKind, ChargeState, Entry, EntryStatus, FeeCharge, ListKind, WaitingList

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 21)
REASON = "Testdata"


def save(instance):
    return audited_save(instance, actor=system_user(), reason=REASON, validate=False)


# --- The reference: every candidate, read the slow and obvious way ---------------------------------


def reference_candidates(vacancy: Vacancy, day: datetime.date, kinds: tuple[str, ...]) -> list[Candidate]:
    """Every not-deleted entry on the organisation's lists of ``kinds`` that wants the department
    (or wished for no department), with its facts read row by row."""
    dwelling = vacancy.dwelling
    department = dwelling.department
    organisation = vacancy.organisation
    lists = [
        wl
        for wl in WaitingList.objects.all()
        if wl.kind in kinds
        and (
            wl.organisation_id == organisation.pk
            or (
                wl.organisation_id is None
                and wl.kind != ListKind.INTERNAL
                and wl.controller_id
                in {organisation.list_tenant_id}
                | ({organisation.tenant_id} if wl.kind == ListKind.YOUTH else set())
            )
        )
    ]
    out = []
    for wl in lists:
        for entry in Entry.objects.filter(waiting_list=wl).exclude(status=EntryStatus.DELETED):
            wishes = frozenset(entry.departments.values_list("pk", flat=True))
            if wishes and department.pk not in wishes:
                continue
            person = entry.person
            members = list(entry.household.members.all()) if entry.household_id else []
            need = PriorityNeed.objects.filter(person=person).first()
            guarantees = [
                g
                for g in HousingGuarantee.objects.filter(person=person)
                if g.department_id == department.pk and g.state == GuaranteeState.VALID
            ]
            guarantee = max(guarantees, key=lambda g: g.valid_until, default=None)
            separations = [
                s
                for s in SeparationPriority.objects.filter(person=person)
                if s.organisation_id == organisation.pk and s.kommune_id == department.kommune_id
            ]
            separation = max(separations, key=lambda s: s.valid_until, default=None)
            gives_up = None
            if wl.kind == ListKind.INTERNAL:
                current = [
                    lease
                    for lease in Lease.objects.filter(person=person)
                    if lease.dwelling.department.organisation_id == organisation.pk
                    and (lease.ends_on is None or lease.ends_on >= day)
                ]
                if current:
                    lease = max(current, key=lambda lease: (lease.starts_on, lease.pk))
                    gives_up = CurrentDwelling(
                        department_id=lease.dwelling.department_id,
                        organisation_id=lease.dwelling.department.organisation_id,
                        kind=lease.dwelling.kind,
                        gross_floor_area=float(lease.dwelling.gross_floor_area),
                        moved_in=lease.starts_on,
                        fitted_elderly_disabled=lease.dwelling.fitted_elderly_disabled,
                        fitted_mobility_impaired=lease.dwelling.fitted_mobility_impaired,
                        fitted_large_household_mobility=lease.dwelling.fitted_large_household_mobility,
                        sections_6_7_set_aside_until=lease.sections_6_7_set_aside_until,
                    )
            arrears = any(
                c.state in (ChargeState.OPEN, ChargeState.REMINDED) and c.due_date < day
                for c in entry.charges.all()
            )
            out.append(
                Candidate(
                    entry_id=entry.pk,
                    applicant_number=person.applicant_number,
                    list_kind=wl.kind,
                    seniority_date=entry.seniority_date,
                    status=entry.status,
                    fee_arrears=arrears,
                    listed_before_seniority_scheme=entry.listed_before_seniority_scheme,
                    rehoused_outside=entry.rehoused_outside,
                    departments=wishes,
                    dwelling_kinds=frozenset(entry.dwelling_kinds),
                    rooms_min=entry.rooms_min,
                    rooms_max=entry.rooms_max,
                    max_rent=float(entry.max_rent) if entry.max_rent is not None else None,
                    floor_max=entry.floor_max,
                    needs_elevator=entry.needs_elevator,
                    household_size=max(1, len(members)),
                    has_children=any(
                        m.relation == HouseholdRelation.CHILD and m.is_child_on(day) for m in members
                    ),
                    elderly_or_disabled=bool(need and need.elderly_or_disabled),
                    mobility_impaired=bool(need and need.mobility_impaired),
                    household_member_mobility_impaired=bool(need and need.household_member_mobility_impaired),
                    gives_up=gives_up,
                    separation_priority_until=separation.valid_until if separation else None,
                    separation_kommune_id=separation.kommune_id if separation else None,
                    guarantee_department_id=guarantee.department_id if guarantee else None,
                    guarantee_valid_until=guarantee.valid_until if guarantee else None,
                    birth_date=person.birth_date,
                    in_education=bool(entry.education_institution)
                    and (entry.education_expected_end is None or entry.education_expected_end >= day),
                    special_need=bool(entry.special_need),
                    needs_support=entry.needs_support,
                    education_level=entry.education_level,
                    annual_income=entry.annual_income,
                    social_need=bool(entry.social_need),
                )
            )
    return out


def every_candidate(vacancy, day=TODAY) -> list[Candidate]:
    rules = service.letting_rules_for(vacancy, day)
    dwelling = vacancy.dwelling
    if dwelling.kind == "youth":
        kinds = (ListKind.YOUTH,)
    elif rules.internal_turn or dwelling.fitted_mobility_impaired or dwelling.fitted_large_household_mobility:
        # A dwelling fitted for mobility: the internal list's holders of the need count on the
        # general turn too (§ 10, stk. 3–4).
        kinds = (ListKind.GENERAL, ListKind.INTERNAL)
    else:
        kinds = (ListKind.GENERAL,)
    return reference_candidates(vacancy, day, kinds)


def expected(vacancy, *, day=TODAY, limit=50, skip=(), excluded_limit=100, everyone=None):
    """What the service must return: the pure ranking of every candidate, cut as documented."""
    rules = service.letting_rules_for(vacancy, day)
    facts = service.dwelling_facts(vacancy)
    everyone = every_candidate(vacancy, day) if everyone is None else everyone
    everyone = [c for c in everyone if c.entry_id not in set(skip)]
    full = rank(facts, everyone, rules)
    placed = full.placed[:limit]

    def last(kind):
        keys = [queue_key(p.candidate) for p in placed if p.candidate.list_kind == kind]
        return keys[-1] if keys else None

    if full.turn in ("youth", "internal"):
        bounds = {full.turn: last(full.turn)}
    elif rules.internal_turn:
        bounds = {"internal": None, "general": last("general")}
    else:
        bounds = {"general": last("general")}
    shown, total = [], 0
    for kind in ("internal", "general", "youth"):
        if kind in bounds:
            ahead = sorted(
                (
                    x
                    for x in full.excluded
                    if x.candidate.list_kind == kind
                    and (bounds[kind] is None or queue_key(x.candidate) < bounds[kind])
                ),
                key=lambda x: queue_key(x.candidate),
            )
            total += len(ahead)
            shown += ahead[:excluded_limit]
    return full, placed, shown, total


def assert_same(vacancy, *, day=TODAY, limit=50, skip=(), excluded_limit=100, everyone=None):
    full, placed, shown, total = expected(
        vacancy, day=day, limit=limit, skip=skip, excluded_limit=excluded_limit, everyone=everyone
    )
    result = service.vacancy_ranking(
        vacancy, day=day, limit=limit, skip_entry_ids=skip, excluded_limit=excluded_limit
    )
    got = result.ranking
    assert [(p.rank, p.rule, p.explanation, p.candidate) for p in got.placed] == [
        (p.rank, p.rule, p.explanation, p.candidate) for p in placed
    ]
    assert (got.turn, got.fallback, got.notes) == (full.turn, full.fallback, full.notes)
    assert [(x.candidate, x.rule, x.reason) for x in got.excluded] == [
        (x.candidate, x.rule, x.reason) for x in shown
    ]
    assert result.excluded_total == total and not result.excluded_total_capped
    return result


# --- Building worlds ------------------------------------------------------------------------------------


def vacancy_for(dwelling, *, internal_turn=False) -> Vacancy:
    organisation = dwelling.department.organisation
    vacancy = save(
        Vacancy(
            dwelling=dwelling,
            organisation=organisation,
            controller=organisation.tenant,
            notice_date=TODAY - datetime.timedelta(days=30),
            move_out_date=TODAY,
            channel=LettingChannel.LIST,
            channel_reason="Test",
            internal_turn=internal_turn,
            opened_by=system_user(),
        )
    )
    return Vacancy.objects.select_related(*service.RANKING_RELATED).get(pk=vacancy.pk)


POLICY_DEFAULTS = {
    "no_transfer_priority_for_youth_elder_tenants": False,
    "separation_priority": False,
    "transfer_residence_months": None,
    "issues_housing_guarantees": False,
}


def set_policy(
    organisation, *, valid_from=datetime.date(2020, 1, 1), transfer_residence_departments=(), **flags
):
    """The organisation's decisions from ``valid_from`` (made that day), replacing any of that day."""
    policy = OrganisationLettingPolicy.objects.filter(
        organisation=organisation, valid_from=valid_from
    ).first()
    policy = policy or OrganisationLettingPolicy(
        organisation=organisation, valid_from=valid_from, decided_on=valid_from
    )
    for name, default in POLICY_DEFAULTS.items():
        setattr(policy, name, flags.pop(name, default))
    assert not flags, flags
    save(policy)
    if set(policy.transfer_residence_departments.all()) != set(transfer_residence_departments):
        # The M2M change writes a history row of its own: give it the user and the reason too.
        policy._history_user, policy._change_reason = system_user(), REASON
        policy.transfer_residence_departments.set(transfer_residence_departments)
        del policy._history_user, policy._change_reason
    return policy


def set_kommune(kommune, *, valid_from=datetime.date(2020, 1, 1), **flags):
    decision = KommuneLettingDecision.objects.filter(kommune=kommune, valid_from=valid_from).first()
    decision = decision or KommuneLettingDecision(
        kommune=kommune, valid_from=valid_from, decided_on=valid_from
    )
    for name in ("elder_disabled_priority", "housing_guarantees_off", "separation_priority_off"):
        setattr(decision, name, flags.get(name, False))
    return save(decision)


def set_r4(organisation, kommune, *, on: bool, department=None):
    agreement = LettingAgreement.objects.filter(
        organisation=organisation, kind=AgreementKind.CHILDREN_PRIORITY, department=department
    ).first() or LettingAgreement(
        organisation=organisation,
        kommune=kommune,
        department=department,
        kind=AgreementKind.CHILDREN_PRIORITY,
        valid_from=datetime.date(2020, 1, 1),
    )
    agreement.valid_until = None if on else datetime.date(2021, 1, 1)
    return save(agreement)


class World:
    """An organisation in Aarhus with departments D (the vacancies'), D2, D3; its general,
    internal and youth lists; and a second organisation whose lists must never be read."""

    def __init__(self, seed: int, *, general=120, internal=70, youth=50):
        self.rng = rng = random.Random(seed)
        # The § 12, stk. 2 facts of youth entries draw from their own generator, so the other
        # facts of the world stay as they were.
        self.youth_rng = random.Random(seed + 1000)
        self.kommune = aarhus()
        self.other_kommune = odense()
        self.org = HousingOrganisationFactory(name=f"Rangordning {seed}")
        self.d = DepartmentFactory(organisation=self.org, kommune=self.kommune)
        self.d2 = DepartmentFactory(organisation=self.org, kommune=self.kommune)
        self.d3 = DepartmentFactory(organisation=self.org, kommune=self.kommune)
        tenant = self.org.tenant
        self.general = WaitingListFactory(controller=tenant, kind=ListKind.GENERAL)
        self.internal = WaitingListFactory(controller=tenant, kind=ListKind.INTERNAL, organisation=self.org)
        self.youth = WaitingListFactory(controller=tenant, kind=ListKind.YOUTH)
        # Somebody else's list, full of people wanting nothing in particular: never a candidate.
        stranger = HousingOrganisationFactory()
        other_list = WaitingListFactory(controller=stranger.tenant, kind=ListKind.GENERAL)
        for _ in range(5):
            EntryFactory(waiting_list=other_list, seniority_date=datetime.date(1990, 1, 1))
        # Dwellings tenants live in (for § 7) and give up.
        self.homes = [
            DwellingFactory(
                department=rng.choice([self.d, self.d, self.d2, self.d3]),
                rooms=rng.randint(1, 5),
                gross_floor_area=Decimal(rng.choice([50, 70, 78, 78, 90, 110])),
                fitted_elderly_disabled=rng.random() < 0.2,
                fitted_mobility_impaired=rng.random() < 0.2,
                fitted_large_household_mobility=rng.random() < 0.2,
            )
            for _ in range(internal + 10)
        ]
        for home in self.homes[:8]:  # R8.1: youth and elder dwellings among them
            home.kind = rng.choice(["youth", "elder", "plejebolig"])
            home.youth_kind = ""
            save(home)
        self.entries = []
        for _ in range(general):
            self.entries.append(self._entry(self.general))
        for index in range(internal):
            self.entries.append(self._entry(self.internal, home=self.homes[index]))
        for _ in range(youth):
            self.entries.append(self._entry(self.youth, young=True))
        # A few planted for certain, so every R5/R10 tier has someone (the random ones may not).
        for department, need, members in (
            (self.d2, "household_member_mobility_impaired", 4),
            (self.d2, "mobility_impaired", 1),
            (self.d2, "elderly_or_disabled", 2),
            (self.d, "elderly_or_disabled", 1),
        ):
            self.entries.append(self._planted(self.general, need, members))
            self.entries.append(
                self._planted(self.internal, need, members, home=DwellingFactory(department=department))
            )
        # R9.2: tenants rehoused outside the organisation (no lease in it) who kept their place on
        # the internal list; one with a mobility need, one with children, one passive.
        for need, members, status in (
            (None, 1, EntryStatus.ACTIVE),
            ("mobility_impaired", 1, EntryStatus.ACTIVE),
            (None, 3, EntryStatus.ACTIVE),
            (None, 1, EntryStatus.PASSIVE),
        ):
            entry = self._planted(self.internal, need, members)
            entry.rehoused_outside, entry.status = True, status
            self.entries.append(save(entry))
        # R3.3: an unpaid update fee past its due date, on each list (still a candidate).
        for waiting_list in (self.general, self.internal):
            entry = self._planted(waiting_list, None, 2, home=DwellingFactory(department=self.d3))
            save(
                FeeCharge(
                    entry=entry,
                    kind=ChargeKind.UPDATE,
                    period=2026,
                    amount=Decimal("150.00"),
                    due_date=TODAY - datetime.timedelta(days=40),
                    state=ChargeState.REMINDED,
                    reminded_on=TODAY - datetime.timedelta(days=10),
                    reminder_deadline=TODAY + datetime.timedelta(days=11),
                )
            )
            self.entries.append(entry)

    def _planted(self, waiting_list, need: str | None, members: int, home=None):
        person = PersonFactory(controller=waiting_list.controller)
        entry = EntryFactory(
            waiting_list=waiting_list,
            person=person,
            seniority_date=datetime.date(2024, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 300)),
        )
        household = HouseholdFactory(controller=waiting_list.controller)
        HouseholdMemberFactory(household=household, person=person, relation=HouseholdRelation.APPLICANT)
        for _ in range(members - 1):
            HouseholdMemberFactory(household=household, relation=HouseholdRelation.OTHER)
        entry.household = household
        save(entry)
        if need is not None:
            save(
                PriorityNeed(
                    person=person,
                    controller=person.controller,
                    documentation="Lægeerklæring",
                    documented_on=datetime.date(2025, 1, 1),
                    **{need: True},
                )
            )
        if home is not None:
            save(
                Lease(
                    dwelling=home,
                    landlord=self.org,
                    controller=self.org.tenant,
                    person=person,
                    signed_on=datetime.date(2010, 1, 1),
                    starts_on=datetime.date(2010, 1, 1),
                    signed_by=system_user(),
                )
            )
        return entry

    def _entry(self, waiting_list, *, home=None, young=False):
        rng = self.rng
        if young:
            born = TODAY - datetime.timedelta(days=rng.randint(15 * 365, 30 * 365))
            # Birthdays on the day itself: 18 and 25 exactly.
            born = rng.choice([born] * 8 + [TODAY.replace(year=TODAY.year - 18), TODAY.replace(year=2001)])
        else:
            born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 18000))
        person = PersonFactory(controller=waiting_list.controller, born=born)
        roll = rng.random()
        status = (
            EntryStatus.ACTIVE if roll < 0.82 else EntryStatus.PASSIVE if roll < 0.94 else EntryStatus.DELETED
        )
        rooms_min = 1 if young and rng.random() < 0.8 else rng.randint(1, 4)
        entry = EntryFactory(
            waiting_list=waiting_list,
            person=person,
            # Few dates, so seniority ties are common and the id decides.
            seniority_date=datetime.date(2000, 1, 1) + datetime.timedelta(days=30 * rng.randint(0, 40)),
            status=status,
            deleted_on=TODAY if status == EntryStatus.DELETED else None,
            listed_before_seniority_scheme=waiting_list.kind == ListKind.INTERNAL and rng.random() < 0.25,
            dwelling_kinds=rng.choice([[], [], [], ["family"], ["family", "youth"], ["youth"], ["elder"]]),
            rooms_min=rooms_min,
            rooms_max=rooms_min + rng.randint(0, 3),
            max_rent=rng.choice([None, None, None, Decimal("6000.00"), Decimal("6850.00"), Decimal("9000")]),
            floor_max=rng.choice([None, None, None, 0, 1, 3]),
            needs_elevator=rng.random() < 0.1,
            education_institution=rng.choice(["", "Aarhus Universitet", "VIA"]) if young else "",
            education_expected_end=rng.choice([None, TODAY, TODAY - datetime.timedelta(days=1)]),
            special_need=rng.choice(["", "", "Autisme"]) if young else "",
            needs_support=young and rng.random() < 0.5,
            **(self._youth_facts() if young else {}),
        )
        wish = rng.random()
        if wish < 0.45:
            entry.departments.set([self.d, *rng.sample([self.d2, self.d3], rng.randint(0, 2))])
        elif wish < 0.65:
            entry.departments.set(rng.sample([self.d2, self.d3], rng.randint(1, 2)))
        # (else: no wish — any department of the list)
        charge = rng.random()
        if charge < 0.12:
            due = rng.choice([TODAY - datetime.timedelta(days=20), TODAY, TODAY + datetime.timedelta(days=5)])
            state = rng.choice([ChargeState.OPEN, ChargeState.REMINDED, ChargeState.PAID])
            save(
                FeeCharge(
                    entry=entry,
                    kind=ChargeKind.UPDATE,
                    period=2026,
                    amount=Decimal("150.00"),
                    due_date=due,
                    state=state,
                    reminded_on=due if state == ChargeState.REMINDED else None,
                    reminder_deadline=due + datetime.timedelta(days=21)
                    if state == ChargeState.REMINDED
                    else None,
                )
            )
        if rng.random() < 0.55:
            household = HouseholdFactory(controller=waiting_list.controller)
            HouseholdMemberFactory(household=household, person=person, relation=HouseholdRelation.APPLICANT)
            for _ in range(rng.choice([0, 1, 1, 2, 3, 3, 5, 6])):
                relation = rng.choice(
                    [HouseholdRelation.CHILD, HouseholdRelation.CHILD, HouseholdRelation.SPOUSE]
                )
                child_born = rng.choice(
                    [
                        TODAY - datetime.timedelta(days=rng.randint(100, 17 * 365)),
                        TODAY.replace(year=TODAY.year - 18),  # 18 today: no longer a child
                        TODAY.replace(year=TODAY.year - 18) + datetime.timedelta(days=1),  # 18 tomorrow
                        datetime.date(1980, 5, 5),
                    ]
                )
                HouseholdMemberFactory(
                    household=household,
                    person=PersonFactory(controller=waiting_list.controller, born=child_born),
                    relation=relation,
                )
            entry.household = household
            save(entry)
        # Documented needs are common here (rarer in life) so every R5/R10 tier gets candidates.
        if rng.random() < (0.5 if home is not None else 0.25):
            save(
                PriorityNeed(
                    person=person,
                    controller=person.controller,
                    elderly_or_disabled=rng.random() < 0.5,
                    mobility_impaired=rng.random() < 0.5,
                    household_member_mobility_impaired=rng.random() < 0.5,
                    documentation="Lægeerklæring",
                    documented_on=datetime.date(2025, 1, 1),
                )
            )
        if rng.random() < 0.15:
            self._guarantee(person)
        if rng.random() < 0.12:
            save(
                SeparationPriority(
                    person=person,
                    controller=person.controller,
                    organisation=self.org,
                    kommune=rng.choice([self.kommune, self.kommune, self.other_kommune]),
                    left_on=datetime.date(2026, 1, 1),
                    valid_until=rng.choice(
                        [TODAY, TODAY - datetime.timedelta(days=1), datetime.date(2027, 1, 1)]
                    ),
                    child_department=self.d2,
                )
            )
        if home is not None and rng.random() < 0.8:
            starts_on = rng.choice(
                [datetime.date(2010, 1, 1), TODAY.replace(year=2025), TODAY - datetime.timedelta(days=200)]
            )
            ends_on = rng.choice([None, None, None, TODAY, TODAY - datetime.timedelta(days=1)])
            if ends_on is not None:
                starts_on = datetime.date(2010, 1, 1)
            save(
                Lease(
                    dwelling=home,
                    landlord=self.org,
                    controller=self.org.tenant,
                    person=person,
                    signed_on=starts_on,
                    starts_on=starts_on,
                    ends_on=ends_on,
                    signed_by=system_user(),
                )
            )
        return entry

    def _youth_facts(self) -> dict:
        """The facts a youth letting guideline weighs (R12.2), with incomes at the ceilings."""
        rng = self.youth_rng
        return {
            "education_level": rng.choice(["", "youth_education", "medium_higher", "long_higher", "other"]),
            "annual_income": rng.choice(
                [None, Decimal("0"), Decimal("99999.99"), Decimal("100000"), Decimal("250000")]
            ),
            "social_need": rng.choice(["", "", "Dokumenteret af kommunen"]),
        }

    def _guarantee(self, person):
        rng = self.rng
        left = DwellingFactory(department=rng.choice([self.d, self.d, self.d2]))
        lease = save(
            Lease(
                dwelling=left,
                landlord=self.org,
                controller=self.org.tenant,
                person=person,
                signed_on=datetime.date(2015, 1, 1),
                starts_on=datetime.date(2015, 1, 1),
                ends_on=datetime.date(2025, 6, 1),
                signed_by=system_user(),
            )
        )
        save(
            HousingGuarantee(
                person=person,
                controller=person.controller,
                organisation=self.org,
                department=left.department,
                lease=lease,
                moved_out_on=datetime.date(2025, 6, 1),
                valid_until=rng.choice(
                    [TODAY, TODAY - datetime.timedelta(days=1), datetime.date(2028, 6, 1)]
                ),
                state=rng.choice([GuaranteeState.VALID, GuaranteeState.VALID, GuaranteeState.USED]),
                issued_by=system_user(),
            )
        )

    def vacancy(self, *, internal_turn=False, **dwelling) -> Vacancy:
        defaults = {"department": self.d, "rooms": 3, "floor": 1, "has_elevator": False}
        return vacancy_for(DwellingFactory(**{**defaults, **dwelling}), internal_turn=internal_turn)


# --- The randomised comparison ------------------------------------------------------------------------


VARIANTS = [
    # (dwelling, policy, kommune decision, R4 agreement, internal turn)
    ({}, {}, {}, False, False),
    ({}, {"issues_housing_guarantees": True, "separation_priority": True}, {}, True, False),
    ({"fitted_mobility_impaired": True, "floor": 0}, {"issues_housing_guarantees": True}, {}, True, False),
    ({"fitted_elderly_disabled": True, "rooms": 4}, {}, {"elder_disabled_priority": True}, True, False),
    ({"fitted_elderly_disabled": True}, {"separation_priority": True}, {}, True, False),
    (
        {"fitted_large_household_mobility": True, "rooms": 5, "has_elevator": True},
        {"issues_housing_guarantees": True, "separation_priority": True},
        {"housing_guarantees_off": True},
        True,
        False,
    ),
    ({"rooms": 2, "monthly_rent": Decimal("5000")}, {}, {}, True, True),
    (
        {
            "fitted_mobility_impaired": True,
            "fitted_elderly_disabled": True,
            "gross_floor_area": Decimal("85"),
        },
        {"separation_priority": True, "no_transfer_priority_for_youth_elder_tenants": True},
        {},
        True,
        True,
    ),
    (
        {"fitted_large_household_mobility": True, "rooms": 4, "gross_floor_area": Decimal("100")},
        {"transfer_residence_months": 24, "separation_priority": True},
        {"separation_priority_off": True},
        True,
        True,
    ),
    (
        {"rooms": 3, "gross_floor_area": Decimal("75")},
        {"transfer_residence_months": 12, "r8_3": True},
        {},
        True,
        True,
    ),
    ({"kind": "youth", "rooms": 1}, {}, {}, False, False),
    ({"kind": "youth", "rooms": 1, "youth_kind": "startbolig"}, {}, {}, False, False),
    ({"kind": "youth", "rooms": 2, "youth_kind": "relabelled"}, {}, {}, False, False),
    ({"kind": "youth", "rooms": 1, "youth_kind": "university_near"}, {}, {}, False, False),
]


@pytest.mark.rule(
    "R2.1", "R3.3", "R4", "R5.1", "R5.2", "R5.3", "R5.4", "R6.1", "R6.3", "R7", "R8.1", "R8.2", "R8.3",
    "R9.1", "R9.2", "R9.4", "R10.1", "R10.2", "R10.3", "R10.4", "R10.5", "R12.1", "R13", "R26", "R40",
)  # fmt: skip
@pytest.mark.parametrize("seed", [1, 2])
def test_the_database_ranking_is_the_pure_ranking_of_every_candidate(seed):
    world = World(seed)
    rng = random.Random(seed * 7)
    compared = 0
    for dwelling, policy, decision, r4, internal_turn in VARIANTS:
        policy = dict(policy)
        transfer_residence_departments = [world.d2] if policy.pop("r8_3", False) else []
        set_policy(world.org, transfer_residence_departments=transfer_residence_departments, **policy)
        set_kommune(world.kommune, **decision)
        set_r4(world.org, world.kommune, on=r4)
        vacancy = world.vacancy(internal_turn=internal_turn, **dwelling)
        everyone = every_candidate(vacancy)
        for limit in (1, 2, 5, 13, 500):
            assert_same(vacancy, limit=limit, excluded_limit=rng.choice([3, 100]), everyone=everyone)
            compared += 1
        skip = rng.sample([e.pk for e in world.entries], 30)
        skipped = assert_same(vacancy, limit=4, skip=skip, everyone=everyone)
        shown = [p.candidate.entry_id for p in skipped.ranking.placed] + [
            x.candidate.entry_id for x in skipped.ranking.excluded
        ]
        assert not set(shown) & set(skip)
    assert compared == 5 * len(VARIANTS)


def test_the_world_exercises_every_tier_and_exclusion():
    """Without this the comparison above could pass on a world where nothing interesting happens."""
    world = World(1)
    seen_rules, seen_exclusions, seen_flags, seen_across = set(), set(), set(), set()
    for dwelling, policy, decision, r4, internal_turn in VARIANTS:
        policy = dict(policy)
        transfer_residence_departments = [world.d2] if policy.pop("r8_3", False) else []
        set_policy(world.org, transfer_residence_departments=transfer_residence_departments, **policy)
        set_kommune(world.kommune, **decision)
        set_r4(world.org, world.kommune, on=r4)
        vacancy = world.vacancy(internal_turn=internal_turn, **dwelling)
        full, _placed, _shown, _total = expected(vacancy, limit=500)
        seen_rules |= {p.rule for p in full.placed}
        seen_exclusions |= {x.rule for x in full.excluded}
        seen_flags |= {f.rule for p in full.placed for f in p.flags}
        # § 5, stk. 2–3 / § 10, stk. 3–4: the other list's holders of a mobility need placed.
        seen_across |= {(full.turn, p.candidate.list_kind, p.rule) for p in full.placed}
        seen_rules |= {"R6.3" for p in full.placed if "R6.3" in p.explanation}
    assert {
        "R2.1", "R4", "R5.1", "R5.2", "R5.3", "R6", "R6.3", "R8.2", "R9", "R9.2", "R10.1", "R10.2", "R10.3",
        "R10.4",
    } <= seen_rules  # fmt: skip
    # An unpaid fee and overcrowding are flags on the placed, never exclusions (R3.3, R26).
    assert {"passive", "wishes", "R7", "R8.1", "R8.3", "R12.1", "R13"} <= seen_exclusions
    assert not {"R3.3", "R26"} & seen_exclusions and {"R3.3", "R26"} <= seen_flags
    assert {("internal", "general", "R5.2"), ("general", "internal", "R10.3")} <= seen_across
    assert {"R12.1", "R13"} <= seen_rules


# --- Focused cases ------------------------------------------------------------------------------------


def _org_with_lists(*, shared=False):
    kommune = aarhus()
    association = SharedListAssociationFactory() if shared else None
    org = HousingOrganisationFactory(shared_list=association)
    department = DepartmentFactory(organisation=org, kommune=kommune)
    controller = association.tenant if shared else org.tenant
    general = WaitingListFactory(controller=controller, kind=ListKind.GENERAL)
    internal = WaitingListFactory(controller=org.tenant, kind=ListKind.INTERNAL, organisation=org)
    return org, kommune, department, general, internal


def _entry(waiting_list, seniority: str, **fields):
    return EntryFactory(
        waiting_list=waiting_list, seniority_date=datetime.date.fromisoformat(seniority), **fields
    )


def _lease(person, dwelling, *, starts_on=datetime.date(2015, 1, 1)):
    organisation = dwelling.department.organisation
    return save(
        Lease(
            dwelling=dwelling,
            landlord=organisation,
            controller=organisation.tenant,
            person=person,
            signed_on=starts_on,
            starts_on=starts_on,
            signed_by=system_user(),
        )
    )


def set_youth_guideline(organisation, *, valid_from=datetime.date(2026, 1, 1), groups=()):
    """The organisation's § 12, stk. 2 letting guideline from ``valid_from`` with ``groups``
    (``(name, levels, income_below, social_need)`` in order)."""
    guideline = save(
        YouthLettingGuideline(
            organisation=organisation,
            valid_from=valid_from,
            decided_on=valid_from,
            title="Udlejningsretningslinjer",
            text="Ungdomsboligerne udlejes efter uddannelse, økonomi og sociale forhold.",
        )
    )
    for position, (name, levels, income_below, social_need) in enumerate(groups, start=1):
        save(
            YouthPriorityGroup(
                guideline=guideline,
                position=position,
                name=name,
                education_levels=list(levels),
                income_below=income_below,
                social_need=social_need,
            )
        )
    return guideline


YOUTH_GROUPS = (
    ("Studerende med lav indkomst", ("medium_higher", "long_higher"), Decimal("100000"), False),
    ("Dokumenteret socialt behov", (), None, True),
    ("Lav indkomst", (), Decimal("100000"), False),
)


@pytest.mark.rule("R12.1", "R12.2", "R13")
@pytest.mark.parametrize("seed", [1])
def test_the_database_ranking_follows_the_youth_letting_guidelines_as_the_pure_ranking(seed):
    world = World(seed, general=10, internal=5, youth=100)
    set_youth_guideline(world.org, groups=YOUTH_GROUPS)
    rng = random.Random(seed * 11)
    seen_groups = set()
    for dwelling in (
        {"kind": "youth", "rooms": 1},
        {"kind": "youth", "rooms": 2, "youth_kind": "relabelled"},
        {"kind": "youth", "rooms": 1, "youth_kind": "university_near"},
    ):
        vacancy = world.vacancy(**dwelling)
        everyone = every_candidate(vacancy)
        assert service.letting_rules_for(vacancy, TODAY).youth_guideline is not None
        for limit in (1, 2, 5, 13, 500):
            result = assert_same(vacancy, limit=limit, excluded_limit=rng.choice([3, 100]), everyone=everyone)
        seen_groups |= {
            re.search(r"§ 12, stk\. 2: (group \d|in no priority group)", p.explanation).group(1)
            for p in result.ranking.placed
        }
        assert_same(vacancy, limit=4, skip=rng.sample([e.pk for e in world.entries], 30), everyone=everyone)
    # Every group, and the candidates in none, were placed somewhere: the comparison covered them.
    assert {"group 1", "group 2", "group 3", "in no priority group"} <= seen_groups


@pytest.mark.rule("R12.2")
def test_a_youth_letting_guideline_dated_tomorrow_is_not_applied_today():
    world = World(3, general=0, internal=0, youth=30)
    set_youth_guideline(world.org, valid_from=TODAY + datetime.timedelta(days=1), groups=YOUTH_GROUPS)
    vacancy = world.vacancy(kind="youth", rooms=1)
    today = assert_same(vacancy, limit=5)
    assert "§ 12, stk. 2: no letting guidelines in force — ordered by seniority only." in today.ranking.notes
    assert all("§ 12, stk. 2" not in p.explanation for p in today.ranking.placed)
    tomorrow = assert_same(vacancy, day=TODAY + datetime.timedelta(days=1), limit=5)
    assert not any(note.startswith("§ 12") for note in tomorrow.ranking.notes)
    assert all("§ 12, stk. 2: " in p.explanation for p in tomorrow.ranking.placed)


@pytest.mark.rule("R3.2", "R2.1")
def test_a_shared_list_is_the_general_list_of_its_organisations():
    _org, _kommune, department, general, _internal = _org_with_lists(shared=True)
    first = _entry(general, "2001-01-01")
    _entry(general, "2000-01-01")
    passive = _entry(general, "1999-01-01", status=EntryStatus.PASSIVE)
    vacancy = vacancy_for(DwellingFactory(department=department))
    result = assert_same(vacancy, limit=10)
    assert [p.candidate.entry_id for p in result.ranking.placed][1] == first.pk
    assert [x.candidate.entry_id for x in result.ranking.excluded] == [passive.pk]
    assert result.counts == {
        "placed": 2,
        "excluded_shown": 1,
        "excluded_total": 1,
        "excluded_total_capped": False,
    }


@pytest.mark.rule("R9.4", "R9.1", "R10.1")
def test_those_before_the_r9_3_decision_go_first_on_the_internal_list_even_with_a_small_limit():
    org, _kommune, department, _general, internal = _org_with_lists()
    elsewhere = DepartmentFactory(organisation=org, kommune=department.kommune)
    entries = []
    for index in range(12):
        entry = _entry(internal, f"20{10 + index}-01-01", listed_before_seniority_scheme=index >= 9)
        _lease(entry.person, DwellingFactory(department=elsewhere))
        entries.append(entry)
    same = _entry(internal, "2024-01-01")
    _lease(same.person, DwellingFactory(department=department))
    vacancy = vacancy_for(DwellingFactory(department=department), internal_turn=True)
    result = assert_same(vacancy, limit=4)
    # R10.1 first, then those on the list before the R9.3 decision (latest seniority, yet first).
    assert [p.candidate.entry_id for p in result.ranking.placed] == [
        same.pk,
        entries[9].pk,
        entries[10].pk,
        entries[11].pk,
    ]
    assert [p.rule for p in result.ranking.placed] == ["R10.1", "R9", "R9", "R9"]


@pytest.mark.rule("R7")
def test_the_internal_turn_goes_to_the_general_list_when_nobody_holds_an_internal_priority():
    _org, _kommune, department, general, internal = _org_with_lists()
    no_home = _entry(internal, "2001-01-01")
    applicant = _entry(general, "2005-01-01")
    vacancy = vacancy_for(DwellingFactory(department=department), internal_turn=True)
    result = assert_same(vacancy)
    assert result.ranking.turn == "general"
    assert [p.candidate.entry_id for p in result.ranking.placed] == [applicant.pk]
    assert [(x.candidate.entry_id, x.rule) for x in result.ranking.excluded] == [(no_home.pk, "R7")]
    # Skipping the one who was offered it already leaves nobody: R2.5.
    empty = assert_same(vacancy, skip=[applicant.pk])
    assert empty.ranking.fallback == "R2.5" and empty.ranking.placed == []


@pytest.mark.rule("R1.8", "R7")
def test_a_lease_that_sets_6_7_aside_gives_no_internal_priority_until_that_day():
    org, _kommune, department, _general, internal = _org_with_lists()
    elsewhere = DepartmentFactory(organisation=org, kommune=department.kommune)
    udslusning = _entry(internal, "2001-01-01")
    ordinary = _entry(internal, "2010-01-01")
    home = DwellingFactory(department=elsewhere)
    agreement = save(
        LettingAgreement(
            organisation=org,
            kommune=department.kommune,
            department=elsewhere,
            dwelling=home,
            kind=AgreementKind.UDSLUSNING,
            valid_from=datetime.date(2020, 1, 1),
            approved_by="Kriminalforsorgen",
            approved_on=datetime.date(2020, 1, 1),
        )
    )
    lease = _lease(udslusning.person, home, starts_on=TODAY - datetime.timedelta(days=100))
    lease.set_aside_agreement = agreement
    lease.sections_6_7_set_aside_until = TODAY  # the last day of the set-aside period
    save(lease)
    _lease(ordinary.person, DwellingFactory(department=elsewhere))
    vacancy = vacancy_for(DwellingFactory(department=department), internal_turn=True)

    result = assert_same(vacancy)
    assert [p.candidate.entry_id for p in result.ranking.placed] == [ordinary.pk]
    assert [(x.candidate.entry_id, x.rule) for x in result.ranking.excluded] == [(udslusning.pk, "R1.8")]
    assert "sets §§ 6–7 aside until" in result.ranking.excluded[0].reason

    # The day after the period, the tenant holds § 7 priority again and is first by seniority.
    after = assert_same(vacancy, day=TODAY + datetime.timedelta(days=1))
    assert [p.candidate.entry_id for p in after.ranking.placed] == [udslusning.pk, ordinary.pk]


def test_skipped_entries_are_left_out_and_the_ranks_count_the_others():
    _org, _kommune, department, general, _internal = _org_with_lists()
    a, b, c = (_entry(general, f"200{n}-01-01") for n in range(3))
    vacancy = vacancy_for(DwellingFactory(department=department))
    result = assert_same(vacancy, skip=[a.pk])
    assert [(p.rank, p.candidate.entry_id) for p in result.ranking.placed] == [(1, b.pk), (2, c.pk)]


def test_passed_over_are_only_those_ahead_of_the_last_placed_and_the_count_goes_beyond_the_cap():
    _org, _kommune, department, general, _internal = _org_with_lists()
    for n in range(6):
        _entry(general, f"2000-01-0{n + 1}", status=EntryStatus.PASSIVE)
    placed = _entry(general, "2001-01-01")
    _entry(general, "2002-01-01", rooms_min=5, rooms_max=6)  # behind the last placed: not shown
    vacancy = vacancy_for(DwellingFactory(department=department))
    result = assert_same(vacancy, limit=1, excluded_limit=4)
    assert [p.candidate.entry_id for p in result.ranking.placed] == [placed.pk]
    assert len(result.ranking.excluded) == 4 and result.excluded_total == 6
    assert {x.rule for x in result.ranking.excluded} == {"passive"}


# --- Dated decisions -----------------------------------------------------------------------------------


@pytest.mark.rule("R4", "R5.1", "R6.1", "R8.2", "R8.3", "R40")
def test_the_rules_are_the_decisions_in_force_on_the_day():
    org, kommune, department, _general, _internal = _org_with_lists()
    other = DepartmentFactory(organisation=org, kommune=kommune)
    vacancy = vacancy_for(DwellingFactory(department=department))
    day = datetime.date(2026, 6, 1)
    rules = service.letting_rules_for(vacancy, day)
    assert not (
        rules.children_agreement
        or rules.elder_disabled_priority_decided
        or rules.issues_housing_guarantees
        or rules.separation_priority
    )
    assert rules.transfer_residence_months is None and rules.switched_off_by_kommune == frozenset()

    set_policy(
        org,
        valid_from=datetime.date(2025, 1, 1),
        issues_housing_guarantees=True,
        transfer_residence_months=12,
    )
    # Decided before the day, in force only later: not yet in force.
    later = set_policy(org, valid_from=datetime.date(2026, 7, 1), separation_priority=True)
    later.decided_on = datetime.date(2026, 3, 1)
    save(later)
    set_kommune(
        kommune,
        valid_from=datetime.date(2024, 1, 1),
        elder_disabled_priority=True,
        separation_priority_off=True,
    )
    rules = service.letting_rules_for(vacancy, day)
    assert rules.issues_housing_guarantees and not rules.separation_priority
    assert (
        rules.transfer_residence_months == 12 and rules.transfer_residence_departments is None
    )  # all departments
    assert rules.elder_disabled_priority_decided and rules.switched_off_by_kommune == frozenset({"R8.2"})
    after = service.letting_rules_for(vacancy, datetime.date(2026, 7, 1))
    assert after.separation_priority and not after.issues_housing_guarantees  # the later decision replaces it

    # The kommune switches R6 off from 1 May (R40).
    set_kommune(kommune, valid_from=datetime.date(2026, 5, 1), housing_guarantees_off=True)
    assert service.letting_rules_for(vacancy, day).switched_off_by_kommune == frozenset({"R6"})

    # R4: an agreement for another department does not count; one ended does not either.
    set_r4(org, kommune, on=True, department=other)
    assert not service.letting_rules_for(vacancy, day).children_agreement
    agreement = set_r4(org, kommune, on=True)
    assert service.letting_rules_for(vacancy, day).children_agreement
    agreement.valid_from, agreement.valid_until = datetime.date(2020, 1, 1), datetime.date(2026, 5, 31)
    save(agreement)
    assert not service.letting_rules_for(vacancy, day).children_agreement
    assert service.letting_rules_for(vacancy, datetime.date(2026, 5, 31)).children_agreement


@pytest.mark.rule("R6.1", "R40")
def test_a_guarantee_stops_counting_when_the_kommune_switches_r6_off():
    org, kommune, department, general, _internal = _org_with_lists()
    senior = _entry(general, "2000-01-01")
    holder = _entry(general, "2020-01-01")
    lease = _lease(holder.person, DwellingFactory(department=department), starts_on=datetime.date(2015, 1, 1))
    lease.ends_on = datetime.date(2026, 1, 1)
    save(lease)
    save(
        HousingGuarantee(
            person=holder.person,
            controller=holder.controller,
            organisation=org,
            department=department,
            lease=lease,
            moved_out_on=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2028, 1, 1),
            issued_by=system_user(),
        )
    )
    set_policy(org, issues_housing_guarantees=True)
    vacancy = vacancy_for(DwellingFactory(department=department))
    result = assert_same(vacancy)
    assert [(p.candidate.entry_id, p.rule) for p in result.ranking.placed] == [
        (holder.pk, "R6"),
        (senior.pk, "R2.1"),
    ]
    set_kommune(kommune, valid_from=datetime.date(2026, 11, 1), housing_guarantees_off=True)
    result = assert_same(vacancy)
    assert [p.candidate.entry_id for p in result.ranking.placed] == [senior.pk, holder.pk]


# --- The access log and the cost -------------------------------------------------------------------


@pytest.mark.rule("R5.2", "R5.3")
def test_health_facts_shown_are_logged_in_one_insert(caseworker_a, org_a):
    department = DepartmentFactory(organisation=org_a, kommune=aarhus())
    general = WaitingListFactory(controller=org_a.tenant, kind=ListKind.GENERAL)
    plain = _entry(general, "2000-01-01")
    impaired = [_entry(general, f"201{n}-01-01") for n in range(3)]
    for entry in impaired:
        save(
            PriorityNeed(
                person=entry.person,
                controller=entry.controller,
                mobility_impaired=True,
                documentation="Lægeerklæring",
                documented_on=datetime.date(2025, 1, 1),
            )
        )
    vacancy = vacancy_for(DwellingFactory(department=department, fitted_mobility_impaired=True))
    result = service.vacancy_ranking(vacancy, day=TODAY)
    assert [p.rule for p in result.ranking.placed] == ["R5.2", "R5.2", "R5.2", "R2.1"]
    with CaptureQueriesContext(connection) as queries:
        logged = service.health_reads_log(caseworker_a, result, purpose_text="Rangordning")
    assert logged == 3 and len(queries) == 1
    rows = PersonalDataAccess.objects.filter(user=caseworker_a)
    assert sorted(r.person_id for r in rows) == sorted(e.person_id for e in impaired)
    assert {r.kind for r in rows} == {AccessKind.SENSITIVE_READ} and plain.person_id not in {
        r.person_id for r in rows
    }
    assert all("R5.2" in r.detail and r.purpose_text == "Rangordning" for r in rows)
    # Nothing health-related shown: nothing logged, no query.
    plain_vacancy = vacancy_for(DwellingFactory(department=department))
    with CaptureQueriesContext(connection) as queries:
        assert (
            service.health_reads_log(
                caseworker_a, service.vacancy_ranking(plain_vacancy, day=TODAY), purpose_text="x"
            )
            == 0
        )
    assert not [q for q in queries if "personaldataaccess" in q["sql"].lower()]


def _grow(world_lists, n: int, department, rng):
    general, internal = world_lists
    org = department.organisation
    for index in range(n):
        entry = _entry(general, f"20{rng.randint(0, 25):02d}-01-01", status=rng.choice(["active", "passive"]))
        if index % 3 == 0:
            entry.departments.set([department])
        tenant = _entry(
            internal, f"20{rng.randint(0, 25):02d}-01-01", listed_before_seniority_scheme=index % 4 == 0
        )
        _lease(
            tenant.person,
            DwellingFactory(department=DepartmentFactory(organisation=org, kommune=department.kommune)),
        )


# Nothing known before: the vacancy with its dwelling; the marker of the decisions; the decisions
# in force (one statement on PostgreSQL: the policy, its R8.3 departments, the § 4 agreements, the
# lists, the kommune's decision); the statement (two on an internal turn that goes to the general
# list); the count. The decisions of the organisation and day known: all but the decisions.
MAX_QUERIES = 6
MAX_QUERIES_KNOWN = 5


@pytest.mark.parametrize("internal_turn", [False, True])
def test_the_query_count_does_not_grow_with_the_candidates(internal_turn):
    org, kommune, department, general, internal = _org_with_lists()
    set_policy(org, issues_housing_guarantees=True, separation_priority=True, transfer_residence_months=6)
    set_r4(org, kommune, on=True)
    vacancy = vacancy_for(
        DwellingFactory(department=department, fitted_mobility_impaired=True), internal_turn=internal_turn
    )
    rng = random.Random(5)

    def cost(*, known: bool) -> int:
        if not known:
            service.clear_caches()  # the worst case: the decisions read, the statement compiled
        fresh = Vacancy.objects.get(pk=vacancy.pk)  # nothing preloaded
        with CaptureQueriesContext(connection) as queries:
            service.vacancy_ranking(fresh, day=TODAY, limit=3, excluded_limit=2)
        return len(queries)

    _grow((general, internal), 3, department, rng)
    small, small_known = cost(known=False), cost(known=True)
    _grow((general, internal), 40, department, rng)
    large, large_known = cost(known=False), cost(known=True)
    # The count of those passed over is asked for only when more lie behind the ones shown.
    assert small <= large <= small + 1 <= MAX_QUERIES
    assert small_known <= large_known <= small_known + 1 <= MAX_QUERIES_KNOWN
    # The decisions, read once per organisation and day.
    assert large - large_known == small - small_known == (1 if connection.vendor == "postgresql" else 5)


# --- To the letter of the law: flags, R5.4, R6.3, mobility, R9.2, R10.5 ---------------------


def _household(entry, size: int, *, children: int = 0):
    """The entry's household: the applicant and ``size - 1`` others, ``children`` of them under 18."""
    household = HouseholdFactory(controller=entry.controller)
    HouseholdMemberFactory(household=household, person=entry.person, relation=HouseholdRelation.APPLICANT)
    for index in range(size - 1):
        child = index < children
        HouseholdMemberFactory(
            household=household,
            person=PersonFactory(
                controller=entry.controller,
                born=datetime.date(2015, 1, 1) if child else datetime.date(1980, 1, 1),
            ),
            relation=HouseholdRelation.CHILD if child else HouseholdRelation.SPOUSE,
        )
    entry.household = household
    return save(entry)


def _need(entry, **flags):
    return save(
        PriorityNeed(
            person=entry.person,
            controller=entry.controller,
            documentation="Lægeerklæring",
            documented_on=datetime.date(2025, 1, 1),
            **flags,
        )
    )


def _unpaid(entry):
    return save(
        FeeCharge(
            entry=entry,
            kind=ChargeKind.UPDATE,
            period=2026,
            amount=Decimal("150.00"),
            due_date=TODAY - datetime.timedelta(days=40),
            state=ChargeState.REMINDED,
            reminded_on=TODAY - datetime.timedelta(days=30),
            reminder_deadline=TODAY + datetime.timedelta(days=1),
        )
    )


def _placed(result):
    return [(p.candidate.entry_id, p.rule) for p in result.ranking.placed]


@pytest.mark.rule("R26")
def test_seven_in_three_rooms_appears_flagged_and_six_does_not():
    """§ 26 "kan … afvise": the household of 7 in 3 rooms keeps its place by seniority, flagged with
    the figures; 6 in 3 rooms is exactly 2 per room and carries no flag."""
    _org, _kommune, department, general, _internal = _org_with_lists()
    seven = _household(_entry(general, "2001-01-01"), 7)
    six = _household(_entry(general, "2002-01-01"), 6)
    vacancy = vacancy_for(DwellingFactory(department=department, rooms=3))
    for limit in (1, 5):
        result = assert_same(vacancy, limit=limit)
    assert _placed(result) == [(seven.pk, "R2.1"), (six.pk, "R2.1")] and result.ranking.excluded == []
    first, second = result.ranking.placed
    assert [(f.rule, "7 persons in 3 rooms" in f.text) for f in first.flags] == [("R26", True)]
    assert second.flags == ()


@pytest.mark.rule("R26")
def test_a_department_applying_the_beboermaksimum_rules_shows_no_r26_flag():
    _org, _kommune, department, general, _internal = _org_with_lists()
    department.beboermaksimum_applied = True
    save(department)
    seven = _household(_entry(general, "2001-01-01"), 7)
    vacancy = vacancy_for(DwellingFactory(department=department, rooms=3))
    result = assert_same(vacancy)
    assert _placed(result) == [(seven.pk, "R2.1")] and result.ranking.placed[0].flags == ()
    assert department.history.latest().beboermaksimum_applied  # kept in the history


@pytest.mark.rule("R3.3")
def test_an_applicant_with_an_unpaid_fee_is_placed_with_an_arrears_flag():
    _org, _kommune, department, general, _internal = _org_with_lists()
    unpaid = _entry(general, "2001-01-01")
    _unpaid(unpaid)
    paid = _entry(general, "2002-01-01")
    vacancy = vacancy_for(DwellingFactory(department=department))
    result = assert_same(vacancy, limit=1)
    assert _placed(result) == [(unpaid.pk, "R2.1")] and result.ranking.excluded == []
    assert [f.rule for f in result.ranking.placed[0].flags] == ["R3.3"]
    assert _placed(assert_same(vacancy)) == [(unpaid.pk, "R2.1"), (paid.pk, "R2.1")]


@pytest.mark.rule("R5.4", "R4")
def test_r5_4_sets_4_aside_only_for_the_r5_holder():
    org, kommune, department, general, _internal = _org_with_lists()
    set_r4(org, kommune, on=True)
    plain = _entry(general, "2001-01-01")
    family = _household(_entry(general, "2005-01-01"), 3, children=1)
    vacancy = vacancy_for(DwellingFactory(department=department, rooms=3, fitted_mobility_impaired=True))
    # No R5 holder wants it: the § 4 agreement applies as usual.
    assert _placed(assert_same(vacancy)) == [(family.pk, "R4"), (plain.pk, "R2.1")]
    holder = _entry(general, "2010-01-01")
    _need(holder, mobility_impaired=True)
    result = assert_same(vacancy, limit=1)
    assert _placed(result) == [(holder.pk, "R5.2")] and "R5.4" in result.ranking.placed[0].explanation
    assert _placed(assert_same(vacancy)) == [(holder.pk, "R5.2"), (family.pk, "R4"), (plain.pk, "R2.1")]


@pytest.mark.rule("R6.3", "R6.1", "R4")
def test_a_guarantee_holder_without_children_goes_after_families_the_agreement_favours():
    org, kommune, department, general, _internal = _org_with_lists()
    set_r4(org, kommune, on=True)
    set_policy(org, issues_housing_guarantees=True)
    holder = _entry(general, "2000-01-01")
    lease = _lease(holder.person, DwellingFactory(department=department))
    lease.ends_on = datetime.date(2026, 1, 1)
    save(lease)
    save(
        HousingGuarantee(
            person=holder.person,
            controller=holder.controller,
            organisation=org,
            department=department,
            lease=lease,
            moved_out_on=datetime.date(2026, 1, 1),
            valid_until=datetime.date(2028, 1, 1),
            issued_by=system_user(),
        )
    )
    family = _household(_entry(general, "2010-01-01"), 4, children=2)
    plain = _entry(general, "2005-01-01")
    vacancy = vacancy_for(DwellingFactory(department=department, rooms=3))
    for limit in (1, 2, 5):
        result = assert_same(vacancy, limit=limit)
    assert _placed(result) == [(family.pk, "R4"), (holder.pk, "R6"), (plain.pk, "R2.1")]
    assert "R6.3" in result.ranking.placed[1].explanation
    # A dwelling the agreement does not cover (2 rooms): the guarantee goes first.
    two_rooms = vacancy_for(DwellingFactory(department=department, rooms=2))
    assert _placed(assert_same(two_rooms))[0] == (holder.pk, "R6")


@pytest.mark.rule("R5.2", "R10.3", "R7", "R9.1")
def test_a_fitted_dwelling_on_the_internal_turn_goes_to_a_general_list_r5_2_holder_before_r9():
    org, _kommune, department, general, internal = _org_with_lists()
    elsewhere = DepartmentFactory(organisation=org, kommune=department.kommune)
    r9 = [_entry(internal, f"200{n}-01-01") for n in range(3)]
    for entry in r9:
        _lease(entry.person, DwellingFactory(department=elsewhere))
    impaired = _entry(general, "2020-01-01")
    _need(impaired, mobility_impaired=True)
    _entry(general, "1999-01-01")  # no need: the general list has no turn here
    vacancy = vacancy_for(
        DwellingFactory(department=department, fitted_mobility_impaired=True), internal_turn=True
    )
    for limit in (1, 2, 10):
        result = assert_same(vacancy, limit=limit)
    assert result.ranking.turn == "internal"
    assert _placed(result) == [(impaired.pk, "R5.2")] + [(e.pk, "R9") for e in r9]
    # On the general turn the internal list's R10.3 holder goes before the general list's others.
    internal_impaired = _entry(internal, "2015-01-01")
    _need(internal_impaired, mobility_impaired=True)
    _lease(internal_impaired.person, DwellingFactory(department=elsewhere))
    general_turn = vacancy_for(DwellingFactory(department=department, fitted_mobility_impaired=True))
    result = assert_same(general_turn, limit=3)
    assert _placed(result)[:2] == [(impaired.pk, "R5.2"), (internal_impaired.pk, "R10.3")]


@pytest.mark.rule("R10.4", "R10.5")
def test_r10_4_holds_without_a_better_suited_dwelling():
    org, _kommune, department, _general, internal = _org_with_lists()
    elsewhere = DepartmentFactory(organisation=org, kommune=department.kommune)
    senior = _entry(internal, "2000-01-01")
    _lease(senior.person, DwellingFactory(department=elsewhere))
    family = _household(_entry(internal, "2020-01-01"), 4)
    _need(family, household_member_mobility_impaired=True)
    _lease(family.person, DwellingFactory(department=elsewhere, fitted_large_household_mobility=True))
    vacancy = vacancy_for(
        DwellingFactory(department=department, rooms=4, fitted_large_household_mobility=True),
        internal_turn=True,
    )
    assert _placed(assert_same(vacancy, limit=1)) == [(family.pk, "R10.4")]


@pytest.mark.rule("R9.2", "R9.1")
def test_a_tenant_rehoused_outside_the_organisation_can_win_an_internal_turn():
    org, _kommune, department, _general, internal = _org_with_lists()
    elsewhere = DepartmentFactory(organisation=org, kommune=department.kommune)
    tenant = _entry(internal, "2010-01-01")
    _lease(tenant.person, DwellingFactory(department=elsewhere))
    rehoused = _entry(internal, "2005-01-01", rehoused_outside=True)
    not_kept = _entry(internal, "2001-01-01")  # no lease and no R9.2 status: no § 7 priority
    vacancy = vacancy_for(DwellingFactory(department=department), internal_turn=True)
    for limit in (1, 5):
        result = assert_same(vacancy, limit=limit)
    assert result.ranking.turn == "internal"
    assert _placed(result) == [(rehoused.pk, "R9.2"), (tenant.pk, "R9")]
    assert [(x.candidate.entry_id, x.rule) for x in result.ranking.excluded] == [(not_kept.pk, "R7")]
