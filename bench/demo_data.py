"""Demo-data generation rate (households/s) on SQLite and PostgreSQL through the real services.

Baseline in the same run: drawing the same households without writing them (the generator alone), so the
ratio shows what validation, numbering, the database and the audit trail cost.
Usage: python bench/demo_data.py [--households 20000] [--engines sqlite,postgres]
"""

import argparse
import os
import re
import sys
import time

from _common import fresh_database_url, jingzhun, machine, peak_rss_mib

sys.path.insert(0, "src")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingzhun.settings")


def generator_only(n: int) -> float:
    import django

    django.setup()
    from jingzhun.registry.demo import DemoGenerator

    gen = DemoGenerator(seed=1, years=[2015, 2016], address_code="522634")
    started = time.perf_counter()
    for i in range(n):
        gen.household(f"522634100{200 + i % 20:03d}")
    return n / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=20000)
    parser.add_argument("--engines", default="sqlite,postgres")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    base = generator_only(min(args.households, 5000))
    print(f"baseline: generator alone {base:,.0f} households/s")
    for engine in args.engines.split(","):
        url = fresh_database_url(engine, "jingzhun_bench_demo")
        jingzhun(url, "migrate", "-v0")
        jingzhun(url, "regions", "load", "--extract")
        seconds, out = jingzhun(
            url, "demo-data", "--region", "522634", "--households", str(args.households), "--seed", "1"
        )
        rate = float(re.search(r"（([\d,]+) 户/秒）", out).group(1).replace(",", ""))
        print(
            f"{engine:<9} {args.households:,} households in {seconds:.1f} s (command), {rate:,.0f} households/s "
            f"in the services; ratio to generator alone {base / rate:.1f}×"
        )
    print(f"peak RSS of the bench driver: {peak_rss_mib():,.0f} MiB")


if __name__ == "__main__":
    main()
