"""Writes of 疑点数据核查: asking for a run, and the run's work (the rules' counts per village, kept in one
transaction: a run that fails leaves no counts behind)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit, jobs
from jingzhun.core.codes import subtree_range
from jingzhun.core.models import AuditAction
from jingzhun.imports.errors import FileRejected
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region

from . import selectors, staged
from .choices import Target
from .models import CHECKED, QualityCount, QualityRun
from .rules import RULES, QualityRule, Scope

FILE_NOW_BYTES = 2 * 2**20  # files up to this size are checked in the request; larger ones on the runner
RUN_LEVELS = (RegionLevel.PROVINCE, RegionLevel.PREFECTURE, RegionLevel.COUNTY)


def per_village(rule: QualityRule, scope: Scope) -> dict[str, int]:
    """How many rows break ``rule`` in each village of ``scope`` (one GROUP BY over the rule's query)."""
    rows = rule.model.objects.using(scope.db).filter(pk__in=rule.offenders(scope).values("pk"))
    column = "household__region_id" if rule.target == Target.MEMBER else "region_id"
    return dict(rows.values_list(column).annotate(n=Count("pk")).order_by())


def check(run: QualityRun, progress: jobs.Progress) -> None:
    """The work of a run: every rule over the run's region, then its counts written at once. A run over an
    uploaded file first stages the file's rows in its scratch database (``staged``) and runs over that."""
    total = len(RULES) + 1 + (2 if run.of_file else 0)
    progress(0, total)
    if run.of_file:
        run = _stage(run, lambda: progress(1, total))
        progress(2, total)
    scope = selectors.scope_of(run)
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
        progress(i + total - len(RULES) - 1, total)
    with transaction.atomic():
        QualityCount.objects.filter(run=run).delete()  # a retried run starts clean
        QualityCount.objects.bulk_create(counts, batch_size=5000)
        QualityRun.objects.filter(pk=run.pk).update(
            households=sum(checked.values()),
            findings=sum(c.count for c in counts if c.rule != CHECKED),
            skipped=skipped,
        )
    if run.of_file:
        staged.close(scope.db)


def _stage(run: QualityRun, progress) -> QualityRun:
    """Stage the run's files (``staged.stage``) as its user, and narrow the run to the region its rows lie in."""
    from pathlib import Path

    user = run.user
    try:
        found = staged.stage(
            user=user,
            household_path=Path(run.file.path),
            member_path=Path(run.member_file.path) if run.member_file else None,
            target=staged.db_path(run.pk),
            progress=progress,
        )
    except FileRejected as exc:
        raise jobs.JobFailed(str(exc)) from exc
    fields = {"refused": found.refused}
    low, high = subtree_range(run.region_id)
    if found.region_code and low <= found.region_code <= high:
        fields["region_id"] = found.region_code
    if found.year and not run.year_given:
        fields["year"] = found.year
    QualityRun.objects.filter(pk=run.pk).update(**fields)
    run.refresh_from_db()
    return run


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


def file_check(
    *,
    user,
    region: Region,
    household_file,
    member_file=None,
    year: int | None = None,
    now: bool | None = None,
) -> QualityRun:
    """Run the rules over an uploaded national file pair (户年度基础信息 + 人员信息) before it is imported: nothing
    is written to the registry. ``region`` bounds the names the files may resolve to (the user's scope); ``year``
    defaults to the files' 年度. Small files run now, larger ones on the runner (``now`` overrides)."""
    permissions.require(user, "run_quality", region=region.code, what=_("运行疑点数据核查"))
    names = household_file.name.rsplit("/", 1)[-1] + (
        f" + {member_file.name.rsplit('/', 1)[-1]}" if member_file else ""
    )
    size = household_file.size + (member_file.size if member_file else 0)
    now = size <= FILE_NOW_BYTES if now is None else now
    fields = {"region": region, "year": year or selectors.default_year(region.code), "file": household_file,
              "member_file": member_file or "", "file_name": names[:200], "year_given": year is not None}  # fmt: skip
    if not now:
        run = jobs.enqueue(QualityRun, user=user, **fields)
        audit.record(AuditAction.CREATE, run, after=audit.snapshot(run))
        return run
    run = QualityRun(user=user, **fields)
    run.save()
    run = jobs.run(QualityRun, run.pk, check)
    if run.status == jobs.JobStatus.FAILED:  # a file that cannot be read: refused, nothing kept
        message = run.message
        discard(run)
        raise ValidationError(message, code="file")
    audit.record(AuditAction.CREATE, run, after=audit.snapshot(run))
    return run


def discard(run: QualityRun) -> None:
    """Remove a refused file run with its files and scratch database."""
    for stored in (run.file, run.member_file):
        if stored:
            stored.delete(save=False)
    staged.remove(run.pk)
    QualityRun.objects.filter(pk=run.pk).delete()
