"""WSGI entry point (gunicorn jingzhun.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
application = get_wsgi_application()


def _load_urls() -> None:
    """Every app's views imported and the URL names indexed for each language now, while the worker boots, not by
    the first request it serves: Django loads both lazily, and a new worker's first request paid the imports of
    every view (~1.5 s; ~4.5 s while the estimates imported samplics at load) and the first ``reverse`` (~0.4 s),
    whatever page it asked for — the national dashboard's p95 tail under load (issue 24)."""
    from django.conf import settings
    from django.urls import get_resolver
    from django.utils import translation

    resolver = get_resolver()
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            resolver.reverse_dict  # noqa: B018 - evaluated for its index


_load_urls()
