"""Design-based estimates of the third-party check: 错退率, 漏评率 (ratios of persons) and 群众满意度 (a share of
households), with standard errors by Taylor linearisation over the design (strata, villages as PSUs, weights)
from samplics, and a Korn–Graubard interval — Clopper–Pearson on the design's effective sample size — which
stays honest at zero: most counties' samples find no 错退 and no 漏评, where a Wald or logit interval collapses
to [0, 0] (docs/decisions.md)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

with warnings.catch_warnings():
    warnings.simplefilter("ignore", FutureWarning)
    from samplics import PopParam, SinglePSUEst, TaylorEstimator

ALPHA = 0.05
METHOD = "Taylor linearisation (samplics); Korn–Graubard 95% interval"


@dataclass(frozen=True)
class Result:
    point: float
    se: float
    low: float
    high: float
    n: int  # units behind the denominator (persons or households), unweighted
    n_eff: float
    psus: int
    strata: int
    numerator: float  # unweighted, the list behind the figure
    denominator: float


def korn_graubard(p: float, se: float, n: int, df: int, alpha: float = ALPHA) -> tuple[float, float, float]:
    """(low, high, effective n): Clopper–Pearson with n* = p(1−p)/se² (n where p is 0 or 1, or se 0), capped
    at n and scaled by (t_{n−1} / t_df)² for the design's degrees of freedom (Korn & Graubard 1998)."""
    if n <= 0:
        return 0.0, 1.0, 0.0
    n_eff = min(float(n), p * (1 - p) / se**2) if (0 < p < 1 and se > 0) else float(n)
    if df > 0 and n > 1:
        n_eff *= (stats.t.ppf(1 - alpha / 2, n - 1) / stats.t.ppf(1 - alpha / 2, df)) ** 2
    n_eff = min(n_eff, float(n))
    x = p * n_eff
    low = 0.0 if x <= 0 else float(stats.beta.ppf(alpha / 2, x, n_eff - x + 1))
    high = 1.0 if x >= n_eff else float(stats.beta.ppf(1 - alpha / 2, x + 1, n_eff - x))
    return low, high, n_eff


def estimate(
    *, y, weights, strata, psus, x=None, units: int | None = None, alpha: float = ALPHA
) -> Result:  # fmt: skip
    """The ratio Σwy/Σwx (``x`` given) or the mean of ``y`` over the design, with its SE and interval. ``units``
    is the count behind the denominator for the interval (default: Σx, or the number of rows)."""
    y = np.asarray(y, dtype=float)
    w = np.asarray(weights, dtype=float)
    strata = np.asarray(strata, dtype=object)
    psus = np.asarray(psus, dtype=object)
    xs = np.ones_like(y) if x is None else np.asarray(x, dtype=float)
    n_strata, n_psus = len(set(strata.tolist())), len(set(zip(strata.tolist(), psus.tolist(), strict=True)))
    n = int(units if units is not None else xs.sum())
    numerator, denominator = float(y.sum()), float(xs.sum())
    if denominator <= 0 or (w * xs).sum() <= 0:
        return Result(float("nan"), float("nan"), 0.0, 1.0, 0, 0.0, n_psus, n_strata, numerator, denominator)
    point = float((w * y).sum() / (w * xs).sum())
    if point == 0 or n_psus < 2:  # samplics divides by the estimate (its coefficient of variation)
        se = 0.0
    else:
        est = TaylorEstimator(PopParam.ratio if x is not None else PopParam.mean, alpha=alpha)
        kwargs = {"x": xs} if x is not None else {}
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            est.estimate(
                y=y, samp_weight=w, stratum=strata, psu=psus, single_psu=SinglePSUEst.certainty, **kwargs
            )  # fmt: skip
        se = float(est.stderror)
        if not np.isfinite(se):
            se = 0.0
    low, high, n_eff = korn_graubard(point, se, n, n_psus - n_strata, alpha)
    return Result(point, se, low, high, n, float(n_eff), n_psus, n_strata, numerator, denominator)
