"""The job schedules in the admin (issue 15, item 6): every job by its Danish name with "kl. 02:30,
mandag–fredag", on or off and its last run; the edit form chooses the job by name, takes a time of
day and weekdays, and keeps who changed it and why. django-celery-beat's own screens are gone.

The page is Danish (the product's default language): the assertions are the Danish words."""

from __future__ import annotations

import json
import re

import pytest
from django.utils import translation
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from letters import schedules
from letters.jobs import registered_jobs
from letters.models import JobRun, JobScheduleChange

pytestmark = pytest.mark.django_db

LIST_URL = "/admin/letters/jobschedule/"

# The seeded schedules (the apps' migrations) and how the page must say when they run.
SEEDED = {
    "letters.dispatch": "hvert minut",
    "letters.print_batch": "kl. 14:00, mandag–fredag",
    "waitinglists.fee_charge": "kl. 02:00, alle dage",
    "waitinglists.fee_remind": "kl. 02:30, alle dage",
    "waitinglists.fee_delete": "kl. 03:00, alle dage",
    "housing.form_submissions_purge": "kl. 03:20, alle dage",
    "housing.exports_purge": "kl. 03:40, alle dage",
    "allocation.approvals_lapse": "kl. 01:20, alle dage",
    "allocation.offer_rounds_expire": "kl. 01:15, alle dage",
}


def _task(job: str) -> PeriodicTask:
    return next(t for t in PeriodicTask.objects.filter(task="letters.run_job") if schedules.job_of(t) == job)


def _row(html: str, job: str) -> str:
    match = re.search(rf'<tr data-job="{re.escape(job)}">(.*?)</tr>', html, re.S)
    assert match, job
    return match.group(1)


def _form(task: PeriodicTask, **changes) -> dict:
    data = {
        "job": schedules.job_of(task),
        "frequency": "daily",
        "time": "02:30",
        "weekdays": ["1", "2", "3", "4", "5"],
        "enabled": "on",
        "change_reason": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_list_names_every_job_in_danish_with_its_time_and_weekdays(administrator, client_for):
    JobRun.objects.create(job="letters.print_batch", trigger="schedule", state=JobRun.State.SUCCEEDED)
    html = client_for(administrator).get(LIST_URL).content.decode()
    for job, when in SEEDED.items():
        row = _row(html, job)
        assert when in row, (job, row)
        with translation.override("da"):
            assert str(registered_jobs()[job].label) in row
    # Every registered job is on the page, scheduled or not.
    for job in registered_jobs():
        _row(html, job)
    assert "letters.run_job" not in html and '["' not in html  # no task names, no JSON
    printed = _row(html, "letters.print_batch")
    assert "Ja" in printed and "(gennemført)" in printed.lower()
    assert "Aldrig kørt" in _row(html, "waitinglists.fee_charge")


def test_the_weekdays_are_described_as_a_range_or_named():
    with translation.override("da"):
        assert schedules.describe_weekdays({1, 2, 3, 4, 5}) == "mandag–fredag"
        assert schedules.describe_weekdays({0, 6}) == "lørdag, søndag"
        assert schedules.describe_weekdays({1, 3, 5}) == "mandag, onsdag, fredag"
        assert schedules.describe_weekdays(set(range(7))) == "alle dage"


def test_changing_the_time_and_weekdays_needs_a_reason_and_is_kept_with_user_and_reason(
    administrator, client_for
):
    task = _task("waitinglists.fee_remind")
    shared = task.crontab  # seeded tasks share crontab rows: the old one must stay as it was
    url = f"{LIST_URL}{task.pk}/change/"
    client = client_for(administrator)
    form_page = client.get(url).content.decode()
    assert 'value="02:30"' in form_page and "Begrundelse" in form_page

    response = client.post(url, _form(task, time="05:45", weekdays=["1", "3"]))
    assert response.status_code == 200
    assert "Angiv hvorfor ændringen foretages." in response.content.decode()
    task.refresh_from_db()
    assert task.crontab_id == shared.pk
    assert not JobScheduleChange.objects.exists()

    data = _form(task, time="05:45", weekdays=["1", "3"], change_reason="Rykkere først efter bankens kørsel")
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == LIST_URL
    task.refresh_from_db()
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_week) == ("45", "5", "1,3")
    assert (crontab.day_of_month, crontab.month_of_year, str(crontab.timezone)) == (
        "*",
        "*",
        "Europe/Copenhagen",
    )
    assert json.loads(task.args) == ["waitinglists.fee_remind"] and task.enabled
    shared.refresh_from_db()
    assert (shared.minute, shared.hour, shared.day_of_week) == ("30", "2", "*")
    change = JobScheduleChange.objects.get()
    assert (change.schedule_id, change.job, change.changed_by, change.reason) == (
        task.pk,
        "waitinglists.fee_remind",
        administrator,
        "Rykkere først efter bankens kørsel",
    )
    assert "kl. 02:30, alle dage (aktiv)" in change.before
    assert "kl. 05:45, mandag, onsdag (aktiv)" in change.after
    html = client.get(LIST_URL).content.decode()
    assert "kl. 05:45, mandag, onsdag" in _row(html, "waitinglists.fee_remind")
    # The change page shows its history: who and why.
    page = client.get(url).content.decode()
    assert "Rykkere først efter bankens kørsel" in page and "Ada Administrator" in page


def test_a_double_submit_of_the_same_form_has_one_effect(administrator, client_for):
    task = _task("letters.print_batch")
    url = f"{LIST_URL}{task.pk}/change/"
    client = client_for(administrator)
    key = re.search(r'name="submission_key" value="([A-Za-z]+)"', client.get(url).content.decode()).group(1)
    data = _form(task, time="15:10", change_reason="Posten hentes senere", submission_key=key)
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert JobScheduleChange.objects.filter(schedule=task).count() == 1
    task.refresh_from_db()
    assert (task.crontab.hour, task.crontab.minute) == ("15", "10")


def test_saving_what_is_there_changes_nothing(administrator, client_for):
    task = _task("letters.print_batch")
    data = _form(task, time="14:00", change_reason="Ingen ændring")
    response = client_for(administrator).post(f"{LIST_URL}{task.pk}/change/", data)
    assert response.status_code == 200 and "Intet er ændret" in response.content.decode()
    assert not JobScheduleChange.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time": "25:00"}, "time", "Angiv et klokkeslæt som timer og minutter, fx 02:30."),
        ({"time": "kl. to"}, "time", "Angiv et klokkeslæt som timer og minutter, fx 02:30."),
        ({"time": ""}, "time", "Angiv det klokkeslæt, jobbet kører, fx 02:30."),
        ({"weekdays": []}, "weekdays", "Vælg mindst én ugedag."),
        ({"weekdays": ["9"]}, "weekdays", "Vælg ugedage fra listen."),
        ({"job": "not.a.job"}, "job", "Vælg et af jobbene på listen."),
        (
            {"frequency": "interval", "every_minutes": "0"},
            "every_minutes",
            "Angiv et antal minutter fra 1 til 1440.",
        ),
    ],
)
def test_invalid_input_is_refused_in_danish_and_nothing_changes(
    administrator, client_for, changes, field, message
):
    task = _task("waitinglists.fee_charge")
    before = (task.crontab_id, task.interval_id, task.enabled)
    data = _form(task, change_reason="Test", **changes)
    response = client_for(administrator).post(f"{LIST_URL}{task.pk}/change/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="id_{field}_errors"' in html and message in html, html[html.find("errorlist") - 200 :][:800]
    task.refresh_from_db()
    assert (task.crontab_id, task.interval_id, task.enabled) == before
    assert not JobScheduleChange.objects.exists()


def test_an_interval_job_keeps_its_interval_and_can_be_switched_off(administrator, client_for):
    task = _task("letters.dispatch")
    url = f"{LIST_URL}{task.pk}/change/"
    client = client_for(administrator)
    page = client.get(url).content.decode()
    assert re.search(r'name="every_minutes" value="1"', page)
    data = _form(task, frequency="interval", every_minutes="5", enabled=None, time=None, weekdays=None)
    data["change_reason"] = "Driftspause"
    assert client.post(url, data).status_code == 302
    task.refresh_from_db()
    assert (task.interval.every, task.interval.period, task.crontab_id, task.enabled) == (
        5,
        IntervalSchedule.MINUTES,
        None,
        False,
    )
    row = _row(client.get(LIST_URL).content.decode(), "letters.dispatch")
    assert "hvert 5. minut" in row and "Nej" in row


def test_a_job_without_a_schedule_can_be_scheduled_by_its_name(administrator, client_for):
    job = "allocation.approvals_lapse"
    PeriodicTask.objects.filter(pk=_task(job).pk).delete()
    client = client_for(administrator)
    assert "Ikke planlagt" in _row(client.get(LIST_URL).content.decode(), job)
    page = client.get(f"{LIST_URL}add/", {"job": job}).content.decode()
    assert re.search(rf'<option value="{re.escape(job)}" selected>', page)
    data = {
        "job": job,
        "frequency": "daily",
        "time": "01:25",
        "weekdays": ["1", "2", "3", "4", "5", "6", "0"],
    }
    data |= {"enabled": "on", "change_reason": "Genoprettet"}
    assert client.post(f"{LIST_URL}add/", data).status_code == 302
    task = _task(job)
    assert (task.crontab.hour, task.crontab.minute, task.crontab.day_of_week) == ("1", "25", "*")
    assert CrontabSchedule.objects.filter(minute="25", hour="1", day_of_week="*").count() == 1
    change = JobScheduleChange.objects.get(job=job)
    assert (change.before, change.changed_by, change.reason) == ("", administrator, "Genoprettet")


def test_only_administrators_reach_the_schedules(caseworker_a, administrator, client_for):
    task = _task("letters.print_batch")
    client = client_for(caseworker_a)  # staff of an organisation, not an administrator of the system
    for url in (LIST_URL, f"{LIST_URL}{task.pk}/change/", f"{LIST_URL}add/"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "kl. 14:00" not in response.content.decode()
    response = client.post(f"{LIST_URL}{task.pk}/change/", _form(task, time="09:00", change_reason="Nej"))
    assert response.status_code in (302, 403)
    task.refresh_from_db()
    assert task.crontab.hour == "14"


def test_django_celery_beats_own_screens_are_gone(administrator, client_for):
    client = client_for(administrator)
    for model in ("periodictask", "crontabschedule", "intervalschedule", "solarschedule", "clockedschedule"):
        assert client.get(f"/admin/django_celery_beat/{model}/").status_code == 404, model
    index = client.get("/admin/").content.decode()
    assert "/admin/letters/jobschedule/" in index and "django_celery_beat" not in index


def test_hostile_ids_and_a_long_reason_get_no_server_error(administrator, client_for):
    client = client_for(administrator)
    client.raise_request_exception = False
    for url in (f"{LIST_URL}abc/change/", f"{LIST_URL}99999999999999999999/change/", f"{LIST_URL}0/history/"):
        assert client.get(url).status_code < 500, url
    task = _task("letters.print_batch")
    response = client.post(f"{LIST_URL}{task.pk}/change/", _form(task, change_reason="x" * 10_000))
    assert response.status_code == 200 and not JobScheduleChange.objects.exists()


def test_staff_without_the_permission_is_refused(client_for):
    from django.contrib.auth import get_user_model

    task = _task("letters.print_batch")
    user = get_user_model().objects.create_user("staff-no-rights", password="x", is_staff=True)
    client = client_for(user)
    for url in (LIST_URL, f"{LIST_URL}{task.pk}/change/", f"{LIST_URL}add/"):
        assert client.get(url).status_code == 403, url
    response = client.post(f"{LIST_URL}{task.pk}/change/", _form(task, time="09:00", change_reason="Nej"))
    assert response.status_code == 403
    assert not JobScheduleChange.objects.exists()
