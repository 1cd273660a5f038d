"""What the two elder-housing benchmark commands share: a PostgreSQL database of their own (created
and migrated when missing, so a benchmark never touches working data), the bench elders written in
bulk with their history rows (system user, reason "Benchmarkdata"), and the percentile.

``BenchCommand`` is the common command: ``--elders``, ``--runs``, ``--kommune``, ``--database`` and
``--reseed``; a subclass names its database suffix and applicant-number marker and implements
``seed(count)`` and ``bench(code, runs)``.
"""

from __future__ import annotations

import datetime
import time

import psycopg
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections

from housing import cpr
from housing.audit import system_user
from housing.models import Kommune, Person

REASON = "Benchmarkdata"
BATCH = 5_000
BASE_BIRTH = datetime.date(1925, 1, 1)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def use_database(name: str, *, reseed: bool, stdout) -> None:
    """Switch the default connection to the database ``name``: created (or dropped and created with
    ``reseed``) when needed, then migrated."""
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params["dbname"] = "postgres"
    with psycopg.connect(**params, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and reseed:
            admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
            stdout.write(f"Created the database {name}.")
    connections["default"].close()
    connections["default"].settings_dict["NAME"] = name
    settings.DATABASES["default"]["NAME"] = name
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    stdout.write(f"Database {name} migrated in {time.monotonic() - started:.1f} s.")


def all_kommuner() -> list[Kommune]:
    kommuner = list(Kommune.objects.select_related("tenant").order_by("code"))
    if len(kommuner) < 98:
        raise CommandError("The 98 kommuner are missing (housing migration 0002).")
    return kommuner


def history_defaults() -> dict:
    """For ``bulk_create_with_history``: every history row with the system user and the reason."""
    return {"default_user": system_user(), "default_change_reason": REASON}


def bench_person(
    *, index: int, kommune: Kommune, marker: str, serial_digit: str, first_name: str, last_name: str
) -> Person:
    """Bench elder number ``index`` (0-based), registered with ``kommune``: a valid birth date and a
    CPR number unique per benchmark (``serial_digit`` keeps two benchmarks' numbers apart)."""
    born = BASE_BIRTH + datetime.timedelta(days=index % 9000)
    number = f"{born:%d%m%y}{serial_digit}{index // 9000:03d}"
    return Person(
        controller_id=kommune.tenant_id,
        applicant_number=f"{marker}{index + 1:07d}",
        cpr_encrypted=cpr.encrypt(number),
        cpr_hash=cpr.lookup_hash(number),
        birth_date=born,
        first_name=first_name,
        last_name=last_name,
        kommune_id=kommune.pk,
    )


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


class BenchCommand(BaseCommand):
    database_suffix = ""  # e.g. "_eldbench"
    marker = ""  # applicant-number prefix of the bench elders
    min_runs = 10

    def add_arguments(self, parser) -> None:
        parser.add_argument("--elders", type=int, default=100_000, help="How many elders to seed.")
        parser.add_argument("--runs", type=int, default=50)
        parser.add_argument("--kommune", default="0751", help="The kommune code that is timed.")
        parser.add_argument(
            "--database", default="", help=f"Database name (default: <configured>{self.database_suffix})."
        )
        parser.add_argument(
            "--reseed", action="store_true", help="Drop and build the benchmark database anew."
        )

    def handle(self, *args, elders: int, runs: int, kommune: str, database: str, reseed: bool, **options):
        if connection.vendor != "postgresql":
            raise CommandError(
                f"{self.__module__.rsplit('.', 1)[-1]} needs PostgreSQL (a database of its own)."
            )
        if runs < self.min_runs:
            raise CommandError(f"Use at least {self.min_runs} runs.")
        if elders < 1:
            raise CommandError("Seed at least 1 elder.")
        name = database or f"{connection.settings_dict['NAME']}{self.database_suffix}"
        use_database(name, reseed=reseed, stdout=self.stdout)
        if not Person.objects.filter(applicant_number__startswith=self.marker).exists():
            self.seed(elders)
        else:
            self.stdout.write(f"Reusing the benchmark data in {name}.")
        self.bench(kommune, runs)

    def seed(self, count: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def bench(self, code: str, runs: int) -> None:  # pragma: no cover - abstract
        raise NotImplementedError
