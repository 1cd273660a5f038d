"""Forms for the letters pages. Every form that changes data asks for a reason."""

from __future__ import annotations

from django import forms
from django.template import Template, TemplateSyntaxError
from django.utils.translation import gettext_lazy as _

from housing.forms import ReasonFormMixin

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
        try:
            Template(source)
        except TemplateSyntaxError as exc:
            raise forms.ValidationError(
                _("This is not a valid template: %(error)s"), params={"error": exc}
            ) from exc
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
