"""WSGI entry point (gunicorn jingzhun.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
application = get_wsgi_application()
# every app's views imported now, while the worker boots, not by the first request it serves: Django loads the
# URLconf lazily, and a new worker's first request paid the imports of every view (~1.5 s; ~4.5 s while the
# estimates imported samplics at load), whatever page it asked for — the national dashboard's p95 tail (issue 24)
get_resolver().url_patterns  # noqa: B018 - evaluated for its import
