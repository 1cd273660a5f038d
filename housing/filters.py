"""List filters (django-filter) for the register pages."""

from collections.abc import Sequence
from operator import attrgetter

import django_filters
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES

from .models import Department, Dwelling, DwellingKind, HousingOrganisation, Kommune


class StableOrderingFilter(django_filters.OrderingFilter):
    """The one whitelisted ordering of the list pages (?ordering=<column>, -<column> for descending).

    ``fields`` maps the ORM path (or a tuple of paths; ``-path`` sorts that key against the
    column's direction) to the column name the page offers (as django-filter's OrderingFilter).
    Only offered columns sort; anything else in ?ordering= is left out, never an error. The id is
    the last key, so pages never overlap inside equal sort keys; empty values sort last in both
    directions. Used through :func:`housing.views.common.ordered` by every list view (with or
    without a FilterSet), on querysets as on lists of rows already built in Python."""

    def build_choices(self, fields, labels):
        # The columns are offered as sort links in the table's headers, with the page's own
        # translated labels; django-filter's choices would only pass a made-up label per column
        # ("Cvr", "Paid until") through gettext for a select no page shows.
        return [(param, param) for param in fields.values()] + [
            (f"-{param}", f"-{param}") for param in fields.values()
        ]

    def requested(self, raw: str | None) -> list[str]:
        """The offered columns of a raw ?ordering= value (``"-name,junk"`` -> ``["-name"]``)."""
        wanted = []
        for part in (raw or "").split(","):
            part = part.strip()
            if part.lstrip("-") in self.param_map and part not in wanted:
                wanted.append(part)
        return wanted

    def paths(self, param: str) -> tuple[str, ...]:
        """The ORM paths a column sorts by (a column may sort by several, e.g. last and first name)."""
        field = self.param_map[param.lstrip("-")]
        return field if isinstance(field, tuple) else (field,)

    def filter(self, qs, value):
        if value in EMPTY_VALUES:
            return qs
        keys = []
        for param in value:
            for path in self.paths(param):
                key = F(path.lstrip("-"))
                descending = param.startswith("-") != path.startswith("-")
                keys.append(key.desc(nulls_last=True) if descending else key.asc(nulls_last=True))
        return qs.order_by(*keys, "-pk")

    def sort_rows(self, rows: Sequence, value: list[str]) -> list:
        """The same ordering for rows already read into Python (attributes named like the ORM path,
        ``person__last_name`` -> ``row.person.last_name``); empty values last."""
        rows = list(rows)
        for param in reversed(value):
            for path in reversed(self.paths(param)):
                getter = attrgetter(path.lstrip("-").replace("__", "."))
                present = [row for row in rows if _value(getter, row) is not None]
                missing = [row for row in rows if _value(getter, row) is None]
                present.sort(
                    key=lambda row, g=getter: _sort_key(_value(g, row)),
                    reverse=param.startswith("-") != path.startswith("-"),
                )
                rows = present + missing
        return rows


def _value(getter, row):
    try:
        return getter(row)
    except AttributeError:
        return None


def _sort_key(value):
    return value.casefold() if isinstance(value, str) else value


def order_rows(raw: str | None, rows, columns) -> QuerySet | list:
    """``rows`` (a queryset or a list) ordered by the offered ``columns`` named in ``raw``
    (the ?ordering= value); unchanged when ``raw`` names none of them."""
    ordering = StableOrderingFilter(fields=columns)
    value = ordering.requested(raw)
    if not value:
        return rows
    if isinstance(rows, QuerySet):
        return ordering.filter(rows, value)
    return ordering.sort_rows(rows, value)


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or CVR"), method="search")

    class Meta:
        model = HousingOrganisation
        fields = ["q"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(cvr__startswith=value))


class DepartmentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, number or address"), method="search")
    organisation = django_filters.ModelChoiceFilter(
        label=_("Housing organisation"), queryset=HousingOrganisation.objects.none()
    )
    kommune = django_filters.ModelChoiceFilter(label=_("Kommune"), queryset=Kommune.objects.none())

    class Meta:
        model = Department
        fields = ["q", "organisation", "kommune"]

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.filters["organisation"].queryset = organisations
            self.filters["kommune"].queryset = Kommune.objects.filter(
                departments__organisation__in=organisations
            ).distinct()

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(number__iexact=value) | Q(address_line__icontains=value)
        )


class DwellingFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Address or tenancy number"), method="search")
    department = django_filters.ModelChoiceFilter(label=_("Department"), queryset=Department.objects.none())
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=DwellingKind.choices)
    rooms_min = django_filters.NumberFilter(label=_("Rooms at least"), field_name="rooms", lookup_expr="gte")
    rooms_max = django_filters.NumberFilter(label=_("Rooms at most"), field_name="rooms", lookup_expr="lte")
    rent_max = django_filters.NumberFilter(
        label=_("Monthly rent at most"), field_name="monthly_rent", lookup_expr="lte"
    )
    fitted_mobility_impaired = django_filters.BooleanFilter(label=_("Fitted for mobility-impaired"))

    class Meta:
        model = Dwelling
        fields = ["q", "department", "kind", "fitted_mobility_impaired"]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.filters["department"].queryset = departments

    def search(self, queryset, name, value):
        return queryset.filter(Q(address_line__icontains=value) | Q(number__iexact=value))
