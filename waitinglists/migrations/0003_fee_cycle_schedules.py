"""Daily schedules for the fee cycle jobs (R3.3), editable in the admin (django-celery-beat).

Charge, then remind, then delete — each idempotent, so the order only decides how soon the work
of one feeds the next.
"""

import json

from django.conf import settings
from django.db import migrations

SCHEDULES = [
    # (name, job, crontab)
    ("Opkræv årlige opdateringsgebyrer", "waitinglists.fee_charge", {"minute": "0", "hour": "2"}),
    ("Send rykkere for ubetalte gebyrer", "waitinglists.fee_remind", {"minute": "30", "hour": "2"}),
    (
        "Slet ansøgere, der ikke har betalt trods rykker",
        "waitinglists.fee_delete",
        {"minute": "0", "hour": "3"},
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


def unseed(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=[name for name, _job, _spec in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("waitinglists", "0002_search_indexes"),
        ("letters", "0002_seed_templates_and_schedules"),
    ]

    operations = [migrations.RunPython(seed, unseed)]
