"""Checking a letter template's syntax, with the mistake told in the administrator's language and
with its line: Django's ``TemplateSyntaxError`` speaks English and only sometimes names the line.

``check_template(source)`` compiles the template as letters are compiled (``services._render``)
and turns a syntax error into a ``ValidationError`` such as *Linje 3: Tagget {% if %} afsluttes
aldrig (der mangler endif).* Messages Django has that are not recognised keep Django's own words
after the line and a translated lead-in, so nothing is hidden.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.template import Template, TemplateSyntaxError
from django.utils.translation import gettext as _

_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"^Unclosed tag on line \d+: '(?P<tag>[^']+)'\. Looking for one of: (?P<expected>.+)\.$"),
        "unclosed",
    ),
    (
        re.compile(r"^Invalid block tag on line \d+: '(?P<tag>[^']+)', expected (?P<expected>.+?)\. Did you"),
        "unexpected",
    ),
    (re.compile(r"^Invalid block tag on line \d+: '(?P<tag>[^']+)'\. Did you"), "unknown_tag"),
    (re.compile(r"^Invalid filter: '(?P<filter>[^']+)'$"), "unknown_filter"),
    (re.compile(r"^Could not parse the remainder: '(?P<rest>.*)' from '(?P<text>.*)'$", re.S), "remainder"),
    (re.compile(r"^Variables and attributes may not begin with underscores: '(?P<text>.*)'$"), "underscore"),
    (re.compile(r"^'(?P<library>[^']+)' is not a registered tag library\.", re.S), "library"),
    (
        re.compile(r"^(?P<filter>\w+) requires (?P<n>\d+) arguments?, (?P<given>\d+) provided$"),
        "filter_arguments",
    ),
    (re.compile(r"^Unexpected end of expression in if tag\.$"), "if_end"),
    (re.compile(r"^Unused '(?P<word>.+)' at end of if expression\.$"), "if_unused"),
    (re.compile(r"^'(?P<tag>\w+)' tag with name '(?P<name>[^']+)' appears more than once$"), "block_twice"),
]


def _danish(kind: str, values: dict[str, str]) -> str:
    messages = {
        "unclosed": _("The tag {%% %(tag)s %%} is never closed (%(expected)s is missing)."),
        "unexpected": _("{%% %(tag)s %%} is not expected here; expected is %(expected)s."),
        "unknown_tag": _("{%% %(tag)s %%} is not a tag letter templates know."),
        "unknown_filter": _("“%(filter)s” is not a filter letter templates know."),
        "remainder": _(
            "“%(text)s” cannot be read: “%(rest)s” is left over (a space or a character too many?)."
        ),
        "underscore": _("“%(text)s”: a placeholder may not begin with an underscore."),
        "library": _("“%(library)s” is not a library that letter templates can load."),
        "filter_arguments": _(
            "The filter “%(filter)s” needs an argument after a colon, e.g. |%(filter)s:'…'."
        ),
        "if_end": _("{%% if %%} needs a condition."),
        "if_unused": _("{%% if %%} has “%(word)s” left over at the end of its condition."),
        "block_twice": _("The block “%(name)s” appears more than once."),
    }
    return messages[kind] % values


def _words(expected: str) -> str:
    return expected.replace("'", "").replace(" or ", ", ")


def danish_message(exc: TemplateSyntaxError) -> str:
    """The syntax error in the active language, with its line (``Linje 3: …``) when known."""
    text = str(exc)
    message = None
    for pattern, kind in _PATTERNS:
        match = pattern.search(text)
        if match:
            values = {k: (_words(v) if k == "expected" else v) for k, v in match.groupdict().items()}
            message = _danish(kind, values)
            break
    if message is None:
        message = _("The template cannot be read: %(error)s") % {
            "error": text.splitlines()[0] if text else ""
        }
    line = getattr(getattr(exc, "token", None), "lineno", None)
    if line is None:
        return message
    return _("Line %(line)s: %(message)s") % {"line": line, "message": message}


def check_template(source: str) -> Template:
    """Compile ``source`` or raise a ``ValidationError`` that says what is wrong and where."""
    try:
        return Template(source)
    except TemplateSyntaxError as exc:
        raise ValidationError(danish_message(exc), code="template_syntax") from exc
    except (ValueError, TypeError, RecursionError) as exc:  # a tag's own argument parsing
        raise ValidationError(
            _("The template cannot be read: %(error)s") % {"error": exc}, code="template_syntax"
        ) from exc
