"""No CPR number in a URL: a CPR-shaped query value is taken out of the address before any view
(or the login redirect, which would copy it into ``?next=``) sees it.

A URL is kept in the browser's history, in proxy and server access logs and in the Referer header
of the next request, so a CPR number typed into a GET form (the person search's name field, a list
filter, the admin search) must not stay in it. The request that brought the number has already been
made and cannot be unmade; what we can do is not carry the number on: the redirect goes to the same
page without the value, and nothing echoes it back.

The number is deliberately not kept for the user (not in the session, not in the form): the
session table is not encrypted the way ``Person.cpr_encrypted`` is, and the redirect would
otherwise have to put it somewhere the user's browser shows it again. Instead the page says what
happened and where to search by CPR (the person search's CPR field, a POST), and retyping ten
digits is cheap. The person search gets its own message pointing at that field.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .cpr import CPR_PATTERN

# UUIDs (letters, idempotency keys) can contain "a123456-1234"; they are not CPR numbers.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
# A path segment that is a CPR number and nothing else, e.g. /personer/0101901234/.
_CPR_SEGMENT = re.compile(r"\d{6}[- ]?\d{4}")


def contains_cpr(text: str) -> bool:
    return CPR_PATTERN.search(_UUID.sub("", text)) is not None


class KeepCprOutOfUrlsMiddleware:
    """Redirects a GET whose query carries a CPR-shaped value to the same page without it.

    A path segment shaped like a CPR number answers 404 at once, so that not even the login
    redirect copies it into ``?next=``. Other methods with a CPR in the query get a 400, and the
    API a JSON 400 (an API client should not be redirected to a silently unfiltered answer).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any(_CPR_SEGMENT.fullmatch(segment) for segment in request.path.split("/")):
            raise Http404
        tainted = [
            key
            for key, values in request.GET.lists()
            if contains_cpr(key) or any(contains_cpr(value) for value in values)
        ]
        if not tainted:
            return self.get_response(request)
        explanation = _(
            "A CPR number must not be sent in a web address: addresses are kept in the browser's "
            "history and in server logs."
        )
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": explanation}, status=400)
        if request.method not in ("GET", "HEAD"):
            raise BadRequest(explanation)
        kept = request.GET.copy()
        for key in tainted:
            del kept[key]
        if request.path == reverse("housing:person_search"):
            advice = _(
                "The number was not kept and not searched for. Enter it again in the field "
                "“CPR number” and choose “Search by CPR”."
            )
        else:
            advice = _(
                "It was removed from the address. To find a person by CPR number, use the CPR "
                "field of the person search."
            )
        messages.warning(request, f"{explanation} {advice}")
        query = kept.urlencode()
        return HttpResponseRedirect(request.path + (f"?{query}" if query else ""), status=303)
