from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from housing.person_tabs import register_person_tab


class LettersConfig(AppConfig):
    name = "letters"
    verbose_name = _("Letters")

    def ready(self) -> None:
        # lazy: the worklist reads models, which exist only once the app registry is ready.
        from . import worklist

        worklist.register()  # print batches and failed job runs on *Mine opgaver*
        register_person_tab(
            key="correspondence",
            label=_("Correspondence"),
            url_name="letters:person_correspondence",
            order=30,
        )
