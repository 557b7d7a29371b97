"""``jingzhun demo-assistance``: helping units and cadres for the demo county, paired with every registered
household by the needs-first matching (once), so that the demo shows caseloads and a proposal to review."""

import random

from jingzhun.assistance import demo, matching, services
from jingzhun.assistance.choices import Skill, UnitType
from jingzhun.assistance.models import HelpingUnit
from jingzhun.assistance.selectors import helped
from jingzhun.core.context import acting_as
from jingzhun.regions.democommand import DemoCountyCommand
from jingzhun.regions.models import Region
from jingzhun.registry.models import Household

UNITS = [
    ("县卫生健康局", UnitType.HEALTH, 3), ("县教育局", UnitType.EDUCATION, 3), ("县农业农村局", UnitType.AGRICULTURE, 3),
    ("县农村信用联社", UnitType.FINANCE, 3), ("县委办公室", UnitType.GOVERNMENT, 3), ("省交通运输厅", UnitType.GOVERNMENT, 1),
    ("州人民医院", UnitType.HEALTH, 2), ("贵州茶业集团", UnitType.ENTERPRISE, 1),
]  # fmt: skip
NAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "明华建国伟芳军勇静丽强磊洋艳杰娟涛超秀英"


class Command(DemoCountyCommand):
    help = (
        "Create demo helping units and cadres in the demo county, pair every registered household (once), and "
        "give the households plans, measures and visits and the villages units, teams and resources."
    )

    def seed_county(self, region, seed):
        if HelpingUnit.objects.filter(region=region).exists():
            self.stdout.write(f"{region.name} 已有帮扶单位，跳过。")
            return
        rng = random.Random(seed)
        towns = list(Region.objects.filter(parent=region).order_by("code"))
        needing = Household.objects.filter(helped(), region__code__range=region.subtree_range()).count()
        with acting_as(source="command:demo-assistance"):
            units = [
                services.unit_create(user=None, name=name, unit_type=kind, level=level, region=region)
                for name, kind, level in UNITS
            ]
            # One cadre per four households: a fifth of the places to spare, as a county would plan it.
            for _ in range(max(1, needing // 4)):
                services.cadre_create(
                    user=None, name=rng.choice(NAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                    unit=rng.choice(units), region=rng.choice(towns),
                    skills=rng.sample(list(Skill.values), rng.choice((0, 1, 1, 2))),
                )  # fmt: skip
            proposal = matching.proposal_make(user=None, county=region)
            made = matching.proposal_accept(user=None, proposal=proposal)
            favoured = demo.seed_villages(region, units, rng)
            plans, measures, visits = demo.seed_plans(region, units, favoured, rng)
            supports = demo.seed_supports(region, units, favoured, rng)
        after = proposal.summary["after"]
        self.stdout.write(
            self.style.SUCCESS(
                f"已为 {region.name} 登记 {len(units)} 个帮扶单位、{needing // 4} 名帮扶责任人，"
                f"需求匹配结对 {made} 户（对症率 {after['fit_share']:.0%}，同乡镇 {after['local_share']:.0%}）；"
                f"帮扶计划 {plans} 份、措施 {measures} 项、走访 {visits} 次、村级投入 {supports} 笔"
            )
        )
