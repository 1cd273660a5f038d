"""The daily job that sends the month's R28.2 reports of § 28 rejections to each kommune (one report
per kommune and month, idempotent); editable in the admin (django-celery-beat)."""

import json

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    (
        "Send månedens indberetninger af afvisninger efter § 28 til kommunen",
        "allocation.r28_reports_send",
        {"minute": "50", "hour": "1"},
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
        ("allocation", "0010_youth_reversion_and_r28_batches"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
