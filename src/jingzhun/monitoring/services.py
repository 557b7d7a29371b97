"""Writes of 防止返贫动态监测: policy data, clues from every channel, the township's acceptance (a case, and for a
person never registered the household's record through the registry's services), the household's authorisation,
the procedure's steps through identification's machinery, and 风险消除 (or continued tracking under 兜底).

Every write checks the actor (``accounts.permissions``), refuses in Chinese before it changes anything, and is
audited under the household's history."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.ids import parse_id_number, validate_phone
from jingzhun.core.models import AuditAction
from jingzhun.identification import services as procedure
from jingzhun.identification.choices import ApplicationKind, Procedure, Round, Stage, StepKind
from jingzhun.identification.selectors import STARTS_FROM
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import policy_province
from jingzhun.registry import yearcycle
from jingzhun.registry.choices import HouseholdStatus, MonitoringKind, RiskType
from jingzhun.registry.models import Household, Member, Monitoring
from jingzhun.registry.services import household_register

from . import rules, selectors
from .choices import CaseState, ClueSource, ClueStatus
from .models import Case, Clue, MonitoringLine, MonitoringPolicy

REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # read aloud on the phone: no 0/O, 1/I
CAUSE_OF_RISK = {
    RiskType.ILLNESS: "illness", RiskType.DISABILITY: "disability", RiskType.SCHOOLING: "education",
    RiskType.DISASTER: "disaster", RiskType.LABOUR: "lack_labour",
}  # fmt: skip


# --- policy data -------------------------------------------------------------------------------------------------


@transaction.atomic
def monitoring_line_set(
    *, user, year: int, amount, province: str | None = None, source: str = ""
) -> MonitoringLine:
    """Set the national monitoring line of ``year`` or a province's own; a province's line below the national
    figure of the year is refused (the national figure is the floor)."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改监测标准")
    )
    region = policy_province(province)
    amount = _amount(amount, "amount")
    if region is not None:
        national = MonitoringLine.objects.filter(year=year, province__isnull=True).first()
        if national is not None and amount < national.amount:
            raise ValidationError(
                {"amount": [_("省定监测标准不能低于当年全国监测标准 %(n)s 元。") % {"n": national.amount}]}
            )
    else:
        below = MonitoringLine.objects.filter(year=year, province__isnull=False, amount__lt=amount)
        if below.exists():
            raise ValidationError(
                {"amount": [_("已有省份的监测标准低于 %(a)s 元，请先调整这些省份的标准。") % {"a": amount}]}
            )
    return audit.upsert(
        MonitoringLine, {"year": year, "province": region}, {"amount": amount, "source": source}
    )


@transaction.atomic
def policy_set(*, user, year: int, province: str | None = None, **values) -> MonitoringPolicy:
    """Set monitoring's parameters from ``year`` on, nationally or for a province (fields of
    ``MonitoringPolicy``: days, the income definition and window, the 风险消除 switches, the thresholds)."""
    permissions.require(
        user, "set_policy", region=province or permissions.NATIONAL_CODE, what=_("修改防返贫监测参数")
    )
    region = policy_province(province)
    known = {f.name for f in MonitoringPolicy._meta.concrete_fields} - {"id", "year", "province"}
    unknown = set(values) - known
    if unknown:
        raise ValidationError(_("未知的参数：%(p)s。") % {"p": "、".join(sorted(unknown))})
    return audit.upsert(MonitoringPolicy, {"year": year, "province": region}, values)


# --- clues -------------------------------------------------------------------------------------------------------


def new_reference() -> str:
    return (
        "JC"
        + timezone.localdate().strftime("%y%m")
        + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    )


def _amount(value, field: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: [_("请填写金额。")]})
        return None
    try:
        amount = Decimal(str(value).replace(",", ""))
        if not amount.is_finite():
            raise InvalidOperation
    except InvalidOperation:
        raise ValidationError({field: [_("金额格式不正确。")]}) from None
    if amount < 0:
        raise ValidationError({field: [_("金额不能为负数。")]})
    return amount.quantize(Decimal("0.01"))


def _risk_types(values) -> list[str]:
    values = [v for v in dict.fromkeys(values or []) if v]
    wrong = [v for v in values if v not in RiskType.values]
    if wrong:
        raise ValidationError({"risk_types": [_("风险类型无效：%(v)s。") % {"v": "、".join(wrong)}]})
    return values


def _refuse_wrong_status(household: Household) -> None:
    if household.status not in STARTS_FROM[ApplicationKind.MONITOR]:
        raise ValidationError(
            {
                "id_number": [
                    _("该户状态为「%(s)s」：在册、返贫户按贫困户帮扶，已注销的不再监测，不作为监测线索。")
                    % {"s": household.get_status_display()}
                ]
            }
        )


@transaction.atomic
def clue_report(
    *, user, village: Region | None = None, name: str = "", id_number: str = "", text: str, risk_types=(),
    phone: str = "", source: str | None = None, visit=None, reported_on: dt.date | None = None, ip: str | None = None,
) -> Clue:  # fmt: skip
    """Record a clue: from the public portal (``user`` None: 农户自主申报), from a cadre's visit (``visit``:
    the visited household), or entered by staff. The person is found by ID number among the registry's active
    members; one registered in another county is refused (the clue goes to the county that keeps the household),
    one never registered is kept by name and ID number until the township accepts the clue."""
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    text = (text or "").strip()
    if len(text) < 5:
        errors["text"] = [_("请写明发生了什么（至少 5 个字）。")]
    elif len(text) > 2000:
        errors["text"] = [_("情况说明不超过 2000 字。")]
    phone = (phone or "").strip()
    if phone:
        try:  # the registry's one rule: an 11-digit mobile or a landline with its area code
            validate_phone(phone)
        except ValidationError as wrong:
            errors["phone"] = wrong.messages
    reported_on = reported_on or today
    if reported_on > today:
        errors["reported_on"] = [_("发现日期不能晚于今天。")]
    risks = _risk_types(risk_types)
    household = None
    if visit is not None:
        household, village, source = visit.household, visit.region, ClueSource.VISIT
        head = household.members.filter(is_active=True, relationship="head").first()
        name, number = household.head_name, head.id_number if head else ""
        if visit.visited_on > today or visit.visited_on < today - dt.timedelta(days=366):
            errors["visit"] = [_("走访记录的日期不在近一年内。")]
        reported_on = visit.visited_on
    else:
        name = (name or "").strip()
        if not name or len(name) > 50:
            errors["name"] = [_("请填写姓名（不超过 50 个字）。")]
        if village is None or village.level != RegionLevel.VILLAGE:
            errors["village"] = [_("请选择所在的村。")]
        number = ""
        try:
            number = parse_id_number(id_number or "").number
        except ValidationError as exc:
            errors["id_number"] = exc.messages
    if errors:
        raise ValidationError(errors)
    if user is not None:
        permissions.require(user, "report_clue", region=village.code, what=_("登记风险线索"))
    if household is None:
        member = Member.objects.filter(is_active=True, id_number=number).select_related("household").first()
        if member is not None:
            household = member.household
            if household.region_id[:6] != village.code[:6]:
                raise ValidationError(
                    {"id_number": [_("该身份证号码登记的农户不在本县，请向其户籍所在县反映。")]}
                )
            village = Region.objects.get(code=household.region_id)
    if household is not None:
        _refuse_wrong_status(household)
    clue = Clue(
        region=village, household=household, source=source or (ClueSource.SELF if user is None else ClueSource.STAFF),
        reference=new_reference(), reported_on=reported_on, name=name, id_number=number, phone=phone,
        text=text, risk_types=risks, visit=visit, created_by=user, ip=ip,
    )  # fmt: skip
    clue.full_clean(exclude=["region", "household", "visit", "screening", "case", "created_by", "decided_by"])
    clue.save()
    audit.record(
        AuditAction.CREATE, clue,
        after={"reference": clue.reference, "source": clue.source, "reported_on": clue.reported_on.isoformat()},
    )  # fmt: skip
    return clue


def _locked_clue(clue: Clue) -> Clue:
    return Clue.objects.select_for_update(of=("self",)).select_related("household", "region").get(pk=clue.pk)


def _register_person(*, user, clue: Clue, risks: list[str]) -> Household:
    """A clue about a person never registered: the household's card through the registry's own service (the
    person as head, status 未识别); the village completes the card at 入户核实."""
    cause = next((CAUSE_OF_RISK[r] for r in risks if r in CAUSE_OF_RISK), "other")
    head = {
        "name": clue.name, "id_number": clue.id_number, "relationship": "head", "ethnicity": "01",
        "education": "junior", "schooling": "none", "health": "healthy", "labour": "ordinary",
        "work_status": "none", "months_worked": 0,
    }  # fmt: skip
    return household_register(
        user=user,
        household={"region": clue.region_id, "attribute": "general", "main_cause": cause},
        members=[head],
    )


@transaction.atomic
def clue_accept(*, user, clue: Clue, kind: str, risk_types=None, note: str = "") -> Case:
    """受理: the township takes the clue up. A household already in a case gets the clue added to it; otherwise
    a case opens with the 纳入监测 procedure (identification's application), its clock from the household's
    first pending clue. A person never registered gets the household's record first."""
    clue = _locked_clue(clue)
    permissions.require(user, "accept_clue", region=clue.region_id, what=_("受理风险线索"))
    if clue.status != ClueStatus.PENDING:
        raise ValidationError(_("该线索已经处理（%(s)s）。") % {"s": clue.get_status_display()})
    if kind not in MonitoringKind.values:
        raise ValidationError({"kind": [_("请选择监测对象类型。")]})
    risks = _risk_types(risk_types if risk_types is not None else clue.risk_types)
    if not risks:
        raise ValidationError({"risk_types": [_("请至少选择一种风险类型。")]})
    household = clue.household
    if household is not None:
        household = Household.objects.select_for_update().get(pk=household.pk)
        _refuse_wrong_status(household)
    if kind == MonitoringKind.UNSTABLE and (household is None or household.status != HouseholdStatus.EXITED):
        raise ValidationError(
            {"kind": [_("脱贫不稳定户须为已脱贫户；未识别的农户请选择边缘易致贫户或突发严重困难户。")]}
        )
    if household is None:
        household = _register_person(user=user, clue=clue, risks=risks)
    existing = (
        Case.objects.select_for_update(of=("self",))
        .filter(household=household)
        .exclude(state__in=(CaseState.CLEARED, CaseState.REJECTED))
        .first()
    )
    if existing is not None:
        existing = settle(existing)
    today = timezone.localdate()
    if existing is not None and existing.is_open:
        case = existing
    else:
        pending = Clue.objects.filter(household=household, status=ClueStatus.PENDING).values_list(
            "reported_on", flat=True
        )
        first = min([clue.reported_on, *pending])
        application = procedure.application_create(
            user=user, household=household, year=today.year, reason=clue.text, kind=ApplicationKind.MONITOR,
            level=RegionLevel.TOWNSHIP,
        )  # fmt: skip
        case = Case(
            household=household, region_id=household.region_id, kind=kind, risk_types=risks, first_clue_on=first,
            application=application,
        )  # fmt: skip
        case.full_clean(exclude=["household", "region", "application"], validate_constraints=False)
        case.save()
        audit.record(AuditAction.CREATE, case, after=audit.snapshot(case))
    others = Clue.objects.filter(household=household, status=ClueStatus.PENDING).exclude(pk=clue.pk)
    accepted = [*others, clue]
    entries = []
    for c in accepted:
        before = audit.snapshot(c)
        c.household, c.status, c.case = household, ClueStatus.ACCEPTED, case
        c.decided_by, c.decided_on, c.decision_note = user, today, (note or "").strip()
        c.save()
        entries.append(audit.entry_for(AuditAction.UPDATE, c, before=before, after=audit.snapshot(c)))
    audit.record_many(entries)
    return case


@transaction.atomic
def clue_dismiss(*, user, clue: Clue, reason: str) -> Clue:
    """不予受理, with the reason the person can read on the status page."""
    clue = _locked_clue(clue)
    permissions.require(user, "accept_clue", region=clue.region_id, what=_("受理风险线索"))
    if clue.status != ClueStatus.PENDING:
        raise ValidationError(_("该线索已经处理（%(s)s）。") % {"s": clue.get_status_display()})
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ValidationError({"reason": [_("不予受理须写明理由。")]})
    before = audit.snapshot(clue)
    clue.status, clue.decided_by, clue.decided_on, clue.decision_note = (
        ClueStatus.DISMISSED, user, timezone.localdate(), reason,
    )  # fmt: skip
    clue.save()
    audit.record(AuditAction.UPDATE, clue, before=before, after=audit.snapshot(clue))
    return clue


# --- the case and its procedure ----------------------------------------------------------------------------------


def _locked(case: Case) -> Case:
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("household", "application", "clearance", "period")
        .get(pk=case.pk)
    )


def _save(case: Case, before: dict) -> Case:
    case.save()
    audit.record(AuditAction.UPDATE, case, before=before, after=audit.snapshot(case))
    return case


def settle(case: Case) -> Case:
    """Bring the case's state in line with its procedure where the procedure ended without monitoring's own
    service (an upheld objection that rejected it, a step not passed): 认定 rejected → 未纳入; 风险消除 rejected →
    back to 监测帮扶中."""
    app = selectors.current(case)
    if app is None:
        return case
    app.refresh_from_db(fields=["stage"])
    if app.stage != Stage.REJECTED:
        return case
    before = audit.snapshot(case)
    if case.state == CaseState.IDENTIFYING:
        case.state, case.ended_on = CaseState.REJECTED, timezone.localdate()
    else:
        case.state = CaseState.MONITORED
    return _save(case, before)


def _running(case: Case, what: str):
    app = selectors.current(case)
    if app is None:
        raise ValidationError(
            _("该案例当前为「%(s)s」，没有正在办理的程序，不能办理「%(w)s」。")
            % {"s": case.get_state_display(), "w": what}
        )
    return app


@transaction.atomic
def case_authorise(*, user, case: Case, scan, signed_on: dt.date | None = None) -> Case:
    """农户授权承诺: the household's signed authorisation (to check its income, property and records with the
    departments) and commitment, scanned and kept. Recorded by the village (the township by 代录: the scan is the
    signed paper)."""
    case = _locked(case)
    village = permissions.may(user, "take_step", level=RegionLevel.VILLAGE, region=case.region_id)
    permissions.require(
        user, "take_step", level=RegionLevel.VILLAGE, region=case.region_id, what=str(StepKind.AUTHORISE.label),
        on_behalf=not village,
    )  # fmt: skip
    if not case.is_open:
        raise ValidationError(_("该案例已经结束。"))
    if not scan:
        raise ValidationError({"scan": [_("请上传农户签字的授权承诺书扫描件。")]})
    signed_on = signed_on or timezone.localdate()
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": [_("签署日期不能晚于今天。")]})
    before = audit.snapshot(case)
    case.authorisation, case.authorised_on = scan, signed_on
    case.full_clean(
        exclude=["household", "region", "application", "clearance", "period"], validate_constraints=False
    )
    return _save(case, before)


@transaction.atomic
def case_verify(
    *, user, case: Case, passed: bool, findings: str, income, rigid_expenses, happened: str = "", on=None,
):  # fmt: skip
    """入户核实: the income (the policy's definition over its window), the rigid expenses and what happened,
    with the monitoring range's facts at that moment kept on the step."""
    case = _locked(case)
    app = _running(case, str(StepKind.VERIFY.label))
    income = _amount(income, "income")
    rigid_expenses = _amount(rigid_expenses, "rigid_expenses")
    if not (findings or "").strip():
        raise ValidationError({"findings": [_("请填写入户核实情况。")]})
    today = timezone.localdate()
    pol = selectors.policy_for(region_code=case.region_id, year=today.year)
    line = selectors.monitoring_line(year=today.year, region_code=case.region_id)
    facts = rules.range_facts(
        income=income, rigid_expenses=rigid_expenses, line=line.amount if line else None
    )
    details = {
        "income": str(income), "rigid_expenses": str(rigid_expenses), "line": str(line.amount) if line else None,
        "definition": pol.income_definition, "window_months": pol.income_window_months, "facts": facts,
    }  # fmt: skip
    before = audit.snapshot(case)
    if app.pk == case.application_id:
        case.income, case.rigid_expenses = income, rigid_expenses
        case.happened = (happened or "").strip() or case.happened
    else:
        case.clear_income, case.clear_expenses = income, rigid_expenses
    _save(case, before)
    step = procedure.procedure_step(
        user=user, application=app, kind=StepKind.VERIFY, passed=passed, note=findings, details=details, on=on
    )
    settle(case)
    return step


@transaction.atomic
def case_deliberate(
    *, user, case: Case, meeting_on, attendance: int, votes_for: int, votes_against: int, note=""
):
    """民主评议 (the same votes rule as identification's)."""
    case = _locked(case)
    app = _running(case, str(StepKind.DELIBERATE.label))
    step = procedure.application_deliberate(
        user=user, application=app, meeting_on=meeting_on, attendance=attendance, votes_for=votes_for,
        votes_against=votes_against, note=note,
    )  # fmt: skip
    settle(case)
    return step


@transaction.atomic
def publicity_open(*, user, village: Region, cases: list[Case], starts_on=None, days: int | None = None):
    """村级公示 of cases of one village (监测对象公示 or 风险消除公示): at least the policy's days, once per case.
    The list never shows ID numbers, phones, bank accounts or health (not even the main cause)."""
    if not cases:
        raise ValidationError({"cases": [_("请至少选择一户。")]})
    today = timezone.localdate()
    pol = selectors.policy_for(region_code=village.code, year=today.year)
    days = pol.publicity_days if days in (None, "") else int(days)
    if days < pol.publicity_days:
        raise ValidationError(
            {
                "days": [
                    _("公示期不得少于 %(p)d 天（政策规定），您填写的是 %(d)d 天。")
                    % {"p": pol.publicity_days, "d": days}
                ]
            }
        )
    locked = [_locked(c) for c in sorted(cases, key=lambda c: c.pk)]
    apps, problems = [], []
    for case in locked:
        app = selectors.current(case)
        if app is None:
            problems.append(_("%(h)s：该案例没有正在办理的程序。") % {"h": case.household.head_name})
        elif selectors.published_once(app):
            problems.append(
                _("%(h)s：该户本次程序已经公示过一次，村级公示只进行一次，不能再次公示。")
                % {"h": case.household.head_name}
            )
        apps.append(app)
    if problems:
        raise ValidationError({"cases": problems})
    kinds = {a.kind for a in apps}
    if len(kinds) > 1:
        raise ValidationError({"cases": [_("监测对象公示和风险消除公示须分别发布。")]})
    proc = Procedure.MONITORING if kinds == {ApplicationKind.MONITOR} else Procedure.CLEARANCE
    return procedure.publicity_open(
        user=user, region=village, round=Round.FIRST, applications=apps, starts_on=starts_on, procedure=proc,
        days=days,
    )  # fmt: skip


@transaction.atomic
def case_review(*, user, case: Case, passed: bool, note: str = ""):
    """乡镇审核 after the 公示."""
    case = _locked(case)
    app = _running(case, str(StepKind.TOWNSHIP_REVIEW.label))
    step = procedure.application_review(user=user, application=app, passed=passed, note=note)
    settle(case)
    return step


@transaction.atomic
def case_confirm(*, user, case: Case, passed: bool, note: str = ""):
    """县级确认: of 纳入监测 — only with the household's signed authorisation — opening the registry's monitoring
    period; of 风险消除 — only while every condition still holds — closing it. Not confirmed: the reason kept."""
    case = _locked(case)
    app = _running(case, str(StepKind.CONFIRM.label))
    today = timezone.localdate()
    household = case.household
    if passed:
        yearcycle.refuse_frozen([(case.region_id, today.year)])
    if passed and case.state == CaseState.IDENTIFYING:
        if not case.authorisation:
            raise ValidationError(
                _("没有农户签字的授权承诺书，不能确认为监测对象；请先由村上传授权承诺书扫描件。")
            )
        if Monitoring.objects.filter(household=household, ended_on__isnull=True).exists():
            raise ValidationError(_("该户已有未结束的监测期，不能重复纳入。"))
    if passed and case.state == CaseState.CLEARING:
        if selectors.without_labour(household):
            raise ValidationError(_("该户没有劳动能力成员，不标注风险消除，请转为兜底保障持续跟踪。"))
        verdict = selectors.clearance_check(
            case,
            natural=case.natural,
            income=case.clear_income,
            rigid_expenses=case.clear_expenses,
            today=today,
        )
        if not verdict.passed:
            raise ValidationError([_("风险消除条件不满足："), *verdict.messages])
    step = procedure.procedure_step(
        user=user, application=app, kind=StepKind.CONFIRM, passed=passed, note=note
    )
    if not passed:
        settle(case)
        return step
    before = audit.snapshot(case)
    if case.state == CaseState.IDENTIFYING:
        period = Monitoring(
            household=household, kind=case.kind, risk_types=case.risk_types, started_on=today,
            note=_("监测案例 %(n)d 县级确认") % {"n": case.pk},
        )  # fmt: skip
        period.full_clean(exclude=["household"])
        period.save()
        audit.record(AuditAction.CREATE, period, after=audit.snapshot(period))
        case.period, case.state = period, CaseState.MONITORED
    else:
        period = case.period
        period_before = audit.snapshot(period)
        period.ended_on = today
        period.note = (period.note + "；" if period.note else "") + (
            _("风险自然消除") if case.natural else _("帮扶后风险消除")
        )
        period.save(update_fields=["ended_on", "note"])
        audit.record(AuditAction.UPDATE, period, before=period_before, after=audit.snapshot(period))
        case.state, case.ended_on = CaseState.CLEARED, today
    _save(case, before)
    return step


@transaction.atomic
def clearance_propose(*, user, case: Case, natural: bool, income, rigid_expenses, note: str = "") -> Case:
    """提出风险消除 (by the village). Every condition is checked first and every failure named; nothing is
    started then. A household with no member able to work is never marked eliminated: once 兜底 covers it, it
    is held under continued tracking (its own state), otherwise the refusal says to arrange 兜底 first."""
    case = _locked(case)
    what = str(ApplicationKind.CLEAR.label)
    permissions.require(user, "take_step", level=RegionLevel.VILLAGE, region=case.region_id, what=what)
    if case.state not in (CaseState.MONITORED, CaseState.TRACKING):
        raise ValidationError(
            _("该案例当前为「%(s)s」，只有监测帮扶中的对象可以提出风险消除。")
            % {"s": case.get_state_display()}
        )
    household = case.household
    if selectors.without_labour(household):
        if not selectors.social_protection(household):
            raise ValidationError(
                _(
                    "该户没有劳动能力成员，不能标注风险消除；请先落实社会保障兜底（低保、特困供养），兜底后转为持续跟踪。"
                )
            )
        if case.state == CaseState.TRACKING:
            raise ValidationError(_("该户已在兜底保障下持续跟踪。"))
        before = audit.snapshot(case)
        case.state, case.tracking_since = CaseState.TRACKING, timezone.localdate()
        return _save(case, before)
    income = _amount(income, "income")
    rigid_expenses = _amount(rigid_expenses, "rigid_expenses")
    verdict = selectors.clearance_check(
        case, natural=bool(natural), income=income, rigid_expenses=rigid_expenses
    )
    if not verdict.passed:
        raise ValidationError([_("风险消除条件不满足："), *verdict.messages])
    app = procedure.application_create(
        user=user, household=household, year=timezone.localdate().year, kind=ApplicationKind.CLEAR,
        reason=(note or "").strip() or "；".join(verdict.facts),
    )  # fmt: skip
    before = audit.snapshot(case)
    case.clearance, case.natural, case.state = app, bool(natural), CaseState.CLEARING
    case.clear_income, case.clear_expenses = income, rigid_expenses
    return _save(case, before)
