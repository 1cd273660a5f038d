"""Letting figures for pages outside the allocation app (the dashboard), without housing importing
allocation: the template asks for them."""

from django import template

from ..services import approvals as approval_services
from ..services.nominations import kommune_queue_waiting_count

register = template.Library()


@register.simple_tag(takes_context=True)
def kommune_queue_waiting(context) -> int:
    """Open vacancies at the kommune's disposal with no tenant named yet (R1.4)."""
    return kommune_queue_waiting_count(context["request"].user)


@register.simple_tag(takes_context=True)
def approval_requests_waiting(context) -> int:
    """Letting approval requests awaiting the officer's kommune (R42.1, R36.1, R12.1, R12.4, R14.4)."""
    return approval_services.waiting_count(context["request"].user)


@register.simple_tag(takes_context=True)
def vacancy_approval_requests(context, vacancy) -> list:
    """The kommune approval requests of a vacancy the user may see, for the vacancy page."""
    return approval_services.vacancy_requests(context["request"].user, vacancy)
