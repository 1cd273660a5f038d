"""Forms of the vacancy pages: open a vacancy, answers, the lease, letting outside the eligible
group, the boliggarantibevis. Each carries the mandatory reason for the history."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing import scoping, selectors
from housing.forms import DateInput, ReasonFormMixin
from housing.models import Dwelling

from .models import Answer


class VacancyOpenForm(ReasonFormMixin, forms.Form):
    dwelling = forms.ModelChoiceField(queryset=Dwelling.objects.none(), label=_("Dwelling"))
    notice_date = forms.DateField(label=_("Notice given on"), widget=DateInput())
    move_out_date = forms.DateField(label=_("Vacant from (move-out date)"), widget=DateInput())
    rehousing = forms.BooleanField(label=_("Used for rehousing (genhusning, R1.5)"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        writable = scoping.scope_for(user).writable_organisation_ids
        self.fields["dwelling"].queryset = (
            scoping.dwellings_for(user)
            .filter(department__organisation_id__in=writable)
            .select_related("department")
            .order_by("department__number", "number")
        )
        self.fields["dwelling"].label_from_instance = selectors.dwelling_label
        # Hundreds of dwellings: a search field over the same scoped read (templates/forms/picker.html).
        self.fields["dwelling"].picker_url = reverse("housing:dwelling_picker") + "?writable=1"

    def clean(self):
        data = super().clean()
        notice, move_out = data.get("notice_date"), data.get("move_out_date")
        if notice and move_out and move_out < notice:
            self.add_error("move_out_date", _("The dwelling cannot be vacant before the notice is given."))
        if notice and notice > timezone.localdate():
            self.add_error("notice_date", _("The notice date cannot be in the future."))
        return data


class ReasonOnlyForm(ReasonFormMixin, forms.Form):
    pass


class RoundAnswersForm(ReasonFormMixin, forms.Form):
    """The answers of an open round in one form: a row per offer that can still be answered —
    accepted, declined, or no answer (nothing is recorded for the row) — with the date, and one
    reason for the batch (prefilled: recording the answers is itself the reason, editable).

    The fields of the offer with id N are ``answer_N`` and ``answered_on_N`` (the keys
    ``offers.answers_record`` reports its errors under)."""

    NO_ANSWER = ""

    def __init__(self, *args, offers, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.offers = [o for o in offers if o.answer in (Answer.PENDING, Answer.ACCEPTED, Answer.DECLINED)]
        choices = [
            (self.NO_ANSWER, _("No answer")),
            (Answer.ACCEPTED, _("Accepted")),
            (Answer.DECLINED, _("Declined")),
        ]
        for offer in self.offers:
            answered = offer.answer in (Answer.ACCEPTED, Answer.DECLINED)
            self.fields[f"answer_{offer.pk}"] = forms.ChoiceField(
                label=_("Answer of rank %(rank)s") % {"rank": offer.rank},
                choices=choices,
                required=False,
                initial=offer.answer if answered else self.NO_ANSWER,
            )
            self.fields[f"answered_on_{offer.pk}"] = forms.DateField(
                label=_("Answered on (rank %(rank)s)") % {"rank": offer.rank},
                widget=DateInput(),
                required=False,
                initial=offer.answered_on or today,
            )

    def clean(self):
        data = super().clean()
        for offer in self.offers:
            day = data.get(f"answered_on_{offer.pk}")
            if data.get(f"answer_{offer.pk}") and day is not None and day > self.today:
                self.add_error(f"answered_on_{offer.pk}", _("The answer date cannot be in the future."))
        return data

    def rows(self):
        """(offer, answer field, date field) per offer, for the table."""
        return [(o, self[f"answer_{o.pk}"], self[f"answered_on_{o.pk}"]) for o in self.offers]

    def lines(self) -> list[tuple[int, str, object]]:
        """(offer id, answer, answered on) of every row with an answer chosen."""
        data = self.cleaned_data
        return [
            (o.pk, data[f"answer_{o.pk}"], data.get(f"answered_on_{o.pk}"))
            for o in self.offers
            if data.get(f"answer_{o.pk}")
        ]


class LeaseForm(ReasonFormMixin, forms.Form):
    signed_on = forms.DateField(label=_("Lease signed on"), widget=DateInput())
    starts_on = forms.DateField(label=_("Tenancy starts"), widget=DateInput())


class LeaseOutsideForm(LeaseForm):
    """A lease outside the offer rounds (rehousing, flexible letting, letting to others): the
    tenant is found by applicant number in the organisation's register."""

    applicant_number = forms.CharField(label=_("The tenant's applicant number"), max_length=20)


class FallbackForm(ReasonFormMixin, forms.Form):
    rule = forms.ChoiceField(
        label=_("Rule"),
        choices=[
            ("R2.5", _("R2.5 – nobody on the general list can take the family dwelling")),
            ("R12.3", _("R12.3 – nobody in the eligible group can take the youth dwelling")),
            ("R14.3", _("R14.3 – nobody in the eligible group can take the elder dwelling")),
            ("R41", _("R41 – extraordinary letting difficulties: let for other purposes")),
        ],
    )
    why = forms.CharField(label=_("Why"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class GuaranteeForm(ReasonFormMixin, forms.Form):
    moved_out_on = forms.DateField(label=_("Moved out on"), widget=DateInput())
    relocation_grant = forms.BooleanField(
        label=_("The tenant received a relocation grant (almenboligloven § 63 c)"), required=False
    )
