"""The reasons a score is high, in words a cadre reads on a visit list.

Each feature that raised a household's score (its SHAP contribution, LightGBM's ``pred_contrib``) is said with
its value: "人均纯收入比上年下降 32%", not "income_change = -0.39". A feature raises the risk in one direction
only in the data that matter (low income, a fall, a seriously ill member), but a tree model may credit the other
side too (a high dependants share in a household that is otherwise fine); the words then state the fact plainly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .features import FEATURES


def _pct(v: float) -> str:
    return f"{abs(v) * 100:.0f}%"


def _change(v: float, when: str) -> str:
    ratio = math.exp(v) - 1
    if ratio < 0:
        return f"{when}人均纯收入比上一年下降 {_pct(ratio)}"
    return f"{when}人均纯收入比上一年增长 {_pct(ratio)}（增长不稳）"


def _count(label: str, unit: str = "人") -> Callable[[float], str]:
    return lambda v: f"{label} {v:.0f} {unit}" if v else f"无{label.removeprefix('家中有')}"


_WORDS: dict[str, Callable[[float], str]] = {
    "income_ratio": lambda v: f"今年人均纯收入偏低（为贫困线的 {v:.2f} 倍）",
    "income_ratio_1": lambda v: f"上年人均纯收入偏低（为贫困线的 {v:.2f} 倍）",
    "income_ratio_2": lambda v: f"前年人均纯收入偏低（为贫困线的 {v:.2f} 倍）",
    "income_change": lambda v: _change(v, "今年"),
    "income_change_1": lambda v: _change(v, "上年"),
    "income_min": lambda v: f"近三年最低人均纯收入仅为贫困线的 {v:.2f} 倍",
    "no_record": lambda v: "今年缺少收入记录" if v else "今年有收入记录",
    "persons": lambda v: f"家庭人口 {v:.0f} 人",
    "workers": lambda v: f"劳动力少（{v:.0f} 人）",
    "skilled": lambda v: f"技能劳动力 {v:.0f} 人",
    "dependants": lambda v: f"家庭负担重：非劳动力占家庭人口的 {_pct(v)}",
    "children": _count("家中有未成年人"),
    "elders": _count("家中有65岁以上老人"),
    "workers_ageing_out": lambda v: f"明年有 {v:.0f} 名劳动力年满60岁",
    "serious": lambda v: f"家中有大病患者 {v:.0f} 人" if v else "家中无大病患者",
    "serious_new": lambda v: f"今年新增大病患者 {v:.0f} 人" if v else "今年无新增大病患者",
    "serious_uninsured": lambda v: "大病患者未参加基本医疗保险或大病保险" if v else "大病患者已参保",
    "chronic": _count("家中有长期慢性病患者"),
    "disabled": _count("家中有残疾人"),
    "uninsured": lambda v: "有成员未参加基本医疗保险或大病保险" if v else "成员均已参保",
    "out_of_school": lambda v: "有义务教育阶段适龄子女失学辍学" if v else "适龄子女均在校",
    "dibao": lambda v: f"享受低保 {v:.0f} 人" if v else "未享受低保",
    "house_unsafe": lambda v: "住房为C级或D级危房" if v else "住房安全",
    "house_damaged": lambda v: "住房今年由安全变为危房（疑似受灾）" if v else "住房未见新损",
    "water_unsafe": lambda v: "饮水不安全" if v else "饮水安全",
    "monitored": lambda v: "年末已是监测对象" if v else "年末不是监测对象",
    "exited": lambda v: "脱贫户" if v else "一般农户（未建档立卡）",
    "wubao": lambda v: "特困供养户" if v else "非特困供养户",
    "cause_illness": lambda v: "主要致贫原因为因病" if v else "主要致贫原因不是因病",
    "cause_disaster": lambda v: "主要致贫原因为因灾" if v else "主要致贫原因不是因灾",
    "cause_labour": lambda v: "主要致贫原因为缺劳力" if v else "主要致贫原因不是缺劳力",
    "village_income": lambda v: f"本村收入水平低（人均纯收入中位数为贫困线的 {v:.1f} 倍）",
    "village_falls": lambda v: f"本村今年 {_pct(v)} 的农户收入下降四分之一以上（疑似受灾或减收）",
    "village_falls_1": lambda v: f"本村上年 {_pct(v)} 的农户收入下降四分之一以上",
    "village_low": lambda v: f"本村 {_pct(v)} 的农户收入低于监测线",
}
_MISSING = {
    "income_ratio_1": "上年无收入记录",
    "income_ratio_2": "前年无收入记录",
    "income_change": "无法与上年收入比较（缺记录）",
    "income_change_1": "无法比较上年与前年收入（缺记录）",
    "house_damaged": "无上年住房记录",
}
assert set(_WORDS) == set(FEATURES), set(FEATURES) ^ set(_WORDS)


def describe(feature: str, value: float | None) -> str:
    """One feature's value in words."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _MISSING.get(feature, "今年缺少收入记录")
    return _WORDS[feature](value)


def top_reasons(contributions, values, *, top: int = 3) -> list[str]:
    """The words for the ``top`` features that raised this household's score most (positive contributions
    only, largest first)."""
    order = sorted(range(len(FEATURES)), key=lambda i: -contributions[i])
    return [describe(FEATURES[i], values[i]) for i in order[:top] if contributions[i] > 0]
