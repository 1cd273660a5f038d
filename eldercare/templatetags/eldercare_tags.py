"""Template tags for pages outside the app (the start page): the kommune officer's guarantee figures."""

from django import template
from django.db.models import Count, Q
from django.utils import timezone

from ..models import GuaranteeState
from ..selectors import guarantee_entries_for, is_officer

register = template.Library()


@register.simple_tag(takes_context=True)
def guarantee_counts(context) -> dict:
    """Elders on the general list of the user's kommuner and how many are past the deadline
    (one query; zeros for users who are not kommune officers)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not is_officer(user):
        return {"waiting": 0, "overdue": 0}
    today = timezone.localdate()
    return guarantee_entries_for(user).aggregate(
        waiting=Count("pk", filter=Q(state=GuaranteeState.WAITING)),
        overdue=Count("pk", filter=Q(state=GuaranteeState.WAITING, deadline__lt=today)),
    )
