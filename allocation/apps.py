from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "allocation"
    verbose_name = _("Allocation")

    def ready(self) -> None:
        # lazy: the person tabs are registered once the app registry is ready.
        from housing.person_tabs import register_person_tab

        register_person_tab(
            key="priorities",
            label=_("Priority"),
            url_name="allocation:person_priorities",
            order=25,
        )
