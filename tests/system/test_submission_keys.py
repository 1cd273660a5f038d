"""The submission key of every POST form (housing.idempotency): one rendered form, one effect.

The concurrent case (20 at once) is tests/system/test_concurrent_submits.py; here the rules one by one.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.test import RequestFactory

from housing.models import FormSubmission, Role
from letters.models import Letter
from tests.factories import MembershipFactory, UserFactory

FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


def test_every_post_form_in_the_templates_carries_the_csrf_token_and_so_the_key():
    """{% csrf_token %} renders the key too, so a POST form without it would lack both."""
    roots = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR).glob("*/templates")]
    forms = []
    for root in roots:
        for path in root.rglob("*.html"):
            forms += [(path, body) for body in FORM.findall(path.read_text(encoding="utf-8"))]
    assert len(forms) > 30
    missing = [str(path) for path, body in forms if "{% csrf_token %}" not in body]
    assert not missing, missing


def test_the_csrf_token_tag_renders_a_fresh_submission_key():
    template = engines["django"].from_string("<form method='post'>{% csrf_token %}</form>")
    request = RequestFactory().get("/")
    first, second = template.render({}, request), template.render({}, request)
    keys = [re.search(r'name="submission_key" value="([A-Za-z]{32})"', html) for html in (first, second)]
    assert all(keys) and keys[0].group(1) != keys[1].group(1)
    assert 'name="csrfmiddlewaretoken"' in first


@pytest.fixture
def letter(org_a, person_a, system_user):
    from letters import services

    return services.letter_create(
        actor=system_user,
        reason="Test",
        sender=org_a.tenant,
        recipient=person_a,
        kind="general",
        context={"text": "Hej"},
        idempotency_key="submission-keys-1",
        dispatch=False,
    )


@pytest.fixture
def writer(org_a):
    user = UserFactory(username="key-writer")
    MembershipFactory(user=user, tenant=org_a.tenant, role=Role.CASEWORKER)
    return user


KEY = "0123456789abcdef0123456789abcdef"


def test_a_repeated_submit_gets_the_first_ones_redirect_and_changes_nothing(letter, writer, client_for):
    client = client_for(writer)
    url = f"/breve/{letter.pk}/gensend/"
    first = client.post(url, {"change_reason": "Retur", "submission_key": KEY})
    second = client.post(url, {"change_reason": "Retur", "submission_key": KEY})
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"] and second["X-Repeated-Submission"] == "1"
    assert Letter.objects.filter(resend_of=letter).count() == 1
    # A new rendering of the form is a new submit.
    client.post(url, {"change_reason": "Retur igen", "submission_key": KEY[::-1]})
    assert Letter.objects.filter(resend_of=letter).count() == 2


def test_a_form_shown_again_with_errors_can_be_corrected_and_submitted(letter, writer, client_for):
    client = client_for(writer)
    url = f"/breve/{letter.pk}/gensend/"
    assert client.post(url, {"change_reason": " ", "submission_key": KEY}).status_code == 400
    assert not FormSubmission.objects.filter(key=KEY).exists()
    response = client.post(url, {"change_reason": "Retur", "submission_key": KEY})
    assert response.status_code == 302 and not response.has_header("X-Repeated-Submission")
    assert Letter.objects.filter(resend_of=letter).count() == 1


def test_a_key_is_the_users_own_and_belongs_to_one_address(letter, writer, org_a, client_for):
    other = UserFactory(username="key-other-writer")
    MembershipFactory(user=other, tenant=org_a.tenant, role=Role.CASEWORKER)
    url = f"/breve/{letter.pk}/gensend/"
    client_for(writer).post(url, {"change_reason": "Retur", "submission_key": KEY})
    # Another user's submit with the same key is their own submit, not a replay.
    response = client_for(other).post(url, {"change_reason": "Retur", "submission_key": KEY})
    assert response.status_code == 302 and not response.has_header("X-Repeated-Submission")
    assert Letter.objects.filter(resend_of=letter).count() == 2
    # The same key sent to another form is refused, not replayed there.
    response = client_for(writer).post(f"/breve/{letter.pk}/pdf/", {"submission_key": KEY})
    assert response.status_code == 400


@pytest.mark.django_db
def test_the_nightly_job_deletes_keys_older_than_a_week_and_keeps_the_rest():
    """Keys only guard against double and concurrent submits; they do not pile up for ever."""
    import datetime
    import json

    from django.utils import timezone
    from django_celery_beat.models import PeriodicTask

    from letters.jobs import run_job

    user = UserFactory()
    now = timezone.now()
    ages = {"old": datetime.timedelta(days=7, seconds=1), "week": datetime.timedelta(days=6, hours=23)}
    for key, age in ages.items():
        row = FormSubmission.objects.create(user=user, key=key * 4, path="/x/", status_code=302, location="/")
        FormSubmission.objects.filter(pk=row.pk).update(submitted_at=now - age)
    FormSubmission.objects.create(user=user, key="fresh" * 4, path="/x/", status_code=302, location="/")

    run = run_job("housing.form_submissions_purge", trigger="manual")

    run.refresh_from_db()
    assert run.counts.get("deleted") == 1
    assert sorted(FormSubmission.objects.values_list("key", flat=True)) == ["fresh" * 4, "week" * 4]
    scheduled = PeriodicTask.objects.filter(enabled=True).values_list("args", flat=True)
    assert any("housing.form_submissions_purge" in json.loads(args or "[]") for args in scheduled)
