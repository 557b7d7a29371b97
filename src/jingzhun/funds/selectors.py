"""Reads of 扶贫资金 for pages, the API and services: every query starts from ``for_user`` (the portal's notices
from ``public()``). Sums are done in the database, exact (``Decimal``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone

from jingzhun.core.panels import provided
from jingzhun.core.policy import every_in_force, in_force, province_of
from jingzhun.regions.models import Region
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, ReductionTarget, StatusChange

from . import rules
from .choices import HOLDING, INDUSTRY_CATEGORIES, AlertKind, AlertState, PaymentKind, PaymentStatus, Source
from .models import Alert, Allocation, Fund, FundPolicy, FundRule, Notice, Payment

SHOWN = 200  # rows of a working list shown at once (the oldest first)
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=16, decimal_places=2))
PREFIX = {0: 2, 1: 4, 2: 6, 3: 9, 4: 12}  # a region level → the code prefix length of its children


def policy_for(*, region_code: str | None, year: int) -> FundPolicy:
    """The fund-wide numbers in force for a place and year (the model's defaults when none is set: the page
    says so)."""
    return in_force(FundPolicy, region_code=region_code, year=year, defaults=True)


def rule_for(*, region_code: str | None, year: int, source: str) -> FundRule:
    """The rule of ``source``'s money in force for a place and year: the province's row for that source else
    the nation's, the latest up to the year (the model's defaults, the strictest, when none is set)."""
    return in_force(
        FundRule, region_code=region_code, year=year, defaults=True, where={"fund_source": source}
    )


def rules_by_year(*, region_code: str | None, years: range) -> list[tuple[int, list[FundRule]]]:
    """Each year's rule of every source in force for a place (the province's or the nation's): the policy
    page's history. One read of the rows up to the last year; the lookup per year and source in memory."""
    province = province_of(region_code)
    last = max(years)
    rows = list(
        FundRule.objects.filter(Q(province__isnull=True) | Q(province_id=province), year__lte=last).order_by(
            "-year"
        )
    )
    out = []
    for year in years:
        found = []
        for source in Source.values:
            mine = [r for r in rows if r.fund_source == source and r.year <= year]
            own = next((r for r in mine if province and r.province_id == province), None)
            nation = next((r for r in mine if r.province_id is None), None)
            found.append(own or nation or FundRule(year=year, fund_source=source))
        out.append((year, found))
    return out


def factors(*, codes: list[str], level: int, year: int) -> dict[str, dict[str, Decimal]]:
    """The allocation factors of regions of one level, from the registry: 贫困状况 (registered and returned
    persons), 政策任务 (the year's 减贫计划 persons), 脱贫成效 (persons of households that exited last year)."""
    n = PREFIX[level - 1] if level else 2
    out = {c: {"poverty": Decimal(0), "tasks": Decimal(0), "exits": Decimal(0)} for c in codes}
    prefixes = {c[:n]: c for c in codes}
    poor = (
        Household.objects.filter(status__in=[HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED])
        .annotate(p=Substr("region_id", 1, n))
        .filter(p__in=prefixes)
        .values("p")
        .annotate(n=Sum("member_count"))
        .order_by()
    )
    for row in poor:
        out[prefixes[row["p"]]]["poverty"] = Decimal(row["n"] or 0)
    for code, persons in ReductionTarget.objects.filter(region_id__in=codes, year=year).values_list(
        "region_id", "persons"
    ):
        out[code]["tasks"] = Decimal(persons)
    exits = (
        StatusChange.objects.filter(to_status=HouseholdStatus.EXITED, business_year=year - 1)
        .annotate(p=Substr("household__region_id", 1, n))
        .filter(p__in=prefixes)
        .values("p")
        .annotate(n=Sum("household__member_count"))
        .order_by()
    )
    for row in exits:
        out[prefixes[row["p"]]]["exits"] = Decimal(row["n"] or 0)
    return out


def fund_list(*, user, year: int | None = None):
    qs = Fund.objects.for_user(user)
    county_funds = Fund.objects.filter(allocations__in=Allocation.objects.for_user(user)).values("pk")
    qs = Fund.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk__in=county_funds))
    if year:
        qs = qs.filter(year=year)
    return qs.order_by("-year", "source", "id")


def allocation_list(*, user, fund: Fund | None = None):
    qs = Allocation.objects.for_user(user).select_related("fund", "region")
    if fund is not None:
        qs = qs.filter(fund=fund)
    return qs.order_by("region_id", "id")


def spendable_allocations(*, user, county: str):
    """The money ``user`` may pay from in ``county``: its allocations arrived there with a balance left, newest
    fund year first (what the 报账 form on a project's page offers)."""
    return (
        Allocation.objects.for_user(user)
        .filter(region_id=county, arrived_on__isnull=False, balance__gt=0)
        .select_related("fund")
        .order_by("-fund__year", "id")
    )


def household_measures(household) -> list:
    """The measures of ``household``'s own plans (not cancelled), newest year first: what a subsidy to it may
    pay (the household payment form's choice)."""
    from jingzhun.assistance.choices import MeasureStatus
    from jingzhun.assistance.models import Measure

    return list(
        Measure.objects.filter(plan__household=household)
        .exclude(status=MeasureStatus.CANCELLED)
        .order_by("-year", "id")[:SHOWN]
    )


def spending_per_county(year: int, counties: list[str] | None = None) -> dict[str, tuple[Decimal, Decimal]]:
    """支出进度's two sums per county for ``year``'s funds (a system read; every county, or only ``counties``): the
    money allocated to the county itself (下达到县: a province's or city's allocation passes the money on and
    would count it twice) and what was paid (已支付) from it. Two grouped queries whatever the number of
    counties; the analytics rollup and the 资金成效 score read it, the funds home page sums the same way per
    county and fund (``progress``), all three divide with ``rules.spending_share``."""
    allocations = Allocation.objects.filter(fund__year=year, region__level=3)
    payments = Payment.objects.filter(
        allocation__fund__year=year, allocation__region__level=3, status=PaymentStatus.PAID
    )
    if counties is not None:
        allocations = allocations.filter(region_id__in=counties)
        payments = payments.filter(allocation__region_id__in=counties)
    allocated = dict(allocations.values_list("region_id").annotate(s=Sum("amount")).order_by())
    paid = dict(payments.values_list("allocation__region_id").annotate(s=Sum("amount")).order_by())
    zero = Decimal(0)
    return {
        c: (
            Decimal(str(allocated[c])).quantize(rules.FEN),
            Decimal(str(paid.get(c, zero))).quantize(rules.FEN),
        )
        for c in allocated
    }


def paid_sum(qs) -> Decimal:
    """The sum of ``qs``'s amounts, exact to the fen (SQLite's sum drops trailing zeros)."""
    return qs.aggregate(s=Coalesce(Sum("amount"), ZERO))["s"].quantize(rules.FEN)


def progress(*, user, year: int, today: dt.date | None = None, county: str | None = None) -> list[dict]:
    """支出进度 per county and fund: the county's allocations of ``year``'s funds, what was paid from them, the
    share paid against the share of the year gone (the time schedule), lagging where it falls behind. Live: the
    page of a county (``county``, or a county user's own scope), whose payments are few; above a county the
    home page reads ``children_progress`` instead."""
    today = today or timezone.localdate()
    time = rules.time_share(year, today)
    allocations = Allocation.objects.for_user(user).filter(fund__year=year, region__level=3)
    payments = Payment.objects.for_user(user).filter(allocation__fund__year=year, status=PaymentStatus.PAID)
    if county is not None:
        allocations = allocations.filter(region_id=county)
        payments = payments.filter(allocation__region_id=county)
    rows = (
        allocations.values("region_id", "region__name", "fund_id", "fund__title", "fund__source")
        .annotate(
            allocated=Coalesce(Sum("amount"), ZERO),
            balance=Coalesce(Sum("balance"), ZERO),
        )
        .order_by("region_id", "fund_id")
    )
    paid, industry = {}, {}
    for r in (
        payments.values("allocation__region_id", "allocation__fund_id")
        .annotate(
            s=Sum("amount"), i=Coalesce(Sum("amount", filter=Q(category__in=INDUSTRY_CATEGORIES)), ZERO)
        )
        .order_by()
    ):
        key = (r["allocation__region_id"], r["allocation__fund_id"])
        paid[key], industry[key] = r["s"], r["i"]
    sources = {r["fund__source"] for r in rows}
    in_force = {
        s: every_in_force(FundRule, year=year, where={"fund_source": s}) for s in sources
    }  # per source
    out = []
    for r in rows:
        spent = paid.get((r["region_id"], r["fund_id"]), Decimal(0))
        share = rules.spending_share(spent, r["allocated"])
        found = in_force[r["fund__source"]]
        rule = found.get(r["region_id"][:2].ljust(12, "0")) or found.get(None) or FundRule(year=year)
        required = rule.industry_share
        used = (
            (industry.get((r["region_id"], r["fund_id"]), Decimal(0)) / spent).quantize(Decimal("0.0001"))
            if spent
            else Decimal(0)
        )
        r["allocated"], r["balance"] = r["allocated"].quantize(rules.FEN), r["balance"].quantize(rules.FEN)
        out.append({**r, "paid": spent.quantize(rules.FEN), "share": share, "percent": share * 100, "time": time,
                    "time_percent": time * 100, "lagging": share < time,
                    "industry_share": used, "industry_required": required,
                    "industry_short": bool(required) and bool(spent) and used < required})  # fmt: skip
    return out


def _yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(rules.FEN)


def children_progress(*, user, code: str, year: int, today: dt.date | None = None) -> dict | None:
    """支出进度 of region ``code`` above a county (national: ``NATIONAL_CODE``) and of each child region (provinces,
    cities or counties) for ``year``, read from the analytics rollup (``region.spending``: the parts summed per
    county from ``spending_per_county`` and divided by ``analytics.definitions.spending``, the dashboard's own
    figures), never from the payments: a few rows whatever the money paid below. Each row: code, name, level,
    allocated and paid (元), percent and time percent (None where nothing is allocated), lagging; the total of
    the region itself with the number of lagging children; when the rollup was computed. None when no rollup of
    the year holds the region (the page says how to get one). The caller checks the scope."""
    today = today or timezone.localdate()
    found = provided("region.spending", lambda **_kw: None)(user=user, code=code, year=year, today=today)
    if found is None:
        return None

    def row(r: dict) -> dict:
        s = r["spending"]
        return {
            "code": r["code"], "name": r["name"], "level": r["level"],
            "allocated": _yuan(r["parts"]["funds_allocated_fen"]), "paid": _yuan(r["parts"]["funds_paid_fen"]),
            "percent": s and s["percent"], "time_percent": s and s["time_percent"], "lagging": bool(s and s["behind"]),
        }  # fmt: skip

    children = [row(r) for r in found["children"]]
    total = row(found["place"])
    total["lagging_children"] = sum(1 for r in children if r["lagging"])
    return {"total": total, "children": children, "computed_at": found["computed_at"],
            "time_percent": rules.time_share(year, today) * 100}  # fmt: skip


def progress_total(rows: list[dict]) -> dict:
    allocated = sum((r["allocated"] for r in rows), Decimal(0))
    paid = sum((r["paid"] for r in rows), Decimal(0))
    share = rules.spending_share(paid, allocated)
    return {
        "allocated": allocated,
        "paid": paid,
        "share": share,
        "percent": share * 100,
        "lagging": sum(1 for r in rows if r["lagging"]),
    }


def payment_list(*, user, status: str = "", kind: str = "", allocation: Allocation | None = None):
    qs = Payment.objects.for_user(user).select_related("allocation__fund", "region", "project", "household")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if allocation is not None:
        qs = qs.filter(allocation=allocation)
    return qs.order_by("region_id", "id")


def for_household(*, user, household) -> list[Payment]:
    return list(
        Payment.objects.for_user(user)
        .filter(household=household)
        .select_related("allocation__fund")
        .order_by("-year", "-id")[:50]
    )


def held_by_project(project_id: int) -> Decimal:
    return paid_sum(Payment.objects.filter(project_id=project_id, status__in=HOLDING))


def alert_list(*, user, state: str = AlertState.OPEN, kind: str = ""):
    qs = Alert.objects.for_user(user).select_related("region", "household")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("region_id", "id")


def alert_counts(*, user, within: tuple[str, str] | None = None) -> list[dict]:
    """Open and closed alerts per county and kind (only the counties in the code range ``within`` when given:
    the region the home page shows), each row with the county's name (``county_name``) and the kind in words
    (``kind_label``) for the pages."""
    alerts = Alert.objects.for_user(user)
    if within is not None:
        alerts = alerts.filter(region__code__range=within)
    rows = list(
        alerts.annotate(county=Substr("region_id", 1, 6))
        .values("county", "kind")
        .annotate(
            open=Count("id", filter=Q(state=AlertState.OPEN)),
            closed=Count("id", filter=Q(state=AlertState.CLOSED)),
        )
        .order_by("county", "kind")
    )
    codes = {row["county"] + "000000" for row in rows}
    names = dict(
        Region.objects.public().filter(code__in=codes).values_list("code", "name")
    )  # names are public
    labels = dict(AlertKind.choices)
    for row in rows:
        row["county_name"] = names.get(row["county"] + "000000", row["county"])
        row["kind_label"] = labels.get(row["kind"], row["kind"])
    return rows


def idle_allocations(*, user, today: dt.date | None = None):
    """County allocations arrived more than the policy's idle days ago with money still unspent (滞留)."""
    today = today or timezone.localdate()
    days = policy_for(region_code=user.region_id, year=today.year).idle_days
    return (
        Allocation.objects.for_user(user)
        .filter(region__level=3, arrived_on__lte=today - dt.timedelta(days=days), balance__gt=0)
        .select_related("fund", "region")
        .order_by("arrived_on", "id")
    )


def notices_public(*, region):
    """The fund notices a region has published (portal): up from their first day, kept online afterwards."""
    return (
        Notice.objects.public()
        .filter(region=region, starts_on__lte=timezone.localdate())
        .order_by("-starts_on", "-id")
    )


def paid_per_village(lo: str, hi: str, year: int) -> dict[str, Decimal]:
    """Money paid in ``year`` in the regions between codes ``lo`` and ``hi`` that pays no assistance measure (a
    measure's amount already counts the payment that pays it), per region: the funds' part of the equity of
    resources (``assistance.equity.money_source``)."""
    rows = (
        Payment.objects.filter(
            region__code__range=(lo, hi), paid_on__year=year, status=PaymentStatus.PAID, measure__isnull=True
        )
        .values("region_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["region_id"]: r["total"] for r in rows}


def household_payments(lo: str, hi: str, year: int) -> list[dict]:
    """到户补助 of ``year`` holding money (entered, approved, sent or paid) per household between codes ``lo`` and
    ``hi``, with the household's size: the funds' part of the money that reached households
    (``assistance.equity.household_money_source``), which the outlier rule and the equity page both read."""
    return [
        {"household_id": r["household_id"], "region_id": r["region_id"], "persons": r["household__member_count"],
         "total": r["total"]}
        for r in Payment.objects.filter(
            kind=PaymentKind.HOUSEHOLD, year=year, status__in=HOLDING, region__code__range=(lo, hi)
        )
        .values("household_id", "region_id", "household__member_count")
        .annotate(total=Sum("amount"))
        .order_by()
    ]  # fmt: skip


def paid_per_measure(ids: list[int]) -> dict[int, Decimal]:
    """Money paid against each assistance measure (paid payments naming it): the measure's actual amount on the
    household's plan (``assistance.selectors.measure_paid_source``)."""
    rows = (
        Payment.objects.filter(measure_id__in=ids, status=PaymentStatus.PAID)
        .values("measure_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    return {r["measure_id"]: r["total"] for r in rows}


def policy_rows(*, provinces: list[str], limit: int = 100):
    """The fund policy rows set nationally and for ``provinces`` (the ones the reader administers), newest
    first: what the policy page lists beside the policy in force."""
    return (
        FundPolicy.objects.filter(Q(province__isnull=True) | Q(province_id__in=provinces))
        .select_related("province")
        .order_by("-year", "province_id")[:limit]
    )


def rule_rows(*, provinces: list[str], limit: int = 200):
    """The fund rule rows set nationally and for ``provinces``, newest first: every setting by year, source and
    scope, as the policy page lists them."""
    return (
        FundRule.objects.filter(Q(province__isnull=True) | Q(province_id__in=provinces))
        .select_related("province")
        .order_by("-year", "province_id", "fund_source")[:limit]
    )
