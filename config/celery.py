"""The Celery app. Schedules live in the database (django-celery-beat's DatabaseScheduler)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("boligadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
