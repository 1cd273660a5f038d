"""``manage.py verify_lottery``: check a published lottery record, or run a draw (R38.3).

Verify a published record (see ``docs/lottery.md``)::

    manage.py verify_lottery record.json

prints ``OK`` and the order, or every problem found and exits with status 1.

Run a draw, e.g. for the auditor, and print the commitment and the order::

    manage.py verify_lottery --draw --seed HEX --applicants A,B,C [--json]

Needs neither the database nor the system checks, so it works on a fresh checkout.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from allocation.rules import lottery


class Command(BaseCommand):
    help = (
        "Verify a published lottery record (JSON file) for advertised lettings (R38.3), "
        "or with --draw --seed HEX --applicants A,B,C print the commitment and order of a draw."
    )
    requires_system_checks = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help='published record: {"algorithm", "commitment", "seed", "applicants", "order"}',
        )
        parser.add_argument(
            "--draw",
            action="store_true",
            help="run a draw from --seed and --applicants instead of verifying a file",
        )
        parser.add_argument("--seed", help="the seed: 64 hexadecimal characters")
        parser.add_argument(
            "--applicants",
            help="comma-separated applicant identifiers (surrounding whitespace is ignored)",
        )
        parser.add_argument(
            "--json",
            action="store_true",
            help="with --draw: print the full record to publish, as JSON",
        )

    def handle(self, *args, **options):
        draw_mode = options["draw"] or options["seed"] is not None or options["applicants"] is not None
        if draw_mode:
            if options["file"]:
                raise CommandError("give either a record FILE to verify or --draw --seed … --applicants …")
            self._draw(options["seed"], options["applicants"], as_json=options["json"])
        elif options["file"]:
            self._verify_file(Path(options["file"]))
        else:
            raise CommandError("give a record FILE to verify, or --draw --seed HEX --applicants A,B,C")

    # --- draw ------------------------------------------------------------------------------------

    def _draw(self, seed: str | None, applicants: str | None, *, as_json: bool) -> None:
        if not seed:
            raise CommandError("--seed is required for a draw (64 hexadecimal characters)")
        if applicants is None:
            raise CommandError("--applicants is required for a draw (comma-separated identifiers)")
        try:
            record = lottery.make_record(seed, applicants.split(","))
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"algorithm:  {record['algorithm']}")
        self.stdout.write(f"applicants: {len(record['applicants'])}")
        self.stdout.write(f"commitment: {record['commitment']}")
        self._write_order(record["order"])

    # --- verify ----------------------------------------------------------------------------------

    def _verify_file(self, path: Path) -> None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise CommandError(f"{path}: no such file") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot read the file: {exc}") from exc
        except json.JSONDecodeError as exc:
            raise CommandError(f"{path}: not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(f"{path}: the record must be a JSON object")

        problems: list[str] = []
        missing = [k for k in ("algorithm", "commitment", "seed", "applicants", "order") if k not in data]
        if missing:
            problems.append(f"the record lacks the field(s): {', '.join(missing)}")
        algorithm = data.get("algorithm")
        if "algorithm" in data and algorithm != lottery.ALGORITHM:
            problems.append(f"unknown algorithm {algorithm!r}; this command verifies {lottery.ALGORITHM!r}")
        applicants = data.get("applicants")
        if "applicants" in data and not isinstance(applicants, list):
            problems.append("the field 'applicants' must be a list of identifiers")
        order = data.get("order")
        if "order" in data and not isinstance(order, list):
            problems.append("the field 'order' must be a list of identifiers")

        result = None
        if not problems:
            result = lottery.verify(data["seed"], applicants, data["commitment"], order)
            problems.extend(result.problems)

        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise CommandError(
                f"{path}: the lottery record does NOT verify ({len(problems)} problem(s)):\n{lines}"
            )

        self.stdout.write(self.style.SUCCESS(f"OK: {path} verifies ({lottery.ALGORITHM})"))
        self.stdout.write(f"commitment: {result.commitment}")
        self._write_order(result.order)

    def _write_order(self, order: list[str]) -> None:
        self.stdout.write("order (winner first):")
        width = len(str(len(order)))
        for place, ident in enumerate(order, start=1):
            self.stdout.write(f"  {place:>{width}}. {ident}")
