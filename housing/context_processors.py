"""What every staff page's header needs: the user's role and the controllers they work for."""

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from . import worklist
from .scoping import scope_for

# The main menu holds the entries each role uses (the rest are under "Other pages" on the start
# page), so that DKFDS does not fold anything a role needs under "Mere".
_MENU_BY_ROLE = {
    "kommune_officer": ("approvals", "eldercare", "nominations", "supervision", "dispensations", "persons"),
    "caseworker": ("persons", "waitinglists", "allocation", "departments", "dwellings", "letters"),
    "auditor": ("allocation", "persons", "waitinglists"),
    "read_only": ("persons", "waitinglists", "allocation", "departments", "dwellings"),
    "administrator": ("organisations", "departments", "dwellings", "scenarios", "jobs", "admin"),
}
_MENU_WITHOUT_ROLE = ("waitinglists", "allocation", "organisations", "departments", "dwellings")


# Every entry of the main menu in its order: (key = the nav section, URL name, label, element id).
# The labels are short ("main menu" context) so that a role's entries fit the desktop bar.
MENU = (
    ("dashboard", "dashboard", gettext_lazy("My tasks"), ""),
    ("approvals", "approvals:approval_queue", pgettext_lazy("main menu", "Approvals"), ""),
    ("eldercare", "eldercare:dashboard", gettext_lazy("Elder housing"), "menu-eldercare"),
    ("nominations", "letting:nomination_queue", pgettext_lazy("main menu", "Nominations"), ""),
    ("supervision", "letting:supervision", pgettext_lazy("main menu", "Supervision"), "menu-supervision"),
    ("dispensations", "rejections:dispensation_list", pgettext_lazy("main menu", "Dispensations"), ""),
    ("persons", "housing:person_search", gettext_lazy("Search persons"), ""),
    ("waitinglists", "waitinglists:lists", gettext_lazy("Waiting lists"), ""),
    ("allocation", "letting:board", gettext_lazy("Vacant dwellings"), ""),
    ("organisations", "housing:organisation_list", gettext_lazy("Organisations"), ""),
    ("departments", "housing:department_list", gettext_lazy("Departments"), ""),
    ("dwellings", "housing:dwelling_list", gettext_lazy("Dwellings"), ""),
    ("letters", "letters:outbox", gettext_lazy("Outbox"), ""),
    ("scenarios", "simulation:scenario_list", pgettext_lazy("main menu", "Scenarios"), "menu-scenarios"),
    ("jobs", "letters:job_runs", gettext_lazy("Job runs"), ""),
    ("admin", "admin:index", gettext_lazy("Administration"), ""),
)


def menu_items(user, scope) -> list[dict]:
    """The main menu's entries, each with ``own`` (an entry of the user's roles, ``menu_entries``;
    the template shows those and the section the page is in) and its count of waiting work
    (``housing.worklist``; computed once per request). Administration only for staff users."""
    entries = menu_entries(scope)
    badges = worklist.menu_badges(user)
    return [
        {
            "key": key,
            "url": reverse(url_name),
            "label": label,
            "id": element_id,
            "own": key in entries,
            "badge": badges.get(key, 0),
        }
        for key, url_name, label, element_id in MENU
        if key != "admin" or user.is_staff
    ]


def menu_entries(scope) -> frozenset[str]:
    """The main menu's entries for the user's roles (always *Mine opgaver*, the start page)."""
    roles = {
        "kommune_officer": scope.is_kommune_officer,
        "caseworker": scope.is_caseworker,
        "auditor": scope.is_auditor,
        "read_only": scope.is_read_only and not scope.is_auditor,
        "administrator": scope.is_administrator,
    }
    entries = {"dashboard"}
    for role, has in roles.items():
        if has:
            entries.update(_MENU_BY_ROLE[role])
    if entries == {"dashboard"}:
        entries.update(_MENU_WITHOUT_ROLE)
    return frozenset(entries)


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
            # The menu with its badges: *Mine opgaver* counted once per request (shared with the
            # start page), and only when a page renders the menu.
            "menu_items": SimpleLazyObject(lambda: menu_items(user, scope)),
        }
    }


def csp_nonce(request):
    """The response's Content-Security-Policy nonce as ``csp_nonce``: the name django-htmx's
    ``{% htmx_script %}`` reads, and what every ``<script>`` tag of the templates carries."""
    return {"csp_nonce": getattr(request, "csp_nonce", None)}
