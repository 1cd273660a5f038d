from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WaitinglistsConfig(AppConfig):
    name = "waitinglists"
    verbose_name = _("Waiting lists")
