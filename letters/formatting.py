"""How a Danish letter writes amounts and dates, whatever the language of the user who caused it."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import dateformat
from django.utils.formats import date_format
from django.utils.translation import override


def letter_amount(amount: Decimal) -> str:
    """Kroner as a Danish letter writes them: ``1.234,50``."""
    return f"{amount:,.2f}".translate(str.maketrans({",": ".", ".": ","}))


def letter_date(day: datetime.date) -> str:
    """A date as a Danish letter writes it: ``d.m.Y`` (``01.03.2026``)."""
    return dateformat.format(day, "d.m.Y")


def letter_long_date(day: datetime.date) -> str:
    """A date written out in Danish: ``1. marts 2026``."""
    with override("da"):
        return date_format(day, "j. F Y")
