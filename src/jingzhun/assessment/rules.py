"""Pure rules of 精准考核: the county exit check (贫困县退出) from the county's rolled-up figures, the survey
estimates and the policy's thresholds — each condition with its figures, the point estimate deciding and its
interval shown beside it (DOMAIN.md §9)."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Condition:
    label: str
    value: float | None  # percent
    low: float | None
    high: float | None
    threshold: float
    below: bool  # the value must be below the threshold (else: at least)
    facts: str  # the figures behind the value, in words
    evidence: str = ""

    @property
    def passed(self) -> bool:
        if self.value is None:
            return False
        return self.value < self.threshold if self.below else self.value >= self.threshold

    @property
    def rule(self) -> str:
        return (_("低于 %(t)s%%") if self.below else _("不低于 %(t)s%%")) % {"t": f"{self.threshold:g}"}


def _pct(x):
    return None if x is None else x * 100


def exit_check(
    *, parts: dict, estimates: dict, policy, rollup_url: str = "", survey_url: str = ""
) -> list[Condition]:
    """The four conditions of a county's exit. ``parts``: the county's rollup (poor_persons, persons,
    status_exited_persons, rural_population); ``estimates``: kind → (point, low, high) as shares, or missing.
    综合贫困发生率 = (remaining registered poor + 漏评率 × non-registered + 错退率 × exited) ÷ rural population; its
    interval is that of the one design-based estimate ``estimates["incidence"]`` (``estimates.combined``), never
    the two rates' interval endpoints put together — without it the interval is not shown."""
    rural = float(parts.get("rural_population") or 0)
    poor = float(parts.get("poor_persons") or 0)
    exited = float(parts.get("status_exited_persons") or 0)
    outside = max(0.0, rural - float(parts.get("persons") or 0))
    missed, wrong = estimates.get("missed"), estimates.get("wrong_exit")
    satisfaction = estimates.get("satisfaction")
    if rural and missed and wrong:
        value = (poor + missed[0] * outside + wrong[0] * exited) / rural * 100
        combined = estimates.get("incidence")
        low, high = (combined[1] * 100, combined[2] * 100) if combined else (None, None)
        facts = _(
            "（现有贫困人口 %(p)d + 漏评人口 %(m).1f + 错退人口 %(w).1f）÷ 农村人口 %(r)d；漏评人口 = 漏评率 × 非建档立卡人口"
            " %(o)d，错退人口 = 错退率 × 已脱贫人口 %(e)d"
        ) % {
            "p": poor,
            "m": missed[0] * outside,
            "w": wrong[0] * exited,
            "r": rural,
            "o": outside,
            "e": exited,
        }
    else:
        value = low = high = None
        facts = _("暂无数据：需要统计汇总的农村人口和第三方评估的错退率、漏评率。")

    def from_survey(label, est, threshold, below, words):
        if est is None:
            return Condition(
                label, None, None, None, threshold, below, _("暂无数据：尚无第三方评估估计。"), survey_url
            )
        return Condition(label, _pct(est[0]), _pct(est[1]), _pct(est[2]), threshold, below, words, survey_url)

    return [
        Condition(
            _("综合贫困发生率"), value, low, high, float(policy.exit_incidence), True, facts, rollup_url
        ),
        from_survey(
            _("错退率"),
            wrong,
            float(policy.exit_wrong_exit),
            True,
            _("抽样错退人口 ÷ 抽样已脱贫人口（加权）"),
        ),
        from_survey(
            _("漏评率"),
            missed,
            float(policy.exit_missed),
            True,
            _("核实漏评人口 ÷ 样本村非建档立卡人口（加权）"),
        ),
        from_survey(
            _("群众认可度"),
            satisfaction,
            float(policy.exit_satisfaction),
            False,
            _("认可户数 ÷ 调查户数（加权）"),
        ),
    ]
