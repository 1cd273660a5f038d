"""Forms of the needs decision (*visitation*) and of the general list."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing import cpr
from housing.forms import DateInput, ReasonFormMixin

from .models import EndCause, GuaranteeChoice, NeedKind, PartnerRelation

SCORE_CHOICES = [
    (0, _("0 – no special need")),
    (1, _("1 – some need")),
    (2, _("2 – considerable need")),
    (3, _("3 – great need")),
    (4, _("4 – very great need")),
]


def _score(label):
    return forms.TypedChoiceField(label=label, choices=SCORE_CHOICES, coerce=int, initial=None)


class NeedDecisionForm(ReasonFormMixin, forms.Form):
    """A needs decision: who, which need, when, the assessment (§ 20, stk. 2), who moves along
    (R19.3) and — for a plejebolig need — the general list or a specific dwelling (§ 15)."""

    kommune = forms.ModelChoiceField(label=_("Kommune"), queryset=None, empty_label=None)
    cpr = forms.CharField(label=_("CPR number"), max_length=11, help_text=_("DDMMYY-XXXX"))
    first_name = forms.CharField(
        label=_("First name(s)"),
        max_length=100,
        required=False,
        help_text=_("Needed only when the citizen is not registered with the kommune yet."),
    )
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Need"), choices=NeedKind.choices, widget=forms.RadioSelect)
    decided_on = forms.DateField(label=_("Decision date"), widget=DateInput())
    social_score = _score(_("Social conditions"))
    physical_score = _score(_("Physical conditions"))
    mental_score = _score(_("Mental conditions"))
    economic_score = _score(_("Economic conditions"))
    assessment_notes = forms.CharField(
        label=_("Assessment notes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Sensitive: every reading is written to the access log."),
    )
    far_reaching_disability = forms.BooleanField(
        label=_("Far-reaching physical or mental disability (R14.2)"), required=False
    )
    partner_relation = forms.ChoiceField(
        label=_("Spouse, registered partner or cohabitant moving along (R19.3)"),
        choices=PartnerRelation.choices,
        required=False,
    )
    partner_name = forms.CharField(label=_("Name of the person moving along"), max_length=200, required=False)
    guarantee_choice = forms.ChoiceField(
        label=_("For a plejebolig need: general list or a specific dwelling (§ 15)"),
        choices=[c for c in GuaranteeChoice.choices if c[0]],
        widget=forms.RadioSelect,
        required=False,
    )
    chosen_dwelling = forms.CharField(
        label=_("The specific dwelling or nursing home chosen"), max_length=200, required=False
    )

    field_order = [
        "kommune",
        "cpr",
        "first_name",
        "last_name",
        "kind",
        "decided_on",
        "social_score",
        "physical_score",
        "mental_score",
        "economic_score",
        "assessment_notes",
        "far_reaching_disability",
        "partner_relation",
        "partner_name",
        "guarantee_choice",
        "chosen_dwelling",
        "change_reason",
    ]

    def __init__(self, *args, kommuner=None, changing: bool = False, pending_offer=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.changing = changing
        if changing:
            for name in ("kommune", "cpr", "first_name", "last_name"):
                del self.fields[name]
        else:
            self.fields["kommune"].queryset = kommuner
            only = list(kommuner[:2]) if kommuner is not None else []
            if len(only) == 1:
                self.fields["kommune"].initial = only[0].pk
                self.fields["kommune"].widget = forms.HiddenInput()
        if pending_offer is not None:
            # R18: whether the need changed before the elder received the offer decides whether the
            # guarantee ends; the officer records the day (or that it has not been received).
            self.fields["offer_received_on"] = forms.DateField(
                label=_("The elder received the pending offer on"),
                required=False,
                widget=DateInput(),
                help_text=_(
                    "An offer of %(dwelling)s made on %(day)s awaits the answer. A changed need dated before "
                    "the day the elder received it ends the guarantee and withdraws the offer; a change on "
                    "or after that day does not (§ 18)."
                )
                % {
                    "dwelling": pending_offer.vacancy.dwelling.address_line,
                    "day": pending_offer.offered_on.strftime("%d.%m.%Y"),
                },
            )
            self.fields["offer_not_received"] = forms.BooleanField(
                label=_("The elder has not received the offer yet"), required=False
            )
            self.order_fields(
                [*self.field_order[:-1], "offer_received_on", "offer_not_received", "change_reason"]
            )

    def clean_cpr(self) -> str:
        return cpr.normalise((self.cleaned_data.get("cpr") or "").strip())

    def clean_decided_on(self):
        day = self.cleaned_data["decided_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The decision date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == NeedKind.NURSING and not data.get("guarantee_choice"):
            self.add_error("guarantee_choice", _("Choose the general list or a specific dwelling (§ 15)."))
        if kind and kind != NeedKind.NURSING:
            data["guarantee_choice"] = ""
        if data.get("offer_received_on") and data.get("offer_not_received"):
            self.add_error(
                "offer_not_received",
                _("Either give the day the offer was received or tick this box, not both."),
            )
        if data.get("partner_relation") and not (data.get("partner_name") or "").strip():
            self.add_error("partner_name", _("Name the spouse, partner or cohabitant who moves along."))
        if not data.get("partner_relation") and (data.get("partner_name") or "").strip():
            self.add_error("partner_relation", _("Choose how the person named is related to the citizen."))
        return data


class BreachReportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)


class GuaranteeLeaveForm(ReasonFormMixin, forms.Form):
    """The place on the general list ends: the elder withdrew, has died, moved away, or the need lapsed.
    A changed need for an elder dwelling or a botilbud is a new needs decision instead (R18)."""

    cause = forms.ChoiceField(
        label=_("Why does the place end?"),
        choices=[c for c in EndCause.choices if c[0]],
        widget=forms.RadioSelect,
    )
    day = forms.DateField(label=_("The place ends on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 300}),
        help_text=_("Written in the letter to the elder (not on death)."),
    )

    field_order = ["cause", "day", "note", "change_reason"]

    def clean_day(self):
        day = self.cleaned_data["day"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("The place cannot end on a day in the future."))
        return day
