"""WSGI entry point (gunicorn config.wsgi)."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

# Garbage collection tuned for a long-running web process (measured by bench/pages.py):
# - the objects loaded at start-up (Django, the apps, the URL patterns) live as long as the process, yet every
#   full collection would walk them again; freezing moves them out of the collector's sight;
# - a page creates and frees tens of thousands of objects, nearly all freed by reference counting; with the
#   default threshold (700) the collector runs several times per page, with 50,000 about once every few pages.
gc.collect()
gc.freeze()
gc.set_threshold(50_000, 20, 20)
