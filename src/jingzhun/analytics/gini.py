"""The Gini of every region of ``indicators.GINI_LEVELS`` from one sort of the incomes (DuckDB, PostgreSQL).

The population-weighted Gini of a region is Σ wₖxₖ(2Cₖ + wₖ − W) / (W·S), the households in order of income,
wₖ their persons, Cₖ the persons of the region before them, W the persons and S the income of the region. Ties
need no care: households of equal income contribute the same in any order among themselves.

The window form (``indicators.gini``) sorts the incomes once per level — four sorts of 30 million rows at
national scale, the largest part of a rollup. Here the engine sorts the households by income once and hands
them over as three columns; every level then needs only a running sum *per region* in that one order, which
is a single pass with an accumulator per region (a grouped cumulative sum over category codes), not a sort.
The engine never sees the levels; PySpark, whose data should stay on its cluster, keeps the window form.
"""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from jingzhun.regions.rules import PREFIX_LENGTH

from .indicators import GINI_LEVELS, village_key

COUNTY_DIGITS = PREFIX_LENGTH[3]  # a county key: the first six digits of a village code, as a number


def incomes_in_order(facts: ibis.Table) -> ibis.Table:
    """The households with a known income, as (county key, income, persons), sorted by income."""
    f = facts.filter(facts.income_known)
    return f.select(
        county=(village_key(f.village) // 10 ** (12 - COUNTY_DIGITS)).cast("int32"),
        x=f.per_capita_net,
        w=f.persons.cast("float64"),
    ).order_by("x")


def _level_key(county: np.ndarray, level: int) -> np.ndarray:
    """Each household's region of ``level`` as a number: its county key cut to the level's digits."""
    return county // 10 ** (COUNTY_DIGITS - PREFIX_LENGTH[level]) if level else np.zeros_like(county)


def _region_codes(keys: np.ndarray, level: int) -> list[str]:
    digits = PREFIX_LENGTH[level] if level else 0
    return [str(k).rjust(digits, "0").ljust(12, "0") if digits else "0" * 12 for k in keys.tolist()]


def _exists(keys: np.ndarray, level: int) -> np.ndarray:
    """As ``indicators.exists_at``: a level whose own digits are 00 is no region (a prefecture without counties
    has its townships right under it)."""
    if level in (0, 1):
        return np.ones(len(keys), bool)
    width = PREFIX_LENGTH[level] - PREFIX_LENGTH[level - 1]
    return keys % 10**width != 0


def by_sort(ordered: pa.Table) -> pa.Table:
    """(``g_code``, ``gini``) for every region of every Gini level from ``incomes_in_order``'s rows."""
    county = ordered["county"].to_numpy().astype(np.int64)
    x = ordered["x"].to_numpy()
    w = ordered["w"].to_numpy()
    wx = w * x
    codes_out, gini_out = [], []
    for level in GINI_LEVELS:
        key = _level_key(county, level)
        present = np.bincount(key)
        keys = np.flatnonzero(present)
        dense = (np.cumsum(present > 0) - 1)[key]  # region index 0 … n-1, without a sort
        if level == 0:
            before = np.cumsum(w) - w
        else:  # persons of the same region before each household, in income order: one pass
            groups = pd.Categorical.from_codes(dense, categories=np.arange(len(keys)))
            before = pd.Series(w).groupby(groups, observed=False).cumsum().to_numpy() - w
        n = len(keys)
        persons = np.bincount(dense, w, minlength=n)
        income = np.bincount(dense, wx, minlength=n)
        t = np.bincount(dense, wx * (2 * before + w), minlength=n)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(income > 0, (t - persons * income) / (persons * income), 0.0)
        keep = _exists(keys, level)
        codes_out += _region_codes(keys[keep], level)
        gini_out.append(value[keep])
    return pa.table({"g_code": pa.array(codes_out, pa.string()), "gini": np.concatenate(gini_out)})
