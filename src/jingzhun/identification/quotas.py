"""规模控制: identification quotas per region and year, entered at the top and split level by level down to the
county (县为单位). Provinces together may exceed the national figure by the national margin (default 10 %); below
a province the province's own margin applies (0 unless set). A county approving beyond its quota must give a
reason (an explicit override, kept in the approval step)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import Substr
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit, policy
from jingzhun.core.codes import NATIONAL_CODE
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import PREFIX_LENGTH, ancestor_at, pad, subtree_range

from .choices import ApplicationKind, Stage
from .models import Application, ProcedurePolicy, Quota

COUNTED_STAGES = (Stage.COUNTY_APPROVED, Stage.ANNOUNCED)  # approved by the county: they use up the quota


def margin_percent(*, year: int, parent: Region | None) -> int:
    """How far the children of ``parent`` (None: the nation) may together exceed its quota: the national margin
    (default 10 %) above the provinces, the province's own margin (0 unless set) below one."""
    if parent is None:
        return policy.in_force(
            ProcedurePolicy, region_code=None, year=year, carry_forward=False, defaults=True
        ).quota_margin_percent
    own = policy.in_force(
        ProcedurePolicy, region_code=parent.code, year=year, carry_forward=False, national=False
    )
    return own.quota_margin_percent if own is not None else 0


@transaction.atomic
def quota_set(*, user, year: int, persons: int, region: Region | None = None) -> Quota:
    """Set the national quota (``region`` None: national administrators) or split a parent's quota to one of
    its children (users of the parent's level with the right to change)."""
    if persons is None or persons < 0:
        raise ValidationError({"persons": [_("规模应为非负整数。")]})
    if region is not None and region.level > RegionLevel.COUNTY:
        raise ValidationError({"region": [_("规模分解到县为止（县为单位）。")]})
    if region is None:
        permissions.require(user, "set_national_quota")
    elif not permissions.may(user, "split_quota", level=region.level - 1):
        raise PermissionDenied(_("规模由上一级分解下达：%(r)s 的规模应由其上级设定。") % {"r": region})
    else:
        permissions.require(user, "split_quota", level=region.level - 1, region=region)
    if region is not None:
        parent = region.parent if region.level > RegionLevel.PROVINCE else None
        top = Quota.objects.select_for_update().filter(year=year, region=parent).first()
        if top is None:
            raise ValidationError(
                {"persons": [_("请先设定上级（%(p)s）的规模。") % {"p": parent or _("全国")}]}
            )
        siblings = (
            Quota.objects.filter(year=year, region__parent=parent, region__level=region.level)
            .exclude(region=region)
            .aggregate(n=Sum("persons"))["n"]
            or 0
        )
        margin = margin_percent(year=year, parent=parent)
        ceiling = top.persons * (100 + margin) // 100
        if siblings + persons > ceiling:
            raise ValidationError(
                {
                    "persons": [
                        _(
                            "下级规模合计 %(sum)s 人将超过上级规模 %(top)s 人上浮 %(m)d%% 后的上限 %(cap)s 人。"
                        )
                        % {
                            "sum": f"{siblings + persons:,}",
                            "top": f"{top.persons:,}",
                            "m": margin,
                            "cap": f"{ceiling:,}",
                        }
                    ]
                }
            )
    return audit.upsert(Quota, {"year": year, "region": region}, {"persons": persons})


def _counted(year: int):
    """Inclusions (纳入) of ``year`` approved by the county or announced: what uses up a quota."""
    return Application.objects.filter(year=year, kind=ApplicationKind.INCLUDE, stage__in=COUNTED_STAGES)


def counted_persons(*, year: int, code: str) -> int:
    """Persons of households approved by the county (or announced) for ``year`` in the region's subtree."""
    return (
        _counted(year)
        .filter(region__code__range=subtree_range(code))
        .aggregate(n=Sum("household__member_count"))["n"]
        or 0
    )


def over_quota(application: Application) -> str | None:
    """Why approving ``application`` would exceed its county's quota, or None (no quota set: no limit)."""
    county = ancestor_at(application.region_id, RegionLevel.COUNTY)
    quota = Quota.objects.filter(year=application.year, region_id=county).first()
    if quota is None:
        return None
    used = counted_persons(year=application.year, code=county)
    size = application.household.member_count
    if used + size <= quota.persons:
        return None
    return _("本县 %(y)d 年度规模 %(q)s 人，已审批 %(u)s 人，再纳入该户 %(s)d 人将超出规模。") % {
        "y": application.year, "q": f"{quota.persons:,}", "u": f"{used:,}", "s": size,
    }  # fmt: skip


@dataclass(frozen=True)
class QuotaRow:
    region: Region
    quota: int | None
    counted: int

    @property
    def share(self) -> float | None:
        return None if not self.quota else self.counted / self.quota


def quota_rows(*, user, year: int) -> tuple[QuotaRow | None, list[QuotaRow]]:
    """The user's own region (None row for national users) and its children down to the county: quota and
    persons approved, one grouped query for the counts."""
    own = user.region if user.region_id else None
    if own is not None and own.level >= RegionLevel.COUNTY:
        children = []
    else:
        children = list(
            Region.objects.filter(
                parent=own, level=(own.level + 1) if own else RegionLevel.PROVINCE
            ).order_by("code")
        )
    quotas = {q.region_id: q.persons for q in Quota.objects.filter(year=year, region__in=[own, *children])}
    if own is None:
        quotas[None] = (
            Quota.objects.filter(year=year, region__isnull=True).values_list("persons", flat=True).first()
        )
    counted = {}
    if children:
        width = PREFIX_LENGTH[children[0].level]
        base = _counted(year)
        if own is not None:
            base = base.filter(region__code__range=own.subtree_range())
        for row in (
            base.annotate(p=Substr("region_id", 1, width))
            .values("p")
            .annotate(n=Sum("household__member_count"))
        ):
            counted[pad(row["p"])] = row["n"]
    top = None
    if own is not None:
        top = QuotaRow(own, quotas.get(own.code), counted_persons(year=year, code=own.code))
    elif quotas.get(None) is not None or children:
        top = QuotaRow(
            Region(code=NATIONAL_CODE, name=str(_("全国")), level=0), quotas.get(None), sum(counted.values())
        )
    return top, [QuotaRow(c, quotas.get(c.code), counted.get(c.code, 0)) for c in children]
