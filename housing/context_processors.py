"""What every staff page's header needs: the user's role and the controllers they work for."""

from django.utils.translation import gettext as _

from .scoping import scope_for


def staff_context(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff": None}
    scope = scope_for(user)
    labels = []
    if scope.is_administrator:
        labels.append(_("Administrator"))
    if scope.is_caseworker:
        labels.append(_("Caseworker"))
    if scope.is_kommune_officer:
        labels.append(_("Kommune officer"))
    if scope.is_auditor:
        labels.append(_("Auditor"))
    if scope.is_read_only and not scope.is_auditor:
        labels.append(_("Read-only"))
    return {
        "staff": {
            "scope": scope,
            "role_label": ", ".join(labels),
            "tenant_names": list(scope.tenant_names),
        }
    }


def csp_nonce(request):
    """The response's Content-Security-Policy nonce as ``csp_nonce``: the name django-htmx's
    ``{% htmx_script %}`` reads, and what every ``<script>`` tag of the templates carries."""
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
