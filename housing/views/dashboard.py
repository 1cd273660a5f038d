"""The start page: *Mine opgaver* first — the work waiting for this user, overdue and earliest due
first, each row linking to the page where it is done (``housing.worklist``) — then the figures."""

from axes.models import AccessFailureLog
from django.shortcuts import render
from django.utils import timezone

from .. import scoping, selectors, worklist
from ..models import DwellingKind, PersonalDataAccess


def dashboard(request):
    scope = scoping.scope_for(request.user)
    kinds = dict(DwellingKind.choices)
    context = {
        "scope": scope,
        "work": worklist.for_user(request.user),
        "counts": selectors.dashboard_counts(user=request.user),
        "kind_counts": [
            {"label": kinds.get(row["kind"], row["kind"]), "n": row["n"]}
            for row in selectors.dwelling_kind_counts(user=request.user)
        ],
        "my_recent_accesses": PersonalDataAccess.objects.filter(user=request.user).select_related("person")[
            :5
        ],
    }
    if scope.is_administrator:
        since = timezone.now() - timezone.timedelta(days=7)
        context["failed_logins"] = AccessFailureLog.objects.filter(attempt_time__gte=since).order_by(
            "-attempt_time"
        )[:10]
    return render(request, "dashboard.html", context)
