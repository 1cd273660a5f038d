"""``{% csrf_token %}`` that also carries a fresh submission key (``housing.idempotency``).

Installed as a template builtin (settings ``TEMPLATES[…]["OPTIONS"]["builtins"]``), so it
replaces Django's tag everywhere: every POST form needs a CSRF token, so every POST form — the
admin's included — gets its idempotency key without any template having to remember it.
"""

import uuid

from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.html import format_html

from housing.idempotency import FIELD_NAME

register = template.Library()


class CsrfTokenAndSubmissionKeyNode(CsrfTokenNode):
    def render(self, context):
        csrf = super().render(context)
        if not csrf:
            return csrf
        return format_html('{}<input type="hidden" name="{}" value="{}">', csrf, FIELD_NAME, uuid.uuid4().hex)


@register.tag
def csrf_token(parser, token):
    return CsrfTokenAndSubmissionKeyNode()
