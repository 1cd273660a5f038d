"""Stored codes and English sentences in the user's language (``housing.display``).

``{% load display %}``, then ``{{ row.rule|code_label }}``, ``{{ key|counter_text:value }}``,
``{{ vacancy.channel_reason|stored_text }}`` and ``{{ field.label|label }}``."""

from django import template

from .. import display

register = template.Library()

register.filter("code_label", display.code_label)
register.filter("counter_text", display.counter_text)
register.filter("stored_text", display.stored_text)
register.filter("label", display.label)
