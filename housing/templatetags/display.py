"""Stored codes and English sentences in the user's language (``housing.display``).

``{% load display %}``, then ``{{ row.rule|code_label }}``, ``{{ key|counter_text:value }}``,
``{{ vacancy.channel_reason|stored_text }}`` and ``{{ field.label|label }}``."""

from django import template
from django.core.exceptions import FieldDoesNotExist

from .. import display

register = template.Library()

register.filter("code_label", display.code_label)
register.filter("counter_text", display.counter_text)
register.filter("stored_text", display.stored_text)
register.filter("label", display.label)
register.filter("percent", display.percent)


@register.filter
def field_label_of(name: str, record) -> str:
    """``{{ change.field|field_label_of:record }}``: a field of the record's model named for a person
    (simple_history's admin diff names fields by their attribute name)."""
    try:
        field = record.instance_type._meta.get_field(name)
    except (AttributeError, FieldDoesNotExist):  # not a field of the model: shown as it is
        return name
    return display.field_label(field)
