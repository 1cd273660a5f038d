"""``manage.py seed_scale --persons N [--organisations K] [--shared-list S] [--reset]``: a large
data set for measuring the waiting lists at the size of a big Danish city (1,000,000 persons, ~2.5
entries each), built in minutes with PostgreSQL ``COPY``.

With ``--shared-list S`` the København organisations share one general list (*fælles venteliste*,
§ 3, stk. 2 — R3.2) the size of Copenhagen's: a shared-list association "Skala Fælles venteliste
København" controls it, S of the N persons stand on it (one entry each, wishing the member
organisations' departments), and the member organisations keep their own internal and youth
lists but no general list of their own. ``seed_scale --persons 1000000 --shared-list 500000`` is
the set issue 16's page figures are measured on (``manage.py bench_pages``).

K organisations ("Skala Boligselskab NN", the marker ``--reset`` looks for) in four kommuner,
each with five departments of twenty dwellings, a general list, an internal list (smaller) and a
youth list. Persons are spread unevenly over the organisations (a few large, many small), with
valid CPR numbers unique per controller (encrypted and hashed as ``housing.cpr`` does), and
every created row — persons, entries and the wanted departments included — has exactly one
history row with the system user and the reason "Skaleringsdata".
"""

from __future__ import annotations

import datetime
import random
import time
from contextlib import contextmanager
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection, transaction
from faker.providers.person.da_DK import Provider as DanishNames
from simple_history.utils import bulk_create_with_history

from housing import cpr
from housing.audit import audited_save, system_user
from housing.models import (
    Department,
    Dwelling,
    DwellingKind,
    HousingOrganisation,
    Kommune,
    NumberSeries,
    Person,
    SharedListAssociation,
    Tenant,
)
from housing.services import reserve_numbers
from waitinglists.models import (
    DeletionReason,
    Entry,
    EntryStatus,
    FeeSchedule,
    ListKind,
    ListTally,
    QueueChange,
    QueueSnapshot,
    SeniorityBasis,
    WaitingList,
)
from waitinglists.queue import rebuild_all
from waitinglists.services.registration import payment_reference

from .import_waitinglist import LIST_NAMES, BulkWriter

REASON = "Skaleringsdata"
MARKER = "Skala "  # organisations (and their tenants) whose names start with this are scale data
SEED = 1_000_003
KOMMUNER = {"0751": ("8000", "Aarhus C"), "0461": ("5000", "Odense C"), "0101": ("2100", "København Ø"),
            "0851": ("9000", "Aalborg")}  # fmt: skip
DEPARTMENTS_PER_ORGANISATION = 5
DWELLINGS_PER_DEPARTMENT = 20
TODAY = datetime.date(2026, 1, 1)
SHARED_KOMMUNE = "0101"  # København: its organisations share the --shared-list list
STREETS = ("Skovvej", "Parkvej", "Engvej", "Møllevej", "Kirkevej", "Søndergade", "Vestergade", "Nørregade")


def _valid_cvrs(count: int, taken: set[str]) -> list[str]:
    weights = (2, 7, 6, 5, 4, 3, 2)
    numbers, prefix = [], 6_100_000
    while len(numbers) < count:
        prefix += 1
        digits = str(prefix)
        check = -sum(w * int(d) for w, d in zip(weights, digits, strict=True)) % 11
        if check < 10 and f"{digits}{check}" not in taken:
            numbers.append(f"{digits}{check}")
    return numbers


# The kept queue's tables (``waitinglists.queue``), cleared with their lists on --reset.
QUEUE_TABLES = ("waitinglists_queuesnapshot", "waitinglists_queuechange", "waitinglists_listtally")


class Command(BaseCommand):
    help = "Build a large data set (persons, list entries, wishes, history) with PostgreSQL COPY."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--persons", type=int, required=True)
        parser.add_argument("--organisations", type=int, default=40)
        parser.add_argument(
            "--shared-list",
            type=int,
            default=0,
            help="Persons (of --persons) on one general list shared by the København organisations.",
        )
        parser.add_argument("--reset", action="store_true", help="Delete earlier scale data first.")

    def handle(self, *args, persons: int, organisations: int, reset: bool, **options) -> None:
        shared = options["shared_list"]
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (it loads the data with COPY).")
        if persons < 1 or organisations < 1:
            raise CommandError("--persons and --organisations must be positive.")
        if not 0 <= shared < persons:
            raise CommandError("--shared-list must be at least 0 and less than --persons.")
        if shared and organisations < len(KOMMUNER):
            raise CommandError(
                f"--shared-list needs at least {len(KOMMUNER)} organisations (one in København)."
            )
        self.timings: list[tuple[str, float]] = []
        self.rng = random.Random(SEED)
        started = time.monotonic()
        with self._phase("all of the above, with COMMIT"), transaction.atomic():
            if reset:
                with self._phase("reset"):
                    self._reset()
            elif HousingOrganisation.objects.filter(name__startswith=MARKER).exists():
                raise CommandError("Scale data exists already; run with --reset to replace it.")
            with self._phase("register (organisations, departments, dwellings, lists)"):
                self.system = system_user()
                self.writer = BulkWriter(user_id=self.system.pk, reason=REASON)
                orgs = self._register(organisations, shared=bool(shared))
                shared_block = self._register_shared_list(orgs) if shared else None
            counts = self._split(persons - shared, len(orgs))
            self._skip_foreign_key_triggers()
            self.totals = {"persons": 0, "entries": 0, "wishes": 0, "encrypt_s": 0.0}
            with self._phase("persons, entries, wishes and their history (COPY)"):
                for org, count in zip(orgs, counts, strict=True):
                    self._seed_organisation(org, count)
                if shared_block:
                    self._seed_organisation(shared_block, shared)
            with self._phase("the wishes' copy of their entries' places (what the triggers keep)"):
                self._fill_wish_queue_columns()
            with self._phase("queue positions and list counts (waitinglists.queue)"):
                rebuild_all()
        with self._phase("VACUUM ANALYZE" if not connection.in_atomic_block else "ANALYZE"):
            self._analyze()
        self._report(time.monotonic() - started)

    def _skip_foreign_key_triggers(self) -> None:
        """Every foreign key is DEFERRABLE INITIALLY DEFERRED, so PostgreSQL queues one check per
        inserted row and runs millions of them at COMMIT — about half the load time. The rows
        made here point only at rows made (or read) a moment before, so the checks are skipped
        for this transaction when the database user may (superuser); otherwise they run."""
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL session_replication_role = replica")
        except DatabaseError:
            self.stdout.write("  (foreign-key checks stay on: the database user is not a superuser)")

    def _fill_wish_queue_columns(self) -> None:
        """Each wish carries its entry's list, status, R9.4 mark, seniority date and rooms (migration
        ``waitinglists 0018``; ``positions._ahead_counts_kept`` counts from them). Its triggers do
        not run here (``_skip_foreign_key_triggers`` turns every trigger off), so the rows written
        are given them in one statement, as the migration gave the rows that existed."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE waitinglists_entry_departments w SET queue_list_id = e.waiting_list_id, "
                "queue_status = e.status, queue_after_scheme = NOT e.listed_before_seniority_scheme, "
                "queue_seniority = e.seniority_date, queue_rooms_min = e.rooms_min, "
                "queue_rooms_max = e.rooms_max FROM waitinglists_entry e "
                "WHERE e.id = w.entry_id AND w.queue_list_id IS NULL"
            )

    @contextmanager
    def _phase(self, name: str):
        started = time.monotonic()
        yield
        self.timings.append((name, time.monotonic() - started))
        self.stdout.write(f"  {name}: {self.timings[-1][1]:.1f} s")

    # --- Reset -------------------------------------------------------------------------------

    def _reset(self) -> None:
        """Remove all earlier scale data with set-based deletes (history rows included: the
        data set is synthetic, so its removal is not an audited change)."""
        tenant_ids = list(
            HousingOrganisation.objects.filter(name__startswith=MARKER).values_list("tenant_id", flat=True)
        ) + list(
            SharedListAssociation.objects.filter(name__startswith=MARKER).values_list("tenant_id", flat=True)
        )
        if not tenant_ids:
            return
        statements = [
            "DELETE FROM waitinglists_historicalentry_departments WHERE entry_id IN "
            "(SELECT id FROM waitinglists_entry WHERE controller_id = ANY(%(t)s))",
            "DELETE FROM waitinglists_entry_departments WHERE entry_id IN "
            "(SELECT id FROM waitinglists_entry WHERE controller_id = ANY(%(t)s))",
            "DELETE FROM waitinglists_historicalentry WHERE controller_id = ANY(%(t)s)",
            "DELETE FROM waitinglists_entry WHERE controller_id = ANY(%(t)s)",
            "DELETE FROM housing_historicalperson WHERE controller_id = ANY(%(t)s)",
            "DELETE FROM housing_person WHERE controller_id = ANY(%(t)s)",
            # The kept queue of the lists (``waitinglists.queue``): the entries' deletion above has just
            # logged its changes too.
            *(
                f"DELETE FROM {table} WHERE waiting_list_id IN "  # noqa: S608 — our own table names
                "(SELECT id FROM waitinglists_waitinglist WHERE controller_id = ANY(%(t)s))"
                for table in QUEUE_TABLES
            ),
            "DELETE FROM waitinglists_historicalwaitinglist WHERE controller_id = ANY(%(t)s)",
            "DELETE FROM waitinglists_waitinglist WHERE controller_id = ANY(%(t)s)",
            "DELETE FROM waitinglists_historicalfeeschedule WHERE controller_id = ANY(%(t)s)",
            "DELETE FROM waitinglists_feeschedule WHERE controller_id = ANY(%(t)s)",
            "DELETE FROM housing_numberseries WHERE tenant_id = ANY(%(t)s)",
            "DELETE FROM housing_historicaldwelling WHERE department_id IN (SELECT d.id FROM "
            "housing_department d JOIN housing_housingorganisation o ON o.id = d.organisation_id "
            "WHERE o.tenant_id = ANY(%(t)s))",
            "DELETE FROM housing_dwelling WHERE department_id IN (SELECT d.id FROM housing_department d "
            "JOIN housing_housingorganisation o ON o.id = d.organisation_id WHERE o.tenant_id = ANY(%(t)s))",
            "DELETE FROM housing_historicaldepartment WHERE organisation_id IN "
            "(SELECT id FROM housing_housingorganisation WHERE tenant_id = ANY(%(t)s))",
            "DELETE FROM housing_department WHERE organisation_id IN "
            "(SELECT id FROM housing_housingorganisation WHERE tenant_id = ANY(%(t)s))",
            "DELETE FROM housing_historicalhousingorganisation WHERE tenant_id = ANY(%(t)s)",
            "DELETE FROM housing_housingorganisation WHERE tenant_id = ANY(%(t)s)",
            "DELETE FROM housing_historicalsharedlistassociation WHERE tenant_id = ANY(%(t)s)",
            "DELETE FROM housing_sharedlistassociation WHERE tenant_id = ANY(%(t)s)",
            "DELETE FROM housing_historicaltenant WHERE id = ANY(%(t)s)",
            "DELETE FROM housing_tenant WHERE id = ANY(%(t)s)",
        ]
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql, {"t": tenant_ids})

    # --- The register ------------------------------------------------------------------------

    def _register(self, count: int, *, shared: bool = False) -> list[dict]:
        kommuner = {k.code: k for k in Kommune.objects.filter(code__in=KOMMUNER)}
        if len(kommuner) != len(KOMMUNER):
            raise CommandError("The kommuner are missing; run `manage.py migrate` first.")
        cvrs = _valid_cvrs(count, set(HousingOrganisation.objects.values_list("cvr", flat=True)))
        codes = list(KOMMUNER)
        orgs = []
        departments, dwellings = [], []
        for index in range(count):
            code = codes[index % len(codes)]
            postal_code, city = KOMMUNER[code]
            name = f"{MARKER}Boligselskab {index + 1:02d}"
            tenant = audited_save(
                Tenant(kind=Tenant.Kind.ORGANISATION, name=name), actor=self.system, reason=REASON
            )
            org = audited_save(
                HousingOrganisation(
                    name=name, cvr=cvrs[index], postal_code=postal_code, city=city, tenant=tenant
                ),
                actor=self.system,
                reason=REASON,
            )
            org_departments = [
                Department(
                    organisation=org,
                    number=f"{100 + d}",
                    name=f"{STREETS[(index + d) % len(STREETS)]}parken {index + 1}",
                    kommune=kommuner[code],
                    address_line=f"{STREETS[(index + d) % len(STREETS)]} {d + 1}",
                    postal_code=postal_code,
                    city=city,
                )
                for d in range(1, DEPARTMENTS_PER_ORGANISATION + 1)
            ]
            departments += org_departments
            orgs.append({"org": org, "tenant_id": tenant.pk, "departments": org_departments, "kommune": code})
        bulk_create_with_history(
            departments, Department, batch_size=500, default_user=self.system, default_change_reason=REASON
        )
        for department in departments:
            for n in range(DWELLINGS_PER_DEPARTMENT):
                youth = n >= DWELLINGS_PER_DEPARTMENT - 4
                rooms = 1 if youth else 1 + n % 5
                dwellings.append(
                    Dwelling(
                        department=department,
                        number=f"{department.number}-{n + 1:03d}",
                        address_line=f"{department.address_line}, {n // 4}. {'tv.' if n % 2 else 'th.'}",
                        floor=n // 4,
                        kind=DwellingKind.YOUTH if youth else DwellingKind.FAMILY,
                        rooms=rooms,
                        gross_floor_area=Decimal(30 + 20 * rooms),
                        monthly_rent=Decimal(2500 + 1500 * rooms),
                    )
                )
        bulk_create_with_history(
            dwellings, Dwelling, batch_size=1000, default_user=self.system, default_change_reason=REASON
        )
        for entry in orgs:
            org = entry["org"]
            entry["department_ids"] = [d.pk for d in entry["departments"]]
            entry["lists"] = {
                kind: audited_save(
                    WaitingList(
                        controller_id=org.tenant_id,
                        organisation=org,
                        kind=kind,
                        name=template.format(name=org.name),
                    ),
                    actor=self.system,
                    reason=REASON,
                ).pk
                for kind, template in LIST_NAMES.items()
                if not (shared and kind == ListKind.GENERAL and entry["kommune"] == SHARED_KOMMUNE)
            }
            self._fee_schedule(org.tenant_id)
        return orgs

    def _fee_schedule(self, controller_id: int) -> None:
        """The fees of a list's controller: 200 kr. at registration, 150 kr. a year due 1 February."""
        audited_save(
            FeeSchedule(
                controller_id=controller_id,
                valid_from=datetime.date(2020, 1, 1),
                registration_fee=Decimal("200.00"),
                update_fee=Decimal("150.00"),
                due_month=2,
                due_day=1,
            ),
            actor=self.system,
            reason=REASON,
        )

    def _register_shared_list(self, orgs: list[dict]) -> dict:
        """R3.2: the København organisations join one shared general list (``_register`` gave them
        no general list of their own); their persons stand on their internal and youth lists."""
        members = [o for o in orgs if o["kommune"] == SHARED_KOMMUNE]
        name = f"{MARKER}Fælles venteliste København"
        tenant = audited_save(
            Tenant(kind=Tenant.Kind.ASSOCIATION, name=name), actor=self.system, reason=REASON
        )
        association = audited_save(
            SharedListAssociation(name=name, tenant=tenant), actor=self.system, reason=REASON
        )
        for member in members:
            org = member["org"]
            org.shared_list = association
            audited_save(org, actor=self.system, reason=REASON)
        shared_list = audited_save(
            WaitingList(
                controller_id=tenant.pk,
                organisation=None,
                kind=ListKind.GENERAL,
                name=name,
            ),
            actor=self.system,
            reason=REASON,
        )
        self._fee_schedule(tenant.pk)
        return {
            "org": members[0]["org"],
            "tenant_id": tenant.pk,
            "lists": {ListKind.GENERAL: shared_list.pk},
            "department_ids": [pk for member in members for pk in member["department_ids"]],
            "kommune": SHARED_KOMMUNE,
        }

    def _split(self, persons: int, organisations: int) -> list[int]:
        """A few large organisations and many small ones (weights 1/√rank)."""
        weights = [1 / (rank + 1) ** 0.5 for rank in range(organisations)]
        total = sum(weights)
        counts = [int(persons * w / total) for w in weights]
        counts[0] += persons - sum(counts)
        return counts

    # --- Persons and entries -----------------------------------------------------------------

    def _cpr(self, used: set[str]) -> tuple[str, datetime.date, int]:
        rng = self.rng
        age = rng.randint(16, 30) if rng.random() < 0.75 else rng.randint(31, 85)
        born = datetime.date(TODAY.year - age - 1, 1, 1) + datetime.timedelta(days=rng.randrange(365))
        seventh = "3" if born.year < 2000 else "4"  # stdnum's century rule
        while True:
            number = f"{born:%d%m%y}{seventh}{rng.randrange(1000):03d}"
            if number not in used:
                used.add(number)
                return number, born, age

    def _seed_organisation(self, entry: dict, count: int) -> None:
        rng, tenant_id = self.rng, entry["tenant_id"]
        lists, department_ids = entry["lists"], entry["department_ids"]
        postal_code, city = entry["org"].postal_code, entry["org"].city
        last_names, male, female = (
            DanishNames.last_names,
            DanishNames.first_names_male,
            DanishNames.first_names_female,
        )
        used: set[str] = set()
        persons, plans = [], []
        encrypt_seconds = 0.0
        for serial in range(1, count + 1):
            number, born, age = self._cpr(used)
            tick = time.perf_counter()
            encrypted, cpr_hash = cpr.encrypt(number), cpr.lookup_hash(number)
            encrypt_seconds += time.perf_counter() - tick
            first_name = rng.choice(female if int(number[-1]) % 2 == 0 else male)
            last_name = rng.choice(last_names)
            consent = rng.random() < 0.6
            persons.append(
                {
                    "controller_id": tenant_id,
                    "applicant_number": f"{serial:07d}",
                    "cpr_encrypted": encrypted,
                    "cpr_hash": cpr_hash,
                    "birth_date": born,
                    "first_name": first_name,
                    "last_name": last_name,
                    "address_line": f"{rng.choice(STREETS)} {rng.randint(1, 199)}",
                    "postal_code": postal_code,
                    "city": city,
                    "email": f"{first_name.lower()}.{serial}@example.com" if rng.random() < 0.7 else "",
                    "phone": f"{rng.randint(20000000, 99999999)}",
                    "digital_post_consent_date": datetime.date(2024, 1, 2) if consent else None,
                    "digital_post_consent_method": "self_service" if consent else "",
                }
            )
            kinds = [ListKind.GENERAL]
            if rng.random() < 0.8:
                kinds.append(ListKind.INTERNAL)
            if age <= 30 and rng.random() < 0.9:
                kinds.append(ListKind.YOUTH)
            # A member of the shared list has no general list of its own (its applicants stand on
            # the shared one, another controller's); the shared list has nothing but the general.
            kinds = [k for k in kinds if k in lists] or [next(iter(lists))]
            plans.append((born, kinds, f"{first_name} {last_name}"))
        person_ids, _ = self.writer.insert(Person, persons)
        self.totals["encrypt_s"] += encrypt_seconds

        entries, wishes = [], []
        first_reference = reserve_numbers(
            tenant_id=tenant_id, series="payment", count=sum(len(k) for _b, k, _n in plans)
        )
        reference = first_reference
        earliest = datetime.date(1995, 1, 1)
        for person_id, (born, kinds, search_name) in zip(person_ids, plans, strict=True):
            start = max(earliest, datetime.date(born.year + 16, 1, 1))
            span = (TODAY - start).days
            for kind in kinds:
                day = start + datetime.timedelta(days=rng.randrange(span))
                roll = rng.random()
                status = (
                    EntryStatus.ACTIVE
                    if roll < 0.88
                    else EntryStatus.PASSIVE
                    if roll < 0.98
                    else EntryStatus.DELETED
                )
                rooms_min = rng.randint(1, 3) if kind != ListKind.YOUTH else 1
                entries.append(
                    {
                        "waiting_list_id": lists[kind],
                        "controller_id": tenant_id,
                        "person_id": person_id,
                        "registered_on": day,
                        "seniority_date": day,
                        "seniority_basis": SeniorityBasis.REGISTRATION.value,
                        "status": status.value,
                        "deleted_on": TODAY if status == EntryStatus.DELETED else None,
                        "deletion_reason": DeletionReason.OWN_REQUEST.value
                        if status == EntryStatus.DELETED
                        else "",
                        "paid_until": datetime.date(2026, 12, 31),
                        "payment_reference": payment_reference(controller_id=tenant_id, number=reference),
                        "rooms_min": rooms_min,
                        "rooms_max": rooms_min + rng.randint(0, 2),
                        # What the database's trigger would set (COPY here runs without triggers).
                        "search_name": search_name,
                        "created_by_id": self.system.pk,
                    }
                )
                reference += 1
                wanted = rng.choices((0, 1, 2, 3), weights=(30, 30, 25, 15))[0]
                wishes.append(rng.sample(department_ids, wanted) if wanted else ())
        entry_ids, history_ids = self.writer.insert(Entry, entries)
        links = [
            (entry_id, history_id, department_id)
            for entry_id, history_id, wanted in zip(entry_ids, history_ids, wishes, strict=True)
            for department_id in wanted
        ]
        self.writer.insert_wishes(links)
        counter, _created = NumberSeries.objects.select_for_update().get_or_create(
            tenant_id=tenant_id, name="applicant"
        )
        counter.next_value = max(counter.next_value, count + 1)
        counter.save(update_fields=["next_value"])
        self.totals["persons"] += count
        self.totals["entries"] += len(entries)
        self.totals["wishes"] += len(links)

    # --- Afterwards --------------------------------------------------------------------------

    def _analyze(self) -> None:
        """Fresh statistics for the planner; outside a transaction also VACUUM, which sets the
        visibility map that index-only scans (the list-position count) depend on."""
        tables = [
            Person._meta.db_table,
            Person.history.model._meta.db_table,
            Entry._meta.db_table,
            Entry.history.model._meta.db_table,
            Entry.departments.through._meta.db_table,
            "waitinglists_historicalentry_departments",
            # The kept queue (``waitinglists.queue``): a place is read by index-only probes of the
            # snapshot, which need its visibility map and statistics as much as the entries do.
            QueueSnapshot._meta.db_table,
            QueueChange._meta.db_table,
            ListTally._meta.db_table,
        ]
        verb = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"{verb} {connection.ops.quote_name(table)}")

    def _report(self, seconds: float) -> None:
        t = self.totals
        self.stdout.write(
            self.style.SUCCESS(
                f"Scale data ready in {seconds:.1f} s: {t['persons']} persons, {t['entries']} entries "
                f"({t['entries'] / max(t['persons'], 1):.2f} per person), {t['wishes']} wanted departments; "
                f"CPR encryption + hashing took {t['encrypt_s']:.1f} s of it."
            )
        )
