"""The nightly job that deletes form submission keys older than a week (housing.idempotency);
editable in the admin (django-celery-beat)."""

import json

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    (
        "Slet formularnøgler ældre end en uge",
        "housing.form_submissions_purge",
        {"minute": "20", "hour": "3"},
    ),
]


def seed(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, job, spec in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        crontab, _ = CrontabSchedule.objects.get_or_create(
            timezone=settings.TIME_ZONE, day_of_week="*", day_of_month="*", month_of_year="*", **spec
        )
        PeriodicTask.objects.create(
            name=name, task="letters.run_job", args=json.dumps([job]), enabled=True, crontab=crontab
        )


class Migration(migrations.Migration):
    dependencies = [
        ("letters", "0011_send_attempts_and_stopped_job_runs"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
