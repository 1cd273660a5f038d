"""The project's admin site: Django's, with ids from the browser checked before they reach a query.

Django's admin turns ``_selected_action=abc`` in a changelist action, and ``abc`` in an
autocomplete field of an add or change form that is shown again with its errors, straight into
``pk__in=[…]`` — a ``ValueError`` and a 500. The site wraps every model admin
registered on it (ours, django-celery-beat's, auth's) in ``CheckedIdsAdminMixin``, so no admin
class has to remember it.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .input_limits import BoundedAdminAuthenticationForm


def _valid_id(field, value) -> bool:
    """Whether ``value`` is a value the key field could hold (type and range), without a query."""
    try:
        field.clean(field.to_python(value), None)
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class _CheckedAutocompleteMixin:
    """Shows only the selected ids that can be ids; the form itself reports the rest as invalid."""

    def optgroups(self, name, value, attr=None):
        remote = self.field.remote_field
        opts = remote.model._meta
        key = opts.get_field(getattr(remote, "field_name", None) or opts.pk.attname)
        return super().optgroups(name, [v for v in value if _valid_id(key, v)], attr)


class CheckedAutocompleteSelect(_CheckedAutocompleteMixin, AutocompleteSelect):
    pass


class CheckedAutocompleteSelectMultiple(_CheckedAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class CheckedAutocompleteAdminMixin:
    """Autocomplete widgets that do not query with ids that are not ids (model admins and inlines)."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class CheckedIdsAdminMixin(CheckedAutocompleteAdminMixin):
    """Refuses changelist actions on ids that are not ids, and keeps autocomplete widgets — the
    model admin's and its inlines' — from querying with them."""

    def response_action(self, request, queryset):
        if request.method == "POST" and request.POST.get("select_across") not in ("1", "True"):
            key = self.model._meta.pk
            bad = [v for v in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME) if not _valid_id(key, v)]
            if bad:
                self.message_user(
                    request,
                    _("The selection contains something that is not an item of this list. Nothing was done."),
                    messages.ERROR,
                )
                return None
        return super().response_action(request, queryset)


def _with(mixin, cls):
    if issubclass(cls, mixin):
        return cls
    return type(cls.__name__, (mixin, cls), {"__module__": cls.__module__})


def _checked(admin_class):
    checked = _with(CheckedIdsAdminMixin, admin_class)
    checked.inlines = [_with(CheckedAutocompleteAdminMixin, inline) for inline in admin_class.inlines]
    return checked


class BoligAdminSite(admin.AdminSite):
    # Django's own login form lets a name of any length through to authentication.
    login_form = BoundedAdminAuthenticationForm

    def register(self, model_or_iterable, admin_class=None, **options):
        super().register(model_or_iterable, _checked(admin_class or admin.ModelAdmin), **options)
