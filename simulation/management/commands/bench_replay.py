"""``manage.py bench_replay [--vacancies 5000] [--persons 40500]``: the replay's benchmark (issue 17, 5.).

A year of a large organisation: ``seed_scale --persons N --organisations 1`` (about 100,000 entries on
its general, internal and youth lists: every person on the general list, most on the internal list)
when no scale data exists, then — once — a year of lettings built on it (``--vacancies`` family
vacancies spread evenly over the last 12 months, each on a dwelling of its own):

* the lists as they stood a day before the year (the scale data's history rows are dated there),
  3,000 of the internal list's applicants tenants of the organisation from before the year (§ 7);
* for each vacancy in turn, at its moment: a few entries set passive or active again, the vacancy
  opened (every second one the internal list's turn, § 7), the live ranking read
  (``allocation.services.ranking.vacancy_ranking``: the live SQL on the tables as they stand at that
  point), the top 3 offered and answered (mostly the first accepts; some decline or do not answer and
  the next accepts), the lease signed a minute later and the tenant's places on the organisation's
  lists deleted (R3.5). Every row through the models with its history row at that moment.

Then the replay of the year with no rule changed, timed, and the identity check: how many of the
vacancies the replay gives to the actual winner (all of them, or the benchmark fails), and the same
replay with a § 4 agreement added. The build takes minutes (it runs the live ranking 5,000 times);
the replay is what the figure is about.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time
from decimal import Decimal
from unittest import mock

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from allocation.models import (
    Answer,
    Lease,
    LettingChannel,
    Offer,
    OfferRound,
    OrganisationLettingPolicy,
    RoundState,
    Vacancy,
    VacancyStage,
    VacancyState,
)
from allocation.services.ranking import vacancy_ranking
from housing.audit import system_user
from housing.models import Department, Dwelling, DwellingKind, HousingOrganisation
from simulation import services
from simulation.changes import Change
from simulation.figures import summary
from simulation.models import Scenario, ScopeKind
from waitinglists.management.commands.seed_scale import MARKER
from waitinglists.models import DeletionReason, Entry, EntryStatus, ListKind, WaitingList

REASON = "Skaleringsdata (bench_replay)"
SEED = 17
TENANTS_BEFORE = 3000


@contextlib.contextmanager
def _at(moment: datetime.datetime):
    with mock.patch.object(timezone, "now", lambda: moment):
        yield


def _save(instance, user, moment: datetime.datetime):
    """Save with one history row at ``moment`` by the system user (as ``audited_save``, without the
    validation a bulk build does not need)."""
    instance._history_user, instance._change_reason = user, REASON
    with _at(moment):
        instance.save()
    return instance


class Command(BaseCommand):
    help = "Time the replay of a year of a large organisation's lettings and check the identity."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--vacancies", type=int, default=5000)
        parser.add_argument("--persons", type=int, default=40500)

    def handle(self, *args, vacancies: int, persons: int, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("bench_replay needs PostgreSQL (seed_scale loads with COPY).")
        organisation = HousingOrganisation.objects.filter(name__startswith=MARKER).order_by("pk").first()
        if organisation is None:
            self.stdout.write(f"seed_scale --persons {persons} --organisations 1 …")
            call_command("seed_scale", persons=persons, organisations=1, stdout=self.stdout)
            organisation = HousingOrganisation.objects.filter(name__startswith=MARKER).order_by("pk").first()
        today = timezone.localdate()
        start = today - datetime.timedelta(days=365)
        if not Vacancy.objects.filter(organisation=organisation).exists():
            began = time.perf_counter()
            self._build(organisation, vacancies, start)
            self.stdout.write(f"Built the year: {vacancies} lettings in {time.perf_counter() - began:.0f} s")
        let = Vacancy.objects.filter(organisation=organisation, state=VacancyState.LET).count()
        entries = Entry.objects.filter(waiting_list__in=self._lists(organisation).values()).count()
        self.stdout.write(
            f"{organisation.name}: {let} vacancies let in the year, {entries} entries on its lists"
        )

        user = system_user()
        scenario = Scenario(
            name="bench_replay",
            controller_id=organisation.tenant_id,
            scope=ScopeKind.ORGANISATION,
            organisation=organisation,
            period_start=start,
            period_end=today,
            created_by=user,
        )
        department = Department.objects.filter(organisation=organisation).first()
        for label, changes in (
            ("no rule changed", []),
            (
                "a § 4 agreement added",
                [Change("children_agreement", "add", organisation.pk, department.kommune_id)],
            ),
        ):
            began = time.perf_counter()
            results, timings = services.run_replay(
                scenario=scenario, period_start=start, period_end=today, changes=changes
            )
            seconds = time.perf_counter() - began
            figures = summary(results)
            identity = figures["identity"]
            self.stdout.write(
                f"Replay, {label}: {len(results)} vacancies in {seconds:.1f} s "
                f"(cases {timings['cases']} s, histories {timings['histories']} s, "
                f"replay {timings['replay']} s); "
                f"identity {identity['reproduced']}/{identity['let_from_lists_in_rounds']}; "
                f"winners changed {figures['changed_hands']}"
            )
            if not changes and identity["reproduced"] != identity["let_from_lists_in_rounds"]:
                raise CommandError(f"The identity does not hold: {figures['fidelity']}")

    # --- The year -------------------------------------------------------------------------------------

    @staticmethod
    def _lists(organisation) -> dict[str, int]:
        return dict(WaitingList.objects.filter(organisation=organisation).values_list("kind", "pk")) or dict(
            WaitingList.objects.filter(controller=organisation.tenant).values_list("kind", "pk")
        )

    @transaction.atomic
    def _build(self, organisation, count: int, start: datetime.date) -> None:
        rng = random.Random(SEED)
        user = system_user()
        lists = self._lists(organisation)
        before = timezone.make_aware(
            datetime.datetime.combine(start - datetime.timedelta(days=1), datetime.time(8))
        )
        # The lists as they stood before the year: the scale data's history is dated there.
        table = Entry.history.model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET history_date = %s WHERE waiting_list_id = ANY(%s)",  # noqa: S608
                [before, list(lists.values())],
            )
        with _at(before):
            OrganisationLettingPolicy.objects.filter(organisation=organisation).exists() or _save(
                OrganisationLettingPolicy(
                    organisation=organisation,
                    valid_from=start - datetime.timedelta(days=400),
                    decided_on=start - datetime.timedelta(days=400),
                    offer_round_size=3,
                ),
                user,
                before,
            )
        departments = list(Department.objects.filter(organisation=organisation).order_by("pk"))
        dwellings = bulk_create_with_history(
            [
                Dwelling(
                    department=departments[n % len(departments)],
                    number=f"B{n:05d}",
                    address_line=f"Bænkevej {n}",
                    floor=n % 4,
                    has_elevator=n % 3 == 0,
                    kind=DwellingKind.FAMILY,
                    rooms=1 + n % 5,
                    gross_floor_area=Decimal(40 + 15 * (n % 5)),
                    monthly_rent=Decimal(4000 + 900 * (n % 5)),
                )
                for n in range(count + TENANTS_BEFORE)
            ],
            Dwelling,
            batch_size=2000,
            default_user=user,
            default_change_reason=REASON,
        )
        # § 7: some of the internal list's applicants are tenants from before the year.
        internal = list(
            Entry.objects.filter(waiting_list_id=lists.get(ListKind.INTERNAL), status=EntryStatus.ACTIVE)
            .order_by("?")
            .values_list("person_id", flat=True)[:TENANTS_BEFORE]
        )
        for person_id, dwelling in zip(internal, dwellings[count:], strict=False):
            _save(
                Lease(
                    dwelling=dwelling,
                    landlord=organisation,
                    controller=organisation.tenant,
                    person_id=person_id,
                    basis=REASON,
                    signed_on=start - datetime.timedelta(days=900),
                    starts_on=start - datetime.timedelta(days=880),
                    signed_by=user,
                ),
                user,
                before,
            )
        general = list(
            Entry.objects.filter(waiting_list_id=lists[ListKind.GENERAL]).values_list("pk", flat=True)
        )
        step = datetime.timedelta(seconds=364 * 86400 // count)
        first = timezone.make_aware(datetime.datetime.combine(start, datetime.time(9)))
        for n, dwelling in enumerate(dwellings[:count]):
            moment = first + n * step
            self._churn(rng, general, user, moment - datetime.timedelta(minutes=30))
            self._let(rng, organisation, dwelling, n, user, moment, lists)
            if (n + 1) % 250 == 0:
                self.stdout.write(f"\r{n + 1}/{count} lettings", ending="")
                self.stdout.flush()
        self.stdout.write("")

    def _churn(self, rng, general: list[int], user, moment) -> None:
        """A few entries set passive, or active again (i bero), before the next ranking."""
        for pk in rng.sample(general, 2):
            entry = Entry.objects.get(pk=pk)
            if entry.status == EntryStatus.DELETED:
                continue
            entry.status = EntryStatus.PASSIVE if entry.status == EntryStatus.ACTIVE else EntryStatus.ACTIVE
            _save(entry, user, moment)

    def _let(self, rng, organisation, dwelling, n: int, user, moment, lists) -> None:
        day = timezone.localdate(moment)
        with _at(moment):
            vacancy = _save(
                Vacancy(
                    dwelling=dwelling,
                    organisation=organisation,
                    controller=organisation.tenant,
                    notice_date=day - datetime.timedelta(days=30),
                    move_out_date=day + datetime.timedelta(days=30),
                    channel=LettingChannel.LIST,
                    channel_reason="bench_replay",
                    internal_turn=n % 2 == 1,
                    family_sequence=n + 1,
                    opened_by=user,
                ),
                user,
                moment,
            )
            ranking = vacancy_ranking(vacancy, day=day, limit=3, excluded_limit=0).ranking
        if not ranking.placed:
            vacancy.stage, vacancy.state = VacancyStage.CANCELLED, VacancyState.CANCELLED
            _save(vacancy, user, moment + datetime.timedelta(minutes=1))
            return
        roll = rng.random()
        answers = (
            [Answer.ACCEPTED]
            if roll < 0.7 or len(ranking.placed) == 1
            else [Answer.DECLINED, Answer.ACCEPTED]
            if roll < 0.9
            else [Answer.NO_ANSWER, Answer.ACCEPTED]
        )
        offer_round = _save(
            OfferRound(
                vacancy=vacancy,
                number=1,
                state=RoundState.DECIDED,
                turn=ranking.turn,
                answer_deadline=day + datetime.timedelta(days=7),
                opened_by=user,
            ),
            user,
            moment,
        )
        winner = None
        for placed in ranking.placed:
            answer = answers[placed.rank - 1] if placed.rank <= len(answers) else Answer.WITHDRAWN
            offer = _save(
                Offer(
                    round=offer_round,
                    entry_id=placed.candidate.entry_id,
                    rank=placed.rank,
                    rule=placed.rule,
                    explanation=placed.explanation[:500],
                    answer=answer,
                    answered_on=day,
                ),
                user,
                moment,
            )
            if answer == Answer.ACCEPTED and winner is None:
                winner = offer
        signed = moment + datetime.timedelta(minutes=1)
        entry = Entry.objects.get(pk=winner.entry_id)
        _save(
            Lease(
                dwelling=dwelling,
                landlord=organisation,
                controller=organisation.tenant,
                person_id=entry.person_id,
                household_id=entry.household_id,
                vacancy=vacancy,
                offer=winner,
                entry=entry,
                basis="bench_replay",
                signed_on=day,
                starts_on=day + datetime.timedelta(days=30),
                signed_by=user,
            ),
            user,
            signed,
        )
        # R3.5: the lease ends the tenant's places on the organisation's general and internal lists.
        for place in Entry.objects.filter(
            person_id=entry.person_id,
            waiting_list_id__in=[lists.get(ListKind.GENERAL), lists.get(ListKind.INTERNAL)],
        ).exclude(status=EntryStatus.DELETED):
            place.status, place.deleted_on, place.deletion_reason = (
                EntryStatus.DELETED,
                day,
                DeletionReason.LEASE_SIGNED,
            )
            _save(place, user, signed)
        vacancy.stage, vacancy.state = VacancyStage.LET, VacancyState.LET
        _save(vacancy, user, signed)
