"""Login lock-out (django-axes) with a limit for each way of guessing.

Three rules, each counted over the cool-off period (AXES_COOLOFF_TIME):

* one username from one address, and one username from any address: AXES_FAILURE_LIMIT
  (a password guessed for one account, also when the guesses come from many addresses);
* one address over all usernames: AXES_ADDRESS_FAILURE_LIMIT (one password sprayed over many
  accounts). It is higher, because behind a shared office address colleagues' typos add up.

The address is the client's behind the trusted proxies (housing.client_address). A successful
login forgives only that username's failures: the address's count over other usernames stays, so
an attacker with one valid account cannot wipe the record of the spraying.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


class LockoutHandler(AxesDatabaseHandler):
    def _count(self, request, **filters) -> int:
        attempts = AccessAttempt.objects.filter(**filters)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def get_failures(self, request, credentials: dict | None = None) -> int:
        """The failures of the rule nearest its limit, in units of AXES_FAILURE_LIMIT.

        axes compares one number with AXES_FAILURE_LIMIT; the address rule has a limit of its own,
        so its count is scaled: ``count * FAILURE_LIMIT // ADDRESS_LIMIT`` reaches FAILURE_LIMIT
        exactly when ``count`` reaches ADDRESS_LIMIT.
        """
        username = get_client_username(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        limit = settings.AXES_FAILURE_LIMIT
        counts = [0]
        if username is not None:
            counts.append(self._count(request, username=username))
            counts.append(self._count(request, username=username, ip_address=address))
        if address is not None:
            by_address = self._count(request, ip_address=address)
            counts.append(by_address * limit // max(1, settings.AXES_ADDRESS_FAILURE_LIMIT))
        return max(counts)

    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if username is None:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
