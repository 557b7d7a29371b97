"""Writes of 疑点数据核查: asking for a run, and the run's work (the rules' counts per village, kept in one
transaction: a run that fails leaves no counts behind)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit, jobs
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from . import selectors
from .choices import Target
from .models import CHECKED, QualityCount, QualityRun
from .rules import RULES, QualityRule, Scope

RUN_LEVELS = (RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY)


def per_village(rule: QualityRule, scope: Scope) -> dict[str, int]:
    """How many rows break ``rule`` in each village of ``scope`` (one GROUP BY over the rule's query)."""
    rows = rule.model.objects.filter(pk__in=rule.offenders(scope).values("pk"))
    column = "household__region_id" if rule.target == Target.MEMBER else "region_id"
    return dict(rows.values_list(column).annotate(n=Count("pk")).order_by())


def check(run: QualityRun, progress: jobs.Progress) -> None:
    """The work of a run: every rule over the run's region, then its counts written at once."""
    scope = selectors.scope_of(run)
    total = len(RULES) + 1
    progress(0, total)
    checked = dict(scope.households().values_list("region_id").annotate(n=Count("pk")).order_by())
    counts = [QualityCount(run=run, region_id=v, rule=CHECKED, count=n) for v, n in checked.items()]
    skipped: dict[str, str] = {}
    for i, rule in enumerate(RULES, start=1):
        reason = rule.unavailable(scope)
        if reason:
            skipped[rule.code] = reason
        else:
            counts += [QualityCount(run=run, region_id=v, rule=rule.code, count=n)
                       for v, n in per_village(rule, scope).items()]  # fmt: skip
        progress(i, total)
    with transaction.atomic():
        QualityCount.objects.filter(run=run).delete()  # a retried run starts clean
        QualityCount.objects.bulk_create(counts, batch_size=5000)
        QualityRun.objects.filter(pk=run.pk).update(
            households=sum(checked.values()),
            findings=sum(c.count for c in counts if c.rule != CHECKED),
            skipped=skipped,
        )


def quality_check(*, user, region: Region, year: int | None = None, now: bool | None = None) -> QualityRun:
    """Run the rules over ``region`` (a county, prefecture or province) for ``year`` (default: the latest year
    with yearly records). A county runs now, in the request; a larger region is queued as a job on the runner
    (``now`` overrides: a command runs a province at once). Refused with the reason in Chinese."""
    permissions.require(user, "run_quality", region=region.code, what=_("运行疑点数据核查"))
    if region.level not in RUN_LEVELS:
        raise ValidationError(_("请按县、市或省运行核查；乡镇和村查看所在县的核查结果。"), code="level")
    year = year or selectors.default_year(region.code)
    now = region.level == RegionLevel.COUNTY if now is None else now
    if not now:
        run = jobs.enqueue(QualityRun, user=user, region=region, year=year)
        audit.record(AuditAction.CREATE, run, after=audit.snapshot(run))
        return run
    run = QualityRun(user=user, region=region, year=year)
    run.full_clean()
    run.save()
    audit.record(AuditAction.CREATE, run, after=audit.snapshot(run))
    return jobs.run(QualityRun, run.pk, check)
