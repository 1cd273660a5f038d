"""List filters (django-filter) for the letters pages."""

import django_filters
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from housing.forms import DateInput
from housing.models import Tenant

from .models import Channel, Letter, LetterKind, LetterState


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the id as the last key, so pages never overlap inside equal sort keys."""

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        return qs.order_by(*[self.get_ordering_value(param) for param in value], "-id")


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
    ordering = StableOrderingFilter(
        fields=(
            ("created_at", "created"),
            ("recipient_name", "recipient"),
            ("kind", "kind"),
            ("subject", "subject"),
            ("channel", "channel"),
            ("state", "state"),
            ("sender_name", "sender"),
        ),
        field_labels={
            "created_at": _("Created"),
            "recipient_name": _("Recipient"),
            "kind": _("Kind"),
            "subject": _("Subject"),
            "channel": _("Channel"),
            "state": _("State"),
            "sender_name": _("Sender"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Letter
        fields = ["state", "channel", "kind", "sender"]

    def __init__(self, *args, senders=None, **kwargs):
        super().__init__(*args, **kwargs)
        if senders is not None:
            self.filters["sender"].queryset = senders
