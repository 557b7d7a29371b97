"""A new gunicorn worker is ready when it has booted: ``jingzhun.wsgi`` imports the URLconf (every app's views)
and indexes the URL names for each language, and nothing on that path loads the survey statistics (samplics and
the scipy.stats it brings: ~3 s), which only the sampling and the estimates use. Before, every new worker's first
request paid ~5 s of imports and indexing, whatever page it asked for: the tail of the national dashboard's p95
under load (issue 24)."""

import os
import subprocess
import sys

BOOT = """
import sys, jingzhun.wsgi
from django.urls import get_resolver
print(*(m in sys.modules for m in ("jingzhun.urls", "samplics", "scipy.stats")), *sorted(get_resolver()._reverse_dict))
"""


def test_a_worker_has_its_urls_when_it_boots_and_no_survey_statistics():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"}
    out = subprocess.run([sys.executable, "-c", BOOT], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "False", "en", "zh-hans"], out.stderr
