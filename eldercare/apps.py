from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EldercareConfig(AppConfig):
    name = "eldercare"
    verbose_name = _("Elder housing")

    def ready(self) -> None:
        # lazy: the worklist reads models, which exist only once the app registry is ready.
        from . import worklist

        worklist.register()  # the plejebolig guarantee deadlines on *Mine opgaver*
