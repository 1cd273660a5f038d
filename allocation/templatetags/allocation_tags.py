"""Letting figures for pages outside the allocation app (the dashboard), without housing importing
allocation: the template asks for them."""

from django import template

from ..services.nominations import kommune_queue_waiting_count

register = template.Library()


@register.simple_tag(takes_context=True)
def kommune_queue_waiting(context) -> int:
    """Open vacancies at the kommune's disposal with no tenant named yet (R1.4)."""
    return kommune_queue_waiting_count(context["request"].user)
