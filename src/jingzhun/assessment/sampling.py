"""The sampling designer's arithmetic: how many villages per stratum and households per group, and the draws
themselves — by samplics (``SampleSelection``, simple random sampling without replacement within strata), from
one seed so that a redraw over the same frame gives the same sample (docs/decisions.md, "samplics").

Pure functions over plain data; the service (``services.sample_draw``) reads the frame and writes the rows."""

from __future__ import annotations

import contextlib
import functools
import math
import threading
import warnings
from dataclasses import dataclass

import numpy as np


@functools.cache
def samplics():
    """samplics, imported where a sample is drawn or an estimate computed, not when the web process loads its
    URLs: samplics and the scipy.stats it loads are ~3 s of imports that every new gunicorn worker's first
    request paid, whatever page it asked for (issue 24's national dashboard tail)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "samplics is archived": see docs/decisions.md
        import samplics as package
    return package


_RNG_LOCK = threading.Lock()  # samplics draws from numpy's global generator: one draw at a time


@contextlib.contextmanager
def seeded(seed: int):
    """numpy's global generator set to ``seed`` for the draws inside, restored after."""
    with _RNG_LOCK:
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)


def largest_remainder(total: int, shares: dict[str, float], caps: dict[str, int]) -> dict[str, int]:
    """``total`` split by ``shares`` (summing to 1) in whole numbers, none above its cap; what a capped part
    cannot take goes to the others by their shares. Fewer than ``total`` only when all caps together are less."""
    alloc = {k: 0 for k in shares}
    remaining = min(total, sum(caps.get(k, 0) for k in shares))
    open_keys = [k for k in shares if caps.get(k, 0) > 0 and shares[k] > 0] or [
        k for k in shares if caps.get(k, 0) > 0
    ]
    while remaining > 0 and open_keys:
        weight = sum(shares[k] for k in open_keys) or len(open_keys)
        quotas = {k: remaining * ((shares[k] / weight) if weight else 1 / len(open_keys)) for k in open_keys}
        given = {k: min(math.floor(q), caps[k] - alloc[k]) for k, q in quotas.items()}
        left = remaining - sum(given.values())
        order = sorted(open_keys, key=lambda k: (-(quotas[k] - math.floor(quotas[k])), k))
        for k in order:
            if left <= 0:
                break
            if alloc[k] + given[k] < caps[k]:
                given[k] += 1
                left -= 1
        if not any(given.values()):  # nothing fits any more by share: fill in order
            for k in order:
                room = caps[k] - alloc[k]
                take = min(room, remaining)
                alloc[k] += take
                remaining -= take
            break
        for k, v in given.items():
            alloc[k] += v
        remaining -= sum(given.values())
        open_keys = [k for k in open_keys if alloc[k] < caps[k]]
    return alloc


def village_allocation(total: int, strata: dict[str, int]) -> tuple[dict[str, int], bool]:
    """Villages per stratum (township): at least 2 in each (so each stratum's variance can be estimated), the
    rest in proportion to the stratum's villages. Fewer than 2 per township on offer: one county stratum
    (returned with ``False``: not stratified)."""
    if total < 2 * len(strata) or any(n < 2 for n in strata.values()):
        return {"all": total}, False
    base = {k: 2 for k in strata}
    rest = largest_remainder(
        total - 2 * len(strata),
        {k: (n - 2) / max(1, sum(strata.values()) - 2 * len(strata)) for k, n in strata.items()},
        {k: n - 2 for k, n in strata.items()},
    )
    return {k: base[k] + rest.get(k, 0) for k in strata}, True


@dataclass(frozen=True)
class Drawn:
    unit: str
    stratum: str
    probability: float


def draw(units: list[str], strata: list[str], sizes: dict[str, int]) -> list[Drawn]:
    """SRS without replacement of ``sizes[stratum]`` units in each stratum (samplics), under the caller's seed."""
    keep = [i for i, s in enumerate(strata) if sizes.get(s, 0) > 0]
    units, strata = [units[i] for i in keep], [strata[i] for i in keep]
    if not units:
        return []
    sp = samplics()
    selection = sp.SampleSelection(method=sp.SelectMethod.srs_wor, strat=True, wr=False)
    unit_array, stratum_array = np.array(units, dtype=object), np.array(strata, dtype=object)
    sizes = {k: v for k, v in sizes.items() if k in set(strata)}
    with np.errstate(divide="ignore", invalid="ignore"):  # samplics' fpc of a one-unit stratum (unused here)
        chosen, _hits, probs = selection.select(samp_unit=unit_array, samp_size=sizes, stratum=stratum_array)
    return [
        Drawn(str(u), str(s), float(p))
        for u, s, p, c in zip(unit_array, stratum_array, probs, chosen, strict=True)
        if c
    ]
