"""Pure rules of 扶贫资金: factor-based splitting of an amount (exact to the fen), the 报账制 stage ceilings and
the time schedule of spending. They take data and return numbers or verdicts; services and pages call them."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from jingzhun.assistance.equity import per_person

FEN = Decimal("0.01")


def split_by_factors(
    amount: Decimal, factors: dict[str, dict[str, Decimal]], weights: dict[str, Decimal]
) -> dict[str, Decimal]:
    """Split ``amount`` over regions by weighted factor shares: each factor's share of a region is its value over
    the factor's total, and a region's share is the weighted sum (weights normalised to 1). Amounts are rounded
    down to the fen and the remaining fen go to the largest remainders, so the parts add up exactly."""
    codes = sorted(factors)
    if not codes:
        return {}
    totals = {f: sum((factors[c].get(f, Decimal(0)) for c in codes), Decimal(0)) for f in weights}
    used = {f: w for f, w in weights.items() if w > 0 and totals[f] > 0}
    weight_sum = sum(used.values(), Decimal(0))
    if weight_sum == 0:  # no factor data at all: equal parts
        shares = {c: Decimal(1) / len(codes) for c in codes}
    else:
        shares = {
            c: sum(
                (w / weight_sum * factors[c].get(f, Decimal(0)) / totals[f] for f, w in used.items()),
                Decimal(0),
            )
            for c in codes
        }
    exact = {c: amount * shares[c] for c in codes}
    parts = {c: exact[c].quantize(FEN, rounding=ROUND_DOWN) for c in codes}
    left = int(((amount - sum(parts.values(), Decimal(0))) / FEN).to_integral_value())
    for c in sorted(codes, key=lambda c: (exact[c] - parts[c], c), reverse=True)[: max(left, 0)]:
        parts[c] += FEN
    return parts


def stage_ceiling(budget: Decimal, stages: list[tuple[str, Decimal]], stage: str) -> Decimal:
    """What a project may have been paid in all up to and including ``stage``: the budget times the shares of
    the stages up to it (报账制)."""
    share = Decimal(0)
    for name, part in stages:
        share += part
        if name == stage:
            break
    return (budget * share).quantize(FEN)


def time_share(year: int, today: dt.date) -> Decimal:
    """The share of ``year`` gone by ``today`` (0 before it, 1 after): what spending is measured against."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    if today < start:
        return Decimal(0)
    if today >= end:
        return Decimal(1)
    return (Decimal((today - start).days + 1) / Decimal((end - start).days + 1)).quantize(Decimal("0.0001"))


def spending_share(paid: Decimal, allocated: Decimal) -> Decimal:
    """支出进度, the one definition (issue 21): money paid (已支付) ÷ money allocated to the county (下达到县), to
    four places (0.2505 is 25.05 %); 0 where nothing is allocated. The funds home page (per county and fund and in
    total), the dashboard's panel (from the rolled-up parts) and the 资金成效 score all take it from here, and
    compare it with ``time_share`` of the same precision."""
    if not allocated:
        return Decimal(0)
    return (Decimal(paid) / Decimal(allocated)).quantize(Decimal("0.0001"))


def mask_name(name: str, pattern: str = "surname_stars") -> str:
    """A name as a village notice shows it, by the policy's pattern (``choices.NameMask``): ``surname_stars``
    the surname and a star for each other character (杨文明 → 杨**), ``surname_star`` the surname and one star
    (杨*), ``middle`` the first and last characters with the middle starred (杨*明; a two-character name 杨*),
    ``surname_only`` the surname and 某 (杨某), ``full`` the name as it is. An unknown pattern masks as the
    default: a pattern never shows more than it says."""
    name = (name or "").strip()
    if not name:
        return ""
    if pattern == "full":
        return name
    if pattern == "surname_star":
        return name[:1] + "*"
    if pattern == "middle":
        return name[:1] + "*" * max(len(name) - 2, 1) + (name[-1] if len(name) > 2 else "")
    if pattern == "surname_only":
        return name[:1] + "某"
    return name[:1] + "*" * max(len(name) - 1, 1)


def per_capita(total, persons) -> Decimal:
    """Support per person of a household: its payments ÷ its size (a household of no recorded size counts as
    one). Exact (not rounded): the outlier rule compares it with the county median the same way on every engine
    (the SQL twin: ``alerts_sql.PER_CAPITA``). The definition is the equity's (``assistance.equity.per_person``),
    the one source of money per person the equity page's household median also reads."""
    return per_person(total, persons)
