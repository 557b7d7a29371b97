"""The early-warning score (issue 20, 预警) against the rule and the oracle, on generated histories whose true risk
is known (docs/warning-generator.md), then its scoring speed on a larger snapshot.

For each seed: a history of --households households over --years years (2019 on); the model is trained on the
scoring years 2021 … (last − 3) and judged on the held-out scoring year (last − 1), whose events are those of the
last year. Printed for (a) the model, (b) the rule "income below the monitoring line", (c) the oracle — and, as a
stronger reference, the ranking by income alone: AUC, precision and recall at the monitored share (households in
descending score until their persons reach 5 % of all persons: an evaluation cut-off only), and the gap-closing
ratio (model − rule) / (oracle − rule) on AUC and on precision. Then the same year with the shocks shifted in its
last year (illness × 0.4, disaster × 2.5, job loss × 3) and the drop.

Scoring speed: a snapshot of --score-households households (three years, for the features' history) scored by a
child process (DuckDB features in batches, LightGBM score and SHAP reasons), rows/s and its peak RSS, and the
time for 30 M households extrapolated from it. --score-snapshot DIR scores the last year of a snapshot written
elsewhere instead (30 M households: bench/national_snapshot.py --years 3), with the synthetic model when --seeds
is empty.

Usage: python bench/warning_bench.py [--households 200000] [--seeds 1 2 3] [--score-households 1000000]
       [--score-snapshot DIR] [--reason-floor F | --reason-share S]
       [--workdir /tmp/jz-warning-bench] [--threads 1] [--engine duckdb|pyspark]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _common import machine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

NATIONAL = 30_000_000


def evaluate_seed(seed: int, args) -> dict:
    from jingzhun.monitoring.warning import evaluation as ev
    from jingzhun.monitoring.warning import generator, model

    base = args.workdir / f"seed{seed}"
    started = time.perf_counter()
    standard = generator.generate(base / "standard", households=args.households, seed=seed, years=args.years)
    shifted = generator.generate(
        base / "shifted", households=args.households, seed=seed, years=args.years, last_mix=generator.SHIFTED
    )
    generated = time.perf_counter() - started
    years = standard.years
    train_years, test_year = years[2:-2], years[-2]
    started = time.perf_counter()
    parts = [ev.year_data(standard.root, y) for y in train_years]
    test = ev.year_data(standard.root, test_year)
    test_shifted = ev.year_data(shifted.root, test_year)
    featured = time.perf_counter() - started
    x, y = ev.stack(parts)
    del parts
    started = time.perf_counter()
    fitted = model.train(
        x,
        y,
        seed=seed,
        threads=args.threads,
        training={
            "source": "jingzhun.monitoring.warning.generator (docs/warning-generator.md)",
            "generator_seed": seed,
            "households": args.households,
            "years": train_years,
            "events_of": [t + 1 for t in train_years],
        },
    )
    trained = time.perf_counter() - started
    del x, y
    fitted.save(base / "model.json")
    results = {}
    for variant, data in (("standard", test), ("shifted", test_shifted)):
        rankings = {
            "model": fitted.predict(data.x),
            "rule": data.rule * 1.0,
            "income": data.income_rank,
            "oracle": data.oracle,
        }
        results[variant] = {name: ev.metrics(score, data) for name, score in rankings.items()}
        results[variant]["event_rate"] = float(data.event.mean())
    print(
        f"seed {seed}: {args.households:,} households, years {years[0]}–{years[-1]}; trained on scoring years "
        f"{train_years[0]}–{train_years[-1]} ({len(train_years) * args.households:,} rows, {trained:.0f} s), "
        f"tested on {test_year} (events of {test_year + 1}); generation {generated:.0f} s, features {featured:.0f} s",
        flush=True,
    )
    for variant in ("standard", "shifted"):
        r = results[variant]
        print(f"  {variant} (event rate {r['event_rate']:.1%}):")
        print(f"    {'ranking':<8} {'AUC':>6} {'prec@5%':>8} {'recall@5%':>10} {'households':>11}")
        for name in ("model", "rule", "income", "oracle"):
            m = r[name]
            print(f"    {name:<8} {m['auc']:6.3f} {m['precision']:8.3f} {m['recall']:10.3f} {m['taken']:11,}")
        for measure in ("auc", "precision"):
            r[f"gap_{measure}"] = ev.gap_closed(r["model"][measure], r["rule"][measure], r["oracle"][measure])
        print(f"    gap closed: AUC {r['gap_auc']:.2f}, precision@5% {r['gap_precision']:.2f}")
    drop_auc = results["standard"]["model"]["auc"] - results["shifted"]["model"]["auc"]
    drop_precision = results["standard"]["model"]["precision"] - results["shifted"]["model"]["precision"]
    print(
        f"  shift: the model's AUC drops {drop_auc:+.3f}, its precision@5% {drop_precision:+.3f}", flush=True
    )
    results["drop"] = {"auc": drop_auc, "precision": drop_precision}
    if not args.keep:
        shutil.rmtree(base / "shifted", ignore_errors=True)
    return results


def score_only(
    root: Path,
    year: int,
    model_path: Path,
    out: Path,
    threads: int,
    engine: str,
    floor: float,
    memory: str,
    share: float | None = None,
) -> None:
    """The child process: score one snapshot year and print what it took (JSON). On Spark the time includes
    starting the session (JVM), and the peak RSS is the Python driver's only."""
    from jingzhun.monitoring.warning import model, scoring

    fitted = model.load(model_path, threads=threads)
    started = time.perf_counter()
    if engine == "pyspark":
        scoring.spark_session()  # started here, so that its start is told apart (score_snapshot reuses it)
    session = time.perf_counter() - started
    result = scoring.score_snapshot(
        root,
        year,
        fitted,
        out=out,
        threads=threads,
        engine=engine,
        floor=floor,
        memory_limit=memory,
        share=share,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"rows": result.rows, "seconds": result.seconds, "session": session, "peak_rss_mib": peak})
    )


def throughput(args, model_path: Path) -> None:
    from jingzhun.monitoring.warning import generator
    from jingzhun.monitoring.warning.scoring import REASON_LEAST

    if args.score_snapshot:
        root = args.score_snapshot
        year = max(int(p.name) for p in root.iterdir() if p.name.isdigit() and (p / "households").exists())
        made = f"given snapshot {root}"
    else:
        root = args.workdir / "throughput"
        started = time.perf_counter()
        history = generator.generate(
            root, households=args.score_households, seed=99, first_year=2022, years=3
        )
        made = f"generated in {time.perf_counter() - started:.0f} s"
        year = history.years[-1]
    earlier = [y for y in (year - 2, year - 1) if (root / str(y) / "households").exists()]
    out = args.workdir / "scores.parquet"
    done = subprocess.run(
        [sys.executable, __file__, "--score-only", str(root), str(year), str(model_path), str(out),
         "--threads", str(args.threads), "--engine", args.engine, "--reason-floor", str(args.reason_floor), "--memory-limit", args.memory_limit,
         *(["--reason-share", str(args.reason_share)] if args.reason_share else [])],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"scoring failed ({done.returncode}):\n{done.stderr[-4000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    rate = figures["rows"] / figures["seconds"]
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    scores = pq.read_table(out, columns=["reasons"])
    with_reasons = pc.sum(pc.greater(pc.list_value_length(scores.column("reasons")), 0)).as_py() or 0
    print(
        f"scoring: {figures['rows']:,} households (snapshot {year} with "
        f"{', '.join(map(str, earlier)) or 'no earlier year'} for the history, {made}) in "
        f"{figures['seconds']:.1f} s = {rate:,.0f} households/s, "
        f"reasons for {with_reasons:,} ({with_reasons / figures['rows']:.0%}, "
        + (
            f"the top {args.reason_share:.0%} of each village, at least {REASON_LEAST}"
            if args.reason_share
            else f"score ≥ {args.reason_floor:g}"
        )
        + "); "
        f"peak RSS {figures['peak_rss_mib']:,.0f} MiB (the Python process); engine {args.engine}"
        + (f" (memory limit {args.memory_limit})" if args.engine == "duckdb" else "")
        + (f" (session start {figures['session']:.1f} s before it)" if args.engine == "pyspark" else "")
        + f"; {args.threads} thread(s) for LightGBM (per task on Spark); "
        f"load average {' '.join(f'{a:.1f}' for a in os.getloadavg())} (1, 5, 15 min)"
    )
    if args.score_snapshot:
        return
    print(
        f"  30 M households at this rate: {NATIONAL / rate / 60:,.0f} min (extrapolated, not run: "
        + (
            "memory is bounded by the batch and DuckDB's limit, so time grows linearly with the rows)"
            if args.engine == "duckdb"
            else "on Spark the cluster's cores divide it; this is the rate of JINGZHUN_SPARK_MASTER here)"
        )
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--years", type=int, default=7)
    parser.add_argument(
        "--seeds", type=int, nargs="*", default=[1, 2, 3], help="none: the scoring speed only"
    )
    parser.add_argument("--score-households", type=int, default=1_000_000)
    parser.add_argument(
        "--score-snapshot",
        type=Path,
        help="score this snapshot root's last year (e.g. bench/national_snapshot.py --years 3) instead of a "
        "generated one",
    )
    parser.add_argument(
        "--reason-floor",
        type=float,
        help="reasons for the households scoring at least this (default scoring.REASON_FLOOR; above 1: none, "
        "the score alone)",
    )
    parser.add_argument(
        "--reason-share",
        type=float,
        help="reasons for this share of each village's households, its top (at least scoring.REASON_LEAST), "
        "instead of the floor; the scores are computed twice",
    )
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB's memory limit while scoring")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/jz-warning-bench"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the generated histories")
    parser.add_argument(
        "--engine",
        choices=("duckdb", "pyspark"),
        default="duckdb",
        help="the scoring speed's engine (pyspark: JINGZHUN_SPARK_MASTER, default local[2])",
    )
    parser.add_argument(
        "--score-only", nargs=4, metavar=("ROOT", "YEAR", "MODEL", "OUT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.reason_floor is None:
        from jingzhun.monitoring.warning.scoring import REASON_FLOOR

        args.reason_floor = REASON_FLOOR
    if args.score_only:
        root, year, model_path, out = args.score_only
        score_only(
            Path(root),
            int(year),
            Path(model_path),
            Path(out),
            args.threads,
            args.engine,
            args.reason_floor,
            args.memory_limit,
            args.reason_share,
        )
        return
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}", flush=True)
    args.workdir.mkdir(parents=True, exist_ok=True)
    summary = {seed: evaluate_seed(seed, args) for seed in args.seeds}
    met = [
        s
        for s, r in summary.items()
        if r["standard"]["gap_auc"] >= 0.5 and r["standard"]["gap_precision"] >= 0.5
    ]
    if summary:
        print(
            f"gap closed ≥ 0.5 on both AUC and precision@5% on the held-out year: {len(met)} of {len(summary)} "
            f"seeds ({', '.join(map(str, met)) or 'none'}); target: at least 3",
            flush=True,
        )
    if args.score_households or args.score_snapshot:
        if args.seeds:
            model_path = args.workdir / f"seed{args.seeds[0]}" / "model.json"
        else:
            from jingzhun.monitoring.warning.evaluation import synthetic_model

            model_path = synthetic_model(args.workdir / "model.json", households=50_000)
        throughput(args, model_path)
    if not args.keep:
        for seed in args.seeds:
            shutil.rmtree(args.workdir / f"seed{seed}" / "standard", ignore_errors=True)
        shutil.rmtree(args.workdir / "throughput", ignore_errors=True)


if __name__ == "__main__":
    main()
