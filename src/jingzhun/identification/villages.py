"""Writes on poor villages (贫困村): the village's yearly figures, the county's designation (一高一低一无), and the
exit — proposed by the township, 公示 within the township on identification's own lists (``Publicity`` with
procedure 贫困村退出, objections from staff and the portal as for any 公示), then the county's 公告.

Each write asks ``accounts.permissions`` (the actions are rows there), checks the village's status and stage,
appends an immutable ``VillageStep`` with the rules' verdict at that moment, and is audited under the village's
year. A refusal names every village and every reason, and changes nothing (one transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import policy_province
from jingzhun.registry.yearcycle import refuse_frozen

from . import rules, selectors
from . import village_selectors as vs
from .choices import ObjectionStatus, Procedure, Round, Stage, UpheldAction, VillageStatus, VillageStepKind
from .models import Objection, Publicity, PublicityEntry, VillagePolicy, VillageStep, VillageYear

RULE = rules.PROCEDURES[Procedure.VILLAGE_EXIT]


def _year(year) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": [_("年度无效。")]}) from None
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ValidationError({"year": [_("年度无效。")]})
    return year


def _village(region: Region) -> Region:
    if region.level != RegionLevel.VILLAGE:
        raise ValidationError({"region": [_("%(n)s 不是村级区划。") % {"n": region.name}]})
    return region


def _record(village: Region, year: int) -> VillageYear:
    """The village's record of the year, locked (made empty where there is none yet)."""
    record, _created = VillageYear.objects.select_for_update().get_or_create(region=village, year=year)
    return record


def _steps(
    records: list[VillageYear], *, user, kind: str, note: str = "", details=None, passed=True, on=None
):
    """One immutable step per village and one audit entry per village year (before/after), set-based."""
    on = on or timezone.localdate()
    label = (user.get_username() if user is not None else audit.actor_fields()["actor_label"]) or ""
    VillageStep.objects.bulk_create(
        VillageStep(
            village_year=r, kind=kind, passed=passed, note=note, on=on, actor=user, actor_label=label,
            details=(details or {}).get(r.pk, {}) if isinstance(details, dict) else {},
        )
        for r in records
    )  # fmt: skip


def _save(records: list[VillageYear], befores: list[dict], *, step_label: str) -> None:
    # A county's closed year is frozen for its villages' records too (designation, figures, exit stages);
    # the caller's transaction rolls back whatever it did before.
    refuse_frozen((r.region_id, r.year) for r in records)
    entries = []
    for r, before in zip(records, befores, strict=True):
        r.full_clean(exclude=["region"], validate_constraints=False)
        r.save()
        entry = audit.entry_for(AuditAction.UPDATE, r, before=before, after=audit.snapshot(r))
        entry.changes["step"] = [None, step_label]
        entries.append(entry)
    audit.record_many(entries)


def _verdict_details(row: vs.VillageRow, verdict: rules.VillageVerdict | None) -> dict:
    return {
        "incidence": str(row.incidence) if row.incidence is not None else None,
        "poor_persons": row.poor_persons,
        "population": row.population,
        "reasons": list(verdict.reasons) if verdict else [],
        "facts": list(verdict.facts) if verdict else [],
    }


# --- policy data ----------------------------------------------------------------------------------------------


@transaction.atomic
def village_policy_set(*, user, year: int, province: str | None = None, **values) -> VillagePolicy:
    """Set the designation and exit standard for ``year``, nationally or for one province (its incidence and
    average income are the province's own figures); audited."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改贫困村认定和退出标准")
    )
    region = policy_province(province)
    allowed = {f.name for f in VillagePolicy._meta.fields} - {"id", "year", "province"}
    unknown = set(values) - allowed
    if unknown:
        raise ValidationError(_("未知的标准项：%(f)s。") % {"f": "、".join(sorted(unknown))})
    row = VillagePolicy.objects.filter(year=year, province=region).first() or VillagePolicy(
        year=year, province=region
    )
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(exclude=["province"], validate_constraints=False)
    return audit.upsert(VillagePolicy, {"year": year, "province": region}, values)


# --- the village's figures of a year ----------------------------------------------------------------------------


def _money(value, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: [_("请填写金额（元）。")]}) from None
    if amount < 0:
        raise ValidationError({field: [_("金额不能为负数。")]})
    return amount


@transaction.atomic
def village_year_set(
    *, user, village: Region, year: int, collective_income=None, per_capita_income=None, checklist: dict
) -> VillageYear:
    """录入 a village's figures of the year: collective income, farmers' per-capita net income and the answers
    to the exit checklist (only the policy's items are kept). Refused while the year's exit is on a list or
    waiting for its 公告: what was shown is what is announced."""
    village, year = _village(village), _year(year)
    permissions.require(user, "record_village_year", region=village.code)
    record = _record(village, year)
    if record.exit_stage in vs.LOCKED_STAGES:
        raise ValidationError(
            _("%(v)s %(y)d 年度的退出处于「%(s)s」环节，不能修改年度信息。")
            % {"v": village.name, "y": year, "s": record.get_exit_stage_display()}
        )
    items = dict(vs.checklist_items(region_code=village.code, year=year))
    before = audit.snapshot(record)
    record.collective_income = _money(collective_income, "collective_income")
    record.per_capita_income = _money(per_capita_income, "per_capita_income")
    record.checklist = {key: bool(checklist.get(key)) for key in items}
    _save([record], [before], step_label=_("录入年度信息"))
    return record


# --- designation (一高一低一无) by the county ------------------------------------------------------------------


@transaction.atomic
def village_designate(*, user, village: Region, year: int, confirm: bool, reason: str = "") -> VillageYear:
    """The county confirms the rules' suggestion (贫困村) or turns it down (非贫困村) for ``year``, with a reason:
    always when turning it down, and when confirming a village the rules do not suggest. Kept on the village's
    year with the verdict at that moment; a village already a 贫困村 that year, or decided that year, is refused."""
    village, year = _village(village), _year(year)
    what = _("认定贫困村") if confirm else _("不予认定贫困村")
    permissions.require(user, "designate_village", region=village.code, what=what)
    reason = (reason or "").strip()
    record = _record(village, year)
    row = vs.village_row(village, year=year)
    if record.status:
        raise ValidationError(
            _("%(v)s %(y)d 年度已有认定结果「%(s)s」，不能重复认定。")
            % {"v": village.name, "y": year, "s": record.get_status_display()}
        )
    if row.status == VillageStatus.POOR:
        raise ValidationError(_("%(v)s 在 %(y)d 年度已是贫困村。") % {"v": village.name, "y": year})
    if row.status == VillageStatus.EXITED:
        raise ValidationError(
            _("%(v)s 已退出贫困村，不再重新认定；返贫风险按监测帮扶办理。") % {"v": village.name}
        )
    if not confirm and not reason:
        raise ValidationError({"reason": [_("不予认定时必须填写理由。")]})
    if confirm and not row.suggested and not reason:
        raise ValidationError(
            {
                "reason": [
                    _("按“一高一低一无”该村不符合认定条件（%(r)s）；如确需认定，请填写理由。")
                    % {"r": "；".join(row.designation.reasons if row.designation else [])}
                ]
            }
        )
    before = audit.snapshot(record)
    record.status = VillageStatus.POOR if confirm else VillageStatus.NON_POOR
    record.status_reason = reason
    kind = VillageStepKind.DESIGNATE if confirm else VillageStepKind.DESIGNATE_REJECT
    _save([record], [before], step_label=str(VillageStepKind(kind).label))
    _steps(
        [record], user=user, kind=kind, note=reason, passed=confirm,
        details={record.pk: {**_verdict_details(row, row.designation), "suggested": row.suggested}},
    )  # fmt: skip
    return record


# --- exit: the township proposes and publishes, the county announces ------------------------------------------


def _villages_of(parent: Region, villages: Iterable[Region]) -> list[Region]:
    villages = sorted({v.code: v for v in villages}.values(), key=lambda v: v.code)
    if not villages:
        raise ValidationError({"villages": [_("请至少选择一个村。")]})
    lo, hi = parent.subtree_range()
    outside = [v.name for v in villages if not (lo <= v.code <= hi) or v.level != RegionLevel.VILLAGE]
    if outside:
        raise ValidationError(
            {"villages": [_("%(v)s 不是 %(p)s 的村。") % {"v": "、".join(outside), "p": parent.name}]}
        )
    return villages


def _exit_problems(row: vs.VillageRow) -> list[str]:
    name = row.village.name
    if row.status != VillageStatus.POOR:
        return [
            _("%(v)s 在 %(y)d 年度不是贫困村（%(s)s）。") % {"v": name, "y": row.year, "s": row.status_label}
        ]
    if row.exit is not None and not row.exit.met:
        return [_("%(v)s 未达到退出标准：%(r)s") % {"v": name, "r": "；".join(row.exit.reasons)}]
    return []


@transaction.atomic
def village_exit_propose(*, user, township: Region, year: int, villages: Iterable[Region], note: str = ""):
    """乡镇提出: the township proposes poor villages of its own for exit in ``year``. Each must be a 贫困村 that
    year, without an exit already under way, and meet the standard (incidence and checklist); otherwise the
    whole proposal is refused with every village's reasons."""
    year = _year(year)
    permissions.require(user, "propose_village_exit", region=township.code, level=township.level)
    if township.level != RegionLevel.TOWNSHIP:
        raise ValidationError({"region": [_("贫困村退出由乡镇提出，请选择一个乡镇。")]})
    villages = _villages_of(township, villages)
    records = [_record(v, year) for v in villages]
    rows = vs.village_rows(villages, year=year)
    problems = []
    for row, record in zip(rows, records, strict=True):
        if record.exit_stage and record.exit_stage != Stage.REJECTED:
            problems.append(
                _("%(v)s %(y)d 年度已有退出申请（%(s)s）。")
                % {"v": row.village.name, "y": year, "s": record.get_exit_stage_display()}
            )
        else:
            problems += _exit_problems(row)
    if problems:
        raise ValidationError({"villages": problems})
    befores = [audit.snapshot(r) for r in records]
    today = timezone.localdate()
    for r in records:
        r.exit_stage, r.exit_stage_since = RULE.start, today
    _save(records, befores, step_label=str(VillageStepKind.EXIT_PROPOSE.label))
    details = {r.pk: _verdict_details(row, row.exit) for r, row in zip(records, rows, strict=True)}
    _steps(records, user=user, kind=VillageStepKind.EXIT_PROPOSE, note=(note or "").strip(), details=details)
    return records


def _locked_records(villages: list[Region], year: int) -> list[VillageYear]:
    return list(
        VillageYear.objects.select_for_update()
        .select_related("region")
        .filter(region__in=[v.code for v in villages], year=year)
        .order_by("region_id")
    )


def _wrong_stage(records: list[VillageYear], wanted: str, what: str) -> None:
    wrong = [r for r in records if r.exit_stage != wanted]
    if wrong:
        raise ValidationError(
            {
                "villages": [
                    _("%(v)s 当前处于「%(s)s」环节，不能办理「%(w)s」。")
                    % {"v": r.region.name, "s": r.get_exit_stage_display() or _("未提出退出"), "w": what}
                    for r in wrong
                ]
            }
        )


def _list(region: Region, *, round: str, year: int, user, records: list[VillageYear], starts_on, days: int):
    publicity = Publicity(
        region=region, round=round, procedure=Procedure.VILLAGE_EXIT, year=year, starts_on=starts_on,
        last_day=rules.last_day(starts_on, days) if days else starts_on, opened_by=user,
        closed_on=None if days else starts_on,
    )  # fmt: skip
    publicity.save()
    PublicityEntry.objects.bulk_create(
        PublicityEntry(publicity=publicity, village_year=r, head_name=r.region.name[:50], member_count=0)
        for r in records
    )
    audit.record(AuditAction.CREATE, publicity, after=audit.snapshot(publicity))
    return publicity


def _move(records: list[VillageYear], *, target: str, user, kind: str, note: str, on=None) -> None:
    befores = [audit.snapshot(r) for r in records]
    on = on or timezone.localdate()
    for r in records:
        r.exit_stage, r.exit_stage_since = target, on
    _save(records, befores, step_label=str(VillageStepKind(kind).label))
    _steps(records, user=user, kind=kind, note=note, on=on)


@transaction.atomic
def village_exit_publicity_open(
    *, user, township: Region, year: int, villages: Iterable[Region], starts_on=None
) -> Publicity:
    """乡镇公示: the proposed villages go on one list of the township (拟退出贫困村公示) for the year's 公示
    period of the province; objections come in from staff and the portal as for any 公示."""
    year = _year(year)
    rule = RULE.rounds[Round.FIRST]
    what = _("拟退出贫困村公示")
    permissions.require(user, "propose_village_exit", region=township.code, what=what)
    if township.level != RegionLevel.TOWNSHIP:
        raise ValidationError({"region": [_("贫困村退出在乡镇范围内公示，请选择一个乡镇。")]})
    villages = _villages_of(township, villages)
    records = _locked_records(villages, year)
    if len(records) != len(villages):
        missing = sorted({v.name for v in villages} - {r.region.name for r in records})
        raise ValidationError({"villages": [_("%(v)s 尚未提出退出。") % {"v": "、".join(missing)}]})
    _wrong_stage(records, rule.source, what)
    today = timezone.localdate()
    starts_on = starts_on or today
    if starts_on < today:
        raise ValidationError({"starts_on": [_("公示开始日期不能早于今天。")]})
    days = selectors.procedure_policy(year=year, region_code=township.code).publicity_days
    publicity = _list(
        township, round=Round.FIRST, year=year, user=user, records=records, starts_on=starts_on, days=days
    )
    _move(records, target=rule.during, user=user, kind=VillageStepKind.PUBLICITY_OPEN, note=str(publicity))
    return publicity


def _open_objections(publicity: Publicity):
    return Objection.objects.filter(entry__publicity=publicity, status=ObjectionStatus.OPEN)


@transaction.atomic
def village_exit_publicity_close(*, user, publicity: Publicity) -> list[VillageYear]:
    """公示期满: after its last day, the villages without an open objection wait for the county's 公告 (待公告);
    a village with one stays held until the township decides it."""
    publicity = Publicity.objects.select_for_update().select_related("region").get(pk=publicity.pk)
    rule = RULE.rounds[Round.FIRST]
    permissions.require(user, "propose_village_exit", region=publicity.region_id, what=_("公示期满"))
    if not publicity.is_open:
        raise ValidationError(_("该公示已经结束。"))
    today = timezone.localdate()
    if refusal := rules.period_not_over(publicity.starts_on, publicity.last_day, today):
        raise ValidationError(refusal)
    publicity.closed_on = today
    publicity.save(update_fields=["closed_on"])
    held = _open_objections(publicity).values("entry__village_year_id")
    moved = list(
        VillageYear.objects.select_for_update()
        .filter(entries__publicity=publicity, entries__withdrawn=False, exit_stage=rule.during)
        .exclude(pk__in=held)
        .order_by("region_id")
    )
    _move(moved, target=rule.after, user=user, kind=VillageStepKind.PUBLICITY_CLOSE, note=str(publicity))
    return moved


@transaction.atomic
def village_exit_withdraw(*, user, entry: PublicityEntry, reason: str) -> PublicityEntry:
    """撤出: take a village off a running list; it goes back to wait for a later list."""
    publicity = Publicity.objects.select_for_update().get(pk=entry.publicity_id)
    permissions.require(user, "propose_village_exit", region=publicity.region_id, what=_("撤出公示"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("不予通过或作出处理时必须填写理由。")]})
    entry = PublicityEntry.objects.select_for_update().get(pk=entry.pk)
    if not publicity.is_open or entry.withdrawn:
        raise ValidationError(_("该村已不在进行中的公示名单上。"))
    if entry.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise ValidationError(_("该村有待处理的异议，请先处理异议。"))
    entry.withdrawn = True
    entry.save(update_fields=["withdrawn"])
    record = VillageYear.objects.select_for_update().get(pk=entry.village_year_id)
    _move([record], target=RULE.start, user=user, kind=VillageStepKind.PUBLICITY_WITHDRAW, note=reason)
    return entry


def objection_decided(*, user, objection: Objection, upheld: bool, action: str, note: str) -> None:
    """After the township decides an objection to a village on a list (``services.objection_resolve``): upheld,
    the village leaves the list and goes back to 待公示 or its exit ends (未通过); dismissed, it goes on — at
    once to 待公告 when the list has already ended and nothing else holds it."""
    entry, publicity = objection.entry, objection.entry.publicity
    rule = RULE.rounds[Round.FIRST]
    record = VillageYear.objects.select_for_update().get(pk=entry.village_year_id)
    if record.exit_stage != rule.during:
        return
    if upheld:
        entry.withdrawn = True
        entry.save(update_fields=["withdrawn"])
        target = RULE.reverify if action == UpheldAction.REVERIFY else Stage.REJECTED
    elif not publicity.is_open and not entry.objections.filter(status=ObjectionStatus.OPEN).exists():
        target = rule.after
    else:
        target = record.exit_stage
    _move([record], target=target, user=user, kind=VillageStepKind.OBJECTION, note=note)


@transaction.atomic
def village_exit_announce(*, user, county: Region, year: int, villages: Iterable[Region]) -> Publicity:
    """县级公告: the villages that passed the township's 公示 without objection exit (已退出 in ``year``, kept
    per year). Refused, naming every village, where one is not 待公告, still has an open objection, or no longer
    meets the standard."""
    year = _year(year)
    what = _("贫困村退出公告")
    permissions.require(user, "announce_village_exit", region=county.code, what=what)
    if county.level != RegionLevel.COUNTY:
        raise ValidationError({"region": [_("贫困村退出由县级公告，请选择一个县。")]})
    villages = _villages_of(county, villages)
    records = _locked_records(villages, year)
    if len(records) != len(villages):
        missing = sorted({v.name for v in villages} - {r.region.name for r in records})
        raise ValidationError({"villages": [_("%(v)s 尚未提出退出。") % {"v": "、".join(missing)}]})
    _wrong_stage(records, Stage.COUNTY_APPROVED, what)
    held = set(
        Objection.objects.filter(entry__village_year__in=records, status=ObjectionStatus.OPEN).values_list(
            "entry__village_year__region__name", flat=True
        )
    )
    rows = vs.village_rows(villages, year=year)
    problems = [_("%(v)s 有待处理的异议。") % {"v": name} for name in sorted(held)]
    for row in rows:
        problems += _exit_problems(row)
    if problems:
        raise ValidationError({"villages": problems})
    today = timezone.localdate()
    publicity = _list(
        county, round=Round.ANNOUNCEMENT, year=year, user=user, records=records, starts_on=today, days=0
    )
    befores = [audit.snapshot(r) for r in records]
    for r in records:
        r.exit_stage, r.exit_stage_since = Stage.ANNOUNCED, today
        r.status, r.status_reason = VillageStatus.EXITED, str(publicity)
    _save(records, befores, step_label=str(VillageStepKind.ANNOUNCE.label))
    details = {r.pk: _verdict_details(row, row.exit) for r, row in zip(records, rows, strict=True)}
    _steps(records, user=user, kind=VillageStepKind.ANNOUNCE, note=str(publicity), details=details)
    return publicity
