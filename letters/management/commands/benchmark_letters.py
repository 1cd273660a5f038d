"""``manage.py benchmark_letters``: dispatch throughput against bare WeasyPrint rendering.

Creates N Digital Post letters in a world of its own and measures, with the same number of
processes,

A. bare rendering — WeasyPrint turning the letters' HTML into PDFs, nothing else;
B. the whole dispatch — the job ``letters.dispatch`` run by ``letters.jobs.run_job`` (what
   ``manage.py run_job`` and the Celery task call) in P processes side by side: claiming,
   rendering, MeMo building, writing to the filesystem outbox and recording;

interleaved in ``--rounds`` pairs (A B A B …, each pair on its own batch of N / rounds letters,
queued just before its pair), so that a change in the machine's load while it runs — other work
starting or stopping on a shared machine — hits both phases instead of one. Each pair gives a
ratio dispatch rate / bare rate; the command prints every pair, the rates over all rounds, and the
median ratio with its spread (p10–p90 and min–max of the pairs). The dispatch should reach at least
80 % of the bare rate (rendering is the work; everything else is overhead): the verdict is on the
median. Both phases fork their P processes from this one, as Celery's prefork pool forks its
workers from a loaded parent: a fresh interpreter per round (2–6 s to start Django on this
machine under load) would be counted against the dispatch once per round and bias the ratio by
the size of the rounds. Needs PostgreSQL (several processes write at once) and a database you can
spare: run it through ``make benchmark``, which makes a fresh one.
"""

from __future__ import annotations

import datetime
import logging
import shutil
import statistics
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, connections, transaction
from django.test.utils import override_settings
from simple_history.utils import bulk_create_with_history

from housing.audit import audited_save, system_user
from housing.models import HousingOrganisation, Person, Tenant
from letters import channels, services
from letters.jobs import run_job
from letters.models import Channel, DeliveryEvent, JobRun, Letter, LetterState
from letters.rendering import render_letter_html, render_pdf

BENCH_CVR = "10150817"
REASON = "Benchmark"
TARGET = 0.8  # the dispatch's rate at least 80 % of bare rendering's


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def ratio_spread(ratios: list[float]) -> dict[str, float]:
    """The median of the per-pair ratios and their spread (nearest-rank p10 and p90, min, max)."""
    return {
        "median": statistics.median(ratios),
        "p10": _percentile(ratios, 0.10),
        "p90": _percentile(ratios, 0.90),
        "min": min(ratios),
        "max": max(ratios),
    }


def _render_chunk(htmls: list[str]) -> int:
    for html in htmls:
        render_pdf(html)
    return len(htmls)


def _dispatch_worker(_index: int) -> int:
    """One dispatch process: the job as ``manage.py run_job letters.dispatch`` runs it."""
    try:
        return run_job("letters.dispatch", trigger=JobRun.Trigger.COMMAND).counts.get("sent", 0)
    finally:
        connections.close_all()  # the forked process's own connection, not the parent's


class Command(BaseCommand):
    help = "Measure letter dispatch throughput against bare WeasyPrint rendering."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=10_000)
        parser.add_argument("--processes", type=int, default=2)
        parser.add_argument("--recipients", type=int, default=200)
        parser.add_argument(
            "--rounds", type=int, default=10, help="Pairs of bare rendering and dispatch (A B A B …)."
        )

    def handle(self, *args, count: int, processes: int, recipients: int, rounds: int, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL (several processes write at once): set DATABASE_URL."
            )
        if Letter.objects.exclude(sender__organisation__cvr=BENCH_CVR).exists():
            raise CommandError(
                "This database has real letters; run the benchmark on a spare one (make benchmark)."
            )
        if count < 1 or processes < 1 or rounds < 1:
            raise CommandError("--count, --processes and --rounds must be positive.")
        rounds = min(rounds, count)
        sizes = [count // rounds + (1 if index < count % rounds else 0) for index in range(rounds)]
        work = Path(tempfile.mkdtemp(prefix="letters-bench-"))
        pairs: list[tuple[int, float, float]] = []  # (letters, bare seconds, dispatch seconds)
        outbox = {
            "LETTERS_OUTBOX_DIR": work / "outbox",
            "MEDIA_ROOT": str(work / "media"),
            "LETTERS_DIGITAL_POST_TRANSPORT": "filesystem",
        }
        try:
            world = self._world(recipients=recipients)
            self.stdout.write(
                f"{count} Digital Post letters in {rounds} rounds of ~{sizes[0]}, {processes} processes, "
                f"outbox {work}"
            )
            done = 0
            with override_settings(**outbox):
                for number, size in enumerate(sizes, start=1):
                    letters = self._make_letters(world, first=done, count=size)
                    bare = self._bare_rendering(letters, processes)
                    dispatch = self._dispatch(size, processes, work, done_before=done)
                    done += size
                    pairs.append((size, bare, dispatch))
                    self.stdout.write(
                        f"round {number:>2}/{rounds}: A bare {size / bare:6.1f}/s ({bare:5.1f} s)   "
                        f"B dispatch {size / dispatch:6.1f}/s ({dispatch:5.1f} s)   "
                        f"ratio {bare / dispatch:.1%}"
                    )
                    self.stdout.flush()
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self._report(pairs)

    def _report(self, pairs: list[tuple[int, float, float]]) -> None:
        letters = sum(size for size, _bare, _dispatch in pairs)
        bare = letters / sum(seconds for _size, seconds, _dispatch in pairs)
        dispatch = letters / sum(seconds for _size, _bare, seconds in pairs)
        # Same letters in both phases of a pair: the ratio of the rates is bare time / dispatch time.
        spread = ratio_spread([bare_s / dispatch_s for _size, bare_s, dispatch_s in pairs])
        self.stdout.write("")
        self.stdout.write(f"{'all rounds':32}{'letters/s':>12}")
        self.stdout.write(f"{'bare WeasyPrint rendering':32}{bare:12.1f}")
        self.stdout.write(f"{'whole dispatch (incl. PDF)':32}{dispatch:12.1f}")
        verdict = (
            self.style.SUCCESS("OK")
            if spread["median"] >= TARGET
            else self.style.ERROR(f"BELOW {TARGET:.0%}")
        )
        self.stdout.write(
            f"dispatch / bare = {spread['median']:.1%} median of {len(pairs)} pairs "
            f"(p10–p90 {spread['p10']:.1%}–{spread['p90']:.1%}, "
            f"min–max {spread['min']:.1%}–{spread['max']:.1%}; "
            f"all rounds together {dispatch / bare:.1%})  {verdict}"
        )

    # --- setup ---------------------------------------------------------------------------

    @transaction.atomic
    def _world(self, *, recipients: int) -> dict:
        """The sender, its recipients and the template; earlier benchmark letters removed."""
        actor = system_user()
        organisation = HousingOrganisation.objects.filter(cvr=BENCH_CVR).first()
        if organisation is None:
            tenant = audited_save(
                Tenant(kind=Tenant.Kind.ORGANISATION, name="Benchmark Bolig"), actor=actor, reason=REASON
            )
            organisation = audited_save(
                HousingOrganisation(
                    name="Benchmark Bolig",
                    cvr=BENCH_CVR,
                    address_line="Testvej 1",
                    postal_code="8000",
                    city="Aarhus C",
                    digital_post_connected_from=datetime.date(2022, 1, 1),
                    tenant=tenant,
                ),
                actor=actor,
                reason=REASON,
            )
        Letter.objects.filter(sender=organisation.tenant).delete()
        people = list(Person.objects.filter(controller=organisation.tenant)[:recipients])
        for index in range(len(people), recipients):
            person = Person(
                controller=organisation.tenant,
                applicant_number=f"B{index:06d}",
                first_name="Søren",
                last_name=f"Æblehavesen {index}",
                address_line=f"Æblehaven {index % 90 + 1}, 2. th.",
                postal_code="8000",
                city="Aarhus C",
                digital_post_consent_date=datetime.date(2024, 1, 1),
                digital_post_consent_method="form",
            )
            person.set_cpr(f"0101{70 + index % 30:02d}{index:04d}")
            people.append(audited_save(person, actor=actor, reason=REASON, validate=False))
        return {"actor": actor, "organisation": organisation, "people": people}

    @transaction.atomic
    def _make_letters(self, world: dict, *, first: int, count: int) -> list[Letter]:
        """Queue letters ``first`` … ``first + count - 1`` (one round's batch)."""
        actor, organisation, people = world["actor"], world["organisation"], world["people"]
        template = services.template_current("general")
        sender_name, sender_address, sender_cvr = channels.sender_identity(organisation.tenant)
        letters = []
        for index in range(first, first + count):
            person = people[index % len(people)]
            context = {
                "recipient_name": person.full_name,
                "applicant_number": person.applicant_number,
                "sender_name": sender_name,
                "subject": f"Brev {index}",
                "text": "Dette er et brev med æ, ø og å.\n\nVenlig hilsen",
            }
            letters.append(
                Letter(
                    idempotency_key=f"bench-{index}",
                    controller=organisation.tenant,
                    sender=organisation.tenant,
                    recipient=person,
                    kind="general",
                    template=template,
                    context=context,
                    subject=services._render(template.subject, context),
                    body_html=services._render(template.body, context),
                    sender_name=sender_name,
                    sender_address=sender_address,
                    sender_identifier=sender_cvr,
                    recipient_name=person.full_name,
                    recipient_address=services._recipient_address(person),
                    channel=Channel.DIGITAL_POST,
                    channel_reason="Benchmark",
                    created_by=actor,
                )
            )
        created = bulk_create_with_history(
            letters, Letter, batch_size=1000, default_user=actor, default_change_reason=REASON
        )
        DeliveryEvent.objects.bulk_create(
            [
                DeliveryEvent(letter=letter, state=LetterState.QUEUED, detail="Benchmark")
                for letter in created
            ],
            batch_size=2000,
        )
        return list(Letter.objects.filter(pk__in=[letter.pk for letter in created]).order_by("id"))

    # --- the two measurements ---------------------------------------------------------------

    def _bare_rendering(self, letters: list[Letter], processes: int) -> float:
        """Seconds WeasyPrint takes for the letters' PDFs in ``processes`` processes."""
        htmls = [render_letter_html(letter) for letter in letters]  # not timed: HTML is not WeasyPrint
        chunks = [htmls[i::processes] for i in range(processes)]
        connection.close()  # never share a database connection across fork
        started = time.perf_counter()
        with get_context("fork").Pool(processes) as pool:
            done = sum(pool.map(_render_chunk, chunks))
        elapsed = time.perf_counter() - started
        if done != len(letters):
            raise CommandError(f"expected {len(letters)} PDFs, rendered {done}")
        return elapsed

    def _dispatch(self, count: int, processes: int, work: Path, *, done_before: int) -> float:
        """Seconds ``processes`` dispatch processes take to send the ``count`` queued letters."""
        jobs_logger = logging.getLogger("letters.jobs")
        level = jobs_logger.level
        jobs_logger.setLevel(logging.WARNING)  # not a "done" line per process and round
        connection.close()  # never share a database connection across fork
        try:
            started = time.perf_counter()
            with get_context("fork").Pool(processes) as pool:
                sent = sum(pool.map(_dispatch_worker, range(processes)))
            elapsed = time.perf_counter() - started
        finally:
            jobs_logger.setLevel(level)
        delivered = Letter.objects.filter(state=LetterState.DELIVERED).count()
        files = len(list((work / "outbox").glob("*.xml")))
        expected = done_before + count
        if sent != count or delivered != expected or files != expected:
            raise CommandError(
                f"expected {count} letters sent and {expected} delivered and in the outbox: "
                f"{sent} sent, {delivered} delivered, {files} files"
            )
        return elapsed
