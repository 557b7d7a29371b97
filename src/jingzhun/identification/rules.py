"""Pure identification rules (DOMAIN.md §4): the income test against the year's line and the checks of
两不愁三保障 on the household record. Each returns every reason it finds, so that verification and review can
show them all. No database access: callers pass the line and the records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from jingzhun.registry.choices import DANGEROUS_GRADES, Health, Schooling

COMPULSORY_SCHOOL_AGES = range(6, 16)  # 义务教育: ages 6 to 15 inclusive
PHYSICAL_REASONS = {Health.DISABLED, Health.SERIOUS}


@dataclass(frozen=True)
class Reason:
    code: str  # income | education | medical | housing | water
    message: str


@dataclass(frozen=True)
class Verdict:
    """The rules' answer for one household: whether it qualifies, and why (every reason found)."""

    income_below_line: bool
    reasons: list[Reason] = field(default_factory=list)

    @property
    def qualifies(self) -> bool:
        """Income below the line (the basic test) or a gap in 两不愁三保障."""
        return bool(self.reasons)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def income_reasons(per_capita_net: Decimal | None, line: Decimal) -> list[Reason]:
    """一超过: a household is poor by income when its per-capita net income is *below* the line; exactly at the
    line is not below it."""
    if per_capita_net is None:
        return [Reason("income", _("没有年度收入信息，无法比对扶贫标准。"))]
    if Decimal(per_capita_net) < Decimal(line):
        return [
            Reason(
                "income",
                _("人均纯收入 %(income)s 元低于扶贫标准 %(line)s 元。")
                % {"income": f"{Decimal(per_capita_net):.2f}", "line": f"{Decimal(line):.2f}"},
            )
        ]
    return []


def assurance_reasons(*, members, year, on: dt.date) -> list[Reason]:
    """三保障 and safe water on the record: ``members`` (active Member-like objects) and ``year`` (the
    HouseholdYear-like record, or None), judged on ``on``."""
    reasons = []
    for m in members:
        age = age_on(m.birth_date, on)
        if age in COMPULSORY_SCHOOL_AGES and m.schooling in (Schooling.NONE, Schooling.PRESCHOOL):
            if m.health in PHYSICAL_REASONS:
                message = _("%(name)s（%(age)d 岁）因身体原因未在校，需落实送教上门。")
            else:
                message = _("%(name)s（%(age)d 岁）处于义务教育阶段但未在校（义务教育无保障）。")
            reasons.append(Reason("education", message % {"name": m.name, "age": age}))
        missing = [
            label
            for flag, label in (
                (m.medical_insurance, _("基本医疗保险")),
                (m.serious_illness_insurance, _("大病保险")),
            )
            if not flag
        ]
        if missing:
            reasons.append(
                Reason(
                    "medical",
                    _("%(name)s 未参加%(what)s（基本医疗无保障）。")
                    % {"name": m.name, "what": "、".join(missing)},
                )
            )
    if year is not None:
        if year.house_grade in DANGEROUS_GRADES:
            reasons.append(
                Reason(
                    "housing", _("住房为 %(grade)s 级危房（住房安全无保障）。") % {"grade": year.house_grade}
                )
            )
        if not year.water_safe:
            reasons.append(Reason("water", _("饮水不安全。")))
    return reasons


def identification_verdict(*, per_capita_net, line: Decimal, members, year, on: dt.date) -> Verdict:
    income = income_reasons(per_capita_net, line)
    return Verdict(
        income_below_line=bool(income), reasons=income + assurance_reasons(members=members, year=year, on=on)
    )
