from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from housing.input_limits import BoundedAuthenticationForm
from housing.views.dashboard import dashboard

admin.site.site_header = _("Boligadministration – administration")
admin.site.site_title = _("Boligadministration")

urlpatterns = [
    path("", dashboard, name="dashboard"),
    path(
        "konto/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=BoundedAuthenticationForm
        ),
        name="login",
    ),
    path("konto/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("housing.urls")),
    path("", include("letters.urls")),
    path("", include("waitinglists.urls")),
    path("", include("allocation.urls")),
    path("", include("letting.urls")),
    path("", include("rejections.urls")),
    path("", include("approvals.urls")),
    path("", include("complaints.urls")),
    path("", include("eldercare.urls")),
    path("", include("simulation.urls")),
    path("offentlig/aeldreboliger/", include("eldercare.urls_public")),
    path("api/v1/", include("letting.api_urls")),
]

# Error answers are JSON under /api/ and the project's pages elsewhere.
handler400 = "housing.views.errors.bad_request"
handler403 = "housing.views.errors.permission_denied"
handler404 = "housing.views.errors.page_not_found"
handler500 = "housing.views.errors.server_error"
