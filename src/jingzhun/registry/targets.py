"""减贫计划: the year's reduction targets handed down level by level, and the progress against them read from
the status history (完成率 = net exits ÷ target: households that exited less those that returned, in persons;
villages: the poor villages that exited in the year, as identification's village records say).

The region page counts a county's, township's or village's progress live (``progress``); above a county the
analytics dashboard reads the same figures from its rollup (parts ``year_exited_persons`` and
``year_returned_persons``, counted the same way) and builds the same ``Progress``."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.codes import NATIONAL_CODE
from jingzhun.core.panels import provided
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from .choices import HouseholdStatus
from .models import ReductionTarget, StatusChange


@transaction.atomic
def target_set(*, user, region: Region, year: int, persons: int, villages: int = 0) -> ReductionTarget:
    """Hand down ``region``'s target for ``year`` (by a user above the region, within scope), audited."""
    if region.level not in (
        RegionLevel.PROVINCE,
        RegionLevel.PREFECTURE,
        RegionLevel.COUNTY,
        RegionLevel.TOWNSHIP,
    ):
        raise ValidationError({"region": [_("减贫计划下达到省、市、县、乡镇。")]})
    permissions.require(user, "hand_down_target", level=region.level - 1, region=region)
    errors = {}
    if persons is None or persons < 0:
        errors["persons"] = [_("计划脱贫人数应为非负整数。")]
    if villages is None or villages < 0:
        errors["villages"] = [_("计划退出贫困村数应为非负整数。")]
    if not 2000 <= int(year) <= 2100:
        errors["year"] = [_("年度无效。")]
    if errors:
        raise ValidationError(errors)
    return audit.upsert(
        ReductionTarget, {"year": year, "region": region}, {"persons": persons, "villages": villages}
    )


def target_of(*, user, code: str, year: int) -> ReductionTarget | None:
    """The 减贫计划 of region ``code`` (or of the whole country, ``NATIONAL_CODE``: its provinces' targets summed,
    unsaved) for ``year``, within the user's scope; None where none was handed down."""
    targets = ReductionTarget.objects.for_user(user).filter(year=year)
    if code != NATIONAL_CODE:
        return targets.filter(region_id=code).first()
    total = targets.filter(region__level=RegionLevel.PROVINCE).aggregate(
        n=Count("id"), persons=Coalesce(Sum("persons"), 0), villages=Coalesce(Sum("villages"), 0)
    )
    return (
        ReductionTarget(year=year, persons=total["persons"], villages=total["villages"])
        if total["n"]
        else None
    )


def exited_villages(*, lo: str, hi: str, year: int) -> int:
    """Poor villages of the code range that exited in ``year`` (identification answers; 0 without it)."""
    return provided("village.exited_count", lambda **_kw: 0)(lo=lo, hi=hi, year=year)


def _percent(rate: float | None) -> str:
    return f"{rate * 100:.1f}%" if rate is not None else "—"


@dataclass(frozen=True)
class Progress:
    year: int
    target: ReductionTarget | None
    exited_persons: int
    returned_persons: int
    exited_villages: int = 0

    @property
    def net(self) -> int:
        return self.exited_persons - self.returned_persons

    @property
    def rate(self) -> float | None:
        """完成率; None without a target (or a target of 0)."""
        return self.net / self.target.persons if self.target and self.target.persons else None

    @property
    def rate_percent(self) -> str:
        return _percent(self.rate)

    @property
    def village_rate(self) -> float | None:
        """Villages exited ÷ villages to exit; None without a village target."""
        return self.exited_villages / self.target.villages if self.target and self.target.villages else None

    @property
    def village_rate_percent(self) -> str:
        return _percent(self.village_rate)


def progress(
    *, user, region: Region, year: int | None = None, target: ReductionTarget | None = None
) -> Progress:
    """The region's target for ``year`` (or the ``target`` already read) and its net exits in that year so far,
    in persons, from the status history (one grouped read), and its villages exited in that year (one count).
    Live: for a county and below (the region page); above a county the dashboard reads the rollup."""
    if target is None:
        target = ReductionTarget.objects.for_user(user).filter(region=region, year=year).first()
    year = target.year if target is not None else year
    persons = dict(
        StatusChange.objects.for_user(user)
        .in_region(region)
        .filter(business_year=year, to_status__in=[HouseholdStatus.EXITED, HouseholdStatus.RETURNED])
        .values("to_status")
        .annotate(n=Sum("household__member_count"))
        .values_list("to_status", "n")
        .order_by()
    )
    lo, hi = region.subtree_range()
    return Progress(
        year=year, target=target, exited_persons=persons.get(HouseholdStatus.EXITED) or 0,
        returned_persons=persons.get(HouseholdStatus.RETURNED) or 0,
        exited_villages=exited_villages(lo=lo, hi=hi, year=year),
    )  # fmt: skip
