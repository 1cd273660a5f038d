from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "housing"
    verbose_name = _("Register")

    def ready(self) -> None:
        from . import (
            auth_events,  # noqa: F401  (connects the login/logout audit receivers)
            input_limits,
        )

        # Every form date field is bounded; also registers the system check for it.
        input_limits.install()
