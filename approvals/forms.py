"""The kommune officer's decision on a letting that needs its approval (R42.1–R42.4, R36.1, R36.3)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from approvals.models import RefusalGround
from housing.forms import DateInput, ReasonFormMixin
from housing.input_limits import LETTER_TEXT_MAX_LENGTH


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
        max_length=LETTER_TEXT_MAX_LENGTH,
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
        max_length=LETTER_TEXT_MAX_LENGTH,
        help_text=_("Sent to the applicant and the organisation in the decision letter (R36.3, R42.3)."),
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

    # Required only for a refusal (R36.3, R42.2–R42.3): the labels say so (forms/field.html) and
    # clean() enforces it; the ground and the reasons are hidden while "approve" is chosen.
    REFUSAL_REQUIRED = ("refusal_ground", "decision_reasons")
    INCOME_REFUSAL_REQUIRED = ("household_income", "income_assessment")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.REFUSAL_REQUIRED:
            self.fields[name].required_when = _("required for a refusal")
            self.fields[name].show_if = ("decision", "refuse")
        for name in self.INCOME_REFUSAL_REQUIRED:
            self.fields[name].required_when = _("required for a refusal on income")

    def clean(self):
        data = super().clean()
        if data.get("decision") != "refuse":
            return data
        if not data.get("refusal_ground") and "refusal_ground" not in self.errors:
            self.add_error("refusal_ground", _("Choose the ground of the refusal."))
        if not (data.get("decision_reasons") or "").strip() and "decision_reasons" not in self.errors:
            self.add_error(
                "decision_reasons",
                _("A refusal must give its reasons to the organisation and the applicant (R36.3, R42.3)."),
            )
        if data.get("refusal_ground") == RefusalGround.INCOME:
            if data.get("household_income") is None and "household_income" not in self.errors:
                self.add_error(
                    "household_income", _("Record the household income the assessment rests on (R42.2).")
                )
            if not (data.get("income_assessment") or "").strip() and "income_assessment" not in self.errors:
                self.add_error(
                    "income_assessment",
                    _(
                        "A refusal on income needs a concrete assessment of the applicant's circumstances "
                        "(R42.2)."
                    ),
                )
        return data


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
    reasons = forms.CharField(
        label=_("The kommune's reasons"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
