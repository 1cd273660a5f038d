"""The kommune officer's decision on a letting that needs its approval (R42.1–R42.4, R36.1, R36.3)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import RefusalGround
from housing.forms import DateInput, ReasonFormMixin


class ApprovalDecisionForm(ReasonFormMixin, forms.Form):
    DECISIONS = [("approve", _("Approve the letting")), ("refuse", _("Refuse the letting"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    household_income = forms.DecimalField(
        label=_("Household income per year (DKK)"),
        required=False,
        min_value=0,
        max_digits=11,
        decimal_places=2,
        help_text=_("The household's total yearly income, for the assessment against the rent (R42.2)."),
    )
    income_assessment = forms.CharField(
        label=_("The kommune's assessment of income and rent (R42.2)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "A refusal on income needs a concrete assessment of the applicant's economic and personal "
            "circumstances."
        ),
    )
    is_refugee = forms.BooleanField(label=_("The applicant is a refugee (R42.4)"), required=False)
    refusal_ground = forms.ChoiceField(
        label=_("Ground of the refusal"),
        required=False,
        choices=[("", "—"), *RefusalGround.choices],
    )
    decision_reasons = forms.CharField(
        label=_("Reasons"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required for a refusal: sent to the applicant and the organisation (R36.3, R42.3)."),
    )

    field_order = [
        "household_income",
        "income_assessment",
        "is_refugee",
        "decision",
        "refusal_ground",
        "decision_reasons",
        "change_reason",
    ]


class ApprovalRequestForm(ReasonFormMixin, forms.Form):
    """The organisation sends a letting to the kommune: a youth or elder dwelling let as another kind
    (R12.4, R14.4), or a letting outside an offer round that needs approval (R42.1, R36.1, R12.1)."""

    LET_AS = [
        ("", _("As its own kind")),
        ("family", _("As a family dwelling")),
        ("youth", _("As a youth dwelling")),
        ("elder", _("As an elder dwelling")),
    ]

    applicant_number = forms.CharField(
        label=_("Applicant number"),
        max_length=20,
        help_text=_("The applicant's number in the organisation's register or on its shared list."),
    )
    let_as = forms.ChoiceField(label=_("Let the dwelling"), choices=LET_AS, required=False)

    field_order = ["applicant_number", "let_as", "change_reason"]


class YouthReversionForm(ReasonFormMixin, forms.Form):
    """R12.5: the youth dwelling is let as a youth dwelling again."""

    valid_from = forms.DateField(label=_("Applies from"), widget=DateInput())
    reasons = forms.CharField(label=_("The kommune's reasons"), widget=forms.Textarea(attrs={"rows": 3}))
