from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from allocation import explanations
from housing.display import register_value_translator
from housing.person_tabs import register_person_tab


class AllocationConfig(AppConfig):
    name = "allocation"
    verbose_name = _("Allocation")

    def ready(self) -> None:
        # A lease's basis names the offer's ranking explanation ("Offer round 1, rank 2: %(why)s").
        register_value_translator("why", explanations.translate)
        register_person_tab(
            key="priorities",
            label=_("Priority"),
            url_name="allocation:person_priorities",
            order=25,
        )
