"""Poverty and inequality measures (DOMAIN.md §10), for analysts and for the pages that need one figure.

Plain functions over sequences of numbers with optional population weights; vectorised with NumPy. An empty
input has no value (``nan``), never a made-up 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Numbers = Sequence[float] | np.ndarray


def _arrays(values: Numbers, weights: Numbers | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=float)
    w = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    if x.shape != w.shape:
        raise ValueError("values and weights differ in length")
    if (w < 0).any():
        raise ValueError("weights must not be negative")
    return x, w


def fgt(values: Numbers, line: float, alpha: float, weights: Numbers | None = None) -> float:
    """Foster–Greer–Thorbecke: (1/N) Σ_{y < z} ((z − y)/z)^α, weighted by population (strict <).
    α = 0 is the headcount ratio, 1 the poverty gap, 2 the squared gap (severity)."""
    if line <= 0:
        raise ValueError("the poverty line must be positive")
    x, w = _arrays(values, weights)
    total = w.sum()
    if total == 0:
        return float("nan")
    poor = x < line
    gaps = np.where(poor, (line - x) / line, 0.0)
    return float((w * np.where(poor, gaps**alpha, 0.0)).sum() / total)


def gini(values: Numbers, weights: Numbers | None = None) -> float:
    """Gini coefficient, population form: Σᵢ Σⱼ wᵢ wⱼ |xᵢ − xⱼ| / (2 W² μ). 0 when everybody has the same
    (also when all have 0); computed in O(n log n) from the sorted values."""
    x, w = _arrays(values, weights)
    total = w.sum()
    if total == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    x, w = x[order], w[order]
    mean = (w * x).sum() / total
    if mean == 0:
        return 0.0
    before = np.cumsum(w) - w  # weight of the values sorted before each one
    # Σ_{i,j} wᵢwⱼ|xᵢ − xⱼ| = 2 Σₖ wₖxₖ (2Cₖ + wₖ − W), with Cₖ the weight before k
    return float((w * x * (2 * before + w - total)).sum() / (total**2 * mean))


@dataclass(frozen=True)
class AlkireFoster:
    """Alkire–Foster results: H (share of the population poor), A (mean weighted deprivation share among the
    poor), M0 = H × A (adjusted headcount), M1 and M2 (adjusted poverty gap and squared gap, from the censored
    normalised gaps). ``poor`` flags each row."""

    H: float
    A: float
    M0: float
    M1: float
    M2: float
    poor: np.ndarray


def alkire_foster(
    matrix,
    cutoffs: Numbers,
    weights: Numbers,
    k: float,
    population: Numbers | None = None,
) -> AlkireFoster:
    """Multidimensional poverty (Alkire–Foster counting): ``matrix`` holds one row per unit and one column per
    indicator (achievements); a unit is deprived in indicator j when its achievement is *below* ``cutoffs[j]``
    (strict <, as FGT); its score is the sum of the ``weights`` of its deprivations (weights are normalised to
    sum to 1); it is poor when the score is at least ``k``. Gaps are (z − x)/z for a positive cutoff and 1 for a
    deprivation with cutoff 0 or below (binary indicators coded 0 deprived / 1 not, cutoff 1). ``population``
    weights units (persons per household); an empty input gives nan throughout."""
    x = np.asarray(matrix, dtype=float)
    z = np.asarray(cutoffs, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.ndim != 2 or x.shape[1] != z.size or z.size != w.size:
        raise ValueError("matrix must be units × indicators, with one cutoff and one weight per indicator")
    if (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be non-negative and not all zero")
    if not 0 < k <= 1:
        raise ValueError("k must lie in (0, 1]")
    w = w / w.sum()
    n = x.shape[0]
    pop = np.ones(n) if population is None else np.asarray(population, dtype=float)
    if pop.shape != (n,):
        raise ValueError("one population weight per unit")
    total = pop.sum()
    if n == 0 or total == 0:
        nan = float("nan")
        return AlkireFoster(nan, nan, nan, nan, nan, np.zeros(0, dtype=bool))
    deprived = x < z
    score = deprived.astype(float) @ w
    poor = score >= k - 1e-12  # a score that equals k up to rounding of the weights is poor
    safe_z = np.where(z > 0, z, 1.0)
    gaps = np.where(deprived, np.where(z > 0, (z - x) / safe_z, 1.0), 0.0)
    censored = np.where(poor[:, None], gaps, 0.0)
    poor_pop = (pop * poor).sum()
    H = poor_pop / total
    A = float((pop * score * poor).sum() / poor_pop) if poor_pop else 0.0
    M1 = float((pop * (censored @ w)).sum() / total)
    M2 = float((pop * ((censored**2) @ w)).sum() / total)
    return AlkireFoster(float(H), A, float(H * A), M1, M2, poor)
