from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "allocation"
    verbose_name = _("Allocation")

    def ready(self) -> None:
        from housing.person_tabs import register_person_tab

        register_person_tab(
            key="priorities",
            label=_("Priority"),
            url_name="allocation:person_priorities",
            order=25,
        )
        # The benefit status read by R36.1/R37.1 (sensitive: each showing is logged).
        register_person_tab(
            key="benefits", label=_("Benefits"), url_name="allocation:person_benefits", order=26
        )
