"""Searching persons by name: every word somewhere in "first name(s) last name", served by one
trigram index (``person_full_name_trgm_idx``, pg_trgm GIN) instead of a scan of every person.

The filter is Django's ``icontains`` on :class:`FullName`, which PostgreSQL compiles to
``UPPER((first_name || ' ' || last_name)::text) LIKE UPPER('%word%')`` — the very expression the
index holds, so the planner can use it for any word of three letters or more. Searching first and
last name together also finds "Hans Hansen" for "hans hansen" and a double first name by its
second part. Other databases run the same filter without the index.
"""

from __future__ import annotations

from django.db.models import CharField, F, Func, Q
from django.db.models.lookups import IContains


class FullName(Func):
    """``first_name || ' ' || last_name`` of a person (``prefix`` "person__" from an entry)."""

    arg_joiner = " || ' ' || "
    template = "(%(expressions)s)"
    output_field = CharField()

    def __init__(self, prefix: str = "") -> None:
        super().__init__(F(f"{prefix}first_name"), F(f"{prefix}last_name"))


def name_matches(query: str, *, prefix: str = "") -> Q:
    """Every word of ``query`` somewhere in the full name (case-insensitive)."""
    condition = Q()
    for word in query.split():
        condition &= Q(IContains(FullName(prefix), word))
    return condition
