"""A confirmation step before an action that cannot be taken back: it sends a letter, deletes, or
draws lots (issue 15, item 4).

The action's form is POSTed as before. When it is valid but carries no ``confirmed=1``, the view
renders ``confirmation_page`` instead of acting: what will happen, the letter it sends (rendered by
the letters app's own rendering, ``letters.services.letter_preview``) and a confirm button that
POSTs the same values again with ``confirmed=1``. A POST without the confirmation therefore does
nothing but show the confirmation; a double click on the confirm button is one effect because the
page's form carries a fresh submission key (``housing.idempotency``).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .idempotency import FIELD_NAME as SUBMISSION_FIELD

CONFIRM_FIELD = "confirmed"
_NOT_CARRIED = {"csrfmiddlewaretoken", SUBMISSION_FIELD, CONFIRM_FIELD}


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
    letter: dict | None = None,
    nav_section: str = "",
) -> HttpResponse:
    """The page that asks before acting; the POSTed values travel on as hidden fields.

    ``letter`` is ``letters.services.letter_preview``'s answer (subject, recipient, body) or None
    when the action sends none."""
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
