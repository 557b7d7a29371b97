"""A new gunicorn worker is ready when it has booted: ``jingzhun.wsgi`` imports the URLconf (every app's views)
and indexes the URL names for each language, and nothing on that path loads the statistics and engine libraries
(samplics and the scipy.stats it brings: ~3 s; LightGBM, PySpark, DuckDB), which are imported where they are
used (decision 100). Before, every new worker's first request paid ~5 s of imports and indexing, whatever page it
asked for: the tail of the national dashboard's p95 under load (issue 24)."""

import os
import subprocess
import sys

HEAVY = ("samplics", "scipy", "lightgbm", "pyspark", "duckdb")
BOOT = f"""
import sys, jingzhun.wsgi
from django.urls import get_resolver
print("urls" if "jingzhun.urls" in sys.modules else "no-urls", *sorted(get_resolver()._reverse_dict))
print(*(m for m in {HEAVY!r} if m in sys.modules))
"""


def test_a_worker_has_its_urls_when_it_boots_and_no_heavy_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "jingzhun.settings"}
    out = subprocess.run([sys.executable, "-c", BOOT], env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    urls, heavy = out.stdout.splitlines()
    assert urls.split() == ["urls", "en", "zh-hans"]
    assert heavy == "", f"loaded when a worker boots: {heavy}"
