"""The values of a plan as the database driver is to receive them.

A ranking's statement is built once per plan *shape* with every value that varies between
vacancies and days as a named parameter (``%(day)s``); each ranking binds its plan's values.
psycopg keys a prepared statement by its text *and* the types of its parameters, so the values
are sent with the same types every time: a Python ``int`` would go as ``smallint``, ``integer`` or
``bigint`` by its size, so ids go as ``bigint`` always; id lists as array text, whose type
PostgreSQL infers from the column (``Ids``), and text lists as text arrays (``Texts``). On SQLite
(the embedded mode) the lists go as JSON text, read with ``json_each``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from decimal import Decimal

try:
    from psycopg.types.numeric import Int8
except ImportError:  # SQLite only (the embedded mode): nothing is sent as bigint
    Int8 = int


class Ids(tuple):
    """A list of ids bound as one parameter (``conditions.in_array``)."""


class Texts(tuple):
    """A list of text values bound as one parameter (``conditions.in_array``)."""


def _adapt(value, vendor: str):
    if value is None:
        raise ValueError("a bound value is never None: the shape leaves the condition out instead")
    postgresql = vendor == "postgresql"
    if isinstance(value, Ids):
        if postgresql:
            return "{" + ",".join(str(int(v)) for v in value) + "}"
        return json.dumps([int(v) for v in value])
    if isinstance(value, Texts):
        return list(value) if postgresql else json.dumps(list(value))
    if isinstance(value, bool | datetime.date | Decimal | str):
        return value
    if isinstance(value, int):
        return Int8(value) if postgresql else value
    raise TypeError(f"cannot bind {value!r}")


def adapted(values: Mapping[str, object], vendor: str) -> dict[str, object]:
    """The plan's values as the driver should receive them (see the module docstring)."""
    return {name: _adapt(value, vendor) for name, value in values.items()}
