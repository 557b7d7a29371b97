"""What the dashboards show, derived from a region's additive parts (``indicators.village_parts`` summed):
one list of definitions for the pages, the API, the Excel downloads and the engine comparisons.

Ratios whose denominator is 0 have no value (None), never a made-up 0.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _

from jingzhun.funds import rules as fund_rules
from jingzhun.registry.choices import CATEGORY_LABELS, COUNTED_CATEGORIES, Attribute, Cause

from .indicators import AF_INDICATORS


@dataclass(frozen=True)
class Indicator:
    """A figure on the dashboards: a part itself (``numerator`` only) or a ratio of two parts, scaled."""

    key: str
    label: str
    numerator: str
    denominator: str | None = None
    scale: float = 1.0
    unit: str = ""
    digits: int = 0

    def value(self, parts: dict) -> float | None:
        if self.numerator == "gini":
            return parts.get("gini")
        top = float(parts.get(self.numerator) or 0)
        if self.denominator is None:
            return top * self.scale
        bottom = float(parts.get(self.denominator) or 0)
        return top / bottom * self.scale if bottom else None

    def display(self, parts: dict) -> str:
        value = self.value(parts)
        if value is None:
            return "—"
        return f"{value:,.{self.digits}f}{self.unit}"


INDICATORS = [
    Indicator("poor_households", _("现有贫困户"), "poor_households", unit=_(" 户")),
    Indicator("poor_persons", _("现有贫困人口"), "poor_persons", unit=_(" 人")),
    Indicator("incidence", _("贫困发生率"), "poor_persons", "rural_population", 100, "%", 2),
    Indicator("households", _("建档立卡户"), "households", unit=_(" 户")),
    Indicator("persons", _("建档立卡人口"), "persons", unit=_(" 人")),
    Indicator("exited_persons", _("已脱贫人口"), "status_exited_persons", unit=_(" 人")),
    Indicator("returned_persons", _("返贫人口"), "status_returned_persons", unit=_(" 人")),
    Indicator("monitored_persons", _("监测对象人口"), "status_monitored_persons", unit=_(" 人")),
    Indicator("mean_income", _("人均纯收入（元）"), "income_sum", "income_persons", digits=0),
    Indicator("fgt0", _("收入贫困发生率 FGT(0)"), "income_poor_persons", "income_persons", 100, "%", 2),
    Indicator("fgt1", _("贫困距指数 FGT(1)"), "gap1_sum", "income_persons", digits=4),
    Indicator("fgt2", _("平方贫困距 FGT(2)"), "gap2_sum", "income_persons", digits=4),
    Indicator("gini", _("基尼系数"), "gini", digits=4),
    Indicator("af_h", _("多维贫困发生率 H"), "af_poor_persons", "income_persons", 100, "%", 2),
    Indicator("af_a", _("多维贫困强度 A"), "af_score_sum", "af_poor_persons", digits=4),
    Indicator("af_m0", _("多维贫困指数 M0"), "af_score_sum", "income_persons", digits=4),
    Indicator("af_m1", _("调整贫困距 M1"), "af_gap1_sum", "income_persons", digits=4),
    Indicator("af_m2", _("调整平方贫困距 M2"), "af_gap2_sum", "income_persons", digits=4),
    Indicator("cadre_coverage", _("帮扶责任人覆盖率"), "cadre_households", "poor_households", 100, "%", 1),
    Indicator("plan_coverage", _("帮扶计划覆盖率"), "plan_households", "poor_households", 100, "%", 1),
    Indicator("plan_actual", _("帮扶措施实际投入（元）"), "plan_actual", digits=0),
    # 支出进度: the year's funds paid ÷ allocated to the counties (parts in fen from the funds,
    # ``services.with_spending``); the panel and its table show it by ``spending`` (``funds.rules.spending_share``)
    Indicator("funds_allocated", _("下达到县扶贫资金（元）"), "funds_allocated_fen", scale=0.01, digits=2),
    Indicator("funds_paid", _("已支付扶贫资金（元）"), "funds_paid_fen", scale=0.01, digits=2),
    Indicator("spending_progress", _("支出进度"), "funds_paid_fen", "funds_allocated_fen", 100, "%", 1),
]
SPENDING = ("funds_allocated", "funds_paid", "spending_progress")
BY_KEY = {i.key: i for i in INDICATORS}
KEY_FIGURES = (
    "poor_households",
    "poor_persons",
    "incidence",
    "mean_income",
    "gini",
    "af_m0",
    "cadre_coverage",
)
CHILD_COLUMNS = (
    "poor_households",
    "poor_persons",
    "incidence",
    "fgt0",
    "mean_income",
    "af_h",
    "cadre_coverage",
)

# The list behind a number: which household-list filter shows the households a part counts.
STATUS_OF_PART = {
    "poor_households": "poor",
    "households": "",
    **{f"status_{s}_households": s for s in COUNTED_CATEGORIES},
}


def breakdown(parts: dict, prefix: str, choices) -> list[tuple[str, str, int]]:
    """(value, label, households) for a code list, from the parts named ``prefix`` + value."""
    return [(value, str(label), int(parts.get(f"{prefix}{value}") or 0)) for value, label in choices]


def causes(parts: dict) -> list[tuple[str, str, int]]:
    return breakdown(parts, "cause_", Cause.choices)


def attributes(parts: dict) -> list[tuple[str, str, int]]:
    return breakdown(parts, "attribute_", Attribute.choices)


def statuses(parts: dict) -> list[tuple[str, str, int]]:
    counted = [(s, CATEGORY_LABELS[s]) for s in COUNTED_CATEGORIES]
    return [(v, str(label), int(parts.get(f"status_{v}_persons") or 0)) for v, label in counted]


def deprivations(parts: dict) -> list[tuple[str, str, int, int]]:
    """(indicator, label, persons deprived, persons deprived and multidimensionally poor)."""
    return [
        (
            name,
            _(label),
            int(parts.get(f"deprived_{name}_persons") or 0),
            int(parts.get(f"af_{name}_persons") or 0),
        )
        for name, label in AF_INDICATORS.items()
    ]


def spending(parts: dict, *, year: int, today: dt.date) -> dict | None:
    """支出进度 of one region from its rolled-up parts by the funds' one rule (paid ÷ allocated to the counties,
    ``funds.rules.spending_share``, the same as the funds home page and the 资金成效 score) beside the time
    schedule (``funds.rules.time_share``: the share of ``year`` gone by ``today``), behind it where the share
    paid is lower, with the gap in percentage points. None where nothing is allocated."""
    allocated = int(parts.get("funds_allocated_fen") or 0)
    if not allocated:
        return None
    share = fund_rules.spending_share(Decimal(int(parts.get("funds_paid_fen") or 0)), Decimal(allocated))
    time = fund_rules.time_share(year, today)
    return {
        "share": share,
        "percent": percent(share),
        "time": time,
        "time_percent": percent(time),
        "behind": share < time,
        "gap": percent(abs(share - time)),
    }


def percent(share: Decimal) -> Decimal:
    """A share as a percent to one place, rounded half up (as the funds pages' ``floatformat:1``)."""
    return (share * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def derive(parts: dict) -> dict[str, float | None]:
    """Every indicator's value for one region."""
    return {i.key: i.value(parts) for i in INDICATORS}
