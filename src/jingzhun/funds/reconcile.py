"""对账: every fund and allocation recomputed from its rows — amount = passed down + paid out (held) + balance —
and every difference reported (the nightly ``jingzhun funds-reconcile``). Three grouped queries, whatever the
number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from .choices import HOLDING
from .models import Allocation, Fund, Payment


@dataclass(frozen=True)
class Difference:
    what: str  # "fund:12", "allocation:34"
    label: str
    amount: Decimal
    passed_down: Decimal
    paid: Decimal
    balance: Decimal

    @property
    def gap(self) -> Decimal:
        return self.amount - self.passed_down - self.paid - self.balance


def _sums(qs, key: str) -> dict[int, Decimal]:
    return {k: v for k, v in qs.values_list(key).annotate(s=Sum("amount")).order_by() if k is not None}


def differences(*, year: int | None = None) -> list[Difference]:
    funds = Fund.objects.all() if year is None else Fund.objects.filter(year=year)
    allocations = Allocation.objects.filter(fund__in=funds)
    top = _sums(allocations.filter(parent__isnull=True), "fund_id")
    below = _sums(allocations.filter(parent__isnull=False), "parent_id")
    paid = _sums(Payment.objects.filter(allocation__in=allocations, status__in=HOLDING), "allocation_id")
    zero = Decimal(0)
    out = []
    for f in funds.order_by("id"):
        d = Difference(f"fund:{f.pk}", str(f), f.amount, top.get(f.pk, zero), zero, f.balance)
        if d.gap:
            out.append(d)
    for a in allocations.select_related("fund").order_by("id"):
        d = Difference(
            f"allocation:{a.pk}", f"{a.fund} → {a.region_id}", a.amount, below.get(a.pk, zero), paid.get(a.pk, zero),
            a.balance,
        )  # fmt: skip
        if d.gap:
            out.append(d)
    return out
