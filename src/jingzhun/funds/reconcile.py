"""对账: every fund and allocation recomputed from its rows — amount = passed down + paid out (held) + balance —
and every project's 已报账 against the payments made to it (报账 is a payment: ``Project.settled`` = the sum of
its held payments), every difference reported (the nightly ``jingzhun funds-reconcile``). Grouped queries,
whatever the number of rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from jingzhun.projects.models import Project

from .choices import HOLDING
from .models import Allocation, Fund, Payment
from .rules import FEN
from .selectors import ZERO


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


HALF_FEN = Decimal("0.005")


@dataclass(frozen=True)
class ProjectDifference:
    """A project whose recorded 报账 (``settled``) is not the money paid to it (its held payments)."""

    what: str  # "project:56"
    label: str
    settled: Decimal
    paid: Decimal

    @property
    def gap(self) -> Decimal:
        return self.settled - self.paid


def project_differences(*, year: int | None = None) -> list[ProjectDifference]:
    """Projects (of ``year``) whose 已报账 differs from the sum of their payments not failed — a settlement
    recorded with no money, or money paid with no settlement. One grouped query; only the differing rows come
    back."""
    projects = Project.objects.all() if year is None else Project.objects.filter(year=year)
    rows = (
        projects.annotate(
            paid=Coalesce(Sum("payments__amount", filter=Q(payments__status__in=HOLDING)), ZERO)
        )
        .annotate(gap=F("settled") - F("paid"))
        # half a fen either way: SQLite sums decimals as floats (0.1 + 0.2 is not 0.3 there)
        .filter(Q(gap__gt=HALF_FEN) | Q(gap__lt=-HALF_FEN))
        .order_by("id")
        .values_list("pk", "year", "name", "settled", "paid")
    )
    return [
        ProjectDifference(f"project:{pk}", f"{y} {name}", settled, Decimal(str(paid)).quantize(FEN))
        for pk, y, name, settled, paid in rows
    ]
