"""``manage.py benchmark_letters``: dispatch throughput against bare WeasyPrint rendering.

Creates N queued Digital Post letters in a world of its own, then measures, in one run and with
the same number of processes:

1. bare rendering — WeasyPrint turning the letters' HTML into PDFs, nothing else;
2. the whole dispatch — ``manage.py run_job letters.dispatch`` in P processes side by side:
   claiming, rendering, MeMo building, writing to the filesystem outbox and recording.

and prints both rates side by side. The dispatch should reach at least 80 % of the bare rate
(rendering is the work; everything else is overhead). Needs PostgreSQL (several processes write
at once) and a database you can spare: run it through ``make benchmark``, which makes a fresh one.
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from housing.audit import audited_save, system_user
from housing.models import HousingOrganisation, Person, Tenant
from letters import channels, services
from letters.models import Channel, DeliveryEvent, Letter, LetterState
from letters.rendering import render_letter_html, render_pdf

BENCH_CVR = "10150817"
REASON = "Benchmark"


def _render_chunk(htmls: list[str]) -> int:
    for html in htmls:
        render_pdf(html)
    return len(htmls)


class Command(BaseCommand):
    help = "Measure letter dispatch throughput against bare WeasyPrint rendering."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--count", type=int, default=10_000)
        parser.add_argument("--processes", type=int, default=2)
        parser.add_argument("--recipients", type=int, default=200)

    def handle(self, *args, count: int, processes: int, recipients: int, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError(
                "The benchmark needs PostgreSQL (several processes write at once): set DATABASE_URL."
            )
        if Letter.objects.exclude(sender__organisation__cvr=BENCH_CVR).exists():
            raise CommandError(
                "This database has real letters; run the benchmark on a spare one (make benchmark)."
            )
        work = Path(tempfile.mkdtemp(prefix="letters-bench-"))
        try:
            letters = self._make_letters(count=count, recipients=recipients)
            self.stdout.write(f"{count} queued Digital Post letters, {processes} processes, outbox {work}")
            bare = self._bare_rendering(letters, processes)
            dispatch = self._dispatch(count, processes, work)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        ratio = dispatch / bare
        self.stdout.write("")
        self.stdout.write(f"{'':32}{'letters/s':>12}")
        self.stdout.write(f"{'bare WeasyPrint rendering':32}{bare:12.1f}")
        self.stdout.write(f"{'whole dispatch (incl. PDF)':32}{dispatch:12.1f}")
        verdict = self.style.SUCCESS("OK") if ratio >= 0.8 else self.style.ERROR("BELOW 80 %")
        self.stdout.write(f"dispatch / bare = {ratio:.1%}  {verdict}")

    # --- setup ---------------------------------------------------------------------------

    @transaction.atomic
    def _make_letters(self, *, count: int, recipients: int) -> list[Letter]:
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
        template = services.template_current("general")
        sender_name, sender_address, sender_cvr = channels.sender_identity(organisation.tenant)
        letters = []
        for index in range(count):
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
        return list(Letter.objects.filter(sender=organisation.tenant).order_by("id"))

    # --- the two measurements ---------------------------------------------------------------

    def _bare_rendering(self, letters: list[Letter], processes: int) -> float:
        htmls = [render_letter_html(letter) for letter in letters]  # not timed: HTML is not WeasyPrint
        chunks = [htmls[i::processes] for i in range(processes)]
        connection.close()  # never share a database connection across fork
        started = time.perf_counter()
        with get_context("fork").Pool(processes) as pool:
            done = sum(pool.map(_render_chunk, chunks))
        elapsed = time.perf_counter() - started
        self.stdout.write(f"bare rendering: {done} PDFs in {elapsed:.1f} s")
        return done / elapsed

    def _dispatch(self, count: int, processes: int, work: Path) -> float:
        env = {
            **os.environ,
            "LETTERS_OUTBOX_DIR": str(work / "outbox"),
            "MEDIA_ROOT": str(work / "media"),
            "LETTERS_DIGITAL_POST_TRANSPORT": "filesystem",
        }
        command = [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            "run_job",
            "letters.dispatch",
            "--no-progress",
        ]
        started = time.perf_counter()
        # Fixed arguments: this interpreter, this project's manage.py, a registered job name.
        workers = [subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL) for _ in range(processes)]  # noqa: S603
        codes = [worker.wait() for worker in workers]
        elapsed = time.perf_counter() - started
        if any(codes):
            raise CommandError(f"a dispatch process failed: exit codes {codes}")
        delivered = Letter.objects.filter(state=LetterState.DELIVERED).count()
        files = len(list((work / "outbox").glob("*.xml")))
        self.stdout.write(f"dispatch: {delivered} delivered, {files} MeMo files in {elapsed:.1f} s")
        if delivered != count or files != count:
            raise CommandError(f"expected {count} letters delivered and in the outbox")
        return count / elapsed
