"""Who may change a kommune's elder data: one of its officers (``housing.permissions``).

Its own module because every elder-housing service checks it — needs decisions, the guarantee,
the specific lists, allocation and free choice — and none of them should import another for it.
"""

from housing import permissions


def require_officer(actor, kommune_id: int) -> None:
    """Only an officer of the kommune changes its elder data (``housing.permissions``)."""
    permissions.require_act_for_kommune(actor, kommune_id)
