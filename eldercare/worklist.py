"""The elder housing's kind of work for *Mine opgaver* (``housing.worklist``), registered from
``EldercareConfig.ready``: elders on the general list whose plejebolig guarantee deadline (R16.1)
is within the kommune's warning days (``EldercarePolicy.warning_days``, 14 without a policy) or
has passed — a breach. One query over the rows of the guarantee dashboard
(``selectors.guarantee_entries_for``), after the policies in force."""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils.translation import ngettext_lazy

from housing import worklist
from housing.scoping import StaffScope
from housing.worklist import WorkCount, WorkKind

from .models import GuaranteeState
from .selectors import guarantee_entries_for
from .services.guarantee import DEFAULT_WARNING_DAYS, warning_days_by_kommune


def _officer(scope: StaffScope) -> bool:
    return scope.is_kommune_officer


def guarantee_deadlines(user, *, today: datetime.date) -> WorkCount:
    # Each kommune's warning days are read first and turned into a cut-off date here: date plus
    # integer is SQL that PostgreSQL has and SQLite (the embedded mode) does not, where it silently
    # compared a number with the dates and found nothing. The policies are a few rows a kommune.
    warning_days = warning_days_by_kommune(today)
    near = ~Q(kommune_id__in=list(warning_days)) & Q(
        deadline__lte=today + datetime.timedelta(days=DEFAULT_WARNING_DAYS)
    )
    for kommune_id, days in warning_days.items():
        near |= Q(kommune_id=kommune_id, deadline__lte=today + datetime.timedelta(days=days))
    entries = guarantee_entries_for(user).filter(near, state=GuaranteeState.WAITING)
    return worklist.aggregate(entries, date_field="deadline", today=today)


def register() -> None:
    worklist.register(
        WorkKind(
            key="guarantee",
            link_id="guarantee-dashboard-link",
            label=ngettext_lazy(
                "Plejebolig guarantee: %(n)s elder's deadline is near or has passed",
                "Plejebolig guarantee: %(n)s elders' deadlines are near or have passed",
                "n",
            ),
            url_name="eldercare:dashboard",
            applies=_officer,
            count=guarantee_deadlines,
            menu="eldercare",
            order=5,
        )
    )
