"""Words of today (R37.1, R2.2): since the amendment of almenboligloven in force 30 November 2021 the law
says *omdannelsesområde* (was *hårdt ghettoområde*) and *parallelsamfund* (was *ghettoområde*);
*udsat boligområde* stays. Pages, labels, messages and the letter templates in force use today's word;
the 2018 word appears only beside it as help ("tidligere: …" / "formerly: …"). Area statuses keep
their stored value and their dates."""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from allocation.services.area_lists import STATUS_WORDS
from housing.audit import audited_save
from housing.models import AreaStatusKind, DepartmentAreaStatus
from letters.models import LetterKind, LetterTemplate
from rejections.models import RejectionGround

ROOT = Path(settings.BASE_DIR)
OLD_WORD = re.compile(r"ghettoområde", re.IGNORECASE)
#: The old word is fine only as help beside the new one.
HELP = re.compile(r"tidligere|formerly|dengang|\bnu:", re.IGNORECASE)
CONTEXT = 80


def bare_old_words(text: str) -> list[str]:
    """Each use of the 2018 word with no "tidligere"/"formerly" help close by, as a snippet."""
    bare = []
    for match in OLD_WORD.finditer(text):
        around = text[max(0, match.start() - CONTEXT) : match.end() + CONTEXT]
        if not HELP.search(around):
            bare.append(around.replace("\n", " "))
    return bare


def test_the_checker_finds_a_bare_old_word():
    assert bare_old_words("Afdelingen er en del af et hårdt ghettoområde.")
    assert not bare_old_words("Afdelingen er en del af et omdannelsesområde (tidligere: hårdt ghettoområde).")


@pytest.mark.rule("R37.1")
@pytest.mark.django_db
def test_no_letter_template_in_force_uses_the_old_word_bare():
    kinds = set(LetterTemplate.objects.values_list("kind", flat=True))
    assert kinds  # the templates are seeded by the migrations
    for kind in kinds:
        template = LetterTemplate.objects.filter(kind=kind).order_by("-version").first()
        assert not bare_old_words(template.subject + " " + template.body), (kind, template.version)
    assert set(kinds) <= set(LetterKind.values)


@pytest.mark.rule("R37.1")
@pytest.mark.django_db
def test_the_r37_decision_letter_says_omdannelsesomraade():
    template = LetterTemplate.objects.filter(kind="rejection_decision").order_by("-version").first()
    text = Template(template.body).render(Context({"ground": RejectionGround.R37, "today": "1. juli 2026"}))
    assert "omdannelsesområde" in text and not bare_old_words(text)


@pytest.mark.rule("R37.1", "R2.2")
@pytest.mark.parametrize("language", ["en", "da"])
def test_labels_use_todays_word(language):
    with translation.override(language):
        labels = [str(AreaStatusKind.HARD_GHETTO.label), str(RejectionGround.R37.label)]
        labels += [str(DepartmentAreaStatus._meta.get_field("kind").help_text)]
    for label in labels:
        assert "omdannelsesområde" in label.lower() and not bare_old_words(label), label
    assert AreaStatusKind.HARD_GHETTO.value == "hard_ghetto"  # the stored value is kept


def _page_sources() -> list[Path]:
    return sorted((ROOT / "templates").rglob("*.html")) + sorted((ROOT / "templates").rglob("*.txt"))


@pytest.mark.rule("R37.1")
def test_no_page_template_uses_the_old_word_bare():
    offenders = {str(p.relative_to(ROOT)): bare_old_words(p.read_text()) for p in _page_sources()}
    assert not {p: hits for p, hits in offenders.items() if hits}


def _python_sources() -> list[Path]:
    skip = {".venv", "tests", "migrations", "node_modules", ".git"}
    return [p for p in ROOT.rglob("*.py") if not skip & set(p.relative_to(ROOT).parts)]


def _user_strings(tree: ast.AST) -> list[str]:
    """Every string literal that is not a docstring (docstrings may mention both words)."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.rule("R37.1")
def test_no_message_label_or_letter_text_in_the_code_uses_the_old_word_bare():
    # Input codes of the ministry's list (``hårdt_ghettoområde``) are no text shown to anybody.
    codes = set(STATUS_WORDS)
    offenders = {}
    for path in _python_sources():
        strings = _user_strings(ast.parse(path.read_text()))
        hits = [hit for s in strings if s not in codes for hit in bare_old_words(s)]
        if hits:
            offenders[str(path.relative_to(ROOT))] = hits
    assert not offenders


@pytest.mark.rule("R37.1", "R35")
def test_the_area_list_import_reads_todays_word_and_the_old_one():
    assert (
        STATUS_WORDS["omdannelsesomraade"]
        == STATUS_WORDS["haardt_ghettoomraade"]
        == AreaStatusKind.HARD_GHETTO
    )


@pytest.mark.rule("R37.1")
@pytest.mark.django_db
def test_the_department_page_shows_todays_word_and_keeps_the_status_dates(
    department_a, caseworker_a, client_for, system_user
):
    status = audited_save(
        DepartmentAreaStatus(
            department=department_a,
            kind=AreaStatusKind.HARD_GHETTO,
            valid_from=datetime.date(2018, 12, 1),
            note="Listen 1. december 2018",
        ),
        actor=system_user,
        reason="Ministeriets liste",
    )
    client = client_for(caseworker_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    body = client.get(f"/afdelinger/{department_a.pk}/").content.decode()
    assert "omdannelsesområde" in body and not bare_old_words(body)
    status.refresh_from_db()
    assert (status.kind, status.valid_from) == ("hard_ghetto", datetime.date(2018, 12, 1))
