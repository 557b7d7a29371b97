"""Poverty and inequality measures (DOMAIN.md §10), for analysts and for the pages that need one figure.

Plain functions over sequences of numbers with optional population weights; vectorised with NumPy. An empty
input has no value (``nan``), never a made-up 0.
"""

from __future__ import annotations

from collections.abc import Sequence

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
