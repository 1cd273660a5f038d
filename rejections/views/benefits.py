"""The person's benefit status (*Ydelser*): the benefit periods the R36.1 and R37.1 checks read, and
the form to record one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from housing import benefits as benefit_services
from housing import permissions
from housing.models import AccessPurpose, BenefitKind, BenefitProvision, listed_kinds_on
from housing.views.common import apply_service_errors
from housing.views.persons import person_or_404, person_tabs
from rejections.forms import BenefitStatusForm

# --- Benefit status --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def person_benefits(request, pk: int):
    """The person's *Ydelser* tab: the benefit periods (a logged read) and the form to record one
    (R36.1, R37.1)."""
    person = person_or_404(request, pk)
    can_write = permissions.can_write_person(request.user, person)
    form = BenefitStatusForm(request.POST or None) if can_write else None
    status = 200
    if request.method == "POST":
        if not can_write:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            try:
                benefit_services.benefit_status_record(
                    actor=request.user,
                    reason=d["change_reason"],
                    person=person,
                    kind=d["kind"],
                    valid_from=d["valid_from"],
                    valid_until=d["valid_until"],
                    source=d["source"],
                    note=d["note"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The benefit status is recorded."))
                back = request.GET.get("next", "")
                if back.startswith("/") and not back.startswith("//"):
                    return redirect(back)
                return redirect("rejections:person_benefits", person.pk)
        messages.error(request, _("The form has errors. Correct the fields marked below."))
        status = 400
    statuses = benefit_services.person_benefits(
        actor=request.user,
        person=person,
        purpose=AccessPurpose.CASE_HANDLING,
        purpose_text=_("Benefit status page"),
    )
    # Which benefits count is dated reference data (``ListedBenefit``): show today's list.
    today, labels = timezone.localdate(), dict(BenefitKind.choices)
    listed = [
        (label, sorted(str(labels.get(k, k)) for k in listed_kinds_on(value, today)))
        for value, label in BenefitProvision.choices
    ]
    return render(
        request,
        "allocation/rejections/benefits.html",
        {
            "person": person,
            "tabs": person_tabs(person, "benefits"),
            "statuses": statuses,
            "form": form,
            "listed": listed,
        },
        status=status,
    )
