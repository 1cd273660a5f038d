"""Forms of kommunal anvisning (R1.4): the kommune names the tenant; the organisation signs."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _

from housing import cpr
from housing.forms import DateInput, ReasonFormMixin

from .models import Nomination

MAX_HOUSEHOLD = 30


class NominationForm(ReasonFormMixin, forms.ModelForm):
    """The person the kommune names. The CPR number is validated like everywhere else
    (python-stdnum, no modulus 11); on a change it may be left empty to keep the one named."""

    cpr = forms.CharField(label=_("CPR number"), max_length=11, help_text=_("DDMMYY-XXXX"))

    field_order = ["cpr", "first_name", "last_name", "household_size", "ground", "follows_children_agreement"]

    class Meta:
        model = Nomination
        fields = ["first_name", "last_name", "household_size", "ground", "follows_children_agreement"]
        widgets = {"ground": forms.Textarea(attrs={"rows": 3, "maxlength": 300})}
        help_texts = {
            "ground": _("The urgent social need or the urban-renewal rehousing the dwelling is used for."),
        }

    def __init__(self, *args, changing: bool = False, children_agreement_applies: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        size = self.fields["household_size"]
        size.validators += [MinValueValidator(1), MaxValueValidator(MAX_HOUSEHOLD)]
        size.widget.attrs.update({"min": 1, "max": MAX_HOUSEHOLD})
        if changing:
            self.fields["cpr"].required = False
            self.fields["cpr"].help_text = _("DDMMYY-XXXX. Leave empty to keep the CPR number named before.")
        if not children_agreement_applies:
            # No § 4 agreement for this dwelling: nothing to follow, so nothing to ask.
            del self.fields["follows_children_agreement"]

    def clean_cpr(self) -> str:
        value = (self.cleaned_data.get("cpr") or "").strip()
        return cpr.normalise(value) if value else ""


class NominationLeaseForm(ReasonFormMixin, forms.Form):
    signed_on = forms.DateField(label=_("Lease signed on"), widget=DateInput())
    starts_on = forms.DateField(label=_("Tenancy starts on"), widget=DateInput())

    field_order = ["signed_on", "starts_on", "change_reason"]
