"""Forms of the person's *Priority* tab: the documented need (R5, R10) and the separation priority
(R8.2). Each carries the mandatory reason for the history."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput, ReasonFormMixin


class PriorityNeedForm(ReasonFormMixin, forms.Form):
    elderly_or_disabled = forms.BooleanField(label=_("Elderly or disabled (R5.1, R10.2)"), required=False)
    mobility_impaired = forms.BooleanField(
        label=_("Severely mobility-impaired (R5.2, R10.3)"), required=False
    )
    household_member_mobility_impaired = forms.BooleanField(
        label=_("A member of a household of at least 4 is severely mobility-impaired (R5.3, R10.4)"),
        required=False,
    )
    documentation = forms.CharField(
        label=_("Documentation"),
        max_length=300,
        help_text=_(
            "What the need is documented by, e.g. a medical certificate or the kommune's assessment."
        ),
    )
    documented_on = forms.DateField(label=_("Documented on"), widget=DateInput())


class ReasonForm(ReasonFormMixin, forms.Form):
    pass


class SeparationPriorityForm(ReasonFormMixin, forms.Form):
    child_department = forms.ModelChoiceField(
        label=_("The child lives with the other parent in department"), queryset=None
    )
    left_on = forms.DateField(label=_("Left the organisation's dwelling on"), widget=DateInput())
    valid_until = forms.DateField(
        label=_("Priority until"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: 1 year after the move-out, the longest the law allows."),
    )
    child_under_18_with_other_parent = forms.BooleanField(
        label=_("The child is under 18 and lives with the other parent in that department"), required=False
    )
    note = forms.CharField(label=_("Documentation"), max_length=300, required=False)

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["child_department"].queryset = departments
        self.fields["child_department"].label_from_instance = lambda d: (
            f"{d.organisation.name} – {d.number} {d.name} ({d.kommune.name})"
        )


class SeparationEndForm(ReasonFormMixin, forms.Form):
    separation = forms.ModelChoiceField(label=_("Separation priority"), queryset=None)
    ends_on = forms.DateField(label=_("Priority ends on"), widget=DateInput())

    def __init__(self, *args, separations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["separation"].queryset = separations
        self.fields["separation"].label_from_instance = lambda s: (
            f"{s.organisation.name}, {s.kommune.name}: {s.left_on:%d.%m.%Y} – {s.valid_until:%d.%m.%Y}"
        )
