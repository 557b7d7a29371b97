"""The catalogue of measures (措施库) and the rules that suggest them (分类施策). Pure: plain values in, plain
values out, so the page, the API and the tests share one definition.

A household's classes come from its members' labour capacity and health and its causes of poverty; the
suggestions come from the classes and the causes. The user decides: a suggestion says why, nothing is added by
itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from jingzhun.registry.choices import DANGEROUS_GRADES, Cause, Health, Labour, Schooling

from .choices import HouseholdClass as HC
from .choices import MeasureCategory as MC


@dataclass(frozen=True)
class Item:
    key: str
    category: str
    label: object  # a lazy translation

    @property
    def category_label(self):
        return MC(self.category).label


CATALOGUE: tuple[Item, ...] = (
    Item("industry", MC.PRODUCTION, _("产业扶持（种养殖项目）")),
    Item("cooperative", MC.PRODUCTION, _("带动加入合作社或龙头企业")),
    Item("relocation", MC.RELOCATION, _("易地扶贫搬迁")),
    Item("forest_ranger", MC.ECOLOGY, _("生态护林员")),
    Item("eco_compensation", MC.ECOLOGY, _("生态补偿（退耕还林等）")),
    Item("education_grant", MC.EDUCATION, _("教育资助（助学金、免学费）")),
    Item("vocational", MC.EDUCATION, _("雨露计划职业教育补助")),
    Item("dibao", MC.SOCIAL_SECURITY, _("纳入农村低保")),
    Item("wubao", MC.SOCIAL_SECURITY, _("特困人员救助供养")),
    Item("relief", MC.SOCIAL_SECURITY, _("临时救助")),
    Item("training", MC.EMPLOYMENT, _("就业技能培训")),
    Item("job", MC.EMPLOYMENT, _("转移就业（劳务输出）")),
    Item("insurance", MC.HEALTH, _("代缴基本医保和大病保险")),
    Item("medical_aid", MC.HEALTH, _("医疗救助（先诊疗后付费）")),
    Item("rehabilitation", MC.HEALTH, _("残疾人康复服务和补贴")),
    Item("house_repair", MC.HOUSING, _("危房改造")),
    Item("microcredit", MC.FINANCE, _("扶贫小额信贷")),
    Item("subsidy", MC.FINANCE, _("产业奖补")),
    Item("public_post", MC.PUBLIC_POST, _("公益性岗位")),
    Item("consumption", MC.CONSUMPTION, _("农产品消费扶贫")),
    Item("dividend", MC.ASSET_INCOME, _("资产收益分红")),
)
BY_KEY: dict[str, Item] = {i.key: i for i in CATALOGUE}

# What each class calls for (DOMAIN.md §6): no labour → 兜底; little → 产业; disabled → 康复 + 帮扶; much labour →
# training and employment; potential without capital → credit and subsidies; harsh environment → relocation.
CLASS_ITEMS: dict[str, tuple[str, ...]] = {
    HC.NO_LABOUR: ("dibao", "wubao", "dividend"),
    HC.LITTLE_LABOUR: ("industry", "public_post", "dividend"),
    HC.DISABLED: ("rehabilitation", "relief"),
    HC.MUCH_LABOUR: ("training", "job"),
    HC.NO_CAPITAL: ("microcredit", "subsidy"),
    HC.HARSH_ENVIRONMENT: ("relocation",),
}

# Causes that call for a measure whatever the class.
CAUSE_ITEMS: dict[str, tuple[str, ...]] = {
    Cause.ILLNESS: ("insurance", "medical_aid"),
    Cause.DISABILITY: ("rehabilitation",),
    Cause.EDUCATION: ("education_grant",),
    Cause.DISASTER: ("relief",),
    Cause.LACK_LAND: ("cooperative", "forest_ranger"),
    Cause.LACK_WATER: ("relocation",),
    Cause.LACK_SKILLS: ("training",),
    Cause.LACK_LABOUR: ("public_post",),
    Cause.LACK_CAPITAL: ("microcredit",),
    Cause.POOR_TRANSPORT: ("relocation", "consumption"),
    Cause.LACK_MOTIVATION: ("training", "public_post"),
}

ABLE = frozenset({Labour.ORDINARY, Labour.SKILLED})
HARSH_CAUSES = frozenset({Cause.LACK_WATER, Cause.POOR_TRANSPORT, Cause.DISASTER})
VOCATIONAL = frozenset(s for s in Schooling.values if s.startswith(("sec_voc", "high_voc")))


@dataclass(frozen=True)
class Profile:
    """What the suggestions look at: causes, each active member's labour, health and schooling, and the house."""

    main_cause: str
    other_causes: tuple[str, ...] = ()
    labour: tuple[str, ...] = ()
    health: tuple[str, ...] = ()
    schooling: tuple[str, ...] = ()
    house_grade: str = ""

    @property
    def causes(self) -> frozenset[str]:
        return frozenset((self.main_cause, *self.other_causes))


def household_classes(p: Profile) -> list[str]:
    """The classes a household falls in (a household may be in several, e.g. disabled and harsh environment)."""
    able = sum(1 for x in p.labour if x in ABLE)
    weak = sum(1 for x in p.labour if x == Labour.WEAK)
    found = []
    if able == 0 and weak == 0:
        found.append(HC.NO_LABOUR)
    elif able == 0:
        found.append(HC.LITTLE_LABOUR)
    if Health.DISABLED in p.health or Cause.DISABILITY in p.causes:
        found.append(HC.DISABLED)
    if able >= 2:
        found.append(HC.MUCH_LABOUR)
    if able >= 1 and Cause.LACK_CAPITAL in p.causes:
        found.append(HC.NO_CAPITAL)
    if p.causes & HARSH_CAUSES:
        found.append(HC.HARSH_ENVIRONMENT)
    return found


@dataclass
class Suggestion:
    item: Item
    reasons: list[str] = field(default_factory=list)


def suggest(p: Profile, already: Iterable[str] = ()) -> list[Suggestion]:
    """Catalogue items for the household, each with why (class or cause), in catalogue order; items already in
    the plan are left out."""
    why: dict[str, list[str]] = {}
    for cls in household_classes(p):
        for key in CLASS_ITEMS[cls]:
            why.setdefault(key, []).append(str(HC(cls).label))
    for cause in (p.main_cause, *p.other_causes):
        for key in CAUSE_ITEMS.get(cause, ()):
            why.setdefault(key, []).append(str(Cause(cause).label))
    if p.house_grade in DANGEROUS_GRADES:
        why.setdefault("house_repair", []).append(str(_("住房为危房")))
    if any(s in VOCATIONAL for s in p.schooling):
        why.setdefault("vocational", []).append(str(_("有职业教育在校生")))
    skip = set(already)
    return [
        Suggestion(i, list(dict.fromkeys(why[i.key])))
        for i in CATALOGUE
        if i.key in why and i.key not in skip
    ]
