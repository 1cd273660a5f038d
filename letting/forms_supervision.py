"""The period and kommune of the kommune's supervision page (R39)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput
from housing.models import Kommune


class SupervisionFilterForm(forms.Form):
    kommune = forms.TypedChoiceField(label=_("Kommune"), coerce=int, required=False, empty_value=None)
    date_from = forms.DateField(label=_("Signed from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Signed until"), required=False, widget=DateInput())

    def __init__(self, *args, kommune_ids: frozenset[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.kommune_ids = kommune_ids
        kommuner = Kommune.objects.filter(pk__in=kommune_ids).order_by("name").values_list("pk", "name")
        self.fields["kommune"].choices = [("", _("All my kommuner")), *kommuner]

    @staticmethod
    def default_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
        """This year so far."""
        return today.replace(month=1, day=1), today

    def clean(self):
        data = super().clean()
        start, end = self.default_period(timezone.localdate())
        data["date_from"] = data.get("date_from") or start
        data["date_to"] = data.get("date_to") or end
        if data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        return data

    def chosen_kommune_ids(self) -> frozenset[int]:
        chosen = self.cleaned_data.get("kommune")
        return frozenset({chosen}) if chosen else self.kommune_ids
