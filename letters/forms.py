"""Forms for the letters pages. Every form that changes data asks for a reason."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from housing.forms import ReasonFormMixin

from . import schedules, template_check
from .models import ComplaintGuidance, LetterTemplate


class ReasonForm(ReasonFormMixin, forms.Form):
    """Just the mandatory reason: resending a letter, confirming a print batch as posted."""


class JobStartForm(forms.Form):
    job = forms.ChoiceField(label=_("Job"), choices=())

    def __init__(self, *args, jobs: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].choices = [(name, spec.label) for name, spec in jobs.items()]


class LetterTemplateAdminForm(ReasonFormMixin, forms.ModelForm):
    """The admin form for a template version. Saving always makes the next version (see the admin);
    the template syntax is checked here, so a mistake is shown next to the field, not as an error
    page."""

    class Meta:
        model = LetterTemplate
        fields = ["kind", "subject", "body"]

    def _check_template(self, name: str) -> str:
        source = self.cleaned_data[name]
        template_check.check_template(source)  # the mistake in Danish, with its line
        return source

    def clean_subject(self) -> str:
        return self._check_template("subject")

    def clean_body(self) -> str:
        return self._check_template("body")


class ComplaintGuidanceAdminForm(ReasonFormMixin, forms.ModelForm):
    """The admin form for a complaint guidance version. Saving always makes the next version, with
    the reason kept on it (see the admin)."""

    class Meta:
        model = ComplaintGuidance
        fields = ["decision_type", "valid_from", "legal_source", "text"]


class JobScheduleForm(ReasonFormMixin, forms.Form):
    """When a job runs, as an administrator says it: the job by its name, a time of day and the
    weekdays (or, for a job that runs all day, every so many minutes), on or off, and why."""

    job = forms.ChoiceField(label=_("Job"), choices=())
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=[
            (schedules.Frequency.DAILY, _("At a time of day on the chosen weekdays")),
            (schedules.Frequency.INTERVAL, _("Every so many minutes, all day")),
        ],
        widget=forms.RadioSelect,
    )
    time = forms.TimeField(
        label=_("Time of day"),
        required=False,
        input_formats=["%H:%M", "%H.%M", "%H:%M:%S"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Hours and minutes, e.g. 02:30."),
        error_messages={"invalid": _("Enter a time of day as hours and minutes, e.g. 02:30.")},
    )
    weekdays = forms.MultipleChoiceField(
        label=_("Weekdays"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    every_minutes = forms.IntegerField(
        label=_("Every how many minutes"),
        required=False,
        min_value=1,
        max_value=24 * 60,
        error_messages={
            "invalid": _("Enter a number of minutes from 1 to 1440."),
            "min_value": _("Enter a number of minutes from 1 to 1440."),
            "max_value": _("Enter a number of minutes from 1 to 1440."),
        },
    )
    enabled = forms.BooleanField(label=_("Active (the job runs on this schedule)"), required=False)

    field_order = ["job", "frequency", "time", "weekdays", "every_minutes", "enabled", "change_reason"]

    def __init__(self, *args, jobs: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["job"].choices = sorted(
            ((name, str(spec.label)) for name, spec in jobs.items()), key=lambda choice: choice[1].lower()
        )
        self.fields["job"].error_messages["invalid_choice"] = _("Choose one of the jobs in the list.")
        self.fields["weekdays"].choices = schedules.weekday_choices()
        self.fields["weekdays"].error_messages["invalid_choice"] = _("Choose weekdays from the list.")
        self.fields["change_reason"].error_messages["required"] = _("State why the change is made.")

    def clean(self):
        data = super().clean()
        if data.get("frequency") == schedules.Frequency.INTERVAL:
            if data.get("every_minutes") is None and "every_minutes" not in self.errors:
                self.add_error("every_minutes", _("Enter a number of minutes from 1 to 1440."))
        elif data.get("frequency") == schedules.Frequency.DAILY:
            if data.get("time") is None and "time" not in self.errors:
                self.add_error("time", _("Enter the time of day the job runs, e.g. 02:30."))
            if not data.get("weekdays") and "weekdays" not in self.errors:
                self.add_error("weekdays", _("Choose at least one weekday."))
        return data

    def weekday_numbers(self) -> set[int]:
        return {int(day) for day in self.cleaned_data.get("weekdays") or ()}
