from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    """The kommune's approval of a letting (§ 42, § 36, § 12, § 14), the organisation's petition
    for kombineret udlejning (R36.3) and the R12.5 reversion of youth dwellings. Depends on
    allocation and below; nothing below imports it."""

    name = "approvals"
    verbose_name = _("Kommune approvals")

    def ready(self) -> None:
        # lazy: the worklist reads models, which exist only once the app registry is ready.
        from . import worklist

        worklist.register()  # the kommune's approval requests on *Mine opgaver*
