"""The preview of a letter template: the template as the administrator is editing it, filled with
the demo values of its kind (``letters.placeholders``) and laid out as the letter's PDF by the same
renderer as a real letter (``letters.rendering``). Nothing is saved."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.template import Context
from django.utils import timezone
from django.utils.translation import gettext as _

from . import placeholders, template_check
from .models import Letter
from .rendering import render_letter_html, render_pdf

PREVIEW_SENDER_ADDRESS = "Demovej 1\n8000 Aarhus C"
PREVIEW_RECIPIENT_ADDRESS = "Eksempelgade 12, 2. tv.\n8000 Aarhus C"
PREVIEW_SENDER_CVR = "12345678"


def _render(part: str, source: str, context: dict) -> str:
    try:
        template = template_check.check_template(source)
    except ValidationError as exc:
        raise ValidationError({part: exc.messages}) from exc
    try:
        return template.render(Context(context, autoescape=True))
    except Exception as exc:  # a filter that fails on the demo value: say so, do not crash
        raise ValidationError(
            {part: [_("The template fails when it is filled in: %(error)s") % {"error": exc}]}
        ) from exc


def template_preview_letter(*, kind: str, subject: str, body: str) -> Letter:
    """An unsaved letter of ``kind`` made from the given template text and the kind's demo data."""
    context = placeholders.demo_context(kind)
    errors: dict[str, list[str]] = {}
    rendered: dict[str, str] = {}
    for part, source in (("subject", subject), ("body", body)):
        try:
            rendered[part] = _render(part, source, context)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return Letter(
        kind=kind,
        subject=rendered["subject"].strip(),
        body_html=rendered["body"],
        created_at=timezone.now(),
        sender_name=context["sender_name"],
        sender_address=PREVIEW_SENDER_ADDRESS,
        sender_identifier_type="CVR",
        sender_identifier=PREVIEW_SENDER_CVR,
        recipient_name=context["recipient_name"],
        recipient_address=PREVIEW_RECIPIENT_ADDRESS,
        context=context,
    )


def template_preview_pdf(*, kind: str, subject: str, body: str) -> bytes:
    """The preview letter as PDF bytes (WeasyPrint is imported on the first rendering only)."""
    letter = template_preview_letter(kind=kind, subject=subject, body=body)
    pdf, _pages = render_pdf(render_letter_html(letter))
    return pdf
