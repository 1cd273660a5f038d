"""List filters (django-filter) for the letters pages."""

import django_filters
from django.utils.translation import gettext_lazy as _

from housing.forms import DateInput
from housing.models import Tenant

from .models import Channel, Letter, LetterKind, LetterState


class LetterFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(label=_("State"), choices=LetterState.choices)
    channel = django_filters.ChoiceFilter(label=_("Channel"), choices=Channel.choices)
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=LetterKind.choices)
    sender = django_filters.ModelChoiceFilter(label=_("Sender"), queryset=Tenant.objects.none())
    created_from = django_filters.DateFilter(
        label=_("Created from"), field_name="created_at", lookup_expr="date__gte", widget=DateInput()
    )
    created_to = django_filters.DateFilter(
        label=_("Created until"), field_name="created_at", lookup_expr="date__lte", widget=DateInput()
    )

    class Meta:
        model = Letter
        fields = ["state", "channel", "kind", "sender"]

    def __init__(self, *args, senders=None, **kwargs):
        super().__init__(*args, **kwargs)
        if senders is not None:
            self.filters["sender"].queryset = senders
