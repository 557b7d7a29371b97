"""回头看 re-check campaigns (DOMAIN.md §5): a county opens one over all of its households or a random sample;
villages record what each visit found; what is wrong becomes an application through the same procedure (错评 →
清退, 漏评 → 纳入). Counts per campaign come from two grouped queries."""

from __future__ import annotations

import math
import random
import secrets
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.models import Region
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household

from . import services
from .choices import ApplicationKind, CampaignMode, Finding, Stage
from .models import Application, Campaign, CampaignCheck

# Households a campaign looks at: those in the registry (is each rightly there?) and those outside it that have a
# card (was one missed?). Exited and cancelled records are a matter for exit checks, not for 回头看.
CHECKED_STATUSES = (*services.IN_REGISTRY, HouseholdStatus.UNIDENTIFIED)
CHECK_BATCH = 5000


def _population(county: Region):
    return Household.objects.filter(
        region__code__range=county.subtree_range(), status__in=CHECKED_STATUSES
    ).order_by("id")


def draw(ids: list[int], *, percent: int, seed: int) -> list[int]:
    """The sample of a campaign: ``percent`` of ``ids`` (at least one), the same for the same seed and ids, so
    that anyone can re-draw it and see that nobody picked the households by hand."""
    if not ids:
        return []
    size = max(1, math.ceil(len(ids) * percent / 100))
    return sorted(random.Random(seed).sample(sorted(ids), size))


@transaction.atomic
def campaign_open(
    *, user, county: Region, title: str, year: int, mode: str, sample_percent: int | None = None,
    seed: int | None = None,
) -> Campaign:  # fmt: skip
    """Open a 回头看 for ``county`` and draw its households (all, or a random ``sample_percent``)."""
    # A user without a region (national) has no county to re-check: refused on level before the region is read.
    permissions.require(user, "run_campaign", region=getattr(county, "code", ""), what=_("发起回头看"))
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("请填写回头看名称。")]
    if mode not in CampaignMode.values:
        errors["mode"] = [_("请选择核查方式。")]
    elif mode == CampaignMode.SAMPLE and not (sample_percent and 1 <= sample_percent <= 100):
        errors["sample_percent"] = [_("随机抽查须填写 1–100 之间的抽查比例。")]
    if not 2000 <= int(year or 0) <= timezone.localdate().year + 1:
        errors["year"] = [_("年度无效。")]
    if errors:
        raise ValidationError(errors)
    if Campaign.objects.filter(county=county, closed_on__isnull=True).exists():
        raise ValidationError(_("本县已有进行中的回头看，请先结束它。"))
    rows = list(_population(county).values_list("id", "region_id", "status"))
    if not rows:
        raise ValidationError(_("本县没有可核查的农户。"))
    seed = secrets.randbelow(2**31) if seed is None else int(seed)
    chosen = (
        set(draw([r[0] for r in rows], percent=sample_percent, seed=seed))
        if mode == CampaignMode.SAMPLE
        else None
    )
    campaign = Campaign.objects.create(
        county=county, year=year, title=title, mode=mode, seed=seed, opened_by=user,
        sample_percent=sample_percent if mode == CampaignMode.SAMPLE else None,
        population=len(rows), households=len(chosen) if chosen is not None else len(rows),
    )  # fmt: skip
    CampaignCheck.objects.bulk_create(
        (
            CampaignCheck(campaign=campaign, household_id=h, region_id=r, status_then=s)
            for h, r, s in rows
            if chosen is None or h in chosen
        ),
        batch_size=CHECK_BATCH,
    )
    audit.record(AuditAction.CREATE, campaign, after=audit.snapshot(campaign))
    return campaign


@transaction.atomic
def check_record(*, user, check: CampaignCheck, finding: str, note: str = "", on=None) -> CampaignCheck:
    """A village records what the visit found. 错评 or 漏评 opens an application (清退 or 纳入) for the household,
    which then goes through 入户核实, 民主评议, the two 公示 and the 公告 like any other."""
    check = CampaignCheck.objects.select_for_update().select_related("campaign", "household").get(pk=check.pk)
    permissions.require(user, "record_check", region=check.region_id, what=_("回头看核查"))
    if not check.campaign.is_open:
        raise ValidationError(_("该回头看已经结束，不再录入核查结论。"))
    if check.finding != Finding.PENDING:
        raise ValidationError(_("该户的核查结论已经录入。"))
    in_registry = check.status_then in services.IN_REGISTRY
    wrong = {True: Finding.WRONGLY_INCLUDED, False: Finding.MISSED}[in_registry]
    if finding not in (Finding.CORRECT, wrong):
        raise ValidationError(
            {
                "finding": [
                    _("在册户只能核查为「识别准确」或「错评」。")
                    if in_registry
                    else _("未识别户只能核查为「识别准确」或「漏评」。")
                ]
            }
        )
    note = (note or "").strip()
    if finding == wrong and not note:
        raise ValidationError({"note": [_("核查为错评或漏评时须写明核查情况。")]})
    before = audit.snapshot(check)
    check.finding, check.note = finding, note
    check.checked_on, check.checked_by = on or timezone.localdate(), user
    if finding == wrong:
        check.application = services.application_create(
            user=user, household=check.household, year=check.campaign.year, campaign=check.campaign,
            kind=ApplicationKind.REMOVE if in_registry else ApplicationKind.INCLUDE,
            reason=f"{check.campaign.title}：{check.get_finding_display()}。{note}",
        )  # fmt: skip
    check.save()
    audit.record(AuditAction.UPDATE, check, before=before, after=audit.snapshot(check))
    return check


@transaction.atomic
def campaign_close(*, user, campaign: Campaign) -> Campaign:
    """End a campaign once every household drawn has a finding; the applications it opened go on."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    permissions.require(user, "run_campaign", region=campaign.county_id, what=_("结束回头看"))
    if not campaign.is_open:
        raise ValidationError(_("该回头看已经结束。"))
    pending = campaign.checks.filter(finding=Finding.PENDING).count()
    if pending:
        raise ValidationError(_("还有 %(n)s 户未录入核查结论，不能结束。") % {"n": f"{pending:,}"})
    before = audit.snapshot(campaign)
    campaign.closed_on = timezone.localdate()
    campaign.save(update_fields=["closed_on"])
    audit.record(AuditAction.UPDATE, campaign, before=before, after=audit.snapshot(campaign))
    return campaign


# --- counts ----------------------------------------------------------------------------------------------


@dataclass
class Tally:
    """Counts of one campaign, or of one township within it."""

    checked: int = 0
    pending: int = 0
    correct: int = 0
    wrongly_included: int = 0
    missed: int = 0
    removed: int = 0  # 清退 announced
    added: int = 0  # 纳入 announced
    not_upheld: int = 0  # the procedure rejected the finding
    in_procedure: int = 0

    def add_finding(self, finding: str, n: int) -> None:
        self.checked += n
        setattr(self, finding, getattr(self, finding) + n)

    def add_outcome(self, kind: str, stage: str, n: int) -> None:
        if stage == Stage.ANNOUNCED:
            field = "removed" if kind == ApplicationKind.REMOVE else "added"
        elif stage == Stage.REJECTED:
            field = "not_upheld"
        else:
            field = "in_procedure"
        setattr(self, field, getattr(self, field) + n)


def _grouped(checks, applications, key) -> dict:
    """Tallies per ``key`` (an expression over the rows): findings from ``checks``, outcomes from
    ``applications``; two grouped queries whatever the number of households."""
    out: dict = {}
    for row in checks.annotate(k=key).values("k", "finding").annotate(n=Count("id")).order_by():
        out.setdefault(row["k"], Tally()).add_finding(row["finding"], row["n"])
    for row in applications.annotate(k=key).values("k", "kind", "stage").annotate(n=Count("id")).order_by():
        out.setdefault(row["k"], Tally()).add_outcome(row["kind"], row["stage"], row["n"])
    return out


def campaign_counts(campaign: Campaign) -> tuple[Tally, list[tuple[Region, Tally]]]:
    """The campaign's totals and one row per township: findings from the checks, outcomes from the procedure."""
    by_township = _grouped(campaign.checks.all(), campaign.applications.all(), Substr("region_id", 1, 9))
    total = Tally()
    for tally in by_township.values():
        for name, value in asdict(tally).items():
            setattr(total, name, getattr(total, name) + value)
    names = Region.objects.in_bulk([t + "000" for t in by_township])
    rows = [
        (names.get(t + "000") or Region(code=t + "000", name=t), tally)
        for t, tally in sorted(by_township.items())
    ]
    return total, rows


def campaign_totals(campaigns: list[Campaign]) -> dict[int, Tally]:
    """Totals of many campaigns at once (a list page), keyed by campaign id."""
    ids = [c.pk for c in campaigns]
    found = _grouped(
        CampaignCheck.objects.filter(campaign_id__in=ids), Application.objects.filter(campaign_id__in=ids),
        F("campaign_id"),
    )  # fmt: skip
    return {pk: found.get(pk, Tally()) for pk in ids}
