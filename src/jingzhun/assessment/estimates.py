"""Design-based estimates of the third-party check: 错退率, 漏评率 (ratios of persons) and 群众满意度 (a share of
households) and 综合贫困发生率 (one linearised combination of the two ratios, ``combined``), with standard
errors by Taylor linearisation over the design (strata, villages as PSUs, weights) from samplics, and a Korn–Graubard interval — Clopper–Pearson on the design's effective sample size — which
stays honest at zero: most counties' samples find no 错退 and no 漏评, where a Wald or logit interval collapses
to [0, 0] (docs/decisions.md)."""

from __future__ import annotations

import contextlib
import warnings
from dataclasses import dataclass

import numpy as np

from .sampling import samplics

ALPHA = 0.05
METHOD = "Taylor linearisation (samplics); Korn–Graubard 95% interval"


def single_village_rule(strata, psus):
    """samplics' rule for strata with a single village among the answers.

    Such a village is a certainty unit (``SinglePSUEst.certainty``): self-representing, its households become
    the units of the variance — the second stage. The designer never draws fewer than two villages in a stratum
    (``sampling.village_allocation``), so a lone village is either the whole of its stratum's frame (taken with
    probability 1: only the households were sampled, and certainty is exact) or a survey still under way whose
    other villages have not answered yet, where the within-village spread is the only spread there is to
    measure. A lone village with a single answered household has no spread at all: it counts in the point and
    is skipped in the variance (``SinglePSUEst.skip``). The alternatives are worse: refusing (``error``) leaves a
    county without any estimate mid-survey; collapsing into a neighbouring stratum (``combine``) depends on which
    villages answered first, so the same answers would give different intervals (docs/decisions.md)."""
    rows: dict = {}
    for s, p in zip(list(strata), list(psus), strict=True):
        rows.setdefault(s, []).append(p)
    lone = {s: ps for s, ps in rows.items() if len(set(ps)) == 1}
    if all(len(ps) > 1 for ps in lone.values()):
        return samplics().SinglePSUEst.certainty
    single = samplics().SinglePSUEst
    return {s: single.certainty if len(ps) > 1 else single.skip for s, ps in lone.items()}


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
    from scipy import stats  # with samplics: loaded where an interval is computed (``sampling.samplics``)

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
        sp = samplics()
        est = sp.TaylorEstimator(sp.PopParam.ratio if x is not None else sp.PopParam.mean, alpha=alpha)
        kwargs = {"x": xs} if x is not None else {}
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore")
            est.estimate(
                y=y, samp_weight=w, stratum=strata, psu=psus, single_psu=single_village_rule(strata, psus), **kwargs
            )  # fmt: skip
        se = float(est.stderror)
        if not np.isfinite(se):
            se = 0.0
    low, high, n_eff = korn_graubard(point, se, n, n_psus - n_strata, alpha)
    return Result(point, se, low, high, n, float(n_eff), n_psus, n_strata, numerator, denominator)


def _design_se(z, *, weights, strata, psus) -> float:
    """The design's standard error of the weighted total Σwz of a linearised variable ``z`` (samplics' Taylor
    variance: PSUs within strata, with replacement; a stratum with one PSU as certainty)."""
    z = np.asarray(z, dtype=float)
    if not z.any():
        return 0.0
    sp = samplics()
    est = sp.TaylorEstimator(sp.PopParam.total)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        warnings.simplefilter("ignore")
        # a linearised variable totals 0 by construction; samplics has set the variance before it divides by
        # that total for a coefficient of variation we do not use
        with contextlib.suppress(ZeroDivisionError):
            est.estimate(
                y=z, samp_weight=np.asarray(weights, dtype=float), stratum=np.asarray(strata, dtype=object),
                psu=np.asarray(psus, dtype=object), single_psu=single_village_rule(strata, psus),
            )  # fmt: skip
    variance = float(est.variance)
    return variance**0.5 if np.isfinite(variance) and variance > 0 else 0.0


def combined(
    *, missed: tuple, wrong: tuple, weights, strata, psus, poor: float, outside: float, exited: float,
    rural: float, units: int, alpha: float = ALPHA,
) -> Result:  # fmt: skip
    """综合贫困发生率 (DOMAIN.md §9) as one design-based estimate: (remaining poor ``poor`` + 漏评率 × ``outside``
    + 错退率 × ``exited``) ÷ ``rural``, with 漏评率 and 错退率 the ratios ``missed`` = (y, x) and ``wrong`` = (y, x)
    of one sample (persons poor, persons of the domain, per household row).

    The population counts come from the registry and the statistics (fixed); the random part is the hidden
    poverty share q = (漏评率 × outside + 错退率 × exited) ÷ (outside + exited), a linear combination of two ratios
    over the same weights, strata and villages. Its SE is samplics' Taylor variance of the combination's
    linearised variable z = [outside·(y₁ − R̂₁x₁)/X̂₁ + exited·(y₂ − R̂₂x₂)/X̂₂] ÷ (outside + exited), so the
    covariance of the two ratios (the same villages) is in it — never the endpoints of two intervals added up,
    which is not an interval of anything. q's interval is Korn–Graubard on the households of either domain
    (honest when both ratios are 0, the common case), mapped onto the incidence."""
    w = np.asarray(weights, dtype=float)
    (y1, x1), (y2, x2) = (
        (np.asarray(a, dtype=float), np.asarray(b, dtype=float)) for a, b in (missed, wrong)
    )
    n_strata = len(set(np.asarray(strata, dtype=object).tolist()))
    n_psus = len(set(zip(list(strata), list(psus), strict=True)))
    hidden_pop = outside + exited
    big_x1, big_x2 = float((w * x1).sum()), float((w * x2).sum())
    numerator_base = float(y1.sum() + y2.sum())
    if rural <= 0 or (outside > 0 and big_x1 <= 0) or (exited > 0 and big_x2 <= 0):
        return Result(float("nan"), float("nan"), 0.0, 1.0, 0, 0.0, n_psus, n_strata, numerator_base, rural)
    r1 = float((w * y1).sum()) / big_x1 if big_x1 > 0 else 0.0
    r2 = float((w * y2).sum()) / big_x2 if big_x2 > 0 else 0.0
    hidden = r1 * outside + r2 * exited
    point = (poor + hidden) / rural
    if hidden_pop <= 0:
        share = poor / rural
        return Result(share, 0.0, share, share, 0, 0.0, n_psus, n_strata, poor, rural)
    q = hidden / hidden_pop
    z = np.zeros_like(w)
    if big_x1 > 0:
        z += outside * (y1 - r1 * x1) / big_x1
    if big_x2 > 0:
        z += exited * (y2 - r2 * x2) / big_x2
    se_q = _design_se(z / hidden_pop, weights=w, strata=strata, psus=psus) if n_psus >= 2 else 0.0
    low_q, high_q, n_eff = korn_graubard(q, se_q, units, n_psus - n_strata, alpha)
    scale = hidden_pop / rural
    return Result(
        point, se_q * scale, (poor + low_q * hidden_pop) / rural, (poor + high_q * hidden_pop) / rural, units,
        float(n_eff), n_psus, n_strata, poor + hidden, rural,
    )  # fmt: skip
