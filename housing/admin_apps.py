"""The admin app with the project's admin site (``housing.admin_site.BoligAdminSite``).

Apart from the site itself: the app config is imported while the apps are loading, the site (its
login form needs the user model) only when the admin builds it, once the models are loaded.
"""

from django.contrib.admin.apps import AdminConfig


class BoligAdminConfig(AdminConfig):
    default_site = "housing.admin_site.BoligAdminSite"
