"""Pure policy checks on household data: causes, membership, data-quality warnings. No database access."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from .choices import Cause, Relationship

MAX_OTHER_CAUSES = 2


def cause_errors(main_cause: str, other_causes: list[str]) -> list[str]:
    """A3: exactly one main cause; at most two other causes, from the same list, not repeating the main one."""
    errors = []
    if len(other_causes) > MAX_OTHER_CAUSES:
        errors.append(_("其他致贫原因最多填 2 项（当前 %(n)d 项）。") % {"n": len(other_causes)})
    unknown = [c for c in other_causes if c not in Cause.values]
    if unknown:
        errors.append(_("其他致贫原因含有无效的选项：%(c)s。") % {"c": "、".join(map(str, unknown))})
    if main_cause and main_cause in other_causes:
        errors.append(_("其他致贫原因不能与主要致贫原因（%(c)s）重复。") % {"c": Cause(main_cause).label})
    if len(set(other_causes)) != len(other_causes):
        errors.append(_("其他致贫原因不能重复填写。"))
    return errors


def head_errors(relationships: list[str]) -> list[str]:
    """A household has members, exactly one of whom is the head (户主)."""
    if not relationships:
        return [_("每户至少登记一名家庭成员。")]
    heads = sum(1 for r in relationships if r == Relationship.HEAD)
    if heads != 1:
        return [_("每户必须有且只有一名户主（当前 %(n)d 名）。") % {"n": heads}]
    return []


def data_quality_warnings(year: dict) -> list[str]:
    """Local plausibility heuristics [L] (DOMAIN.md §2): shown as warnings, never blocking a save."""
    d = lambda k: Decimal(year.get(k) or 0)  # noqa: E731
    warnings = []
    distance = year.get("road_distance_km")
    if distance is None or distance == "":
        warnings.append(_("未填写与村主干路距离。"))
    elif Decimal(distance) > 5:
        warnings.append(_("与村主干路距离超过 5 公里，请核实。"))
    if 0 < d("wage") < 300 or d("wage") > 300000:
        warnings.append(_("工资性收入不足 300 元或超过 30 万元，请核实。"))
    if d("business") > 0 and d("business_expense") <= 0:
        warnings.append(_("有生产经营性收入但生产经营性支出为 0，请核实。"))
    if d("transfer_eco") > 0 and d("land_returned") <= 0:
        warnings.append(_("有生态补偿金但无退耕还林面积，请核实。"))
    if 0 < d("transfer_dibao") < 200:
        warnings.append(_("低保金不足 200 元，请核实。"))
    return warnings
