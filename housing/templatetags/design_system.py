"""Template helpers for Det Fælles Designsystem (DKFDS) markup.

Used by templates/base.html, templates/includes/* and the form templates in
templates/forms/ (see housing.forms_renderer.DesignSystemFormRenderer).

    {% load design_system %}
    {% ds_widget field %}              the field's widget with DKFDS classes
    {{ field|ds_kind }}                which markup forms/field.html uses
    {% ds_choice choice "form-radio" %} one radio/checkbox of a multi-choice widget
    {% icon "check" %}                 an inline DKFDS SVG icon (aria-hidden)
    {% nav_section as section %}       which main-menu item is current
    <th scope="col"{% aria_sort "name" %}>  aria-sort for a column sorted by ?ordering=
    {% elided_page_range page_obj as pages %}
    {{ timedelta|minutes }}            whole minutes of a timedelta (rounded up)
"""

import math
from datetime import timedelta

from django import forms, template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.translation import ngettext

register = template.Library()

ICON_SPRITE = "vendor/dkfds/img/all-svg-icons.svg"
# Widgets whose <input>s are rendered one by one by forms/field.html, or left as they are.
_UNSTYLED_WIDGETS = (forms.FileInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.filter
def ds_kind(field):
    """Which markup forms/field.html uses for a bound field:
    "hidden", "checkbox" (single), "checkboxes", "radios", "fieldset" (other multi-part
    widgets) or "control" (input, select, textarea)."""
    widget = field.field.widget
    if widget.is_hidden:
        return "hidden"
    if isinstance(widget, forms.CheckboxSelectMultiple):  # subclass of RadioSelect: test first
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if field.use_fieldset:
        return "fieldset"
    return "control"


def _widget_classes(field):
    """DKFDS class for the control, decided by widget class (so subclasses such as
    django-filter's CSVSelect or a custom DateInput are styled like their base)."""
    widget = field.field.widget
    if widget.is_hidden or isinstance(widget, _UNSTYLED_WIDGETS):
        return ""
    if isinstance(widget, forms.CheckboxInput):
        return "form-checkbox"
    if isinstance(widget, forms.Select):  # also SelectMultiple, NullBooleanSelect
        return "form-select"
    if isinstance(widget, forms.NumberInput) and widget.input_type == "text":
        return "form-input input-width-s"  # a decimal/money input (housing.input_limits.DecimalInput)
    if isinstance(widget, forms.DateTimeInput):
        return "form-input input-width-s"
    if isinstance(widget, forms.DateInput | forms.TimeInput | forms.NumberInput):
        return "form-input input-width-xs"
    # TextInput, EmailInput, PasswordInput, URLInput, Textarea, MultiWidget parts, ...
    return "form-input"


def _merge_classes(*parts):
    seen = []
    for part in parts:
        for name in (part or "").split():
            if name not in seen:
                seen.append(name)
    return " ".join(seen)


@register.simple_tag
def ds_widget(field, extra_class=""):
    """Render ``field``'s widget with the DKFDS control class added.

    Django (5.x) itself adds ``aria-invalid="true"`` when the field has errors and
    ``aria-describedby="<id>_helptext <id>_error"``; the field template uses exactly
    those ids for the hint and the error message.
    """
    own = field.field.widget.attrs.get("class", "")
    attrs = {"class": _merge_classes(_widget_classes(field), own, extra_class)}
    if not attrs["class"]:
        attrs = {}
    if ds_length_hint(field) and not field.help_text and field.auto_id and not field.use_fieldset:
        # The stated length limit is shown as the field's hint (forms/field.html): described by it.
        described = [f"{field.auto_id}_helptext"] + ([f"{field.auto_id}_error"] if field.errors else [])
        attrs["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=attrs)


# Free text of at least this many characters has its limit stated next to it: the reasons,
# notes and assessments that go into a letter or the history (housing.input_limits).
STATED_LENGTH_FROM = 200


@register.filter
def ds_length_hint(field) -> str:
    """ "At most N characters." for a free-text field (a textarea, or a text field of at least
    ``STATED_LENGTH_FROM`` characters): the limit the server enforces, stated in the hint; the
    widget carries it as ``maxlength``."""
    form_field = field.field
    if not isinstance(form_field, forms.CharField) or isinstance(form_field, _NOT_FREE_TEXT):
        return ""
    limit = form_field.max_length
    if limit is None or form_field.widget.is_hidden:
        return ""
    if not isinstance(form_field.widget, forms.Textarea) and limit < STATED_LENGTH_FROM:
        return ""
    return ngettext("At most %(count)s character.", "At most %(count)s characters.", limit) % {"count": limit}


_NOT_FREE_TEXT = (forms.EmailField, forms.URLField, forms.SlugField, forms.RegexField)


@register.filter
def ds_show_if(field) -> str:
    """``name=value`` when the field matters only with that choice of the radio ``name``
    (``field.show_if``): static/js/app.js hides it otherwise; without JavaScript it shows."""
    condition = getattr(field.field, "show_if", None)
    if not condition:
        return ""
    name, value = condition
    prefix = f"{field.form.prefix}-" if field.form.prefix else ""
    return f"{prefix}{name}={value}"


@register.simple_tag
def ds_choice(choice, input_class="form-radio"):
    """Render the <input> of one option of a RadioSelect/CheckboxSelectMultiple
    without Django's wrapping <label>, so the DKFDS label can follow it."""
    data = dict(choice.data)
    attrs = dict(data.get("attrs") or {})
    attrs["class"] = _merge_classes(input_class, attrs.get("class", ""))
    data["attrs"] = attrs
    data["wrap_label"] = False
    return choice.parent_widget._render(choice.template_name, {"widget": data}, choice.renderer)


@register.simple_tag
def icon(name, css_class="", label=""):
    """A DKFDS icon from the vendored sprite. Decorative (aria-hidden) unless a label is given."""
    classes = _merge_classes("icon-svg", css_class)
    href = f"{static(ICON_SPRITE)}#{name}"
    if label:
        return format_html(
            '<svg class="{}" focusable="false" role="img" aria-label="{}"><use href="{}"></use></svg>',
            classes,
            label,
            href,
        )
    return format_html(
        '<svg class="{}" focusable="false" aria-hidden="true"><use href="{}"></use></svg>', classes, href
    )


# url_name prefix -> main-menu section
_SECTION_PREFIXES = {
    "person": "persons",
    "organisation": "organisations",
    "department": "departments",
    "dwelling": "dwellings",
}


@register.simple_tag(takes_context=True)
def nav_section(context):
    """Name of the main-menu item the current page belongs to.

    A view can force it with a ``nav_section`` context variable; otherwise it is
    derived from ``request.resolver_match`` (person_* -> "persons", etc.; in the ``letters``
    namespace outbox/letter_*/print_batch* -> "letters" and job_run* -> "jobs").
    """
    forced = context.get("nav_section")
    if forced:
        return forced
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    if match is None:
        return ""
    if "admin" in match.namespaces:
        return "admin"
    url_name = match.url_name or ""
    if url_name == "dashboard":
        return "dashboard"
    if "letters" in match.namespaces:
        if url_name.startswith("job_run"):
            return "jobs"
        if url_name == "outbox" or url_name.startswith(("letter_", "print_batch")):
            return "letters"
    if "waitinglists" in match.namespaces:
        return "persons" if url_name.startswith("person_") else "waitinglists"
    if "allocation" in match.namespaces:
        return "nominations" if url_name.startswith("nomination_") else "allocation"
    prefix = url_name.split("_", 1)[0]
    return _SECTION_PREFIXES.get(prefix, "")


@register.simple_tag(takes_context=True)
def aria_sort(context, field):
    """`` aria-sort="ascending|descending"`` for a <th> when ?ordering= sorts by ``field``."""
    request = context.get("request")
    current = request.GET.get("ordering", "") if request is not None else ""
    if current == field:
        return format_html(' aria-sort="{}"', "ascending")
    if current == f"-{field}":
        return format_html(' aria-sort="{}"', "descending")
    return ""


@register.simple_tag
def elided_page_range(page_obj, on_each_side=1, on_ends=1):
    """Page numbers around the current page, with ``None`` where pages are left out."""
    paginator = page_obj.paginator
    return [
        None if number == paginator.ELLIPSIS else number
        for number in paginator.get_elided_page_range(
            page_obj.number, on_each_side=on_each_side, on_ends=on_ends
        )
    ]


@register.filter
def minutes(value):
    """Whole minutes (rounded up) of a timedelta or a number of seconds; '' if unknown."""
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    else:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            return ""
    return max(1, math.ceil(seconds / 60))


@register.filter
def merged_optgroups(optgroups):
    """Django's ``Select.optgroups`` gives each ungrouped option a group of its own; here each run
    of ungrouped options is one group, so ``select.html`` loops once per group, not twice per option
    (the markup is the same: an unnamed group writes nothing of its own)."""
    merged = []
    for name, options, index in optgroups:
        if not name and merged and not merged[-1][0]:
            merged[-1][1].extend(options)
        else:
            merged.append((name, list(options), index))
    return merged
