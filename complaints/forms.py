"""The forms of a complaint and of its outcome, shown on the page of the decision complained about."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput, ReasonFormMixin
from housing.input_limits import LETTER_TEXT_MAX_LENGTH

from .models import ComplaintOutcome

TEXTAREA = {"rows": 4}


class ComplaintForm(ReasonFormMixin, forms.Form):
    received_on = forms.DateField(label=_("Complaint received on"), widget=DateInput())
    sent_to_body_on = forms.DateField(label=_("Sent to the body on"), widget=DateInput(), required=False)
    summary = forms.CharField(
        label=_("The complaint"), max_length=LETTER_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs=TEXTAREA)
    )


class ComplaintOutcomeForm(ReasonFormMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[c for c in ComplaintOutcome.choices if c[0] != ComplaintOutcome.PENDING]
    )
    outcome_on = forms.DateField(label=_("Outcome on"), widget=DateInput())
    outcome_text = forms.CharField(
        label=_("The body's decision"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
