"""The Celery application.

Configuration comes from Django settings (the CELERY_ namespace), so the
embedded file-system broker and a production Redis broker are chosen by
environment variables alone, like everything else.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("custos")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
