"""Limits on what a user may type, enforced once for the whole project (no input causes a 500).

* **Dates.** Every date a person enters into a form must lie between ``EARLIEST_DATE`` and
  ``LATEST_DATE``. A seniority scheme dated 9999-12-31 was accepted once, after which every later
  scheme decision of the organisation failed ("year 10009 is out of range") because the rules add
  years to it (R3.9, R9.6). No date in the law's cases lies outside the range: the oldest applicants
  were born after 1900, and the rules add at most decades to a date. The bound is a validator on
  Django's form ``DateField``/``DateTimeField``/``SplitDateTimeField`` as such (``install``), so the
  staff pages, the admin's generated forms and every form written later carry it without asking;
  ``check_form_date_bounds`` is a system check that every form class in the project has it.
* **NUL bytes.** PostgreSQL cannot store U+0000 in text; a NUL in a search or a form field used to
  end as a database error. ``housing.middleware.RejectNulBytesMiddleware`` refuses it at the edge.
"""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import formats
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)

DATE_MESSAGE = _("Enter a date between %(earliest)s and %(latest)s.")


def plausible_date(value) -> None:
    """Refuse a date (or the date of a datetime) outside ``EARLIEST_DATE``–``LATEST_DATE``."""
    if value is None:
        return
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ValidationError(
            DATE_MESSAGE,
            code="implausible_date",
            params={
                "earliest": formats.date_format(EARLIEST_DATE, "SHORT_DATE_FORMAT"),
                "latest": formats.date_format(LATEST_DATE, "SHORT_DATE_FORMAT"),
            },
        )


BOUNDED_FIELD_CLASSES = (forms.DateField, forms.DateTimeField, forms.SplitDateTimeField)


def _form_classes():
    seen, todo = set(), [forms.BaseForm]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                todo.append(sub)
                yield sub


def _unbounded(form_class) -> list[str]:
    return [
        name
        for name, field in getattr(form_class, "base_fields", {}).items()
        if isinstance(field, BOUNDED_FIELD_CLASSES) and plausible_date not in field.validators
    ]


def install() -> None:
    """Give every date field the bound: the ones created from now on through the field classes'
    default validators, and those of form classes already imported (the admin imports the apps'
    ``admin`` modules, and with them their forms, before this app is ready)."""
    for field_class in BOUNDED_FIELD_CLASSES:
        if plausible_date not in field_class.default_validators:
            field_class.default_validators = [*field_class.default_validators, plausible_date]
    for form_class in _form_classes():
        for name in _unbounded(form_class):
            form_class.base_fields[name].validators.append(plausible_date)


@checks.register(checks.Tags.models)
def check_form_date_bounds(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every date field of every form class of the project carries ``plausible_date``."""
    errors = []
    for form_class in _form_classes():
        if form_class.__module__.split(".")[0] not in (
            "housing",
            "letters",
            "waitinglists",
            "allocation",
            "eldercare",
        ):
            continue
        for name in _unbounded(form_class):
            errors.append(
                checks.Error(
                    f"{form_class.__module__}.{form_class.__qualname__}.{name} has no date bound.",
                    hint="Date fields must carry housing.input_limits.plausible_date.",
                    obj=form_class,
                    id="housing.E013",
                )
            )
    return errors


class _BoundedUsernameMixin:
    """The login form with the user name's length enforced before anyone is asked to authenticate.

    Django's form only copies the user model's ``max_length`` onto the field as an attribute, so a
    10,000-character name reached ``authenticate``, and django-axes, recording the failed attempt,
    failed on its 255-character column: a 500 at both login pages."""

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class BoundedAuthenticationForm(_BoundedUsernameMixin, AuthenticationForm):
    pass


class BoundedAdminAuthenticationForm(_BoundedUsernameMixin, AdminAuthenticationForm):
    pass
