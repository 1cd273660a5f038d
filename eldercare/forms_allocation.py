"""Forms of the kommune's allocation of vacant elder and nursing dwellings."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput, ReasonFormMixin

from .models import OtherLettingBasis


class VacancyOpenForm(ReasonFormMixin, forms.Form):
    dwelling = forms.ModelChoiceField(label=_("Dwelling"), queryset=None)
    vacant_from = forms.DateField(label=_("Vacant from"), widget=DateInput())
    ready_on = forms.DateField(
        label=_("Ready to move into on"),
        widget=DateInput(),
        help_text=_(
            "An offer from the general list must be ready at the latest 2 weeks after the deadline (R16.2)."
        ),
    )

    field_order = ["dwelling", "vacant_from", "ready_on", "change_reason"]

    def __init__(self, *args, dwellings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dwelling"].queryset = dwellings

    def clean(self):
        data = super().clean()
        if data.get("vacant_from") and data.get("ready_on") and data["ready_on"] < data["vacant_from"]:
            self.add_error("ready_on", _("The dwelling cannot be ready before it is vacant."))
        return data


class OfferForm(ReasonFormMixin, forms.Form):
    """The officer's decision: whom to offer the dwelling, with the reasons (R20.2)."""

    candidate = forms.ChoiceField(label=_("Offer the dwelling to"), widget=forms.RadioSelect)
    answer_by = forms.DateField(label=_("Answer by"), widget=DateInput())
    offer_not_ready_in_time = forms.BooleanField(
        label=_("Offer all the same if the dwelling is ready too late for the guarantee (R16.2)"),
        required=False,
        help_text=_(
            "A general-list elder's dwelling must be ready at the latest 2 weeks after the deadline. An "
            "offer of a dwelling ready later is recorded as not fulfilling the guarantee: a refusal does not "
            "restart the 2 months."
        ),
    )

    field_order = ["candidate", "answer_by", "offer_not_ready_in_time", "change_reason"]

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["candidate"].choices = list(choices)
        self.fields["change_reason"].label = _("The kommune's reasons for the choice (R20.2)")
        self.fields["change_reason"].max_length = 200
        self.fields["change_reason"].help_text = _(
            "Written in the offer and the decision letter and in the history. Say why this person has the "
            "greatest need, or why a guarantee deadline goes first (R16)."
        )

    def clean_answer_by(self):
        day = self.cleaned_data["answer_by"]
        if day < timezone.localdate():
            raise forms.ValidationError(_("The answer date cannot be before today."))
        return day


class AnswerForm(ReasonFormMixin, forms.Form):
    answer = forms.ChoiceField(
        label=_("Answer"),
        choices=[("accepted", _("Accepted")), ("refused", _("Refused"))],
        widget=forms.RadioSelect,
    )
    answered_on = forms.DateField(
        label=_("Answer received on"),
        widget=DateInput(),
        help_text=_("A refusal from the general list starts a new 2-month deadline from this day (R17)."),
    )

    field_order = ["answer", "answered_on", "change_reason"]

    def clean_answered_on(self):
        day = self.cleaned_data["answered_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The day the answer was received cannot be in the future."))
        return day


class LeaseForm(ReasonFormMixin, forms.Form):
    signed_on = forms.DateField(label=_("Lease signed on"), widget=DateInput())
    starts_on = forms.DateField(label=_("Tenancy starts on"), widget=DateInput())

    field_order = ["signed_on", "starts_on", "change_reason"]

    def clean(self):
        data = super().clean()
        if data.get("signed_on") and data.get("starts_on") and data["starts_on"] < data["signed_on"]:
            self.add_error("starts_on", _("The tenancy cannot start before the lease is signed."))
        return data


class EligibleNotFoundForm(ReasonFormMixin, forms.Form):
    note = forms.CharField(
        label=_("How the eligible group was sought (R14.3)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
    )

    field_order = ["note", "change_reason"]


class LetToOthersForm(ReasonFormMixin, forms.Form):
    basis = forms.ChoiceField(
        label=_("Basis"), choices=[c for c in OtherLettingBasis.choices if c[0]], widget=forms.RadioSelect
    )
    note = forms.CharField(
        label=_("How the eligible group was sought"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
    )
    approved_on = forms.DateField(
        label=_("The kommune's approval given on (R14.4)"), widget=DateInput(), required=False
    )
    approval_ref = forms.CharField(label=_("Approval reference"), max_length=200, required=False)

    field_order = ["basis", "note", "approved_on", "approval_ref", "change_reason"]
