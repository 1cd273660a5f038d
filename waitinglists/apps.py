from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from housing.person_tabs import register_person_tab


class WaitinglistsConfig(AppConfig):
    name = "waitinglists"
    verbose_name = _("Waiting lists")

    def ready(self) -> None:
        register_person_tab(
            key="waitinglists",
            label=_("Waiting lists"),
            url_name="waitinglists:person_entries",
            order=20,
        )
