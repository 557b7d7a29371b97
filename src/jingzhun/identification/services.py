"""Writes of identification: policy data (national or provincial administrators only) and every step of the
procedure. Each write checks role, region and level in ``acting.require_acting``, checks the stage against the allowed
transitions in ``rules``, appends an immutable ``Step`` and is audited under the household's history."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import policy_province
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, StatusSource
from jingzhun.registry.services import refresh_tallies
from jingzhun.registry.status import latest_business_years, status_change
from jingzhun.registry.yearcycle import refuse_frozen

from . import crosscheck, quotas, rules, selectors, villages
from .choices import (
    FOREIGN_PROCEDURES,
    KIND_PROCEDURE,
    LIST_TITLES,
    ApplicationKind,
    ObjectionSource,
    ObjectionStatus,
    Procedure,
    Round,
    Stage,
    StepKind,
    UpheldAction,
)
from .models import Application, Objection, PovertyLine, ProcedurePolicy, Publicity, PublicityEntry, Step


@transaction.atomic
def poverty_line_set(
    *, user, year: int, amount: Decimal, province: str | None = None, source: str = ""
) -> PovertyLine:
    """Set the national line (``province`` None) or a province's own line for ``year``; the change is audited.

    A province's line may not be below the national line of the same year: the national line is the floor.
    """
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改扶贫标准")
    )
    region = policy_province(province)
    if region is not None:
        national = PovertyLine.objects.filter(year=year, province__isnull=True).first()
        if national is not None and Decimal(amount) < national.amount:
            raise ValidationError(
                {"amount": [_("省定标准不能低于当年国家标准 %(n)s 元。") % {"n": national.amount}]}
            )
    return audit.upsert(PovertyLine, {"year": year, "province": region}, {"amount": amount, "source": source})


# --- procedure parameters --------------------------------------------------------------------------------


@transaction.atomic
def procedure_policy_set(
    *,
    user,
    year: int,
    province: str | None = None,
    publicity_days: int,
    step_days: int,
    quota_margin_percent: int | None = None,
    gaps_qualify: bool = False,
    supervision_phone: str | None = None,
    objection_channels: str | None = None,
) -> ProcedurePolicy:
    """Set the 公示 length, the time allowed per step and the quota margin for ``year``, nationally or for one
    province. A province's margin applies below it and is 0 unless the province gives one."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改识别程序参数")
    )
    region = policy_province(province)
    lookup = {"year": year, "province": region}
    values = {"publicity_days": publicity_days, "step_days": step_days, "gaps_qualify": bool(gaps_qualify)}
    for name, given in (("supervision_phone", supervision_phone), ("objection_channels", objection_channels)):
        if given is not None:  # what the printed notices tell villagers
            values[name] = given.strip()
    if quota_margin_percent is not None:
        values["quota_margin_percent"] = quota_margin_percent
    elif region is not None and not ProcedurePolicy.objects.filter(**lookup).exists():
        values["quota_margin_percent"] = 0
    return audit.upsert(ProcedurePolicy, lookup, values)


# --- the procedure: who may act ----------------------------------------------------------------------------


def _wrong_stage(application: Application, what: str) -> ValidationError:
    return ValidationError(
        _("该户当前处于「%(stage)s」环节，不能办理「%(what)s」。")
        % {"stage": application.get_stage_display(), "what": what}
    )


def _locked(application: Application) -> Application:
    """The application as it is now, locked for the rest of the transaction (two clerks, one household)."""
    return Application.objects.select_for_update().select_related("household").get(pk=application.pk)


def _new_step(
    application: Application, *, user, kind: str, target: str, passed: bool = True, note: str = "",
    details: dict | None = None, attachment=None, on=None, acting: permissions.Decision | None = None,
    proxy_scan=None,
) -> Step:  # fmt: skip
    """The immutable step record (who, at which level, when, what it found), validated, not yet written. Under
    代录 (``acting.on_behalf_of``) it keeps the level entered for and the scanned paper record."""
    step = Step(
        application=application, kind=kind, passed=passed, stage_after=target,
        stage_before="" if kind == StepKind.APPLY else application.stage,
        note=note, details=details or {}, on=on or timezone.localdate(), actor=user,
        actor_label=user.get_username() if user is not None else audit.actor_fields()["actor_label"],
        actor_region=(user.region_id or "") if user is not None else "",
    )  # fmt: skip
    if attachment is not None:
        step.attachment = attachment
    if acting is not None and acting.on_behalf_of is not None:
        step.on_behalf_of, step.proxy_scan = acting.on_behalf_of, proxy_scan
    step.full_clean(exclude=["application", "actor"])
    return step


def _on_behalf_fact(step: Step) -> dict:
    """What the audit keeps of a 代录: the level entered for, who entered it, the scanned paper."""
    return {"level": step.get_on_behalf_of_display(), "actor": step.actor_label, "scan": step.proxy_scan.name}


def _move(applications: list[Application], *, target: str, **step) -> list[Step]:
    """Append one step per application, move them to ``target`` and audit each move under its household's
    history: three statements for a whole list, whatever its length."""
    befores = [audit.snapshot(a) for a in applications]
    steps = Step.objects.bulk_create([_new_step(a, target=target, **step) for a in applications])
    moving = [a for a in applications if a.stage != target]
    on = steps[0].on if steps else None
    Application.objects.filter(pk__in=[a.pk for a in moving]).update(stage=target, stage_since=on)
    for a in moving:
        a.stage, a.stage_since = target, on
    entries = []
    for a, before, s in zip(applications, befores, steps, strict=True):
        entry = audit.entry_for(AuditAction.UPDATE, a, before=before, after=audit.snapshot(a))
        label = s.get_kind_display()
        entry.changes["step"] = [None, f"{label}：{s.note}" if s.note else label]
        if s.on_behalf_of:  # 代录: who entered it, for which level, from which paper
            entry.changes["on_behalf"] = [None, _on_behalf_fact(s)]
        entries.append(entry)
    audit.record_many(entries)
    return steps


def _step(application: Application, **step) -> Step:
    return _move([application], **step)[0]


def _reason_required(reason: str, field: str = "note") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: [_("不予通过或作出处理时必须填写理由。")]})
    return reason


# --- applications and single-household steps ----------------------------------------------------------------


IN_REGISTRY = (HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED)  # what a 清退 may take out

# What the household must be for each kind of application, and the refusal otherwise.
WRONG_STATUS = {
    ApplicationKind.INCLUDE: gettext_lazy("只有「未识别」的农户可以申请，该户状态为「%(s)s」。"),
    ApplicationKind.REMOVE: gettext_lazy("只有在册的贫困户可以清退，该户状态为「%(s)s」。"),
    ApplicationKind.EXIT: gettext_lazy(
        "只有「在册」或「返贫」的贫困户可以提出脱贫退出，该户状态为「%(s)s」。"
    ),
    ApplicationKind.RETURN: gettext_lazy("只有「已脱贫」的农户可以提出返贫，该户状态为「%(s)s」。"),
    ApplicationKind.MONITOR: gettext_lazy(
        "监测对象为已脱贫户或未识别的农户；在册、返贫户已按贫困户帮扶，该户状态为「%(s)s」。"
    ),
    ApplicationKind.CLEAR: gettext_lazy("风险消除只适用于已脱贫户或未识别的农户，该户状态为「%(s)s」。"),
}


@transaction.atomic
def application_create(
    *, user, household: Household, year: int, reason: str = "", kind: str = ApplicationKind.INCLUDE,
    campaign=None, proxy_scan=None, level: int = RegionLevel.VILLAGE,
) -> Application:  # fmt: skip
    """农户申请: a village operator records a household's application to enter the registry (its card exists,
    it is not yet in the registry). A 回头看 (``campaign``) may also propose to take a wrongly identified
    household out (``kind`` 清退); both then go through the same procedure. The village also proposes a
    household of the registry for exit (``kind`` 脱贫退出, from 在册 or 返贫) and an exited one that fell back
    (``kind`` 返贫, with its reasons); each follows its own procedure (``rules.PROCEDURES``)."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    if kind not in ApplicationKind.values:
        raise ValidationError({"kind": [_("申请类别无效。")]})
    what = str(StepKind.APPLY.label)
    acting = permissions.require(
        user, "take_step", level=level, region=household.region_id, what=what, on_behalf=proxy_scan is not None,
    )  # fmt: skip
    if kind == ApplicationKind.REMOVE and campaign is None:
        raise ValidationError(_("清退须经回头看核查提出。"))
    if kind in (ApplicationKind.EXIT, ApplicationKind.RETURN) and campaign is not None:
        raise ValidationError(_("回头看只能提出清退或纳入。"))
    if household.status not in selectors.STARTS_FROM[kind]:
        raise ValidationError(WRONG_STATUS[kind] % {"s": household.get_status_display()})
    if kind == ApplicationKind.RETURN and not (reason or "").strip():
        raise ValidationError({"reason": [_("请写明返贫原因（收入下降、因病、因灾等）。")]})
    if household.applications.open().exists():
        raise ValidationError(_("该户已有正在办理的识别申请。"))
    if not 2000 <= int(year) <= timezone.localdate().year + 1:
        raise ValidationError({"year": [_("识别年度无效。")]})
    refuse_frozen([(household.region_id, int(year))])
    if (recorded := latest_business_years([household.pk]).get(household.pk)) and int(year) < recorded:
        # Its 公告 would count the change before the latest one recorded (a 返贫 in 2018 after a 2020 exit).
        raise ValidationError(
            {"year": [_("该户的状态变动已记到 %(y)d 年，申请年度不能早于该年。") % {"y": recorded}]}
        )
    start = rules.procedure_for(kind).start
    application = Application(
        household=household, region_id=household.region_id, year=year, reason=reason, kind=kind,
        campaign=campaign, stage=start,
    )  # fmt: skip
    application.full_clean(exclude=["household", "region", "campaign"], validate_constraints=False)
    application.save()
    if kind == ApplicationKind.EXIT and (problems := selectors.exit_blockers(application)):
        raise ValidationError(problems)  # rolls the application back with the transaction
    step = _new_step(
        application, user=user, kind=StepKind.APPLY, target=start, note=reason, acting=acting,
        proxy_scan=proxy_scan,
    )  # fmt: skip
    step.save()
    created = audit.snapshot(application)
    if step.on_behalf_of:  # 代录 of the application itself
        created["on_behalf"] = _on_behalf_fact(step)
    audit.record(AuditAction.CREATE, application, after=created)
    if kind == ApplicationKind.INCLUDE:
        crosscheck.cross_check(county_code=application.region_id, applications=[application])
    return application


def _decide(
    application, *, user, kind: str, passed: bool, note: str, details=None, attachment=None, on=None,
    proxy_scan=None,
):  # fmt: skip
    application = _locked(application)
    what = str(StepKind(kind).label)
    move = rules.procedure_for(application.kind).decisions.get(kind)
    if move is None:
        raise ValidationError(
            _("「%(k)s」程序没有「%(what)s」这一环节。") % {"k": application.get_kind_display(), "what": what}
        )
    acting = permissions.require(
        user, "take_step", level=move.level, region=application.region_id, what=what,
        on_behalf=proxy_scan is not None,
    )  # fmt: skip
    if (
        passed
        and application.kind == ApplicationKind.EXIT
        and (problems := selectors.exit_blockers(application))
    ):
        raise ValidationError(problems)
    if application.stage != move.source:
        raise _wrong_stage(application, what)
    if not passed:
        note = _reason_required(note)
    elif (
        kind == StepKind.COUNTY_APPROVAL
        and application.kind == ApplicationKind.INCLUDE
        and (open_flags := crosscheck.unexplained(application))
    ):
        raise ValidationError(
            _("该户有 %(n)d 条部门比对疑点（四不列）尚未说明，不能审批通过。") % {"n": open_flags}
        )
    target = move.target if passed else Stage.REJECTED
    return _step(
        application, user=user, kind=kind, target=target, passed=passed, note=(note or "").strip(),
        details=details, attachment=attachment, on=on, acting=acting, proxy_scan=proxy_scan,
    )  # fmt: skip


@transaction.atomic
def procedure_step(
    *, user, application: Application, kind: str, passed: bool, note: str = "", details=None, attachment=None,
    on=None, proxy_scan=None,
) -> Step:  # fmt: skip
    """One single-household step of a procedure whose facts an app above identification records itself
    (monitoring's 入户核实 with income and rigid expenses, its 县级确认): the same checks of level, region and
    stage, the same immutable step and audit as identification's own steps."""
    return _decide(
        application, user=user, kind=kind, passed=passed, note=note, details=details, attachment=attachment,
        on=on, proxy_scan=proxy_scan,
    )  # fmt: skip


@transaction.atomic
def application_verify(
    *, user, application: Application, passed: bool, findings: str, on=None, attachment=None, proxy_scan=None
) -> Step:
    """入户核实 by the village committee and work team: the findings, the rules' reasons at that moment, and
    the result (not confirmed → rejected with the findings as the reason)."""
    if not (findings or "").strip():
        raise ValidationError({"findings": [_("请填写入户核实情况。")]})
    if application.kind == ApplicationKind.EXIT:  # the exit rule's reasons at that moment
        check = selectors.exit_check(application.household, year=application.year, on=on)
        details = {
            "reasons": check.verdict.messages + check.verdict.facts if check.verdict else [],
            "supported": bool(check.verdict and check.verdict.supported),
        }
    else:
        verdict = selectors.household_verdict(application, on=on)
        details = {
            "reasons": [r.message for r in verdict.reasons] if verdict else [],
            "qualifies": bool(verdict and verdict.qualifies),
        }
    return _decide(
        application, user=user, kind=StepKind.VERIFY, passed=passed, note=findings, details=details,
        attachment=attachment, on=on, proxy_scan=proxy_scan,
    )  # fmt: skip


@transaction.atomic
def application_deliberate(
    *, user, application: Application, meeting_on, attendance: int, votes_for: int, votes_against: int,
    minutes=None, note: str = "", proxy_scan=None,
) -> Step:  # fmt: skip
    """民主评议 by the village representatives' meeting: the result follows from the votes, never typed."""
    if meeting_on is None or meeting_on > timezone.localdate():
        raise ValidationError({"meeting_on": [_("请填写已召开的评议会日期。")]})
    if min(attendance, votes_for, votes_against) < 0 or attendance < 1:
        raise ValidationError({"attendance": [_("到会人数和票数必须是非负整数，且至少 1 人到会。")]})
    problems = rules.deliberation_problems(
        attendance=attendance, votes_for=votes_for, votes_against=votes_against
    )
    if problems and votes_for + votes_against > attendance:
        raise ValidationError({"votes_for": problems})
    details = {
        "meeting_on": meeting_on.isoformat(), "attendance": attendance, "votes_for": votes_for,
        "votes_against": votes_against,
    }  # fmt: skip
    return _decide(
        application, user=user, kind=StepKind.DELIBERATE, passed=not problems,
        note="；".join([*problems, note.strip()]).strip("；") if problems else note, details=details,
        attachment=minutes, on=meeting_on, proxy_scan=proxy_scan,
    )  # fmt: skip


@transaction.atomic
def application_consent(
    *, user, application: Application, agreed: bool, note: str = "", on=None, attachment=None, proxy_scan=None
) -> Step:
    """农户认可: the household's word on its exit, recorded by the village (the signed form scanned, optional).
    A household that does not agree is not exited: the application ends with its words as the reason."""
    return _decide(
        application, user=user, kind=StepKind.CONSENT, passed=agreed, note=note, details={"agreed": agreed},
        attachment=attachment, on=on, proxy_scan=proxy_scan,
    )  # fmt: skip


@transaction.atomic
def exit_override(*, user, application: Application, reason: str) -> Step:
    """县级审定: the county takes an exit the rule does not support (its income record or 两不愁三保障 say
    otherwise) to its 公告, with a reason kept in the step beside the rule's reasons at that moment. Without
    it the 公告 refuses the household."""
    application = _locked(application)
    what = str(StepKind.OVERRIDE.label)
    permissions.require(user, "take_step", level=RegionLevel.COUNTY, region=application.region_id, what=what)
    if application.kind != ApplicationKind.EXIT or application.stage != Stage.COUNTY_APPROVED:
        raise _wrong_stage(application, what)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"override": [_("请填写审定理由：为什么规则不支持时仍认定该户脱贫。")]})
    check = selectors.exit_check(application.household, year=application.year)
    if check.verdict is not None and check.verdict.supported:
        raise ValidationError(_("按登记信息该户已达到退出标准，无需县级审定。"))
    details = {"override": reason, "reasons": check.verdict.messages if check.verdict else []}
    return _step(
        application, user=user, kind=StepKind.OVERRIDE, target=application.stage, note=reason, details=details
    )


@transaction.atomic
def application_review(*, user, application: Application, passed: bool, note: str = "") -> Step:
    """乡镇审核 after the first 公示."""
    return _decide(application, user=user, kind=StepKind.TOWNSHIP_REVIEW, passed=passed, note=note)


@transaction.atomic
def application_approve(
    *, user, application: Application, passed: bool, note: str = "", override: str = ""
) -> Step:
    """县级审批 after the second 公示. Bringing a household in beyond the county's quota needs an explicit override
    with a reason (a 清退 frees quota and never needs one)."""
    details = {}
    if passed and application.kind == ApplicationKind.INCLUDE:
        application = _locked(application)
        beyond = quotas.over_quota(application)
        if beyond and not (override or "").strip():
            raise ValidationError({"override": [beyond + _("如确需纳入，请填写超规模审批理由。")]})
        if beyond:
            details = {"quota_override": override.strip(), "quota": beyond}
    return _decide(
        application, user=user, kind=StepKind.COUNTY_APPROVAL, passed=passed, note=note, details=details
    )


# --- public lists: 公示 and 公告 ------------------------------------------------------------------------------


def _round_rule(procedure: str, round: str) -> rules.RoundRule:
    rule = rules.PROCEDURES[procedure].rounds.get(round) if procedure in rules.PROCEDURES else None
    if rule is None:
        raise ValidationError(
            {
                "round": [
                    _("「%(p)s」程序没有「%(r)s」。")
                    % {"p": Procedure(procedure).label, "r": Round(round).label}
                ]
            }
        )
    return rule


@transaction.atomic
def publicity_open(
    *, user, region: Region, round: str, applications: Iterable[Application], starts_on=None,
    procedure: str = Procedure.IDENTIFICATION, days: int | None = None,
) -> Publicity:  # fmt: skip
    """Put a village's applications of one procedure on a list. A 公示 runs for the year's period of the
    province; a 公告 is final at once and writes the households' status: into the registry (在册), out of it
    (清退), 已脱贫 (销号) or 返贫. An exit reaches its 公告 only without an open objection or a pending member
    change, and where the rule does not support it, with the county's 审定."""
    rule = _round_rule(procedure, round)
    what = str(LIST_TITLES.get((procedure, round), Round(round).label))
    permissions.require(user, "take_step", level=rule.level, region=region.code, what=what)
    if region.level != RegionLevel.VILLAGE:
        raise ValidationError({"region": [_("公示按村发布，请选择一个村。")]})
    ids = sorted({a.pk for a in applications})
    if not ids:
        raise ValidationError({"applications": [_("请至少选择一户。")]})
    locked = list(
        Application.objects.select_for_update().select_related("household").filter(pk__in=ids).order_by("id")
    )
    if len(locked) != len(ids) or any(a.region_id != region.code for a in locked):
        raise ValidationError({"applications": [_("所选农户不属于 %(v)s。") % {"v": region.name}]})
    other = [a for a in locked if KIND_PROCEDURE[a.kind] != procedure]
    if other:
        raise ValidationError(
            {
                "applications": [
                    _("%(h)s 的申请是「%(k)s」，不能列入%(list)s。")
                    % {"h": a.household.head_name, "k": a.get_kind_display(), "list": what}
                    for a in other
                ]
            }
        )
    wrong = [a for a in locked if a.stage != rule.source]
    if wrong:
        raise ValidationError(
            {
                "applications": [
                    str(_wrong_stage(a, what).messages[0]) + f"（{a.household.head_name}）" for a in wrong
                ]
            }
        )
    years = {a.year for a in locked}
    if len(years) > 1:
        raise ValidationError({"applications": [_("一次公示只能包含同一年度的申请。")]})
    if not rule.has_period:
        _refuse_unfit_for_announcement(locked)
    today = timezone.localdate()
    starts_on = starts_on or today
    if starts_on < today:
        raise ValidationError({"starts_on": [_("公示开始日期不能早于今天。")]})
    if days is None:  # a procedure of another app passes the length its own policy allows
        days = selectors.procedure_policy(year=years.pop(), region_code=region.code).publicity_days
    shows_cause = procedure not in FOREIGN_PROCEDURES
    publicity = Publicity(
        region=region, round=round, procedure=procedure, year=locked[0].year, starts_on=starts_on, opened_by=user,
        last_day=rules.last_day(starts_on, days) if rule.has_period else starts_on,
        closed_on=None if rule.has_period else starts_on,
    )  # fmt: skip
    publicity.save()
    PublicityEntry.objects.bulk_create(
        PublicityEntry(
            publicity=publicity, application=a, head_name=a.household.head_name,
            member_count=a.household.member_count, attribute=a.household.attribute,
            main_cause=a.household.main_cause if shows_cause else "",
        )
        for a in locked
    )  # fmt: skip
    audit.record(AuditAction.CREATE, publicity, after=audit.snapshot(publicity))
    kind = StepKind.PUBLICITY_OPEN if rule.has_period else StepKind.ANNOUNCE
    _move(locked, user=user, kind=kind, target=rule.during, note=str(publicity), on=starts_on)
    if not rule.has_period:
        _register(locked, user=user, publicity=publicity)
    return publicity


def _refuse_unfit_for_announcement(applications: list[Application]) -> None:
    """Before a 公告 writes anything: every household is still in the status its application starts from, and
    an exit has no open objection, no pending member change, and the rule's support or the county's 审定 —
    else the whole list is refused with every household's reasons."""
    problems = []
    for a in applications:
        head = a.household.head_name
        if a.household.status not in selectors.STARTS_FROM[a.kind]:
            problems.append(f"{head}：" + WRONG_STATUS[a.kind] % {"s": a.household.get_status_display()})
        if a.kind != ApplicationKind.EXIT:
            continue
        problems += [f"{head}：{p}" for p in selectors.exit_blockers(a)]
        check = selectors.exit_check(a.household, year=a.year)
        if (check.verdict is None or not check.verdict.supported) and not selectors.exit_override(a):
            reasons = (
                check.verdict.messages
                if check.verdict
                else [_("%(y)d 年度尚未设定扶贫标准。") % {"y": a.year}]
            )
            problems.append(
                _("%(h)s：按规则不支持退出（%(r)s）；如确需退出，须先由县级填写审定理由。")
                % {"h": head, "r": "；".join(reasons)}
            )
    if problems:
        raise ValidationError({"applications": problems})


def _register(applications: list[Application], *, user, publicity: Publicity) -> None:
    """公告: households proposed for inclusion enter the registry as 在册 with the application's year as 识别年度
    (one year per list); households proposed for 清退 leave it (未识别, no 识别年度); an exit is 销号 (已脱贫,
    the year as 脱贫年度, the record kept); a return makes the household 返贫 (its 脱贫年度 kept). Each change is
    a status history row counted in the application's year (``registry.status``), set-based."""
    year = applications[0].year
    outcome = {
        ApplicationKind.INCLUDE: (
            HouseholdStatus.REGISTERED,
            StatusSource.PROCEDURE,
            {"identified_year": year},
        ),
        ApplicationKind.REMOVE: (
            HouseholdStatus.UNIDENTIFIED,
            StatusSource.PROCEDURE,
            {"identified_year": None},
        ),
        ApplicationKind.EXIT: (HouseholdStatus.EXITED, StatusSource.EXIT, {"exit_year": year}),
        ApplicationKind.RETURN: (HouseholdStatus.RETURNED, StatusSource.RETURN, {}),
    }
    for kind, (to, source, also) in outcome.items():
        ids = [a.household_id for a in applications if a.kind == kind]
        if ids:
            status_change(
                Household.objects.select_for_update().filter(pk__in=ids).order_by("id"), to=to,
                source=source, business_year=year, effective_on=publicity.starts_on,
                reason=str(publicity), reference=f"identification.publicity:{publicity.pk}", user=user, also=also,
            )  # fmt: skip
    refresh_tallies({a.region_id for a in applications})


def _require_list_step(user, publicity: Publicity, kind: str) -> rules.RoundRule:
    """The list's rule, once ``user`` may take step ``kind`` on it (the level that opened it)."""
    rule = _round_rule(publicity.procedure, publicity.round)
    permissions.require(
        user, "take_step", level=rule.level, region=publicity.region_id, what=str(StepKind(kind).label)
    )
    return rule


def _publicity_locked(publicity: Publicity) -> Publicity:
    return Publicity.objects.select_for_update().select_related("region").get(pk=publicity.pk)


@transaction.atomic
def publicity_withdraw(*, user, entry: PublicityEntry, reason: str) -> PublicityEntry:
    """撤出: take one household off a running list (it goes back to wait for a later list)."""
    if entry.village_year_id is not None:  # a village on a 贫困村退出 list
        return villages.village_exit_withdraw(user=user, entry=entry, reason=reason)
    publicity = _publicity_locked(entry.publicity)
    rule = _require_list_step(user, publicity, StepKind.PUBLICITY_WITHDRAW)
    reason = _reason_required(reason, "reason")
    entry = PublicityEntry.objects.select_for_update().get(pk=entry.pk)
    if not publicity.is_open or entry.withdrawn:
        raise ValidationError(_("该户已不在进行中的公示名单上。"))
    if entry.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise ValidationError(_("该户有待处理的异议，请先处理异议。"))
    application = _locked(entry.application)
    entry.withdrawn = True
    entry.save(update_fields=["withdrawn"])
    _step(application, user=user, kind=StepKind.PUBLICITY_WITHDRAW, target=rule.source, note=reason)
    return entry


@transaction.atomic
def publicity_close(*, user, publicity: Publicity) -> list[Application]:
    """公示期满: the list moves on, but only after its last day; a household with an open objection stays held
    until the objection is decided. Returns the applications that moved on (for a 贫困村退出 list, the
    villages' years)."""
    if publicity.procedure == Procedure.VILLAGE_EXIT:
        return villages.village_exit_publicity_close(user=user, publicity=publicity)
    publicity = _publicity_locked(publicity)
    rule = _require_list_step(user, publicity, StepKind.PUBLICITY_CLOSE)
    if not publicity.is_open:
        raise ValidationError(_("该公示已经结束。"))
    today = timezone.localdate()
    if refusal := rules.period_not_over(publicity.starts_on, publicity.last_day, today):
        raise ValidationError(refusal)
    publicity.closed_on = today
    publicity.save(update_fields=["closed_on"])
    held = Objection.objects.filter(entry__publicity=publicity, status=ObjectionStatus.OPEN)
    moved = list(
        Application.objects.select_for_update()
        .filter(entries__publicity=publicity, entries__withdrawn=False, stage=rule.during)
        .exclude(pk__in=held.values("entry__application_id"))
        .order_by("id")
    )
    _move(moved, user=user, kind=StepKind.PUBLICITY_CLOSE, target=rule.after, note=str(publicity))
    return moved


# --- objections (异议) ---------------------------------------------------------------------------------------

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud on the phone


def new_reference() -> str:
    return (
        "YY"
        + timezone.localdate().strftime("%y%m")
        + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    )


@transaction.atomic
def objection_file(
    *, user, entry: PublicityEntry, text: str, name: str = "", contact: str = "", ip: str | None = None
) -> Objection:
    """Record an objection against a household on a running 公示: by staff (``user``) or from the public portal
    (``user`` None). It lands in the township's queue and holds the household until decided."""
    publicity = _publicity_locked(entry.publicity)
    permissions.require(user, "record_objection", region=publicity.region_id)
    errors = {}
    text = (text or "").strip()
    if len(text) < 5:
        errors["text"] = [_("请写明异议的具体内容（至少 5 个字）。")]
    elif len(text) > 2000:
        errors["text"] = [_("异议内容不超过 2000 字。")]
    if len(name or "") > 50:
        errors["name"] = [_("姓名不超过 50 个字。")]
    if len(contact or "") > 50:
        errors["contact"] = [_("联系方式不超过 50 个字。")]
    if errors:
        raise ValidationError(errors)
    entry = PublicityEntry.objects.select_related("application").get(pk=entry.pk)
    if entry.withdrawn or not publicity.accepts_objections(timezone.localdate()):
        raise ValidationError(_("该公示已结束或该户已撤出公示，不再受理异议。"))
    objection = Objection(
        entry=entry, region_id=publicity.region_id, reference=new_reference(),
        source=ObjectionSource.PUBLIC if user is None else ObjectionSource.STAFF,
        name=(name or "").strip(), contact=(contact or "").strip(), text=text, created_by=user, ip=ip,
    )  # fmt: skip
    objection.save()
    audit.record(
        AuditAction.CREATE, objection, after={"reference": objection.reference, "source": objection.source}
    )
    return objection


@transaction.atomic
def objection_resolve(
    *, user, objection: Objection, upheld: bool, reason: str, action: str = UpheldAction.REVERIFY
) -> Objection:
    """The township decides an objection with a reason. Upheld: the household leaves the list and goes back to
    入户核实 or is rejected; dismissed: it goes on (at once when the list has already ended)."""
    objection = Objection.objects.select_for_update().select_related("entry__publicity").get(pk=objection.pk)
    permissions.require(
        user,
        "take_step",
        level=rules.OBJECTION_LEVEL,
        region=objection.region_id,
        what=str(StepKind.OBJECTION.label),
    )
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("该异议已经处理。"))
    reason = _reason_required(reason, "reason")
    if upheld and action not in UpheldAction.values:
        raise ValidationError({"action": [_("请选择异议成立后的处理方式。")]})
    before = audit.snapshot(objection)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.action = action if upheld else ""
    objection.resolution, objection.resolved_by, objection.resolved_at = reason, user, timezone.now()
    objection.save()
    audit.record(AuditAction.UPDATE, objection, before=before, after=audit.snapshot(objection))

    entry, publicity = objection.entry, objection.entry.publicity
    note = f"{objection.reference} {objection.get_status_display()}：{reason}"
    if entry.village_year_id is not None:  # a village on a 贫困村退出 list
        villages.objection_decided(user=user, objection=objection, upheld=upheld, action=action, note=note)
        return objection
    rule = _round_rule(publicity.procedure, publicity.round)
    application = _locked(entry.application)
    if application.stage != rule.during:
        return objection  # already settled by another objection on the same household
    if upheld:
        entry.withdrawn = True
        entry.save(update_fields=["withdrawn"])
        target = (
            rules.PROCEDURES[publicity.procedure].reverify
            if action == UpheldAction.REVERIFY
            else Stage.REJECTED
        )
        _step(application, user=user, kind=StepKind.OBJECTION, target=target, passed=False, note=note)
    elif not publicity.is_open and not entry.objections.filter(status=ObjectionStatus.OPEN).exists():
        _step(application, user=user, kind=StepKind.OBJECTION, target=rule.after, note=note)
    else:
        _step(application, user=user, kind=StepKind.OBJECTION, target=application.stage, note=note)
    return objection
