"""Dashboards under load at national scale: requests/s and p95 for national, province, city and county views.

Uses the PostgreSQL database of `bench/national_snapshot.py` (region codes loaded): stores the national
rollup there (computed on DuckDB from the 30 M-household snapshot, timed) and the villages' year records (贫困村
designated and exited, as the dashboards count them), creates a national, a provincial,
a prefecture's and a county user, serves the app with gunicorn (production settings, 2 workers) on loopback, and drives it with
wrk from a second process: the figures API and the HTML dashboard, for each user's home region.

Usage: python bench/dashboard_load.py --snapshot DIR/2016 [--database postgres://…/jingzhun_bench_analytics]
       [--seconds 15] [--connections 8] [--static-root DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import PG_SERVER, ROOT, machine

P95_SCRIPT = """
done = function(summary, latency, requests)
  io.write(string.format("p95_us %d\\n", latency:percentile(95)))
end
"""
USERS = {"national": None, "province": "520000000000", "city": "522600000000", "county": "522634000000"}


SECRET = "bench-only-" + "x" * 50  # the server and this process sign the same sessions


def setup(database: str, snapshot: Path) -> dict:
    """Store the rollup (unless already there) and return users' API tokens and session cookies."""
    os.environ["DATABASE_URL"] = database
    os.environ["DJANGO_SECRET_KEY"] = SECRET
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from rest_framework.authtoken.models import Token

    from jingzhun.accounts.choices import Role
    from jingzhun.accounts.models import User
    from jingzhun.analytics.models import RegionFigures
    from jingzhun.analytics.services import compute_figures, store_figures

    year = json.loads((snapshot / "manifest.json").read_text())["year"]
    if RegionFigures.objects.filter(year=year).count() < 600_000:
        started = time.perf_counter()
        table = compute_figures(year=year, engine="duckdb", root=snapshot)
        computed = time.perf_counter() - started
        started = time.perf_counter()
        store_figures(year=year, table=table, engine="duckdb")
        print(
            f"rollup computed in {computed:.1f} s, {table.num_rows:,} rows stored in {time.perf_counter() - started:.1f} s"
        )
    village_years()
    auth = {}
    for name, region in USERS.items():
        user, _ = User.objects.get_or_create(
            username=f"bench_{name}",
            defaults={"role": Role.ADMIN if region is None else Role.VIEWER, "region_id": region},
        )
        session = SessionStore()
        session["_auth_user_id"], session["_auth_user_backend"] = (
            str(user.pk),
            settings.AUTHENTICATION_BACKENDS[0],  # the project's backend: a session naming another is refused
        )
        session["_auth_user_hash"] = user.get_session_auth_hash()
        session.create()
        auth[name] = {"token": Token.objects.get_or_create(user=user)[0].key, "session": session.session_key}
    return auth


VILLAGE_YEARS = """
INSERT INTO identification_villageyear (year, checklist, status, status_reason, exit_stage, updated_at, region_id)
SELECT y, '{}'::jsonb,
       CASE WHEN poor AND y = 2014 THEN 'poor' WHEN poor AND y = exit_year THEN 'exited' ELSE '' END,
       '', '', now(), code
FROM (SELECT code, (hashtext(code) % 1000 + 1000) % 1000 < 206 AS poor,
             2016 + ((hashtext(code || 'x') % 5 + 5) % 5) AS exit_year
      FROM regions_region WHERE level = 5) v
CROSS JOIN generate_series(2014, 2020) y
"""


def village_years() -> None:
    """A year record for every village 2014–2020, 20.6 % designated 贫困村 in 2014 (128,000 of the 620,000:
    the national figure) and each of them exited in one of 2016–2020: what the dashboards' village counts read
    nationally (without them the bench hid a 1.7 s count on every national page). Set-based, once."""
    from django.db import connection

    from jingzhun.identification.models import VillageYear

    if VillageYear.objects.exists():
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(VILLAGE_YEARS)
        cursor.execute("ANALYZE identification_villageyear")
    print(f"village years: {VillageYear.objects.count():,} written in {time.perf_counter() - started:.1f} s")


def ready(port: int, server) -> None:
    """Wait until both workers answer: the master listens before its workers boot, and each worker loads every
    view while it boots (``jingzhun.wsgi``), so the first measure would otherwise queue behind the boot. Four
    requests at once to the health check, answered only by booted workers, until all four answer."""
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    def health(_i) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
                return response.status == 200
        except OSError:
            return False

    ready_by = time.monotonic() + 120
    with ThreadPoolExecutor(4) as pool:
        while not all(pool.map(health, range(4))):
            if time.monotonic() > ready_by or server.poll() is not None:
                raise SystemExit("gunicorn did not start")
            time.sleep(0.5)


def wrk(url: str, header: str, seconds: int, connections: int, script: str) -> tuple[float, float]:
    import urllib.request

    name, value = header.split(": ", 1)
    with urllib.request.urlopen(urllib.request.Request(url, headers={name: value})) as response:
        body = response.read().decode()
        if (
            response.status != 200
            or response.url != url
            or ("key-figures" not in body and '"region"' not in body)
        ):
            raise SystemExit(f"{url} does not answer with a dashboard ({response.status} {response.url})")
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-H", header, "-s", script, url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p95 = int(re.search(r"p95_us (\d+)", out).group(1)) / 1000
    if "Non-2xx" in out:
        raise SystemExit(f"errors under load at {url}:\n{out}")
    return rps, p95


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--snapshot", type=Path, required=True)
    parser.add_argument("--database", default=f"{PG_SERVER}/jingzhun_bench_analytics")
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8031)
    parser.add_argument(
        "--static-root", type=Path, help="collected static files to reuse (collectstatic is skipped when it holds a "
        "manifest: minutes on a busy machine)",
    )  # fmt: skip
    args = parser.parse_args()
    if shutil.which("wrk") is None:  # checked before minutes of set-up, not after
        raise SystemExit("wrk drives the load: install it first (Debian: apt-get install wrk)")
    auth = setup(args.database, args.snapshot)
    static_root = str(args.static_root or tempfile.mkdtemp(prefix="jz-static-"))
    env = {
        **os.environ, "DATABASE_URL": args.database, "JINGZHUN_ENV": "production",
        "DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_CONN_MAX_AGE": "60", "DJANGO_SECURE_SSL_REDIRECT": "false", "DJANGO_STATIC_ROOT": static_root,
        "JINGZHUN_API_USER_RATE": "1000000/min",
    }  # fmt: skip
    if not (Path(static_root) / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "-m", "jingzhun.cli", "collectstatic", "--no-input", "-v0"], env=env, check=True
        )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "jingzhun.wsgi", "-w", "2", "-b", f"127.0.0.1:{args.port}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )  # fmt: skip
    try:
        ready(args.port, server)
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
            fh.write(P95_SCRIPT)
        print(
            f"machine: {machine()}; gunicorn 2 workers, wrk 2 threads × {args.connections} connections, {args.seconds} s each"
        )
        print("| view | API requests/s | API p95 | page requests/s | page p95 | load average after |")
        print("|---|---|---|---|---|---|")
        for name in USERS:
            base = f"http://127.0.0.1:{args.port}"
            api = wrk(f"{base}/api/v1/analytics/figures/", f"Authorization: Token {auth[name]['token']}",
                      args.seconds, args.connections, fh.name)  # fmt: skip
            page = wrk(f"{base}/analytics/", f"Cookie: sessionid={auth[name]['session']}",
                       args.seconds, args.connections, fh.name)  # fmt: skip
            load = Path("/proc/loadavg").read_text().split()[0]  # the machine's load while it ran
            print(
                f"| {name} | {api[0]:,.0f} | {api[1]:.1f} ms | {page[0]:,.0f} | {page[1]:.1f} ms | {load} |",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
