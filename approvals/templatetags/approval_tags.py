"""Approval figures for pages outside the approvals app (the dashboard, the vacancy page): the
template asks for them, so those apps need not import this one."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def approval_requests_waiting(context) -> int:
    """Letting approval requests awaiting the officer's kommune (R42.1, R36.1, R12.1, R12.4, R14.4)."""
    return selectors.waiting_count(context["request"].user)


@register.simple_tag(takes_context=True)
def vacancy_approval_requests(context, vacancy) -> list:
    """The kommune approval requests of a vacancy the user may see, for the vacancy page."""
    return selectors.vacancy_requests(context["request"].user, vacancy)
