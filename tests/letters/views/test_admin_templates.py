"""The letter templates in the admin (issue 15, item 6): the placeholders of the template's kind
beside the text, a PDF preview with demo data, and syntax errors in Danish with their line.

The registry of placeholders (letters.placeholders) is the one list: every caller of
``letter_create`` passes only declared names, and every seeded template reads only declared names."""

from __future__ import annotations

import ast
import io
import logging
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from letters import placeholders, previews, services
from letters.models import LetterKind, LetterTemplate

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def _current(kind: str) -> LetterTemplate:
    return LetterTemplate.objects.filter(kind=kind).order_by("-version").first()


def _pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_every_kind_has_its_placeholders_described_with_a_demo_value():
    assert set(placeholders.KIND_PLACEHOLDERS) == set(LetterKind.values)
    for kind in LetterKind.values:
        names = placeholders.names_for(kind)
        assert len(names) == len(set(names)), kind
        for name in names:
            assert str(placeholders.PLACEHOLDERS[name].description), name
        assert set(placeholders.demo_context(kind)) == set(names)


def _letter_create_calls():
    """Every ``letter_create(kind=…, context={…})`` in the apps with a literal kind and context."""
    for path in ROOT.glob("*/**/*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if parts & {".venv", "tests", "migrations"}:
            continue
        source = path.read_text(encoding="utf-8")
        if "letter_create(" not in source:
            continue
        for node in ast.walk(ast.parse(source)):
            func = getattr(node, "func", None)
            if (
                not isinstance(node, ast.Call)
                or getattr(func, "attr", getattr(func, "id", "")) != "letter_create"
            ):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            kind, context = keywords.get("kind"), keywords.get("context")
            if isinstance(kind, ast.Constant):
                kind = kind.value
            elif isinstance(kind, ast.Attribute) and getattr(kind.value, "id", "") == "LetterKind":
                kind = LetterKind[kind.attr].value
            else:
                continue
            if isinstance(context, ast.Dict) and all(isinstance(k, ast.Constant) for k in context.keys):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", kind, [k.value for k in context.keys]


def test_every_caller_passes_only_the_declared_placeholders_of_its_kind():
    calls = list(_letter_create_calls())
    assert len(calls) >= 25  # the walk finds the callers
    wrong = {where: placeholders.undeclared(kind, keys) for where, kind, keys in calls}
    assert {where: names for where, names in wrong.items() if names} == {}


# Names that a seeded template reads although nothing provides them (printed as nothing): the
# rejection decision's old free text, kept in its template as a fallback.
KNOWN_UNPROVIDED = {LetterKind.REJECTION_DECISION: {"decision_text"}}


def test_every_seeded_template_reads_only_declared_placeholders():
    for kind in LetterKind.values:
        template = _current(kind)
        assert template is not None, kind
        used = placeholders.template_names(template.subject) | placeholders.template_names(template.body)
        assert set(placeholders.undeclared(kind, used)) == KNOWN_UNPROVIDED.get(kind, set()), kind


def test_an_undeclared_context_value_is_logged_by_name(caplog, org_a, person_a, system_user):
    with caplog.at_level(logging.WARNING, logger="letters.placeholders"):
        services.letter_create(
            actor=system_user,
            reason="Test",
            sender=org_a.tenant,
            recipient=person_a,
            kind="general",
            context={"text": "Hej", "secret_thing": "værdi"},
            idempotency_key="placeholders-undeclared",
            dispatch=False,
        )
    assert "secret_thing" in caplog.text and "værdi" not in caplog.text


def test_the_template_admin_shows_the_placeholders_of_its_kind(administrator, client_for):
    template = _current("fee_reminder")
    html = (
        client_for(administrator).get(f"/admin/letters/lettertemplate/{template.pk}/change/").content.decode()
    )
    assert "Pladsholdere, du kan bruge" in html
    for name in placeholders.names_for("fee_reminder"):
        assert f"<code>{{{{ {name} }}}}</code>" in html, name
    assert "Beløbet i kroner" in html  # the Danish description of {{ amount }}
    assert "{{ dwelling_address }}" not in html  # another kind's placeholder
    assert "Forhåndsvis PDF" in html


def test_the_preview_is_the_edited_text_with_demo_data_as_a_pdf(administrator, client_for):
    template = _current("fee_reminder")
    url = f"/admin/letters/lettertemplate/{template.pk}/preview/"
    count = LetterTemplate.objects.count()
    data = {
        "subject": "Rykker for {{ fee_name }}",
        "body": "<p>Kære {{ recipient_name }}</p><p>Betal {{ amount }} kr. senest {{ deadline }}.</p>",
        "change_reason": "",
    }
    response = client_for(administrator).post(url, data)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    demo = placeholders.demo_context("fee_reminder")
    for value in ("Rykker for " + demo["fee_name"], demo["recipient_name"], demo["amount"], demo["deadline"]):
        assert value in text, (value, text)
    assert LetterTemplate.objects.count() == count  # nothing saved


def test_the_preview_of_a_broken_template_says_what_is_wrong_in_danish(administrator, client_for):
    template = _current("general")
    url = f"/admin/letters/lettertemplate/{template.pk}/preview/"
    response = client_for(administrator).post(
        url, {"subject": "Emne", "body": "<p>a</p>\n{% if text %}\n<p>b</p>"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "Linje 2: Tagget {% if %} afsluttes aldrig (der mangler elif, else, endif)." in html


@pytest.mark.parametrize("kind", LetterKind.values)
def test_every_seeded_template_previews_with_its_demo_data(kind):
    template = _current(kind)
    letter = previews.template_preview_letter(kind=kind, subject=template.subject, body=template.body)
    assert letter.body_html.strip() and letter.subject
    assert placeholders.PLACEHOLDERS["recipient_name"].demo in letter.body_html


def test_a_syntax_error_is_shown_in_danish_with_its_line_and_nothing_is_saved(administrator, client_for):
    template = _current("general")
    count = LetterTemplate.objects.filter(kind="general").count()
    body = "<p>Kære {{ recipient_name }}</p>\n<p>{{ text|nofilter }}</p>\n"
    response = client_for(administrator).post(
        f"/admin/letters/lettertemplate/{template.pk}/change/",
        {"subject": "Emne", "body": body, "change_reason": "Ny tekst"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Linje 2: “nofilter” er ikke et filter, som brevskabeloner kender." in html
    # Next to the body field.
    body_row = html[html.find('class="form-row') :][: html.find('id="id_body"') + 200]
    assert "field-body" in html and "errorlist" in body_row
    assert LetterTemplate.objects.filter(kind="general").count() == count


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{% foo %}", "Linje 1: {% foo %} er ikke et tag, som brevskabeloner kender."),
        (
            "a\n{% if x %}{% endfor %}",
            "Linje 2: {% endfor %} forventes ikke her; der forventes elif, else, endif.",
        ),
        (
            "{{ a b }}",
            "Linje 1: “a b” kan ikke læses: “ b” er tilovers (et mellemrum eller et tegn for meget?).",
        ),
        ("{{ _x }}", "Linje 1: “_x”: en pladsholder må ikke begynde med en understreg."),
        (
            "{{ a|default }}",
            "Linje 1: Filteret “default” skal have et argument efter et kolon, fx |default:'…'.",
        ),
    ],
)
def test_syntax_errors_are_told_in_danish(source, message):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from letters.template_check import check_template

    with translation.override("da"), pytest.raises(ValidationError) as error:
        check_template(source)
    assert error.value.messages == [message]


def test_saving_a_template_still_makes_the_next_version_with_the_reason(administrator, client_for):
    template = _current("general")
    response = client_for(administrator).post(
        f"/admin/letters/lettertemplate/{template.pk}/change/",
        {"subject": "Nyt emne", "body": "<p>{{ text }}</p>", "change_reason": "Kortere brev"},
    )
    assert response.status_code == 302
    new = _current("general")
    assert (new.version, new.note, new.created_by) == (template.version + 1, "Kortere brev", administrator)


def test_the_preview_is_for_administrators_only(caseworker_a, client_for):
    from django.contrib.auth import get_user_model

    template = _current("general")
    url = f"/admin/letters/lettertemplate/{template.pk}/preview/"
    data = {"subject": "Emne", "body": "<p>{{ text }}</p>"}
    assert client_for(caseworker_a).post(url, data).status_code in (302, 403)
    staff_without_rights = get_user_model().objects.create_user(
        "staff-no-rights", password="x", is_staff=True
    )
    response = client_for(staff_without_rights).post(url, data)
    assert response.status_code == 403 and response["Content-Type"] != "application/pdf"
