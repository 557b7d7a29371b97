"""Judging a ranking against the events that followed: AUC and precision/recall at the monitored share, and
the data sets made from a generated history (features of a snapshot year, events of the next)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
from scipy.stats import rankdata

from . import features
from .generator import MONITORING_FACTOR
from .model import matrix

MONITORED_SHARE = 0.05  # about 5 % of the registered population (DOMAIN.md §8): an evaluation cut-off only


def auc(score: np.ndarray, event: np.ndarray) -> float:
    """Area under the ROC curve (Mann–Whitney; ties count half)."""
    event = event.astype(bool)
    positives, negatives = int(event.sum()), int((~event).sum())
    if positives == 0 or negatives == 0:
        return float("nan")
    ranks = rankdata(score)
    return float((ranks[event].sum() - positives * (positives + 1) / 2) / (positives * negatives))


def at_share(
    score: np.ndarray,
    event: np.ndarray,
    persons: np.ndarray,
    *,
    share: float = MONITORED_SHARE,
    seed: int = 0,
) -> tuple[float, float, int]:
    """(precision, recall, households taken) when households are taken in descending score — ties in a fixed
    random order — until their persons reach ``share`` of all persons."""
    tiebreak = np.random.default_rng(seed).random(len(score))
    order = np.lexsort((tiebreak, -score))
    cumulative = np.cumsum(persons[order])
    taken = int(np.searchsorted(cumulative, share * cumulative[-1], side="right"))
    chosen = event[order[:taken]].astype(bool)
    return float(chosen.mean()), float(chosen.sum() / max(event.sum(), 1)), taken


@dataclass
class YearData:
    """One scoring year of a generated history: features, next year's events, the oracle and the rule."""

    year: int
    household_id: np.ndarray
    x: np.ndarray
    event: np.ndarray
    oracle: np.ndarray
    persons: np.ndarray
    income_ratio: np.ndarray  # this year's per-capita net income ÷ poverty line (NaN: no record)

    @property
    def rule(self) -> np.ndarray:
        """The rule: income of this year below the monitoring line (1 / 0; no record counts as not below)."""
        return np.nan_to_num(self.income_ratio, nan=np.inf) < MONITORING_FACTOR

    @property
    def income_rank(self) -> np.ndarray:
        """Lowest income first (no record last)."""
        return -np.nan_to_num(self.income_ratio, nan=np.inf)


def year_data(root: Path, year: int, *, con=None) -> YearData:
    """Features of the snapshot ``year`` under ``root`` lined up with the truth: next year's events and the
    oracle's probability of them."""
    root = Path(root)
    table = features.feature_table(root, year, con=con)
    ids = table.column("household_id").to_numpy()
    order = np.argsort(ids)
    truth = pq.read_table(root / "truth" / f"{year}.parquet")
    following = pq.read_table(root / "truth" / f"{year + 1}.parquet")
    truth_ids = truth.column("household_id").to_numpy()
    if not np.array_equal(ids[order], truth_ids):
        raise ValueError("the snapshot's households are not the truth's")
    x = matrix(table)[order]
    return YearData(
        year=year,
        household_id=ids[order],
        x=x,
        event=following.column("event").to_numpy(zero_copy_only=False).astype(bool),
        oracle=truth.column("oracle_next").to_numpy(),
        persons=truth.column("persons").to_numpy(),
        income_ratio=x[:, features.FEATURES.index("income_ratio")],
    )


def stack(parts: list[YearData]) -> tuple[np.ndarray, np.ndarray]:
    """Training rows of several years: (x, events)."""
    return np.vstack([p.x for p in parts]), np.concatenate([p.event for p in parts])


def metrics(score: np.ndarray, data: YearData, *, share: float = MONITORED_SHARE) -> dict:
    precision, recall, taken = at_share(score, data.event, data.persons, share=share)
    return {"auc": auc(score, data.event), "precision": precision, "recall": recall, "taken": taken}


def gap_closed(model: float, rule: float, oracle: float) -> float:
    """(model − rule) / (oracle − rule): 0 no better than the rule, 1 as good as the oracle."""
    return (model - rule) / (oracle - rule) if oracle != rule else float("nan")


def train_on_history(
    root: Path, years: list[int], *, seed: int = 0, threads: int = 1, training: dict | None = None
):
    """A model trained on the scoring ``years`` of the generated history under ``root`` (next years' events)."""
    from .model import train

    x, y = stack([year_data(root, year) for year in years])
    summary = {"source": str(root), "years": list(years), "events_of": [year + 1 for year in years]}
    return train(x, y, seed=seed, threads=threads, training={**summary, **(training or {})})


def synthetic_model(
    out: Path, *, households: int = 50_000, seed: int = 2026, workdir: Path | None = None
) -> Path:
    """Write a model trained on a generated history to ``out`` — the demo's model until confirmed monitoring cases
    of real years can be the events (its training summary says it is synthetic)."""
    import shutil
    import tempfile

    from .generator import generate

    work = Path(workdir or tempfile.mkdtemp(prefix="jz-warning-"))
    try:
        history = generate(work / "history", households=households, seed=seed)
        fitted = train_on_history(
            history.root,
            history.years[2:-1],
            seed=seed,
            training={
                "source": "synthetic (docs/warning-generator.md)",
                "generator_seed": seed,
                "households": households,
            },
        )
        return fitted.save(out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
