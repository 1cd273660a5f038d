"""The shared POST flow of the object pages (vacancy, rejection case, dispensation, approval
request): load the object the user may see, check the right to act, validate the form, call one
service, and on a ``ValidationError`` show the page again with the errors next to the fields
(status 400, nothing saved)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from housing.audit import history_rows
from housing.views.common import apply_service_errors


def post_action(
    request,
    *,
    load: Callable[[], object],
    allowed: Callable[[object], bool],
    form_class,
    prefix: str,
    key: str,
    run: Callable[[object, dict], object],
    success: str,
    page: Callable[..., HttpResponse],
) -> HttpResponse:
    """``load()`` reads the object (404 when not visible), ``allowed(obj)`` the right to act
    (else 403), ``run(obj, cleaned_data)`` calls the service; ``page(obj, status=400, **{key: form})``
    renders the page with the bound form. A success redirects to the object's page."""
    obj = load()
    if not allowed(obj):
        raise PermissionDenied
    form = form_class(request.POST, prefix=prefix)
    if form.is_valid():
        try:
            run(obj, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, success)
            return redirect(obj.get_absolute_url())
    messages.error(request, _("The form has errors. Correct the fields marked below."))
    return page(load(), status=400, **{key: form})


def history_page(request, template: str, *, name: str, obj, tabs: list[dict], **extra) -> HttpResponse:
    """The history tab of an object page: every change with who, when, what and why."""
    return render(request, template, {name: obj, "tabs": tabs, "history_rows": history_rows(obj), **extra})
