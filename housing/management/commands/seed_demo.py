"""``manage.py seed_demo``: a small, realistic demo world for trying the back office.

Two kommuner (Aarhus and Odense), three housing organisations (two of them sharing a waiting
list), twelve departments with area statuses, about 300 dwellings of every kind, about 1,000
persons in households under four data controllers, and one staff user per role.

The command is deterministic (fixed seeds, ages counted from a fixed day) and idempotent: every
part of the world is looked up first (organisations by their fixed CVR numbers, departments by
number, users by username, persons by the demo reason in their history) and only what is
missing is created. Nothing is ever changed or deleted. Every created row gets exactly one
history row with the acting user and the reason "Demodata".
"""

from __future__ import annotations

import datetime
import random
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from faker import Faker
from simple_history.utils import bulk_create_with_history

from housing import services
from housing.audit import audited_save, system_user
from housing.models import (
    AreaStatusKind,
    Department,
    DepartmentAreaStatus,
    DigitalPostConsentMethod,
    Dwelling,
    DwellingKind,
    Household,
    HouseholdMember,
    HouseholdRelation,
    HousingArea,
    HousingOrganisation,
    Kommune,
    Membership,
    OwnerKind,
    Person,
    Role,
    SharedListAssociation,
    Tenant,
    YouthKind,
)

REASON = "Demodata"
PASSWORD = "demo-adgang-2026"  # noqa: S105 - the published password of the demo users only
SEED = 2026
# Ages, birth dates and consent dates are counted from this fixed day, so the world is the
# same whichever day it is built (and no birth date can ever lie in the future).
REFERENCE_DAY = datetime.date(2026, 1, 1)
BATCH_SIZE = 500

AARHUS, ODENSE = "0751", "0461"
ASSOCIATION_NAME = "Fælles Venteliste Aarhus"
ASSOCIATION_CVR = "31284813"
# The kommuner's real CVR numbers (public): their sender IDs in Digital Post.
KOMMUNE_CVR = {"0751": "55133018", "0461": "35209115"}


# --- The register ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    cvr: str  # valid check digits (weights 2,7,6,5,4,3,2,1, mod 11 == 0)
    address_line: str
    postal_code: str
    city: str
    email: str
    phone: str
    digital_post_connected_from: datetime.date | None
    shared_list: bool


ORGANISATIONS = [
    OrgSpec(
        "kattegat",
        "Boligforeningen Kattegat",
        "37192848",
        "Frederiks Allé 104",
        "8000",
        "Aarhus C",
        "udlejning@kattegat-bolig.example.com",
        "86 12 40 00",
        datetime.date(2022, 3, 1),
        True,
    ),
    OrgSpec(
        "almenbo",
        "Almenbo Aarhus",
        "29465134",
        "Silkeborgvej 261",
        "8230",
        "Åbyhøj",
        "kontakt@almenbo.example.com",
        "86 15 22 10",
        datetime.date(2025, 9, 1),
        True,
    ),
    OrgSpec(
        "fyn",
        "Fynsk Almen Bolig",
        "27184057",
        "Vestergade 75",
        "5000",
        "Odense C",
        "bolig@fynsk-almen.example.com",
        "66 13 70 70",
        None,
        False,
    ),
]


@dataclass(frozen=True)
class DepartmentSpec:
    org: str
    number: str
    name: str
    kommune: str
    street: str
    first_house_number: int
    postal_code: str
    city: str
    profile: str  # which dwellings: see _dwelling_kinds
    count: int
    top_floor: int  # 0: row houses
    elevator: bool
    large_household_mobility: bool = False


DEPARTMENTS = [
    DepartmentSpec(
        "kattegat",
        "101",
        "Skovbrynet",
        AARHUS,
        "Skovbrynet",
        2,
        "8210",
        "Aarhus V",
        "family",
        28,
        3,
        False,
        large_household_mobility=True,
    ),
    DepartmentSpec(
        "kattegat", "102", "Hedeparken", AARHUS, "Hedeparken", 10, "8220", "Brabrand", "family", 35, 7, True
    ),
    DepartmentSpec(
        "kattegat",
        "103",
        "Ungdomsboligerne Katrinebjerg",
        AARHUS,
        "Katrinebjergvej",
        30,
        "8200",
        "Aarhus N",
        "youth",
        30,
        4,
        True,
    ),
    DepartmentSpec(
        "kattegat", "104", "Lindehøj", AARHUS, "Lindehøjvej", 1, "8270", "Højbjerg", "elder", 24, 1, True
    ),
    DepartmentSpec(
        "kattegat", "105", "Møllestien", AARHUS, "Møllestien", 5, "8000", "Aarhus C", "old_town", 22, 2, False
    ),
    DepartmentSpec(
        "almenbo",
        "201",
        "Toftegården",
        AARHUS,
        "Toftegårdsvej",
        4,
        "8220",
        "Brabrand",
        "family",
        26,
        3,
        False,
    ),
    DepartmentSpec(
        "almenbo",
        "202",
        "Rosenvænget",
        AARHUS,
        "Rosenvænget",
        1,
        "8260",
        "Viby J",
        "family_elder",
        25,
        0,
        False,
    ),
    DepartmentSpec(
        "almenbo",
        "203",
        "Åløkkehaven",
        ODENSE,
        "Åløkke Allé",
        12,
        "5240",
        "Odense NØ",
        "family",
        25,
        3,
        False,
    ),
    DepartmentSpec(
        "fyn",
        "301",
        "Solhaven",
        ODENSE,
        "Solhavevej",
        2,
        "5220",
        "Odense SØ",
        "family",
        30,
        3,
        False,
        large_household_mobility=True,
    ),
    DepartmentSpec(
        "fyn",
        "302",
        "Kildegården",
        ODENSE,
        "Kildegårdsvej",
        8,
        "5200",
        "Odense V",
        "family_youth",
        26,
        4,
        True,
    ),
    DepartmentSpec(
        "fyn", "303", "Plejecenter Ådalen", ODENSE, "Ådalsvej", 40, "5260", "Odense S", "care", 22, 2, True
    ),
    DepartmentSpec(
        "fyn", "304", "Egeparken", ODENSE, "Egeparken", 1, "5210", "Odense NV", "family_elder", 24, 2, True
    ),
]

HOUSING_AREA = (AARHUS, "Aarhus Vest")


@dataclass(frozen=True)
class AreaStatusSpec:
    department: tuple[str, str]  # (organisation key, department number)
    kind: str
    valid_from: datetime.date
    note: str
    combined: bool = False


AREA_STATUSES = [
    AreaStatusSpec(
        ("kattegat", "102"),
        AreaStatusKind.HARD_GHETTO,
        datetime.date(2018, 12, 1),
        "På listen fra 1. december 2018 som hårdt ghettoområde (nu: omdannelsesområde).",
    ),
    AreaStatusSpec(
        ("fyn", "301"),
        AreaStatusKind.VULNERABLE,
        datetime.date(2021, 12, 1),
        "Udsat boligområde ifølge listen af 1. december 2021.",
    ),
    AreaStatusSpec(
        ("kattegat", "101"),
        AreaStatusKind.COMBINED_AREA,
        datetime.date(2019, 12, 1),
        "Kommunen vurderer Skovbrynet og Toftegården som ét boligområde.",
        combined=True,
    ),
    AreaStatusSpec(
        ("almenbo", "201"),
        AreaStatusKind.COMBINED_AREA,
        datetime.date(2019, 12, 1),
        "Kommunen vurderer Skovbrynet og Toftegården som ét boligområde.",
        combined=True,
    ),
    AreaStatusSpec(
        ("almenbo", "203"),
        AreaStatusKind.HIGH_OUTSIDE_LABOUR,
        datetime.date(2023, 12, 1),
        "Over 40 % af beboerne uden for arbejdsmarkedet.",
    ),
]

# Rooms -> (smallest, largest) gross floor area in m².
FLOOR_AREA = {1: (25, 45), 2: (48, 70), 3: (70, 90), 4: (88, 110), 5: (105, 130)}


# --- Persons ---------------------------------------------------------------------------------

# Postal codes by kommune code; persons mostly live in the two demo kommuner.
POSTAL_CODES = {
    AARHUS: [
        ("8000", "Aarhus C"),
        ("8200", "Aarhus N"),
        ("8210", "Aarhus V"),
        ("8220", "Brabrand"),
        ("8230", "Åbyhøj"),
        ("8240", "Risskov"),
        ("8250", "Egå"),
        ("8260", "Viby J"),
        ("8270", "Højbjerg"),
    ],
    ODENSE: [
        ("5000", "Odense C"),
        ("5200", "Odense V"),
        ("5210", "Odense NV"),
        ("5220", "Odense SØ"),
        ("5230", "Odense M"),
        ("5240", "Odense NØ"),
        ("5250", "Odense SV"),
        ("5260", "Odense S"),
        ("5270", "Odense N"),
    ],
    "0101": [("2100", "København Ø"), ("2200", "København N"), ("2300", "København S")],
    "0730": [("8900", "Randers C")],
    "0740": [("8600", "Silkeborg")],
    "0727": [("8300", "Odder")],
    "0630": [("7100", "Vejle")],
    "0479": [("5700", "Svendborg")],
    "0410": [("5500", "Middelfart")],
    "0851": [("9000", "Aalborg")],
}
OTHER_KOMMUNER = {AARHUS: ["0101", "0730", "0740", "0727", "0851"], ODENSE: ["0101", "0630", "0479", "0410"]}

CONSENT_METHODS = [
    (DigitalPostConsentMethod.SELF_SERVICE, 45),
    (DigitalPostConsentMethod.FORM, 20),
    (DigitalPostConsentMethod.LEASE, 15),
    (DigitalPostConsentMethod.COUNTER, 12),
    (DigitalPostConsentMethod.PHONE, 8),
]
PARTNER_RELATIONS = [
    (HouseholdRelation.SPOUSE, 60),
    (HouseholdRelation.COHABITANT, 32),
    (HouseholdRelation.PARTNER, 8),
]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]


@dataclass(frozen=True)
class ControllerPlan:
    label: str
    persons: int
    home_kommune: str
    elder_care: bool


@dataclass(frozen=True)
class UserSpec:
    username: str
    first_name: str
    last_name: str
    role_label: str
    memberships: tuple[tuple[str, str], ...]  # (tenant key, role)
    administrator: bool = False


USERS = [
    UserSpec("admin", "Dorthe", "Holm", "Administrator (is_staff + is_superuser)", (), administrator=True),
    UserSpec(
        "sagsbehandler",
        "Mette",
        "Sørensen",
        "Caseworker",
        (("org:kattegat", Role.CASEWORKER), ("association", Role.CASEWORKER)),
    ),
    UserSpec("sagsbehandler2", "Lars", "Kjær", "Caseworker", (("org:fyn", Role.CASEWORKER),)),
    UserSpec(
        "laeser",
        "Peter",
        "Lund",
        "Read-only",
        (("org:kattegat", Role.READ_ONLY), ("association", Role.READ_ONLY)),
    ),
    UserSpec("kommune", "Hanne", "Bech", "Kommune officer", (("kommune:" + AARHUS, Role.KOMMUNE_OFFICER),)),
    UserSpec("revisor", "Ole", "Krogh", "Auditor (draws lots, R38.3)", (("org:kattegat", Role.AUDITOR),)),
]


def _weighted(rng: random.Random, choices):
    values, weights = zip(*choices, strict=True)
    return rng.choices(values, weights=weights)[0]


def _ascii(text: str) -> str:
    text = text.lower().replace("æ", "ae").replace("ø", "oe").replace("å", "aa")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in text if ch.isalnum() or ch == "-")


class _PersonMaker:
    """Makes the (unsaved) persons of one data controller, household by household."""

    def __init__(
        self, tenant: Tenant, plan: ControllerPlan, kommuner: dict[str, Kommune], used_cprs: set[str]
    ) -> None:
        self.tenant, self.plan, self.kommuner, self.used_cprs = tenant, plan, kommuner, used_cprs
        self.rng = random.Random(f"{SEED}-persons-{plan.label}")
        self.fake = Faker("da_DK")
        self.fake.seed_instance(f"{SEED}-{plan.label}")

    def household(self) -> list[tuple[Person, str]]:
        rng, fake, plan = self.rng, self.fake, self.plan
        if plan.elder_care:
            shape = _weighted(rng, [("single", 70), ("couple", 30)])
            applicant_age = rng.randint(67, 97) if shape == "single" else rng.randint(66, 93)
            partner_age = applicant_age + rng.randint(-5, 4)
            children = 0
        else:
            shape = _weighted(rng, [("single", 38), ("couple", 22), ("single_parent", 15), ("family", 25)])
            if shape == "single":
                applicant_age = rng.choice([rng.randint(18, 29), rng.randint(18, 29), rng.randint(30, 85)])
            elif shape == "couple":
                applicant_age = rng.randint(20, 80)
            else:
                applicant_age = rng.randint(22, 52)
            with_children = shape in ("single_parent", "family")
            children = _weighted(rng, [(1, 40), (2, 40), (3, 15), (4, 5)]) if with_children else 0
            partner_age = max(20 if children else 18, applicant_age + rng.randint(-6, 6))

        # Most live in the controller's own kommune; a few elsewhere in the country.
        home = plan.home_kommune
        if rng.random() > (0.95 if plan.elder_care else 0.88):
            home = rng.choice(OTHER_KOMMUNER[plan.home_kommune])
        postal_code, city = rng.choice(POSTAL_CODES[home])
        address = f"{fake.street_name()} {rng.randint(1, 160)}"
        if rng.random() < 0.6:
            address += f", {rng.choice(['st.', '1.', '2.', '3.', '4.'])} {rng.choice(['tv.', 'th.', 'mf.'])}"
        place = {
            "address_line": address,
            "postal_code": postal_code,
            "city": city,
            "kommune": self.kommuner[home],
        }

        applicant_female = rng.random() < 0.55
        family_name = fake.last_name()
        applicant = self.person(applicant_age, applicant_female, family_name, place)
        members = [(applicant, HouseholdRelation.APPLICANT)]
        if shape in ("couple", "family"):
            relation = _weighted(rng, PARTNER_RELATIONS)
            # Registered partners are as often of the same sex as not; spouses and cohabitants mostly not.
            same_sex = relation == HouseholdRelation.PARTNER and rng.random() < 0.5
            female = applicant_female if same_sex else not applicant_female
            partner_name = family_name if rng.random() < 0.5 else fake.last_name()
            partner = self.person(partner_age, female, partner_name, place)
            members.append((partner, relation))
        youngest_parent = min(applicant_age, partner_age if len(members) > 1 else applicant_age)
        for _ in range(children):
            age = rng.randint(0, max(0, min(17, youngest_parent - 19)))
            child = self.person(age, rng.random() < 0.5, family_name, place)
            members.append((child, HouseholdRelation.CHILD))
        return members

    def person(self, age: int, female: bool, last_name: str, place: dict) -> Person:
        rng, fake = self.rng, self.fake
        born = datetime.date(REFERENCE_DAY.year - age - 1, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        first_name = fake.first_name_female() if female else fake.first_name_male()
        if rng.random() < 0.25:
            second = fake.first_name_female() if female else fake.first_name_male()
            if second != first_name:
                first_name = f"{first_name} {second}"
        person = Person(controller=self.tenant, first_name=first_name, last_name=last_name, **place)
        person.set_cpr(self.cpr(born, female))
        if age >= 18:
            self.contact_details(person, born)
        return person

    def cpr(self, born: datetime.date, female: bool) -> str:
        """A CPR number for ``born`` whose seventh digit gives the right century (stdnum's rule);
        the last digit is even for women and odd for men, as in real numbers."""
        rng, used = self.rng, self.used_cprs
        while True:
            if born.year < 2000:
                seventh = rng.choice("0123")
            elif born.year < 2037:
                seventh = rng.choice("49")
            else:  # pragma: no cover - no demo person is born after 2036
                seventh = rng.choice("5678")
            middle = f"{rng.randrange(100):02d}"
            last = rng.choice("02468" if female else "13579")
            number = f"{born:%d%m%y}{seventh}{middle}{last}"
            if number not in used:
                used.add(number)
                return number

    def contact_details(self, person: Person, born: datetime.date) -> None:
        rng, fake, plan = self.rng, self.fake, self.plan
        if rng.random() < (0.8 if plan.elder_care else 0.92):
            person.phone = fake.phone_number()
        if rng.random() < (0.3 if plan.elder_care else 0.72):
            first = _ascii(person.first_name.split()[0])
            last = _ascii(person.last_name)
            person.email = f"{first}.{last}{rng.randint(1, 99)}@{rng.choice(EMAIL_DOMAINS)}"
            person.wants_email_notice = rng.random() < 0.12
        if rng.random() < (0.12 if plan.elder_care else 0.03):
            person.digital_post_exempt = True
            return
        if rng.random() < (0.45 if plan.elder_care else 0.65):
            leap_day = (born.month, born.day) == (2, 29)
            adult = datetime.date(born.year + 18, born.month, 28 if leap_day else born.day)
            earliest = max(datetime.date(2019, 1, 1), adult)
            latest = REFERENCE_DAY - datetime.timedelta(days=17)
            if earliest <= latest:
                person.digital_post_consent_date = earliest + datetime.timedelta(
                    days=rng.randrange((latest - earliest).days + 1)
                )
                person.digital_post_consent_method = _weighted(rng, CONSENT_METHODS)


class Command(BaseCommand):
    help = "Build a small, realistic demo world (idempotent: only what is missing is created)."

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        self.created: Counter[str] = Counter()
        with transaction.atomic():
            self.system = system_user()
            self.kommuner = self._kommuner()
            self.users = self._users_without_memberships()
            self.association, self.organisations = self._organisations()
            self.tenants = self._tenant_keys()
            self._memberships()
            self.departments = self._departments()
            self._area_statuses()
            self._dwellings()
            self._persons()
            self._digital_post_senders()
            self._app_demo_data()
        self._report(time.monotonic() - started)

    # --- Kommuner and users ------------------------------------------------------------------

    def _kommuner(self) -> dict[str, Kommune]:
        codes = set(POSTAL_CODES)
        kommuner = {k.code: k for k in Kommune.objects.filter(code__in=codes).select_related("tenant")}
        missing = codes - set(kommuner)
        if missing:
            raise CommandError(f"Kommuner {sorted(missing)} are missing; run `manage.py migrate` first.")
        return kommuner

    def _users_without_memberships(self) -> dict[str, Any]:
        user_model = get_user_model()
        users = {}
        for spec in USERS:
            user = user_model.objects.filter(username=spec.username).first()
            if user is None:
                user = user_model(
                    username=spec.username,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    email=f"{spec.username}@demo.example.com",
                )
                validate_password(PASSWORD, user)
                user = user_model.objects.create_user(
                    username=spec.username,
                    password=PASSWORD,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    email=f"{spec.username}@demo.example.com",
                    is_staff=spec.administrator,
                    is_superuser=spec.administrator,
                )
                self.created["users"] += 1
            users[spec.username] = user
        return users

    def _memberships(self) -> None:
        for spec in USERS:
            user = self.users[spec.username]
            for tenant_key, role in spec.memberships:
                tenant = self.tenants[tenant_key]
                if Membership.objects.filter(user=user, tenant=tenant).exists():
                    continue
                membership = Membership(user=user, tenant=tenant, role=role)
                audited_save(membership, actor=self.system, reason=REASON)
                self.created["memberships"] += 1

    # --- Organisations, departments, area statuses ------------------------------------------

    def _organisations(self) -> tuple[SharedListAssociation, dict[str, HousingOrganisation]]:
        existing = {
            o.cvr: o for o in HousingOrganisation.objects.filter(cvr__in=[s.cvr for s in ORGANISATIONS])
        }
        association = next(
            (
                existing[s.cvr].shared_list
                for s in ORGANISATIONS
                if s.shared_list and s.cvr in existing and existing[s.cvr].shared_list_id
            ),
            None,
        )
        if association is None:
            association = SharedListAssociation.objects.filter(name=ASSOCIATION_NAME).first()
        admin = self.users["admin"]
        if (association is None or len(existing) < len(ORGANISATIONS)) and not (
            admin.is_staff and admin.is_superuser
        ):
            raise CommandError(
                "The user 'admin' exists but is not an administrator, so it cannot create the organisations."
            )
        if association is None:
            association = services.association_create(actor=admin, reason=REASON, name=ASSOCIATION_NAME)
            self.created["associations"] += 1
        organisations = {}
        for spec in ORGANISATIONS:
            organisation = existing.get(spec.cvr)
            if organisation is None:
                organisation = services.organisation_create(
                    actor=admin,
                    reason=REASON,
                    organisation=HousingOrganisation(
                        name=spec.name,
                        cvr=spec.cvr,
                        address_line=spec.address_line,
                        postal_code=spec.postal_code,
                        city=spec.city,
                        email=spec.email,
                        phone=spec.phone,
                        digital_post_connected_from=spec.digital_post_connected_from,
                        shared_list=association if spec.shared_list else None,
                    ),
                )
                self.created["organisations"] += 1
            organisations[spec.key] = organisation
        return association, organisations

    def _tenant_keys(self) -> dict[str, Tenant]:
        tenants: dict[str, Tenant] = {"association": self.association.tenant}
        for key, organisation in self.organisations.items():
            tenants[f"org:{key}"] = organisation.tenant
        for code, kommune in self.kommuner.items():
            tenants[f"kommune:{code}"] = kommune.tenant
        return tenants

    def _departments(self) -> dict[tuple[str, str], Department]:
        departments = {}
        for spec in DEPARTMENTS:
            organisation = self.organisations[spec.org]
            department = Department.objects.filter(organisation=organisation, number=spec.number).first()
            if department is None:
                department = audited_save(
                    Department(
                        organisation=organisation,
                        number=spec.number,
                        name=spec.name,
                        kommune=self.kommuner[spec.kommune],
                        address_line=f"{spec.street} {spec.first_house_number}",
                        postal_code=spec.postal_code,
                        city=spec.city,
                    ),
                    actor=self.system,
                    reason=REASON,
                )
                self.created["departments"] += 1
            departments[(spec.org, spec.number)] = department
        return departments

    def _area_statuses(self) -> None:
        code, name = HOUSING_AREA
        area = HousingArea.objects.filter(kommune=self.kommuner[code], name=name).first()
        if area is None:
            area = audited_save(
                HousingArea(kommune=self.kommuner[code], name=name), actor=self.system, reason=REASON
            )
            self.created["housing areas"] += 1
        for spec in AREA_STATUSES:
            department = self.departments[spec.department]
            if DepartmentAreaStatus.objects.filter(
                department=department, kind=spec.kind, valid_from=spec.valid_from
            ).exists():
                continue
            audited_save(
                DepartmentAreaStatus(
                    department=department,
                    kind=spec.kind,
                    valid_from=spec.valid_from,
                    note=spec.note,
                    housing_area=area if spec.combined else None,
                ),
                actor=self.system,
                reason=REASON,
            )
            self.created["area statuses"] += 1

    # --- Dwellings ---------------------------------------------------------------------------

    def _dwellings(self) -> None:
        with_dwellings = set(
            Dwelling.objects.filter(department__in=self.departments.values())
            .values_list("department_id", flat=True)
            .distinct()
        )
        new: list[Dwelling] = []
        for spec in DEPARTMENTS:
            department = self.departments[(spec.org, spec.number)]
            if department.pk in with_dwellings:
                continue
            new.extend(self._department_dwellings(spec, department))
        for dwelling in new:
            dwelling.full_clean(exclude=["department"], validate_unique=False, validate_constraints=False)
        if new:
            bulk_create_with_history(
                new, Dwelling, batch_size=BATCH_SIZE, default_user=self.system, default_change_reason=REASON
            )
            self.created["dwellings"] += len(new)

    @staticmethod
    def _dwelling_kinds(rng: random.Random, spec: DepartmentSpec) -> list[tuple[str, str]]:
        """(kind, youth kind) for each dwelling of the department."""
        family = (DwellingKind.FAMILY, YouthKind.ORDINARY)
        if spec.profile == "youth":
            youth_kinds = [
                (YouthKind.UNIVERSITY_NEAR, 40),
                (YouthKind.STARTBOLIG, 20),
                (YouthKind.RELABELLED, 15),
                (YouthKind.ORDINARY, 25),
            ]
            kinds = [(DwellingKind.YOUTH, _weighted(rng, youth_kinds)) for _ in range(spec.count)]
            # Make sure each youth kind is present at least once.
            for i, youth_kind in enumerate(YouthKind.values):
                kinds[i] = (DwellingKind.YOUTH, youth_kind)
            return kinds
        if spec.profile == "elder":
            plejeboliger = 6
            return [(DwellingKind.ELDER, YouthKind.ORDINARY)] * (spec.count - plejeboliger) + [
                (DwellingKind.PLEJEBOLIG, YouthKind.ORDINARY)
            ] * plejeboliger
        if spec.profile == "care":
            plejehjem = 8
            return [(DwellingKind.PLEJEBOLIG, YouthKind.ORDINARY)] * (spec.count - plejehjem) + [
                (DwellingKind.PLEJEHJEM, YouthKind.ORDINARY)
            ] * plejehjem
        if spec.profile == "old_town":
            return [family] * (spec.count - 3) + [(DwellingKind.URBAN_RENEWAL_ELDER, YouthKind.ORDINARY)] * 3
        if spec.profile == "family_elder":
            return [family] * (spec.count - 6) + [(DwellingKind.ELDER, YouthKind.ORDINARY)] * 6
        if spec.profile == "family_youth":
            return (
                [family] * (spec.count - 6)
                + [(DwellingKind.YOUTH, YouthKind.STARTBOLIG)] * 3
                + [(DwellingKind.YOUTH, YouthKind.ORDINARY)] * 3
            )
        return [family] * spec.count

    @staticmethod
    def _rooms(rng: random.Random, kind: str) -> int:
        if kind == DwellingKind.FAMILY:
            return _weighted(rng, [(1, 6), (2, 25), (3, 36), (4, 23), (5, 10)])
        if kind == DwellingKind.YOUTH:
            return _weighted(rng, [(1, 75), (2, 25)])
        if kind in (DwellingKind.ELDER, DwellingKind.URBAN_RENEWAL_ELDER):
            return _weighted(rng, [(2, 70), (3, 30)])
        if kind == DwellingKind.PLEJEBOLIG:
            return _weighted(rng, [(1, 55), (2, 45)])
        return 1  # plejehjem: one room with bath

    def _department_dwellings(self, spec: DepartmentSpec, department: Department) -> list[Dwelling]:
        rng = random.Random(f"{SEED}-dwellings-{spec.org}-{spec.number}")
        kommune_name = f"{self.kommuner[spec.kommune].name} Kommune"
        floors_per_stair = spec.top_floor + 1
        dwellings = []
        for index, (kind, youth_kind) in enumerate(self._dwelling_kinds(rng, spec)):
            rooms = self._rooms(rng, kind)
            if kind == DwellingKind.YOUTH:
                low, high = (25, 40) if rooms == 1 else (40, 55)
            elif kind == DwellingKind.PLEJEHJEM:
                low, high = 25, 35
            elif kind == DwellingKind.PLEJEBOLIG:
                low, high = (38, 50) if rooms == 1 else (55, 68)
            else:
                low, high = FLOOR_AREA[rooms]
            floor_area = Decimal(rng.randint(low * 2, high * 2)) / 2
            # Rent follows size (about 80–100 DKK per m² a month), within DKK 3,000–12,000.
            rent = min(12000, max(3000, round(float(floor_area) * rng.uniform(80, 100) / 5) * 5))
            if spec.top_floor == 0:  # row houses
                floor = 0
                address = f"{spec.street} {spec.first_house_number + index}"
            else:
                stair, position = divmod(index, floors_per_stair * 2)
                floor = position // 2
                side = "tv." if position % 2 == 0 else "th."
                storey = "st." if floor == 0 else f"{floor}."
                address = f"{spec.street} {spec.first_house_number + 2 * stair}, {storey} {side}"
            dwelling = Dwelling(
                department=department,
                number=f"{spec.number}-{index + 1:03d}",
                address_line=address,
                floor=floor,
                has_elevator=spec.elevator,
                kind=kind,
                rooms=rooms,
                gross_floor_area=floor_area,
                monthly_rent=Decimal(rent),
                youth_kind=youth_kind,
            )
            accessible = floor == 0 or spec.elevator
            if kind in (
                DwellingKind.ELDER,
                DwellingKind.URBAN_RENEWAL_ELDER,
                DwellingKind.PLEJEBOLIG,
                DwellingKind.PLEJEHJEM,
            ):
                dwelling.fitted_elderly_disabled = True
            if kind == DwellingKind.ELDER:
                dwelling.suitable_for_two = rooms >= 2 and rng.random() < 0.6
                dwelling.fitted_mobility_impaired = rng.random() < 0.2
            if kind in (DwellingKind.PLEJEBOLIG, DwellingKind.PLEJEHJEM):
                dwelling.fitted_far_reaching_disability = rng.random() < 0.35
                dwelling.suitable_for_two = (
                    kind == DwellingKind.PLEJEBOLIG and rooms == 2 and rng.random() < 0.5
                )
            if kind == DwellingKind.FAMILY and accessible and rng.random() < 0.05:
                dwelling.fitted_mobility_impaired = True
            if kind in (DwellingKind.ELDER, DwellingKind.PLEJEBOLIG, DwellingKind.PLEJEHJEM) and (
                kind != DwellingKind.ELDER or rng.random() < 0.35
            ):
                # Plejeboliger and some elder dwellings are owned by the kommune (ABL § 5, stk. 2).
                dwelling.owner_kind = OwnerKind.KOMMUNE
                dwelling.owner_name = kommune_name
            dwellings.append(dwelling)
        if spec.large_household_mobility:
            # One large ground-floor family dwelling fitted for a household with a mobility-impaired member.
            first = dwellings[0]
            first.rooms, first.floor = 5, 0
            first.gross_floor_area, first.monthly_rent = Decimal("122.5"), Decimal("11200")
            first.fitted_mobility_impaired = first.fitted_large_household_mobility = True
            first.address_line = first.address_line.split(",")[0] + (", st. tv." if spec.top_floor else "")
        return dwellings

    # --- Persons and households ---------------------------------------------------------------

    def _controller_plans(self) -> list[tuple[Tenant, ControllerPlan]]:
        return [
            (self.association.tenant, ControllerPlan("association", 520, AARHUS, elder_care=False)),
            (self.organisations["fyn"].tenant, ControllerPlan("fyn", 280, ODENSE, elder_care=False)),
            (self.kommuner[AARHUS].tenant, ControllerPlan("kommune-aarhus", 100, AARHUS, elder_care=True)),
            (self.kommuner[ODENSE].tenant, ControllerPlan("kommune-odense", 100, ODENSE, elder_care=True)),
        ]

    def _persons(self) -> None:
        seeded_controllers = set(
            Person.history.filter(history_type="+", history_change_reason=REASON)
            .values_list("controller_id", flat=True)
            .distinct()
        )
        used_cprs: set[str] = set()
        for tenant, plan in self._controller_plans():
            if tenant.pk in seeded_controllers:
                continue
            self._seed_controller(tenant, plan, used_cprs)

    def _seed_controller(self, tenant: Tenant, plan: ControllerPlan, used_cprs: set[str]) -> None:
        maker = _PersonMaker(tenant, plan, self.kommuner, used_cprs)
        households: list[list[tuple[Person, str]]] = []
        total = 0
        while total < plan.persons:
            members = maker.household()
            households.append(members)
            total += len(members)

        persons = [person for members in households for person, _relation in members]
        first_number = services.reserve_numbers(tenant_id=tenant.pk, series="applicant", count=len(persons))
        for offset, person in enumerate(persons):
            person.applicant_number = f"{first_number + offset:07d}"
            person.full_clean(
                exclude=["controller", "kommune"], validate_unique=False, validate_constraints=False
            )
        bulk_create_with_history(
            persons, Person, batch_size=BATCH_SIZE, default_user=self.system, default_change_reason=REASON
        )
        household_rows = bulk_create_with_history(
            [Household(controller=tenant) for _ in households],
            Household,
            batch_size=BATCH_SIZE,
            default_user=self.system,
            default_change_reason=REASON,
        )
        member_rows = [
            HouseholdMember(household=household, person=person, relation=relation)
            for household, members in zip(household_rows, households, strict=True)
            for person, relation in members
        ]
        bulk_create_with_history(
            member_rows,
            HouseholdMember,
            batch_size=BATCH_SIZE,
            default_user=self.system,
            default_change_reason=REASON,
        )
        self.created["persons"] += len(persons)
        self.created["households"] += len(household_rows)

    # --- Report ------------------------------------------------------------------------------

    def _digital_post_senders(self) -> None:
        """The kommuner's and the shared list's CVR numbers: their sender IDs in Digital Post."""
        for code, cvr in KOMMUNE_CVR.items():
            kommune = self.kommuner[code]
            if not kommune.cvr:
                kommune.cvr = cvr
                audited_save(kommune, actor=self.system, reason=REASON)
                self.created["kommune CVR numbers"] += 1
        if not self.association.cvr:
            self.association.cvr = ASSOCIATION_CVR
            self.association.digital_post_connected_from = datetime.date(2022, 3, 1)
            audited_save(self.association, actor=self.system, reason=REASON)

    def _app_demo_data(self) -> None:
        """Apps above housing add their part of the demo world in ``<app>.demo.seed(command)``;
        housing may not import them (dependencies point one way), so they are found by name."""
        for config in apps.get_app_configs():
            if config.name == "housing":
                continue
            try:
                module = import_module(f"{config.name}.demo")
            except ModuleNotFoundError as exc:
                if exc.name != f"{config.name}.demo":
                    raise
                continue
            for what, count in module.seed(command=self).items():
                self.created[what] += count

    def _report(self, seconds: float) -> None:
        out = self.stdout
        departments = Department.objects.filter(pk__in=[d.pk for d in self.departments.values()])
        dwellings = Dwelling.objects.filter(department__in=departments)
        tenants = [tenant for tenant, _plan in self._controller_plans()]
        persons = Person.objects.filter(controller__in=tenants)
        created = ", ".join(f"{what}: {count}" for what, count in self.created.items() if count)
        created = created or "nothing (everything was already there)"
        out.write(self.style.SUCCESS(f"Demo world ready in {seconds:.1f} s. Created now: {created}."))
        out.write("")
        kommuner = len({s.kommune for s in DEPARTMENTS})
        out.write(f"  Kommuner used:            {kommuner} (Aarhus 0751, Odense 0461)")
        out.write(f"  Housing organisations:    {len(self.organisations)}")
        out.write(f"  Shared-list associations: 1 ({self.association.name})")
        out.write(f"  Departments:              {departments.count()}")
        out.write(f"  Dwellings:                {dwellings.count()}")
        by_kind = Counter(dwellings.values_list("kind", flat=True))
        for kind in DwellingKind:
            out.write(f"    {kind.label:<48} {by_kind.get(kind.value, 0):>4}")
        out.write(f"  Persons:                  {persons.count()}")
        per_controller = Counter(persons.values_list("controller__name", flat=True))
        for name, count in sorted(per_controller.items()):
            out.write(f"    {name:<48} {count:>4}")
        out.write(f"  Households:               {Household.objects.filter(controller__in=tenants).count()}")
        out.write("")
        out.write("Logins (password for all: " + PASSWORD + ")")
        rows = [("Username", "Name", "Role", "Data controllers")]
        for spec in USERS:
            controllers = (
                ", ".join(f"{self.tenants[key].name} ({Role(role).label})" for key, role in spec.memberships)
                or "— (no memberships; sees the register, not persons)"
            )
            rows.append((spec.username, f"{spec.first_name} {spec.last_name}", spec.role_label, controllers))
        widths = [max(len(str(row[i])) for row in rows) for i in range(3)]
        for i, row in enumerate(rows):
            cells = [str(cell).ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
            out.write("  " + "  ".join([*cells, row[3]]))
            if i == 0:
                out.write("  " + "  ".join("-" * w for w in widths) + "  " + "-" * 16)
