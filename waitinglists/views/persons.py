"""The person page's *Waiting lists* tab: the person's entries with their places."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from housing.views.persons import person_or_404, person_tabs

from .. import selectors


@require_GET
def person_entries(request, pk: int):
    person = person_or_404(request, pk)
    entries = selectors.with_positions(selectors.person_entries(user=request.user, person=person))
    return render(
        request,
        "waitinglists/person_entries.html",
        {"person": person, "entries": entries, "tabs": person_tabs(person, "waitinglists")},
    )
