"""templates/django/forms/widgets/select.html writes each option in place (no include per option,
which cost a list page with 200 departments about 10 ms): it must give exactly the markup of
Django's own select and option templates, for every widget that uses them."""

from __future__ import annotations

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from housing.forms_renderer import DesignSystemFormRenderer

CHOICES = [
    ("", "---------"),
    ("1", "101 Alfahaven"),
    ("Østerbro", [("2", 'Betahaven "B" & <C>'), ("3", "Gammahaven")]),
    (4, "Deltahaven"),
]


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.Select(choices=CHOICES), "2"),
        (forms.Select(choices=CHOICES, attrs={"class": "form-select", "disabled": True}), ""),
        (forms.Select(choices=CHOICES), None),
        (forms.SelectMultiple(choices=CHOICES), ["1", "3"]),
        (forms.NullBooleanSelect(), True),
        (forms.NullBooleanSelect(), None),
    ],
)
def test_the_select_widget_renders_as_djangos_own(widget, value):
    template = DesignSystemFormRenderer().get_template("django/forms/widgets/select.html")
    assert template.origin.name.endswith("templates/django/forms/widgets/select.html")
    assert "/site-packages/" not in template.origin.name  # ours, not Django's
    ours = widget.render(
        "department", value, attrs={"id": "id_department"}, renderer=DesignSystemFormRenderer()
    )
    djangos = widget.render("department", value, attrs={"id": "id_department"}, renderer=DjangoTemplates())
    assert ours == djangos
    assert ours.count("<option") == (3 if isinstance(widget, forms.NullBooleanSelect) else 5)
