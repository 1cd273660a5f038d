from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LettingConfig(AppConfig):
    """The letting process from vacancy to lease: ``letting.workflow`` directs it across the
    allocation, rejections and approvals apps, and the caseworker's vacancy pages live here."""

    name = "letting"
    verbose_name = _("Letting")

    def ready(self) -> None:
        # lazy: the workflow imports models, which exist only once the app registry is ready.
        from approvals.signals import letting_approved, letting_refused, letting_requested

        # lazy: as above.
        from . import workflow, worklist

        worklist.register()  # the letting's kinds of work on *Mine opgaver*

        letting_refused.connect(workflow.on_letting_refused, dispatch_uid="letting.on_letting_refused")
        letting_requested.connect(workflow.on_letting_requested, dispatch_uid="letting.on_letting_requested")
        letting_approved.connect(workflow.on_letting_approved, dispatch_uid="letting.on_letting_approved")
