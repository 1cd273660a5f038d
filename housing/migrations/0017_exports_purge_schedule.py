"""The nightly job that deletes export files older than EXPORT_RETENTION_DAYS (housing.exports;
the job is registered in letters.job_definitions, where the job machinery lives); editable in the
admin (django-celery-beat)."""

import json

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    ("Slet eksportfiler ældre end en uge", "housing.exports_purge", {"minute": "40", "hour": "3"}),
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


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _job, _spec in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("housing", "0016_export_job"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
