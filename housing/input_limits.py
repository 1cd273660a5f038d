"""Limits on what a user may type, enforced once for the whole project (no input causes a 500).

* **Dates.** Every date a person enters into a form must lie between ``EARLIEST_DATE`` and
  ``LATEST_DATE``. A seniority scheme dated 9999-12-31 was accepted once, after which every later
  scheme decision of the organisation failed ("year 10009 is out of range") because the rules add
  years to it (R3.9, R9.6). No date in the law's cases lies outside the range: the oldest applicants
  were born after 1900, and the rules add at most decades to a date. The bound is a validator on
  Django's form ``DateField``/``DateTimeField``/``SplitDateTimeField`` as such (``install``), so the
  staff pages, the admin's generated forms and every form written later carry it without asking;
  ``check_form_date_bounds`` is a system check that every form class in the project has it.
* **Free text.** Every free-text field whose words go into a letter or the history has a length
  limit, stated next to it ("At most N characters.", ``forms/field.html``), carried by the widget
  as ``maxlength`` and enforced by the form with Django's message: a 5,000-character reason once
  became a two-page letter. The limits are the constants below, in this one place; the
  ``check_form_text_bounds`` system check finds a textarea of a project form without one.
* **Decimal commas.** "200,50", "200.50" and "1.200,50" are the same amounts to a Danish user.
  ``install`` makes Django's ``DecimalField`` read all of them (``parse_decimal``) and render its
  input as a text field with ``inputmode="decimal"`` showing the value with the active language's
  decimal separator: a browser's ``type="number"`` input refused "200,50" ("Indtast et tal").
* **NUL bytes.** PostgreSQL cannot store U+0000 in text; a NUL in a search or a form field used to
  end as a database error. ``housing.middleware.RejectNulBytesMiddleware`` refuses it at the edge.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.urls import get_resolver
from django.utils import formats
from django.utils.translation import gettext_lazy as _

# Free text (characters). The reason for a change, written into the history row with the user.
REASON_MAX_LENGTH = 200
# A short note or ground (a line or two in a letter or the history).
NOTE_MAX_LENGTH = 300
# Reasons, assessments and decisions written into a letter: about half a page, so that a letter
# with its complaint guidance stays on one or two pages.
LETTER_TEXT_MAX_LENGTH = 2000
# A kommune's formal justification kept on record but never put into a letter (eldercare Bilag 1).
RECORD_TEXT_MAX_LENGTH = 10000

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


_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+$")
_GROUPED_DANISH = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+,\d*$")
_GROUPED_ENGLISH = re.compile(r"^[+-]?\d{1,3}(,\d{3})+\.\d*$")


def parse_decimal(value: str) -> str:
    """A typed amount in the notation Python's ``Decimal`` reads: spaces (also no-break) left
    out; with both separators the first groups thousands and the last is the decimal separator
    ("1.200,50" and "1,200.50");
    a comma alone is the decimal comma ("200,50"); a point alone is a decimal point ("200.50")
    unless it groups thousands the Danish way ("1.200", "1.200.000"). Anything else is returned
    as it is, for the field to refuse with its own message."""
    text = "".join(value.split()).replace("\u00a0", "")
    if "," in text and "." in text:
        if _GROUPED_DANISH.match(text):
            return text.replace(".", "").replace(",", ".")
        if _GROUPED_ENGLISH.match(text):
            return text.replace(",", "")
        return text
    if "," in text:
        return text.replace(",", ".") if text.count(",") == 1 else text
    if _THOUSANDS.match(text):
        return text.replace(".", "")
    return text


class DecimalInput(forms.NumberInput):
    """A decimal/money input: a text field (a browser's number field refuses a decimal comma)
    with the number keyboard on phones, showing the value in the active language's notation."""

    input_type = "text"
    is_localized = True

    def __init__(self, attrs=None):
        super().__init__(attrs={"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})


def _danish_decimal_to_python(to_python):
    def wrapped(self, value):
        if isinstance(value, str):
            value = parse_decimal(value)
        return to_python(self, value)

    wrapped.accepts_decimal_comma = True
    return wrapped


def _decimal_widget_attrs(widget_attrs):
    def wrapped(self, widget):
        attrs = widget_attrs(self, widget)
        if isinstance(widget, DecimalInput):
            for name in ("step", "min", "max"):  # no meaning for a text field
                attrs.pop(name, None)
        return attrs

    wrapped.accepts_decimal_comma = True
    return wrapped


def _install_decimal_comma() -> None:
    field = forms.DecimalField
    if getattr(field.to_python, "accepts_decimal_comma", False):
        return
    field.widget = DecimalInput
    field.to_python = _danish_decimal_to_python(field.to_python)
    field.widget_attrs = _decimal_widget_attrs(field.widget_attrs)


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
    _install_decimal_comma()
    for form_class in _form_classes():
        for field in getattr(form_class, "base_fields", {}).values():
            # Decimal fields of forms already imported were built with the number input.
            if isinstance(field, forms.DecimalField) and type(field.widget) is forms.NumberInput:
                kept = {k: v for k, v in field.widget.attrs.items() if k not in ("step", "min", "max")}
                field.widget = DecimalInput(attrs=kept)


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


def _unbounded_text(form_class) -> list[str]:
    return [
        name
        for name, field in getattr(form_class, "base_fields", {}).items()
        if isinstance(field, forms.CharField)
        and isinstance(field.widget, forms.Textarea)
        and (field.max_length is None or field.max_length > RECORD_TEXT_MAX_LENGTH)
    ]


@checks.register(checks.Tags.models)
def check_form_text_bounds(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every free-text (textarea) field of the staff pages' forms has a length limit. The URL
    configuration is loaded first, so that every view's forms are imported and seen. Not checked:
    the admin's forms, and the letters' own words (``UNLIMITED_TEXT``)."""
    get_resolver().url_patterns  # noqa: B018 - imports the views and with them their forms
    errors = []
    for form_class in _form_classes():
        module = form_class.__module__
        if module.split(".")[0] not in PROJECT_APPS or module.endswith(".admin"):
            continue
        for name in _unbounded_text(form_class):
            if f"{module}.{form_class.__qualname__}.{name}" in UNLIMITED_TEXT:
                continue
            errors.append(
                checks.Error(
                    f"{module}.{form_class.__qualname__}.{name} has no length limit.",
                    hint="Give free text a max_length from housing.input_limits.",
                    obj=form_class,
                    id="housing.E014",
                )
            )
    return errors


# The letter templates and the complaint guidance are the letters' own words, versioned and edited
# by administrators: not a case's text, and as long as the law's text needs.
UNLIMITED_TEXT = frozenset(
    {
        "letters.forms.LetterTemplateAdminForm.body",
        "letters.forms.ComplaintGuidanceAdminForm.text",
    }
)

PROJECT_APPS = (
    "housing",
    "letters",
    "waitinglists",
    "allocation",
    "approvals",
    "rejections",
    "complaints",
    "letting",
    "eldercare",
)


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
