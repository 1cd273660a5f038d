"""The complaints section of a decision's page (a rejection case, a dispensation decision, an
approval request). The decision apps do not know the complaints app: their templates ask these tags
for the complaints and the forms, and a failed submit (``complaints.views``) hands its bound form to
the page, which passes it on here."""

from django import template
from django.utils import timezone

from ..forms import ComplaintForm, ComplaintOutcomeForm
from ..selectors import complaints_against

register = template.Library()


@register.simple_tag
def complaints_of(decision):
    return complaints_against(decision)


@register.simple_tag
def complaint_form(bound=None):
    """The bound form after a failed submit, else a blank one."""
    return bound or ComplaintForm(prefix="complaint", initial={"received_on": timezone.localdate()})


@register.simple_tag
def complaint_outcome_form(bound=None):
    """The bound outcome form after a failed submit, else a blank one."""
    return bound or ComplaintOutcomeForm(prefix="outcome", initial={"outcome_on": timezone.localdate()})
