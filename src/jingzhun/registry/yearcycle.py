"""The county's yearly cycle (年度动态调整): the county opens the year, works off what is left, closes it; the
province confirms it, or reopens it with a reason. A closed year is frozen: its yearly records (收入与生产生活条件
of that year) and the status changes counted in it are refused until it is reopened.

What is left is asked of every app: the registry counts households without the year's record, and apps above it
answer the ``registry.signals.year_open_items`` signal (identification: open applications and objections; the
member changes and transfers, exits and returns as they come) — the registry never imports them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.codes import ancestor_at, subtree_range
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from .choices import HouseholdStatus, SplitReviewStatus, TransferStatus
from .models import AdjustmentYear, Household, SplitReview, Transfer, YearState
from .signals import year_closed, year_open_items

# The households that have a yearly record to keep: those in the registry (not 未识别, not 已注销).
ON_RECORD = (HouseholdStatus.REGISTERED, HouseholdStatus.EXITED, HouseholdStatus.RETURNED)


@dataclass(frozen=True)
class OpenItems:
    """One kind of unfinished work in a county's year: what it is, where it is (count per village) and the list
    behind it."""

    label: str
    per_village: dict[str, int] = field(default_factory=dict)
    url: str = ""

    @property
    def total(self) -> int:
        return sum(self.per_village.values())


def _check_county(county: Region, year: int) -> None:
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"county": [_("年度动态调整以县为单位。")]})
    if not 2000 <= int(year) <= timezone.localdate().year:
        raise ValidationError({"year": [_("年度应在 2000 年至今年之间。")]})


def lacking_year_record(households, year: int):
    """Of ``households``, those in the registry that year (在册, 已脱贫, 返贫; identified by then) without the
    year's record: the county's 年度信息未更新 list (the household list's 「缺少年度信息」 filter)."""
    return (
        households.filter(status__in=ON_RECORD)
        .filter(Q(identified_year__isnull=True) | Q(identified_year__lte=year))
        .exclude(years__year=year)
    )


def households_without_record(county: str, year: int) -> OpenItems:
    """``lacking_year_record`` in a county, counted per village."""
    rows = lacking_year_record(Household.objects.filter(region__code__range=subtree_range(county)), year)
    url = f"{reverse('registry:household_list')}?region={county}&missing_year={year}"
    return OpenItems(_("年度信息未更新的户"), per_village(rows), url)


def per_village(rows, region: str = "region_id") -> dict[str, int]:
    """Village code → number of ``rows``: the shape of every kind of open item (one grouped query)."""
    return {r[region]: r["n"] for r in rows.values(region).annotate(n=Count("id")).order_by()}


def member_work_open(county: str, year: int) -> list[OpenItems]:
    """Transfers waiting — leaving the county (per village) or coming to it (under the county) — and 分户
    awaiting review, asked for by the end of ``year`` (a request of a later year holds that year, not this
    one): a year is not closed while one person may stand between two households."""
    within = subtree_range(
        county
    )  # a range, not LIKE 'prefix%': the region indexes serve it in any collation
    pending = Transfer.objects.filter(status=TransferStatus.PENDING, requested_at__year__lte=year)
    leaving = per_village(pending.filter(from_household__region__code__range=within),
                           "from_household__region_id")  # fmt: skip
    coming = pending.filter(to_county_id=county).count()
    reviews = SplitReview.objects.filter(
        household__region__code__range=within, status=SplitReviewStatus.OPEN, opened_at__year__lte=year
    )
    return [
        OpenItems(_("待办结的跨县迁出"), leaving, reverse("registry:transfer_list")),
        OpenItems(_("待接收的跨县迁入"), {county: coming} if coming else {}, reverse("registry:transfer_list")),
        OpenItems(_("待审核的分户"), per_village(reviews, "household__region_id"),
                  reverse("registry:split_review_list")),
    ]  # fmt: skip


def open_items(*, county: str, year: int) -> list[OpenItems]:
    """Everything still open in ``county``'s ``year``, each kind with its count per village (empty kinds left out)."""
    items = [households_without_record(county, year), *member_work_open(county, year)]
    for _receiver, answer in year_open_items.send(sender=__name__, county=county, year=year):
        items.extend(answer or [])
    return [item for item in items if item.total]


def by_township(items: list[OpenItems]) -> list[dict]:
    """The page's table: per township, then per village, the count of each kind (in ``items``' order)."""
    villages = sorted({code for item in items for code in item.per_village})
    names = dict(Region.objects.filter(code__in=villages).values_list("code", "name"))
    townships: dict[str, list] = defaultdict(list)
    for code in villages:
        townships[code[:9] + "000"].append(
            {
                "code": code,
                "name": names.get(code, code),
                "counts": [i.per_village.get(code, 0) for i in items],
            }
        )
    town_names = dict(Region.objects.filter(code__in=list(townships)).values_list("code", "name"))
    return [
        {
            "code": town,
            "name": town_names.get(town, town),
            "villages": rows,
            "counts": [sum(r["counts"][k] for r in rows) for k in range(len(items))],
        }
        for town, rows in sorted(townships.items())
    ]


def readable_county(user, code: str) -> Region | None:
    """The county whose yearly page ``user`` may read: a county in the user's scope, or the county holding the
    user's own township or village — they read their part of the county's year (``their_part``)."""
    county = Region.objects.for_user(user).filter(code=code, level=RegionLevel.COUNTY).first()
    own = (
        user.region_id
    )  # a township or village of the county: the county is the county-level part of its code
    if county is None and own not in (None, code) and ancestor_at(own, RegionLevel.COUNTY) == code:
        county = Region.objects.filter(code=code, level=RegionLevel.COUNTY).first()
    return county


def county_years(county: Region):
    """The county's years of 动态调整, newest first: read once ``readable_county`` has allowed the county."""
    return AdjustmentYear.objects.filter(county=county).order_by("-year")


def their_part(user, items: list[OpenItems]) -> list[OpenItems]:
    """``items`` narrowed to the villages in ``user``'s scope (a township sees its villages' rows, a village its
    own); empty kinds left out."""
    narrowed = [
        OpenItems(i.label, {c: n for c, n in i.per_village.items() if user.in_scope(c)}, i.url) for i in items
    ]
    return [i for i in narrowed if i.total]


def _row(county: Region, year: int, *, lock: bool = False) -> AdjustmentYear | None:
    rows = AdjustmentYear.objects.filter(county=county, year=year)
    return (rows.select_for_update() if lock else rows).first()


def _audited(row: AdjustmentYear, before: dict | None, **facts) -> None:
    entry = audit.entry_for(
        AuditAction.CREATE if before is None else AuditAction.UPDATE,
        row,
        before=before,
        after=audit.snapshot(row),
    )
    for name, value in facts.items():
        entry.changes[name] = [None, value]
    audit.record_many([entry])


@transaction.atomic
def year_open(*, user, county: Region, year: int) -> AdjustmentYear:
    """The county opens the year's 动态调整 (once; a closed year is reopened by the province)."""
    _check_county(county, year)
    permissions.require(user, "close_year", region=county)
    row = _row(county, year, lock=True)
    if row is not None:
        raise ValidationError(
            {"year": [_("%(y)d 年已开始调整。") % {"y": year} if not row.frozen else frozen_message(year)]}
        )
    row = AdjustmentYear.objects.create(county=county, year=year)
    _audited(row, None)
    return row


@transaction.atomic
def year_close(*, user, county: Region, year: int) -> AdjustmentYear:
    """The county closes the year: refused, with the list, while anything is open. Closing freezes the year and
    has its snapshot and rollup written (``year_closed``: analytics listens)."""
    _check_county(county, year)
    permissions.require(user, "close_year", region=county)
    row = _row(county, year, lock=True)
    if row is None or row.state != YearState.OPEN:
        raise ValidationError(
            {"year": [_("%(y)d 年尚未开始调整。") % {"y": year} if row is None else frozen_message(year)]}
        )
    left = open_items(county=county.code, year=year)
    if left:
        listed = "；".join(_("%(l)s %(n)s 项") % {"l": item.label, "n": item.total} for item in left)
        raise ValidationError({"year": [_("尚有未完成的事项，不能关账：%(l)s。") % {"l": listed}]})
    before = audit.snapshot(row)
    row.state, row.closed_at = YearState.CLOSED, timezone.now()
    row.save(update_fields=["state", "closed_at"])
    _audited(row, before)
    transaction.on_commit(lambda: year_closed.send(sender=__name__, county=county.code, year=year))
    return row


@transaction.atomic
def year_confirm(*, user, county: Region, year: int) -> AdjustmentYear:
    """The province confirms a year the county has closed."""
    _check_county(county, year)
    permissions.require(user, "confirm_year", region=county)
    row = _row(county, year, lock=True)
    if row is None or row.state != YearState.CLOSED:
        raise ValidationError({"year": [_("只有县级已关账的年度可以确认。")]})
    before = audit.snapshot(row)
    row.state, row.confirmed_at = YearState.CONFIRMED, timezone.now()
    row.save(update_fields=["state", "confirmed_at"])
    _audited(row, before)
    return row


@transaction.atomic
def year_reopen(*, user, county: Region, year: int, reason: str) -> AdjustmentYear:
    """The province reopens a closed year for a correction, with a reason (audited)."""
    _check_county(county, year)
    permissions.require(user, "confirm_year", region=county)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写重新开放的原因。")]})
    if len(reason) > 2000:
        raise ValidationError({"reason": [_("重新开放的原因不超过 2000 字。")]})
    row = _row(county, year, lock=True)
    if row is None or not row.frozen:
        raise ValidationError({"year": [_("只有已关账的年度需要重新开放。")]})
    before = audit.snapshot(row)
    row.state, row.reopen_reason = YearState.OPEN, reason
    row.save(update_fields=["state", "reopen_reason"])
    _audited(row, before, reason=reason)
    return row


def frozen_message(year: int) -> str:
    return _("%(y)d 年已关账，该年度的记录不能再修改；如需更正，请省级重新开放该年度。") % {"y": year}


def frozen_pairs(pairs: Iterable[tuple[str, int]]) -> set[tuple[str, int]]:
    """Of (region code, year) pairs, those whose county has closed that year, as (county code, year); one
    query whatever the number of pairs (an import's batch, a 公告's households)."""
    wanted = {(ancestor_at(code, RegionLevel.COUNTY), int(year)) for code, year in pairs if code and year}
    if not wanted:
        return set()
    rows = AdjustmentYear.objects.filter(
        county_id__in={c for c, _y in wanted}, year__in={y for _c, y in wanted}
    ).exclude(state=YearState.OPEN)
    return {(c, y) for c, y in rows.values_list("county_id", "year") if (c, y) in wanted}


def refuse_frozen(pairs: Iterable[tuple[str, int]], *, field: str = "year") -> None:
    """Refuse a write that touches a closed year (ValidationError naming the year)."""
    frozen = frozen_pairs(pairs)
    if frozen:
        raise ValidationError({field: [frozen_message(y) for y in sorted({y for _c, y in frozen})]})
