from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from housing.person_tabs import register_person_tab


class RejectionsConfig(AppConfig):
    """Rejection cases (§§ 26–30, § 37), the R28.2 reports, the kommune's R37.2 dispensations and
    the R37.3 yearly report. Depends on allocation (the vacancy) and below; nothing below imports it."""

    name = "rejections"
    verbose_name = _("Rejections")

    def ready(self) -> None:
        # The benefit status read by R36.1/R37.1 (sensitive: each showing is logged).
        register_person_tab(
            key="benefits", label=_("Benefits"), url_name="rejections:person_benefits", order=26
        )
