"""Fixtures shared by the waiting-list tests."""

from __future__ import annotations

import pytest

from housing.audit import audited_save
from tests.waitinglists.views.test_pages import _schedule
from waitinglists.models import ListKind, WaitingList


@pytest.fixture
def waiting_list(org_a, caseworker_a):
    """Alfa's general list with its fee rules (the export tests' list)."""
    _schedule(org_a.tenant, caseworker_a)
    return audited_save(
        WaitingList(controller=org_a.tenant, kind=ListKind.GENERAL, name="Alfa venteliste"),
        actor=caseworker_a,
        reason="Oprettet",
    )
