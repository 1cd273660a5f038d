"""The one CSV writer for every export (waiting lists, print-batch manifests, access logs, reports).

Exports are opened in spreadsheet programs, which run a cell that starts with ``=``, ``+``, ``-`` or
``@`` (and, after a leading tab or carriage return, still evaluate it) as a formula. A name such as
``=HYPERLINK("http://x")`` typed into a form would then run on the caseworker's machine (CSV/formula
injection). Following OWASP, such a cell is written with a single quote in front, which makes the
spreadsheet show it as text; the quote is visible, the value is otherwise unchanged.

A plain negative number (an amount ``-100,00``, a count ``-3``) is the one exception: it cannot
execute anything, and a quote in front would turn it into text that a spreadsheet can no longer add
up. Anything else that starts with ``-`` (``-2+3``, ``-1e5``, ``--x``) is neutralised. A leading
``+`` is always neutralised: no export of ours writes a number that way.

Every module that writes CSV uses :func:`writer`; ``tests/system/test_csv_export.py`` fails if a module
calls ``csv.writer`` or ``csv.DictWriter`` itself.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

# A negative number as we write them: Danish (-1.234,50) or plain (-1234.5, -3). No exponent.
# ASCII digits only ([0-9], not \d, which in Python also takes other scripts' digits), and in a
# syntax PostgreSQL's regular expressions read the same way: the large waiting-list export
# neutralises its cells in SQL with this very pattern (waitinglists.exports).
PLAIN_NEGATIVE_NUMBER = r"-(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]+)?|-[0-9]+\.[0-9]+"
_PLAIN_NEGATIVE_NUMBER = re.compile(PLAIN_NEGATIVE_NUMBER)


def neutralise(value: Any) -> str:
    """The text of one cell, with a single quote in front when a spreadsheet would run it."""
    if value is None:
        return ""
    text = str(value)
    if text.startswith(FORMULA_PREFIXES) and not _PLAIN_NEGATIVE_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeCsvWriter:
    """``csv.writer`` with every cell passed through :func:`neutralise` (header rows too)."""

    def __init__(self, stream, *, delimiter: str = ";", **kwargs):
        self._writer = csv.writer(stream, delimiter=delimiter, **kwargs)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, *, delimiter: str = ";", **kwargs) -> SafeCsvWriter:
    """The project's CSV writer; ``;`` by default because Danish Excel expects it."""
    return SafeCsvWriter(stream, delimiter=delimiter, **kwargs)
