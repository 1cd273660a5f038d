"""Forms of the specific lists, free-choice applications and refuse-outsiders decisions."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput, ReasonFormMixin
from housing.models import Kommune

from .models import FacilityKind, OutsiderExemption
from .services.outsiders import Bilag1Documentation


class ReasonLast(ReasonFormMixin):
    """The reason for the change comes last, after the facts it explains."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields([name for name in self.fields if name != "change_reason"] + ["change_reason"])


class ApplicantFieldsMixin(forms.Form):
    cpr = forms.CharField(label=_("CPR number"), max_length=11, help_text=_("DDMMYY-XXXX"))
    first_name = forms.CharField(
        label=_("First name(s)"),
        max_length=100,
        required=False,
        help_text=_("Needed only when the citizen is not registered with the kommune yet."),
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    home_kommune = forms.ModelChoiceField(
        label=_("Kommune of residence"),
        queryset=Kommune.objects.order_by("name"),
        help_text=_("Where the applicant lives today: the list shows inside or outside the kommune (R21.1)."),
    )
    outsider_exemption = forms.ChoiceField(
        label=_("Exemption from a refuse-outsiders decision (§ 23)"),
        choices=OutsiderExemption.choices,
        required=False,
    )
    outsider_exemption_note = forms.CharField(
        label=_("Basis of the exemption"), max_length=300, required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("outsider_exemption") and not (data.get("outsider_exemption_note") or "").strip():
            self.add_error("outsider_exemption_note", _("State the basis of the exemption (§ 23)."))
        return data


class EntryJoinForm(ReasonLast, ApplicantFieldsMixin, forms.Form):
    joined_on = forms.DateField(label=_("Joined on"), widget=DateInput())

    field_order = [
        "cpr",
        "first_name",
        "last_name",
        "home_kommune",
        "joined_on",
        "outsider_exemption",
        "outsider_exemption_note",
        "change_reason",
    ]


class EntryRemoveForm(ReasonLast, forms.Form):
    left_on = forms.DateField(label=_("Left the list on"), widget=DateInput())


class PlaceLetterForm(ReasonLast, forms.Form):
    """R21.5: the applicant asked for their place on the list."""


class FeePaymentForm(ReasonLast, forms.Form):
    amount = forms.DecimalField(label=_("Amount (DKK)"), max_digits=8, decimal_places=2, min_value=0)
    paid_on = forms.DateField(label=_("Paid on"), widget=DateInput())


class FreeChoiceReceiveForm(ReasonLast, ApplicantFieldsMixin, forms.Form):
    specific_list = forms.ModelChoiceField(label=_("Wanted specific list"), queryset=None, empty_label=None)
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())

    field_order = [
        "specific_list",
        "cpr",
        "first_name",
        "last_name",
        "home_kommune",
        "received_on",
        "outsider_exemption",
        "outsider_exemption_note",
        "change_reason",
    ]

    def __init__(self, *args, lists=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["specific_list"].queryset = lists


YES_NO = [("yes", _("Yes, the conditions are met")), ("no", _("No, the conditions are not met"))]


class HomeAssessmentForm(ReasonLast, forms.Form):
    conditions_met = forms.ChoiceField(
        label=_("The home kommune's assessment"), choices=YES_NO, widget=forms.RadioSelect
    )
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    case_reference = forms.CharField(
        label=_("The home kommune's case reference"), max_length=100, required=False
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class DestinationAssessmentForm(ReasonLast, forms.Form):
    conditions_met = forms.ChoiceField(
        label=_("This kommune's assessment"), choices=YES_NO, widget=forms.RadioSelect
    )
    assessed_on = forms.DateField(label=_("Assessed on"), widget=DateInput())
    need_decision = forms.ModelChoiceField(
        label=_("This kommune's needs decision for the applicant"),
        queryset=None,
        required=False,
        help_text=_("Made by the same guidelines as for the kommune's own citizens (§ 19, stk. 2)."),
    )
    same_guidelines = forms.BooleanField(
        label=_("Assessed by the same guidelines as the kommune's own citizens (§ 19, stk. 2)"), required=True
    )
    note = forms.CharField(
        label=_("Note"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, need_decisions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["need_decision"].queryset = need_decisions


class FreeChoiceDecideForm(ReasonLast, forms.Form):
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())


class Bilag1Fields(forms.Form):
    """The qualified reasons Bilag 1 asks for, each part required (the service says which is missing).
    Fields are optional here so the service's specific message lands next to the field."""

    justification = forms.CharField(
        label=_("The influx of applicants from other kommuner is a decisive obstacle (Bilag 1)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_(
            "Document that applicants from other kommuner joining the lists for this dwelling kind — a "
            "circumstance outside the kommune's control — is a decisive obstacle to offering the "
            "kommune's own citizens a dwelling. A general reference to the own citizens' needs is not "
            "enough."
        ),
    )
    not_short_term = forms.CharField(
        label=_("Not a short-term rise (Bilag 1)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A short-term rise in the waiting time is no decisive obstacle."),
    )
    not_demographic = forms.CharField(
        label=_("Not caused by demographic change (Bilag 1)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "A rise caused by demographic change in the kommune's population is not caused by outsiders."
        ),
    )
    not_lenient_assessment = forms.CharField(
        label=_("Not caused by a more lenient assessment practice (Bilag 1)"),
        max_length=10000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("A rise caused by a more lenient visitation practice is not caused by outsiders."),
    )

    def documentation(self):
        data = self.cleaned_data
        return Bilag1Documentation(
            decisive_obstacle=data.get("justification", ""),
            not_short_term=data.get("not_short_term", ""),
            not_demographic=data.get("not_demographic", ""),
            not_lenient_assessment=data.get("not_lenient_assessment", ""),
        )


class DecisionForm(ReasonLast, Bilag1Fields):
    kommune = forms.ModelChoiceField(label=_("Kommune"), queryset=None, empty_label=None)
    dwelling_kind = forms.ChoiceField(label=_("Dwelling kind"), choices=FacilityKind.choices)
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())

    field_order = [
        "kommune",
        "dwelling_kind",
        "decided_on",
        "justification",
        "not_short_term",
        "not_demographic",
        "not_lenient_assessment",
    ]

    def __init__(self, *args, kommuner=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kommune"].queryset = kommuner


class ExtensionForm(ReasonLast, Bilag1Fields):
    decided_on = forms.DateField(label=_("Extension decided on"), widget=DateInput())

    field_order = [
        "decided_on",
        "justification",
        "not_short_term",
        "not_demographic",
        "not_lenient_assessment",
    ]
