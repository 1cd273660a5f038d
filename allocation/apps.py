from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from housing.person_tabs import register_person_tab


class AllocationConfig(AppConfig):
    name = "allocation"
    verbose_name = _("Allocation")

    def ready(self) -> None:
        register_person_tab(
            key="priorities",
            label=_("Priority"),
            url_name="allocation:person_priorities",
            order=25,
        )
