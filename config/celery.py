"""The Celery app. Schedules live in the database (django-celery-beat's DatabaseScheduler)."""

import logging
import os
from logging.config import dictConfig

from celery import Celery
from celery.signals import setup_logging
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("boligadmin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(loglevel=None, **_kwargs) -> None:
    """The worker logs through settings.LOGGING, whose handlers redact CPR numbers.

    Without a receiver for this signal Celery empties the root logger's handlers and installs its
    own, unfiltered ones, so a task's traceback would print a CPR number in full. The worker's
    ``-l``/``--loglevel`` still decides how much it logs.
    """
    dictConfig(settings.LOGGING)
    if loglevel:
        logging.getLogger().setLevel(loglevel)
