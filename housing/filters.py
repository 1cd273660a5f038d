"""List filters (django-filter) for the register pages."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .models import Department, Dwelling, DwellingKind, HousingOrganisation, Kommune


class OrganisationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name or CVR"), method="search")
    ordering = django_filters.OrderingFilter(
        fields=(("name", "name"), ("cvr", "cvr"), ("city", "city")),
        field_labels={"name": _("Name"), "cvr": _("CVR number"), "city": _("City")},
        label=_("Sort by"),
    )

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
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("name", "name"),
            ("organisation__name", "organisation"),
            ("kommune__name", "kommune"),
            ("dwelling_count", "dwellings"),
        ),
        field_labels={
            "number": _("Number"),
            "name": _("Name"),
            "organisation__name": _("Organisation"),
            "kommune__name": _("Kommune"),
            "dwelling_count": _("Dwellings"),
        },
        label=_("Sort by"),
    )

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
    ordering = django_filters.OrderingFilter(
        fields=(
            ("number", "number"),
            ("address_line", "address"),
            ("rooms", "rooms"),
            ("gross_floor_area", "area"),
            ("monthly_rent", "rent"),
            ("kind", "kind"),
        ),
        field_labels={
            "number": _("Tenancy number"),
            "address_line": _("Address"),
            "rooms": _("Rooms"),
            "gross_floor_area": _("Area"),
            "monthly_rent": _("Rent"),
            "kind": _("Kind"),
        },
        label=_("Sort by"),
    )

    class Meta:
        model = Dwelling
        fields = ["q", "department", "kind", "fitted_mobility_impaired"]

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if departments is not None:
            self.filters["department"].queryset = departments

    def search(self, queryset, name, value):
        return queryset.filter(Q(address_line__icontains=value) | Q(number__iexact=value))
