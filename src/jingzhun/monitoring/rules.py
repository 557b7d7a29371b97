"""Pure rules of 防止返贫动态监测 (DOMAIN.md §8): the facts shown at verification, the conditions of 风险消除 —
each a switch of the policy, each failure a reason in Chinese — and the clocks. No database access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from jingzhun.identification.rules import Reason


def months_between(start: dt.date, day: dt.date) -> int:
    """Whole months from ``start`` to ``day``: 1 March to 31 August is 5, to 1 September 6."""
    months = (day.year - start.year) * 12 + day.month - start.month
    return months - (1 if day.day < start.day else 0)


def money(value) -> str:
    return f"{Decimal(value):.2f}"


def range_facts(*, income, rigid_expenses, line) -> list[str]:
    """What the verification's figures say against the monitoring range (shown, never deciding alone: a 突发
    严重困难户 may be above the line with expenses far above its income)."""
    facts = []
    if income is not None and line is not None:
        if Decimal(income) < Decimal(line):
            facts.append(
                _("人均可支配收入 %(i)s 元低于监测标准 %(l)s 元。") % {"i": money(income), "l": money(line)}
            )
        else:
            facts.append(
                _("人均可支配收入 %(i)s 元不低于监测标准 %(l)s 元。") % {"i": money(income), "l": money(line)}
            )
    if income is not None and rigid_expenses is not None and Decimal(rigid_expenses) > Decimal(income):
        facts.append(
            _("人均刚性支出 %(e)s 元超过人均可支配收入 %(i)s 元。")
            % {"e": money(rigid_expenses), "i": money(income)}
        )
    return facts


@dataclass(frozen=True)
class Conditions:
    """The 风险消除 conditions in force (``MonitoringPolicy``'s switches and the months)."""

    min_months: int = 6
    months: bool = True
    measure: bool = True
    income: bool = True
    expenses: bool = True
    assurance: bool = True

    @classmethod
    def of(cls, policy) -> Conditions:
        return cls(
            min_months=policy.min_months, months=policy.check_months, measure=policy.check_measure,
            income=policy.check_income, expenses=policy.check_expenses, assurance=policy.check_assurance,
        )  # fmt: skip


@dataclass(frozen=True)
class ClearanceVerdict:
    failures: list[Reason] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def messages(self) -> list[str]:
        return [r.message for r in self.failures]


def clearance_verdict(
    *, conditions: Conditions, started_on: dt.date, today: dt.date, measures: int, natural: bool, income,
    rigid_expenses, line, assurance: list[Reason], earlier: tuple[int, object, object] | None = None,
) -> ClearanceVerdict:  # fmt: skip
    """风险消除: every condition switched on is checked and every failure named.

    - monitored at least ``min_months`` whole months (the day six months after the start counts);
    - at least one measure received, unless the risk went away on its own (风险自然消除, recorded as such);
    - income not below the monitoring line — the complement of the entry's "below the line" on the same
      comparison (decision 42 for exits), so a household exactly at the line is no longer in the range by income;
    - and **stably** so: ``earlier`` (year, per-capita income, that year's monitoring line) is the household's
      latest yearly record; its income below its year's line means the income has not yet held above it
      (one good reading at the verification is not stability). Without a yearly record only the verification
      counts, said as a fact;
    - rigid expenses resolved: no longer above the income;
    - 三保障 and safe water (``assurance``: identification's reasons on the record)."""
    failures: list[Reason] = []
    facts: list[str] = []
    months = months_between(started_on, today)
    if conditions.months:
        if months < conditions.min_months:
            failures.append(
                Reason(
                    "months",
                    _("纳入监测仅 %(m)d 个月，不满 %(n)d 个月。") % {"m": months, "n": conditions.min_months},
                )
            )
        else:
            facts.append(_("已监测 %(m)d 个月。") % {"m": months})
    if conditions.measure:
        if natural:
            facts.append(_("风险自然消除，未要求落实帮扶措施。"))
        elif measures < 1:
            failures.append(Reason("measure", _("尚未落实任何帮扶措施（风险自然消除的须如实选择）。")))
        else:
            facts.append(_("已落实帮扶措施 %(n)d 项。") % {"n": measures})
    if conditions.income:
        if income is None:
            failures.append(Reason("income", _("没有人均可支配收入数据，无法判断是否超过监测标准。")))
        elif line is None:
            failures.append(Reason("income", _("尚未设定本年度监测标准。")))
        elif Decimal(income) < Decimal(line):
            failures.append(
                Reason(
                    "income",
                    _("人均可支配收入 %(i)s 元低于监测标准 %(l)s 元。")
                    % {"i": money(income), "l": money(line)},
                )
            )
        else:
            facts.append(
                _("人均可支配收入 %(i)s 元，不低于监测标准 %(l)s 元。")
                % {"i": money(income), "l": money(line)}
            )
        failures += _stability(earlier, facts)
    if conditions.expenses:
        if rigid_expenses is None:
            failures.append(Reason("expenses", _("没有刚性支出数据，无法判断刚性支出问题是否已解决。")))
        elif income is not None and Decimal(rigid_expenses) > Decimal(income):
            failures.append(
                Reason(
                    "expenses",
                    _("人均刚性支出 %(e)s 元仍超过人均可支配收入 %(i)s 元，刚性支出问题未解决。")
                    % {"e": money(rigid_expenses), "i": money(income)},
                )
            )
    if conditions.assurance:
        failures += assurance
        if not assurance:
            facts.append(_("三保障和饮水安全均有保障。"))
    return ClearanceVerdict(failures=failures, facts=facts)


def _stability(earlier: tuple[int, object, object] | None, facts: list[str]) -> list[Reason]:
    """The income of the latest yearly record against its own year's line (the stability half of the income
    condition)."""
    if earlier is None or earlier[1] is None or earlier[2] is None:
        facts.append(_("无年度收入记录，收入稳定性仅以本次核实为准。"))
        return []
    year, income, line = earlier
    values = {"y": year, "i": money(income), "l": money(line)}
    if Decimal(income) < Decimal(line):
        return [
            Reason(
                "income",
                _("%(y)d 年度人均纯收入 %(i)s 元低于当年监测标准 %(l)s 元，收入尚未稳定超过监测标准。")
                % values,
            )
        ]
    facts.append(_("%(y)d 年度人均纯收入 %(i)s 元，不低于当年监测标准 %(l)s 元。") % values)
    return []


def overdue(*, since: dt.date, days: int, today: dt.date) -> int:
    """Days past a deadline of ``days`` days from ``since`` (0 when in time): due on day ``since + days``."""
    return max(0, (today - since).days - days)
