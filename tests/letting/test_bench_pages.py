"""``manage.py bench_pages`` (issue 16) on a tiny scale set, so that the benchmark cannot rot: every
page it times answers, the figures reach the JSON file, and what it adds — the two bench users'
memberships and a vacancy on the big list's turn — is added once, each with its history row (and
with ``--keep-data`` the vacancy not at all)."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from allocation.models import Vacancy
from housing.models import Membership, Role, Tenant
from letting.management.commands.bench_pages import CASEWORKER, OFFICER, VACANCY_MARKER
from waitinglists.management.commands.seed_scale import Command as SeedScale

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale needs PostgreSQL"),
]


def _seed_arguments() -> list[str]:
    arguments = ["--persons", "300", "--organisations", "4"]
    # The Copenhagen-sized shared list, once seed_scale has it; the largest list stands in before.
    if "--shared-list" in SeedScale().create_parser("manage.py", "seed_scale").format_help():
        arguments += ["--shared-list", "150"]
    return arguments


def test_bench_pages_times_every_page_once_and_adds_its_data_once(system_user, tmp_path):
    arguments = _seed_arguments()
    call_command("seed_scale", *arguments, stdout=StringIO())
    # --keep-data (a shared database): the vacancy's pages are timed on one rolled back afterwards.
    kept = StringIO()
    call_command(
        "bench_pages", "--samples", "1", "--warmup", "0", "--keep-data", "--only", "vacancy", stdout=kept
    )
    assert "vacancy added and rolled back" in kept.getvalue() and "API: vacancy ranking" in kept.getvalue()
    assert not Vacancy.objects.exists()

    out, figures = StringIO(), tmp_path / "pages.json"
    call_command(
        "bench_pages", "--samples", "1", "--warmup", "0", "--export", "--json", str(figures), stdout=out
    )

    data = json.loads(figures.read_text())
    if "--shared-list" in arguments:
        assert data["big_list"]["kind"] == "shared list"
        assert data["big_list"]["name"] == "Skala Fælles venteliste København"
    pages = {page["page"]: page for page in data["pages"]}
    assert {name: page["error"] or page["note"] for name, page in pages.items() if page["n"] != 1} == {}
    assert all(page["queries"] > 0 and page["p95"] > 0 for page in pages.values())
    names = " | ".join(pages)
    for expected in (
        "lists overview",
        "big list",
        "p100",
        "'Han' p1",
        "rare name p1",
        "mid list",
        "applicant page, front",
        "applicant page, end",
        "person's lists tab, middle",
        "person search 'Hansen'",
        "person search, applicant number",
        "vacancy page",
        "API: vacancy ranking",
        "kommune: approvals",
        "export",
    ):
        assert expected in names, expected
    assert {group["group"] for group in data["groups"]} >= {"applicant page", "person's lists tab"}
    text = out.getvalue()
    assert "the same at page 1 / 100 / last" in text
    assert "✓" in text or "✗" in text

    # The bench users: a caseworker of every scale tenant and an officer of København.
    users = get_user_model().objects
    caseworker, officer = users.get(username=CASEWORKER), users.get(username=OFFICER)
    scale_tenants = set(
        Tenant.objects.filter(name__startswith="Skala ")
        .exclude(kind=Tenant.Kind.KOMMUNE)
        .values_list("pk", flat=True)
    )
    memberships = Membership.objects.filter(user__in=[caseworker, officer])
    assert set(memberships.filter(user=caseworker).values_list("tenant_id", flat=True)) == scale_tenants
    assert set(memberships.filter(user=caseworker).values_list("role", flat=True)) == {Role.CASEWORKER}
    assert memberships.get(user=officer).tenant.kommune.code == "0101"
    assert memberships.get(user=officer).role == Role.KOMMUNE_OFFICER
    vacancy = Vacancy.objects.get(channel_reason=VACANCY_MARKER)
    for model, ids in ((Membership, memberships.values_list("pk", flat=True)), (Vacancy, [vacancy.pk])):
        history = model.history.filter(id__in=list(ids))
        assert history.count() == len(ids)
        assert set(history.values_list("history_change_reason", "history_user")) == {
            ("Skaleringsdata", system_user.pk)
        }

    # A second run adds nothing.
    count = memberships.count()
    call_command("bench_pages", "--samples", "1", "--warmup", "0", "--only", "overview", stdout=StringIO())
    assert memberships.count() == count
    assert Vacancy.objects.filter(channel_reason=VACANCY_MARKER).count() == 1
