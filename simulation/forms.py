"""The forms of the scenario pages: a new scenario and a rule change. Every choice is limited to what
the user may use (``selectors``), and every save asks for the reason that goes into the history."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput, ReasonFormMixin
from housing.input_limits import LETTER_TEXT_MAX_LENGTH

from . import selectors
from .models import ChangeAction, ChangeKind, Scenario, ScenarioChange, ScopeKind

# The field each scope names (``Scenario.clean``).
SCOPE_FIELDS = {
    ScopeKind.ORGANISATION: "organisation",
    ScopeKind.SHARED_LIST: "association",
    ScopeKind.KOMMUNE: "kommune",
}


class ScenarioForm(ReasonFormMixin, forms.ModelForm):
    """A new scenario: its name, what it covers (one of the user's organisations, shared lists or
    kommuner) and the period replayed (default: the last 12 months)."""

    description = forms.CharField(
        label=_("description"),
        required=False,
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Scenario
        fields = [
            "name",
            "scope",
            "organisation",
            "association",
            "kommune",
            "period_start",
            "period_end",
            "description",
        ]
        widgets = {
            "scope": forms.RadioSelect,
            "period_start": DateInput(),
            "period_end": DateInput(),
        }
        help_texts = {
            "period_start": _("The lettings of the period are replayed. Default: the last 12 months."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        choices = selectors.scope_choices(user)
        self.fields["organisation"].queryset = choices.organisations
        self.fields["association"].queryset = choices.associations
        self.fields["kommune"].queryset = choices.kommuner
        # Only the scopes the user has something to choose in.
        offered = {
            ScopeKind.ORGANISATION: choices.organisations.exists(),
            ScopeKind.SHARED_LIST: choices.associations.exists(),
            ScopeKind.KOMMUNE: choices.kommuner.exists(),
        }
        self.fields["scope"].choices = [
            (value, label) for value, label in ScopeKind.choices if offered[value]
        ]
        for scope, name in SCOPE_FIELDS.items():
            field = self.fields[name]
            field.show_if = ("scope", scope)
            field.required_when = _("required for this scope")
            if not offered[scope]:
                # Nothing to choose: no empty list to read past (a kommune officer sees the kommune only).
                field.widget = forms.HiddenInput()
        if len(self.fields["scope"].choices) == 1 and not self.is_bound:
            self.initial.setdefault("scope", self.fields["scope"].choices[0][0])

    def clean(self):
        cleaned = super().clean()
        scope = cleaned.get("scope")
        # The scenario names only what its scope chooses: a kommune chosen and then left behind for
        # an organisation would otherwise let that kommune's officers use it (``services.can_use``).
        for other_scope, name in SCOPE_FIELDS.items():
            if other_scope != scope:
                cleaned[name] = None
                setattr(self.instance, name, None)
        return cleaned


class ScenarioEditForm(ReasonFormMixin, forms.ModelForm):
    """A scenario's name, period and description (its scope stays; ``services.scenario_update``)."""

    description = forms.CharField(
        label=_("description"),
        required=False,
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    class Meta:
        model = Scenario
        fields = ["name", "period_start", "period_end", "description"]
        widgets = {"period_start": DateInput(), "period_end": DateInput()}


class ChangeForm(ReasonFormMixin, forms.ModelForm):
    """One rule change of the scenario, for an organisation and kommune inside its scope."""

    class Meta:
        model = ScenarioChange
        fields = [
            "kind",
            "action",
            "organisation",
            "kommune",
            "department",
            "every_nth",
            "months",
            "facility_kind",
            "youth_guideline",
            "valid_from",
        ]
        widgets = {"kind": forms.RadioSelect, "action": forms.RadioSelect, "valid_from": DateInput()}

    def __init__(self, *args, scenario: Scenario, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.scenario = scenario
        choices = selectors.change_choices(scenario)
        self.fields["organisation"].queryset = choices.organisations
        self.fields["kommune"].queryset = choices.kommuner
        self.fields["department"].queryset = choices.departments
        self.fields["every_nth"].show_if = ("kind", ChangeKind.KOMMUNE_SHARE)
        self.fields["every_nth"].required_when = _("required to add a kommunal anvisning share")
        self.fields["every_nth"].help_text = _("2: every second vacant family dwelling goes to the kommune.")
        self.fields["months"].show_if = ("kind", ChangeKind.TRANSFER_RESIDENCE)
        self.fields["months"].required_when = _("required to add a residence period")
        self.fields["facility_kind"].show_if = ("kind", ChangeKind.REFUSE_OUTSIDERS)
        self.fields["facility_kind"].required_when = _("required for a § 22 decision")
        self.fields["youth_guideline"].queryset = choices.youth_guidelines
        self.fields["youth_guideline"].show_if = ("kind", ChangeKind.YOUTH_GUIDELINE)
        self.fields["youth_guideline"].required_when = _("required for a § 12, stk. 2 change")
        self.fields["action"].choices = ChangeAction.choices
        self.fields["kind"].choices = ChangeKind.choices
        if not self.is_bound:
            # A scenario of one organisation in one kommune (the usual case) needs no choosing.
            for name in ("organisation", "kommune"):
                only = list(self.fields[name].queryset.values_list("pk", flat=True)[:2])
                if len(only) == 1:
                    self.initial.setdefault(name, only[0])


class RemoveChangeForm(ReasonFormMixin, forms.Form):
    """Take one of the scenario's rule changes out (the history keeps it, with the reason)."""

    change = forms.ModelChoiceField(
        label=_("The rule change to remove"), queryset=ScenarioChange.objects.none(), widget=forms.RadioSelect
    )

    def __init__(self, *args, scenario: Scenario, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["change"].queryset = scenario.changes.select_related(
            "scenario", "organisation", "kommune", "department", "youth_guideline__organisation"
        ).order_by("pk")
        self.fields["change"].label_from_instance = change_label


def change_label(change: ScenarioChange) -> str:
    """A change in one line: what, for whom, from when."""
    organisation = change.organisation.name if change.organisation_id else _("every organisation")
    where = f"{organisation}, {change.kommune.name}"
    if change.department_id:
        where += f", {change.department}"
    text = f"{change.get_action_display()}: {change.get_kind_display()} — {where}"
    if change.every_nth:
        text += " — " + str(_("every %(n)s. vacant family dwelling")) % {"n": change.every_nth}
    if change.months:
        text += " — " + str(_("after %(n)s months' residence")) % {"n": change.months}
    if change.facility_kind:
        text += " — " + change.get_facility_kind_display()
    if change.youth_guideline_id:
        text += " — " + str(change.youth_guideline)
    if change.valid_from:
        text += " — " + str(_("from %(day)s")) % {"day": date_format(change.valid_from, "SHORT_DATE_FORMAT")}
    return text
