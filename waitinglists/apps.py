from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from housing.person_tabs import register_person_tab


class WaitinglistsConfig(AppConfig):
    name = "waitinglists"
    verbose_name = _("Waiting lists")

    def ready(self) -> None:
        # lazy: ready() is Django's place for this; the module imports the models, which need the
        # app registry. The list's CSV export registers itself as a kind of export job.
        from . import exports

        exports.register()
        register_person_tab(
            key="waitinglists",
            label=_("Waiting lists"),
            url_name="waitinglists:person_entries",
            order=20,
        )
