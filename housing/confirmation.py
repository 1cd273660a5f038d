"""A confirmation step before an action that cannot be taken back: it sends a letter, deletes, or
draws lots (issue 15, item 4).

The action's form is POSTed as before. When it is valid but carries no ``confirmed=1``, the view
tries the action (``dry_run``: the service runs as it would, in a savepoint that is then rolled
back, so the service's own refusals show next to the fields as before) and renders
``confirmation_page`` instead of acting: what will happen, the letter the action sends (the very
letter the service wrote in the dry run, as the letters app rendered it) and a confirm button that
POSTs the same values again with ``confirmed=1``. A POST without the confirmation therefore does
nothing but show the confirmation; a double click on the confirm button is one effect because the
page's form carries a fresh submission key (``housing.idempotency``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .idempotency import FIELD_NAME as SUBMISSION_FIELD

T = TypeVar("T")
CONFIRM_FIELD = "confirmed"
_NOT_CARRIED = {"csrfmiddlewaretoken", SUBMISSION_FIELD, CONFIRM_FIELD}


class _RollBack(Exception):
    """Raised to leave the dry run's savepoint, always."""


def dry_run(action: Callable[[], T]) -> T:
    """Run ``action`` (a service call, and whatever it reads of its own effects) in a savepoint
    that is rolled back whatever happens: its ValidationError or PermissionDenied propagates, its
    writes and on-commit hooks (a letter's dispatch request) are dropped, and what it returned is
    returned."""
    result: list[T] = []
    try:
        with transaction.atomic():
            result.append(action())
            raise _RollBack
    except _RollBack:
        pass
    return result[0]


def is_confirmed(request: HttpRequest) -> bool:
    """The POST came from the confirmation page's button."""
    return request.POST.get(CONFIRM_FIELD) == "1"


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    action_url: str,
    cancel_url: str,
    confirm_label: str,
    destructive: bool = True,
    letter=None,
    nav_section: str = "",
) -> HttpResponse:
    """The page that asks before acting; the POSTed values travel on as hidden fields.

    ``letter`` is the letter the action sends (a ``letters.models.Letter`` read in the dry run:
    subject, recipient_name, sender_name, body_html) or None when it sends none."""
    carried = [
        (name, value) for name, values in request.POST.lists() if name not in _NOT_CARRIED for value in values
    ]
    context = {
        "title": title,
        "consequences": consequences,
        "action_url": action_url,
        "cancel_url": cancel_url,
        "confirm_label": confirm_label,
        "destructive": destructive,
        "letter": letter,
        "carried": carried,
        "confirm_field": CONFIRM_FIELD,
    }
    if nav_section:
        context["nav_section"] = nav_section
    return render(request, "forms/confirm.html", context)
