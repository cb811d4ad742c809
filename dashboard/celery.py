"""The Celery application, configured from Django settings (the CELERY_* names in dashboard/settings.py)."""

import os

from celery import Celery

from dashboard.private_files import restrict_umask

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dashboard.settings")
# The worker and beat write broker messages and beat's schedule under var/: private to this user.
restrict_umask()

app = Celery("dashboard")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
