"""Forms of the rejection pages: the caseworker's rejection form (fields of the chosen ground only),
the R29 assessment, the R37.2 request and decision, complaints, the R28.2 forwarding, and the
benefit status. Each carries the mandatory reason for the history."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput, ReasonFormMixin
from housing.input_limits import LETTER_TEXT_MAX_LENGTH
from housing.models import BenefitKind, BenefitSource, Department

from .models import DebtOrigin, RejectionGround, TerminationGround

TEXTAREA = {"rows": 4}


class GroundChoiceForm(forms.Form):
    """Step 1 (GET): choose the legal ground; the rejection form then shows that ground's facts."""

    ground = forms.ChoiceField(label=_("Legal ground"), choices=RejectionGround.choices)


class RejectionOpenForm(ReasonFormMixin, forms.Form):
    candidate = forms.TypedChoiceField(label=_("Candidate"), coerce=int, required=False, empty_value=None)
    applicant_number = forms.CharField(
        label=_("…or the applicant number"),
        max_length=20,
        required=False,
        help_text=_("For an applicant who has not been offered the dwelling."),
    )
    takeover_date = forms.DateField(label=_("Takeover date (overtagelsesdag)"), widget=DateInput())
    reasoning = forms.CharField(
        label=_("Written reasoning"),
        required=False,
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs=TEXTAREA),
    )

    GROUND_FIELDS = {
        RejectionGround.R27: [
            "debt_amount",
            "debt_due_date",
            "debt_origin",
            "debt_origin_text",
            "debt_time_barred",
            "debt_plan_kept",
            "debt_restructuring_kept",
        ],
        RejectionGround.R28: [
            "termination_date",
            "termination_ground",
            "terminating_department",
            "terminated_person_text",
            "court_found_unmet",
            "tenant_objected_no_court",
        ],
        RejectionGround.R29: ["certificates_requested_on"],
    }

    def __init__(self, *args, ground: str, candidates: list[tuple[int, str]], vacancy, **kwargs):
        super().__init__(*args, **kwargs)
        self.ground = ground
        self.fields["candidate"].choices = [("", _("— choose —")), *candidates]
        if ground == RejectionGround.R26:
            # § 26 "kan … afvise": a discretion, decided with its reasons.
            self.fields["reasoning"].required = True
            self.fields["reasoning"].help_text = _(
                "Why the organisation rejects: § 26 allows it, it does not demand it (R26)."
            )
        if ground in (RejectionGround.R28, RejectionGround.R30):
            self.fields["reasoning"].required = True
            self.fields["reasoning"].help_text = (
                _("The concrete assessment: why the organisation has reasonable grounds (R28.1).")
                if ground == RejectionGround.R28
                else _("Why this is a very special case with reasonable grounds (R30).")
            )
        if ground == RejectionGround.R27:
            self.fields["debt_amount"] = forms.DecimalField(
                label=_("Debt (DKK)"), max_digits=9, decimal_places=2, min_value=0
            )
            self.fields["debt_due_date"] = forms.DateField(label=_("Debt due on"), widget=DateInput())
            self.fields["debt_origin"] = forms.ChoiceField(
                label=_("Origin of the debt"), choices=DebtOrigin.choices
            )
            self.fields["debt_origin_text"] = forms.CharField(
                label=_("The tenancy the debt comes from"), max_length=300, required=False
            )
            self.fields["debt_time_barred"] = forms.BooleanField(
                label=_("The claim is time-barred (forældet)"), required=False
            )
            self.fields["debt_plan_kept"] = forms.BooleanField(
                label=_("A kept instalment plan or settlement (afdragsordning/akkord)"), required=False
            )
            self.fields["debt_restructuring_kept"] = forms.BooleanField(
                label=_("A kept debt restructuring (gældssanering)"), required=False
            )
        if ground == RejectionGround.R28:
            self.fields["termination_date"] = forms.DateField(
                label=_("Date of the termination or cancellation"), widget=DateInput()
            )
            self.fields["termination_ground"] = forms.ChoiceField(
                label=_("Ground of the termination"), choices=TerminationGround.choices
            )
            # Register data (no personal data): departments in the vacancy's kommune.
            self.fields["terminating_department"] = forms.ModelChoiceField(
                label=_("Department of the terminated tenancy"),
                queryset=Department.objects.filter(kommune_id=vacancy.dwelling.department.kommune_id)
                .exclude(pk=vacancy.dwelling.department_id)
                .select_related("organisation")
                .order_by("organisation__name", "number"),
            )
            self.fields["terminating_department"].label_from_instance = lambda d: (
                f"{d.organisation.name}: {d.number} {d.name}"
            )
            self.fields["terminated_person_text"] = forms.CharField(
                label=_("Whose tenancy was terminated (applicant or household member)"), max_length=200
            )
            self.fields["court_found_unmet"] = forms.BooleanField(
                label=_("A court found the grounds for termination unmet"), required=False
            )
            self.fields["tenant_objected_no_court"] = forms.BooleanField(
                label=_("The tenant objected and the landlord did not bring the case to court in time"),
                required=False,
            )
        if ground == RejectionGround.R29:
            self.fields["certificates_requested_on"] = forms.DateField(
                label=_("Criminal-record certificates requested on"), widget=DateInput()
            )
        # The reason for the history last.
        self.order_fields([name for name in self.fields if name != "change_reason"] + ["change_reason"])

    def clean(self):
        data = super().clean()
        if not data.get("candidate") and not (data.get("applicant_number") or "").strip():
            self.add_error("candidate", _("Choose the candidate or give the applicant number."))
        return data

    def facts(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in self.GROUND_FIELDS.get(self.ground, [])}


class CriminalRecordAssessForm(ReasonFormMixin, forms.Form):
    received_on = forms.DateField(label=_("Certificates received on"), widget=DateInput())
    relevant = forms.TypedChoiceField(
        label=_("Are the records relevant to safety in the area?"),
        choices=[
            ("", _("— choose —")),
            ("yes", _("Yes: reject (§ 29, stk. 2)")),
            ("no", _("No: do not reject")),
        ],
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )
    assessment = forms.CharField(
        label=_("Assessment of the records"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class DispensationRequestForm(ReasonFormMixin, forms.Form):
    request_text = forms.CharField(
        label=_("Why the kommune should dispense (R37.2)"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class DispensationDecideForm(ReasonFormMixin, forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("grant", _("Grant the dispensation")), ("refuse", _("Refuse"))]
    )
    work_or_education_prospect = forms.CharField(
        label=_("1) Prospect of work or education within a short period"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    pension_prospect = forms.CharField(
        label=_("2) Expected transfer to early retirement or state pension soon"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    housing_elsewhere_prospect = forms.CharField(
        label=_("3) Prospect of a dwelling outside the area"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    other_circumstances = forms.CharField(
        label=_("4) Other special circumstances making a rejection disproportionately hard"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    decision_reasoning = forms.CharField(
        label=_("Reasoning of the decision"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs=TEXTAREA),
    )


class ForwardForm(ReasonFormMixin, forms.Form):
    forwarded_on = forms.DateField(label=_("Forwarded to the ministry on"), widget=DateInput())


class BenefitStatusForm(ReasonFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Benefit"), choices=BenefitKind.choices)
    valid_from = forms.DateField(label=_("Received from"), widget=DateInput())
    valid_until = forms.DateField(label=_("Received until"), widget=DateInput(), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=BenefitSource.choices)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date cannot be before the start date."))
        return data
