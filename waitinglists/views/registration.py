"""Registration on a list at the counter, by phone or from a paper form."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from housing.models import Person

from .. import selectors
from ..forms import EntryRegisterForm
from ..services import registration
from .common import require_list_write, waiting_list_or_404


class _NotFound(Exception):
    pass


def _applicant(request, form: EntryRegisterForm, waiting_list) -> dict:
    """The form's person part as arguments for ``registration.applicant_register``."""
    data = form.cleaned_data
    consent = None
    if form.consent_given():
        consent = registration.Consent(
            date=data.get("digital_post_consent_date"),
            method=data.get("digital_post_consent_method") or "",
            exempt=bool(data.get("digital_post_exempt")),
        )
    if not form.is_new:
        person = selectors.find_person(
            user=request.user,
            waiting_list=waiting_list,
            cpr_number=data.get("existing_cpr", ""),
            applicant_number=data.get("existing_applicant_number", ""),
        )
        if person is None:
            raise _NotFound
        return {"existing_person": person, "consent": consent}
    person = Person(
        **{name: data.get(name) or "" for name in form.PERSON_FIELDS if name != "kommune"},
        kommune=data.get("kommune"),
    )
    return {"new_person": person, "cpr_number": data["cpr"], "consent": consent}


def _duplicate_url(request, form: EntryRegisterForm, waiting_list, error: ValidationError) -> str | None:
    """The link to the existing entry of a refused second registration. The service puts it in
    ``params["url"]`` (code "duplicate"); a ValidationError built from a dict does not keep its
    code and params, so the inner errors are looked at too, and failing that the entry is found."""
    candidates = [error, *(item for items in getattr(error, "error_dict", {}).values() for item in items)]
    for candidate in candidates:
        params = getattr(candidate, "params", None) or {}
        if getattr(candidate, "code", None) == "duplicate" and params.get("url"):
            return params["url"]
    if form.is_new or "person" not in getattr(error, "error_dict", {}):
        return None
    person = selectors.find_person(
        user=request.user,
        waiting_list=waiting_list,
        cpr_number=form.cleaned_data.get("existing_cpr", ""),
        applicant_number=form.cleaned_data.get("existing_applicant_number", ""),
    )
    existing = selectors.open_entry(waiting_list=waiting_list, person=person) if person else None
    return existing.get_absolute_url() if existing else None


def _show_errors(request, form: EntryRegisterForm, waiting_list, error: ValidationError) -> None:
    """The service's errors next to the fields: about the person on the CPR/applicant field (with
    a link to the existing entry for a second place on the list), fee rules on top."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    duplicate_url = _duplicate_url(request, form, waiting_list, error)
    person_target = form.person_field  # before add_error() takes fields out of cleaned_data
    for field, field_errors in error.message_dict.items():
        if field in ("person", "cpr"):
            target = person_target
        elif field in form.fields:
            target = field
        else:
            target = None
        for text in field_errors:
            if duplicate_url and field == "person":
                text = format_html(
                    '{} <a href="{}">{}</a>', text, duplicate_url, _("Open the existing entry")
                )
            form.add_error(target, text)


@require_http_methods(["GET", "POST"])
def entry_register(request, pk: int):
    waiting_list = waiting_list_or_404(request, pk)
    require_list_write(request, waiting_list)
    form = EntryRegisterForm(
        request.POST or None,
        waiting_list=waiting_list,
        departments=selectors.list_departments(waiting_list),
        initial={"change_reason": _("Registration on the waiting list")},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        reason = data["change_reason"]
        try:
            entry = registration.applicant_register(
                actor=request.user,
                reason=reason,
                waiting_list=waiting_list,
                wishes=form.wishes(),
                registered_on=data["registered_on"],
                age_exception=data["age_exception"],
                andels_member_since=data.get("andels_member_since"),
                andels_tenant_on_cutoff=bool(data.get("andels_tenant_on_cutoff")),
                andels_general_list_on=data.get("andels_general_list_on"),
                **_applicant(request, form, waiting_list),
            )
        except _NotFound:
            form.add_error(
                form.person_field,
                _("No person with that number is registered with the list's data controller."),
            )
        except ValidationError as error:
            _show_errors(request, form, waiting_list, error)
        else:
            messages.success(
                request,
                _("%(name)s was registered on %(list)s with applicant number %(number)s.")
                % {
                    "name": entry.person.full_name,
                    "list": waiting_list.name,
                    "number": entry.person.applicant_number,
                },
            )
            return redirect(entry)
    if request.method == "POST":
        messages.error(request, _("The form has errors. Correct the fields marked below."))
    return render(
        request,
        "waitinglists/entry_register.html",
        {"waiting_list": waiting_list, "form": form},
        status=400 if form.errors else 200,
    )
