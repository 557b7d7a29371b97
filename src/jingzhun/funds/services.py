"""Writes of 扶贫资金: policy, funds, allocations down the levels (factor-based, previewed before they are
fixed), arrival at the county, payments to projects (报账制 stages) and households (一卡通), approval, bank
batches and their return files, re-issue, and the alerts' resolution.

Every write checks the actor (``accounts.permissions``), locks the money it moves, refuses in Chinese before it
changes anything (a refusal leaves every row as it was: the whole write is one transaction), and is audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingzhun.accounts import permissions
from jingzhun.assistance.models import Measure
from jingzhun.core import audit, crypto
from jingzhun.core.codes import NATIONAL_CODE, ancestor_at, level_of, subtree_range
from jingzhun.core.ids import normalize_identifier
from jingzhun.core.masking import mask_card
from jingzhun.core.models import AuditAction
from jingzhun.identification.choices import ObjectionStatus
from jingzhun.projects import services as project_services
from jingzhun.projects.choices import Category as ProjectCategory
from jingzhun.projects.models import Project, ProjectFunding
from jingzhun.regions.models import Region
from jingzhun.regions.selectors import policy_province
from jingzhun.registry.choices import HouseholdStatus
from jingzhun.registry.models import Household, Member

from . import rules, selectors
from .choices import (
    AFTER_ACCEPTANCE,
    HOLDING,
    NOTICE_STATUSES,
    AlertAction,
    AlertState,
    Category,
    NameMask,
    NoticeKind,
    PaymentKind,
    PaymentStatus,
    Source,
    Stage,
)
from .models import (
    RECEIPT_VALIDATORS,
    RECEIPTS_MAX,
    Alert,
    AlertStep,
    Allocation,
    Fund,
    FundObjection,
    FundPolicy,
    FundRule,
    Notice,
    Payment,
    PaymentBatch,
    PaymentReceipt,
)

COUNTY = 3
SOURCE_LEVEL = {Source.CENTRAL: 0, Source.PROVINCIAL: 1, Source.CITY: 2}  # others: the county's own


def _readable(model, user):
    """The rows ``user`` may read; every row for the system (a command or task: ``user`` None)."""
    return model.objects.all() if user is None else model.objects.for_user(user)


def amount_of(value, field: str = "amount") -> Decimal:
    """An amount in 元 as typed (commas allowed), exact to the fen; refused when not a positive number."""
    try:
        amount = Decimal(str(value).replace(",", "").strip())
        if not amount.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("金额格式不正确。")]}) from None
    if amount <= 0:
        raise ValidationError({field: [_("金额必须大于 0。")]})
    if amount != amount.quantize(rules.FEN):
        raise ValidationError({field: [_("金额最多保留两位小数（分）。")]})
    return amount.quantize(rules.FEN)


# --- policy ------------------------------------------------------------------------------------------------------


FEE_CAP_MAX = Decimal("0.05")  # a management-fee cap above 5 % is a typing error (1 typed for 1 %)


def _share_of(values: dict, name: str, label: str, top: Decimal = Decimal(1)) -> None:
    if name not in values:
        return
    try:
        share = Decimal(str(values[name]).strip())
        if not share.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        raise ValidationError({name: [_("「%(l)s」应为小数，如 0.3 表示 30%%。") % {"l": label}]}) from None
    if not Decimal(0) <= share <= top:
        raise ValidationError(
            {name: [_("「%(l)s」须在 0 到 %(t)s 之间（如 0.01 表示 1%%）。") % {"l": label, "t": top}]}
        )
    values[name] = share


def _days(values: dict, name: str, label: str, least: int = 0) -> None:
    if name in values:
        try:
            days = int(values[name])
        except (TypeError, ValueError):
            days = -1
        if days < least or days > 3650:
            raise ValidationError(
                {name: [_("「%(l)s」须为 %(n)s 到 3650 之间的整数。") % {"l": label, "n": least}]}
            )
        values[name] = days


def _validate_policy(values: dict) -> None:
    """Refuse, naming the field, what the model's validators do not catch: negative days, allocation weights
    that do not add up to 1."""
    for name in ("weight_poverty", "weight_tasks", "weight_exits"):
        _share_of(values, name, str(FundPolicy._meta.get_field(name).verbose_name))
    for name in ("idle_days", "publicity_days"):
        _days(
            values, name, FundPolicy._meta.get_field(name).verbose_name, 1 if name == "publicity_days" else 0
        )
    weights = ("weight_poverty", "weight_tasks", "weight_exits")
    if any(w in values for w in weights):
        if not all(w in values for w in weights):
            raise ValidationError({"weight_poverty": [_("三项分配因素权重须一并填写。")]})
        if sum((values[w] for w in weights), Decimal(0)) != 1:
            total = sum((values[w] for w in weights), Decimal(0))
            raise ValidationError(
                {"weight_poverty": [_("三项分配因素权重合计须为 1，现为 %(t)s。") % {"t": total}]}
            )


def _validate_rule(values: dict) -> None:
    """Refuse, naming the field, what the model's validators do not catch: unknown sources or categories, a
    permitted use forbidden, a fee cap above 5 % (empty: no cap), negative days, stage shares that do not add
    up to 1."""
    if "management_fee_share" in values and values["management_fee_share"] in ("", None):
        values["management_fee_share"] = None  # no cap (donations, local funds)
    else:
        label = str(FundRule._meta.get_field("management_fee_share").verbose_name)
        _share_of(values, "management_fee_share", label, FEE_CAP_MAX)
    _share_of(values, "industry_share", str(FundRule._meta.get_field("industry_share").verbose_name))
    _days(values, "retention_days", FundRule._meta.get_field("retention_days").verbose_name)
    if "fund_name" in values:
        values["fund_name"] = str(values["fund_name"] or "").strip()
        if not values["fund_name"]:
            raise ValidationError({"fund_name": [_("请填写资金名称。")]})
    if "fee_base_sources" in values:
        values["fee_base_sources"] = list(values["fee_base_sources"] or [])
        if set(values["fee_base_sources"]) - set(Source.values):
            raise ValidationError({"fee_base_sources": [_("管理费上限的计算基数中有未知的资金来源。")]})
    if "forbidden" in values:
        values["forbidden"] = list(values["forbidden"] or [])
        forbidden = set(values["forbidden"])
        if forbidden - set(Category.values):
            raise ValidationError({"forbidden": [_("禁止列支的类别中有未知的类别。")]})
        if forbidden & {Category.INDUSTRY, Category.FACILITIES, Category.CAPACITY}:
            raise ValidationError(
                {"forbidden": [_("产业发展、小型公益性设施和能力建设是扶贫资金的用途，不能禁止。")]}
            )
    if "stages" in values:
        stages = values["stages"]
        try:
            shares = [Decimal(str(s)) for _n, s in stages]
        except (InvalidOperation, ValueError, TypeError):
            raise ValidationError({"stages": [_("报账阶段的比例应为小数。")]}) from None
        if (
            sum(shares, Decimal(0)) != 1
            or any(not Decimal(0) <= x <= 1 for x in shares)
            or any(n not in Stage.values for n, _s in stages)
        ):
            raise ValidationError({"stages": [_("报账阶段的比例合计须为 100%。")]})


@transaction.atomic
def policy_set(*, user, year: int, province: str | None = None, **values) -> FundPolicy:
    """Set the fund-wide numbers from ``year`` on, nationally or for a province (fields of ``FundPolicy``: the
    supervision numbers, the notices' days and names, the allocation weights adding up to 1). The rules of
    spending are per source: ``rule_set``. Audited (``audit.upsert``); a refusal changes nothing."""
    permissions.require(
        user, "set_fund_policy", region=province or NATIONAL_CODE, what=_("修改扶贫资金政策参数")
    )
    region = policy_province(province)
    known = {f.name for f in FundPolicy._meta.concrete_fields} - {"id", "year", "province"}
    if unknown := set(values) - known:
        raise ValidationError(_("未知的参数：%(p)s。") % {"p": "、".join(sorted(unknown))})
    _validate_policy(values)
    if values.get("name_mask") == NameMask.FULL and region is None:
        raise ValidationError({"name_mask": [_("公示全名只能由省级政策规定，全国参数请选择一种脱敏方式。")]})
    return audit.upsert(FundPolicy, {"year": year, "province": region}, values)


@transaction.atomic
def rule_set(*, user, year: int, source: str, province: str | None = None, **values) -> FundRule:
    """Set the rules of one fund source from ``year`` on, nationally or for a province (fields of
    ``FundRule``): a province's row overrides the nation's for that source only, from its year. Shares between
    0 and 1, the fee cap at most 5 % or none, days not negative, the stage shares adding up to 1, no permitted
    use forbidden. Audited (``audit.upsert``); a refusal changes nothing."""
    permissions.require(
        user, "set_fund_policy", region=province or NATIONAL_CODE, what=_("修改扶贫资金使用规则")
    )
    if source not in Source.values:
        raise ValidationError({"source": [_("请选择资金来源。")]})
    region = policy_province(province)
    known = {f.name for f in FundRule._meta.concrete_fields} - {"id", "year", "province", "fund_source"}
    if unknown := set(values) - known:
        raise ValidationError(_("未知的参数：%(p)s。") % {"p": "、".join(sorted(unknown))})
    _validate_rule(values)
    return audit.upsert(FundRule, {"year": year, "province": region, "fund_source": source}, values)


# --- 衔接资金: the year plan's industry share ---------------------------------------------------------------

# the stages of a project in (or past) the county's 年度计划
IN_PLAN = ("planned", "implementing", "accepted", "settled", "transferred")


def refuse_industry_short(project) -> None:
    """列入年度计划 (projects.services.plan) of a project not itself an industry project, financed by money whose
    source's rule of the year requires an industry share (衔接资金 from 2022): refused, with the figures, when the
    county's year plan of that source's money would then use less than the share for 产业发展. Each source is
    held to its own rule; with no required share (before 2022, local funds, donations) it never refuses."""
    if project.category == ProjectCategory.INDUSTRY:
        return
    county = ancestor_at(project.region_id, 3)
    sources = project.fundings.filter(amount__gt=0).values_list("kind", flat=True).distinct().order_by("kind")
    for source in sources:
        if source not in Source.values:
            continue
        rule = selectors.rule_for(region_code=county, year=project.year, source=source)
        required = rule.industry_share
        if not required:
            continue
        planned = ProjectFunding.objects.filter(
            kind=source, project__year=project.year, project__region__code__range=subtree_range(county),
        ).filter(Q(project__stage__in=IN_PLAN) | Q(project=project))  # fmt: skip
        figures = planned.aggregate(
            total=Sum("amount"), industry=Sum("amount", filter=Q(project__category=ProjectCategory.INDUSTRY))
        )
        total, industry = figures["total"] or Decimal(0), figures["industry"] or Decimal(0)
        share = industry / total
        if share < required:
            percent = lambda x: f"{(x * 100).quantize(Decimal('0.1'))}%"  # noqa: E731
            raise ValidationError(
                _(
                    "%(f)s（%(src)s）用于产业发展的比重不得低于 %(r)s：列入本项目后，本县 %(y)s 年度计划使用该资金 "
                    "%(t)s 元，其中产业发展项目 %(i)s 元，占 %(s)s，低于要求。请先将产业发展项目列入年度计划。"
                )
                % {"f": rule.fund_name, "src": rule.source_label, "r": percent(required), "y": project.year,
                   "t": total.quantize(rules.FEN), "i": industry.quantize(rules.FEN), "s": percent(share)}
            )  # fmt: skip


# --- funds and allocations ---------------------------------------------------------------------------------------


@transaction.atomic
def fund_register(
    *, user, source: str, year: int, document_number: str, title: str, amount, region: Region | None = None,
    issued_on: dt.date | None = None,
) -> Fund:  # fmt: skip
    """登记一笔资金 issued by the government of ``region`` (None: the central government)."""
    code = region.code if region else NATIONAL_CODE
    permissions.require(user, "manage_funds", region=code, what=_("登记资金"))
    if source not in Source.values:
        raise ValidationError({"source": [_("请选择资金来源。")]})
    expected = SOURCE_LEVEL.get(source)
    level = region.level if region else 0
    if source == Source.CENTRAL and region is not None:
        raise ValidationError({"source": [_("中央财政资金由中央下达，不属于某个地区。")]})
    if region is None and source != Source.CENTRAL:
        raise ValidationError({"region": [_("请填写下达资金的地区。")]})
    if expected is not None and expected != level:
        raise ValidationError(
            {"region": [_("「%(s)s」应由相应级别的地区登记。") % {"s": Source(source).label}]}
        )
    if expected is None and level != COUNTY:
        raise ValidationError({"region": [_("「%(s)s」按县登记。") % {"s": Source(source).label}]})
    amount = amount_of(amount)
    document_number = (document_number or "").strip()
    if Fund.objects.filter(source=source, year=year, document_number=document_number).exists():
        raise ValidationError({"document_number": [_("该文号的资金已登记。")]})
    fund = Fund(
        source=source, year=year, document_number=document_number, title=(title or "").strip(), region=region,
        amount=amount, balance=amount, issued_on=issued_on or timezone.localdate(),
    )  # fmt: skip
    fund.full_clean()
    fund.save()
    audit.record(AuditAction.CREATE, fund, after=audit.snapshot(fund))
    return fund


def _holder_region(holder: Fund | Allocation) -> str:
    return holder.region_id or NATIONAL_CODE


def recipients(holder: Fund | Allocation) -> list[Region]:
    """Where ``holder``'s money may go: the regions one level below its own (a province's cities, a city's
    counties; the provinces for a central fund), or — for money already at a county — the county itself (a
    county's own or integrated fund arriving for spending)."""
    code = holder.region_id
    level = level_of(code) if code else 0
    if level >= COUNTY:
        return [holder.region]
    qs = Region.objects.filter(level=level + 1)
    if code:
        qs = qs.filter(parent_id=code)
    return list(qs.order_by("code"))


def allocation_preview(*, user, holder: Fund | Allocation, amount) -> list[dict]:
    """因素法 what-if: how ``amount`` of ``holder`` would split over its recipients with the year's weights
    (policy data) and the registry's factors — nothing is written."""
    permissions.require(user, "manage_funds", region=_holder_region(holder), what=_("测算资金分配"))
    amount = amount_of(amount)
    fund = holder if isinstance(holder, Fund) else holder.fund
    targets = recipients(holder)
    level = targets[0].level if targets else 0
    policy = selectors.policy_for(region_code=holder.region_id, year=fund.year)
    weights = {"poverty": policy.weight_poverty, "tasks": policy.weight_tasks, "exits": policy.weight_exits}
    found = selectors.factors(codes=[r.code for r in targets], level=level, year=fund.year)
    parts = rules.split_by_factors(amount, found, weights)
    return [{"region": r, "factors": found[r.code], "amount": parts[r.code]} for r in targets]


@transaction.atomic
def allocations_fix(
    *, user, holder: Fund | Allocation, amounts: dict[str, object], document_number: str,
    allocated_on: dt.date | None = None, factors: dict | None = None,
) -> list[Allocation]:  # fmt: skip
    """下达: pass parts of ``holder`` to its recipients (``amounts``: region code → amount), all or none. The
    parts may not exceed what is left of it."""
    permissions.require(user, "manage_funds", region=_holder_region(holder), what=_("下达资金"))
    model = type(holder)
    holder = model.objects.select_for_update().get(pk=holder.pk)
    if not (document_number or "").strip():
        raise ValidationError({"document_number": [_("请填写下达文号。")]})
    allowed = {r.code: r for r in recipients(holder)}
    parts = {}
    for code, value in amounts.items():
        if value in (None, "", 0, "0"):
            continue
        if code not in allowed:
            raise ValidationError({"amounts": [_("%(c)s 不是可下达的地区。") % {"c": code}]})
        parts[code] = amount_of(value, "amounts")
    if not parts:
        raise ValidationError({"amounts": [_("请至少填写一个地区的下达金额。")]})
    total = sum(parts.values(), Decimal(0))
    if total > holder.balance:
        raise ValidationError(
            {"amounts": [_("下达合计 %(t)s 元超过可分配余额 %(b)s 元。") % {"t": total, "b": holder.balance}]}
        )
    fund = holder if isinstance(holder, Fund) else holder.fund
    parent = None if isinstance(holder, Fund) else holder
    rows = [
        Allocation(
            fund=fund, parent=parent, region=allowed[code], amount=amount, balance=amount,
            document_number=document_number.strip(), allocated_on=allocated_on or timezone.localdate(),
            factors={k: str(v) for k, v in (factors or {}).get(code, {}).items()},
        )
        for code, amount in sorted(parts.items())
    ]  # fmt: skip
    for row in rows:
        row.full_clean(exclude=["fund", "parent", "region"])
    created = Allocation.objects.bulk_create(rows)
    model.objects.filter(pk=holder.pk).update(balance=F("balance") - total)
    audit.record_many(audit.entry_for(AuditAction.CREATE, a, after=audit.snapshot(a)) for a in created)
    return created


@transaction.atomic
def allocation_arrive(*, user, allocation: Allocation, arrived_on: dt.date | None = None) -> Allocation:
    """资金到位: the county records the day the money arrived."""
    permissions.require(user, "manage_funds", region=allocation.region_id, what=_("登记资金到位"))
    allocation = Allocation.objects.select_for_update().get(pk=allocation.pk)
    if allocation.arrived_on:
        raise ValidationError({"arrived_on": [_("该笔资金已登记到位。")]})
    before = audit.snapshot(allocation)
    allocation.arrived_on = arrived_on or timezone.localdate()
    allocation.save(update_fields=["arrived_on"])
    audit.record(AuditAction.UPDATE, allocation, before=before, after=audit.snapshot(allocation))
    return allocation


# --- payments ----------------------------------------------------------------------------------------------------


def _spendable(user, allocation: Allocation, what: str) -> tuple[Allocation, FundRule]:
    """The county allocation locked for a payment, and the rule of its fund's source and year there."""
    permissions.require(user, "manage_funds", region=allocation.region_id, what=what)
    allocation = Allocation.objects.select_for_update().select_related("fund", "region").get(pk=allocation.pk)
    if allocation.region.level != COUNTY:
        raise ValidationError({"allocation": [_("资金须下达到县后才能支出。")]})
    if allocation.arrived_on is None:
        raise ValidationError({"allocation": [_("该笔资金尚未登记到位，不能支出。")]})
    fund = allocation.fund
    return allocation, selectors.rule_for(
        region_code=allocation.region_id, year=fund.year, source=fund.source
    )


def _refuse_category(rule: FundRule, category: str) -> None:
    if category not in Category.values:
        raise ValidationError({"category": [_("请选择支出类别。")]})
    if category in rule.forbidden:
        raise ValidationError(
            {
                "category": [
                    _("「%(c)s」属于%(n)s（%(s)s）禁止列支的范围，不能支出。")
                    % {"c": Category(category).label, "n": rule.fund_name, "s": rule.source_label}
                ]
            }
        )


def _refuse_balance(allocation: Allocation, amount: Decimal) -> None:
    if amount > allocation.balance:
        raise ValidationError(
            {
                "amount": [
                    _("支出 %(a)s 元超过该笔资金的余额 %(b)s 元。") % {"a": amount, "b": allocation.balance}
                ]
            }
        )


def _save_payment(payment: Payment, allocation: Allocation) -> Payment:
    payment.full_clean(
        exclude=["allocation", "region", "project", "household", "member", "batch", "reissue_of"]
    )
    payment.save()
    Allocation.objects.filter(pk=allocation.pk).update(balance=F("balance") - payment.amount)
    audit.record(
        AuditAction.CREATE, payment,
        after={**audit.snapshot(payment), "bank_account": mask_card(payment.bank_account)},
    )  # fmt: skip
    return payment


@transaction.atomic
def project_payment_create(
    *, user, allocation: Allocation, project: Project, stage: str, amount, purpose: str, payee_name: str,
    bank_name: str, bank_account: str, category: str = Category.INDUSTRY, today: dt.date | None = None,
    receipts=(), receipts_note: str = "",
) -> Payment:  # fmt: skip
    """报账: pay a project at a stage of 报账制, against receipts (``receipts``: uploaded PDF/JPEG/PNG files, at
    least one unless the fund's policy of the year says otherwise, with ``receipts_note`` saying what they are).
    Refused: no receipt or a file that is not what it says; a forbidden category; more than the allocation's
    balance; more than the budget, or than the stages up to this one allow (shares: policy data); the final
    payment (验收合格) or the retention before 验收, and the retention before its days have run."""
    allocation, rule = _spendable(user, allocation, _("项目资金支出"))
    today = today or timezone.localdate()
    project = _readable(Project, user).filter(pk=project.pk).first()
    if project is None or not project.region_id.startswith(allocation.region_id[:6]):
        raise ValidationError({"project": [_("该项目不在本县或不在您的管辖范围内。")]})
    if stage not in Stage.values:
        raise ValidationError({"stage": [_("请选择报账阶段。")]})
    _refuse_category(rule, category)
    if category == Category.MANAGEMENT_FEE:
        raise ValidationError({"category": [_("项目管理费请按「项目管理费」单独支出。")]})
    amount = amount_of(amount)
    if stage in AFTER_ACCEPTANCE and project.accepted_on is None:
        raise ValidationError(
            {"stage": [_("项目尚未验收：「%(s)s」须在验收合格后支付。") % {"s": Stage(stage).label}]}
        )
    if stage == Stage.RETENTION:
        due = project.accepted_on + dt.timedelta(days=rule.retention_days)
        if today < due:
            raise ValidationError(
                {
                    "stage": [
                        _("%(n)s的质保金须在验收后满 %(d)s 天（%(on)s 起）支付。")
                        % {"n": rule.fund_name, "d": rule.retention_days, "on": due}
                    ]
                }
            )
    held = selectors.held_by_project(project.pk)
    if held + amount > project.budget:
        raise ValidationError(
            {
                "amount": [
                    _("项目累计支出 %(t)s 元将超过概算投资 %(b)s 元。")
                    % {"t": held + amount, "b": project.budget}
                ]
            }
        )
    shares = rule.stage_shares()
    if stage not in {name for name, _share in shares}:
        raise ValidationError(
            {
                "stage": [
                    _("%(n)s的报账阶段中没有「%(s)s」，请按其规定的阶段报账。")
                    % {"n": rule.fund_name, "s": Stage(stage).label}
                ]
            }
        )
    ceiling = rules.stage_ceiling(project.budget, shares, stage)
    if held + amount > ceiling:
        raise ValidationError(
            {
                "amount": [
                    _("按%(n)s的报账比例，到「%(s)s」阶段累计最多可支付 %(c)s 元，本次支付后将达 %(t)s 元。")
                    % {"n": rule.fund_name, "s": Stage(stage).label, "c": ceiling, "t": held + amount}
                ]
            }
        )
    _refuse_balance(allocation, amount)
    receipts, receipts_note = _receipts_checked(rule, receipts, receipts_note)
    number = normalize_identifier(bank_account)
    payment = Payment(
        allocation=allocation, region_id=project.region_id, year=allocation.fund.year, kind=PaymentKind.PROJECT,
        category=category, project=project, stage=stage, payee_name=(payee_name or "").strip(),
        bank_name=(bank_name or "").strip(), bank_account=number, bank_account_digest=crypto.digest(number),
        amount=amount, purpose=(purpose or "").strip() or Stage(stage).label, receipts_note=receipts_note,
        created_by=user,
    )  # fmt: skip
    if not payment.payee_name or not number:
        raise ValidationError({"payee_name": [_("请填写收款单位和账号。")]})
    payment = _save_payment(payment, allocation)
    # The project's own record of its 报账 (one source of truth for what reached it): the payment after 验收
    # is the final one and moves the project to 已报账; the retention comes after it
    note = receipts_note or payment.purpose
    if receipts:
        note = _("%(n)s（附票据 %(c)d 张）") % {"n": note, "c": len(receipts)}
    project_services.record_settlement(
        user=user, project=project, amount=amount, receipts_note=note, final=stage == Stage.ACCEPTED
    )
    _receipts_save(payment, receipts, user)  # last: a refusal above leaves no file behind
    return payment


def _receipts_checked(rule: FundRule, receipts, receipts_note: str) -> tuple[list, str]:
    """The receipts of a 报账 payment, each checked as a hostile upload (type by its first bytes, size, the
    picture's declared size) before anything is written; at least one when the policy requires them, and a
    description of them."""
    receipts = [f for f in (receipts or ()) if f]
    receipts_note = (receipts_note or "").strip()
    if rule.receipts_required and not receipts:
        raise ValidationError(
            {
                "receipts": [
                    _("%(n)s报账须附票据：请上传至少一张票据的扫描件或照片（PDF、JPG 或 PNG）。")
                    % {"n": rule.fund_name}
                ]
            }
        )
    if len(receipts) > RECEIPTS_MAX:
        raise ValidationError({"receipts": [_("一次报账最多上传 %(n)d 个票据文件。") % {"n": RECEIPTS_MAX}]})
    if receipts and not receipts_note:
        raise ValidationError({"receipts_note": [_("请写明所附票据的内容（如发票号码、金额、开票单位）。")]})
    if len(receipts_note) > 500:
        raise ValidationError({"receipts_note": [_("票据说明不超过 500 字。")]})
    problems = []
    for f in receipts:
        for check in RECEIPT_VALIDATORS:
            try:
                check(f)
            except ValidationError as exc:
                problems += [_("%(n)s：%(m)s") % {"n": f.name, "m": m} for m in exc.messages]
                break
    if problems:
        raise ValidationError({"receipts": problems})
    return receipts, receipts_note


def _receipts_save(payment: Payment, receipts: list, user) -> None:
    rows = []
    for f in receipts:
        row = PaymentReceipt(
            payment=payment, name=f.name.rsplit("/", 1)[-1][:200], size=getattr(f, "size", 0) or 0,
            uploaded_by=user,
        )  # fmt: skip
        row.file.save(f.name, f, save=False)  # stored under MEDIA_ROOT; the row keeps its path
        rows.append(row)
    PaymentReceipt.objects.bulk_create(rows)
    audit.record_many(
        audit.entry_for(AuditAction.CREATE, r, after={"name": r.name, "size": r.size, "file": r.file.name})
        for r in rows
    )


@transaction.atomic
def household_payment_create(
    *,
    user,
    allocation: Allocation,
    id_number: str,
    amount,
    purpose: str,
    category: str = Category.HOUSEHOLD,
    measure: Measure | None = None,
) -> Payment:
    """一卡通: a subsidy to a person of the registry, paid to their household's account, optionally paying one of
    the household's assistance measures (then counted once, through the measure). Refused: a person not in the
    registry, not in the user's scope, or not (any longer) in a household that may receive; a household without
    an account; a measure of another household; a forbidden category; more than the allocation's balance."""
    allocation, rule = _spendable(user, allocation, _("到户补助发放"))
    _refuse_category(rule, category)
    number = normalize_identifier(id_number)
    member = (
        _readable(Member, user).filter(id_number=number, is_active=True).select_related("household").first()
    )
    if member is None:
        if _readable(Member, user).filter(id_number=number).exists():  # in scope, no longer in a household
            raise ValidationError(
                {"id_number": [_("该人员已不在任何户中（死亡、迁出或所在户已注销），不能发放到户补助。")]}
            )
        if Member.objects.filter(id_number=number).exists():
            raise ValidationError({"id_number": [_("该人员不在您的管辖范围内，不能发放到户补助。")]})
        raise ValidationError({"id_number": [_("建档立卡系统中没有该身份证号的人员，不能发放到户补助。")]})
    household = member.household
    if not household.region_id.startswith(allocation.region_id[:6]):
        raise ValidationError({"id_number": [_("该人员不属于本县，不能从本县资金发放。")]})
    if household.status in (HouseholdStatus.CANCELLED, HouseholdStatus.UNIDENTIFIED):
        raise ValidationError(
            {
                "id_number": [
                    _("该户状态为「%(s)s」，不能发放到户补助。") % {"s": household.get_status_display()}
                ]
            }
        )
    if not household.bank_account:
        raise ValidationError({"id_number": [_("该户尚未登记一卡通账户，请先由财政人员登记。")]})
    if measure is not None and measure.plan.household_id != household.pk:
        raise ValidationError({"measure": [_("所选帮扶措施不是该户的，请重新选择。")]})
    amount = amount_of(amount)
    _refuse_balance(allocation, amount)
    payment = Payment(
        allocation=allocation, region_id=household.region_id, year=allocation.fund.year,
        kind=PaymentKind.HOUSEHOLD, category=category, household=household, member=member, payee_name=member.name,
        bank_name=household.bank_name, bank_account=household.bank_account,
        bank_account_digest=household.bank_account_digest, amount=amount, measure=measure,
        purpose=(purpose or "").strip() or Category(category).label, created_by=user,
    )  # fmt: skip
    return _save_payment(payment, allocation)


@transaction.atomic
def fee_payment_create(
    *, user, allocation: Allocation, amount, purpose: str, payee_name: str, bank_name: str, bank_account: str
) -> Payment:
    """项目管理费 of the county, from an allocation whose source's rule of the year may cap it: refused when the
    county's fees of the year paid from the sources the rule counts together (``FundRule.fee_sources``: its own
    source when it names none), with this one, would pass the rule's share of the county's allocations of those
    sources that year; a rule without a cap (donations, local funds) never refuses. Refused too beyond the
    allocation's balance."""
    allocation, rule = _spendable(user, allocation, _("项目管理费支出"))
    amount = amount_of(amount)
    county, year = allocation.region_id, allocation.fund.year
    if rule.management_fee_share is not None:
        family = sorted(set(rule.fee_sources()) | {allocation.fund.source})
        base = selectors.paid_sum(
            Allocation.objects.filter(region_id=county, fund__year=year, fund__source__in=family)
        )
        cap = (base * rule.management_fee_share).quantize(rules.FEN)
        used = selectors.paid_sum(
            Payment.objects.filter(
                allocation__region_id=county, allocation__fund__source__in=family, year=year,
                category=Category.MANAGEMENT_FEE, status__in=HOLDING,
            )
        )  # fmt: skip
        if used + amount > cap:
            names = "、".join(str(Source(s).label) for s in family)
            raise ValidationError(
                {
                    "amount": [
                        _("按%(n)s的规定，本县 %(y)s 年从%(s)s支出的项目管理费累计 %(t)s 元将超过上限 %(c)s 元"
                          "（当年%(s)s %(f)s 元的 %(p)s%%）。")
                        % {"n": rule.fund_name, "y": year, "s": names, "t": used + amount, "c": cap, "f": base,
                           "p": (rule.management_fee_share * 100).normalize()}
                    ]
                }
            )  # fmt: skip
    _refuse_balance(allocation, amount)
    number = normalize_identifier(bank_account)
    payment = Payment(
        allocation=allocation, region_id=county, year=year, kind=PaymentKind.FEE, category=Category.MANAGEMENT_FEE,
        payee_name=(payee_name or "").strip(), bank_name=(bank_name or "").strip(), bank_account=number,
        bank_account_digest=crypto.digest(number), amount=amount, purpose=(purpose or "").strip() or "项目管理费",
        created_by=user,
    )  # fmt: skip
    return _save_payment(payment, allocation)


@transaction.atomic
def payments_approve(*, user, payments: list[Payment]) -> int:
    """审核: pending payments become approved (to be sent to the bank); one statement, each audited."""
    ids = [p.pk for p in payments]
    rows = list(_readable(Payment, user).select_for_update().filter(pk__in=ids, status=PaymentStatus.PENDING))
    for p in rows:
        permissions.require(user, "manage_funds", region=p.region_id, what=_("审核支出"))
    now = timezone.now()
    Payment.objects.filter(pk__in=[p.pk for p in rows]).update(
        status=PaymentStatus.APPROVED, approved_by=user, approved_at=now
    )
    audit.record_many(
        audit.entry_for(
            AuditAction.UPDATE, p, before={"status": p.status}, after={"status": PaymentStatus.APPROVED}
        )
        for p in rows
    )
    return len(rows)


@transaction.atomic
def batch_create(*, user, county: Region) -> PaymentBatch:
    """银行代发: the county's approved payments not yet sent, in one batch (its file is exported by the page)."""
    permissions.require(user, "manage_funds", region=county.code, what=_("生成银行代发批次"))
    rows = Payment.objects.select_for_update().filter(
        allocation__region_id=county.code, status=PaymentStatus.APPROVED, batch__isnull=True
    )
    ids = list(rows.values_list("pk", flat=True))
    if not ids:
        raise ValidationError(_("本县没有已审核待支付的支出。"))
    total = selectors.paid_sum(Payment.objects.filter(pk__in=ids))
    batch = PaymentBatch.objects.create(county=county, created_by=user, payments_count=len(ids), total=total)
    Payment.objects.filter(pk__in=ids).update(batch=batch, status=PaymentStatus.SENT)
    audit.record(AuditAction.CREATE, batch, after=audit.snapshot(batch))
    return batch


RETURN_HEADERS = {"流水号": "reference", "结果": "result", "银行流水号": "bank_reference", "失败原因": "reason",
                  "支付日期": "paid_on"}  # fmt: skip
PAID_WORDS, FAILED_WORDS = {"成功", "已支付", "paid"}, {"失败", "退回", "failed"}


def _cells(raw: list, index: dict[str, int]):
    """A row's cell by field name, as stripped text ("" when absent)."""

    def cell(key: str) -> str:
        i = index.get(key)
        return str(raw[i]).strip() if i is not None and i < len(raw) and raw[i] is not None else ""

    return cell


def _parse_return(batch: PaymentBatch, rows: list[list[str]]) -> list[tuple[Payment, bool, dict]]:
    header = [str(c or "").strip() for c in (rows[0] if rows else [])]
    index = {RETURN_HEADERS[h]: i for i, h in enumerate(header) if h in RETURN_HEADERS}
    if "reference" not in index or "result" not in index:
        raise ValidationError({"file": [_("第一行应为表头，且有「流水号」和「结果」列。")]})
    payments = {p.reference: p for p in batch.payments.all()}
    errors, out, seen = [], [], set()
    for line, raw in enumerate(rows[1:], start=2):
        cell = _cells(raw, index)
        if not any(str(c or "").strip() for c in raw):
            continue
        ref, result = cell("reference"), cell("result")
        payment = payments.get(ref)
        if payment is None:
            errors.append(_("第 %(n)d 行：流水号 %(r)s 不属于本批次。") % {"n": line, "r": ref[:20]})
            continue
        if ref in seen:
            errors.append(_("第 %(n)d 行：流水号 %(r)s 重复。") % {"n": line, "r": ref})
            continue
        seen.add(ref)
        if result not in PAID_WORDS | FAILED_WORDS:
            errors.append(_("第 %(n)d 行：结果应为「成功」或「失败」。") % {"n": line})
            continue
        if payment.status != PaymentStatus.SENT:
            errors.append(_("第 %(n)d 行：%(r)s 已处理过回盘。") % {"n": line, "r": ref})
            continue
        paid_on = None
        if result in PAID_WORDS and cell("paid_on"):
            try:
                paid_on = dt.date.fromisoformat(cell("paid_on")[:10])
            except ValueError:
                errors.append(_("第 %(n)d 行：支付日期格式应为 2026-03-01。") % {"n": line})
                continue
        out.append((payment, result in PAID_WORDS, {"bank_reference": cell("bank_reference")[:60],
                                                     "reason": cell("reason")[:200], "paid_on": paid_on}))  # fmt: skip
    if errors:
        raise ValidationError({"file": errors[:50]})
    if not out:
        raise ValidationError({"file": [_("回盘文件中没有数据行。")]})
    return out


@transaction.atomic
def batch_return(*, user, batch: PaymentBatch, rows: list[list[str]], file_name: str = "") -> dict[str, int]:
    """银行回盘: each payment of the batch paid or failed, all or nothing (a bad row refuses the file, naming it).
    A failed payment gives its money back to its allocation (it may be re-issued). Set-based: one update per
    outcome, one per allocation given money back."""
    permissions.require(user, "manage_funds", region=batch.county_id, what=_("导入银行回盘"))
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    parsed = _parse_return(batch, rows)
    today = timezone.localdate()
    paid = [(p, d) for p, ok, d in parsed if ok]
    failed = [(p, d) for p, ok, d in parsed if not ok]
    for p, d in paid:
        p.status, p.bank_reference, p.paid_on = PaymentStatus.PAID, d["bank_reference"], d["paid_on"] or today
    for p, d in failed:
        p.status, p.failure_reason = PaymentStatus.FAILED, d["reason"] or _("银行退回")
    Payment.objects.bulk_update([p for p, _d in paid], ["status", "bank_reference", "paid_on"])
    Payment.objects.bulk_update([p for p, _d in failed], ["status", "failure_reason"])
    back: dict[int, Decimal] = {}
    for p, _d in failed:
        back[p.allocation_id] = back.get(p.allocation_id, Decimal(0)) + p.amount
    for allocation_id, amount in back.items():
        Allocation.objects.filter(pk=allocation_id).update(balance=F("balance") + amount)
    batch.returned_at, batch.return_file = timezone.now(), (file_name or "")[:200]
    batch.save(update_fields=["returned_at", "return_file"])
    audit.record_many(
        audit.entry_for(
            AuditAction.UPDATE, p, before={"status": PaymentStatus.SENT}, after={"status": p.status}
        )
        for p, _ok, _d in parsed
    )
    return {"paid": len(paid), "failed": len(failed)}


@transaction.atomic
def payment_reissue(*, user, payment: Payment) -> Payment:
    """重发 a failed household payment to the household's account as it is now (corrected by finance): a new,
    approved payment holding the money again; the failed one is marked re-issued."""
    permissions.require(user, "manage_funds", region=payment.region_id, what=_("重新发放"))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != PaymentStatus.FAILED:
        raise ValidationError(_("只有支付失败的支出才能重发。"))
    allocation = Allocation.objects.select_for_update().get(pk=payment.allocation_id)
    _refuse_balance(allocation, payment.amount)
    account, name, digest = payment.bank_account, payment.bank_name, payment.bank_account_digest
    if payment.household_id:
        household = Household.objects.get(pk=payment.household_id)
        if household.status == HouseholdStatus.CANCELLED:
            raise ValidationError(_("该户已注销，不能重发。"))
        account, name, digest = household.bank_account, household.bank_name, household.bank_account_digest
    again = Payment(
        allocation=allocation, region_id=payment.region_id, year=payment.year, kind=payment.kind,
        category=payment.category, project_id=payment.project_id, stage=payment.stage,
        household_id=payment.household_id, member_id=payment.member_id, payee_name=payment.payee_name,
        bank_name=name, bank_account=account, bank_account_digest=digest, amount=payment.amount,
        purpose=payment.purpose, status=PaymentStatus.APPROVED, reissue_of=payment, created_by=user,
        approved_by=user, approved_at=timezone.now(),
    )  # fmt: skip
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.REISSUED)
    audit.record(
        AuditAction.UPDATE,
        payment,
        before={"status": PaymentStatus.FAILED},
        after={"status": PaymentStatus.REISSUED},
    )
    return _save_payment(again, allocation)


# --- supervision -------------------------------------------------------------------------------------------------


def _alert_step(*, user, alert: Alert, action: str, reason: str, what: str) -> Alert:
    """The one write of an alert's resolution: an immutable step (close or reopen, with its reason) and the
    alert's state kept to the last step's, in the same transaction — they never disagree."""
    permissions.require(user, "supervise", region=alert.region_id, what=what)
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    wanted = AlertState.OPEN if action == AlertAction.CLOSE else AlertState.CLOSED
    if alert.state != wanted:
        raise ValidationError(
            _("该预警已办结。") if action == AlertAction.CLOSE else _("该预警尚未办结，无需重新打开。")
        )
    reason = (reason or "").strip()
    if len(reason) < 4:
        message = (
            _("请填写办结说明（核查情况和处理结果）。")
            if action == AlertAction.CLOSE
            else _("请填写重新打开的理由（至少 4 个字）。")
        )
        raise ValidationError({"reason": [message]})
    before = audit.snapshot(alert)
    step = AlertStep(alert=alert, region_id=alert.region_id, action=action, reason=reason, actor=user)
    step.full_clean(exclude=["alert", "region", "actor"])
    step.save()
    if action == AlertAction.CLOSE:
        alert.state, alert.closed_by, alert.closed_at, alert.close_reason = (
            AlertState.CLOSED, user, step.created_at, reason,
        )  # fmt: skip
    else:
        alert.state, alert.closed_by, alert.closed_at, alert.close_reason = AlertState.OPEN, None, None, ""
    alert.save(update_fields=["state", "closed_by", "closed_at", "close_reason"])
    audit.record(
        AuditAction.UPDATE, alert, before=before,
        after={**audit.snapshot(alert), "step": action, "step_reason": reason},
    )  # fmt: skip
    return alert


@transaction.atomic
def alert_close(*, user, alert: Alert, reason: str) -> Alert:
    """办结 an alert: a reason is required (what was checked, what was done); the step keeps who and when."""
    return _alert_step(
        user=user, alert=alert, action=AlertAction.CLOSE, reason=reason, what=_("办结监督预警")
    )


@transaction.atomic
def alert_reopen(*, user, alert: Alert, reason: str) -> Alert:
    """重新打开 a closed alert (a closing found wrong on a later check): a reason is required, kept as a step."""
    return _alert_step(
        user=user, alert=alert, action=AlertAction.REOPEN, reason=reason, what=_("重新打开监督预警")
    )


def alerts_disagreeing(queryset=None):
    """Alerts whose state is not their last step's (none closed without a step, none open after a close):
    empty whenever every change went through ``_alert_step``. Set-based (one query)."""
    from django.db.models import OuterRef, Subquery

    qs = Alert.objects.all() if queryset is None else queryset
    last = AlertStep.objects.filter(alert=OuterRef("pk")).order_by("-id").values("action")[:1]
    return qs.annotate(last_action=Subquery(last)).filter(
        Q(state=AlertState.CLOSED) & ~Q(last_action=AlertAction.CLOSE)
        | Q(state=AlertState.CLOSED, last_action__isnull=True)
        | Q(state=AlertState.OPEN, last_action=AlertAction.CLOSE)
    )


# --- village cadres ----------------------------------------------------------------------------------------------

CADRE_HEADERS = {"村代码": "village", "区划代码": "village", "姓名": "name", "公民身份号码": "id_number",
                 "身份证号": "id_number", "职务": "post"}  # fmt: skip
MAX_ROWS = 200_000


@transaction.atomic
def cadres_load(*, user, county: Region, rows: list[list]) -> int:
    """村干部名单 of a county (村代码, 姓名, 公民身份号码, 职务), replacing the county's list, all or nothing: a bad
    row refuses the file, naming it. Each cadre is linked to the registry household holding their ID number."""
    from jingzhun.core.ids import parse_id_number

    permissions.require(user, "supervise", region=county.code, what=_("上传村干部名单"))
    if county.level != COUNTY:
        raise ValidationError({"county": [_("村干部名单按县上传。")]})
    header = [str(c or "").strip() for c in (rows[0] if rows else [])]
    index = {CADRE_HEADERS[h]: i for i, h in enumerate(header) if h in CADRE_HEADERS}
    if set(index) != {"village", "name", "id_number", "post"}:
        raise ValidationError({"file": [_("第一行应为表头：村代码、姓名、公民身份号码、职务。")]})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": [_("名单行数过多。")]})
    villages = set(
        Region.objects.filter(code__range=county.subtree_range(), level=5).values_list("code", flat=True)
    )
    errors, out, seen = [], [], set()
    for line, raw in enumerate(rows[1:], start=2):
        cells = {
            k: str(raw[i]).strip() if i < len(raw) and raw[i] is not None else "" for k, i in index.items()
        }
        if not any(cells.values()):
            continue
        village = normalize_identifier(cells["village"])
        if village not in villages:
            errors.append(_("第 %(n)d 行：%(c)s 不是本县的村。") % {"n": line, "c": village[:12]})
            continue
        try:
            number = parse_id_number(cells["id_number"]).number
        except ValidationError as exc:
            errors.append(_("第 %(n)d 行：%(m)s") % {"n": line, "m": exc.messages[0]})
            continue
        if not cells["name"] or not cells["post"]:
            errors.append(_("第 %(n)d 行：请填写姓名和职务。") % {"n": line})
            continue
        if (village, number) in seen:
            continue
        seen.add((village, number))
        out.append((village, cells["name"][:50], number, cells["post"][:30]))
    if errors:
        raise ValidationError({"file": errors[:50]})
    if not out:
        raise ValidationError({"file": [_("名单中没有数据行。")]})
    from .models import VillageCadre

    homes = dict(
        Member.objects.filter(is_active=True, id_number__in=[o[2] for o in out]).values_list(
            "id_number", "household_id"
        )
    )
    VillageCadre.objects.filter(region__code__range=county.subtree_range()).delete()
    VillageCadre.objects.bulk_create(
        VillageCadre(region_id=v, name=n, id_number=i, post=p, household_id=homes.get(i))
        for v, n, i, p in out
    )
    audit.record(
        AuditAction.CREATE, county, after={"village_cadres": len(out), "linked_to_households": len(homes)}
    )
    return len(out)


# --- public accounts (公告公示) ------------------------------------------------------------------------------------


NOTICE_TITLES = {
    NoticeKind.PLAN: gettext_lazy("%(r)s %(y)s 年度扶贫项目计划公告"),
    NoticeKind.BEFORE: gettext_lazy("%(r)s %(y)s 年扶贫资金分配及到户补助事前公示"),
    NoticeKind.AFTER: gettext_lazy("%(r)s %(y)s 年扶贫资金使用情况公告"),
}


def _payment_rows(
    region: Region, year: int, kind: str, *, name_mask: str, period: tuple[dt.date, dt.date] | None = None
) -> tuple[list[dict], list[dict], Decimal]:
    """The payments a notice of ``kind`` shows in ``region``: per source and use the amount and the households
    counted, and in a village each subsidy to a person with the name shown by the policy's ``name_mask``
    (never an ID number, phone or account); a 事后公告 of a ``period`` (first and last day) the payments paid in
    it. Refused when there is nothing to show."""
    from django.db.models import Count

    payments = Payment.objects.filter(
        region__code__range=region.subtree_range(), year=year, status__in=NOTICE_STATUSES[kind]
    )
    if period:
        payments = payments.filter(paid_on__range=period)
    groups = list(
        payments.values("allocation__fund__source", "category")
        .annotate(total=Sum("amount"), households=Count("household_id", distinct=True), n=Count("id"))
        .order_by("allocation__fund__source", "category")
    )
    if not groups:
        if kind == NoticeKind.BEFORE:
            message = _("%(r)s %(y)s 年没有待支付的资金，无需事前公示。")
        elif period:
            message = _("%(r)s %(y)s 年在 %(a)s 至 %(b)s 期间没有已支付的资金，无需公示。")
        else:
            message = _("%(r)s %(y)s 年没有已支付的资金，无需公示。")
        a, b = period or (None, None)
        raise ValidationError(message % {"r": region.name, "y": year, "a": a, "b": b})
    rows = [
        {"source": str(Source(g["allocation__fund__source"]).label), "use": str(Category(g["category"]).label),
         "amount": str(g["total"]), "households": g["households"], "payments": g["n"]}
        for g in groups
    ]  # fmt: skip
    individuals = []
    if region.level == 5:
        individuals = [
            {"name": rules.mask_name(name, name_mask), "purpose": purpose, "amount": str(amount)}
            for name, purpose, amount in payments.filter(kind=PaymentKind.HOUSEHOLD)
            .order_by("id")
            .values_list("payee_name", "purpose", "amount")
        ]
    return rows, individuals, sum((g["total"] for g in groups), Decimal(0))


def _plan_rows(county: Region, year: int) -> tuple[list[dict], list[dict], Decimal]:
    """The county's 年度计划: each project of ``year`` in (or past) the plan with what a project notice shows
    the public (``projects.selectors.public_facts``: amount, sources, place, implementer, period, beneficiaries
    counted — never a name). Refused when the plan is empty."""
    from jingzhun.projects.selectors import public_facts

    projects = list(
        Project.objects.filter(
            region__code__range=county.subtree_range(), year=year, stage__in=IN_PLAN
        ).select_related("region").order_by("region_id", "id")
    )  # fmt: skip
    if not projects:
        raise ValidationError(
            _("%(r)s %(y)s 年还没有列入年度计划的项目，无需公告。") % {"r": county.name, "y": year}
        )
    return [public_facts(p) for p in projects], [], sum((p.budget for p in projects), Decimal(0))


@transaction.atomic
def notice_publish(
    *, user, region: Region, year: int, kind: str = NoticeKind.AFTER, starts_on: dt.date | None = None,
    paid_from: dt.date | None = None, paid_to: dt.date | None = None,
) -> Notice:  # fmt: skip
    """公告公示 in ``region`` (county, township or village) for ``year``, by ``kind``: the county's 年度计划 of
    projects, the money about to be paid (事前公示: entered, not yet at the bank) or the money paid (事后公告 —
    in a village the 到户补助 from the households' payments, names shown as the province's policy of the year
    says; ``paid_from``/``paid_to`` narrow it to the payments paid in that period, e.g. one bank batch's).
    Up from ``starts_on`` for the policy's days at least, and kept online afterwards; objections while it runs
    go through the portal's one flow."""
    permissions.require(user, "manage_funds", region=region.code, what=_("发布资金公告公示"))
    if kind not in NoticeKind.values:
        raise ValidationError({"kind": [_("请选择公示类别。")]})
    if region.level not in (3, 4, 5):
        raise ValidationError({"region": [_("资金公告公示按县、乡镇、村发布。")]})
    if kind == NoticeKind.PLAN and region.level != COUNTY:
        raise ValidationError({"region": [_("年度项目计划由县级公告。")]})
    period = None
    if paid_from or paid_to:
        if kind != NoticeKind.AFTER:
            raise ValidationError({"paid_from": [_("只有资金使用情况公告（事后公告）按支付期间发布。")]})
        period = (paid_from or dt.date(year, 1, 1), paid_to or dt.date(year, 12, 31))
        if period[0] > period[1]:
            raise ValidationError({"paid_to": [_("支付期间的截止日期不能早于开始日期。")]})
    policy = selectors.policy_for(region_code=region.code, year=year)
    rows, individuals, total = (
        _plan_rows(region, year)
        if kind == NoticeKind.PLAN
        else _payment_rows(region, year, kind, name_mask=policy.name_mask, period=period)
    )
    title = str(NOTICE_TITLES[kind]) % {"r": region.name, "y": year}
    if period:
        title += _("（%(a)s 至 %(b)s 支付）") % {"a": period[0].isoformat(), "b": period[1].isoformat()}
    starts_on = starts_on or timezone.localdate()
    notice = Notice(
        region=region, kind=kind, year=year, title=title[:120],
        rows=rows, individuals=individuals, total=total, starts_on=starts_on,
        last_day=starts_on + dt.timedelta(days=policy.publicity_days - 1),
    )  # fmt: skip
    notice.full_clean(exclude=["region"])
    notice.save()
    audit.record(AuditAction.CREATE, notice, after=audit.snapshot(notice))
    return notice


@transaction.atomic
def batch_notices_publish(*, user, batch: PaymentBatch, starts_on: dt.date | None = None) -> list[Notice]:
    """到户补助 事后公告 in one click after the bank's return: for each village (and year) of the batch's paid
    household payments, a 事后公告 of exactly those payments — per source and use the amount and households
    counted, each person's subsidy with the name shown as the village's provincial policy of the year says,
    never an ID number or account. Two queries for the whole batch (grouped sums, then the persons), one
    notice per village, each audited. Refused before the bank's return, with no household paid, or when the
    batch's notices are already published."""
    from django.db.models import Count

    permissions.require(user, "manage_funds", region=batch.county_id, what=_("发布到户补助事后公告"))
    batch = PaymentBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.returned_at is None:
        raise ValidationError(_("请先导入银行回盘：公告公示的是已支付的补助。"))
    if batch.notices.exists():
        raise ValidationError(_("批次 %(b)s 的到户补助公告已经发布。") % {"b": batch.reference})
    paid = Payment.objects.filter(batch=batch, status=PaymentStatus.PAID, kind=PaymentKind.HOUSEHOLD)
    groups = list(
        paid.values("region_id", "year", "allocation__fund__source", "category")
        .annotate(total=Sum("amount"), households=Count("household_id", distinct=True), n=Count("id"))
        .order_by("region_id", "year", "allocation__fund__source", "category")
    )
    if not groups:
        raise ValidationError(_("批次 %(b)s 没有已支付的到户补助，无需公告。") % {"b": batch.reference})
    people: dict[tuple[str, int], list] = {}
    for code, year, name, purpose, amount in paid.order_by("region_id", "year", "id").values_list(
        "region_id", "year", "payee_name", "purpose", "amount"
    ):
        people.setdefault((code, year), []).append((name, purpose, amount))
    villages = Region.objects.in_bulk({code for code, _y in people}, field_name="code")
    paid_on = paid.aggregate(first=Min("paid_on"), last=Max("paid_on"))
    starts_on = starts_on or timezone.localdate()
    notices, policies = [], {}
    for (code, year), persons in people.items():
        village = villages[code]
        if (code[:2], year) not in policies:  # one province's policy of a year for all its villages
            policies[code[:2], year] = selectors.policy_for(region_code=code, year=year)
        policy = policies[code[:2], year]
        mine = [g for g in groups if (g["region_id"], g["year"]) == (code, year)]
        notice = Notice(
            region=village, kind=NoticeKind.AFTER, year=year, batch=batch,
            title=(str(NOTICE_TITLES[NoticeKind.AFTER]) % {"r": village.name, "y": year}
                   + _("（%(a)s 至 %(b)s 支付）") % {"a": paid_on["first"], "b": paid_on["last"]})[:120],
            rows=[{"source": str(Source(g["allocation__fund__source"]).label), "use": str(Category(g["category"]).label),
                   "amount": str(g["total"]), "households": g["households"], "payments": g["n"]} for g in mine],
            individuals=[{"name": rules.mask_name(name, policy.name_mask), "purpose": purpose, "amount": str(amount)}
                         for name, purpose, amount in persons],
            total=sum((g["total"] for g in mine), Decimal(0)), starts_on=starts_on,
            last_day=starts_on + dt.timedelta(days=policy.publicity_days - 1),
        )  # fmt: skip
        notice.full_clean(exclude=["region", "batch"])
        notices.append(notice)
    Notice.objects.bulk_create(notices)
    audit.record_many(audit.entry_for(AuditAction.CREATE, n, after=audit.snapshot(n)) for n in notices)
    return notices


@transaction.atomic
def objection_file(
    *, user, notice: Notice, text: str, name: str = "", contact: str = "", ip: str | None = None
) -> FundObjection:
    """异议 against a fund notice while it runs (the projects' notices' one filing): by staff (``user``) or
    from the public portal (None). It lands on the funds' notices page of the county's finance users, who
    decide it."""
    return project_services.notice_objection_file(
        FundObjection, user=user, notice=notice, text=text, name=name, contact=contact, ip=ip
    )


@transaction.atomic
def objection_resolve(*, user, objection: FundObjection, upheld: bool, reason: str) -> FundObjection:
    """The county's finance (``manage_funds`` in scope of the notice) decides an objection with a reason:
    upheld (属实, to be corrected) or dismissed (不属实)."""
    objection = FundObjection.objects.select_for_update().get(pk=objection.pk)
    permissions.require(user, "manage_funds", region=objection.region_id, what=_("处理资金公告公示异议"))
    if objection.status != ObjectionStatus.OPEN:
        raise ValidationError(_("该异议已经处理。"))
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": [_("请填写处理意见（至少 4 个字）。")]})
    before = audit.snapshot(objection)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution, objection.resolved_by, objection.resolved_at = reason, user, timezone.now()
    objection.save()
    audit.record(AuditAction.UPDATE, objection, before=before, after=audit.snapshot(objection))
    return objection
