"""Forms for the register and persons. Every form that changes data asks for a reason."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import cpr
from .input_limits import REASON_MAX_LENGTH
from .models import (
    AccessPurpose,
    Department,
    Dwelling,
    HouseholdMember,
    HousingOrganisation,
    Person,
    Tenant,
)


class ReasonFormMixin(forms.Form):
    """Adds the mandatory 'reason for the change' that goes into the history row."""

    change_reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=REASON_MAX_LENGTH,
        help_text=_("Saved in the history together with your name."),
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class OrganisationForm(ReasonFormMixin, forms.ModelForm):
    class Meta:
        model = HousingOrganisation
        fields = [
            "name",
            "cvr",
            "address_line",
            "postal_code",
            "city",
            "email",
            "phone",
            "digital_post_connected_from",
            "shared_list",
        ]
        widgets = {"digital_post_connected_from": DateInput()}


class DepartmentForm(ReasonFormMixin, forms.ModelForm):
    class Meta:
        model = Department
        fields = [
            "organisation",
            "number",
            "name",
            "kommune",
            "address_line",
            "postal_code",
            "city",
            "beboermaksimum_applied",
        ]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations
        if self.instance.pk:
            # Moving a department between organisations is not an edit; the field is shown read-only.
            self.fields["organisation"].disabled = True


class DwellingForm(ReasonFormMixin, forms.ModelForm):
    class Meta:
        model = Dwelling
        fields = [
            "department",
            "number",
            "address_line",
            "floor",
            "has_elevator",
            "kind",
            "rooms",
            "gross_floor_area",
            "monthly_rent",
            "youth_kind",
            "fitted_elderly_disabled",
            "fitted_mobility_impaired",
            "fitted_large_household_mobility",
            "fitted_far_reaching_disability",
            "suitable_for_two",
            "owner_kind",
            "owner_name",
            "lease_scope",
        ]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.fields["department"].queryset = departments.select_related("organisation")


class CohabitationForm(ReasonFormMixin, forms.ModelForm):
    """Since when a cohabitant has lived with the applicant: after 2 years the cohabitant counts as
    a spouse under almenboligloven § 51 b, stk. 1, 4. pkt. and § 51 c, stk. 2 (R36.1, R37.1)."""

    class Meta:
        model = HouseholdMember
        fields = ["cohabiting_since"]
        widgets = {"cohabiting_since": DateInput()}

    def clean_cohabiting_since(self):
        since = self.cleaned_data.get("cohabiting_since")
        if since is not None and since > timezone.localdate():
            raise forms.ValidationError(_("The cohabitation cannot begin in the future."))
        return since


class PersonForm(ReasonFormMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "address_line",
            "postal_code",
            "city",
            "kommune",
            "phone",
            "email",
            "wants_email_notice",
            "digital_post_consent_date",
            "digital_post_consent_method",
            "digital_post_exempt",
        ]
        widgets = {"digital_post_consent_date": DateInput()}

    def clean(self):
        data = super().clean()
        date, method = data.get("digital_post_consent_date"), data.get("digital_post_consent_method")
        if date and not method:
            self.add_error("digital_post_consent_method", _("State how the consent was given."))
        if method and not date:
            self.add_error("digital_post_consent_date", _("State the date the consent was given."))
        return data


class PersonCreateForm(PersonForm):
    cpr = forms.CharField(label=_("CPR number"), max_length=11, help_text=_("DDMMYY-XXXX"))
    controller = forms.ModelChoiceField(label=_("Data controller"), queryset=Tenant.objects.none())

    field_order = ["controller", "cpr"]

    def __init__(self, *args, controllers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["controller"].queryset = controllers if controllers is not None else Tenant.objects.none()
        if controllers is not None and controllers.count() == 1:
            self.fields["controller"].initial = controllers.first()

    def clean_cpr(self) -> str:
        return cpr.normalise(self.cleaned_data["cpr"])


class CprSearchForm(forms.Form):
    cpr = forms.CharField(label=_("CPR number"), max_length=11)

    def clean_cpr(self) -> str:
        return cpr.normalise(self.cleaned_data["cpr"])


class RevealCprForm(forms.Form):
    purpose = forms.ChoiceField(label=_("Purpose"), choices=[("", "—"), *AccessPurpose.choices])
    purpose_text = forms.CharField(label=_("Describe the purpose"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if data.get("purpose") == AccessPurpose.OTHER and not (data.get("purpose_text") or "").strip():
            self.add_error("purpose_text", _("Describe the purpose when you choose 'Other'."))
        return data
