"""Scoring a snapshot year: every household's risk of needing monitoring next year, with its top reasons in words.

The features come out of DuckDB (``features.features_sql`` over the snapshot's Parquet) as a stream of Arrow
batches; each batch is scored (the score and its SHAP contributions from one LightGBM call), given its reasons,
and appended to a Parquet file — memory stays at one batch plus DuckDB's own limit, whatever the number of
households. A snapshot partitioned by province is scored one province at a time (``features.provinces``): as one
query over 30 M households the joins and groupings outgrew DuckDB's limit after spilling ~33 GB to disk (out of
memory at 2 GB and at 4 GB); the largest province holds ~6 % of the households. The file is written beside its
final name and renamed, so a failed run leaves the last scores whole.

The national case runs on Spark (``engine="pyspark"``, ``score_snapshot_spark``): the same feature SQL over the
snapshot's tables as Spark views, the model broadcast and applied per partition by the same ``score_batches``, the
same scores file at the end.

``score_year(year)`` is the one call the monitoring app makes after each rollup; ``ranked`` gives a village's or
township's list for the cadres, highest risk first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from jingzhun.core import spark

from . import features
from .features import FEATURES
from .model import WarningModel, load, matrix
from .reasons import describe

SCORES = pa.schema(
    [
        ("household_id", pa.int64()),
        ("village", pa.string()),
        ("score", pa.float64()),
        ("reasons", pa.list_(pa.string())),
        ("year", pa.int64()),
        ("scored_on", pa.date32()),
        ("model", pa.string()),
    ]
)
BATCH_ROWS = 100_000
TOP_REASONS = 3
# Reasons (SHAP contributions, ~30× the cost of the score itself) are worked out for the households whose score
# is at least this; below it the list is empty: the household ranks where it ranks, with nothing that stands out.
# 0 gives reasons to every household.
REASON_FLOOR = 0.05
# Or, where the model's scale does not fit the population (a model trained on other years puts 95 % of a
# 2016-like registry above the floor, and 30 M households' reasons take hours), reasons for the top of each
# village's list: the share ``reason_share`` of its households, at least REASON_LEAST of them — the households a
# village's cadres visit first, whatever the scale, at a cost bounded by the share.
REASON_LEAST = 3


@dataclass(frozen=True)
class ScoreResult:
    """Where the scores lie, for which snapshot year, how many households, and how long it took."""

    path: Path
    year: int
    rows: int
    seconds: float
    scored_on: date
    model: str


_MIN = FEATURES.index("income_min")
_YEARS = [FEATURES.index(name) for name in ("income_ratio", "income_ratio_1", "income_ratio_2")]


def _merge_lowest_income(contributions: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The lowest income of three years is one of them: its credit goes to that year (SHAP contributions add),
    so a list never says the same income twice ("今年…偏低" and "近三年最低…")."""
    contributions = contributions.copy()
    unmerged = np.ones(len(x), dtype=bool)
    for f in _YEARS:
        same = unmerged & (x[:, f] == x[:, _MIN])
        contributions[same, f] += contributions[same, _MIN]
        contributions[same, _MIN] = 0.0
        unmerged &= ~same
    return contributions


def reason_lists(contributions: np.ndarray, x: np.ndarray, *, top: int = TOP_REASONS) -> pa.ListArray:
    """Per row the words for the ``top`` features that raised its score most (positive contributions only).
    Vectorised per feature: each distinct value is put into words once per batch."""
    n = len(x)
    k = min(top, contributions.shape[1])
    contributions = _merge_lowest_income(contributions, x)
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :k]
    raised = np.take_along_axis(contributions, order, axis=1) > 0
    words = np.empty((n, k), dtype=object)
    for f, name in enumerate(FEATURES):
        where = (order == f) & raised
        if not where.any():
            continue
        values = x[:, f][where.nonzero()[0]]
        distinct, inverse = np.unique(values, return_inverse=True)
        said = np.array([describe(name, float(v)) for v in distinct], dtype=object)
        words[where] = said[inverse.ravel()]
    counts = raised.sum(axis=1)
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(words[raised].tolist(), type=pa.string()))


def _reasons(
    model: WarningModel, x: np.ndarray, score: np.ndarray, *, top: int, floor: float, chosen=None
) -> pa.ListArray:
    chosen = np.flatnonzero(score >= floor if chosen is None else chosen)
    contributions = np.zeros((len(x), len(FEATURES)))  # all zero: no reason
    if len(chosen):
        full = model.booster.predict(x[chosen], pred_contrib=True, num_threads=model.threads)
        contributions[chosen] = full[:, : len(FEATURES)]
    return reason_lists(contributions, x, top=top)


def _among(ids: pa.Array, chosen: np.ndarray | None) -> np.ndarray | None:
    """Which of ``ids`` are in the sorted array ``chosen`` (a binary search each: a batch of 100,000 against
    millions of chosen households costs milliseconds)."""
    if chosen is None:
        return None
    ids = ids.to_numpy(zero_copy_only=False)
    if not len(chosen):
        return np.zeros(len(ids), dtype=bool)
    at = np.minimum(np.searchsorted(chosen, ids), len(chosen) - 1)
    return chosen[at] == ids


def village_tops(
    scores: Path, *, share: float, least: int = REASON_LEAST, memory_limit: str = "2GB"
) -> np.ndarray:
    """The household ids (sorted) at the top of each village's list in the scores file ``scores``: the share
    ``share`` of its households, rounded up, and at least ``least`` of them (all, in a smaller village); ties
    broken by household id, as ``ranked`` lists them."""
    con = features.connect(threads=None, memory_limit=memory_limit)
    query = """
        SELECT household_id FROM (
            SELECT household_id,
                   row_number() OVER (PARTITION BY village ORDER BY score DESC, household_id) AS r,
                   count(*) OVER (PARTITION BY village) AS n
            FROM read_parquet(?)
        ) WHERE r <= greatest(ceil(? * n), least(?, n))
        ORDER BY household_id
    """
    try:
        found = con.execute(query, [str(scores), float(share), int(least)]).fetchnumpy()["household_id"]
        return np.asarray(found, dtype=np.int64)
    finally:
        con.close()


def score_batches(
    model: WarningModel,
    batches,
    *,
    year: int,
    scored_on: date,
    top: int = TOP_REASONS,
    floor: float = REASON_FLOOR,
    chosen: np.ndarray | None = None,
):
    """The scores table's record batches for the feature batches ``batches``; with ``chosen`` (sorted household
    ids) the reasons are for those households instead of those scoring at least ``floor``."""
    for batch in batches:
        if batch.num_rows == 0:
            continue
        x = matrix(batch)
        score = model.predict(x)
        n = batch.num_rows
        ids = batch.column("household_id").cast(pa.int64())
        yield pa.RecordBatch.from_arrays(
            [
                ids,
                batch.column("village").cast(pa.string()),
                pa.array(score),
                _reasons(model, x, score, top=top, floor=floor, chosen=_among(ids, chosen)),
                pa.repeat(pa.scalar(year, pa.int64()), n),
                pa.repeat(pa.scalar(scored_on, pa.date32()), n),
                pa.repeat(pa.scalar(model.label, pa.string()), n),
            ],
            schema=SCORES,
        )


def score_snapshot(
    root: Path,
    year: int,
    model: WarningModel,
    *,
    out: Path,
    scored_on: date | None = None,
    batch_rows: int = BATCH_ROWS,
    threads: int | None = None,
    memory_limit: str = "2GB",
    top: int = TOP_REASONS,
    floor: float = REASON_FLOOR,
    share: float | None = None,
    engine: str = "duckdb",
) -> ScoreResult:
    """Score every household of the snapshot of ``year`` under ``root`` and write the scores to ``out``;
    ``engine="pyspark"`` computes the features and scores on Spark (``score_snapshot_spark``).

    With ``share`` (0 < share ≤ 1) the reasons are for the top of each village's list (``village_tops``)
    instead of the households scoring at least ``floor``: a first pass writes the scores alone, the villages'
    tops are read from it, and a second pass writes the scores with those households' reasons (the features
    and the score twice — cheap beside the reasons they spare)."""
    if share is not None:
        if not 0 < share <= 1:
            raise ValueError(f"the reasons' share must lie in (0, 1], not {share}")
        if engine != "duckdb":
            raise ValueError("reasons for the top of each village are worked out on DuckDB only")
        started = time.perf_counter()
        first = Path(out).with_name(Path(out).name + ".scores-only")
        options = {
            "scored_on": scored_on,
            "batch_rows": batch_rows,
            "threads": threads,
            "memory_limit": memory_limit,
        }
        try:
            score_snapshot(root, year, model, out=first, top=top, floor=float("inf"), **options)
            chosen = village_tops(first, share=share, memory_limit=memory_limit)
        finally:
            first.unlink(missing_ok=True)
        result = _score_duckdb(root, year, model, out=out, top=top, floor=floor, chosen=chosen, **options)
        return ScoreResult(
            path=result.path, year=year, rows=result.rows, seconds=time.perf_counter() - started,
            scored_on=result.scored_on, model=result.model,
        )  # fmt: skip
    if engine == "pyspark":
        return score_snapshot_spark(
            root, year, model, out=out, scored_on=scored_on, batch_rows=batch_rows, threads=threads or 1,
            top=top, floor=floor,
        )  # fmt: skip
    if engine != "duckdb":
        raise ValueError(f"unknown engine {engine!r}: one of {', '.join(ENGINES)}")
    return _score_duckdb(
        root, year, model, out=out, scored_on=scored_on, batch_rows=batch_rows, threads=threads,
        memory_limit=memory_limit, top=top, floor=floor,
    )  # fmt: skip


def _score_duckdb(
    root: Path,
    year: int,
    model: WarningModel,
    *,
    out: Path,
    scored_on: date | None,
    batch_rows: int,
    threads: int | None,
    memory_limit: str,
    top: int,
    floor: float,
    chosen: np.ndarray | None = None,
) -> ScoreResult:
    started = time.perf_counter()
    scored_on = scored_on or date.today()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    con = features.connect(threads=threads, memory_limit=memory_limit)
    rows = 0
    try:
        with pq.ParquetWriter(tmp, SCORES) as writer:
            for province in features.provinces(root, year) or [None]:
                reader = features.feature_batches(root, year, con=con, rows=batch_rows, province=province)
                for batch in score_batches(
                    model, reader, year=year, scored_on=scored_on, top=top, floor=floor, chosen=chosen
                ):
                    writer.write_batch(batch)
                    rows += batch.num_rows
        tmp.replace(out)
    finally:
        con.close()
        tmp.unlink(missing_ok=True)
    return ScoreResult(
        path=out,
        year=year,
        rows=rows,
        seconds=time.perf_counter() - started,
        scored_on=scored_on,
        model=model.label,
    )


ENGINES = ("duckdb", "pyspark")


def spark_session(master: str | None = None):
    """The early warning's Spark session (``core.spark.session``: one recipe for every Spark engine, measured on
    the funds alerts); ``getOrCreate``: an already-running session (the indicators') is reused."""
    return spark.session("jingzhun-warning", master)


def spark_features(session, root: Path, year: int):
    """The features of ``year`` as a Spark DataFrame: the snapshot's tables as temporary views, then the same
    query DuckDB runs (``features.features_query``)."""
    for name, (table, folder) in features.snapshot_views(root, year).items():
        frame = session.read.parquet(str(folder)) if folder else session.sql(features.empty_view(table))
        frame.createOrReplaceTempView(name)
    return session.sql(features.features_query(year))


def _spark_scorer(model_text, meta: dict, *, year: int, scored_on: date, top: int, floor: float):
    """The function ``mapInArrow`` runs on the executors: the model rebuilt once per partition from the
    broadcast text, then ``score_batches`` — the very code of the DuckDB path — over the partition's batches."""

    def score(batches):
        import lightgbm as lgb

        booster = lgb.Booster(model_str=model_text.value)
        fitted = WarningModel(booster=booster, **meta)
        yield from score_batches(fitted, batches, year=year, scored_on=scored_on, top=top, floor=floor)

    return score


SPARK_SCORES = (
    "household_id BIGINT, village STRING, score DOUBLE, reasons ARRAY<STRING>, year BIGINT, scored_on DATE, "
    "model STRING"
)


def score_snapshot_spark(
    root: Path,
    year: int,
    model: WarningModel,
    *,
    out: Path,
    scored_on: date | None = None,
    session=None,
    batch_rows: int = BATCH_ROWS,
    threads: int = 1,
    top: int = TOP_REASONS,
    floor: float = REASON_FLOOR,
) -> ScoreResult:
    """``score_snapshot`` on Spark: the features by Spark SQL over the snapshot, the model applied on the
    executors (``mapInArrow``, the model file's booster broadcast; ``threads`` LightGBM threads per task, one
    by default as Spark runs a task per core). The executors write Parquet parts beside ``out``; they are then
    joined into the one file ``ranked`` reads, renamed into place like the DuckDB path's."""
    import shutil

    started = time.perf_counter()
    scored_on = scored_on or date.today()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = out.with_name(out.name + ".spark")
    tmp = out.with_name(out.name + ".part")
    session = session or spark_session()
    session.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
    text = session.sparkContext.broadcast(model.booster.model_to_string())
    meta = {
        "features": model.features,
        "training": {},
        "version": model.version,
        "created": model.created,
        "threads": threads,
    }
    rows = 0
    try:
        scorer = _spark_scorer(text, meta, year=year, scored_on=scored_on, top=top, floor=floor)
        spark_features(session, root, year).mapInArrow(scorer, SPARK_SCORES).write.mode("overwrite").parquet(
            str(parts)
        )
        with pq.ParquetWriter(tmp, SCORES) as writer:
            for part in sorted(parts.glob("*.parquet")):
                file = pq.ParquetFile(part)
                for group in range(file.num_row_groups):
                    table = file.read_row_group(group).cast(SCORES)
                    writer.write_table(table)
                    rows += table.num_rows
        tmp.replace(out)
    finally:
        text.unpersist()
        tmp.unlink(missing_ok=True)
        shutil.rmtree(parts, ignore_errors=True)
    return ScoreResult(
        path=out,
        year=year,
        rows=rows,
        seconds=time.perf_counter() - started,
        scored_on=scored_on,
        model=model.label,
    )


def default_paths(year: int) -> tuple[Path, Path, Path]:
    """(snapshot root, model file, scores file) from the settings: ``SNAPSHOT_DIR``, ``WARNING_MODEL`` (default
    ``DATA_DIR/warning/model.json``) and ``DATA_DIR/warning/scores/<year>.parquet``."""
    from django.conf import settings

    data = Path(settings.DATA_DIR)
    model = Path(getattr(settings, "WARNING_MODEL", "") or data / "warning" / "model.json")
    return Path(settings.SNAPSHOT_DIR), model, data / "warning" / "scores" / f"{year}.parquet"


def score_year(year: int, *, scored_on: date | None = None, **options) -> ScoreResult:
    """The one call after a rollup: score the snapshot of ``year`` with the installed model (refused with a
    clear message if its features do not match the code's) and write the scores where ``ranked`` finds them."""
    root, model_path, out = default_paths(year)
    return score_snapshot(root, year, load(model_path), out=out, scored_on=scored_on, **options)


def warning_after_rollup(year: int) -> ScoreResult | None:
    """Re-score ``year`` after its rollup wrote a fresh snapshot: nothing where no model is installed or the
    snapshot lacks the earlier years the features need (logged, never failing the rollup)."""
    import logging

    _root, model_path, _out = default_paths(year)
    if not model_path.exists():
        return None
    try:
        return score_year(year)
    except Exception as exc:  # a refused model or missing years must not fail the rollup
        logging.getLogger(__name__).warning("early-warning scores of %s not written: %s", year, exc)
        return None


def region_prefix(code: str) -> str:
    """The code prefix of a region's subtree: ``520103100000`` (a township) → ``520103100``."""
    for length in (2, 4, 6, 9):
        if set(code[length:]) <= {"0"}:
            return code[:length]
    return code


def ranked(scores: Path, region: str, *, limit: int | None = None) -> list[dict]:
    """The households of ``region`` (a village, township or any region code) from the scores file, highest
    risk first, each with its rank, score, reasons and the date scored."""
    import duckdb

    con = duckdb.connect()
    try:
        query = (
            "SELECT row_number() OVER (ORDER BY score DESC, household_id) AS rank, household_id, village, score, "
            "reasons, scored_on FROM read_parquet(?) WHERE starts_with(village, ?) "
            "ORDER BY score DESC, household_id" + (" LIMIT ?" if limit else "")
        )
        params = [str(scores), region_prefix(region)] + ([limit] if limit else [])
        cursor = con.execute(query, params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        con.close()
