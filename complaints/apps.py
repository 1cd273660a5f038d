from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    """Complaints against rejections, dispensation decisions and kommune refusals (R11, R24)."""

    name = "complaints"
    verbose_name = _("Complaints")
