"""django-axes (the lockout after failed logins) under a Danish name in the admin.

Axes' own app config has no verbose name, so the admin showed its section as "Axes"; this one is
the same app (same name and label, its ``ready`` runs unchanged) with a name an administrator reads.
"""

from axes.apps import AppConfig as AxesAppConfig
from django.utils.translation import gettext_lazy as _


class AxesConfig(AxesAppConfig):
    verbose_name = _("Login attempts")
