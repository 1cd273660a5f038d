"""Schedules for the queue-position jobs (``waitinglists.queue``), editable in the admin (*Jobplaner*):
fold busy lists' changes every 10 minutes, rebuild every list at night."""

import json

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    # (name, job, kind, schedule)
    ("Hold ventelisternes placeringer friske", "waitinglists.queue_refresh", "interval",
     {"every": 10, "period": "minutes"}),
    ("Genopbyg ventelisternes placeringer", "waitinglists.queue_rebuild", "crontab",
     {"minute": "15", "hour": "4", "day_of_week": "*", "day_of_month": "*", "month_of_year": "*"}),
]  # fmt: skip


def seed(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, job, kind, spec in SCHEDULES:
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        fields = {"name": name, "task": "letters.run_job", "args": json.dumps([job]), "enabled": True}
        if kind == "interval":
            fields["interval"], _ = IntervalSchedule.objects.get_or_create(**spec)
        else:
            fields["crontab"], _ = CrontabSchedule.objects.get_or_create(timezone=settings.TIME_ZONE, **spec)
        PeriodicTask.objects.create(**fields)


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, *_rest in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("waitinglists", "0012_entry_registered_index"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
