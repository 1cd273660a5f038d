"""The writes the scenario pages make besides the scenario services: the personal-data access log of
a run's result. A result names the persons housed (actually, and under the rules in force and the
scenario): each person shown on a result page, or put into its CSV, gets one access-log row, as
every page and export that shows personal data (``housing.models.PersonalDataAccess``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from housing import exports as housing_exports
from housing.models import AccessKind, AccessPurpose, PersonalDataAccess

from .models import ScenarioRun


def result_read_log(*, actor, run: ScenarioRun, person_ids: Iterable[int]) -> int:
    """One row per person shown on a page of the run's result (in one insert); returns how many."""
    detail = (
        _("Letting scenario %(scenario)s, run %(run)s: the winners compared")
        % {
            "scenario": run.scenario_id,
            "run": run.pk,
        }
    )[:200]
    rows = [
        PersonalDataAccess(
            person_id=person_id,
            user=actor,
            kind=AccessKind.SENSITIVE_READ,
            purpose=AccessPurpose.CASE_HANDLING,
            detail=detail,
        )
        for person_id in dict.fromkeys(person_ids)
    ]
    return len(PersonalDataAccess.objects.bulk_create(rows))


def result_export_log(*, actor, run: ScenarioRun, person_ids: Iterable[int]) -> int:
    """One export row per person in the run's CSV."""
    return housing_exports.log_export(
        actor=actor,
        person_ids=person_ids,
        detail=_("Letting scenario %(scenario)s, run %(run)s: the replayed vacancies (CSV)")
        % {"scenario": run.scenario_id, "run": run.pk},
    )
