"""Writes of 一户一策 and of the work done for households and villages: a household's yearly plan and its measures,
the cadres' visits (走访), and the resources a village receives as a whole. Like ``services``: keyword-only,
atomic, validated with Chinese messages, audited; role and region checked on every write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingzhun.accounts import permissions
from jingzhun.core import audit
from jingzhun.core.models import AuditAction
from jingzhun.regions.choices import RegionLevel
from jingzhun.regions.models import Region
from jingzhun.regions.rules import same_ancestor
from jingzhun.registry.models import Household

from . import catalogue
from .choices import MeasureStatus
from .models import Cadre, HelpingUnit, HouseholdPairing, Measure, Plan, VillageSupport, Visit
from .services import create_audited, require_helped


def _current_cadre(household: Household) -> Cadre:
    pairing = (
        HouseholdPairing.objects.filter(household=household, ended_on__isnull=True)
        .select_related("cadre")
        .first()
    )
    if pairing is None:
        raise ValidationError(_("该户还没有帮扶责任人：请先确定帮扶责任人，再制定帮扶计划。"))
    return pairing.cadre


@transaction.atomic
def plan_create(*, user, household: Household, year: int, goal: str = "") -> Plan:
    """一户一策: open the household's plan for ``year``, under its current responsible cadre. Refused for a
    household outside the user's region, one that needs no assistance, one without a cadre, and a second plan
    for the same year."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    permissions.require(user, "plan", region=household.region_id, what=_("制定帮扶计划"))
    require_helped(household, _("帮扶计划"))
    cadre = _current_cadre(household)
    if Plan.objects.filter(household=household, year=year).exists():
        raise ValidationError({"year": [_("该户 %(y)s 年度已有帮扶计划。") % {"y": year}]})
    return create_audited(
        Plan(household=household, region_id=household.region_id, year=year, cadre=cadre,
             goal=(goal or "").strip(), created_by=user)
    )  # fmt: skip


def _check_measure(m: Measure, unit_visible) -> None:
    errors: dict[str, list[str]] = {}
    item = catalogue.BY_KEY.get(m.item) if m.item else None
    if m.item and item is None:
        errors["item"] = [_("措施库中没有该措施。")]
    elif item is not None and item.category != m.category:
        errors["item"] = [_("「%(i)s」不属于「%(c)s」。") % {"i": item.label, "c": m.get_category_display()}]
    if m.unit_id and not unit_visible(m.unit_id):
        errors["unit"] = [_("该帮扶单位不在您的管辖范围内。")]
    if m.status == MeasureStatus.DONE and m.actual_amount is None:
        errors["actual_amount"] = [_("措施完成时须填写实际金额（无资金投入填 0）。")]
    if errors:
        raise ValidationError(errors)


def _units_visible_to(user):
    if user is None:
        return lambda _pk: True
    return lambda pk: HelpingUnit.objects.for_user(user).filter(pk=pk).exists()


@transaction.atomic
def measure_add(
    *, user, plan: Plan, category: str, responsible: str, item: str = "", content: str = "",
    planned_amount: Decimal | int = 0, actual_amount: Decimal | None = None, unit: HelpingUnit | None = None,
    starts_on: dt.date | None = None, ends_on: dt.date | None = None, status: str = MeasureStatus.PLANNED,
) -> Measure:  # fmt: skip
    """Add a measure to a plan. Amounts are never negative; dates in order; a catalogue item must belong to the
    category; a completed measure states what it actually cost."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    permissions.require(user, "plan", region=plan.region_id, what=_("填写帮扶措施"))
    if not (content or "").strip() and item in catalogue.BY_KEY:
        content = str(catalogue.BY_KEY[item].label)
    measure = Measure(
        plan=plan, region_id=plan.region_id, year=plan.year, category=category, item=item or "",
        content=(content or "").strip(), planned_amount=planned_amount, actual_amount=actual_amount,
        responsible=(responsible or "").strip(), unit=unit, starts_on=starts_on, ends_on=ends_on, status=status,
    )  # fmt: skip
    measure.full_clean()
    _check_measure(measure, _units_visible_to(user))
    measure.save()
    audit.record(AuditAction.CREATE, measure, after=audit.snapshot(measure))
    return measure


MEASURE_PROGRESS_FIELDS = ("actual_amount", "status", "starts_on", "ends_on", "responsible")


@transaction.atomic
def measure_update(*, user, measure: Measure, **changes) -> Measure:
    """Record progress on a measure: actual amount, status, dates, responsible party (the content and the plan
    stay; a different measure is a new row)."""
    measure = Measure.objects.select_for_update().select_related("plan").get(pk=measure.pk)
    permissions.require(user, "plan", region=measure.region_id, what=_("更新帮扶措施"))
    unknown = set(changes) - set(MEASURE_PROGRESS_FIELDS)
    if unknown:
        raise TypeError(f"not a progress field: {sorted(unknown)}")
    before = audit.snapshot(measure)
    for name, value in changes.items():
        setattr(measure, name, value)
    measure.full_clean()
    _check_measure(measure, _units_visible_to(user))
    measure.save(update_fields=list(changes))
    audit.record(AuditAction.UPDATE, measure, before=before, after=audit.snapshot(measure))
    return measure


@transaction.atomic
def visit_record(
    *, user, household: Household, cadre: Cadre, visited_on: dt.date, content: str, photo=None
) -> Visit:
    """走访: a visit by a cadre of the household's county, on a day that has passed, saying what was done."""
    permissions.require(user, "log_visit", region=household.region_id, what=_("登记走访"))
    require_helped(household, _("走访"))
    errors: dict[str, list[str]] = {}
    if visited_on > timezone.localdate():
        errors["visited_on"] = [_("走访日期不能晚于今天。")]
    if not same_ancestor(cadre.region_id, household.region_id, RegionLevel.COUNTY):
        errors["cadre"] = [_("走访人须是本县的帮扶责任人。")]
    if len((content or "").strip()) < 4:
        errors["content"] = [_("请写明走访内容（至少 4 个字）。")]
    if errors:
        raise ValidationError(errors)
    visit = Visit(
        household=household, region_id=household.region_id, cadre=cadre, visited_on=visited_on,
        content=content.strip(), created_by=user,
    )  # fmt: skip
    if photo:
        visit.photo = photo
    return create_audited(visit)


@transaction.atomic
def support_add(
    *, user, village: Region, year: int, amount: Decimal | int, description: str, kind: str,
    unit: HelpingUnit | None = None, source: str = "", received_on: dt.date | None = None,
) -> VillageSupport:  # fmt: skip
    """Record resources a village received as a whole (funds, goods, a project) from a unit or another source."""
    permissions.require(user, "register_cadre", region=village.code, what=_("登记帮扶投入"))
    if village.level != RegionLevel.VILLAGE:
        raise ValidationError({"village": [_("请选择一个村。")]})
    if unit is None and not (source or "").strip():
        raise ValidationError({"source": [_("请选择帮扶单位或写明来源。")]})
    if unit is not None and not _units_visible_to(user)(unit.pk):
        raise ValidationError({"unit": [_("该帮扶单位不在您的管辖范围内。")]})
    return create_audited(
        VillageSupport(
            village=village, year=year, unit=unit, source=(source or "").strip(), kind=kind, amount=amount,
            description=(description or "").strip(), received_on=received_on or timezone.localdate(),
            created_by=user,
        )
    )  # fmt: skip
