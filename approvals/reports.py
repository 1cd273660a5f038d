"""The kommune's yearly report to the ministry (R36.2, § 36, stk. 2): its rejections under
kombineret udlejning (§ 51 b), the replacement dwellings it named and its kommunal anvisning —
counts only, as a table, CSV or PDF (in Danish: it goes to the ministry)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from allocation.models import LettingChannel, Nomination
from housing import csv_export, scoping
from housing.models import Kommune
from letters.rendering import render_pdf

from .models import ApprovalRequest, ApprovalState, RefusalGround


@dataclass
class AnnualReportRow:
    kommune: object
    rejections: int = 0  # refusals under kombineret udlejning (§ 51 b; R36.1)
    replacement_dwellings: int = 0  # kommunal anvisning to a person refused under R36.1 that year
    kommunal_anvisning: int = 0  # dwellings named by the kommune (§ 59, stk. 4; R1.4)
    other_refusals: int = 0  # refusals under R42.2, R42.4, R12.1, R12.4/R14.4 (for the kommune's own use)
    lapsed: int = 0
    approved: int = 0
    details: list = field(default_factory=list)


def annual_report(*, user, year: int) -> list[AnnualReportRow]:
    """R36.2 (§ 36, stk. 2): each year the kommune reports its rejections under § 51 b, the
    replacement dwellings it named and its kommunal anvisning. One row per kommune the user is an
    officer of; counts only (no personal data). A fixed number of queries."""
    kommune_ids = scoping.scope_for(user).kommune_ids
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    rows = {
        k.pk: AnnualReportRow(kommune=k) for k in Kommune.objects.filter(pk__in=kommune_ids).order_by("name")
    }
    decided = ApprovalRequest.objects.filter(
        kommune_id__in=kommune_ids, decided_on__gte=start, decided_on__lte=end
    ).values_list("kommune_id", "state", "refusal_ground", "person__cpr_hash")
    refused_hashes: dict[int, set[str]] = {k: set() for k in rows}
    for kommune_id, state, ground, cpr_hash in decided:
        row = rows[kommune_id]
        if state == ApprovalState.REFUSED and ground == RefusalGround.BENEFITS:
            row.rejections += 1
            refused_hashes[kommune_id].add(cpr_hash)
        elif state == ApprovalState.REFUSED:
            row.other_refusals += 1
        elif state == ApprovalState.LAPSED:
            row.lapsed += 1
        elif state == ApprovalState.APPROVED:
            row.approved += 1
    nominations = Nomination.objects.filter(
        kommune_id__in=kommune_ids,
        nominated_on__gte=start,
        nominated_on__lte=end,
        vacancy__channel=LettingChannel.KOMMUNAL_ANVISNING,
    ).values_list("kommune_id", "cpr_hash")
    for kommune_id, cpr_hash in nominations:
        rows[kommune_id].kommunal_anvisning += 1
        if cpr_hash in refused_hashes[kommune_id]:
            rows[kommune_id].replacement_dwellings += 1
    return list(rows.values())


def annual_report_table(rows: list[AnnualReportRow], *, year: int) -> tuple[list[str], list[list]]:
    """The report as a header and rows, for the CSV and the PDF."""
    header = [
        _("Year"),
        _("Kommune code"),
        _("Kommune"),
        _("Rejections under kombineret udlejning (R36.1)"),
        _("Replacement dwellings"),
        _("Kommunal anvisning"),
        _("Other refusals"),
        _("Approved"),
        _("Approved by lapse (R42.3)"),
    ]
    body = [
        [
            year,
            row.kommune.code,
            row.kommune.name,
            row.rejections,
            row.replacement_dwellings,
            row.kommunal_anvisning,
            row.other_refusals,
            row.approved,
            row.lapsed,
        ]
        for row in rows
    ]
    return header, body


def annual_report_csv(rows: list[AnnualReportRow], *, year: int) -> str:
    header, body = annual_report_table(rows, year=year)
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(header)
    writer.writerows(body)
    return out.getvalue()


def annual_report_pdf(rows: list[AnnualReportRow], *, year: int) -> bytes:
    """The report as PDF, in Danish (it goes to the ministry), rendered like the letters."""
    with translation.override("da"):
        header, body = annual_report_table(rows, year=year)
        html = render_to_string(
            "allocation/approvals/report_pdf.html",
            {
                "title": _("Annual report to the ministry (R36.2)"),
                "year": year,
                "header": header,
                "rows": body,
                "generated": timezone.localdate(),
            },
        )
    pdf, _pages = render_pdf(html)
    return pdf
