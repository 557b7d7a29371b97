"""减贫计划: the year's reduction targets handed down level by level, and the progress against them read from
the status history (完成率 = net exits ÷ target: households that exited less those that returned, in persons)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
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


@dataclass(frozen=True)
class Progress:
    year: int
    target: ReductionTarget | None
    exited_persons: int
    returned_persons: int

    @property
    def net(self) -> int:
        return self.exited_persons - self.returned_persons

    @property
    def rate(self) -> float | None:
        """完成率; None without a target (or a target of 0)."""
        return self.net / self.target.persons if self.target and self.target.persons else None

    @property
    def rate_percent(self) -> str:
        return f"{self.rate * 100:.1f}%" if self.rate is not None else "—"


def progress(
    *, user, region: Region, year: int | None = None, target: ReductionTarget | None = None
) -> Progress:
    """The region's target for ``year`` (or the ``target`` already read) and its net exits in that year so far,
    in persons, from the status history (one grouped read)."""
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
    return Progress(
        year=year, target=target, exited_persons=persons.get(HouseholdStatus.EXITED) or 0,
        returned_persons=persons.get(HouseholdStatus.RETURNED) or 0,
    )  # fmt: skip
