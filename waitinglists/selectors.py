"""Reads for the waiting-list pages, scoped to the acting user, each costing a fixed number of queries.

Lists and entries belong to a data controller (``WaitingList.controller``, ``Entry.controller``):
a user sees those of the controllers they are a member of (``housing.scoping.scope_for(user)
.tenant_ids``) and may change them only with write rights (``writable_tenant_ids``). Being an
administrator is not a reason to read the lists' applicants.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from housing import cpr, permissions, scoping
from housing import selectors as housing_selectors
from housing.models import Department, Person

from . import queue
from .models import ChargeState, Entry, EntryStatus, FeeCharge, KeepSeniorityRight, Payment, WaitingList
from .services.seniority import keep_window

ARREARS_STATES = (ChargeState.OPEN, ChargeState.REMINDED)
# The list order (R9.4 precedence on internal lists, then seniority, then who came first).
QUEUE_ORDER = ("-listed_before_seniority_scheme", "seniority_date", "id")


# --- Lists -----------------------------------------------------------------------------------


def lists_for(*, user) -> QuerySet[WaitingList]:
    return WaitingList.objects.filter(controller_id__in=scoping.scope_for(user).tenant_ids)


def can_write_list(user, waiting_list: WaitingList) -> bool:
    return permissions.can_write_tenant(user, waiting_list.controller_id)


def can_write_entry(user, entry: Entry) -> bool:
    return permissions.can_write_tenant(user, entry.controller_id)


def _month_start(today: datetime.date) -> datetime.date:
    return today.replace(day=1)


def with_counts(lists: Iterable[WaitingList], *, today: datetime.date | None = None) -> list[WaitingList]:
    """Active, passive, in fee arrears and new this month for every list, as attributes
    (``active_count`` …), in four queries whatever the lists' sizes: the active and passive counts
    kept by the database (``waitinglists.queue``), one GROUP BY over the open fee charges past due,
    one over this month's registrations (``entry_registered_idx``)."""
    lists = list(lists)
    today = today or timezone.localdate()
    ids = [waiting_list.pk for waiting_list in lists]
    statuses = _status_counts(ids)
    arrears, arrears_as_of = _arrears_per_list(ids, today)
    new = dict(
        Entry.objects.filter(waiting_list_id__in=ids, registered_on__gte=_month_start(today))
        .exclude(status=EntryStatus.DELETED)
        .order_by()
        .values("waiting_list_id")
        .annotate(n=Count("id"))
        .values_list("waiting_list_id", "n")
    )
    for waiting_list in lists:
        counts = statuses[waiting_list.pk]
        waiting_list.active_count = counts[EntryStatus.ACTIVE]
        waiting_list.passive_count = counts[EntryStatus.PASSIVE]
        waiting_list.arrears_count = arrears.get(waiting_list.pk, 0)
        waiting_list.arrears_as_of = arrears_as_of
        waiting_list.new_count = new.get(waiting_list.pk, 0)
    return lists


# Up to this many charges past due and unpaid in the whole database, the arrears per list are
# counted on every visit; above, they are counted for every list at once at most every
# ARREARS_COUNT_SECONDS and shown with the time they were made. A charge becomes past due when a
# day passes, with no write to hang a kept count on; counting means a probe per past-due charge
# (40 ms for 10,000 on the scale data), on every list page and the overview.
EXACT_ARREARS_CHARGES = 2_000
ARREARS_COUNT_SECONDS = 600


def _arrears_per_list(
    list_ids: list[int], today: datetime.date
) -> tuple[dict[int, int], datetime.datetime | None]:
    """Living entries in fee arrears per list (R3.3), and None — or, when many charges are past
    due, the counts of every list made at most ``ARREARS_COUNT_SECONDS`` ago and when they were
    made (shown as "pr. kl. 14:05"). One query when few; else one, and one more every ten minutes."""
    past_due = FeeCharge.objects.filter(state__in=ARREARS_STATES, due_date__lt=today).order_by()
    if past_due[: EXACT_ARREARS_CHARGES + 1].count() <= EXACT_ARREARS_CHARGES:
        return _arrears_counts(list_ids, today), None
    counts, as_of = housing_selectors.kept_with_time(
        f"list-arrears:{today.isoformat()}", ARREARS_COUNT_SECONDS, lambda: _arrears_counts(None, today)
    )
    return {pk: counts[pk] for pk in list_ids if pk in counts}, as_of


def _arrears_counts(list_ids: list[int] | None, today: datetime.date) -> dict[int, int]:
    """Living entries with a fee charge past due and unpaid (R3.3), per list: from the charges,
    which are few, to their entries one probe each. PostgreSQL's own choice was to read every
    entry of the lists and join the charges to them, 100 ms on a 500,000-entry list; OFFSET 0
    keeps the probe a probe. ``list_ids`` None: every list."""
    if connection.vendor != "postgresql":
        entries = Entry.objects.all()
        if list_ids is not None:
            entries = entries.filter(waiting_list_id__in=list_ids)
        return dict(
            entries.exclude(status=EntryStatus.DELETED)
            .filter(charges__state__in=ARREARS_STATES, charges__due_date__lt=today)
            .order_by()
            .values("waiting_list_id")
            .annotate(n=Count("id", distinct=True))
            .values_list("waiting_list_id", "n")
        )
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.waiting_list_id, count(*)
            FROM (SELECT DISTINCT entry_id FROM waitinglists_feecharge
                  WHERE state = ANY(%(states)s::text[]) AND due_date < %(today)s) c
            CROSS JOIN LATERAL (
                SELECT waiting_list_id FROM waitinglists_entry
                WHERE id = c.entry_id AND status <> 'deleted'
                  AND (%(all)s OR waiting_list_id = ANY(%(lists)s::bigint[]))
                OFFSET 0
            ) e
            GROUP BY e.waiting_list_id
            """,
            {
                "states": [str(state) for state in ARREARS_STATES],
                "today": today,
                "all": list_ids is None,
                "lists": list_ids or [],
            },
        )
        return dict(cursor.fetchall())


def _status_counts(list_ids: list[int]) -> dict[int, dict[str, int]]:
    """Active and passive entries per list now: kept by the database where it can
    (``queue.status_counts``), else counted in one GROUP BY."""
    if queue.kept():
        return queue.status_counts(list_ids)
    counts = {pk: {EntryStatus.ACTIVE: 0, EntryStatus.PASSIVE: 0} for pk in list_ids}
    rows = (
        Entry.objects.filter(
            waiting_list_id__in=list_ids, status__in=(EntryStatus.ACTIVE, EntryStatus.PASSIVE)
        )
        .order_by()
        .values_list("waiting_list_id", "status")
        .annotate(n=Count("id"))
    )
    for list_id, status, n in rows:
        counts[list_id][status] = n
    return counts


def list_overview(*, user) -> QuerySet[WaitingList]:
    """The user's lists (``with_counts`` adds the figures the page shows)."""
    return (
        lists_for(user=user)
        .select_related("controller", "organisation")
        .order_by("controller__name", "kind", "name")
    )


def list_detail(*, user, pk: int) -> WaitingList:
    """One list with its counts. Raises ``WaitingList.DoesNotExist`` outside the user's scope."""
    waiting_list = lists_for(user=user).select_related("controller", "organisation").get(pk=pk)
    return with_counts([waiting_list])[0]


def list_departments(waiting_list: WaitingList) -> QuerySet[Department]:
    """The departments an applicant on this list can wish for: the internal list's organisation,
    or every organisation whose general list this is (all of them for a shared list, R3.2)."""
    departments = Department.objects.select_related("organisation")
    if waiting_list.organisation_id:
        departments = departments.filter(organisation_id=waiting_list.organisation_id)
    else:
        departments = departments.filter(
            Q(organisation__tenant_id=waiting_list.controller_id)
            | Q(organisation__shared_list__tenant_id=waiting_list.controller_id)
        )
    return departments.order_by("organisation__name", "number")


# --- Entries ---------------------------------------------------------------------------------


def entries_for(*, user) -> QuerySet[Entry]:
    return Entry.objects.filter(controller_id__in=scoping.scope_for(user).tenant_ids)


def _arrears(today: datetime.date) -> Exists:
    return Exists(
        FeeCharge.objects.filter(entry=OuterRef("pk"), state__in=ARREARS_STATES, due_date__lt=today)
    )


def _counted_position() -> Case:
    """Place in the list's queue (1 = next) counted per row — for databases that do not keep
    places (``queue.kept()``; SQLite in the embedded demo): the active entries ahead, those
    preceding under R9.4 first, then an earlier (seniority date, id). Passive and deleted entries
    have no place."""
    earlier = Q(seniority_date__lt=OuterRef("seniority_date")) | Q(
        seniority_date=OuterRef("seniority_date"), id__lt=OuterRef("id")
    )
    ahead = (
        Entry.objects.filter(waiting_list=OuterRef("waiting_list"), status=EntryStatus.ACTIVE)
        .filter(
            Q(listed_before_seniority_scheme__gt=OuterRef("listed_before_seniority_scheme"))
            | (Q(listed_before_seniority_scheme=OuterRef("listed_before_seniority_scheme")) & earlier)
        )
        .order_by()
        .values("waiting_list")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Case(
        When(status=EntryStatus.ACTIVE, then=Coalesce(Subquery(ahead, output_field=IntegerField()), 0) + 1),
        default=None,
        output_field=IntegerField(),
    )


def list_entries(*, user, waiting_list: WaitingList, today: datetime.date | None = None) -> QuerySet[Entry]:
    """The list's entries in queue order, narrow — scope, list and the arrears flag the search
    filters on — so a page's ids come from an index-only scan (``entry_list_page_idx``) however
    deep the page. ``entry_rows`` loads the full rows of one page."""
    today = today or timezone.localdate()
    return (
        entries_for(user=user)
        .filter(waiting_list=waiting_list)
        .annotate(in_arrears=_arrears(today))
        .order_by(*QUEUE_ORDER)
    )


def list_page_seek(waiting_list: WaitingList):
    """``seek(offset, limit)`` for the list page of all living entries in queue order: the ids
    at those rows from the kept order (``queue.page_ids``), or None where the database keeps no
    order (then the page reads with OFFSET)."""
    if not queue.kept():
        return None
    return lambda offset, limit: queue.page_ids(waiting_list.pk, offset, limit)


def entry_rows(ids: list[int], *, today: datetime.date | None = None) -> list[Entry]:
    """The rows of one list page (ids from ``list_entries``, so already in the user's scope): the
    person, the wanted departments, the arrears flag and the place — a fixed number of queries."""
    today = today or timezone.localdate()
    rows = list(
        with_positions(
            Entry.objects.filter(pk__in=ids)
            .select_related("person")
            .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("number")))
            .annotate(in_arrears=_arrears(today))
        )
    )
    _label_rows(rows)
    return rows


# An entry id no row has: reversed once per page, then replaced by each row's id.
_URL_PLACEHOLDER = 2_147_483_647


def _label_rows(rows: list[Entry]) -> None:
    """What each row of a list page shows, worked out once per page rather than per row in the
    template: the link (``url``; one ``reverse`` per page, not 100), the status in words
    (``status_label``) and the wanted departments (``wanted_departments``; empty: all). A list page
    spent half its rendering time on these three per row."""
    pattern = reverse("waitinglists:entry_detail", args=[_URL_PLACEHOLDER])  # Entry.get_absolute_url
    placeholder = str(_URL_PLACEHOLDER)
    labels = {value: str(label) for value, label in EntryStatus.choices}
    for row in rows:
        row.url = pattern.replace(placeholder, str(row.pk))
        row.status_label = labels.get(row.status, row.status)
        row.wanted_departments = ", ".join(map(str, row.departments.all()))  # Department.__str__


def with_positions(queryset: QuerySet[Entry]) -> QuerySet[Entry]:
    """Each entry's place on its list (``position``; None unless active): kept by the database
    (``waitinglists.queue``, two index probes a row) or, where it is not, counted."""
    return queryset.annotate(position=queue.position_expression() if queue.kept() else _counted_position())


def queue_positions(waiting_list: WaitingList) -> dict[int, int]:
    """Every active entry's place on the list in one query (for the CSV export, where a
    correlated count per row would be quadratic)."""
    ids = (
        Entry.objects.filter(waiting_list=waiting_list, status=EntryStatus.ACTIVE)
        .order_by(*QUEUE_ORDER)
        .values_list("id", flat=True)
    )
    return {entry_id: index for index, entry_id in enumerate(ids, start=1)}


def entry_detail(*, user, pk: int) -> Entry:
    """One entry with everything its page shows. Raises ``Entry.DoesNotExist`` outside the scope."""
    return (
        entries_for(user=user)
        .select_related(
            "waiting_list",
            "waiting_list__controller",
            "waiting_list__organisation",
            "person",
            "person__controller",
            "controller",
            "created_by",
        )
        .prefetch_related(
            Prefetch(
                "departments",
                queryset=Department.objects.select_related("organisation").order_by("number"),
            ),
            Prefetch("charges", queryset=FeeCharge.objects.order_by("-period", "kind", "-id")),
            Prefetch(
                "payments",
                queryset=Payment.objects.select_related("registered_by").order_by("-paid_on", "-id"),
            ),
        )
        .get(pk=pk)
    )


def person_entries(*, user, person: Person) -> QuerySet[Entry]:
    return (
        entries_for(user=user)
        .filter(person=person)
        .select_related("waiting_list")
        .prefetch_related(Prefetch("departments", queryset=Department.objects.order_by("number")))
        .order_by("status", "waiting_list__name", "id")
    )


def find_person(*, user, waiting_list: WaitingList, cpr_number: str = "", applicant_number: str = ""):
    """An existing person of the list's controller, found by CPR (through the keyed hash) or by
    applicant number; ``None`` when there is none the user may see."""
    persons = scoping.persons_for(user).filter(controller_id=waiting_list.controller_id)
    if cpr_number:
        return persons.filter(cpr_hash=cpr.lookup_hash(cpr.normalise(cpr_number))).first()
    if applicant_number:
        number = applicant_number.strip()
        return persons.filter(applicant_number=number.zfill(7) if number.isdigit() else number).first()
    return None


def open_entry(*, waiting_list: WaitingList, person: Person) -> Entry | None:
    """The person's living (not deleted) place on the list, if any."""
    return (
        Entry.objects.filter(waiting_list=waiting_list, person=person)
        .exclude(status=EntryStatus.DELETED)
        .first()
    )


# --- Rights to keep the seniority after a lease (R3.6–R3.7) --------------------------------------


def keep_right_rows(rights) -> list[dict]:
    """Each right with its window (``seniority.keep_window``): when the information left and
    until when the wish is in time — or that the information has not left, so the 8 days have
    not started."""
    return [{"right": right, "window": keep_window(right)} for right in rights]


def entry_keep_rights(entry: Entry) -> list[dict]:
    return keep_right_rows(
        entry.keep_rights.select_related("information_letter", "organisation", "recorded_by").order_by(
            "-lease_signed_on", "-id"
        )
    )


def letter_keep_rights(*, user, letter_id: int | None) -> list[dict]:
    """The rights a lease's information letter told the tenant of (for the lease page)."""
    if letter_id is None:
        return []
    rights = KeepSeniorityRight.objects.filter(
        information_letter_id=letter_id, controller_id__in=scoping.scope_for(user).tenant_ids
    ).select_related("entry__waiting_list", "information_letter", "recorded_by")
    return keep_right_rows(rights.order_by("id"))
