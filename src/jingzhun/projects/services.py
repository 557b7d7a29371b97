"""Writes of the project library (扶贫项目库): a project's entry items, its lifecycle as immutable steps by the
level and role each belongs to (申报 → 审核 → 论证 → 审定/公告 = 入库 → 年度计划 → 实施 → 验收 → 报账 → 资产移交,
and the yearly revision), its public notices and the objections to them, and the asset register with the
distribution of an 经营性 asset's income to the households it benefits.

Every write checks the actor (``accounts.permissions``), refuses in Chinese before it changes anything, is
atomic and audited under the project's history. ``record_settlement`` is the service the funds app calls to
record a 报账 installment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, F, Sum, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.codes import ancestor_at, level_of, subtree_range
from jingzhun.core.models import AuditAction
from jingzhun.core.policy import in_force
from jingzhun.identification.choices import ObjectionSource, ObjectionStatus
from jingzhun.identification.services import new_reference
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import policy_province
from jingzhun.registry import yearcycle
from jingzhun.registry.models import Household, HouseholdYear

from . import selectors
from .choices import (
    REVISABLE,
    SETTLING,
    AssetKind,
    FundKind,
    NoticeKind,
    RevisionDecision,
    RevisionState,
    RevisionStepKind,
    Stage,
    StepKind,
    TargetKind,
)
from .models import (
    Asset,
    AssetIncome,
    LibraryRevision,
    LibraryRevisionItem,
    LibraryRevisionStep,
    PerformanceTarget,
    Project,
    ProjectBeneficiary,
    ProjectFunding,
    ProjectNotice,
    ProjectObjection,
    ProjectPolicy,
    ProjectStep,
)

CENT = Decimal("0.01")
ENTRY_FIELDS = (
    "name", "category", "nature", "budget", "starts_on", "ends_on", "responsible_unit", "implementer", "tasks",
    "participation", "benefit_mechanism",
)  # fmt: skip


# --- policy data -------------------------------------------------------------------------------------------------


@transaction.atomic
def policy_set(*, user, year: int, province: str | None = None, **values) -> ProjectPolicy:
    """Set the project library's parameters (the days of a project's 公示) from ``year`` on."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改项目库参数")
    )
    region = policy_province(province)
    known = {f.name for f in ProjectPolicy._meta.concrete_fields} - {"id", "year", "province"}
    if unknown := set(values) - known:
        raise ValidationError(_("未知的参数：%(p)s。") % {"p": "、".join(sorted(unknown))})
    return audit.upsert(ProjectPolicy, {"year": year, "province": region}, values)


def publicity_days(project: Project) -> int:
    """The days a project's 公示 runs: the province's policy of the year, else the nation's, else 10."""
    return in_force(
        ProjectPolicy, region_code=project.region_id, year=project.year, defaults=True
    ).publicity_days


# --- helpers -----------------------------------------------------------------------------------------------------


def amount_of(value, field: str = "amount", *, label: str = "") -> Decimal:
    """An exact amount in 元 (two decimals, not negative), refusing anything else in Chinese."""
    try:
        amount = Decimal(str(value).strip().replace(",", "")) if value not in (None, "") else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationError({field: [_("请填写%(l)s（元）。") % {"l": label or _("金额")}]})
    if amount < 0:
        raise ValidationError({field: [_("金额不能为负数。")]})
    if amount != amount.quantize(CENT):
        raise ValidationError({field: [_("金额最多保留两位小数（分）。")]})
    return amount.quantize(CENT)


def _locked(project: Project) -> Project:
    return Project.objects.select_for_update().get(pk=project.pk)


def _wrong_stage(project: Project, what: str) -> ValidationError:
    return ValidationError(
        _("该项目当前处于「%(s)s」阶段，不能办理「%(w)s」。") % {"s": project.get_stage_display(), "w": what}
    )


def _reason(note: str, field: str = "note") -> str:
    note = (note or "").strip()
    if not note:
        raise ValidationError({field: [_("请写明理由。")]})
    return note


def _step(
    project: Project, *, user, kind: str, target: str | None = None, passed: bool = True, note: str = "",
    details: dict | None = None, attachment=None, on: dt.date | None = None, changed: tuple[str, ...] = (),
    before: dict | None = None, acting: permissions.Decision | None = None, proxy_scan=None,
) -> ProjectStep:  # fmt: skip
    """Write the immutable step, move the project to ``target`` (and save ``changed`` fields with it), and
    audit the move under the project's history. Under 代录 (``acting.on_behalf_of``) the step keeps the level
    entered for and the scanned paper record, and the audit says so."""
    before = before if before is not None else audit.snapshot(project)
    target = target or project.stage
    step = ProjectStep(
        project=project, kind=kind, passed=passed, stage_before=before.get("stage", project.stage),
        stage_after=target, note=(note or "").strip(), details=details or {}, on=on or timezone.localdate(),
        actor=user, actor_label=user.get_username() if user is not None else audit.actor_fields()["actor_label"],
        actor_region=(user.region_id or "") if user is not None else "",
    )  # fmt: skip
    if attachment is not None:
        step.attachment = attachment
    if acting is not None and acting.on_behalf_of is not None:
        if proxy_scan is None:
            raise ValidationError({"proxy_scan": [_("代录须上传签字的纸质记录扫描件。")]})
        step.on_behalf_of, step.proxy_scan = acting.on_behalf_of, proxy_scan
    step.full_clean(exclude=["project", "actor"])
    step.save()
    project.stage = target
    project.full_clean(exclude=["region", "villages", "carried_from"])
    project.save(update_fields=["stage", *changed])
    entry = audit.entry_for(AuditAction.UPDATE, project, before=before, after=audit.snapshot(project))
    label = step.get_kind_display()
    entry.changes["step"] = [None, f"{label}：{step.note}" if step.note else label]
    if step.on_behalf_of:  # 代录: who entered it, for which level, from which paper
        entry.changes["on_behalf"] = [
            None,
            {
                "level": step.get_on_behalf_of_display(),
                "actor": step.actor_label,
                "scan": step.proxy_scan.name,
            },
        ]
    entry.save()
    return step


def _level(project: Project) -> int:
    return level_of(project.region_id)


def _review_level(project: Project) -> int:
    """乡镇审核 and its 公示: the township over a village's project, else the project's own level."""
    return max(min(_level(project), RegionLevel.TOWNSHIP), RegionLevel.COUNTY)


# --- the record and its entry items ------------------------------------------------------------------------------


def _villages(project_region: Region, codes) -> list[Region]:
    codes = sorted({c for c in (codes or []) if c})
    if project_region.level == RegionLevel.VILLAGE:
        codes = sorted(set(codes) | {project_region.code})
    found = list(Region.objects.filter(code__in=codes, level=RegionLevel.VILLAGE))
    prefix = project_region.code[: {3: 6, 4: 9, 5: 12}.get(project_region.level, 6)]
    wrong = [c for c in codes if c not in {r.code for r in found} or not c.startswith(prefix)]
    if wrong:
        raise ValidationError(
            {"villages": [_("以下不是本项目申报单位辖区内的村：%(c)s。") % {"c": "、".join(wrong)}]}
        )
    return found


@transaction.atomic
def project_create(
    *, user, region: Region, year: int, villages=(), fundings: dict | None = None, targets=(), **entry
) -> Project:
    """新建项目 (草拟): the declaring region (village, township or county), the year and the entry items;
    ``fundings`` maps a source kind to its amount, ``targets`` are (kind, indicator, value) triples."""
    permissions.require(user, "draft_project", region=region.code, what=_("新建扶贫项目"))
    if region.level not in (RegionLevel.COUNTY, RegionLevel.TOWNSHIP, RegionLevel.VILLAGE):
        raise ValidationError({"region": [_("项目由县、乡镇或村申报。")]})
    unknown = set(entry) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(_("未知的项目要素：%(f)s。") % {"f": "、".join(sorted(unknown))})
    if "budget" in entry:
        entry["budget"] = amount_of(entry["budget"], "budget", label=_("概算投资"))
    project = Project(region=region, year=year, **entry)
    project.full_clean(exclude=["villages", "carried_from"])
    covered = _villages(region, villages)
    project.save()
    project.villages.set(covered)
    audit.record(AuditAction.CREATE, project, after=audit.snapshot(project))
    if fundings:
        _set_fundings(project, fundings)
    for kind, indicator, value in targets or ():
        _add_target(project, kind=kind, indicator=indicator, value=value)
    return project


def _editable(user, project: Project, what: str) -> Project:
    project = _locked(project)
    permissions.require(user, "draft_project", region=project.region_id, what=what)
    if project.stage != Stage.DRAFT:
        raise ValidationError(_("项目已申报，不能再修改入库要素（请退回后修改）。"))
    return project


@transaction.atomic
def project_update(*, user, project: Project, villages=None, **entry) -> Project:
    """Change a draft's entry items (before 申报; a returned project is re-entered as a new draft)."""
    project = _editable(user, project, _("修改项目要素"))
    unknown = set(entry) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(_("未知的项目要素：%(f)s。") % {"f": "、".join(sorted(unknown))})
    before = audit.snapshot(project)
    if "budget" in entry:
        entry["budget"] = amount_of(entry["budget"], "budget", label=_("概算投资"))
    for name, value in entry.items():
        setattr(project, name, value)
    project.full_clean(exclude=["region", "villages", "carried_from"])
    if villages is not None:
        project.villages.set(_villages(project.region, villages))
    project.save()
    audit.record(AuditAction.UPDATE, project, before=before, after=audit.snapshot(project))
    return project


def _set_fundings(project: Project, fundings: dict) -> None:
    rows = []
    for kind, value in fundings.items():
        if kind not in FundKind.values:
            raise ValidationError({"fundings": [_("未知的资金来源：%(k)s。") % {"k": kind}]})
        amount = amount_of(value, "fundings", label=FundKind(kind).label)
        if amount > 0:
            rows.append(ProjectFunding(project=project, kind=kind, amount=amount))
    before = {str(f.kind): str(f.amount) for f in project.fundings.all()}
    project.fundings.all().delete()
    ProjectFunding.objects.bulk_create(rows)
    entry = audit.entry_for(AuditAction.UPDATE, project)
    entry.changes["fundings"] = [before, {r.kind: str(r.amount) for r in rows}]
    entry.save()


@transaction.atomic
def fundings_set(*, user, project: Project, fundings: dict) -> list[ProjectFunding]:
    """资金来源: the amount of each source kind (a kind left out or at 0 has none)."""
    project = _editable(user, project, _("填写资金来源"))
    _set_fundings(project, fundings)
    return list(project.fundings.all())


def _add_target(project: Project, *, kind: str, indicator: str, value: str) -> PerformanceTarget:
    target = PerformanceTarget(
        project=project, kind=kind, indicator=(indicator or "").strip(), value=(value or "").strip()
    )
    if target.kind not in TargetKind.values:
        raise ValidationError({"kind": [_("请选择指标类别。")]})
    target.full_clean(exclude=["project"])
    target.save()
    audit.record(AuditAction.CREATE, target, after=audit.snapshot(target))
    return target


@transaction.atomic
def target_add(*, user, project: Project, kind: str, indicator: str, value: str) -> PerformanceTarget:
    """绩效目标: one indicator and its target value."""
    project = _editable(user, project, _("填写绩效目标"))
    return _add_target(project, kind=kind, indicator=indicator, value=value)


@transaction.atomic
def beneficiaries_set(*, user, project: Project, household_ids) -> int:
    """受益户: households of the registry in the project's villages (read through the user's scope); the list
    replaces the former one. Returns the number of households."""
    project = _editable(user, project, _("确定受益户"))
    ids = sorted({int(i) for i in household_ids})
    villages = list(project.villages.values_list("code", flat=True)) or [project.region_id]
    readable = (
        Household.objects.all() if user is None else Household.objects.for_user(user)
    )  # None: the system
    found = set(readable.filter(pk__in=ids, region_id__in=villages).values_list("pk", flat=True))
    if missing := [i for i in ids if i not in found]:
        raise ValidationError(
            {
                "households": [
                    _("%(n)d 户不在项目覆盖村或不在您的管辖范围内，未能列为受益户。") % {"n": len(missing)}
                ]
            }
        )
    before = sorted(project.beneficiaries.values_list("household_id", flat=True))
    project.beneficiaries.all().delete()
    ProjectBeneficiary.objects.bulk_create([ProjectBeneficiary(project=project, household_id=i) for i in ids])
    entry = audit.entry_for(AuditAction.UPDATE, project)
    entry.changes["beneficiaries"] = [len(before), len(ids)]
    entry.save()
    return len(ids)


# --- public notices and objections -------------------------------------------------------------------------------


def _notice(project: Project, *, kind: str, region_code: str, days: int | None = None) -> ProjectNotice:
    today = timezone.localdate()
    days = days or publicity_days(project)
    notice = ProjectNotice(
        project=project, region_id=region_code, kind=kind, starts_on=today,
        last_day=today + dt.timedelta(days=days - 1), facts=selectors.public_facts(project),
    )  # fmt: skip
    notice.full_clean(exclude=["project", "region"])
    notice.save()
    audit.record(AuditAction.CREATE, notice, after={"kind": kind, "last_day": notice.last_day.isoformat()})
    return notice


def _refuse_unsettled_notice(project: Project, kind: str) -> None:
    """The step after a 公示 waits for its days to run out and for every objection to it to be decided."""
    label = NoticeKind(kind).label
    notice = project.notices.filter(kind=kind).order_by("-id").first()
    if notice is None:
        raise ValidationError(_("请先发布%(k)s，公示期满后再办理。") % {"k": label})
    if notice.last_day >= timezone.localdate():
        raise ValidationError(
            _("%(k)s到 %(d)s 截止，公示期满后才能办理。") % {"k": label, "d": notice.last_day.isoformat()}
        )
    if notice.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise ValidationError(_("%(k)s有尚未处理的异议，请先处理异议。") % {"k": label})


@transaction.atomic
def notice_open(*, user, project: Project) -> ProjectNotice:
    """Publish the project's next 公示 (its days from the policy): the declaring level's before 申报, the
    township's after 审核."""
    project = _locked(project)
    if project.stage == Stage.DRAFT:
        kind, level, step = NoticeKind.VILLAGE, _level(project), StepKind.VILLAGE_NOTICE
    elif project.stage == Stage.REVIEWED:
        kind, level, step = NoticeKind.TOWNSHIP, _review_level(project), StepKind.TOWNSHIP_NOTICE
    else:
        raise _wrong_stage(project, _("发布项目公示"))
    what = str(StepKind(step).label)
    permissions.require(user, "project_step", level=level, region=project.region_id, what=what)
    if project.stage == Stage.DRAFT:
        _refuse_incomplete(project)
    running = project.notices.filter(kind=kind, last_day__gte=timezone.localdate()).exists()
    if running:
        raise ValidationError(_("该项目的%(k)s正在进行中。") % {"k": NoticeKind(kind).label})
    notice = _notice(project, kind=kind, region_code=ancestor_at(project.region_id, level))
    _step(project, user=user, kind=step, note=_("公示至 %(d)s") % {"d": notice.last_day.isoformat()})
    return notice


def notice_objection_file(
    model, *, user, notice, text: str, name: str = "", contact: str = "", ip: str | None = None
):  # fmt: skip
    """File an 异议 (a ``NoticeObjection`` of ``model``) against ``notice`` while it runs: by staff (``user``) or
    from the public portal (None). The one filing for every kind of notice (projects', funds'); the caller's
    transaction holds the notice's row."""
    notice = type(notice).objects.select_for_update().get(pk=notice.pk)
    permissions.require(user, "record_objection", region=notice.region_id)
    text = (text or "").strip()
    if len(text) < 5:
        raise ValidationError({"text": [_("请写明异议的具体内容（至少 5 个字）。")]})
    if not notice.accepts_objections(timezone.localdate()):
        raise ValidationError(_("该公示已结束或不受理异议。"))
    objection = model(
        notice=notice, region_id=notice.region_id, reference=new_reference(),
        source=ObjectionSource.PUBLIC if user is None else ObjectionSource.STAFF,
        name=(name or "").strip(), contact=(contact or "").strip(), text=text, ip=ip,
    )  # fmt: skip
    objection.full_clean(exclude=["notice", "region"])
    objection.save()
    audit.record(AuditAction.CREATE, objection, after={"reference": objection.reference})
    return objection


@transaction.atomic
def objection_file(
    *, user, notice: ProjectNotice, text: str, name: str = "", contact: str = "", ip: str | None = None
) -> ProjectObjection:
    """异议 against a project on its running 公示. It holds the project until the level that published the
    notice decides it."""
    return notice_objection_file(
        ProjectObjection, user=user, notice=notice, text=text, name=name, contact=contact, ip=ip
    )


@transaction.atomic
def objection_resolve(*, user, objection: ProjectObjection, upheld: bool, reason: str) -> ProjectObjection:
    """The level that published the 公示 decides an objection with a reason. Upheld: the project is returned
    (已退回); dismissed: it goes on when the 公示 has run its days."""
    objection = ProjectObjection.objects.select_for_update().select_related("notice").get(pk=objection.pk)
    if objection.notice.revision_id is not None:  # an objection to a county's 项目库年度调整公告
        return _revision_objection_resolve(user, objection, upheld=upheld, reason=reason)
    permissions.require(
        user, "project_step", level=level_of(objection.region_id), region=objection.region_id,
        what=str(StepKind.OBJECTION.label),
    )  # fmt: skip
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("该异议已经处理。"))
    reason = _reason(reason, "reason")
    before = audit.snapshot(objection)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_by, objection.resolved_at = reason, user, timezone.now()
    objection.save()
    audit.record(AuditAction.UPDATE, objection, before=before, after=audit.snapshot(objection))
    project = _locked(objection.notice.project)
    note = f"{objection.reference} {objection.get_status_display()}：{reason}"
    target = Stage.REJECTED if upheld and project.stage not in (Stage.REJECTED,) else project.stage
    _step(project, user=user, kind=StepKind.OBJECTION, target=target, passed=not upheld, note=note)
    return objection


# --- the lifecycle -----------------------------------------------------------------------------------------------


def _refuse_incomplete(project: Project) -> None:
    """The entry items a project needs before it is published and declared (入库要素)."""
    problems = []
    if not project.targets.exists():
        problems.append(_("项目没有绩效目标，不能申报入库：请至少填写一项绩效目标。"))
    funded = Decimal(project.fundings.aggregate(s=Sum("amount"))["s"] or 0).quantize(CENT)
    if project.budget <= 0:
        problems.append(_("请填写项目的概算投资。"))
    elif funded != project.budget:
        problems.append(
            _("资金来源合计 %(f)s 元与概算投资 %(b)s 元不一致。") % {"f": funded, "b": project.budget}
        )
    if not project.starts_on or not project.ends_on:
        problems.append(_("请填写计划开工和完工日期。"))
    if not project.responsible_unit.strip():
        problems.append(_("请填写责任单位。"))
    if not project.tasks.strip():
        problems.append(_("请填写建设任务。"))
    if not project.benefit_mechanism.strip():
        problems.append(_("请填写带贫减贫机制。"))
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def declare(*, user, project: Project, note: str = "", proxy_scan=None) -> ProjectStep:
    """申报: by the declaring level (a village's project by the village) once its 公示 has run its days; or by
    the township for the village (代录) from the signed paper record, scanned (``proxy_scan``)."""
    project = _locked(project)
    what = str(StepKind.DECLARE.label)
    acting = permissions.require(
        user, "project_step", level=_level(project), region=project.region_id, what=what,
        on_behalf=proxy_scan is not None,
    )  # fmt: skip
    if project.stage != Stage.DRAFT:
        raise _wrong_stage(project, what)
    _refuse_incomplete(project)
    _refuse_unsettled_notice(project, NoticeKind.VILLAGE)
    return _step(
        project, user=user, kind=StepKind.DECLARE, target=Stage.DECLARED, note=note, acting=acting,
        proxy_scan=proxy_scan,
    )  # fmt: skip


def _decide(user, project, *, kind, action, level, source, target, passed, note, before_step=None):
    project = _locked(project)
    what = str(StepKind(kind).label)
    permissions.require(user, action, level=level(project), region=project.region_id, what=what)
    if project.stage != source:
        raise _wrong_stage(project, what)
    if not passed:
        note = _reason(note)
    elif before_step is not None:
        before_step(project)
    return _step(
        project, user=user, kind=kind, target=target if passed else Stage.REJECTED, passed=passed, note=note
    )


def review(*, user, project: Project, passed: bool, note: str = "") -> ProjectStep:
    """乡镇审核 of a declared project (a refusal returns it with the reason)."""
    with transaction.atomic():
        return _decide(
            user, project, kind=StepKind.REVIEW, action="project_step", level=_review_level,
            source=Stage.DECLARED, target=Stage.REVIEWED, passed=passed, note=note,
        )  # fmt: skip


def appraise(*, user, project: Project, passed: bool, note: str = "") -> ProjectStep:
    """部门论证 by the county's sector departments, after the township's 公示 has run its days."""
    with transaction.atomic():
        return _decide(
            user, project, kind=StepKind.APPRAISE, action="appraise_project", level=lambda p: None,
            source=Stage.REVIEWED, target=Stage.APPRAISED, passed=passed, note=note,
            before_step=lambda p: _refuse_unsettled_notice(p, NoticeKind.TOWNSHIP),
        )  # fmt: skip


@transaction.atomic
def approve(*, user, project: Project, passed: bool, note: str = "") -> ProjectStep:
    """县级审定 and 公告: the project enters the library (入库) and its 公告 goes on the county's portal page."""
    step = _decide(
        user, project, kind=StepKind.APPROVE, action="approve_project", level=lambda p: None,
        source=Stage.APPRAISED, target=Stage.LISTED, passed=passed, note=note,
    )  # fmt: skip
    if passed:
        _notice(step.project, kind=NoticeKind.COUNTY, region_code=ancestor_at(step.project.region_id, 3))
    return step


# Checks a higher layer adds to 列入年度计划 (funds: the 衔接资金's required industry share): each takes the locked
# project and raises ValidationError to refuse, before anything is written.
PLAN_GUARDS: list[Callable[[Project], None]] = []


def plan_guard(check: Callable[[Project], None]) -> Callable[[Project], None]:
    """Register a check run before a project enters the county's 年度计划 (from an app's ``ready``)."""
    if check not in PLAN_GUARDS:
        PLAN_GUARDS.append(check)
    return check


def _plan_guards(project: Project) -> None:
    for check in PLAN_GUARDS:
        check(project)


@transaction.atomic
def plan(*, user, project: Project, note: str = "") -> ProjectStep:
    """列入年度计划 (the county's yearly implementation plan); refused by the registered ``PLAN_GUARDS``."""
    return _decide(
        user, project, kind=StepKind.PLAN, action="approve_project", level=lambda p: None,
        source=Stage.LISTED, target=Stage.PLANNED, passed=True, note=note, before_step=_plan_guards,
    )  # fmt: skip


@transaction.atomic
def progress_report(*, user, project: Project, percent, note: str = "", photo=None) -> ProjectStep:
    """实施进度: the percent done (never going back) with a site photo through the upload guards."""
    project = _locked(project)
    what = str(StepKind.PROGRESS.label)
    permissions.require(user, "report_progress", region=project.region_id, what=what)
    if project.stage not in (Stage.PLANNED, Stage.IMPLEMENTING):
        raise _wrong_stage(project, what)
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise ValidationError({"percent": [_("请填写 0 到 100 之间的进度。")]}) from None
    if not 0 <= percent <= 100:
        raise ValidationError({"percent": [_("请填写 0 到 100 之间的进度。")]})
    if percent < project.progress:
        raise ValidationError({"percent": [_("进度不能低于上次报送的 %(p)d%%。") % {"p": project.progress}]})
    before = audit.snapshot(project)
    project.progress = percent
    return _step(
        project, user=user, kind=StepKind.PROGRESS, target=Stage.IMPLEMENTING, note=note,
        details={"percent": percent}, attachment=photo, changed=("progress",), before=before,
    )  # fmt: skip


@transaction.atomic
def accept(
    *, user, project: Project, passed: bool, team: str, findings: str, on: dt.date | None = None
) -> ProjectStep:
    """竣工验收 by the county's acceptance team: its members, findings and date. Passed: ``accepted_on`` is set
    (funds pays the final installment only after it) and the 竣工验收公告 goes on the portal."""
    project = _locked(project)
    what = str(StepKind.ACCEPT.label)
    permissions.require(user, "approve_project", region=project.region_id, what=what)
    if project.stage != Stage.IMPLEMENTING:
        raise _wrong_stage(project, what)
    team, findings = (team or "").strip(), (findings or "").strip()
    errors = {}
    if not team:
        errors["team"] = [_("请填写验收组成员。")]
    if not findings:
        errors["findings"] = [_("请填写验收意见。")]
    on = on or timezone.localdate()
    if on > timezone.localdate():
        errors["on"] = [_("验收日期不能晚于今天。")]
    if errors:
        raise ValidationError(errors)
    if passed and project.progress < 100:
        raise ValidationError(
            _("项目实施进度为 %(p)d%%，完工（100%%）后才能验收合格。") % {"p": project.progress}
        )
    if not passed:  # 验收不合格: back to implementation for rectification
        return _step(
            project, user=user, kind=StepKind.ACCEPT, passed=False, note=findings,
            details={"team": team, "on": on.isoformat()}, on=on,
        )  # fmt: skip
    before = audit.snapshot(project)
    project.accepted_on = on
    step = _step(
        project, user=user, kind=StepKind.ACCEPT, target=Stage.ACCEPTED, note=findings,
        details={"team": team, "on": on.isoformat()}, on=on, changed=("accepted_on",), before=before,
    )  # fmt: skip
    _notice(project, kind=NoticeKind.RESULT, region_code=ancestor_at(project.region_id, 3))
    return step


@transaction.atomic
def record_settlement(
    *, user, project: Project, amount, receipts_note: str, final: bool = False
) -> ProjectStep:
    """报账: one installment reimbursed against receipts (called by the funds app). Installments may come
    during implementation; the ``final`` one only after 验收 (``accepted_on``) and it moves the project to
    已报账. The total never exceeds the budget."""
    project = _locked(project)
    what = str(StepKind.SETTLE.label)
    permissions.require(user, "settle_project", region=project.region_id, what=what)
    # installments while it is built; the retention (质保金) after the final one, once settled or handed over
    if project.stage not in SETTLING and (final or project.stage not in (Stage.SETTLED, Stage.TRANSFERRED)):
        raise _wrong_stage(project, what)
    amount = amount_of(amount)
    if amount <= 0:
        raise ValidationError({"amount": [_("报账金额须大于 0。")]})
    receipts_note = (receipts_note or "").strip()
    if not receipts_note:
        raise ValidationError({"receipts_note": [_("请写明报账所附的票据凭证。")]})
    if final and project.accepted_on is None:
        raise ValidationError(_("项目尚未验收，不能办理最后一笔报账。"))
    if project.settled + amount > project.budget:
        raise ValidationError(
            {"amount": [_("报账后累计 %(t)s 元将超过概算投资 %(b)s 元。") % {
                "t": project.settled + amount, "b": project.budget}]}
        )  # fmt: skip
    before = audit.snapshot(project)
    project.settled = project.settled + amount
    return _step(
        project, user=user, kind=StepKind.SETTLE, target=Stage.SETTLED if final else project.stage,
        note=receipts_note, details={"amount": str(amount), "final": final, "total": str(project.settled)},
        changed=("settled",), before=before,
    )  # fmt: skip


@transaction.atomic
def transfer(*, user, project: Project, assets: list[dict], note: str = "") -> list[Asset]:
    """资产移交: the settled project's assets go on the register (kind, owner after 确权, value, maintainer),
    each benefiting the project's beneficiary households."""
    project = _locked(project)
    what = str(StepKind.TRANSFER.label)
    permissions.require(user, "approve_project", region=project.region_id, what=what)
    if project.stage != Stage.SETTLED:
        raise _wrong_stage(project, what)
    if not assets:
        raise ValidationError(_("请至少登记一项移交的资产。"))
    rows = []
    for i, spec in enumerate(assets, start=1):
        asset = Asset(
            project=project, region_id=project.region_id, name=(spec.get("name") or "").strip(),
            kind=spec.get("kind") or "", owner=(spec.get("owner") or "").strip(),
            value=amount_of(spec.get("value"), "value", label=_("资产价值")),
            maintainer=(spec.get("maintainer") or "").strip(),
        )  # fmt: skip
        try:
            asset.full_clean(exclude=["project", "region", "beneficiaries"])
        except ValidationError as exc:
            raise ValidationError(
                [_("第 %(i)d 项资产：%(m)s") % {"i": i, "m": "；".join(exc.messages)}]
            ) from None
        rows.append(asset)
    Asset.objects.bulk_create(rows)
    households = list(project.beneficiaries.values_list("household_id", flat=True))
    Through = Asset.beneficiaries.through
    Through.objects.bulk_create([Through(asset_id=a.pk, household_id=h) for a in rows for h in households])
    audit.record_many(audit.entry_for(AuditAction.CREATE, a, after=audit.snapshot(a)) for a in rows)
    _step(
        project, user=user, kind=StepKind.TRANSFER, target=Stage.TRANSFERRED, note=note,
        details={"assets": [a.pk for a in rows]},
    )  # fmt: skip
    return rows


@transaction.atomic
def carry(*, user, project: Project, reason: str) -> Project:
    """库内调整: a project of the library not yet built is carried to next year's library (a new record of the
    next year, in the library, with its entry items); the old one leaves this year's library."""
    project = _locked(project)
    what = str(StepKind.CARRY.label)
    permissions.require(user, "approve_project", region=project.region_id, what=what)
    if project.stage not in REVISABLE:
        raise _wrong_stage(project, what)
    reason = _reason(reason, "reason")
    if Project.objects.filter(carried_from=project).exists():
        raise ValidationError(_("该项目已结转下年度。"))
    fields = {f: getattr(project, f) for f in ENTRY_FIELDS}
    new = Project.objects.create(
        region_id=project.region_id, year=project.year + 1, category=project.category, stage=Stage.LISTED,
        carried_from=project, **{k: v for k, v in fields.items() if k != "category"},
    )  # fmt: skip
    new.villages.set(project.villages.all())
    ProjectFunding.objects.bulk_create(
        [ProjectFunding(project=new, kind=f.kind, amount=f.amount) for f in project.fundings.all()]
    )
    PerformanceTarget.objects.bulk_create(
        [PerformanceTarget(project=new, kind=t.kind, indicator=t.indicator, value=t.value)
         for t in project.targets.all()]
    )  # fmt: skip
    ProjectBeneficiary.objects.bulk_create(
        [ProjectBeneficiary(project=new, household_id=h)
         for h in project.beneficiaries.values_list("household_id", flat=True)]
    )  # fmt: skip
    audit.record(AuditAction.CREATE, new, after=audit.snapshot(new))
    _step(
        project, user=user, kind=StepKind.CARRY, target=Stage.WITHDRAWN, note=reason,
        details={"to_year": new.year, "project": new.pk},
    )  # fmt: skip
    _step(new, user=user, kind=StepKind.CARRY, target=Stage.LISTED, note=reason, details={"from": project.pk})
    return new


@transaction.atomic
def withdraw(*, user, project: Project, reason: str) -> ProjectStep:
    """库内调整: a project of the library not yet built is taken out of it, with the reason."""
    project = _locked(project)
    what = str(StepKind.WITHDRAW.label)
    permissions.require(user, "approve_project", region=project.region_id, what=what)
    if project.stage not in REVISABLE:
        raise _wrong_stage(project, what)
    return _step(
        project, user=user, kind=StepKind.WITHDRAW, target=Stage.WITHDRAWN, note=_reason(reason, "reason")
    )


# --- the yearly revision of the library (项目库年度调整) -----------------------------------------------------------


def _revision_locked(revision: LibraryRevision) -> LibraryRevision:
    return LibraryRevision.objects.select_for_update().select_related("county").get(pk=revision.pk)


def _revision_step(
    revision: LibraryRevision, *, user, kind: str, note: str = "", details: dict | None = None,
    before: dict | None = None,
) -> LibraryRevisionStep:  # fmt: skip
    """Write the revision's immutable step, save its state, and audit both under the revision's history."""
    step = LibraryRevisionStep(
        revision=revision, kind=kind, note=(note or "").strip(), details=details or {},
        actor=user, actor_label=user.get_username() if user is not None else audit.actor_fields()["actor_label"],
    )  # fmt: skip
    step.full_clean(exclude=["revision", "actor"])
    step.save()
    revision.save()
    entry = audit.entry_for(
        AuditAction.UPDATE, revision, before=before or {}, after=audit.snapshot(revision) if before else {}
    )
    label = step.get_kind_display()
    entry.changes["step"] = [None, f"{label}：{step.note}" if step.note else label]
    if details:
        entry.changes["details"] = [None, details]
    entry.save()
    return step


def _revision_require(user, revision: LibraryRevision, what: str) -> None:
    permissions.require(user, "revise_library", region=revision.county_id, what=what)


def proposed_decision(project: Project, year: int) -> str:
    """The decision a revision of ``year`` proposes for a project of the library not yet implemented: keep one
    planned to start after the year, carry the others to next year (none is proposed for withdrawal: that
    takes a reason)."""
    if project.starts_on is not None and project.starts_on.year > year:
        return RevisionDecision.KEEP
    return RevisionDecision.CARRY


@transaction.atomic
def revision_open(*, user, county: Region, year: int) -> LibraryRevision:
    """开始项目库年度调整: the county's revision of its library of ``year`` (one per county and year), listing every
    project of the library not yet implemented (已入库, 已列入年度计划) with its proposed decision."""
    permissions.require(user, "revise_library", region=county.code, what=str(RevisionStepKind.OPEN.label))
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"county": [_("项目库年度调整由县级开展。")]})
    revision = LibraryRevision(county=county, year=year, created_by=user)
    revision.full_clean(
        exclude=["created_by"]
    )  # one per county and year: refused in Chinese by the constraint
    lo, hi = subtree_range(county.code)
    rows = list(
        Project.objects.filter(region__code__range=(lo, hi), year=year, stage__in=REVISABLE)
        .order_by("region_id", "id")
        .only("pk", "starts_on")
    )
    if not rows:
        raise ValidationError(
            _("%(y)d 年度项目库没有待调整的项目（已入库或已列入年度计划、尚未实施的项目）。") % {"y": year}
        )
    revision.save()
    audit.record(AuditAction.CREATE, revision, after=audit.snapshot(revision))
    items = [
        LibraryRevisionItem(
            revision=revision, project_id=p.pk, proposed=(d := proposed_decision(p, year)), decision=d
        )
        for p in rows
    ]
    LibraryRevisionItem.objects.bulk_create(items, batch_size=2000)
    counts = {k: sum(1 for i in items if i.decision == k) for k in RevisionDecision.values}
    _revision_step(
        revision, user=user, kind=RevisionStepKind.OPEN,
        note=_("列入调整的项目 %(n)d 个") % {"n": len(items)}, details={"projects": len(items), **counts},
    )  # fmt: skip
    return revision


@transaction.atomic
def revision_decide(
    *, user, revision: LibraryRevision, decision: str, project_ids=(), every: bool = False, reason: str = ""
) -> int:
    """Set the decision of many projects of the revision at once (``project_ids``, or ``every`` project of it):
    one UPDATE; a withdrawal names its reason. Only while the revision is being prepared (not published)."""
    revision = _revision_locked(revision)
    _revision_require(user, revision, str(RevisionStepKind.DECIDE.label))
    if revision.state != RevisionState.DRAFT:
        raise ValidationError(_("调整公告已经发布，不能再修改调整意见。"))
    if decision not in RevisionDecision.values:
        raise ValidationError({"decision": [_("请选择调整意见。")]})
    reason = (reason or "").strip()
    if decision == RevisionDecision.WITHDRAW and not reason:
        raise ValidationError({"reason": [_("调出项目库须写明理由。")]})
    if len(reason) > 500:
        raise ValidationError({"reason": [_("理由不超过 500 字。")]})
    rows = revision.items.all()
    if not every:
        ids = sorted({int(i) for i in project_ids})
        if not ids:
            raise ValidationError(_("请勾选要调整的项目。"))
        rows = rows.filter(project_id__in=ids)
        if (found := rows.count()) != len(ids):
            raise ValidationError(_("有 %(n)d 个项目不在本次年度调整中。") % {"n": len(ids) - found})
    changed = list(rows.values_list("project_id", flat=True))
    if not changed:
        raise ValidationError(_("本次年度调整没有项目。"))
    rows.update(decision=decision, reason=reason)
    label = RevisionDecision(decision).label
    _revision_step(
        revision, user=user, kind=RevisionStepKind.DECIDE,
        note=_("%(n)d 个项目：%(d)s") % {"n": len(changed), "d": label} + (f"（{reason}）" if reason else ""),
        details={"decision": decision, "projects": changed},
    )  # fmt: skip
    return len(changed)


def _revision_rows(revision: LibraryRevision) -> list[dict]:
    """The revised library as the public reads it: each project's name, village(s), amount and decision — no
    household, no person."""
    items = list(
        revision.items.select_related("project__region").order_by("project__region_id", "project_id")
    )
    Through = Project.villages.through
    villages: dict[int, list[str]] = {}
    for project_id, name in (
        Through.objects.filter(project_id__in=[i.project_id for i in items])
        .order_by("region_id")
        .values_list("project_id", "region__name")
    ):
        villages.setdefault(project_id, []).append(name)
    return [
        {
            "name": i.project.name,
            "village": "、".join(villages.get(i.project_id) or [i.project.region.name]),
            "amount": str(i.project.budget),
            "decision": i.decision,
            "decision_label": str(RevisionDecision(i.decision).label),
            "reason": i.reason if i.decision == RevisionDecision.WITHDRAW else "",
        }
        for i in items
    ]


@transaction.atomic
def revision_publish(*, user, revision: LibraryRevision) -> ProjectNotice:
    """发布调整公告: the revised library goes on the county's portal page as one 公告 for the policy's days
    (``ProjectPolicy.publicity_days`` of the county's province and the year), open to objections."""
    revision = _revision_locked(revision)
    _revision_require(user, revision, str(RevisionStepKind.PUBLISH.label))
    if revision.state != RevisionState.DRAFT:
        raise ValidationError(_("调整公告已经发布。"))
    missing = revision.items.filter(decision=RevisionDecision.WITHDRAW, reason="").count()
    if missing:
        raise ValidationError(_("有 %(n)d 个调出项目库的项目没有写明理由。") % {"n": missing})
    days = in_force(
        ProjectPolicy, region_code=revision.county_id, year=revision.year, defaults=True
    ).publicity_days
    today = timezone.localdate()
    rows = _revision_rows(revision)
    notice = ProjectNotice(
        revision=revision, region_id=revision.county_id, kind=NoticeKind.REVISION, starts_on=today,
        last_day=today + dt.timedelta(days=days - 1),
        facts={
            "name": revision.county.name,  # the portal lists it as "<year> <county> · 项目库年度调整公告"
            "year": revision.year, "to_year": revision.year + 1, "rows": rows,
            "counts": {k: sum(1 for r in rows if r["decision"] == k) for k in RevisionDecision.values},
        },
    )  # fmt: skip
    notice.full_clean(exclude=["project", "revision", "region"])
    notice.save()
    audit.record(
        AuditAction.CREATE, notice, after={"kind": notice.kind, "last_day": notice.last_day.isoformat()}
    )
    before = audit.snapshot(revision)
    revision.state = RevisionState.PUBLISHED
    _revision_step(
        revision, user=user, kind=RevisionStepKind.PUBLISH,
        note=_("公告至 %(d)s") % {"d": notice.last_day.isoformat()},
        details={"notice": notice.pk, "days": days}, before=before,
    )  # fmt: skip
    return notice


def _revision_objection_resolve(user, objection: ProjectObjection, *, upheld: bool, reason: str):
    """An objection to the revision's 公告, decided by the county with a reason. Upheld: the revision goes back to
    preparation (the county changes its decisions and publishes again); dismissed: it may be approved when the
    公告 has run its days."""
    revision = _revision_locked(objection.notice.revision)
    _revision_require(user, revision, str(RevisionStepKind.OBJECTION.label))
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("该异议已经处理。"))
    if revision.state == RevisionState.APPROVED:
        raise ValidationError(_("该年度调整已审定生效。"))
    reason = _reason(reason, "reason")
    before_objection = audit.snapshot(objection)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_by, objection.resolved_at = reason, user, timezone.now()
    objection.save()
    audit.record(AuditAction.UPDATE, objection, before=before_objection, after=audit.snapshot(objection))
    before = audit.snapshot(revision)
    if upheld:
        revision.state = RevisionState.DRAFT
    _revision_step(
        revision, user=user, kind=RevisionStepKind.OBJECTION,
        note=f"{objection.reference} {objection.get_status_display()}：{reason}",
        details={"objection": objection.reference, "upheld": upheld}, before=before,
    )  # fmt: skip
    return objection


@transaction.atomic
def revision_approve(*, user, revision: LibraryRevision, note: str = "") -> dict[str, int]:
    """审定生效: after the 公告 has run its days with every objection decided, the decisions take effect in one
    transaction — carried projects enter next year's library (a new record of the year after, 已入库, with its
    entry items, sources, targets, villages and beneficiaries; the old one leaves this year's library), withdrawn
    ones get their 调出项目库 step; kept ones stay as they are. Set-based: a handful of statements whatever the
    number of projects. A project that has meanwhile started (no longer 已入库/已列入年度计划) is left as it is and
    named in the step. Returns the counts."""
    revision = _revision_locked(revision)
    _revision_require(user, revision, str(RevisionStepKind.APPROVE.label))
    if revision.state != RevisionState.PUBLISHED:
        raise ValidationError(
            _("年度调整处于「%(s)s」状态，须先发布调整公告。") % {"s": revision.get_state_display()}
            if revision.state == RevisionState.DRAFT
            else _("该年度调整已审定生效。")
        )
    notice = revision.notices.order_by("-id").first()
    if notice.last_day >= timezone.localdate():
        raise ValidationError(
            _("调整公告到 %(d)s 截止，公告期满后才能审定。") % {"d": notice.last_day.isoformat()}
        )
    if ProjectObjection.objects.filter(notice__revision=revision, status=ObjectionStatus.OPEN).exists():
        raise ValidationError(_("调整公告有尚未处理的异议，请先处理异议。"))
    decided = dict(
        revision.items.exclude(decision=RevisionDecision.KEEP).values_list("project_id", "decision")
    )
    projects = {
        p.pk: p for p in Project.objects.select_for_update().filter(pk__in=list(decided)).order_by("pk")
    }
    moved = {pk: p for pk, p in projects.items() if p.stage in REVISABLE}
    skipped = sorted(set(decided) - set(moved))
    reasons = dict(revision.items.filter(project_id__in=list(moved)).values_list("project_id", "reason"))
    carried = [p for pk, p in moved.items() if decided[pk] == RevisionDecision.CARRY]
    withdrawn = [p for pk, p in moved.items() if decided[pk] == RevisionDecision.WITHDRAW]
    label = _("%(y)d 年度项目库调整") % {"y": revision.year}
    actor = {
        "actor": user, "actor_label": user.get_username() if user is not None else audit.actor_fields()["actor_label"],
        "actor_region": (user.region_id or "") if user is not None else "",
    }  # fmt: skip
    today, now = timezone.localdate(), timezone.now()
    # carried: the new records of next year with what they carry
    new = [
        Project(
            region_id=p.region_id, year=p.year + 1, category=p.category, stage=Stage.LISTED, carried_from=p,
            **{f: getattr(p, f) for f in ENTRY_FIELDS if f != "category"},
        )
        for p in carried
    ]  # fmt: skip
    Project.objects.bulk_create(new, batch_size=1000)
    new_of = {n.carried_from_id: n.pk for n in new}
    old_ids = list(new_of)
    Through = Project.villages.through
    Through.objects.bulk_create(
        [Through(project_id=new_of[pid], region_id=rid)
         for pid, rid in Through.objects.filter(project_id__in=old_ids).values_list("project_id", "region_id")],
        batch_size=2000,
    )  # fmt: skip
    ProjectFunding.objects.bulk_create(
        [ProjectFunding(project_id=new_of[pid], kind=k, amount=a)
         for pid, k, a in ProjectFunding.objects.filter(project_id__in=old_ids).values_list("project_id", "kind", "amount")],
        batch_size=2000,
    )  # fmt: skip
    PerformanceTarget.objects.bulk_create(
        [PerformanceTarget(project_id=new_of[pid], kind=k, indicator=i, value=v)
         for pid, k, i, v in PerformanceTarget.objects.filter(project_id__in=old_ids).order_by("id")
         .values_list("project_id", "kind", "indicator", "value")],
        batch_size=2000,
    )  # fmt: skip
    ProjectBeneficiary.objects.bulk_create(
        [ProjectBeneficiary(project_id=new_of[pid], household_id=h)
         for pid, h in ProjectBeneficiary.objects.filter(project_id__in=old_ids).values_list("project_id", "household_id")],
        batch_size=2000,
    )  # fmt: skip
    # the steps: the old record leaves the library (carried or withdrawn), the new one enters next year's
    steps, entries = [], []

    def reason_of(p: Project) -> str:
        return f"{label}：{reasons.get(p.pk) or RevisionDecision(decided[p.pk]).label}"

    for p in [*carried, *withdrawn]:
        kind = StepKind.CARRY if decided[p.pk] == RevisionDecision.CARRY else StepKind.WITHDRAW
        details = {"revision": revision.pk}
        if kind == StepKind.CARRY:
            details |= {"to_year": p.year + 1, "project": new_of[p.pk]}
        steps.append(ProjectStep(
            project=p, kind=kind, stage_before=p.stage, stage_after=Stage.WITHDRAWN, note=reason_of(p),
            details=details, on=today, at=now, **actor,
        ))  # fmt: skip
        entry = audit.entry_for(
            AuditAction.UPDATE, p, before={"stage": p.stage}, after={"stage": Stage.WITHDRAWN}
        )
        entry.changes["step"] = [None, f"{StepKind(kind).label}：{reason_of(p)}"]
        entries.append(entry)
    for n in new:
        old = n.carried_from
        steps.append(ProjectStep(
            project=n, kind=StepKind.CARRY, stage_before=Stage.LISTED, stage_after=Stage.LISTED,
            note=reason_of(old), details={"from": old.pk, "revision": revision.pk}, on=today, at=now, **actor,
        ))  # fmt: skip
        entries.append(audit.entry_for(AuditAction.CREATE, n, after=audit.snapshot(n)))
    ProjectStep.objects.bulk_create(steps, batch_size=1000)
    Project.objects.filter(pk__in=list(moved)).update(stage=Stage.WITHDRAWN)
    audit.record_many(entries)
    counts = {
        "carried": len(carried), "withdrawn": len(withdrawn),
        "kept": revision.items.filter(decision=RevisionDecision.KEEP).count(), "skipped": len(skipped),
    }  # fmt: skip
    before = audit.snapshot(revision)
    revision.state, revision.approved_at = RevisionState.APPROVED, now
    _revision_step(
        revision, user=user, kind=RevisionStepKind.APPROVE, note=note,
        details={**counts, "skipped_projects": skipped}, before=before,
    )  # fmt: skip
    return counts


# --- assets: income distribution ---------------------------------------------------------------------------------


@transaction.atomic
def income_distribute(*, user, asset: Asset, year: int, amount, note: str = "") -> AssetIncome:
    """资产收益分配: an 经营性 asset's income of ``year`` shared equally among its beneficiary households (to the
    cent; the remainder cents to the first households by id), added to each household's 资产收益扶贫分红 (and so
    its 财产性收入) of that year — one UPDATE, audited with one bulk insert. Refused for a closed year and for
    households without a record of the year; nothing changes then."""
    asset = Asset.objects.select_for_update().get(pk=asset.pk)
    permissions.require(user, "manage_assets", region=asset.region_id, what=_("资产收益分配"))
    if asset.kind != AssetKind.OPERATING:
        raise ValidationError(_("只有经营性资产的收益才能分配到户。"))
    amount = amount_of(amount)
    if amount <= 0:
        raise ValidationError({"amount": [_("分配金额须大于 0。")]})
    households = list(
        Household.objects.filter(pk__in=asset.beneficiaries.values("pk"))
        .order_by("id")
        .values_list("id", "region_id")
    )
    if not households:
        raise ValidationError(_("该资产没有受益户，无法分配收益。"))
    yearcycle.refuse_frozen({(region, year) for _h, region in households})
    years = list(
        HouseholdYear.objects.select_for_update().filter(
            household_id__in=[h for h, _r in households], year=year
        )
    )
    if len(years) != len(households):
        missing = len(households) - len(years)
        raise ValidationError(
            _("有 %(n)d 户受益户没有 %(y)d 年度信息，请先录入年度信息再分配。") % {"n": missing, "y": year}
        )
    n = len(households)
    share = (amount / n).quantize(CENT, rounding=ROUND_DOWN)
    extra = int((amount - share * n) / CENT)  # cents left over: one more cent to the first ``extra``
    shares = {h: share + (CENT if i < extra else 0) for i, (h, _r) in enumerate(households)}
    entries = []
    for row in years:
        before = audit.snapshot(row)
        row.property_dividend += shares[row.household_id]
        row.property_income += shares[row.household_id]
        entry = audit.entry_for(AuditAction.UPDATE, row, before=before, after=audit.snapshot(row))
        entry.changes["asset_income"] = [None, f"{asset.name}：{shares[row.household_id]}"]
        entries.append(entry)
    bonus = [h for h, s in shares.items() if s != share]
    delta = (
        Case(When(household_id__in=bonus, then=Value(share + CENT)), default=Value(share))
        if bonus
        else Value(share)
    )
    HouseholdYear.objects.filter(pk__in=[r.pk for r in years]).update(
        property_dividend=F("property_dividend") + delta, property_income=F("property_income") + delta
    )
    audit.record_many(entries)
    income = AssetIncome(
        asset=asset, year=year, amount=amount, households=n, note=(note or "").strip()[:200], created_by=user
    )
    income.full_clean(exclude=["asset", "created_by"])
    income.save()
    audit.record(AuditAction.CREATE, income, after=audit.snapshot(income))
    return income
