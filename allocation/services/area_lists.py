"""R35: the ministry's area list, published each 1 December, applied to departments as dated area
statuses (``housing.DepartmentAreaStatus``), which R29 (udsat boligområde), R36.1 and R37
(omdannelsesområde, until 30 November 2021 *hårdt ghettoområde*) read on the takeover day.

The CSV (UTF-8, ``;`` or ``,`` separated, a header row) has the columns

    cvr;afdeling;status

``cvr`` is the organisation's CVR number, ``afdeling`` the department number, ``status`` one of
``omdannelsesomraade`` (lists before 30 November 2021: ``haardt_ghettoomraade``) /
``hard_ghetto``, ``udsat`` / ``vulnerable``, ``hoej_andel`` /
``high_outside_labour``. The import covers the kinds chosen for it: a department on the list gets
a status from the list's date (an open status of the same kind is kept), and an open status of a
covered kind for a department no longer on the list ends the day before. Every bad row is reported
with its line number, and nothing is saved unless every row is good.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from housing.audit import audited_save, require_reason
from housing.models import AreaStatusKind, Department, DepartmentAreaStatus

from ..models import AreaListImport

STATUS_WORDS = {
    "omdannelsesomraade": AreaStatusKind.HARD_GHETTO,
    "omdannelsesområde": AreaStatusKind.HARD_GHETTO,
    # The 2018 word, as on lists published before the 2021 amendment.
    "haardt_ghettoomraade": AreaStatusKind.HARD_GHETTO,
    "hårdt_ghettoområde": AreaStatusKind.HARD_GHETTO,
    "hard_ghetto": AreaStatusKind.HARD_GHETTO,
    "udsat": AreaStatusKind.VULNERABLE,
    "udsat_boligomraade": AreaStatusKind.VULNERABLE,
    "vulnerable": AreaStatusKind.VULNERABLE,
    "hoej_andel": AreaStatusKind.HIGH_OUTSIDE_LABOUR,
    "høj_andel": AreaStatusKind.HIGH_OUTSIDE_LABOUR,
    "high_outside_labour": AreaStatusKind.HIGH_OUTSIDE_LABOUR,
}
LIST_KINDS = (AreaStatusKind.HARD_GHETTO, AreaStatusKind.VULNERABLE, AreaStatusKind.HIGH_OUTSIDE_LABOUR)
MAX_ROWS = 20_000


@dataclass(frozen=True)
class ListRow:
    line: int
    department_id: int
    kind: str


def area_list_parse(*, text: str, kinds: list[str]) -> list[ListRow]:
    """Read and check every row against the register; raise one ValidationError listing every bad
    row (with its line number) or return the rows."""
    if not kinds or any(k not in LIST_KINDS for k in kinds):
        raise ValidationError({"kinds": _("Choose the statuses the list covers.")})
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValidationError({"file": _("The file is empty.")})
    dialect = ";" if text.splitlines()[0].count(";") >= text.splitlines()[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=dialect)
    header = [h.strip().lower() for h in next(reader, [])]
    if header[:3] != ["cvr", "afdeling", "status"]:
        raise ValidationError({"file": _("The first line must be the header: cvr;afdeling;status")})
    departments = {
        (cvr, number): pk
        for pk, cvr, number in Department.objects.values_list("pk", "organisation__cvr", "number")
    }
    errors: list[str] = []
    rows: list[ListRow] = []
    seen: set[tuple[int, str]] = set()
    for line, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if line > MAX_ROWS:
            errors.append(
                _("Line %(line)s: the file has more than %(max)s rows.") % {"line": line, "max": MAX_ROWS}
            )
            break
        if len(record) < 3:
            errors.append(_("Line %(line)s: expected 3 columns (cvr;afdeling;status).") % {"line": line})
            continue
        cvr, number, word = (cell.strip() for cell in record[:3])
        kind = STATUS_WORDS.get(word.lower())
        if kind is None:
            errors.append(_("Line %(line)s: unknown status %(status)r.") % {"line": line, "status": word})
            continue
        if kind not in kinds:
            errors.append(
                _("Line %(line)s: the status %(status)r is not among the statuses this import covers.")
                % {"line": line, "status": word}
            )
            continue
        department_id = departments.get((cvr, number))
        if department_id is None:
            errors.append(
                _("Line %(line)s: no department %(number)s of the organisation with CVR %(cvr)s.")
                % {"line": line, "number": number, "cvr": cvr}
            )
            continue
        if (department_id, kind) in seen:
            errors.append(
                _("Line %(line)s: the department is listed twice with this status.") % {"line": line}
            )
            continue
        seen.add((department_id, kind))
        rows.append(ListRow(line=line, department_id=department_id, kind=kind))
    if errors:
        raise ValidationError({"file": errors})
    return rows


@transaction.atomic
def area_list_import(
    *,
    actor,
    reason: str,
    text: str,
    kinds: list[str],
    published_on: datetime.date,
    valid_from: datetime.date | None = None,
    file_name: str = "",
) -> AreaListImport:
    """Apply the list (all or nothing). ``valid_from`` defaults to the publication date."""
    require_reason(reason)
    rows = area_list_parse(text=text, kinds=kinds)
    valid_from = valid_from or published_on
    if valid_from < published_on:
        raise ValidationError({"valid_from": _("The list cannot apply before it is published.")})
    listed = {(r.department_id, r.kind) for r in rows}
    open_statuses = list(
        DepartmentAreaStatus.objects.select_for_update()
        .filter(kind__in=kinds)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=valid_from))
    )
    current = {(s.department_id, s.kind): s for s in open_statuses if s.valid_from <= valid_from}
    started = ended = unchanged = 0
    note = _("Area list published %(day)s") % {"day": published_on.isoformat()}
    for status in open_statuses:
        key = (status.department_id, status.kind)
        if key in listed and current.get(key) is status:
            unchanged += 1
            continue
        if key not in listed:
            # Off the list: the status ends the day before the new list applies.
            if status.valid_from >= valid_from:
                raise ValidationError(
                    _(
                        "Department %(dept)s has a status from %(day)s or later: "
                        "correct it in the admin first."
                    )
                    % {"dept": status.department, "day": valid_from.isoformat()}
                )
            status.valid_until = valid_from - datetime.timedelta(days=1)
            audited_save(status, actor=actor, reason=reason)
            ended += 1
    for department_id, kind in sorted(listed):
        if (department_id, kind) in current:
            continue
        audited_save(
            DepartmentAreaStatus(
                department_id=department_id, kind=kind, valid_from=valid_from, note=note[:300]
            ),
            actor=actor,
            reason=reason,
        )
        started += 1
    return audited_save(
        AreaListImport(
            published_on=published_on,
            valid_from=valid_from,
            kinds=",".join(kinds),
            file_name=file_name[:200],
            rows=len(rows),
            started=started,
            ended=ended,
            unchanged=unchanged,
            uploaded_by=actor,
        ),
        actor=actor,
        reason=reason,
    )
