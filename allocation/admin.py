"""Admin for the letting configuration: agreements with the kommune and the dated decisions of the
organisation and the kommune that the ranking applies."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from housing.admin import AuditedAdmin
from waitinglists.models import EducationLevel

from .models import (
    KommuneLettingDecision,
    LettingAgreement,
    OrganisationLettingPolicy,
    YouthLettingGuideline,
    YouthPriorityGroup,
)


@admin.register(LettingAgreement)
class LettingAgreementAdmin(AuditedAdmin):
    list_display = [
        "organisation",
        "kommune",
        "department",
        "dwelling",
        "kind",
        "every_nth",
        "approved_by",
        "valid_from",
        "valid_until",
    ]
    list_filter = ["kind", "kommune"]
    autocomplete_fields = ["organisation", "kommune", "department", "dwelling"]


@admin.register(OrganisationLettingPolicy)
class OrganisationLettingPolicyAdmin(AuditedAdmin):
    list_display = [
        "organisation",
        "valid_from",
        "decided_on",
        "issues_housing_guarantees",
        "separation_priority",
        "transfer_residence_months",
        "offer_round_size",
        "answer_days",
    ]
    list_filter = ["organisation"]
    autocomplete_fields = ["organisation"]
    filter_horizontal = ["transfer_residence_departments", "housing_guarantee_departments"]

    def save_related(self, request, form, formsets, change):
        # The department lists are recorded in the policy's history: same user and reason.
        obj = form.instance
        obj._history_user = request.user
        obj._change_reason = form.cleaned_data[self.change_reason_field]
        try:
            super().save_related(request, form, formsets, change)
        finally:
            for name in ("_history_user", "_change_reason"):
                if hasattr(obj, name):
                    delattr(obj, name)


@admin.register(KommuneLettingDecision)
class KommuneLettingDecisionAdmin(AuditedAdmin):
    list_display = [
        "kommune",
        "valid_from",
        "decided_on",
        "elder_disabled_priority",
        "priority_dwellings_let_as_elder",
        "housing_guarantees_off",
        "separation_priority_off",
        "approves_each_letting",
        "approves_each_youth_letting",
        "combined_letting",
    ]
    list_filter = ["kommune"]
    autocomplete_fields = ["kommune"]


class YouthPriorityGroupForm(forms.ModelForm):
    education_levels = forms.MultipleChoiceField(
        label=_("in education at one of these levels"),
        choices=EducationLevel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: education level is not weighed."),
    )

    class Meta:
        model = YouthPriorityGroup
        fields = ["position", "name", "education_levels", "income_below", "social_need"]


class YouthPriorityGroupInline(admin.TabularInline):
    """The priority groups in order; each change is saved with the guideline's reason."""

    model = YouthPriorityGroup
    form = YouthPriorityGroupForm
    extra = 1


@admin.register(YouthLettingGuideline)
class YouthLettingGuidelineAdmin(AuditedAdmin):
    """§ 12, stk. 2 (R12.2): the organisation's written letting guidelines for ordinary, relabelled
    and university-near youth dwellings — dated, with their priority groups."""

    list_display = ["organisation", "title", "valid_from", "decided_on"]
    list_filter = ["organisation"]
    autocomplete_fields = ["organisation"]
    inlines = [YouthPriorityGroupInline]


from . import admin_area_lists  # noqa: E402, F401  (the R35 area list upload)
