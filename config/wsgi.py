import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
application = get_wsgi_application()

from config.celery import run_jobs_in_background  # noqa: E402  (needs the settings loaded above)

run_jobs_in_background()  # only does something in the embedded mode (no REDIS_URL: eager tasks)
