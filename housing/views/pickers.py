"""The searchable pickers' small JSON endpoints (templates/forms/picker.html): a few results for
what the user typed, read through the same scoping as every other read (``housing.selectors``)."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .. import selectors

MAX_QUERY = 100


@require_GET
def dwelling_picker(request):
    """``?q=`` words of the address, tenancy or department number or name; ``writable=1`` only
    dwellings the user may act on. Answers ``{"results": [{"id", "label"}, …]}`` (at most
    ``selectors.PICKER_RESULTS``)."""
    query = (request.GET.get("q") or "")[:MAX_QUERY]
    dwellings = selectors.dwelling_picker_search(
        user=request.user, query=query, writable_only=request.GET.get("writable") == "1"
    )
    return JsonResponse({"results": [{"id": d.pk, "label": selectors.dwelling_label(d)} for d in dwellings]})
