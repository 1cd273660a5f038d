"""The elder housing's kind of work for *Mine opgaver* (``housing.worklist``), registered from
``EldercareConfig.ready``: elders on the general list whose plejebolig guarantee deadline (R16.1)
is within the kommune's warning days (``EldercarePolicy.warning_days``, 14 without a policy) or
has passed — a breach. One query over the rows of the guarantee dashboard
(``selectors.guarantee_entries_for``), the policy in force read in a subquery."""

from __future__ import annotations

import datetime

from django.db.models import DateField, ExpressionWrapper, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import ngettext_lazy

from housing import worklist
from housing.scoping import StaffScope
from housing.worklist import WorkCount, WorkKind

from .models import EldercarePolicy, GuaranteeState
from .selectors import guarantee_entries_for
from .services.guarantee import DEFAULT_WARNING_DAYS


def _officer(scope: StaffScope) -> bool:
    return scope.is_kommune_officer


def guarantee_deadlines(user, *, today: datetime.date) -> WorkCount:
    warning_days = Coalesce(
        Subquery(
            EldercarePolicy.objects.filter(kommune_id=OuterRef("kommune_id"), valid_from__lte=today)
            .order_by("-valid_from")
            .values("warning_days")[:1]
        ),
        Value(DEFAULT_WARNING_DAYS),
    )
    entries = (
        guarantee_entries_for(user)
        .filter(state=GuaranteeState.WAITING)
        .annotate(warn_until=ExpressionWrapper(Value(today) + warning_days, output_field=DateField()))
        .filter(deadline__lte=F("warn_until"))
    )
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
