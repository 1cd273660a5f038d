"""Forms of the advert page (letting by advertising, R1.6 and § 38). Each asks for the reason that
goes into the history; the services check the law, these only parse the input."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from housing import cpr, scoping
from housing.forms import DateInput, ReasonFormMixin
from housing.input_limits import LETTER_TEXT_MAX_LENGTH
from housing.models import Person

from .models import Advert, Interest
from .services import adverts as advert_services


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _model_field(name: str, model=Advert):
    return model._meta.get_field(name)


class AdvertForm(ReasonFormMixin, forms.Form):
    """The facts of the advert: R38.1's agreement date and what R38.2 requires the advert to state."""

    agreed_on = forms.DateField(
        label=_model_field("agreed_on").verbose_name,
        help_text=_model_field("agreed_on").help_text,
        widget=DateInput(),
    )
    dwelling_description = forms.CharField(
        label=_("The dwelling(s) (§ 38, stk. 2, nr. 1)"),
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    criteria = forms.CharField(
        label=_("Criteria (§ 38, stk. 2, nr. 2)"),
        required=False,
        max_length=LETTER_TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Leave empty if there are no criteria: every applicant who writes in time qualifies."),
    )
    interest_deadline = forms.DateField(
        label=_("Deadline for written interest (§ 38, stk. 2, nr. 3)"),
        help_text=_("Interest received on the deadline day is in time."),
        widget=DateInput(),
    )
    viewing_at = forms.DateTimeField(label=_("Viewing time (§ 38, stk. 2, nr. 4)"), widget=DateTimeInput())
    viewing_place = forms.CharField(
        label=_("Viewing place (§ 38, stk. 2, nr. 4)"), max_length=_model_field("viewing_place").max_length
    )
    decision_expected_on = forms.DateField(
        label=_("Decision expected on (§ 38, stk. 2, nr. 5)"), widget=DateInput()
    )

    field_order = [*advert_services.ADVERT_FIELDS, "change_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The law's reason for each fact, instead of a bare "this field is required".
        for name, message in advert_services.required_messages().items():
            self.fields[name].error_messages["required"] = message

    def advert_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in advert_services.ADVERT_FIELDS}


class PublicationForm(ReasonFormMixin, forms.Form):
    danmarkbolig_published_on = forms.DateField(
        label=_("Published on DanmarkBolig.dk on"), widget=DateInput()
    )
    other_media = forms.CharField(
        label=_("Also advertised in"),
        required=False,
        max_length=_model_field("other_media").max_length,
        help_text=_("R38.1: also in one or more other relevant media, e.g. the local newspaper."),
    )

    field_order = ["danmarkbolig_published_on", "other_media", "change_reason"]


class InterestForm(ReasonFormMixin, forms.Form):
    """A written expression of interest. The applicant is found by CPR number or applicant number
    among the persons of the organisation's data controller."""

    person = forms.CharField(
        label=_("Applicant: CPR number or applicant number"),
        max_length=20,
        help_text=_("The applicant must be registered as a person of the organisation."),
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    qualified = forms.BooleanField(label=_("Meets the advert's criteria"), required=False, initial=True)
    assessment = forms.CharField(
        label=_("Assessment"),
        required=False,
        max_length=_model_field("assessment", Interest).max_length,
        help_text=_("Required when the applicant does not meet the criteria: why not."),
    )

    field_order = ["person", "received_on", "qualified", "assessment", "change_reason"]

    def __init__(self, *args, user, controller_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.controller_id = controller_id

    def clean_person(self) -> Person:
        text = self.cleaned_data["person"].strip()
        persons = scoping.persons_for(self.user).filter(controller_id=self.controller_id)
        digits = text.replace("-", "").replace(" ", "")
        if len(digits) == 10 and digits.isdigit():
            try:
                number = cpr.normalise(text)
            except ValidationError as exc:
                raise ValidationError(exc.messages) from exc
            person = persons.filter(cpr_hash=cpr.lookup_hash(number)).first()
        else:
            person = persons.filter(applicant_number=text).first()
        if person is None:
            raise ValidationError(
                _(
                    "No person of the organisation has this CPR number or applicant number. "
                    "Register the person first."
                )
            )
        return person


class InterestChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Interest) -> str:
        return f"{obj.person.applicant_number} {obj.person.full_name}"


class AssessmentForm(ReasonFormMixin, forms.Form):
    interest = InterestChoiceField(label=_("Applicant"), queryset=Interest.objects.none())
    qualified = forms.BooleanField(label=_("Meets the advert's criteria"), required=False)
    assessment = forms.CharField(
        label=_("Assessment"), required=False, max_length=_model_field("assessment", Interest).max_length
    )

    field_order = ["interest", "qualified", "assessment", "change_reason"]

    def __init__(self, *args, advert: Advert, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interest"].queryset = advert.interests.select_related("person").order_by(
            "person__applicant_number"
        )


class _TurnForm(ReasonFormMixin, forms.Form):
    """An action on the applicant whose turn it is; the hidden interest makes sure it is the one
    the caseworker saw (somebody may have recorded a decline in the meantime)."""

    interest = forms.ModelChoiceField(queryset=Interest.objects.none(), widget=forms.HiddenInput)

    def __init__(self, *args, advert: Advert, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["interest"].queryset = advert.interests.select_related("person")


class DeclineForm(_TurnForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    field_order = ["interest", "note", "change_reason"]


class LetForm(_TurnForm):
    signed_on = forms.DateField(label=_("Lease signed on"), widget=DateInput())
    starts_on = forms.DateField(label=_("Tenancy starts on"), widget=DateInput())

    field_order = ["interest", "signed_on", "starts_on", "change_reason"]


class LotteryForm(ReasonFormMixin, forms.Form):
    """The auditor's commitment or draw: only the reason."""
