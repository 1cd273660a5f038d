"""The kommune approvals' kind of work for *Mine opgaver* (``housing.worklist``), registered from
``ApprovalsConfig.ready``: the requests awaiting the officer's kommune, the earliest refusal
deadline first (R42.1, R36.1, R12.1, R12.4/R14.4; the deadline of R42.3). One query, over the rows
of the officer's queue (``selectors.waiting_for_officer``)."""

from __future__ import annotations

import datetime

from django.utils.translation import ngettext_lazy

from housing import worklist
from housing.scoping import StaffScope
from housing.worklist import WorkCount, WorkKind

from . import selectors


def _officer(scope: StaffScope) -> bool:
    return scope.is_kommune_officer


def approvals_waiting(user, *, today: datetime.date) -> WorkCount:
    return worklist.aggregate(selectors.waiting_for_officer(user), date_field="deadline", today=today)


def register() -> None:
    worklist.register(
        WorkKind(
            key="approvals",
            link_id="approval-queue-link",
            label=ngettext_lazy(
                "Approval of lettings: %(n)s request awaits your decision",
                "Approval of lettings: %(n)s requests await your decision",
                "n",
            ),
            url_name="approvals:approval_queue",
            applies=_officer,
            count=approvals_waiting,
            compiled_once=True,
            menu="approvals",
            order=10,
        )
    )
