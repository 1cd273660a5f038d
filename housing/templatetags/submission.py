"""``{% csrf_token %}`` that also carries a fresh submission key (``housing.idempotency``).

Installed as a template builtin (settings ``TEMPLATES[…]["OPTIONS"]["builtins"]``), so it
replaces Django's tag everywhere: every POST form needs a CSRF token, so every POST form — the
admin's included — gets its idempotency key without any template having to remember it.
"""

import secrets
import string

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

from housing.idempotency import FIELD_NAME

register = template.Library()

# Letters only: a key of digits could look like a CPR number to the tests and filters that look for
# ten digits in a row (a uuid4 in hex has such a run in about one page in ten). 32 letters of 52
# carry 182 random bits.
_ALPHABET = string.ascii_letters


def new_submission_key() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(32))


class CsrfTokenAndSubmissionKeyNode(CsrfTokenNode):
    def render(self, context):
        csrf = super().render(context)
        if not csrf:
            return csrf
        field = '{}<input type="hidden" name="{}" value="{}">'
        return format_html(field, csrf, FIELD_NAME, new_submission_key())


@register.tag
def csrf_token(parser, token):
    return CsrfTokenAndSubmissionKeyNode()
