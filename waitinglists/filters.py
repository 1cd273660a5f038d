"""The entry search on a list's overview (django-filter)."""

from __future__ import annotations

import django_filters
from django.db import connection
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from housing import name_search
from housing.forms import DateInput
from housing.models import Department

from .models import Entry, EntryStatus


class EntryFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or applicant number"), method="search")
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=EntryStatus.choices, empty_label=_("Active and passive")
    )
    seniority_from = django_filters.DateFilter(
        label=_("Seniority from"), field_name="seniority_date", lookup_expr="gte", widget=DateInput()
    )
    seniority_to = django_filters.DateFilter(
        label=_("Seniority until"), field_name="seniority_date", lookup_expr="lte", widget=DateInput()
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Wanted department"), queryset=Department.objects.none(), method="wants_department"
    )
    rooms = django_filters.NumberFilter(label=_("Rooms"), method="wants_rooms", min_value=1)
    arrears = django_filters.ChoiceFilter(
        label=_("Fee arrears"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        empty_label=_("All"),
        method="filter_arrears",
    )

    class Meta:
        model = Entry
        fields = ["q", "status", "seniority_from", "seniority_to", "department", "rooms", "arrears"]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.filters["department"].queryset = departments

    def filter_queryset(self, queryset):
        # Deleted entries only when asked for: the list is the living places.
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.exclude(status=EntryStatus.DELETED)
        return super().filter_queryset(queryset)

    def search(self, queryset, name, value):
        value = value.strip()
        if value.isdigit():
            return queryset.filter(person__applicant_number=value.zfill(7))
        if connection.vendor == "postgresql":
            # Every word in the entry's kept name (Entry.search_name): one trigram index over the
            # list's entries answers it, a rare name or "Han" alike, without reading the list.
            condition = Q()
            for word in value.split():
                condition &= Q(search_name__icontains=word)
            return queryset.filter(condition)
        return queryset.filter(name_search.name_matches(value, prefix="person__"))

    def wants_department(self, queryset, name, value):
        return queryset.filter(departments=value) if value else queryset

    def wants_rooms(self, queryset, name, value):
        if value is None:
            return queryset
        return queryset.filter(rooms_min__lte=value, rooms_max__gte=value)

    def filter_arrears(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(in_arrears=True)
        if value == "no":
            return queryset.filter(in_arrears=False)
        return queryset
