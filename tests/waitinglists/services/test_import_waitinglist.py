"""The legacy import (``import_waitinglist``) and the scale data set (``seed_scale``)."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from housing import cpr
from housing.audit import audited_save
from housing.models import NumberSeries, Person
from tests.factories import DepartmentFactory, PersonFactory
from tests.waitinglists.wish_queue import wishes_out_of_step
from waitinglists.models import Entry, ListKind, SeniorityBasis, WaitingList

pytestmark = pytest.mark.django_db

HEADER = (
    "applicant_number;cpr;first_name;last_name;address;postal_code;city;email;phone;list;seniority_date;"
    "registered_on;status;paid_until;departments;rooms_min;rooms_max;max_rent;digital_post_consent_date"
)
REASON_PREFIX = "Indlæst fra tidligere system (fil "


def row(
    number="500001",
    cpr_number="150385-3012",
    first="Signe",
    last="Holm",
    kind="general",
    seniority="2004-03-01",
    status="active",
    departments="",
    rooms=("1", "4"),
    consent="",
):
    return (
        f"{number};{cpr_number};{first};{last};Holmvej 1;8000;Aarhus C;signe@example.com;12345678;{kind};"
        f"{seniority};{seniority};{status};2026-12-31;{departments};{rooms[0]};{rooms[1]};7500,00;{consent}"
    )


def write(tmp_path, *rows, name="legacy.csv", bom=True):
    path = tmp_path / name
    path.write_text(("\ufeff" if bom else "") + "\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(path, org, *extra):
    out, err = StringIO(), StringIO()
    try:
        call_command(
            "import_waitinglist", str(path), "--organisation", org.cvr, *extra, stdout=out, stderr=err
        )
    except CommandError as exc:
        return False, out.getvalue(), err.getvalue() + str(exc)
    return True, out.getvalue(), err.getvalue()


@pytest.fixture
def departments(org_a):
    return [DepartmentFactory(organisation=org_a, number=number) for number in ("101", "102")]


def test_valid_file_imports_persons_and_entries_with_legacy_seniority(
    tmp_path, org_a, departments, system_user
):
    path = write(
        tmp_path,
        row(departments="101,102", consent="2022-04-01"),
        row(kind="internal", seniority="2011-06-15", departments="102"),
        row(number="500002", cpr_number="010203-4017", first="Ole", last="Bak", seniority="1999-12-31"),
        row(number="", cpr_number="241170-3011", first="Uden", last="Nummer", kind="youth", status="passive"),
    )
    ok, out, err = run(path, org_a)
    assert ok, err
    assert "persons created 3" in out

    persons = {p.last_name: p for p in Person.objects.filter(controller=org_a.tenant)}
    assert persons["Holm"].applicant_number == "500001"
    assert persons["Bak"].applicant_number == "500002"
    assert persons["Holm"].cpr_hash == cpr.lookup_hash("1503853012")
    assert cpr.decrypt(persons["Holm"].cpr_encrypted) == "1503853012"
    assert persons["Holm"].birth_date == datetime.date(1985, 3, 15)
    assert persons["Holm"].digital_post_consent_date == datetime.date(2022, 4, 1)
    # The series moved past the largest legacy number; the person without one got the next.
    assert persons["Nummer"].applicant_number == "0500003"
    assert NumberSeries.objects.get(tenant=org_a.tenant, name="applicant").next_value == 500004

    general = WaitingList.objects.get(controller=org_a.tenant, kind=ListKind.GENERAL)
    assert general.name == "Almindelig venteliste – Alfa Boligselskab"
    assert WaitingList.objects.get(kind=ListKind.INTERNAL).name == "Oprykningsventeliste – Alfa Boligselskab"
    assert WaitingList.objects.get(kind=ListKind.YOUTH).name == "Ungdomsboligventeliste – Alfa Boligselskab"

    holm_general = Entry.objects.get(person=persons["Holm"], waiting_list=general)
    assert holm_general.seniority_date == datetime.date(2004, 3, 1)
    assert holm_general.seniority_basis == SeniorityBasis.LEGACY
    assert holm_general.paid_until == datetime.date(2026, 12, 31)
    assert {d.number for d in holm_general.departments.all()} == {"101", "102"}
    assert Entry.objects.get(
        person=persons["Holm"], waiting_list__kind="internal"
    ).seniority_date == datetime.date(2011, 6, 15)
    assert Entry.objects.get(person=persons["Nummer"]).status == "passive"
    references = list(Entry.objects.values_list("payment_reference", flat=True))
    assert len(set(references)) == 4 and all(len(r) == 12 and r.isdigit() for r in references)

    # Exactly one history row per created row, with the system user and the reason.
    for model, objs in ((Person, persons.values()), (Entry, Entry.objects.all())):
        for obj in objs:
            history = list(model.history.filter(id=obj.pk))
            assert len(history) == 1
            assert history[0].history_user == system_user
            assert history[0].history_change_reason == f"{REASON_PREFIX}legacy.csv)"
            assert history[0].history_type == "+"
    # The wishes are on the entry's creation record too.
    record = holm_general.history.get()
    assert {link.department_id for link in record.departments.all()} == {d.pk for d in departments}
    assert not apps.get_model("letters", "Letter").objects.exists()  # no letters for imported entries


def test_one_bad_cpr_imports_nothing_and_names_the_line(tmp_path, org_a, departments):
    path = write(
        tmp_path,
        row(),
        row(number="500002", cpr_number="320185-1234", first="Forkert"),  # line 3: day 32
        row(number="500003", cpr_number="010203-4017"),
    )
    ok, _out, err = run(path, org_a)
    assert not ok
    assert "line 3: cpr:" in err
    assert "1 error(s)" in err
    assert not Person.objects.filter(controller=org_a.tenant).exists()
    assert not Entry.objects.exists()
    assert not WaitingList.objects.exists()


def test_every_error_is_reported_with_its_line(tmp_path, org_a, departments):
    path = write(
        tmp_path,
        row(),
        row(number="500002", cpr_number="12345"),  # line 3
        row(number="500003", cpr_number="010203-4017", kind="family", status="gone"),  # line 4: two errors
        # line 5: three errors (both dates are the bad one, and the rooms)
        row(number="500004", cpr_number="241170-3011", seniority="2004-13-01", rooms=("4", "2")),
        "500005;too;few;fields",  # line 6
    )
    ok, _out, err = run(path, org_a)
    assert not ok
    lines = [line for line in err.splitlines() if line.startswith("line ")]
    assert [line.split(":")[0] for line in lines] == [
        "line 3",
        "line 4",
        "line 4",
        "line 5",
        "line 5",
        "line 5",
        "line 6",
    ]
    assert "list 'family'" in err and "status 'gone'" in err
    assert "seniority_date '2004-13-01'" in err and "rooms_min 4 is larger than rooms_max 2" in err
    assert "7 error(s)" in err
    assert not Person.objects.filter(controller=org_a.tenant).exists()


def test_dry_run_imports_nothing(tmp_path, org_a, departments):
    ok, out, err = run(write(tmp_path, row(), row(kind="internal")), org_a, "--dry-run")
    assert ok, err
    assert "Would import 2 entries" in out and "persons created 1" in out
    assert not Person.objects.filter(controller=org_a.tenant).exists()
    assert not Entry.objects.exists() and not WaitingList.objects.exists()


def test_duplicates_within_the_file_are_reported(tmp_path, org_a, departments):
    path = write(
        tmp_path,
        row(),
        row(departments="101"),  # line 3: the same CPR on the same list
        row(number="500001", cpr_number="010203-4017", first="Anden"),  # line 4: number of another CPR
        row(number="500009", kind="internal"),  # line 5: another number for the same CPR
    )
    ok, _out, err = run(path, org_a)
    assert not ok
    assert "line 3: the CPR number is on the general list already in line 2" in err
    assert "line 4: applicant number 500001 is used for another CPR number in line 2" in err
    assert "line 5: applicant number 500009 differs from 500001" in err


def test_duplicates_against_the_database_are_reported(tmp_path, org_a, departments, person_a, system_user):
    general = audited_save(
        WaitingList(controller=org_a.tenant, organisation=org_a, kind=ListKind.GENERAL, name="Almindelig"),
        actor=system_user,
        reason="Oprettet",
    )
    audited_save(
        Entry(
            waiting_list=general,
            controller=org_a.tenant,
            person=person_a,
            registered_on=datetime.date(2020, 1, 1),
            seniority_date=datetime.date(2020, 1, 1),
            payment_reference="0000000001",
            created_by=system_user,
        ),
        actor=system_user,
        reason="Oprettet",
    )
    other = PersonFactory(controller=org_a.tenant, applicant_number="700000")
    path = write(
        tmp_path,
        row(number="", cpr_number="010190-1234"),  # person_a, already on the general list
        row(number="700000", cpr_number="010203-4017"),  # line 3: the number belongs to `other`
        row(number="", cpr_number="010190-1234", kind="internal"),  # person_a on a new list: fine
    )
    ok, _out, err = run(path, org_a)
    assert not ok
    assert "line 2: the person is already on the list 'Almindelig'" in err
    assert "line 3: applicant number 700000 is already used by another person" in err
    assert "2 error(s)" in err
    assert other.entries.count() == 0


def test_unknown_department_is_reported(tmp_path, org_a, org_b, departments):
    DepartmentFactory(organisation=org_b, number="900")
    ok, _out, err = run(write(tmp_path, row(departments="101,900,999")), org_a)
    assert not ok
    assert "line 2: department '900' does not exist in the organisation" in err
    assert "line 2: department '999' does not exist in the organisation" in err


def test_running_the_same_file_twice_reports_already_on_the_list(tmp_path, org_a, departments):
    path = write(tmp_path, row(), row(kind="internal"), row(number="500002", cpr_number="010203-4017"))
    assert run(path, org_a)[0]
    ok, _out, err = run(path, org_a)
    assert not ok
    assert err.count("already on the list") == 3
    assert Entry.objects.count() == 3
    assert Person.objects.filter(controller=org_a.tenant).count() == 2


def test_shared_list_goes_to_the_association_and_reuses_persons(tmp_path, org_a, departments, system_user):
    from tests.factories import SharedListAssociationFactory

    association = SharedListAssociationFactory(name="Fælles Liste")
    org_a.shared_list = association
    audited_save(org_a, actor=system_user, reason="Fælles venteliste")
    known = PersonFactory(controller=association.tenant, cpr="150385-3012", applicant_number="42")
    ok, out, err = run(write(tmp_path, row(), row(kind="internal")), org_a)
    assert ok, err
    assert "persons created 1, reused 1" in out
    general = Entry.objects.get(waiting_list__kind="general")
    assert general.controller_id == association.tenant_id and general.person == known
    assert general.waiting_list.name == "Almindelig venteliste – Fælles Liste"
    internal = Entry.objects.get(waiting_list__kind="internal")
    assert internal.controller_id == org_a.tenant_id and internal.person.applicant_number == "500001"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale needs PostgreSQL")
def test_seed_scale_builds_counts_with_one_history_row_each(system_user):
    out = StringIO()
    call_command("seed_scale", "--persons", "200", "--organisations", "4", stdout=out)
    assert "200 persons" in out.getvalue()
    persons = Person.objects.filter(controller__organisation__name__startswith="Skala ")
    entries = Entry.objects.filter(controller__organisation__name__startswith="Skala ")
    assert persons.count() == 200
    assert 300 < entries.count() < 700
    assert WaitingList.objects.filter(name__contains="Skala ").count() == 12
    for model, queryset in ((Person, persons), (Entry, entries)):
        ids = set(queryset.values_list("pk", flat=True))
        history = model.history.filter(id__in=ids)
        assert history.count() == len(ids)
        assert set(history.values_list("id", flat=True)) == ids
        assert not history.exclude(history_user=system_user).exists()
        assert set(history.values_list("history_change_reason", "history_type")) == {("Skaleringsdata", "+")}
    # CPR numbers are valid, encrypted and unique per controller.
    sample = persons.first()
    number = cpr.decrypt(sample.cpr_encrypted)
    assert cpr.normalise(number) == number and cpr.lookup_hash(number) == sample.cpr_hash
    # The wishes and their history rows match.
    through = Entry.departments.through.objects.filter(entry__in=entries)
    history_m2m = apps.get_model("waitinglists", "HistoricalEntry_departments").objects.filter(
        entry_id__in=ids
    )
    assert through.count() == history_m2m.count() > 0
    # What the triggers it turns off would have kept: each wish's copy of its entry's place and
    # rooms (positions._ahead_counts_kept counts from it).
    assert not wishes_out_of_step()
    # A second run without --reset refuses; with --reset it replaces the data.
    with pytest.raises(CommandError):
        call_command("seed_scale", "--persons", "50", "--organisations", "2", stdout=StringIO())
    call_command("seed_scale", "--persons", "50", "--organisations", "2", "--reset", stdout=StringIO())
    assert Person.objects.filter(controller__organisation__name__startswith="Skala ").count() == 50
    assert not wishes_out_of_step()
