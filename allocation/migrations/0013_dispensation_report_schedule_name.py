"""The yearly R37.3 report's schedule is named with today's word: since the amendment of
almenboligloven in force 30 November 2021 *hårdt ghettoområde* is called *omdannelsesområde*. The
schedule row is kept (renamed, not replaced), so its run history and settings stay."""

from django.db import migrations

OLD = "Indberetning af dispensationer i hårde ghettoområder (1. juli)"
NEW = "Indberetning af dispensationer i omdannelsesområder, tidligere hårde ghettoområder (1. juli)"


def rename(apps, schema_editor, *, old=OLD, new=NEW):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    task = PeriodicTask.objects.filter(name=old).first()
    if task is not None and not PeriodicTask.objects.filter(name=new).exists():
        task.name = new
        task.save(update_fields=["name"])


def rename_back(apps, schema_editor):
    rename(apps, schema_editor, old=NEW, new=OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("allocation", "0012_r37_label_omdannelsesomraade"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(rename, rename_back)]
