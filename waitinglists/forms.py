"""Forms for the waiting-list pages. Every form that changes data asks for a reason."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing import cpr
from housing.forms import DateInput, ReasonFormMixin
from housing.models import Department, DigitalPostConsentMethod, DwellingKind, Kommune

from .models import DeletionReason, EducationLevel, Entry, EntryStatus, ListKind, Payment
from .services.registration import Wishes

WISH_FORM_FIELDS = [
    "departments",
    "dwelling_kinds",
    "rooms_min",
    "rooms_max",
    "max_rent",
    "floor_max",
    "needs_elevator",
]
YOUTH_FORM_FIELDS = [
    "education_institution",
    "education_expected_end",
    "education_level",
    "special_need",
    "needs_support",
    "annual_income",
    "social_need",
]


class ReasonForm(ReasonFormMixin, forms.Form):
    """Just the mandatory reason (reinstating an entry)."""


class KeepSeniorityForm(ReasonFormMixin, forms.Form):
    """The tenant's wish to keep the seniority after a lease (§ 3, stk. 6–7, R3.6–R3.7)."""

    requested_on = forms.DateField(
        label=_("The wish was received on"),
        widget=DateInput(),
        help_text=_(
            "The day the tenant's wish reached the organisation: at the latest 8 days after the lease was "
            "signed, postponed when the written information was sent later (§ 3, stk. 6)."
        ),
    )
    field_order = ["requested_on", "change_reason"]


class WishesMixin(forms.Form):
    """The wish fields shared by registration and the wishes edit (R3.2: one list for all
    departments; the wishes narrow which offers the applicant gets)."""

    departments = forms.ModelMultipleChoiceField(
        label=_("Wanted departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None chosen: every department of the list."),
    )
    dwelling_kinds = forms.MultipleChoiceField(
        label=_("Wanted dwelling kinds"),
        choices=DwellingKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    rooms_min = forms.IntegerField(label=_("Rooms at least"), min_value=1, max_value=20, initial=1)
    rooms_max = forms.IntegerField(label=_("Rooms at most"), min_value=1, max_value=20, initial=6)
    max_rent = forms.DecimalField(
        label=_("Highest monthly rent (DKK)"), max_digits=9, decimal_places=2, min_value=0, required=False
    )
    floor_max = forms.IntegerField(label=_("Highest floor"), min_value=0, max_value=99, required=False)
    needs_elevator = forms.BooleanField(label=_("Needs an elevator"), required=False)
    education_institution = forms.CharField(label=_("Education institution"), max_length=200, required=False)
    education_expected_end = forms.DateField(
        label=_("Education expected to end"), required=False, widget=DateInput()
    )
    special_need = forms.CharField(label=_("Special need"), max_length=300, required=False)
    needs_support = forms.BooleanField(label=_("Needs support (startbolig, R12.1)"), required=False)
    # § 12, stk. 2 (R12.2): the educational, economic and social facts the letting guidelines weigh.
    education_level = forms.ChoiceField(
        label=_("Education level"), choices=[("", "—"), *EducationLevel.choices], required=False
    )
    annual_income = forms.DecimalField(
        label=_("Documented yearly income (DKK)"),
        max_digits=10,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Empty: not documented (R12.2)."),
    )
    social_need = forms.CharField(
        label=_("Documented social circumstances"),
        max_length=300,
        required=False,
        help_text=_("Weighed by the organisation's letting guidelines (§ 12, stk. 2, R12.2)."),
    )

    def setup_wishes(self, *, departments, youth: bool) -> None:
        self.fields["departments"].queryset = departments
        self.fields["departments"].label_from_instance = lambda d: (
            f"{d.number} {d.name} ({d.organisation.name})"
        )
        if not youth:
            for name in YOUTH_FORM_FIELDS:
                del self.fields[name]

    def clean(self):
        data = super().clean()
        low, high = data.get("rooms_min"), data.get("rooms_max")
        if low and high and low > high:
            self.add_error("rooms_max", _("The highest number of rooms cannot be below the lowest."))
        return data

    def wishes(self) -> Wishes:
        data = self.cleaned_data
        return Wishes(
            departments=list(data.get("departments") or []),
            dwelling_kinds=list(data.get("dwelling_kinds") or []),
            rooms_min=data["rooms_min"],
            rooms_max=data["rooms_max"],
            max_rent=data.get("max_rent"),
            floor_max=data.get("floor_max"),
            needs_elevator=bool(data.get("needs_elevator")),
            education_institution=data.get("education_institution") or "",
            education_expected_end=data.get("education_expected_end"),
            special_need=data.get("special_need") or "",
            needs_support=bool(data.get("needs_support")),
            education_level=data.get("education_level") or "",
            annual_income=data.get("annual_income"),
            social_need=data.get("social_need") or "",
        )

    @staticmethod
    def initial_from(entry: Entry) -> dict:
        initial = {name: getattr(entry, name) for name in WISH_FORM_FIELDS if name != "departments"}
        initial.update({name: getattr(entry, name) for name in YOUTH_FORM_FIELDS})
        initial["departments"] = list(entry.departments.all())
        return initial


class EntryWishesForm(ReasonFormMixin, WishesMixin):
    field_order = [*WISH_FORM_FIELDS, *YOUTH_FORM_FIELDS, "change_reason"]

    def __init__(self, *args, departments, youth: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.setup_wishes(departments=departments, youth=youth)


class EntryRegisterForm(ReasonFormMixin, WishesMixin):
    """Registration at the counter, by phone or from a paper form: an existing person of the list's
    data controller (by CPR or applicant number) or a new person; Digital Post consent (DP2);
    the wishes; the registration date and the rules that shape seniority and fees."""

    EXISTING, NEW = "existing", "new"

    applicant = forms.ChoiceField(
        label=_("Applicant"),
        choices=[(EXISTING, _("Already registered with us")), (NEW, _("New person"))],
        widget=forms.RadioSelect,
        initial=NEW,
    )
    existing_cpr = forms.CharField(
        label=_("CPR number of the registered person"),
        max_length=11,
        required=False,
        help_text=_("DDMMYY-XXXX. Or give the applicant number."),
    )
    existing_applicant_number = forms.CharField(
        label=_("Applicant number of the registered person"), max_length=20, required=False
    )
    cpr = forms.CharField(label=_("CPR number"), max_length=11, required=False, help_text=_("DDMMYY-XXXX"))
    first_name = forms.CharField(label=_("First name(s)"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    address_line = forms.CharField(label=_("Address"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    kommune = forms.ModelChoiceField(
        label=_("Kommune of residence"), queryset=Kommune.objects.order_by("name"), required=False
    )
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    digital_post_consent_date = forms.DateField(
        label=_("Digital Post consent given on"), required=False, widget=DateInput()
    )
    digital_post_consent_method = forms.ChoiceField(
        label=_("How consent was given"),
        choices=[("", "—"), *DigitalPostConsentMethod.choices],
        required=False,
    )
    digital_post_exempt = forms.BooleanField(label=_("Exempt from Digital Post"), required=False)
    registered_on = forms.DateField(label=_("Registration date"), widget=DateInput())
    age_exception = forms.BooleanField(
        label=_("Continues a tenancy under almenlejeloven §§ 71–72 (no age limit)"), required=False
    )
    andels_member_since = forms.DateField(
        label=_("Member of the andelsboligorganisation since (R2.3–R2.4)"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "Only for members on 1 January 2010. On the internal list the seniority counts from this date "
            "(§ 2, stk. 3–4); on the general list it gives the right to keep the seniority after a lease "
            "(§ 3, stk. 6)."
        ),
    )
    andels_tenant_on_cutoff = forms.BooleanField(
        label=_("Was a tenant on 1 January 2010 (R2.3)"),
        required=False,
        help_text=_("§ 2, stk. 3: members who were tenants on 1 January 2010."),
    )
    andels_general_list_on = forms.DateField(
        label=_("Admitted to the general list on (R2.3)"),
        required=False,
        widget=DateInput(),
        help_text=_(
            "§ 2, stk. 3: on the general list by 1 June 2010 at the latest. Not needed for a member who kept "
            "the general-list seniority after a lease (§ 2, stk. 4)."
        ),
    )

    PERSON_FIELDS = [
        "first_name",
        "last_name",
        "address_line",
        "postal_code",
        "city",
        "kommune",
        "phone",
        "email",
    ]
    CONSENT_FIELDS = ["digital_post_consent_date", "digital_post_consent_method", "digital_post_exempt"]

    field_order = [
        "applicant",
        "existing_cpr",
        "existing_applicant_number",
        "cpr",
        *PERSON_FIELDS,
        *CONSENT_FIELDS,
        *WISH_FORM_FIELDS,
        *YOUTH_FORM_FIELDS,
        "registered_on",
        "age_exception",
        "andels_member_since",
        "andels_tenant_on_cutoff",
        "andels_general_list_on",
        "change_reason",
    ]

    def __init__(self, *args, waiting_list, departments, **kwargs):
        kwargs.setdefault("initial", {})
        kwargs["initial"] = {"registered_on": timezone.localdate(), **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        self.waiting_list = waiting_list
        self.setup_wishes(departments=departments, youth=waiting_list.kind == ListKind.YOUTH)
        if waiting_list.kind != ListKind.INTERNAL:
            # § 2, stk. 3–4 concern the internal list; on the general list only the membership on
            # 1 January 2010 matters (§ 3, stk. 6), and youth lists have none of it.
            del self.fields["andels_tenant_on_cutoff"], self.fields["andels_general_list_on"]
            if waiting_list.kind != ListKind.GENERAL:
                del self.fields["andels_member_since"]
        # The groups the template shows as fieldsets; only the chosen applicant's group applies.
        self.existing_fields = ["existing_cpr", "existing_applicant_number"]
        self.new_fields = ["cpr", *self.PERSON_FIELDS]
        # Required only with one choice of "applicant": the label says so (forms/field.html),
        # clean() enforces it, and app.js shows only the chosen group.
        for name in self.NEW_REQUIRED:
            self.fields[name].required_when = _("required for a new person")
        for name in self.existing_fields:
            self.fields[name].required_when = _("this or the other number is required")

    NEW_REQUIRED = ("cpr", "first_name", "last_name")

    def group(self, names):
        return [self[name] for name in names if name in self.fields]

    def existing_group(self):
        return self.group(self.existing_fields)

    def new_group(self):
        return self.group(self.new_fields)

    def consent_group(self):
        return self.group(self.CONSENT_FIELDS)

    def wishes_group(self):
        return self.group([*WISH_FORM_FIELDS, *YOUTH_FORM_FIELDS])

    def entry_group(self):
        return self.group(
            [
                "registered_on",
                "age_exception",
                "andels_member_since",
                "andels_tenant_on_cutoff",
                "andels_general_list_on",
                "change_reason",
            ]
        )

    @property
    def is_new(self) -> bool:
        return self.cleaned_data.get("applicant") == self.NEW

    def clean_existing_cpr(self) -> str:
        value = self.cleaned_data["existing_cpr"].strip()
        return cpr.normalise(value) if value else ""

    def clean_cpr(self) -> str:
        value = self.cleaned_data["cpr"].strip()
        return cpr.normalise(value) if value else ""

    def clean_registered_on(self) -> datetime.date:
        day = self.cleaned_data["registered_on"]
        if day > timezone.localdate():
            raise ValidationError(_("The registration date cannot be in the future."))
        return day

    def clean(self):
        data = super().clean()
        # The group not chosen is not used: its (hidden) fields neither fail nor count.
        ignored = {self.EXISTING: self.new_fields, self.NEW: self.existing_fields}.get(
            data.get("applicant"), []
        )
        for name in ignored:
            self.errors.pop(name, None)
            data.pop(name, None)
        if data.get("applicant") == self.EXISTING:
            given = data.get("existing_cpr") or (data.get("existing_applicant_number") or "").strip()
            if not given and "existing_cpr" not in self.errors:
                self.add_error("existing_cpr", _("Give the CPR number or the applicant number."))
        elif data.get("applicant") == self.NEW:
            if not data.get("cpr") and "cpr" not in self.errors:
                self.add_error("cpr", _("Give the new person's CPR number."))
            for name in ("first_name", "last_name"):
                if not (data.get(name) or "").strip():
                    self.add_error(name, _("This field is required."))
        date, method = data.get("digital_post_consent_date"), data.get("digital_post_consent_method")
        if date and not method:
            self.add_error("digital_post_consent_method", _("State how the consent was given."))
        if method and not date:
            self.add_error("digital_post_consent_date", _("State the date the consent was given."))
        return data

    @property
    def person_field(self) -> str:
        """Where an error about the person (under 15, already on the list) is shown."""
        if self.is_new:
            return "cpr"
        return "existing_cpr" if self.cleaned_data.get("existing_cpr") else "existing_applicant_number"

    def consent_given(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("digital_post_consent_date") or data.get("digital_post_exempt"))


class EntryStatusForm(ReasonFormMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (EntryStatus.ACTIVE, EntryStatus.ACTIVE.label),
            (EntryStatus.PASSIVE, EntryStatus.PASSIVE.label),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    field_order = ["status", "note", "change_reason"]


class EntryDeleteForm(ReasonFormMixin, forms.Form):
    deletion_reason = forms.ChoiceField(
        label=_("Why is the entry deleted?"), choices=[("", "—"), *DeletionReason.choices]
    )

    field_order = ["deletion_reason", "change_reason"]


class PaymentForm(ReasonFormMixin, forms.ModelForm):
    class Meta:
        model = Payment
        fields = ["amount", "paid_on", "years"]
        widgets = {"paid_on": DateInput()}

    field_order = ["amount", "paid_on", "years", "change_reason"]
