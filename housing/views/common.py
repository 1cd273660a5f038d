"""Small helpers shared by the housing views: pagination, tabs and the audited form flow."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Model
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from ..filters import order_rows

# Rows on a page of every list in the back office (one constant; a caseworker's working screen).
PAGE_SIZE = 100


def paginate(request: HttpRequest, queryset):
    paginator = Paginator(queryset, PAGE_SIZE)
    return paginator.get_page(request.GET.get("page"))


def ordered(request: HttpRequest, rows, columns):
    """``rows`` (queryset or list) in the order of ?ordering=, if it names one of the ``columns``
    the page offers (``(("orm__path", "column"), …)``, the column names used by
    templates/includes/sort_link.html); otherwise in their own default order. Unknown values are
    ignored, never an error."""
    return order_rows(request.GET.get("ordering"), rows, columns)


def apply_service_errors(form: ModelForm, error: ValidationError) -> None:
    """Put a service's ValidationError next to the right fields (or on top of the form)."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def audited_form_view(
    request: HttpRequest,
    *,
    form: ModelForm,
    save: Callable[..., Model],
    template: str,
    context: dict,
    success_message: str | Callable[[Model], str],
) -> HttpResponse:
    """Validate ``form``, hand the unsaved instance to the service ``save`` with the user and
    reason, and redirect to the saved object; on any error re-render with the messages."""
    if request.method == "POST" and form.is_valid():
        instance = form.save(commit=False)
        try:
            saved = save(actor=request.user, reason=form.cleaned_data["change_reason"], instance=instance)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            text = success_message(saved) if callable(success_message) else success_message
            messages.success(request, text)
            return redirect(saved.get_absolute_url())
    elif request.method == "POST":
        messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


def object_tabs(obj, active: str, *, extra: list[tuple[str, str, str]] | None = None) -> list[dict]:
    """Tabs on an object page: overview, history, and whatever the caller adds."""
    tabs = [
        ("overview", _("Overview"), obj.get_absolute_url()),
        *(extra or []),
        ("history", _("History"), obj.get_absolute_url() + "historik/"),
    ]
    return [{"url": url, "label": label, "active": key == active} for key, label, url in tabs]
