"""The public § 25 pages (R25.1–R25.4, R22.8): no login, no personal data.

``/offentlig/aeldreboliger/`` lists the kommuner; ``/offentlig/aeldreboliger/<code>/`` shows one
kommune's elder dwellings and nursing homes with the facts of § 25, stk. 2–3, each specific list's
figures of stk. 4 (computed live) with a chart of the average waiting time over the last 12 months,
and the kommune's refuse-outsiders decisions (§ 22, stk. 8). The same figures as CSV and JSON.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_not_required
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from housing import csv_export
from housing.models import Kommune

from ..services import published


def _kommune_or_404(code: str) -> Kommune:
    try:
        return Kommune.objects.get(code=code)
    except Kommune.DoesNotExist as exc:
        raise Http404 from exc


@login_not_required
@require_GET
def public_index(request):
    kommuner = Kommune.objects.annotate(
        facility_count=Count("elder_facilities", filter=Q(elder_facilities__published=True))
    ).order_by("name")
    return render(request, "eldercare/public/index.html", {"kommuner": kommuner})


@login_not_required
@require_GET
def public_kommune(request, code: str):
    kommune = _kommune_or_404(code)
    publication = published.kommune_publication(kommune=kommune, as_of=timezone.localdate())
    return render(request, "eldercare/public/kommune.html", {"publication": publication, "kommune": kommune})


def _records(code: str) -> tuple[Kommune, list[dict]]:
    kommune = _kommune_or_404(code)
    figures = published.list_figures(kommune=kommune, as_of=timezone.localdate())
    return kommune, [f.as_dict() for f in figures]


@login_not_required
@require_GET
def public_kommune_json(request, code: str):
    kommune, records = _records(code)
    body = {
        "kommune": {"code": kommune.code, "name": kommune.name},
        "as_of": timezone.localdate().isoformat(),
        "specific_lists": records,
    }
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    response["Access-Control-Allow-Origin"] = "*"  # open data
    return response


CSV_COLUMNS = [
    "list_id",
    "list_name",
    "facility",
    "dwelling_kind",
    "persons_on_list",
    "average_waiting_days_housed_last_12_months",
    "housed_last_12_months",
    "average_days_waited_so_far",
    "own_citizens",
    "other_kommuner",
    "allocated_previous_quarter",
    "previous_quarter_start",
    "previous_quarter_end",
    "fee_dkk",
    "refuse_outsiders_decision_in_force",
    "refuse_outsiders_in_force_until",
    "refusal_consequences",
]


@login_not_required
@require_GET
def public_kommune_csv(request, code: str):
    kommune, records = _records(code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="aeldreboliger-{kommune.code}.csv"'
    response["Access-Control-Allow-Origin"] = "*"
    response.write("\ufeff")  # so spreadsheet programs read the Danish letters right
    writer = csv_export.writer(response)
    writer.writerow(["kommune_code", *CSV_COLUMNS])
    for record in records:
        writer.writerow([kommune.code, *("" if record[c] is None else record[c] for c in CSV_COLUMNS)])
    return response
