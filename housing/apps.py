from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HousingConfig(AppConfig):
    name = "housing"
    verbose_name = _("Register")

    def ready(self) -> None:
        # lazy: ready() is Django's place for these. input_limits imports django.contrib.auth.forms,
        # which needs the user model (the app registry must be ready), and auth_events connects its
        # receivers once, when the app is set up.
        from . import (
            auth_events,  # noqa: F401  (connects the login/logout audit receivers)
            input_limits,
        )

        # Every form date field is bounded; also registers the system check for it.
        input_limits.install()
