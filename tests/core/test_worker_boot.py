"""A new gunicorn worker is ready when it has booted: ``jingzhun.wsgi`` imports the URLconf (every app's views),
and nothing on that path loads the survey statistics (samplics and the scipy.stats it brings: ~3 s), which only
the sampling and the estimates use. Before, every new worker's first request paid ~4.5 s of imports, whatever
page it asked for: the tail of the national dashboard's p95 under load (issue 24)."""

import os
import subprocess
import sys

LOADED = "import sys, jingzhun.wsgi; print(*(m in sys.modules for m in ('jingzhun.urls', 'samplics', 'scipy.stats')))"


def test_a_worker_has_its_urls_when_it_boots_and_no_survey_statistics():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"}
    out = subprocess.run([sys.executable, "-c", LOADED], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False", "False"], out.stderr
