"""The dashboards in-process: median and p95 ms of the page and the figures API for the national, province, city
and county users of ``bench/dashboard_load.py``, and queries per request — the CPU one request costs, without
gunicorn or wrk queueing in front of it (the load bench's p95 is mostly queueing: connections ÷ throughput) —
and the first request of each: the national API's is the process's very first (what a new gunicorn worker pays
once), the others' find the process warm and only their own caches empty.

Runs the Django test client under production settings against the load bench's PostgreSQL database (its rollup,
village years and users must be there: run ``bench/dashboard_load.py`` once). Read-only apart from the sessions
and tokens the test client writes. ``--src`` imports the application from another checkout (e.g. a ``git
worktree`` of the commit before a change), so the same script measures a baseline in the same run;
``--profile VIEW`` prints the top of a cProfile of that view's page instead.

Usage: python bench/dashboard_profile.py [--database postgres://…/jingzhun_bench_analytics] [--requests 50]
       [--src DIR/src] [--static-root /tmp/jz-static] [--profile national] [--language zh-hans]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import sys
import time
from pathlib import Path

from _common import PG_SERVER, ROOT, machine

VIEWS = ("national", "province", "city", "county")


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", default=f"{PG_SERVER}/jingzhun_bench_analytics")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--src", type=Path, default=ROOT / "src")
    parser.add_argument("--static-root", default="/tmp/jz-static")
    parser.add_argument("--profile", choices=VIEWS)
    parser.add_argument("--api", action="store_true", help="with --profile: the API instead of the page")
    parser.add_argument("--language", default="zh-hans")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    os.environ.update(
        DATABASE_URL=args.database, JINGZHUN_ENV="production", DJANGO_SECRET_KEY="bench-only-" + "x" * 50,
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1", DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=args.static_root, DATABASE_CONN_MAX_AGE="60", JINGZHUN_API_USER_RATE="1000000/min",
        DJANGO_SETTINGS_MODULE="jingzhun.settings",
    )  # fmt: skip
    sys.path.insert(0, str(args.src))
    # the application loaded as a gunicorn worker boots it (a call, so that sorting the imports keeps it first)
    importlib.import_module("jingzhun.wsgi")
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from jingzhun.accounts.models import User

    clients = {}
    for name in VIEWS:
        user = User.objects.get(username=f"bench_{name}")
        page = Client(HTTP_ACCEPT_LANGUAGE=args.language, secure=True)
        page.force_login(user)
        token = Token.objects.get_or_create(user=user)[0].key
        api = Client(HTTP_AUTHORIZATION=f"Token {token}", HTTP_ACCEPT_LANGUAGE=args.language, secure=True)
        clients[name] = {"page": (page, "/analytics/"), "api": (api, "/api/v1/analytics/figures/")}

    def one(client, url) -> tuple[float, int, float]:
        with CaptureQueriesContext(connection) as queries:
            started, cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            cpu = (time.process_time() - cpu) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code}")
        return elapsed, len(queries), cpu

    if args.profile:
        import cProfile
        import pstats

        client, url = clients[args.profile]["api" if args.api else "page"]
        for _ in range(5):
            one(client, url)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(args.requests):
            client.get(url)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
        return

    print(f"machine: {machine()}; load average {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")
    print(f"application: {args.src} {args.label}; {args.requests} requests each, language {args.language}")
    # wall time includes waiting for PostgreSQL and for the CPU on a shared machine; the application's own CPU
    # (process time) does not: the steadier measure of the Python a request costs when the machine is busy
    print(
        "| view | API first | API median | API p95 | API CPU median | API queries "
        "| page first | page median | page p95 | page CPU median | page queries |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for name in VIEWS:
        cells = []
        for kind in ("api", "page"):
            client, url = clients[name][kind]
            # the first request of the process: what each new gunicorn worker pays once (templates, caches)
            first = one(client, url)[0]
            for _ in range(2):  # warm: connection, templates, caches
                one(client, url)
            runs = [one(client, url) for _ in range(args.requests)]
            times = sorted(t for t, _q, _c in runs)
            p95 = times[min(len(times) - 1, round(0.95 * len(times)) - 1)]
            cpu = statistics.median(c for _t, _q, c in runs)
            cells += [
                f"{first:.0f} ms",
                f"{statistics.median(times):.1f} ms",
                f"{p95:.1f} ms",
                f"{cpu:.1f} ms",
                str(max(q for _t, q, _c in runs)),
            ]
        print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3])}")


if __name__ == "__main__":
    main()
