"""What funds answers for the apps above it through ``core.panels.provide``: the 资金成效 figure of counties that
精准考核 scores (assessment asks by name and shows 暂无数据 where no app answers, so it never reads funds'
tables itself), and a supervision alert as the rectification ledger takes it (转整改)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from jingzhun.core.panels import provide

from . import rules
from .selectors import alert_list, spending_per_county


@provide("county.funds_performance")
def funds_performance(*, counties: list[str], year: int) -> dict[str, dict]:
    """资金支出进度 of each county with money allocated to it for ``year``: paid ÷ allocated, as a percent, with
    the two sums behind it and the page to check them. The same sums and division as the funds home page and the
    dashboard's 支出进度 (``selectors.spending_per_county``, ``rules.spending_share``): only allocations made to
    the county itself count (the county is where the money is spent; a township or village never holds an
    allocation of its own), and only payments that reached the payee (已支付). Two grouped queries for all
    counties."""
    home = reverse("funds:home")
    out = {}
    for county, (allocated, paid) in spending_per_county(year, counties).items():
        if not allocated:
            continue
        share = rules.spending_share(paid, allocated)
        url = home + "?" + urlencode({"year": year, "region": county})  # the county's own funds, live
        out[county] = {"value": float(share * 100), "allocated": allocated, "paid": paid, "url": url}
    return out


@provide("funds.alert")
def alert_for(*, user, pk: int) -> dict | None:
    """A supervision alert ``user`` may read (its scope), as the rectification ledger takes it when the alert is
    turned into a finding (转整改): its region, kind, summary and page; None outside the scope."""
    alert = alert_list(user=user, state="").filter(pk=pk).first()
    if alert is None:
        return None
    return {
        "pk": alert.pk, "region": alert.region, "kind": str(alert.get_kind_display()), "summary": alert.summary,
        "url": reverse("funds:alert", args=[alert.pk]),
    }  # fmt: skip
